// SPDX-License-Identifier: GPL-3.0-or-later
#include "study/config_identity.h"

#include "assets/asset_ref.h"
#include "config/run_config.h"
#include "study/study.h"

namespace adamix::app {

namespace {

/// Asset paths as references and numbers as doubles, recursively.
void normalize(nlohmann::json& v, const QString& assetRoot, const QStringList& assetNames) {
  if (v.is_object() || v.is_array()) {
    for (auto& child : v) normalize(child, assetRoot, assetNames);
  } else if (v.is_string()) {
    v = assetRefOfPath(QString::fromStdString(v.get<std::string>()), assetRoot, assetNames).toStdString();
  } else if (v.is_number()) {
    v = v.get<double>();
  }
}

}  // namespace

nlohmann::json configIdentityForm(const nlohmann::json& config, const QString& assetRoot,
                                  const QStringList& assetNames) {
  std::string task;
  if (const auto t = config.find("task"); t != config.end() && t->is_object())
    if (const auto n = t->find("name"); n != t->end() && n->is_string()) task = n->get<std::string>();
  nlohmann::json form;
  try {
    form = adamix::runConfigDefaultsJson(task);
  } catch (const std::exception&) {
    form = runConfigDefaults();
  }
  mergeInto(form, config);
  form.erase("run_id");
  normalize(form, assetRoot, assetNames);
  return form;
}

bool sameRunConfig(const nlohmann::json& a, const nlohmann::json& b, const QString& assetRoot,
                   const QStringList& assetNames) {
  return configIdentityForm(a, assetRoot, assetNames) == configIdentityForm(b, assetRoot, assetNames);
}

}  // namespace adamix::app
