// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/executor_editor.h"

#include "designer/field_editor.h"

#include <QButtonGroup>
#include <QFormLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace adamix::ui {

using nlohmann::json;

namespace {

QLineEdit* lineEdit(const char* name, const QString& placeholder, const QString& tip) {
  auto* e = new QLineEdit;
  e->setObjectName(QLatin1String(name));
  e->setPlaceholderText(placeholder);
  e->setToolTip(tip);
  return e;
}

/// A spin box where 0 reads `zeroText` (the default).
QSpinBox* countBox(const char* name, const QString& zeroText, const QString& tip) {
  auto* s = new QSpinBox;
  s->setObjectName(QLatin1String(name));
  s->setRange(0, 9999);
  s->setSpecialValueText(zeroText);
  s->setToolTip(tip);
  scrollPastUnfocused(s);  // the wheel scrolls the form unless the box has the focus
  return s;
}

/// A few lines high text box for one entry per line.
QPlainTextEdit* linesBox(const char* name, const QString& placeholder, const QString& tip) {
  auto* e = new QPlainTextEdit;
  e->setObjectName(QLatin1String(name));
  e->setPlaceholderText(placeholder);
  e->setToolTip(tip);
  e->setTabChangesFocus(true);
  e->setLineWrapMode(QPlainTextEdit::NoWrap);
  e->setFixedHeight(e->fontMetrics().lineSpacing() * 3 + 2 * e->frameWidth() + 8);
  return e;
}

/// The non-empty lines, trimmed.
QStringList lines(const QPlainTextEdit* e) {
  QStringList out;
  for (const QString& l : e->toPlainText().split(QLatin1Char('\n'))) {
    const QString t = l.trimmed();
    if (!t.isEmpty()) out << t;
  }
  return out;
}

}  // namespace

ExecutorEditor::ExecutorEditor(QWidget* parent) : QGroupBox(tr("Where runs execute"), parent) {
  setObjectName(QStringLiteral("executorSection"));
  auto* form = form_ = new QFormLayout(this);
  local_ = new QRadioButton(tr("This machine"));
  local_->setObjectName(QStringLiteral("executorLocal"));
  local_->setToolTip(tr("Runs are engine processes on this computer (File → Settings: parallel runs, threads)."));
  slurm_ = new QRadioButton(tr("Slurm cluster"));
  slurm_->setObjectName(QStringLiteral("executorSlurm"));
  slurm_->setToolTip(tr("Runs are one Slurm job array submitted with sbatch; they go on when the app is closed."));
  auto* group = new QButtonGroup(this);
  group->addButton(local_);
  group->addButton(slurm_);
  local_->setChecked(true);
  auto* kinds = new QVBoxLayout;  // stacked: the form stays as narrow as the fields above it
  kinds->addWidget(local_);
  kinds->addWidget(slurm_);
  form->addRow(tr("Runs on"), kinds);
  jobs_ = countBox("executorJobs", tr("as in Settings"),
                   tr("How many runs train at once: processes on this machine, or the Slurm job array's "
                      "limit (--array=0-N%K)."));
  form->addRow(tr("Runs at once"), jobs_);

  partition_ = lineEdit("executorPartition", tr("cluster default"), tr("sbatch --partition"));
  account_ = lineEdit("executorAccount", tr("cluster default"), tr("sbatch --account"));
  qos_ = lineEdit("executorQos", tr("cluster default"), tr("sbatch --qos"));
  time_ = lineEdit("executorTime", tr("e.g. 04:00:00"),
                   tr("sbatch --time: minutes, HH:MM:SS or D-HH:MM:SS. Shortly before it runs out the run "
                      "checkpoints and is requeued."));
  gpus_ = lineEdit("executorGpus", tr("e.g. 1 or a100:1"), tr("sbatch --gpus: GPUs per run"));
  gres_ = lineEdit("executorGres", tr("e.g. gpu:1"), tr("sbatch --gres (instead of GPUs on clusters that want it)"));
  cpus_ = countBox("executorCpus", tr("threads per run"), tr("sbatch --cpus-per-task"));
  mem_ = lineEdit("executorMem", tr("e.g. 16G"), tr("sbatch --mem: memory per run"));
  sbatchArgs_ = linesBox("executorSbatchArgs", tr("--constraint=a100"),
                         tr("Further sbatch options, one per line, each starting with '-'."));
  setup_ = linesBox("executorSetup", tr("module load cuda"),
                    tr("Shell lines the job runs before the engine, one per line."));
  form->addRow(tr("Partition"), partition_);
  form->addRow(tr("Account"), account_);
  form->addRow(tr("QOS"), qos_);
  form->addRow(tr("Time limit"), time_);
  form->addRow(tr("GPUs"), gpus_);
  form->addRow(tr("GRES"), gres_);
  form->addRow(tr("CPUs per run"), cpus_);
  form->addRow(tr("Memory"), mem_);
  form->addRow(tr("Extra sbatch options"), sbatchArgs_);
  form->addRow(tr("Set-up lines"), setup_);
  slurmRows_ = {partition_, account_, qos_, time_, gpus_, gres_, cpus_, mem_, sbatchArgs_, setup_};

  connect(group, &QButtonGroup::buttonToggled, this, [this](QAbstractButton*, bool on) {
    if (!on) return;
    updateVisibility();
    emit changed();
  });
  for (QSpinBox* s : {jobs_, cpus_}) connect(s, &QSpinBox::valueChanged, this, &ExecutorEditor::changed);
  for (QLineEdit* e : {partition_, account_, qos_, time_, gpus_, gres_, mem_})
    connect(e, &QLineEdit::textChanged, this, &ExecutorEditor::changed);
  for (QPlainTextEdit* e : {sbatchArgs_, setup_})
    connect(e, &QPlainTextEdit::textChanged, this, &ExecutorEditor::changed);
  for (QWidget* w : findChildren<QWidget*>()) w->setProperty("origTip", w->toolTip());
  updateVisibility();
}

