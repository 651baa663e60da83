// SPDX-License-Identifier: GPL-3.0-or-later
#include "assets/asset_ref.h"

#include <QDir>

namespace adamix::app {

namespace {
constexpr QLatin1String kPrefix("asset:");
}

bool isAssetRef(const QString& value) { return value.startsWith(kPrefix); }

QString assetName(const QString& value) { return isAssetRef(value) ? value.mid(kPrefix.size()) : value; }

QString resolveAssetRef(const QString& value, const QString& assetRoot) {
  if (assetRoot.isEmpty() || !isAssetRef(value)) return value;
  return QDir::cleanPath(assetRoot + u'/' + assetName(value));
}

QString assetRefOfPath(const QString& path, const QString& assetRoot, const QStringList& assetNames) {
  if (path.isEmpty() || isAssetRef(path)) return path;
  const QString clean = QDir::cleanPath(path);
  if (!assetRoot.isEmpty()) {
    const QString root = QDir::cleanPath(assetRoot) + u'/';
    if (clean.startsWith(root) && clean.size() > root.size()) return kPrefix + clean.mid(root.size());
  }
  QString best;
  qsizetype at = -1;
  for (const QString& name : assetNames) {
    if (name.isEmpty() || name.size() <= best.size()) continue;
    const QString tail = u'/' + name;
    if (clean.endsWith(tail)) {
      best = name;
      at = clean.size() - tail.size();
    } else if (const qsizetype i = clean.lastIndexOf(tail + u'/'); i >= 0) {
      best = name;
      at = i;
    }
  }
  return at < 0 ? path : kPrefix + clean.mid(at + 1);
}

}  // namespace adamix::app
