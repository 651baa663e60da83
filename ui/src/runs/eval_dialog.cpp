// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/eval_dialog.h"

#include "runs/run_actions.h"
#include "shell/file_dialogs.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>

namespace adamix::ui {

namespace {

/// The run's own peft.adamix.inference ("" when not set).
QString runInference(const app::RunRecord& run) {
  const auto peft = run.config.find("peft");
  if (peft == run.config.end() || !peft->is_object()) return {};
  const auto adamix = peft->find("adamix");
  if (adamix == peft->end() || !adamix->is_object()) return {};
  const auto m = adamix->find("inference");
  return m != adamix->end() && m->is_string() ? QString::fromStdString(m->get<std::string>()) : QString();
}

}  // namespace

EvalDialog::EvalDialog(const app::RunRecord& run, bool predict, QWidget* parent)
    : QDialog(parent), run_(run), predict_(predict) {
  setObjectName(predict ? QStringLiteral("PredictDialog") : QStringLiteral("EvalDialog"));
  const QString label = runTitle(run);
  setWindowTitle(predict ? tr("Predict test set — %1").arg(label) : tr("Evaluate on… — %1").arg(label));
  auto* form = new QFormLayout(this);
  auto* title = new QLabel(QStringLiteral("<b>%1</b> — %2").arg(predict ? tr("Predict test set") : tr("Evaluate"),
                                                               label.toHtmlEscaped()));
  form->addRow(title);
  if (predict) {
    auto* what = new QLabel(tr("Predicts <b>%1</b> of %2 with the run's saved weights and writes the "
                               "GLUE-benchmark submission file.")
                                .arg(app::testSplitsFor(run.task).join(QStringLiteral(", ")), run.task));
    what->setWordWrap(true);
    form->addRow(what);
  } else {
    splitButton_ = new QRadioButton(tr("Split"));
    splitButton_->setChecked(true);
    split_ = new QComboBox;
    split_->addItems(app::splitsFor(run.task));
    split_->setToolTip(tr("A split of the run's task, read from its data folder."));
    form->addRow(splitButton_, split_);
    fileButton_ = new QRadioButton(tr("Data file"));
    file_ = new QLineEdit;
    file_->setPlaceholderText(tr("a .tsv / .jsonl file in the task's layout"));
    auto* browse = new QPushButton(tr("Browse…"));
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(file_, 1);
    fileRow->addWidget(browse);
    form->addRow(fileButton_, fileRow);
    connect(browse, &QPushButton::clicked, this, [this] {
      const QString f = openFileDialog(this, tr("Data file to evaluate on"),
                                       file_->text().isEmpty() ? QString() : QFileInfo(file_->text()).absolutePath(),
                                       tr("Data files (*.tsv *.jsonl *.json *.csv);;All files (*)"));
      if (f.isEmpty()) return;
      file_->setText(f);
      fileButton_->setChecked(true);
    });
    connect(splitButton_, &QRadioButton::toggled, this, &EvalDialog::updateState);
    connect(file_, &QLineEdit::textChanged, this, &EvalDialog::updateState);
  }
  const QString own = runInference(run);
  const int modules = app::runModuleCount(run);
  inference_ = new QComboBox;
  inference_->addItem(own.isEmpty() ? tr("the run's setting") : tr("the run's setting (%1)").arg(own), QString());
  inference_->addItem(tr("merged — the averaged module (one network)"), QStringLiteral("merged"));
  inference_->addItem(tr("random — a random module per example"), QStringLiteral("random"));
  inference_->addItem(tr("ensemble — average of every module's output"), QStringLiteral("ensemble"));
  inference_->addItem(tr("one module K"), QStringLiteral("module"));
  inference_->setToolTip(tr("How the AdaMix modules are used at inference (no effect on a single-module run)."));
  module_ = new QSpinBox;
  module_->setRange(0, modules - 1);
  module_->setPrefix(tr("K = "));
  module_->setToolTip(tr("Which module (0 … M−1) with \"one module K\"."));
  auto* infRow = new QHBoxLayout;
  infRow->addWidget(inference_, 1);
  infRow->addWidget(module_);
  form->addRow(tr("Inference"), infRow);
  connect(inference_, &QComboBox::currentIndexChanged, this, &EvalDialog::updateState);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons_->button(QDialogButtonBox::Ok)->setText(predict ? tr("Predict") : tr("Evaluate"));
  form->addRow(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  updateState();
}

void EvalDialog::updateState() {
  module_->setEnabled(inference_->currentData().toString() == QLatin1String("module"));
  bool ok = true;
  if (!predict_) {
    split_->setEnabled(splitButton_->isChecked());
    file_->setEnabled(!splitButton_->isChecked());
    ok = splitButton_->isChecked() || QFileInfo(file_->text().trimmed()).isFile();
  }
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

QString EvalDialog::inference() const {
  const QString mode = inference_->currentData().toString();
  return mode == QLatin1String("module") ? QStringLiteral("module:%1").arg(module_->value()) : mode;
}

std::vector<app::EvalRequest> EvalDialog::requests() const {
  std::vector<app::EvalRequest> out;
  if (predict_) {
    for (const QString& split : app::testSplitsFor(run_.task)) out.push_back({split, {}, inference(), {}});
  } else if (splitButton_->isChecked()) {
    out.push_back({split_->currentText(), {}, inference(), {}});
  } else {
    out.push_back({{}, QFileInfo(file_->text().trimmed()).absoluteFilePath(), inference(), {}});
  }
  return out;
}

}  // namespace adamix::ui
