// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/executor_spec.h"

#include "study/study.h"

#include <QRegularExpression>

#include <set>

namespace adamix::app {

using json = nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& message) { throw StudyError(path, message); }

std::string at(const std::string& where, const std::string& key) { return where + "/" + key; }

QString stringAt(const json& v, const std::string& path) {
  if (!v.is_string()) fail(path, "expected a string");
  return QString::fromStdString(v.get<std::string>());
}

int intAt(const json& v, const std::string& path, int min) {
  if (!v.is_number_integer()) fail(path, "expected an integer");
  const auto n = v.get<long long>();
  if (n < min || n > 1000000) fail(path, "must be between " + std::to_string(min) + " and 1000000");
  return int(n);
}

QStringList stringsAt(const json& v, const std::string& path) {
  if (!v.is_array()) fail(path, "expected an array of strings");
  QStringList out;
  for (size_t i = 0; i < v.size(); ++i) {
    const QString s = stringAt(v[i], path + "/" + std::to_string(i));
    if (s.contains('\n')) fail(path + "/" + std::to_string(i), "one line per entry");
    out << s;
  }
  return out;
}

}  // namespace

namespace {

/// parseExecutorSpec(); `lenient`: a bad key or value is skipped (what can be read is kept, a
/// string that fails a later check too) instead of thrown.
ExecutorSpec readExecutorSpec(const json& section, const std::string& where, bool lenient) {
  if (!section.is_object()) {
    if (lenient) return {};
    fail(where, "expected an object {\"kind\": \"local\" | \"slurm\", …}");
  }
  // runs `check`; a StudyError it throws is the caller's unless reading leniently
  auto checked = [&](auto&& check) {
    try {
      check();
    } catch (const StudyError&) {
      if (!lenient) throw;
    }
  };
  ExecutorSpec spec;
  if (auto it = section.find("kind"); it != section.end()) {
    checked([&] {
      const QString kind = stringAt(*it, at(where, "kind"));
      if (kind != QLatin1String("local") && kind != QLatin1String("slurm"))
        fail(at(where, "kind"), "expected \"local\" or \"slurm\", got \"" + kind.toStdString() + "\"");
      spec.kind = kind;
    });
  }
  static const std::set<std::string> common{"kind", "jobs", "threads"};
  static const std::set<std::string> slurmKeys{
      "partition", "account", "qos",   "time",           "gres",    "gpus",          "cpus_per_task",
      "mem",       "sbatch_args", "setup", "signal_seconds", "requeue", "poll_seconds", "heartbeat_timeout_s",
      "job_name"};
  SlurmOptions& s = spec.slurm;
  for (auto kv = section.begin(); kv != section.end(); ++kv) checked([&] {
    const std::string& key = kv.key();
    const std::string path = at(where, key);
    const json& v = kv.value();
    if (!common.count(key) && !slurmKeys.count(key)) fail(path, "unknown key '" + key + "'");
    if (slurmKeys.count(key) && !spec.isSlurm()) fail(path, "'" + key + "' applies to \"kind\": \"slurm\" only");
    if (key == "jobs") spec.jobs = intAt(v, path, 1);
    else if (key == "threads") spec.threads = intAt(v, path, 1);
    else if (key == "partition") s.partition = stringAt(v, path);
    else if (key == "account") s.account = stringAt(v, path);
    else if (key == "qos") s.qos = stringAt(v, path);
    else if (key == "time") s.timeLimit = stringAt(v, path);
    else if (key == "gres") s.gres = stringAt(v, path);
    else if (key == "gpus") s.gpus = v.is_number_integer() ? QString::number(intAt(v, path, 1)) : stringAt(v, path);
    else if (key == "cpus_per_task") s.cpusPerTask = intAt(v, path, 1);
    else if (key == "mem") s.mem = stringAt(v, path);
    else if (key == "sbatch_args") s.sbatchArgs = stringsAt(v, path);
    else if (key == "setup") s.setup = stringsAt(v, path);
    else if (key == "signal_seconds") s.signalSeconds = intAt(v, path, 0);
    else if (key == "requeue") {
      if (!v.is_boolean()) fail(path, "expected true or false");
      s.requeue = v.get<bool>();
    } else if (key == "poll_seconds") s.pollSeconds = intAt(v, path, 1);
    else if (key == "heartbeat_timeout_s") s.heartbeatTimeoutS = intAt(v, path, kMinSlurmHeartbeatTimeoutS);
    else if (key == "job_name") s.jobName = stringAt(v, path);
  });
  for (const QString& a : s.sbatchArgs)
    checked([&] {
      if (!a.startsWith('-'))
        fail(at(where, "sbatch_args"), "each entry is one sbatch option starting with '-', got \"" + a.toStdString() + "\"");
    });
  // (an entry, not structured bindings: C++17 lambdas cannot capture those, and clang enforces it)
  for (const auto& entry : {std::pair{&s.partition, "partition"}, {&s.account, "account"}, {&s.qos, "qos"},
                            {&s.timeLimit, "time"}, {&s.gres, "gres"}, {&s.gpus, "gpus"}, {&s.mem, "mem"},
                            {&s.jobName, "job_name"}})
    checked([&] {
      if (entry.first->contains(QRegularExpression(QStringLiteral("[\\s'\"]"))))
        fail(at(where, entry.second), "must not contain spaces or quotes");
    });
  // the job name also names each submission's folder and is the %x of sbatch's file name patterns
  checked([&] {
    static const QRegularExpression pathChars(QStringLiteral("[%/\\\\#]"));
    if (s.jobName.contains(pathChars))
      fail(at(where, "job_name"), "must not contain %, /, \\ or # (sbatch reads them in file name patterns and "
                                  "#SBATCH lines), got \"" + s.jobName.toStdString() + "\"");
  });
  // what sbatch would refuse only after submission: Slurm's time and memory formats
  static const QRegularExpression time(QStringLiteral(
      "^(UNLIMITED|INFINITE|\\d+|\\d+:\\d+|\\d+:\\d+:\\d+|\\d+-\\d+|\\d+-\\d+:\\d+|\\d+-\\d+:\\d+:\\d+)$"));
  static const QRegularExpression mem(QStringLiteral("^\\d+[KMGT]?$"));
  if (!s.timeLimit.isEmpty())
    checked([&] {
      if (!time.match(s.timeLimit).hasMatch())
        fail(at(where, "time"), "expected minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS, got \"" +
                                    s.timeLimit.toStdString() + "\"");
    });
  if (!s.mem.isEmpty())
    checked([&] {
      if (!mem.match(s.mem).hasMatch())
        fail(at(where, "mem"), "expected a size such as 16G or 4000M, got \"" + s.mem.toStdString() + "\"");
    });
  s.arrayLimit = spec.jobs;
  return spec;
}

}  // namespace

