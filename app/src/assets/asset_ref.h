// `asset:NAME` references in study files and run configs (docs/study-files.md): the one place
// that knows the prefix and how a reference maps into the asset cache.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace adamix::app {

/// True for "asset:NAME" (a non-empty NAME is not required: "asset:" is a reference to "").
bool isAssetRef(const QString& value);
/// NAME of "asset:NAME"; any other value is returned unchanged (so "glue/RTE" stays "glue/RTE").
QString assetName(const QString& value);
/// ROOT/NAME (cleaned) for "asset:NAME"; other values, and any value when `assetRoot` is empty,
/// are returned unchanged.
QString resolveAssetRef(const QString& value, const QString& assetRoot);
/// The inverse of resolveAssetRef() for a path resolved on any machine: "asset:NAME[/REST]" when
/// `path` lies under `assetRoot` (this machine's cache) or ends in ".../NAME" or holds
/// ".../NAME/REST" for one of `assetNames` (another machine's cache; the longest name wins);
/// any other value (an `asset:` reference included) unchanged.
QString assetRefOfPath(const QString& path, const QString& assetRoot, const QStringList& assetNames);

}  // namespace adamix::app
