// Whether two run configs describe the same run however they were written: a study's config as
// stored (asset paths resolved on this machine, numbers as the study file wrote them, defaults
// left out) and the engine's config.json of the same run (every default spelled out, numbers as
// the engine writes them, asset paths of the machine that trained it). `adamix import` uses it to
// recognise a run directory it (or a study) already stored.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>

namespace adamix::app {

/// The form compared: `config` merged onto its task's defaults, without `run_id`, every string
/// that is an asset path written as its `asset:` reference (assetRefOfPath() with `assetRoot`
/// and `assetNames`), every number as a double (8 and 8.0 alike).
nlohmann::json configIdentityForm(const nlohmann::json& config, const QString& assetRoot,
                                  const QStringList& assetNames);

/// True when `a` and `b` have the same configIdentityForm().
bool sameRunConfig(const nlohmann::json& a, const nlohmann::json& b, const QString& assetRoot,
                   const QStringList& assetNames);

}  // namespace adamix::app
