// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/param_inspector.h"

#include "study/study.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>

namespace adamix::ui {

ParamInspector::ParamInspector(QObject* parent) : QObject(parent) {}

ParamInspector::~ParamInspector() = default;

QString ParamInspector::keyOf(const nlohmann::json& config) {
  nlohmann::json c = config;
  c.erase("run_id");
  c.erase("seed");
  if (c.contains("train")) c.erase("train");  // training settings do not change counts
  if (c.contains("task") && c["task"].is_object()) {
    // the label count (from the task) only changes the head, which the PEFT counts exclude
    c.erase("task");
  }
  return QString::fromLatin1(
      QCryptographicHash::hash(QByteArray::fromStdString(app::canonicalJson(c)), QCryptographicHash::Sha1).toHex());
}

const ParamCounts* ParamInspector::cached(const QString& key) const {
  auto it = cache_.constFind(key);
  return it == cache_.constEnd() ? nullptr : &*it;
}

QString ParamInspector::request(const nlohmann::json& config) {
  const QString key = keyOf(config);
  if (cache_.contains(key) || key == runningKey_) return key;
  for (const auto& q : queue_)
    if (q.first == key) return key;
  queue_.enqueue({key, config});
  if (!engine_.isBusy()) next();
  return key;
}

void ParamInspector::clearQueue() { queue_.clear(); }

void ParamInspector::next() {
  if (queue_.isEmpty()) return;
  auto [key, config] = queue_.dequeue();
  if (engine_.enginePath().isEmpty()) {
    ParamCounts c;
    c.error = tr("adamix-engine not found");
    cache_.insert(key, c);
    emit counted(key, c);
    next();
    return;
  }
  const QString model =
      QString::fromStdString(config.value(nlohmann::json::json_pointer("/model/path"), std::string()));
  const QString cfgPath = QDir(tmp_.path()).filePath(key + ".json");
  QFile f(cfgPath);
  if (f.open(QIODevice::WriteOnly)) f.write(QByteArray::fromStdString(config.dump()));
  f.close();
  runningKey_ = key;
  const QStringList args = {QStringLiteral("inspect"), model, QStringLiteral("--config"), cfgPath,
                            QStringLiteral("--json")};
  engine_.run(args, [this, key](const app::EngineResult& r) {
    ParamCounts c;
    if (r.ok) {
      const auto j = nlohmann::json::parse(r.out.toStdString(), nullptr, false);
      if (j.is_object() && j.contains("peft")) {
        c.trainablePeft = j["peft"].value("trainable_peft", qint64(-1));
        c.inferencePeft = j["peft"].value("inference_peft", qint64(-1));
      } else {
        c.error = tr("unexpected inspect output");
      }
    } else {
      c.error = r.lastErrorLine();
      if (c.error.isEmpty()) c.error = tr("inspect failed (exit %1)").arg(r.exitCode);
    }
    cache_.insert(key, c);
    runningKey_.clear();
    emit counted(key, c);
    next();
  });
}

}  // namespace adamix::ui