void ExecutorEditor::updateVisibility() {
  for (QWidget* w : std::as_const(slurmRows_)) form_->setRowVisible(w, slurm_->isChecked());
}

void ExecutorEditor::setSpec(const app::ExecutorSpec& spec) {
  const QSignalBlocker block(this);
  kept_ = spec;
  (spec.isSlurm() ? slurm_ : local_)->setChecked(true);
  jobs_->setValue(spec.jobs);
  const app::SlurmOptions& s = spec.slurm;
  partition_->setText(s.partition);
  account_->setText(s.account);
  qos_->setText(s.qos);
  time_->setText(s.timeLimit);
  gpus_->setText(s.gpus);
  gres_->setText(s.gres);
  cpus_->setValue(s.cpusPerTask);
  mem_->setText(s.mem);
  sbatchArgs_->setPlainText(s.sbatchArgs.join(QLatin1Char('\n')));
  setup_->setPlainText(s.setup.join(QLatin1Char('\n')));
  updateVisibility();
}

void ExecutorEditor::setSection(const json& section) { setSpec(app::readExecutorSpecLeniently(section)); }

app::ExecutorSpec ExecutorEditor::spec() const {
  app::ExecutorSpec spec = kept_;
  spec.kind = slurm_->isChecked() ? QStringLiteral("slurm") : QStringLiteral("local");
  spec.jobs = jobs_->value();
  app::SlurmOptions& s = spec.slurm;
  s.partition = partition_->text().trimmed();
  s.account = account_->text().trimmed();
  s.qos = qos_->text().trimmed();
  s.timeLimit = time_->text().trimmed();
  s.gpus = gpus_->text().trimmed();
  s.gres = gres_->text().trimmed();
  s.cpusPerTask = cpus_->value();
  s.mem = mem_->text().trimmed();
  s.sbatchArgs = lines(sbatchArgs_);
  s.setup = lines(setup_);
  s.arrayLimit = spec.jobs;
  return spec;
}

QWidget* ExecutorEditor::fieldFor(const QString& path) const {
  const QString key = path.section(QLatin1Char('/'), 2, 2);
  if (key == QLatin1String("kind")) return slurm_->isChecked() ? slurm_ : local_;
  if (key == QLatin1String("jobs")) return jobs_;
  if (key == QLatin1String("partition")) return partition_;
  if (key == QLatin1String("account")) return account_;
  if (key == QLatin1String("qos")) return qos_;
  if (key == QLatin1String("time")) return time_;
  if (key == QLatin1String("gpus")) return gpus_;
  if (key == QLatin1String("gres")) return gres_;
  if (key == QLatin1String("cpus_per_task")) return cpus_;
  if (key == QLatin1String("mem")) return mem_;
  if (key == QLatin1String("sbatch_args")) return sbatchArgs_;
  if (key == QLatin1String("setup")) return setup_;
  return nullptr;
}

}  // namespace adamix::ui
