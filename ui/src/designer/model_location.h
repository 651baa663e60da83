// Where the designer finds a study's model on this machine for its previews (model summary,
// parameter counts): `asset:` models in the asset cache or, not fetched yet, in the asset mirror.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace adamix::ui {

/// The local directory holding the config.json of a model as a study writes it: for
/// "asset:NAME" the cached copy, else the mirror's ($ADAMIX_ASSET_MIRROR), else "" (the asset is
/// fetched at launch); any other value is returned unchanged (trimmed).
QString localModelDir(const QString& written);

}  // namespace adamix::ui
