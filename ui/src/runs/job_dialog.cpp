// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/job_dialog.h"

#include "runs/run_actions.h"

#include <QDesktopServices>
#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

namespace adamix::ui {

namespace {

/// What a merge strategy did beyond its dev score: its held-out sample and score, the modules a
/// greedy soup kept, and where its report is.
QStringList mergeLines(const app::Evaluation& e) {
  QStringList out;
  const nlohmann::json& d = e.details;
  const nlohmann::json held = d.value("heldout", nlohmann::json::object());
  QString line = QObject::tr("  fitted on %1 %2 examples (seed %3)")
                     .arg(held.value("examples", 0))
                     .arg(QString::fromStdString(held.value("split", std::string("train"))))
                     .arg(held.value("seed", 0));
  if (d.contains("heldout_score") && d["heldout_score"].is_number())
    line += QObject::tr(", held-out %1 %2").arg(e.primaryMetric).arg(d["heldout_score"].get<double>(), 0, 'f', 4);
  out << line;
  if (d.contains("kept") && d["kept"].is_array()) {
    QStringList kept;
    for (const auto& k : d["kept"]) kept << QString::number(k.get<qint64>());
    out << QObject::tr("  modules kept: %1").arg(kept.join(QStringLiteral(", ")));
  }
  out << QObject::tr("  report: %1").arg(QDir(e.outDir).filePath(QStringLiteral("merge.json")));
  return out;
}

}  // namespace

JobDialog::JobDialog(app::Store& store, const app::RunRecord& run, const QString& enginePath, QWidget* parent)
    : QDialog(parent), job_(new app::EngineJob(store, run, enginePath, this)) {
  setObjectName(QStringLiteral("JobDialog"));
  setWindowTitle(runTitle(run));
  setMinimumWidth(560);
  auto* lay = new QVBoxLayout(this);
  lay->addWidget(new QLabel(QStringLiteral("<b>%1</b>").arg(runTitle(run).toHtmlEscaped())));
  step_ = new QLabel(tr("Starting adamix-engine…"));
  step_->setWordWrap(true);
  lay->addWidget(step_);
  bar_ = new QProgressBar;
  bar_->setRange(0, 0);  // busy until the engine reports its batch count
  lay->addWidget(bar_);
  result_ = new QPlainTextEdit;
  result_->setReadOnly(true);
  result_->setMinimumHeight(120);
  result_->setPlaceholderText(tr("Metrics and written files appear here when the engine is done."));
  lay->addWidget(result_, 1);
  auto* folderRow = new QHBoxLayout;
  folderLabel_ = new QLabel;
  folderLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  folderLabel_->setWordWrap(true);
  open_ = new QPushButton(QIcon::fromTheme(QStringLiteral("folder-open")), tr("Open folder"));
  open_->setToolTip(tr("Opens the output folder in the file manager."));
  open_->setVisible(false);
  folderRow->addWidget(folderLabel_, 1);
  folderRow->addWidget(open_);
  lay->addLayout(folderRow);
  auto* buttons = new QHBoxLayout;
  buttons->addStretch();
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setToolTip(tr("Asks the engine to stop: it removes its unfinished output and stores nothing further."));
  close_ = new QPushButton(tr("Close"));
  close_->setEnabled(false);
  buttons->addWidget(cancel_);
  buttons->addWidget(close_);
  lay->addLayout(buttons);

  connect(open_, &QPushButton::clicked, this, [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(folder_)); });
  connect(cancel_, &QPushButton::clicked, this, &JobDialog::onCancelClicked);
  connect(close_, &QPushButton::clicked, this, &QDialog::accept);
  connect(job_, &app::EngineJob::stepStarted, this, [this](int index, int count, const QString& what) {
    what_ = count > 1 ? tr("%1 (%2 of %3)").arg(what).arg(index + 1).arg(count) : what;
    step_->setText(what_ + QStringLiteral("…"));
    bar_->setRange(0, 0);
  });
  connect(job_, &app::EngineJob::progress, this, [this](qint64 done, qint64 total) {
    if (total <= 0) return;
    bar_->setRange(0, int(total));
    bar_->setValue(int(std::min(done, total)));
    bar_->setFormat(tr("%v / %m batches"));
  });
  connect(job_, &app::EngineJob::evaluated, this, [this](const app::Evaluation& e) {
    QString line = tr("%1 (%2): %3 examples").arg(e.target(), e.inference).arg(e.examples);
    if (e.weightsStep) line += tr(", weights of step %1").arg(*e.weightsStep);
    for (const auto& [name, value] : e.metrics) line += QStringLiteral(", %1 %2").arg(name).arg(value, 0, 'f', 4);
    if (e.metrics.empty()) line += tr(", no labels");
    lines_ << line;
    if (!e.submission.isEmpty()) lines_ << tr("  submission file: %1").arg(QDir(e.outDir).filePath(e.submission));
    if (!e.predictions.isEmpty()) lines_ << tr("  predictions: %1").arg(QDir(e.outDir).filePath(e.predictions));
    if (e.details.contains("strategy")) lines_ << mergeLines(e);
    result_->setPlainText(lines_.join(QLatin1Char('\n')));
    showFolder(e.outDir);
  });
  connect(job_, &app::EngineJob::exported, this, [this](const app::ExportedEvent& x) {
    lines_ << tr("Exported %1:").arg(x.format);
    for (const QString& f : x.files) lines_ << QStringLiteral("  ") + f;
    for (const QString& n : x.notes) lines_ << tr("Note: %1").arg(n);
    result_->setPlainText(lines_.join(QLatin1Char('\n')));
    showFolder(x.out);
  });
  connect(job_, &app::EngineJob::finished, this, &JobDialog::onFinished);
}

