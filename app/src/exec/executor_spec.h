// The `executor` section of a study file: where its runs execute (this machine or Slurm) and
// how many at once. Kept apart from the run configs: it never changes a run's config hash.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/slurm/slurm_options.h"

#include <nlohmann/json.hpp>

#include <QString>

namespace adamix::app {

/// A study's executor choice (docs/study-files.md, "executor"; docs/cluster.md).
struct ExecutorSpec {
  QString kind = QStringLiteral("local");  ///< "local" | "slurm"
  int jobs = 0;     ///< runs at once (local: processes; slurm: the array's %K); 0 = the caller's default
  int threads = 0;  ///< engine threads per run (--threads; Slurm --cpus-per-task); 0 = default
  SlurmOptions slurm;  ///< used when kind is "slurm" (`arrayLimit` mirrors `jobs`)

  bool isSlurm() const { return kind == QLatin1String("slurm"); }
};

/// Parses the section (an object) at JSON path `where` ("/executor"). Unknown keys, wrong types
/// and out-of-range values throw StudyError naming the path (e.g. "/executor/time").
ExecutorSpec parseExecutorSpec(const nlohmann::json& section, const std::string& where = "/executor");
/// The section as far as it can be read, for an editor that shows a file's values before they are
/// valid: keys and values of the wrong type are skipped, strings that fail a check are kept
/// ("4 h" as the time limit); parseExecutorSpec() names what is wrong.
ExecutorSpec readExecutorSpecLeniently(const nlohmann::json& section);
/// The section as a study file holds it (defaults left out), so parse(toJson(s)) == s.
nlohmann::json executorSpecToJson(const ExecutorSpec& spec);

}  // namespace adamix::app
