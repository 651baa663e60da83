// The progress of one evaluation / prediction / export while the engine runs (cancellable), then
// its outcome: metrics or files, and the output folder with a button that opens it.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/engine_job.h"

#include <QDialog>

class QLabel;
class QProgressBar;
class QPushButton;
class QPlainTextEdit;

namespace adamix::ui {

/// Runs an EngineJob and shows it. The dialog owns the job. Cancel asks the engine to stop cleanly
/// (EngineJob::interrupt(): SIGTERM, the engine removes its unfinished output) and turns, a
/// second later (a double click does not kill), into "Stop now" (SIGKILL). Closing the dialog
/// (Esc, the window's close button) while the engine runs is a Cancel: the clean stop, and the
/// dialog closes once the engine has stopped; closing it again once "Stop now" is offered kills
/// the engine and closes at once.
class JobDialog : public QDialog {
  Q_OBJECT
 public:
  JobDialog(app::Store& store, const app::RunRecord& run, const QString& enginePath, QWidget* parent = nullptr);

  /// Ends the job at once (the engine killed, nothing further stored) and closes: for when the
  /// store it writes into goes away (another workspace opened, or none).
  void abandon();

  void startEval(const std::vector<app::EvalRequest>& requests);
  void startExport(const QString& format, const QString& outDir);

  app::EngineJob* job() const { return job_; }
  /// True once the job ended (well or not).
  bool isDone() const { return done_; }
  bool succeeded() const { return ok_; }
  /// The folder shown when done ("" before, or when nothing was written).
  QString outputFolder() const { return folder_; }
  QLabel* stepLabel() const { return step_; }
  QProgressBar* progressBar() const { return bar_; }
  QPlainTextEdit* resultText() const { return result_; }
  QLabel* folderLabel() const { return folderLabel_; }
  QPushButton* openFolderButton() const { return open_; }
  QPushButton* cancelButton() const { return cancel_; }

 signals:
  /// The job ended (after the dialog shows the outcome); the store may have new evaluations.
  void jobFinished(bool ok);

 protected:
  void reject() override;

 private:
  void onFinished(bool ok, const QString& message);
  /// Cancel: the first click interrupts the job cleanly, a second one kills the engine.
  void onCancelClicked();
  void showFolder(const QString& folder);

  app::EngineJob* job_;
  QLabel* step_;
  QProgressBar* bar_;
  QPlainTextEdit* result_;
  QLabel* folderLabel_;
  QPushButton* open_;
  QPushButton* cancel_;
  QPushButton* close_;
  QString folder_;
  QString what_;  ///< the current step ("eval dev (ensemble)")
  QStringList lines_;
  bool done_ = false;
  bool ok_ = false;
  bool closeWhenDone_ = false;  ///< closed while the engine ran: closes once it has stopped
};

}  // namespace adamix::ui