void JobDialog::startEval(const std::vector<app::EvalRequest>& requests) { job_->startEval(requests); }

void JobDialog::startExport(const QString& format, const QString& outDir) { job_->startExport(format, outDir); }

void JobDialog::showFolder(const QString& folder) {
  folder_ = folder;
  folderLabel_->setText(tr("Output folder: %1").arg(QDir::toNativeSeparators(folder)));
  open_->setVisible(true);
}

void JobDialog::onFinished(bool ok, const QString& message) {
  done_ = true;
  ok_ = ok;
  cancel_->setEnabled(false);
  close_->setEnabled(true);
  close_->setDefault(true);
  if (ok) {
    step_->setText(what_.isEmpty() ? tr("Done.") : tr("Done: %1.").arg(what_));
    bar_->setRange(0, 1);
    bar_->setValue(1);
    bar_->setFormat(tr("done"));
  } else {
    // cancelled: the engine stopped as asked (its `interrupted` event, or none when killed); an
    // engine that failed otherwise while stopping still says why
    const auto& error = job_->errorEvent();
    const bool cancelled = (job_->wasInterrupted() && (!error || error->kind == QLatin1String("interrupted"))) ||
                           message == QLatin1String("cancelled");
    const auto stored = job_->evaluations().size();
    if (cancelled)
      step_->setText(stored == 0   ? tr("Cancelled; nothing further was stored.")
                     : stored == 1 ? tr("Cancelled after 1 finished step: it is stored, nothing further was.")
                                   : tr("Cancelled after %1 finished steps: those are stored, nothing further was.")
                                         .arg(stored));
    else
      step_->setText(tr("Failed: %1").arg(message));
    bar_->setRange(0, 1);
    bar_->setValue(0);
    bar_->setFormat(tr("stopped"));
  }
  emit jobFinished(ok);
  if (closeWhenDone_) QDialog::reject();
}

void JobDialog::onCancelClicked() {
  if (done_) return;
  const bool first = !job_->wasInterrupted();
  job_->interrupt();  // first: SIGTERM, the engine's clean stop; again: SIGKILL
  if (first && !done_) {
    step_->setText(tr("Stopping: the engine removes its unfinished output…"));
    // a double click must not kill the engine it just asked to stop: "Stop now" takes a second
    cancel_->setEnabled(false);
    QTimer::singleShot(1000, this, [this] { cancel_->setEnabled(!done_); });
    cancel_->setText(tr("Stop now"));
    cancel_->setToolTip(tr("Kills the engine at once; an unfinished output folder stays until the engine next "
                           "writes beside it."));
  }
}

void JobDialog::abandon() {
  closeWhenDone_ = true;
  if (!done_) job_->cancel();  // ends it synchronously: onFinished() closes the dialog
  if (isVisible()) QDialog::reject();
}

void JobDialog::reject() {
  if (done_) {
    QDialog::reject();
    return;
  }
  if (!closeWhenDone_) {  // closing while the engine runs: the clean stop, closed once stopped
    closeWhenDone_ = true;
    if (!job_->wasInterrupted()) onCancelClicked();  // after Cancel: already stopping
    return;
  }
  if (!cancel_->isEnabled()) return;  // within a second of the first close (a double Esc)
  abandon();                          // closed again once "Stop now" is offered: killed at once
}

}  // namespace adamix::ui
