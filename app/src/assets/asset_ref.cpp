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

}  // namespace adamix::app
