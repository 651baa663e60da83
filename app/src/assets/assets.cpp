// SPDX-License-Identifier: GPL-3.0-or-later
#include "assets/assets.h"

#include <QCryptographicHash>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>

#include <algorithm>

static void initAssetResources() { Q_INIT_RESOURCE(adamix_assets); }

namespace adamix::app {

namespace {

/// The asset's first Hugging Face Hub ("hf") source; null when it has none.
const AssetSource* hubSource(const Asset& a) {
  const auto it =
      std::find_if(a.sources.begin(), a.sources.end(), [](const AssetSource& s) { return s.type == "hf"; });
  return it == a.sources.end() ? nullptr : &*it;
}

/// Sha256 of an asset's files verified against the Hub, by hubKey() (<asset>/.hub-verified.json).
QJsonObject hubRecord(const QString& assetDir) {
  QFile f(QDir(assetDir).filePath(QStringLiteral(".hub-verified.json")));
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}

/// "<repo>@<revision>/<path>" of a hub-verified file (its asset's first "hf" source): a file
/// verified for another revision is not taken for this one.
QString hubKey(const Asset& a, const AssetFile& f) {
  const AssetSource* s = hubSource(a);
  return s ? QStringLiteral("%1@%2/%3").arg(s->repo, s->revision, f.path) : f.path;
}

}  // namespace

// ---- manifest ------------------------------------------------------------------------------

bool AssetManifest::parse(const QByteArray& bytes, AssetManifest* out, QString* error) {
  QJsonParseError pe;
  const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
  if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
    *error = QStringLiteral("asset manifest: %1").arg(pe.errorString());
    return false;
  }
  const QJsonObject assets = doc.object().value("assets").toObject();
  AssetManifest m;
  for (auto it = assets.begin(); it != assets.end(); ++it) {
    const QJsonObject o = it.value().toObject();
    Asset a;
    a.name = it.key();
    a.description = o.value("description").toString();
    a.license = o.value("license").toString();
    a.note = o.value("note").toString();
    a.mirrorPath = o.value("mirror_path").toString();
    for (const QJsonValue& s : o.value("sources").toArray()) {
      const QJsonObject so = s.toObject();
      AssetSource src;
      src.type = so.value("type").toString();
      src.url = so.value("url").toString();
      src.memberPrefix = so.value("member_prefix").toString();
      src.repo = so.value("repo").toString();
      src.revision = so.value("revision").toString(QStringLiteral("main"));
      src.endpoint = so.value("endpoint").toString(QStringLiteral("https://huggingface.co"));
      if (src.type == "hf" && (src.repo.isEmpty() || src.repo.contains("..") || src.revision.isEmpty())) {
        *error = QStringLiteral("asset manifest: /assets/%1/sources: an \"hf\" source needs \"repo\" and \"revision\"")
                     .arg(a.name);
        return false;
      }
      a.sources.push_back(src);
    }
    const bool fromHub = hubSource(a) != nullptr;
    for (const QJsonValue& f : o.value("files").toArray()) {
      const QJsonObject fo = f.toObject();
      AssetFile af;
      af.path = fo.value("path").toString();
      af.sha256 = fo.value("sha256").toString().toLower();
      af.hubChecksum = af.sha256 == QLatin1String("hub");
      if (af.hubChecksum) af.sha256.clear();
      af.size = fo.value("size").toInteger(-1);
      if (fo.contains("upstream_sha256"))
        af.upstreamSha256 =
            fo.value("upstream_sha256").isNull() ? QString() : fo.value("upstream_sha256").toString().toLower();
      if (af.path.isEmpty() || af.path.contains("..") || QDir::isAbsolutePath(af.path) ||
          (af.hubChecksum ? !fromHub : af.sha256.size() != 64)) {
        *error = QStringLiteral("asset manifest: /assets/%1/files: bad entry \"%2\"").arg(a.name, af.path);
        return false;
      }
      a.files.push_back(af);
    }
    if (a.name.contains("..") || a.files.isEmpty()) {
      *error = QStringLiteral("asset manifest: /assets/%1: no files or bad name").arg(a.name);
      return false;
    }
    m.assets_.push_back(a);
  }
  *out = m;
  return true;
}

bool AssetManifest::load(const QString& path, AssetManifest* out, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    *error = QStringLiteral("cannot read asset manifest %1: %2").arg(path, f.errorString());
    return false;
  }
  return parse(f.readAll(), out, error);
}

