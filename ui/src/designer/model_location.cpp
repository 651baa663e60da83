// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/model_location.h"

#include "assets/asset_ref.h"
#include "assets/assets.h"

namespace adamix::ui {

QString localModelDir(const QString& written) {
  const QString w = written.trimmed();
  if (!app::isAssetRef(w)) return w;
  return app::AssetCache().localDir(app::assetName(w), QStringLiteral("config.json"));
}

}  // namespace adamix::ui
