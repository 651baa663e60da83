// adamix assets fetch / assets list
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "commands.h"

#include "assets/asset_ref.h"
#include "assets/assets.h"

namespace adamix::cli {

int cmdAssetsFetch(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Fetches assets into the cache and verifies each file's sha256: copies them from a mirror\n"
      "directory laid out like ../shared (--mirror or $ADAMIX_ASSET_MIRROR), else downloads them\n"
      "from their public sources. NAME is e.g. glue/RTE, models/stories260K, vocab/gpt2, or 'all'.");
  p.addPositionalArgument("NAME", "Asset names (asset: prefix optional).", "NAME...");
  p.addOptions({
      {"cache", "Asset cache (default: $ADAMIX_ASSET_CACHE or ~/.cache/adamix/assets).", "DIR"},
      {"mirror", "Copy from this directory instead of downloading.", "DIR"},
      {"offline", "Never download; fail when an asset is neither cached nor in a mirror."},
  });
  if (int rc = parseCommand(p, "assets fetch", args); rc >= 0) return rc;
  QStringList names = p.positionalArguments();
  if (names.isEmpty()) {
    err() << "adamix assets fetch: name at least one asset (see 'adamix assets list')\n";
    return kUsage;
  }
  const app::AssetCache cache(p.value("cache"));
  if (names.contains("all")) names = cache.manifest().names();
  app::FetchOptions fo;
  fo.mirrorDir = p.value("mirror");
  fo.offline = p.isSet("offline");
  fo.log = [](const QString& s) {
    out() << "  " << s << "\n";
    out().flush();
  };
  int rc = kOk;
  for (QString name : names) {
    name = app::assetName(name);
    const app::FetchResult r = cache.fetch(name, fo);
    for (const QString& w : r.warnings) err() << "warning: " << w << "\n";
    if (!r.ok) {
      err() << "adamix: asset " << name << ": " << r.error << "\n";
      rc = kAssetError;
      continue;
    }
    out() << name << ": " << r.path
          << (r.copied ? QStringLiteral(" (%1 files fetched, verified)").arg(r.copied)
                       : QStringLiteral(" (cached, verified)"))
          << "\n";
  }
  return rc;
}

int cmdAssetsList(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription("Lists the assets of the manifest and whether they are cached.");
  p.addOption({"cache", "Asset cache (default: $ADAMIX_ASSET_CACHE or ~/.cache/adamix/assets).", "DIR"});
  if (int rc = parseCommand(p, "assets list", args); rc >= 0) return rc;
  const app::AssetCache cache(p.value("cache"));
  QList<QStringList> rows;
  for (const QString& n : cache.manifest().names()) {
    const app::Asset* a = cache.manifest().find(n);
    rows << QStringList{n, cache.isCached(n) ? "yes" : "no", QString::number(a->files.size()),
                        a->sources.isEmpty() ? "mirror only" : a->sources.first().describe(), a->license};
  }
  out() << "cache " << cache.cacheDir() << "\n" << formatTable({"asset", "cached", "files", "source", "licence"}, rows);
  return kOk;
}

}  // namespace adamix::cli