AssetManifest AssetManifest::builtin() {
  AssetManifest m;
  QString err;
  const QString override = qEnvironmentVariable("ADAMIX_ASSET_MANIFEST");
  if (!override.isEmpty()) {
    if (!load(override, &m, &err)) qWarning("%s", qPrintable(err));
    return m;
  }
  initAssetResources();
  if (!load(QStringLiteral(":/adamix/assets/manifest.json"), &m, &err)) qWarning("%s", qPrintable(err));
  return m;
}

const Asset* AssetManifest::find(const QString& name) const {
  for (const Asset& a : assets_)
    if (a.name == name) return &a;
  return nullptr;
}

QStringList AssetManifest::names() const {
  QStringList n;
  for (const Asset& a : assets_) n << a.name;
  return n;
}

// ---- cache ---------------------------------------------------------------------------------

AssetCache::AssetCache(QString cacheDir, AssetManifest manifest)
    : dir_(cacheDir.isEmpty() ? defaultCacheDir() : QDir(cacheDir).absolutePath()), manifest_(std::move(manifest)) {}

QString AssetCache::defaultCacheDir() {
  const QString env = qEnvironmentVariable("ADAMIX_ASSET_CACHE");
  if (!env.isEmpty()) return QDir(env).absolutePath();
  return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation)).filePath("adamix/assets");
}

QString AssetCache::sha256File(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QCryptographicHash h(QCryptographicHash::Sha256);
  if (!h.addData(&f)) return {};
  return QString::fromLatin1(h.result().toHex());
}

QString AssetCache::assetDir(const QString& name) const { return QDir(dir_).filePath(name); }

bool AssetCache::fileOk(const Asset& a, const AssetFile& f, const QString& path) const {
  const QFileInfo fi(path);
  if (!fi.isFile()) return false;
  const QString got = sha256File(path);
  // verified against the Hub's checksum when it was downloaded: compare with the recorded hash
  if (f.hubChecksum) return !got.isEmpty() && got == hubRecord(assetDir(a.name)).value(hubKey(a, f)).toString();
  if (got == f.sha256) return true;
  // a file from upstream whose hash is known to differ from the reference copy
  if (f.upstreamSha256.has_value()) return f.upstreamSha256->isEmpty() ? fi.size() > 0 : got == *f.upstreamSha256;
  return false;
}

QString AssetCache::localDir(const QString& name, const QString& file, const QString& mirrorDir) const {
  if (QFileInfo::exists(QDir(assetDir(name)).filePath(file))) return QDir(assetDir(name)).absolutePath();
  const QString mirror = mirrorDir.isEmpty() ? qEnvironmentVariable("ADAMIX_ASSET_MIRROR") : mirrorDir;
  const Asset* a = manifest_.find(name);
  if (mirror.isEmpty() || !a) return {};
  const QDir src(QDir(mirror).filePath(a->mirrorPath.isEmpty() ? name : a->mirrorPath));
  return QFileInfo::exists(src.filePath(file)) ? src.absolutePath() : QString();
}

bool AssetCache::isCached(const QString& name) const {
  const Asset* a = manifest_.find(name);
  if (!a) return false;
  for (const AssetFile& f : a->files)
    if (!fileOk(*a, f, QDir(assetDir(name)).filePath(f.path))) return false;
  return true;
}

namespace {

/// Normalises an HTTP ETag to a bare lower-case hex checksum (drops W/ and quotes); empty unless
/// it is 40 (git sha1) or 64 (sha256) hex digits.
QString checksumFromEtag(QByteArray etag) {
  etag = etag.trimmed();
  if (etag.startsWith("W/")) etag = etag.mid(2);
  const QString hex = QString::fromLatin1(etag).remove('"').toLower();
  if (hex.size() != 40 && hex.size() != 64) return {};
  for (QChar c : hex)
    if (!c.isDigit() && (c < 'a' || c > 'f')) return {};
  return hex;
}

}  // namespace

QString AssetSource::fileUrl(const QString& path) const {
  if (type == "hf") {
    QString base = endpoint;
    while (base.endsWith('/')) base.chop(1);
    return QStringLiteral("%1/%2/resolve/%3/%4").arg(base, repo, revision, path);
  }
  return url.endsWith('/') ? url + path : url + '/' + path;
}

QString AssetSource::describe() const {
  return type == "hf" ? QStringLiteral("hf:%1@%2").arg(repo, revision) : url;
}

