// SPDX-License-Identifier: GPL-3.0-or-later
#include "progress.h"

#include "cli_common.h"

#include <QRegularExpression>

#include <algorithm>
#include <memory>

namespace adamix::cli {

Progress::Progress(app::StudyRunner& runner, bool tty, QObject* parent) : QObject(parent), runner_(runner), tty_(tty) {
  clock_.start();
  connect(&runner_, &app::StudyRunner::runStarted, this, [this](const QString& key) {
    Bar b;
    b.label = runner_.label(key);
    bars_.insert(key, b);
    log(QStringLiteral("started   %1").arg(b.label));
  });
  connect(&runner_, &app::StudyRunner::jobStatusChanged, this, [this](const QString& key, const app::JobStatus& st) {
    log(QStringLiteral("slurm     %1: job %2 %3%4")
            .arg(runner_.label(key), st.jobId, st.state,
                 st.reason.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(st.reason)));
  });
  connect(&runner_, &app::StudyRunner::runFollowed, this, [this](const QString& key, const app::RunClaim& holder) {
    log(QStringLiteral("run %1 (%2) is being trained by another launcher: pid %3 on host %4; following it")
            .arg(runner_.runId(key))
            .arg(runner_.label(key))
            .arg(holder.owner.pid)
            .arg(holder.owner.host));
  });
  connect(&runner_, &app::StudyRunner::runTakenOver, this, [this](const QString& key, const app::RunClaim& previous) {
    log(QStringLiteral("run %1 (%2): its launcher (pid %3 on host %4) is gone; taking it over")
            .arg(runner_.runId(key))
            .arg(runner_.label(key))
            .arg(previous.owner.pid)
            .arg(previous.owner.host));
  });
  connect(&runner_, &app::StudyRunner::runDirBusy, this, [this](const QString& key, qint64 enginePid) {
    log(QStringLiteral("waiting   run %1 (%2): its directory is held by adamix-engine pid %3; it starts when that ends")
            .arg(runner_.runId(key))
            .arg(runner_.label(key))
            .arg(enginePid));
  });
  connect(&runner_, &app::StudyRunner::eventReceived, this, &Progress::onEvent);
  connect(&runner_, &app::StudyRunner::runEnded, this, &Progress::onEnded);
  connect(&runner_, &app::StudyRunner::storeError, this, [this](const QString& m) { log("store error: " + m); });
  reportExecutorWarnings(runner_, this, [this](bool before) {
    if (before) {
      clearBars();
      out().flush();
    } else if (tty_) {
      redraw();
    }
  });
  if (tty_) {
    timer_.setInterval(250);
    connect(&timer_, &QTimer::timeout, this, &Progress::redraw);
    timer_.start();
  }
}

void Progress::clearBars() {
  if (!tty_ || drawnLines_ == 0) return;
  QString s;
  for (int i = 0; i < drawnLines_; ++i) s += QStringLiteral("\x1b[1A\x1b[2K");  // up one line, clear it
  out() << s;
  drawnLines_ = 0;
}

void Progress::log(const QString& line) {
  clearBars();
  out() << line << '\n';
  if (tty_) redraw();
  out().flush();
}

void Progress::finish() {
  timer_.stop();
  clearBars();
  out().flush();
}

QString Progress::barLine(const Bar& b) const {
  constexpr int kWidth = 24;
  const app::RunProgress& pr = b.progress;
  const int filled = int(pr.fraction() * kWidth + 0.5);
  QString bar = QString(filled, QChar(0x2588)) + QString(kWidth - filled, QChar(0x2591));
  const QString eta = formatDuration(pr.etaSeconds(nowS()));  // NaN → "?"
  QString label = b.label;
  if (label.size() > 40) label = label.left(39) + QChar(0x2026);
  return QStringLiteral("%1 %2 %3/%4  loss %5  eta %6")
      .arg(label.leftJustified(40), bar)
      .arg(pr.step)
      .arg(pr.totalSteps)
      .arg(pr.loss ? QString::number(*pr.loss, 'f', 4) : QStringLiteral("-"), eta);
}

void Progress::redraw() {
  if (!tty_) return;
  clearBars();
  QString s;
  for (const Bar& b : std::as_const(bars_)) s += barLine(b) + '\n';
  out() << s;
  out().flush();
  drawnLines_ = int(bars_.size());
}

void Progress::onEvent(const QString& key, const app::EngineEvent& ev) {
  auto it = bars_.find(key);
  if (it == bars_.end()) return;
  it->progress = app::fold(it->progress, ev, nowS());
  if (ev.as<app::ProgressEvent>()) {
    if (!tty_ && (nowS() - it->lastLogS >= 10.0 || it->progress.step == it->progress.totalSteps)) {
      it->lastLogS = nowS();
      QString line = barLine(*it);
      line.remove(QRegularExpression(QStringLiteral("[\\x{2588}\\x{2591}]+ ")));
      log(QStringLiteral("progress  %1").arg(line.simplified()));
    }
  }
}

void reportExecutorWarnings(app::StudyRunner& runner, QObject* context, std::function<void(bool before)> around) {
  auto filter = std::make_shared<app::WarningFilter>();
  auto clock = std::make_shared<QElapsedTimer>();
  clock->start();
  QObject::connect(&runner.executor(), &app::Executor::protocolWarning, context,
                   [&runner, filter, clock, around](const QString& key, const QString& message) {
                     const auto line = filter->admit(key.isEmpty() ? QString() : runner.label(key), message,
                                                     clock->elapsed() / 1000.0);
                     if (!line) return;
                     if (around) around(true);
                     err() << "warning: " << runner.executor().kind() << ": " << *line << '\n';
                     err().flush();
                     if (around) around(false);
                   });
}

void Progress::onEnded(const QString& key, app::RunState state, const app::RunError& error) {
  const QString label = bars_.contains(key) ? bars_.value(key).label : runner_.label(key);
  bars_.remove(key);
  ++done_;
  QString line = QStringLiteral("%1 %2").arg(app::runStateName(state).leftJustified(9), label);
  if (!error.isEmpty()) {
    line += QStringLiteral(": %1: %2").arg(error.kind, error.message);
    if (!error.location.isEmpty()) line += QStringLiteral(" (at %1)").arg(error.location);
  }
  log(line);
}

JobProgress::JobProgress(app::EngineJob& job, const QString& label, bool tty, QObject* parent)
    : QObject(parent), label_(label), tty_(tty) {
  clock_.start();
  connect(&job, &app::EngineJob::stepStarted, this, [this](int index, int count, const QString& what) {
    log(QStringLiteral("started   %1 · %2%3")
            .arg(label_, what, count > 1 ? QStringLiteral(" [%1/%2]").arg(index + 1).arg(count) : QString()));
  });
  connect(&job, &app::EngineJob::progress, this, &JobProgress::draw);
  connect(&job, &app::EngineJob::evaluated, this, [this](const app::Evaluation& e) {
    QStringList metrics;
    for (const auto& [name, value] : e.metrics) metrics << QStringLiteral("%1 %2").arg(name).arg(value, 0, 'f', 4);
    log(QStringLiteral("evaluated %1 · %2 (%3), %4 examples%5")
            .arg(label_, e.target(), e.inference)
            .arg(e.examples)
            .arg(metrics.isEmpty() ? QStringLiteral(", no labels") : QStringLiteral(": ") + metrics.join(", ")));
  });
}

void JobProgress::log(const QString& line) {
  if (drawn_) out() << "\r\x1b[2K";
  drawn_ = false;
  out() << line << '\n';
  out().flush();
}

void JobProgress::draw(qint64 done, qint64 total) {
  constexpr int kWidth = 24;
  const double fraction = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 0.0;
  const double elapsed = clock_.elapsed() / 1000.0;
  if (tty_) {
    const int filled = int(fraction * kWidth + 0.5);
    out() << "\r\x1b[2K" << label_.left(40).leftJustified(40) << ' ' << QString(filled, QChar(0x2588))
          << QString(kWidth - filled, QChar(0x2591)) << ' ' << done << '/' << total;
    out().flush();
    drawn_ = true;
  } else if (done > 0 && (elapsed - lastLogS_ >= 10.0 || done == total)) {
    lastLogS_ = elapsed;
    log(QStringLiteral("progress  %1 %2/%3 batches").arg(label_).arg(done).arg(total));
  }
}

void JobProgress::finish() {
  if (drawn_) out() << "\r\x1b[2K";
  drawn_ = false;
  out().flush();
}

}  // namespace adamix::cli
