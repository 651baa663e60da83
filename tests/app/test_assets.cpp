// Asset manifest + cache: mirror copies, downloads (file:// URLs), sha256 verification.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "assets/asset_ref.h"
#include "assets/assets.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace adamix;
using namespace adamix::app;

/// A minimal HTTP/1.1 server standing in for the Hugging Face Hub: HEAD and GET on
/// /<repo>/resolve/<revision>/<path>. An LFS file answers 302 to /cdn/<path> with its sha256 in
/// X-Linked-Etag (as the Hub); a regular file answers 200 with its git blob sha1 as ETag.
/// `body` is what is served, `published` the checksum announced (default: the body's own).
class FakeHub : public QObject {
 public:
  struct File {
    QByteArray body;
    bool lfs = false;
    QString published;  ///< empty: the body's checksum; "-": none at all
  };
  QMap<QString, File> files;  ///< by path
  QString repoPrefix = QStringLiteral("/org/toy/resolve/abc123/");

  FakeHub() {
    server_.listen(QHostAddress::LocalHost);
    connect(&server_, &QTcpServer::newConnection, this, [this] {
      while (QTcpSocket* sock = server_.nextPendingConnection()) {
        connect(sock, &QTcpSocket::readyRead, this, [this, sock] { serve(sock); });
        connect(sock, &QTcpSocket::disconnected, sock, &QObject::deleteLater);
      }
    });
  }
  QString endpoint() const { return QStringLiteral("http://127.0.0.1:%1").arg(server_.serverPort()); }

 private:
  void serve(QTcpSocket* sock) {
    QByteArray& buf = pending_[sock];
    buf += sock->readAll();
    if (!buf.contains("\r\n\r\n")) return;
    const QList<QByteArray> line = buf.left(buf.indexOf("\r\n")).split(' ');
    pending_.remove(sock);
    const bool head = line.value(0) == "HEAD";
    const QString target = QString::fromLatin1(line.value(1));
    QByteArray reply;
    auto respond = [&](const QByteArray& status, const QByteArray& headers, const QByteArray& body) {
      reply = "HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: " + QByteArray::number(body.size()) +
              "\r\nConnection: close\r\n\r\n" + (head ? QByteArray() : body);
    };
    if (target.startsWith("/cdn/") && files.contains(target.mid(5))) {
      respond("200 OK", "", files[target.mid(5)].body);
    } else if (target.startsWith(repoPrefix) && files.contains(target.mid(repoPrefix.size()))) {
      const QString path = target.mid(repoPrefix.size());
      const File& f = files[path];
      QString sum = f.published;
      if (sum.isEmpty()) {
        sum = f.lfs ? QString(QCryptographicHash::hash(f.body, QCryptographicHash::Sha256).toHex())
                    : QString(QCryptographicHash::hash("blob " + QByteArray::number(f.body.size()) + QByteArray(1, '\0') +
                                                           f.body,
                                                       QCryptographicHash::Sha1)
                                  .toHex());
      }
      const QByteArray etag = sum == "-" ? QByteArray() : "\"" + sum.toLatin1() + "\"";
      if (f.lfs)
        respond("302 Found",
                (etag.isEmpty() ? QByteArray() : "X-Linked-Etag: " + etag + "\r\n") + "Location: " +
                    endpoint().toLatin1() + "/cdn/" + path.toLatin1() + "\r\n",
                QByteArray());
      else
        respond("200 OK", etag.isEmpty() ? QByteArray() : "ETag: " + etag + "\r\n", f.body);
    } else {
      respond("404 Not Found", "", "no such file");
    }
    sock->write(reply);
    sock->disconnectFromHost();
  }
  QTcpServer server_;
  QMap<QTcpSocket*, QByteArray> pending_;
};