QString hubChecksum(const QString& url, int timeoutMs, QString* error) {
  QNetworkAccessManager nam;
  QUrl at(url);
  for (int hop = 0; hop < 5; ++hop) {
    QNetworkRequest req{at};
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    req.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("adamix-assets/1"));
    req.setRawHeader("Accept-Encoding", "identity");
    req.setTransferTimeout(timeoutMs);
    QNetworkReply* reply = nam.head(req);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QUrl location(QString::fromUtf8(reply->rawHeader("Location")));
    QString sum;
    if (reply->error() != QNetworkReply::NoError || status < 200 || status >= 400) {
      *error = QStringLiteral("cannot read the Hub's checksum of %1: %2")
                   .arg(url, reply->error() != QNetworkReply::NoError ? reply->errorString()
                                                                       : QStringLiteral("HTTP %1").arg(status));
      reply->deleteLater();
      return {};
    }
    sum = checksumFromEtag(reply->rawHeader("X-Linked-Etag"));
    if (sum.isEmpty()) sum = checksumFromEtag(reply->rawHeader("ETag"));
    reply->deleteLater();
    if (!sum.isEmpty()) return sum;
    // A relative redirect (renamed repo) leads to the file's metadata; an absolute one (the CDN)
    // without a checksum means none is published.
    if (status >= 300 && location.isValid() && location.isRelative()) {
      at = at.resolved(location);
      continue;
    }
    break;
  }
  *error = QStringLiteral("the Hub publishes no checksum (X-Linked-Etag / ETag) for %1").arg(url);
  return {};
}

QString gitBlobSha1File(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QCryptographicHash h(QCryptographicHash::Sha1);
  h.addData(QByteArray("blob ") + QByteArray::number(f.size()) + QByteArray(1, '\0'));
  if (!h.addData(&f)) return {};
  return QString::fromLatin1(h.result().toHex());
}

namespace {

/// Records the sha256 of a file verified against the Hub's checksum under `key` (atomically).
bool recordHubHash(const QString& assetDir, const QString& key, const QString& sha256) {
  QJsonObject rec = hubRecord(assetDir);
  rec[key] = sha256;
  QSaveFile out(QDir(assetDir).filePath(QStringLiteral(".hub-verified.json")));
  return out.open(QIODevice::WriteOnly) && out.write(QJsonDocument(rec).toJson()) >= 0 && out.commit();
}

/// Verifies `partial` against `expected` and renames it over `target`; removes it on failure.
bool commitFile(const QString& partial, const QString& target, const QString& expected, const QString& what,
                QString* error) {
  if (!expected.isEmpty()) {
    const QString got = AssetCache::sha256File(partial);
    if (got != expected) {
      QFile::remove(partial);
      *error = QStringLiteral("sha256 mismatch for %1: expected %2, got %3").arg(what, expected, got);
      return false;
    }
  }
  // rename() does not overwrite on all platforms; remove the old (bad) file just before
  QFile::remove(target);
  if (!QFile::rename(partial, target)) {
    QFile::remove(partial);
    *error = QStringLiteral("cannot move %1 into place at %2").arg(what, target);
    return false;
  }
  return true;
}

/// Downloads `url` to `dest` (written through a .partial file). Returns false + error.
bool download(const QString& url, const QString& dest, int timeoutMs, QString* error) {
  QNetworkAccessManager nam;
  QNetworkRequest req{QUrl(url)};
  req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
  req.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("adamix-assets/1"));
  req.setRawHeader("Accept-Encoding", "identity");  // the bytes as published (their checksum)
  QFile out(dest);
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
    *error = QStringLiteral("cannot write %1: %2").arg(dest, out.errorString());
    return false;
  }
  QNetworkReply* reply = nam.get(req);
  QEventLoop loop;
  QTimer idle;
  idle.setSingleShot(true);
  idle.setInterval(timeoutMs);
  bool timedOut = false;
  bool writeFailed = false;
  QObject::connect(&idle, &QTimer::timeout, &loop, [&] {
    timedOut = true;
    reply->abort();
  });
  QObject::connect(reply, &QNetworkReply::readyRead, &loop, [&] {
    idle.start();
    const QByteArray chunk = reply->readAll();
    if (out.write(chunk) != chunk.size()) {
      writeFailed = true;
      reply->abort();
    }
  });
  QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
  idle.start();
  loop.exec();
  out.write(reply->readAll());
  out.close();
  const bool ok = reply->error() == QNetworkReply::NoError && !timedOut && !writeFailed;
  if (!ok) {
    *error = timedOut      ? QStringLiteral("download of %1 timed out").arg(url)
             : writeFailed ? QStringLiteral("cannot write %1 (disk full?)").arg(dest)
                           : QStringLiteral("download of %1 failed: %2").arg(url, reply->errorString());
    QFile::remove(dest);
  }
  reply->deleteLater();
  return ok;
}

