// The designer's "Where runs execute" section: this machine or a Slurm cluster, and for Slurm
// the sbatch resources (partition, account, QOS, time limit, GPUs or GRES, CPUs, memory), the
// runs at once (the job array's %K), extra sbatch options and set-up lines. It edits the study
// file's "executor" section (app::ExecutorSpec) and keeps the keys it does not show.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/executor_spec.h"

#include <nlohmann/json.hpp>

#include <QGroupBox>
#include <QList>

class QFormLayout;
class QLineEdit;
class QPlainTextEdit;
class QRadioButton;
class QSpinBox;

namespace adamix::ui {

/// The executor section of the designer form.
class ExecutorEditor : public QGroupBox {
  Q_OBJECT
 public:
  explicit ExecutorEditor(QWidget* parent = nullptr);

  /// Shows `spec` (its fields not shown here are kept for spec()).
  void setSpec(const app::ExecutorSpec& spec);
  /// Shows a section that does not validate as written: each value of the right JSON type is
  /// shown as is (so the designer can mark the bad one), the others are left at their defaults.
  void setSection(const nlohmann::json& section);
  /// The section as edited (values as typed; parseExecutorSpec() validates them).
  app::ExecutorSpec spec() const;
  /// The input editing the section's JSON path ("/executor/time", "/executor/setup/2"); null
  /// when it is none of these fields.
  QWidget* fieldFor(const QString& path) const;

 signals:
  /// The user edited a field.
  void changed();

 private:
  /// Shows the Slurm fields only while "Slurm cluster" is chosen.
  void updateVisibility();

  app::ExecutorSpec kept_;  ///< the spec shown, for the fields this section does not edit
  QRadioButton* local_;
  QRadioButton* slurm_;
  QSpinBox* jobs_;
  QFormLayout* form_;
  QList<QWidget*> slurmRows_;  ///< the fields of the Slurm-only rows
  QLineEdit* partition_;
  QLineEdit* account_;
  QLineEdit* qos_;
  QLineEdit* time_;
  QLineEdit* gpus_;
  QLineEdit* gres_;
  QSpinBox* cpus_;
  QLineEdit* mem_;
  QPlainTextEdit* sbatchArgs_;
  QPlainTextEdit* setup_;
};

}  // namespace adamix::ui
