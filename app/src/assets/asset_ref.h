// `asset:NAME` references in study files and run configs (docs/study-files.md): the one place
// that knows the prefix and how a reference maps into the asset cache.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace adamix::app {

/// True for "asset:NAME" (a non-empty NAME is not required: "asset:" is a reference to "").
bool isAssetRef(const QString& value);
/// NAME of "asset:NAME"; any other value is returned unchanged (so "glue/RTE" stays "glue/RTE").
QString assetName(const QString& value);
/// ROOT/NAME (cleaned) for "asset:NAME"; other values, and any value when `assetRoot` is empty,
/// are returned unchanged.
QString resolveAssetRef(const QString& value, const QString& assetRoot);

}  // namespace adamix::app