class TestAssets : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString mirror_;
  QString upstream_;

  static void write(const QString& path, const QByteArray& data) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(data);
  }
  static QByteArray read(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
  }
  /// A manifest for two assets written into the mirror and an "upstream" directory.
  AssetManifest manifest(bool upstreamUnknownForB = false) {
    auto fileEntry = [](const QString& p, const QByteArray& data) {
      QJsonObject o{{"path", p},
                    {"size", data.size()},
                    {"sha256", QString(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex())}};
      return o;
    };
    QJsonObject b = fileEntry("b.tsv", "row2\nrow1\n");
    if (upstreamUnknownForB) b["upstream_sha256"] = QJsonValue::Null;
    const QJsonObject doc{
        {"assets", QJsonObject{{"glue/TOY",
                                QJsonObject{{"mirror_path", "data/glue/TOY"},
                                            {"sources", QJsonArray{QJsonObject{
                                                            {"type", "files"},
                                                            {"url", QUrl::fromLocalFile(upstream_).toString() + "/"}}}},
                                            {"files", QJsonArray{fileEntry("a.tsv", "row1\nrow2\n"), b}}}},
                               {"models/tiny", QJsonObject{{"mirror_path", "models/tiny"},
                                                           {"sources", QJsonArray{}},
                                                           {"files", QJsonArray{fileEntry("config.json", "{}")}}}}}}};
    AssetManifest m;
    QString err;
    if (!AssetManifest::parse(QJsonDocument(doc).toJson(), &m, &err)) qFatal("%s", qPrintable(err));
    return m;
  }
  void makeMirror() {
    write(mirror_ + "/data/glue/TOY/a.tsv", "row1\nrow2\n");
    write(mirror_ + "/data/glue/TOY/b.tsv", "row2\nrow1\n");
    write(mirror_ + "/models/tiny/config.json", "{}");
    write(upstream_ + "/a.tsv", "row1\nrow2\n");
    write(upstream_ + "/b.tsv", "row2\nrow1\n");
  }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    mirror_ = tmp_.filePath("mirror");
    upstream_ = tmp_.filePath("upstream");
    qunsetenv("ADAMIX_ASSET_MIRROR");
  }
  void init() { makeMirror(); }

  void assetReferences() {
    QVERIFY(isAssetRef(QStringLiteral("asset:glue/RTE")));
    QVERIFY(!isAssetRef(QStringLiteral("glue/RTE")));
    QVERIFY(!isAssetRef(QStringLiteral("/data/asset:x")));
    QCOMPARE(assetName(QStringLiteral("asset:models/stories260K")), QStringLiteral("models/stories260K"));
    QCOMPARE(assetName(QStringLiteral("vocab/gpt2")), QStringLiteral("vocab/gpt2"));  // no prefix: unchanged
    QCOMPARE(resolveAssetRef(QStringLiteral("asset:glue/RTE"), QStringLiteral("/cache/")),
             QStringLiteral("/cache/glue/RTE"));
    QCOMPARE(resolveAssetRef(QStringLiteral("asset:glue/../glue/RTE"), QStringLiteral("/cache")),
             QStringLiteral("/cache/glue/RTE"));
    QCOMPARE(resolveAssetRef(QStringLiteral("asset:glue/RTE"), QString()), QStringLiteral("asset:glue/RTE"));
    QCOMPARE(resolveAssetRef(QStringLiteral("/data/rte"), QStringLiteral("/cache")), QStringLiteral("/data/rte"));
  }

  void builtinManifestListsRealAssets() {
    const AssetManifest m = AssetManifest::builtin();
    for (const char* n : {"glue/RTE", "glue/SST-2", "glue/CoLA", "glue/MRPC", "glue/STS-B", "glue/WNLI", "glue/QNLI",
                          "models/stories260K", "vocab/gpt2", "vocab/roberta-base", "vocab/bert-base-uncased"})
      QVERIFY2(m.find(n), n);
    const Asset* rte = m.find("glue/RTE");
    QCOMPARE(rte->mirrorPath, QString("data/glue/RTE"));
    QCOMPARE(rte->files.size(), 3);  // dev, train and the unlabelled GLUE test set (issue 12: predict)
    QVERIFY(std::any_of(rte->files.begin(), rte->files.end(),
                        [](const AssetFile& f) { return f.path == "test.tsv" && f.size == 933969; }));
    QVERIFY(!rte->sources.isEmpty());
    // CoLA/SST-2 train: the reference copy's row order differs from the archive
    const Asset* sst = m.find("glue/SST-2");
    for (const AssetFile& f : sst->files)
      QCOMPARE(f.upstreamSha256.has_value() && f.upstreamSha256->isEmpty(), f.path == "train.tsv");
  }
  void copiesFromMirrorAndVerifies() {
    const AssetCache cache(tmp_.filePath("cache1"), manifest());
    const FetchResult r = cache.fetch("glue/TOY", {mirror_});
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.copied, 2);
    QCOMPARE(r.path, tmp_.filePath("cache1/glue/TOY"));
    QCOMPARE(read(r.path + "/a.tsv"), QByteArray("row1\nrow2\n"));
    QVERIFY(cache.isCached("glue/TOY"));
    const FetchResult again = cache.fetch("glue/TOY", {mirror_});
    QVERIFY(again.ok);
    QCOMPARE(again.copied, 0);  // already verified in the cache
  }
  void mirrorFromEnvironment() {
    qputenv("ADAMIX_ASSET_MIRROR", mirror_.toUtf8());
    const AssetCache cache(tmp_.filePath("cache-env"), manifest());
    const FetchResult r = cache.fetch("models/tiny");
    qunsetenv("ADAMIX_ASSET_MIRROR");
    QVERIFY2(r.ok, qPrintable(r.error));
    QVERIFY(QFile::exists(tmp_.filePath("cache-env/models/tiny/config.json")));
  }
  void corruptMirrorFileIsAnErrorNamingTheFile() {
    write(mirror_ + "/data/glue/TOY/b.tsv", "tampered\n");
    const AssetCache cache(tmp_.filePath("cache2"), manifest());
    const FetchResult r = cache.fetch("glue/TOY", {mirror_});
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains("sha256 mismatch") && r.error.contains("b.tsv"), qPrintable(r.error));
    QVERIFY(!QFile::exists(tmp_.filePath("cache2/glue/TOY/b.tsv")));
    QVERIFY(!QFile::exists(tmp_.filePath("cache2/glue/TOY/b.tsv.partial")));
    QVERIFY(!cache.isCached("glue/TOY"));
  }
  void badTransferNeverReplacesGoodCachedFile() {
    const AssetCache cache(tmp_.filePath("cache3"), manifest());
    QVERIFY(cache.fetch("glue/TOY", {mirror_}).ok);
    // the cached a.tsv is damaged, the mirror's b.tsv too: fetching repairs a.tsv, keeps b.tsv
    write(tmp_.filePath("cache3/glue/TOY/a.tsv"), "damaged");
    write(mirror_ + "/data/glue/TOY/b.tsv", "tampered\n");
    FetchResult r = cache.fetch("glue/TOY", {mirror_});
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.copied, 1);
    QCOMPARE(read(tmp_.filePath("cache3/glue/TOY/a.tsv")), QByteArray("row1\nrow2\n"));
    QCOMPARE(read(tmp_.filePath("cache3/glue/TOY/b.tsv")), QByteArray("row2\nrow1\n"));
    // a damaged cached file + corrupt source: error, and the old file is not overwritten by the bad copy
    write(tmp_.filePath("cache3/glue/TOY/b.tsv"), "old");
    r = cache.fetch("glue/TOY", {mirror_});
    QVERIFY(!r.ok);
    QCOMPARE(read(tmp_.filePath("cache3/glue/TOY/b.tsv")), QByteArray("old"));
  }
  void missingMirrorFile() {
    QFile::remove(mirror_ + "/data/glue/TOY/a.tsv");
    const AssetCache cache(tmp_.filePath("cache4"), manifest());
    const FetchResult r = cache.fetch("glue/TOY", {mirror_});
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains("a.tsv") && r.error.contains("missing"), qPrintable(r.error));
  }
  void downloadsAndVerifies() {
    const AssetCache cache(tmp_.filePath("cache5"), manifest());
    FetchOptions o;  // no mirror: the "files" source (file:// URL here)
    const FetchResult r = cache.fetch("glue/TOY", o);
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.copied, 2);
    QVERIFY(cache.isCached("glue/TOY"));
  }
  void corruptDownloadIsRejected() {
    write(upstream_ + "/b.tsv", "evil\n");
    const AssetCache cache(tmp_.filePath("cache6"), manifest());
    const FetchResult r = cache.fetch("glue/TOY", {});
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains("sha256 mismatch") && r.error.contains("b.tsv"), qPrintable(r.error));
    QVERIFY(!QFile::exists(tmp_.filePath("cache6/glue/TOY/b.tsv")));
    QVERIFY(!QFile::exists(tmp_.filePath("cache6/glue/TOY/b.tsv.partial")));
  }
  void unknownUpstreamHashIsAcceptedWithWarning() {
    write(upstream_ + "/b.tsv", "row1\nrow2\n");  // same rows, other order
    const AssetCache cache(tmp_.filePath("cache7"), manifest(true));
    const FetchResult r = cache.fetch("glue/TOY", {});
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.warnings.size(), 1);
    QVERIFY(r.warnings[0].contains("b.tsv"));
  }
  void errorsForUnknownAndSourceless() {
    const AssetCache cache(tmp_.filePath("cache8"), manifest());
    FetchResult r = cache.fetch("glue/NOPE", {mirror_});
    QVERIFY(!r.ok);
    QVERIFY(r.error.contains("unknown asset"));
    r = cache.fetch("models/tiny", {});
    QVERIFY(!r.ok);
    QVERIFY(r.error.contains("mirror"));
    FetchOptions offline;
    offline.offline = true;
    r = cache.fetch("glue/TOY", offline);
    QVERIFY(!r.ok);
    QVERIFY(r.error.contains("not cached"));
  }
  // "sha256": "hub": downloads from an "hf" source are verified against the checksum the Hub
  // publishes (sha256 for LFS files, git blob sha1 for regular ones), and recorded.
  void hubSourceVerifiesThePublishedChecksums() {
    // git hash-object of "hello\n" (a value git itself prints).
    write(tmp_.filePath("hello.txt"), "hello\n");
    QCOMPARE(gitBlobSha1File(tmp_.filePath("hello.txt")), QString("ce013625030ba8dba906f756967f9e9ca394464a"));

    FakeHub hub;
    hub.files["config.json"] = {"{\"model_type\": \"toy\"}\n", false, {}};
    hub.files["model.safetensors"] = {QByteArray(5000, 'w'), true, {}};
    auto manifestJson = [&](const QString& endpoint) {
      const QJsonObject doc{{"assets",
                             QJsonObject{{"models/toy",
                                          QJsonObject{{"sources", QJsonArray{QJsonObject{{"type", "hf"},
                                                                                         {"repo", "org/toy"},
                                                                                         {"revision", "abc123"},
                                                                                         {"endpoint", endpoint}}}},
                                                      {"files", QJsonArray{QJsonObject{{"path", "config.json"}, {"sha256", "hub"}},
                                                                           QJsonObject{{"path", "model.safetensors"},
                                                                                       {"sha256", "hub"}}}}}}}}};
      return QJsonDocument(doc).toJson();
    };
    auto manifestFor = [&](const QString& endpoint) {
      AssetManifest m;
      QString err;
      if (!AssetManifest::parse(manifestJson(endpoint), &m, &err)) qFatal("%s", qPrintable(err));
      return m;
    };
    QCOMPARE(manifestFor(hub.endpoint()).find("models/toy")->sources[0].fileUrl("config.json"),
             hub.endpoint() + "/org/toy/resolve/abc123/config.json");
    const AssetCache cache(tmp_.filePath("hubcache"), manifestFor(hub.endpoint()));
    FetchResult r = cache.fetch("models/toy", {});
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.copied, 2);
    QVERIFY(cache.isCached("models/toy"));
    QCOMPARE(read(tmp_.filePath("hubcache/models/toy/model.safetensors")), QByteArray(5000, 'w'));
    // A cached file changed afterwards is no longer "cached" (compared with the recorded hash).
    write(tmp_.filePath("hubcache/models/toy/config.json"), "{}\n");
    QVERIFY(!cache.isCached("models/toy"));

    // Served bytes that do not match the published checksum: rejected, nothing kept.
    hub.files["model.safetensors"].published = QString(64, 'a');
    const AssetCache bad(tmp_.filePath("hubcache2"), manifestFor(hub.endpoint()));
    r = bad.fetch("models/toy", {});
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains("checksum mismatch") && r.error.contains("model.safetensors") &&
                 r.error.contains("sha256 " + QString(64, 'a')),
             qPrintable(r.error));
    QVERIFY(!QFile::exists(tmp_.filePath("hubcache2/models/toy/model.safetensors")));
    hub.files["model.safetensors"].published.clear();
    hub.files["config.json"].published = QString(40, 'b');  // a wrong git sha1
    r = AssetCache(tmp_.filePath("hubcache3"), manifestFor(hub.endpoint())).fetch("models/toy", {});
    QVERIFY2(!r.ok && r.error.contains("git blob sha1 " + QString(40, 'b')), qPrintable(r.error));
    // No checksum published at all: refused.
    hub.files["config.json"].published = "-";
    r = AssetCache(tmp_.filePath("hubcache4"), manifestFor(hub.endpoint())).fetch("models/toy", {});
    QVERIFY2(!r.ok && r.error.contains("publishes no checksum"), qPrintable(r.error));
    // A mirror cannot vouch for a hub-verified file: with a mirror set it still comes from the Hub.
    hub.files["config.json"].published.clear();
    write(mirror_ + "/models/toy/config.json", "{}\n");
    const AssetCache viaMirror(tmp_.filePath("hubcache5"), manifestFor(hub.endpoint()));
    r = viaMirror.fetch("models/toy", {mirror_});
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(read(tmp_.filePath("hubcache5/models/toy/config.json")), QByteArray("{\"model_type\": \"toy\"}\n"));
    // The recorded hash is keyed by repo and revision: another revision is not "cached".
    const QJsonObject record =
        QJsonDocument::fromJson(read(tmp_.filePath("hubcache5/models/toy/.hub-verified.json"))).object();
    QCOMPARE(record.value("org/toy@abc123/model.safetensors").toString(),
             QString(QCryptographicHash::hash(QByteArray(5000, 'w'), QCryptographicHash::Sha256).toHex()));
    QVERIFY(viaMirror.isCached("models/toy"));
    AssetManifest m2;
    QString err2;
    QByteArray otherDoc = manifestJson(hub.endpoint()).replace("abc123", "def456");
    QVERIFY(AssetManifest::parse(otherDoc, &m2, &err2));
    QVERIFY(!AssetCache(tmp_.filePath("hubcache5"), m2).isCached("models/toy"));
    // A file with a known sha256 of an "hf" asset that the mirror does not hold comes from the Hub,
    // verified against that sha256.
    {
      const QByteArray body = hub.files["config.json"].body;
      const QJsonObject doc{
          {"assets",
           QJsonObject{{"models/toy2",
                        QJsonObject{{"sources", QJsonArray{QJsonObject{{"type", "hf"},
                                                                       {"repo", "org/toy"},
                                                                       {"revision", "abc123"},
                                                                       {"endpoint", hub.endpoint()}}}},
                                    {"files", QJsonArray{QJsonObject{
                                                  {"path", "config.json"},
                                                  {"sha256", QString(QCryptographicHash::hash(
                                                                         body, QCryptographicHash::Sha256)
                                                                         .toHex())}}}}}}}}};
      AssetManifest m3;
      QString err3;
      QVERIFY(AssetManifest::parse(QJsonDocument(doc).toJson(), &m3, &err3));
      const AssetCache notInMirror(tmp_.filePath("hubcache7"), m3);
      r = notInMirror.fetch("models/toy2", {mirror_});
      QVERIFY2(r.ok, qPrintable(r.error));
      QCOMPARE(read(tmp_.filePath("hubcache7/models/toy2/config.json")), body);
    }
    // Offline, with a mirror: the Hub files are not taken from it.
    FetchOptions offline;
    offline.mirrorDir = mirror_;
    offline.offline = true;
    r = AssetCache(tmp_.filePath("hubcache6"), manifestFor(hub.endpoint())).fetch("models/toy", offline);
    QVERIFY2(!r.ok && r.error.contains("needs the network"), qPrintable(r.error));
    // "hub" needs an "hf" source.
    AssetManifest m;
    QString err;
    QVERIFY(!AssetManifest::parse(R"({"assets": {"x/y": {"sources": [], "files": [{"path": "a", "sha256": "hub"}]}}})", &m,
                                  &err));
    QVERIFY2(err.contains("/assets/x/y/files"), qPrintable(err));
  }
  void realSharedMirror() {
    const QString shared = QStringLiteral(ADAMIX_SHARED_DIR);
    if (!QFile::exists(shared + "/data/glue/RTE/dev.tsv")) QSKIP("no ../shared mirror here");
    const AssetCache cache(tmp_.filePath("cache-real"));
    for (const char* n : {"glue/RTE", "models/stories260K"}) {
      const FetchResult r = cache.fetch(n, {shared});
      QVERIFY2(r.ok, qPrintable(r.error));
    }
    QVERIFY(QFile::exists(tmp_.filePath("cache-real/models/stories260K/model.safetensors")));
  }
};

QTEST_GUILESS_MAIN(TestAssets)
#include "test_assets.moc"