ExecutorSpec parseExecutorSpec(const json& section, const std::string& where) {
  return readExecutorSpec(section, where, /*lenient=*/false);
}

ExecutorSpec readExecutorSpecLeniently(const json& section) { return readExecutorSpec(section, "/executor", true); }

json executorSpecToJson(const ExecutorSpec& spec) {
  json out = json::object();
  out["kind"] = spec.kind.toStdString();
  if (spec.jobs > 0) out["jobs"] = spec.jobs;
  if (spec.threads > 0) out["threads"] = spec.threads;
  if (!spec.isSlurm()) return out;
  const SlurmOptions& s = spec.slurm;
  const SlurmOptions d;
  auto str = [&](const char* key, const QString& v) {
    if (!v.isEmpty()) out[key] = v.toStdString();
  };
  str("partition", s.partition);
  str("account", s.account);
  str("qos", s.qos);
  str("time", s.timeLimit);
  str("gres", s.gres);
  str("gpus", s.gpus);
  if (s.cpusPerTask > 0) out["cpus_per_task"] = s.cpusPerTask;
  str("mem", s.mem);
  auto list = [](const QStringList& l) {
    json a = json::array();
    for (const QString& x : l) a.push_back(x.toStdString());
    return a;
  };
  if (!s.sbatchArgs.isEmpty()) out["sbatch_args"] = list(s.sbatchArgs);
  if (!s.setup.isEmpty()) out["setup"] = list(s.setup);
  if (s.signalSeconds != d.signalSeconds) out["signal_seconds"] = s.signalSeconds;
  if (s.requeue != d.requeue) out["requeue"] = s.requeue;
  if (s.pollSeconds != d.pollSeconds) out["poll_seconds"] = s.pollSeconds;
  if (s.heartbeatTimeoutS != d.heartbeatTimeoutS) out["heartbeat_timeout_s"] = s.heartbeatTimeoutS;
  str("job_name", s.jobName);
  return out;
}

}  // namespace adamix::app