/// Extracts one member of a zip archive to `dest` with unzip(1) (or Python's zipfile).
bool extractMember(const QString& zip, const QString& member, const QString& dest, QString* error) {
  QProcess p;
  p.setStandardOutputFile(dest, QIODevice::Truncate);
  const QString unzip = QStandardPaths::findExecutable("unzip");
  if (!unzip.isEmpty()) {
    p.start(unzip, {"-p", zip, member});
  } else {
    const QString py = QStandardPaths::findExecutable("python3");
    if (py.isEmpty()) {
      *error = QStringLiteral("need unzip or python3 to extract %1").arg(zip);
      return false;
    }
    p.start(py,
            {"-c",
             "import "
             "sys,zipfile,shutil;shutil.copyfileobj(zipfile.ZipFile(sys.argv[1]).open(sys.argv[2]),sys.stdout.buffer)",
             zip, member});
  }
  if (!p.waitForFinished(600000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
    QFile::remove(dest);
    *error = QStringLiteral("cannot extract %1 from %2: %3")
                 .arg(member, zip, QString::fromLocal8Bit(p.readAllStandardError()).trimmed());
    return false;
  }
  return true;
}

}  // namespace

FetchResult AssetCache::fetch(const QString& name, const FetchOptions& opt) const {
  FetchResult r;
  auto log = [&](const QString& s) {
    if (opt.log) opt.log(s);
  };
  const Asset* a = manifest_.find(name);
  if (!a) {
    r.error = QStringLiteral("unknown asset \"%1\" (known: %2)").arg(name, manifest_.names().join(", "));
    return r;
  }
  const QDir target(assetDir(name));
  r.path = target.absolutePath();
  if (!QDir().mkpath(target.absolutePath())) {
    r.error = QStringLiteral("cannot create %1").arg(target.absolutePath());
    return r;
  }
  QString mirror = opt.mirrorDir.isEmpty() ? qEnvironmentVariable("ADAMIX_ASSET_MIRROR") : opt.mirrorDir;
  QStringList missing;
  for (const AssetFile& f : a->files) {
    const QString dst = target.filePath(f.path);
    if (fileOk(*a, f, dst)) continue;
    missing << f.path;
  }
  if (missing.isEmpty()) {
    r.ok = true;
    return r;
  }

  if (!mirror.isEmpty()) {
    const QDir src(QDir(mirror).filePath(a->mirrorPath.isEmpty() ? name : a->mirrorPath));
    for (const AssetFile& f : a->files) {
      // A mirror cannot vouch for a file that has no reference hash: those come from the Hub.
      if (!missing.contains(f.path) || f.hubChecksum) continue;
      const QString from = src.filePath(f.path);
      const QString dst = target.filePath(f.path);
      QDir().mkpath(QFileInfo(dst).absolutePath());
      const QString partial = dst + ".partial";
      QFile::remove(partial);
      if (!QFile::exists(from)) {
        // Hugging Face checkpoints the mirror does not hold come from the Hub (verified there).
        if (hubSource(*a) && !opt.offline) continue;
        r.error = QStringLiteral("%1: missing in mirror %2").arg(from, mirror);
        return r;
      }
      if (!QFile::copy(from, partial)) {
        r.error = QStringLiteral("cannot copy %1 to %2").arg(from, partial);
        return r;
      }
      QFile(partial).setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
      if (!commitFile(partial, dst, f.sha256, from, &r.error)) return r;
      log(QStringLiteral("copied %1 (verified)").arg(from));
      missing.removeAll(f.path);
      ++r.copied;
    }
    if (missing.isEmpty()) {
      r.ok = true;
      return r;
    }
    log(QStringLiteral("%1: %2 not taken from the mirror (not in it, or verified against the Hub's checksums)")
            .arg(name, missing.join(", ")));
  }

  if (opt.offline) {
    r.error = mirror.isEmpty() ? QStringLiteral(
                                     "asset %1 is not cached (missing or corrupt: %2) and no mirror is set "
                                     "(--mirror or ADAMIX_ASSET_MIRROR)")
                                     .arg(name, missing.join(", "))
                               : QStringLiteral(
                                     "asset %1: %2 not cached; they are verified against the Hub's checksums, "
                                     "which needs the network (offline)")
                                     .arg(name, missing.join(", "));
    return r;
  }
  if (a->sources.isEmpty()) {
    r.error =
        QStringLiteral("asset %1 has no public per-file source%2; use a mirror (--mirror DIR or ADAMIX_ASSET_MIRROR)")
            .arg(name, a->note.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(a->note));
    return r;
  }
  const QString dlDir = QDir(dir_).filePath(".downloads");
  QDir().mkpath(dlDir);
  QString lastError;
  for (const AssetSource& s : a->sources) {
    QString archive;
    if (s.type == "zip") {
      archive = QDir(dlDir).filePath(QFileInfo(QUrl(s.url).path()).fileName());
      if (!QFile::exists(archive)) {
        log(QStringLiteral("downloading %1").arg(s.url));
        const QString part = archive + ".partial";
        if (!download(s.url, part, opt.timeoutMs, &lastError)) continue;
        QFile::remove(archive);
        QFile::rename(part, archive);
      }
    } else if (s.type != "files" && s.type != "hf") {
      lastError = QStringLiteral("unknown source type \"%1\" for %2").arg(s.type, name);
      continue;
    }
    bool allOk = true;
    for (const AssetFile& f : a->files) {
      if (!missing.contains(f.path)) continue;
      const QString dst = target.filePath(f.path);
      QDir().mkpath(QFileInfo(dst).absolutePath());
      const QString partial = dst + ".partial";
      QString what;
      if (f.hubChecksum && s.type != "hf") {
        lastError = QStringLiteral("%1: its checksum comes from the Hub, but source %2 is not an \"hf\" source")
                        .arg(f.path, s.describe());
        allOk = false;
        break;
      }
      if (s.type == "zip") {
        what = QStringLiteral("%1 (%2 in %3)").arg(dst, s.memberPrefix + f.path, s.url);
        if (!extractMember(archive, s.memberPrefix + f.path, partial, &lastError)) {
          allOk = false;
          break;
        }
      } else {
        const QString url = s.fileUrl(f.path);
        what = QStringLiteral("%1 (from %2)").arg(dst, url);
        QString published;
        if (f.hubChecksum && (published = hubChecksum(url, opt.timeoutMs, &lastError)).isEmpty()) {
          allOk = false;
          break;
        }
        log(QStringLiteral("downloading %1").arg(url));
        if (!download(url, partial, opt.timeoutMs, &lastError)) {
          allOk = false;
          break;
        }
        if (f.hubChecksum) {
          // sha256 (LFS files) or git blob sha1 (regular files), as the Hub publishes it; each
          // file is hashed once for sha256 (model weights are gigabytes)
          const QString sha256 = AssetCache::sha256File(partial);
          const QString got = published.size() == 64 ? sha256 : gitBlobSha1File(partial);
          if (got != published) {
            QFile::remove(partial);
            r.error = QStringLiteral("checksum mismatch for %1: the Hub publishes %2 %3, got %4")
                          .arg(what, published.size() == 64 ? QStringLiteral("sha256") : QStringLiteral("git blob sha1"),
                               published, got);
            return r;
          }
          if (!commitFile(partial, dst, {}, what, &r.error)) return r;
          if (!recordHubHash(target.absolutePath(), hubKey(*a, f), sha256)) {
            r.error = QStringLiteral("cannot record the verified hash of %1 in %2").arg(what, target.absolutePath());
            return r;
          }
          log(QStringLiteral("verified %1 against the Hub's %2").arg(f.path, published));
          missing.removeAll(f.path);
          ++r.copied;
          continue;
        }
      }
      QString expected = f.upstreamSha256.has_value() ? *f.upstreamSha256 : f.sha256;
      if (expected.isEmpty()) {
        r.warnings << QStringLiteral(
                          "%1: no known upstream sha256 (the reference copy differs, e.g. in row order); not verified")
                          .arg(what);
        if (QFileInfo(partial).size() == 0) {
          QFile::remove(partial);
          lastError = what + ": empty file";
          allOk = false;
          break;
        }
      }
      if (!commitFile(partial, dst, expected, what, &lastError)) {
        r.error = lastError;  // a bad hash is fatal (not a reason to try another source)
        if (!archive.isEmpty()) QFile::remove(archive);
        return r;
      }
      missing.removeAll(f.path);
      ++r.copied;
    }
    if (allOk && missing.isEmpty()) {
      r.ok = true;
      return r;
    }
  }
  r.error = lastError.isEmpty() ? QStringLiteral("cannot fetch %1").arg(name) : lastError;
  return r;
}

}  // namespace adamix::app
