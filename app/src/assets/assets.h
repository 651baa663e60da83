// Asset manifest and cache: the real datasets, models and vocabularies a study can name as
// `asset:NAME`, fetched from a local mirror or their public sources with sha256 verification.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace adamix::app {

/// One file of an asset.
struct AssetFile {
  QString path;                           ///< relative to the asset directory
  QString sha256;                         ///< hash of the reference copy (mirror); empty when hubChecksum
  /// Manifest `"sha256": "hub"`: no reference copy is known; a download from an "hf" source is
  /// verified against the checksum the Hugging Face Hub publishes for the file (hubChecksum()),
  /// and the sha256 of the verified file is recorded in the cache (<asset>/.hub-verified.json).
  bool hubChecksum = false;
  qint64 size = -1;                       ///< size of the reference copy; -1 unknown
  std::optional<QString> upstreamSha256;  ///< unset: same as sha256; empty string: upstream differs, unverified
};

/// Where an asset's files come from on the network.
struct AssetSource {
  QString type;  ///< "files": url + file path; "zip": an archive holding member_prefix + path;
                 ///< "hf": a Hugging Face Hub model repo at a revision
  QString url;
  QString memberPrefix;  ///< zip only
  QString repo, revision;  ///< hf only ("FacebookAI/roberta-large", a commit or "main")
  QString endpoint;        ///< hf only; default https://huggingface.co
  /// hf: <endpoint>/<repo>/resolve/<revision>/<path>; files: url + path.
  QString fileUrl(const QString& path) const;
  /// One line for listings: the url, or "hf:<repo>@<revision>".
  QString describe() const;
};

/// The checksum the Hugging Face Hub publishes for a `resolve` URL, lower-case hex: the
/// `X-Linked-Etag` header (LFS files: the sha256 of the content) or else the `ETag` (regular
/// files: the git blob sha1), read from a HEAD request (Accept-Encoding: identity) that follows
/// relative redirects (renamed repos) but not the absolute one to the CDN — as huggingface_hub's
/// get_hf_file_metadata. Empty + `error` when the request fails or no 40/64-digit checksum is
/// published.
QString hubChecksum(const QString& url, int timeoutMs, QString* error);

/// Git blob id of a file: sha1("blob <size>\0" + content), lower-case hex; empty if unreadable.
QString gitBlobSha1File(const QString& path);

/// One named asset (e.g. "glue/RTE").
struct Asset {
  QString name, description, license, note;
  QString mirrorPath;  ///< directory inside a mirror laid out like ../shared (e.g. data/glue/RTE)
  QList<AssetSource> sources;
  QList<AssetFile> files;
};

/// The list of known assets (app/src/assets/manifest.json, compiled in).
class AssetManifest {
 public:
  /// The compiled-in manifest, or the file named by $ADAMIX_ASSET_MANIFEST when set.
  static AssetManifest builtin();
  /// Parses a manifest document; returns false and sets `error` on a malformed one.
  static bool parse(const QByteArray& json, AssetManifest* out, QString* error);
  static bool load(const QString& path, AssetManifest* out, QString* error);

  const Asset* find(const QString& name) const;
  QStringList names() const;
  bool isEmpty() const { return assets_.isEmpty(); }

 private:
  QList<Asset> assets_;
};

/// Fetch settings.
struct FetchOptions {
  QString mirrorDir;       ///< copy from here instead of downloading (empty: $ADAMIX_ASSET_MIRROR, then network)
  bool offline = false;    ///< never use the network
  int timeoutMs = 120000;  ///< per download, without progress
  std::function<void(const QString&)> log;  ///< progress/warning lines (may be empty)
};

/// Outcome of fetching one asset.
struct FetchResult {
  bool ok = false;
  QString path;   ///< the asset directory in the cache
  QString error;  ///< names the file at fault
  QStringList warnings;
  int copied = 0;  ///< files copied or downloaded (0: everything was cached)
};

/// A cache directory holding assets as <cache>/<NAME>/<file> (so `asset:NAME` resolves to
/// <cache>/NAME). Files are written to a `.partial` name, verified, then renamed over the
/// target, so a failed or corrupt transfer never replaces a good cached file.
class AssetCache {
 public:
  explicit AssetCache(QString cacheDir = {}, AssetManifest manifest = AssetManifest::builtin());

  /// $ADAMIX_ASSET_CACHE, else <generic cache>/adamix/assets (e.g. ~/.cache/adamix/assets).
  static QString defaultCacheDir();
  /// Lower-case hex sha256 of a file, or empty if unreadable.
  static QString sha256File(const QString& path);

  QString cacheDir() const { return dir_; }
  const AssetManifest& manifest() const { return manifest_; }
  QString assetDir(const QString& name) const;
  /// True if every file of the asset is cached with its expected hash (or size when unverifiable).
  bool isCached(const QString& name) const;
  /// A directory here that holds the asset's `file` (e.g. "config.json"), without fetching or
  /// verifying anything (for previews: reading a model's config): the cached copy, else the
  /// mirror's (`mirrorDir`, empty: $ADAMIX_ASSET_MIRROR; laid out as the manifest's mirror_path).
  /// Empty when neither has it.
  QString localDir(const QString& name, const QString& file, const QString& mirrorDir = {}) const;
  /// Makes the asset available in the cache (mirror copy or download), verifying each file.
  FetchResult fetch(const QString& name, const FetchOptions& options = {}) const;

 private:
  bool fileOk(const Asset& a, const AssetFile& f, const QString& path) const;
  QString dir_;
  AssetManifest manifest_;
};

}  // namespace adamix::app
