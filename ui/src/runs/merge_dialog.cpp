// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/merge_dialog.h"

#include "runs/run_actions.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>

namespace adamix::ui {

MergeDialog::MergeDialog(const app::RunRecord& run, QWidget* parent) : QDialog(parent) {
  setObjectName(QStringLiteral("MergeDialog"));
  const QString label = runTitle(run);
  setWindowTitle(tr("Merge modules — %1").arg(label));
  auto* form = new QFormLayout(this);
  form->addRow(new QLabel(QStringLiteral("<b>%1</b> — %2").arg(tr("Merge modules"), label.toHtmlEscaped())));
  auto* what = new QLabel(tr("Merges the run's %1 trained modules into one anew, without retraining, and scores "
                             "each result on the dev set. The strategies are fitted on a held-out sample of the "
                             "<i>train</i> split, never on dev; each result appears in Results as a column of its "
                             "own.")
                              .arg(app::runModuleCount(run)));
  what->setWordWrap(true);
  form->addRow(what);
  struct Choice {
    QString strategy, text, tip;
    bool checked;
  };
  const Choice choices[] = {
      {QStringLiteral("uniform"), tr("Uniform average (the paper)"),
       tr("Every module weighted 1/M: what the run's merged inference already uses (a check of the saved "
          "weights)."),
       false},
      {QStringLiteral("greedy-soup"), tr("Greedy soup"),
       tr("Wortsman et al. 2022: modules in decreasing order of their own held-out score; each is kept only if "
          "the held-out score of the average does not drop."),
       true},
      {QStringLiteral("learned"), tr("Learned merge weights"),
       tr("Softmax weights over the modules per projection, fitted on the held-out sample (as the official "
          "code's expert_score_weight)."),
       true},
  };
  for (const Choice& c : choices) {
    auto* box = new QCheckBox(c.text);
    box->setObjectName(c.strategy);
    box->setChecked(c.checked);
    box->setToolTip(c.tip);
    form->addRow(box);
    boxes_.emplace_back(c.strategy, box);
    connect(box, &QCheckBox::toggled, this, &MergeDialog::updateState);
  }
  heldout_ = new QSpinBox;
  heldout_->setRange(0, 1000000);
  heldout_->setSpecialValueText(tr("default (min(1000, train size))"));
  heldout_->setSuffix(tr(" examples"));
  heldout_->setToolTip(tr("How many train examples (a seeded sample) the strategies are fitted on."));
  form->addRow(tr("Held-out sample"), heldout_);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Merge"));
  form->addRow(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  updateState();
}

void MergeDialog::updateState() {
  bool any = false;
  for (const auto& [strategy, box] : boxes_) any = any || box->isChecked();
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(any);
}

QCheckBox* MergeDialog::strategyBox(const QString& strategy) const {
  for (const auto& [s, box] : boxes_)
    if (s == strategy) return box;
  return nullptr;
}

std::vector<app::EvalRequest> MergeDialog::requests() const {
  std::vector<app::EvalRequest> out;
  for (const QString& s : app::mergeStrategies()) {
    const QCheckBox* box = strategyBox(s);
    if (!box || !box->isChecked()) continue;
    app::EvalRequest r;
    r.mergeStrategy = s;
    r.heldoutExamples = heldout_->value();
    out.push_back(r);
  }
  return out;
}

}  // namespace adamix::ui
