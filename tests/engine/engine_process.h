// Runs the adamix-engine binary under test as a child process, for the suites that check its
// command line and exit codes (ADAMIX_ENGINE_EXE: defined by those suites' CMake targets).
#pragma once
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace adamix::test {

/// What one engine process did: its exit code (-1 when it crashed or ran past the 120 s safety
/// net), its stdout lines (JSON events) and its stderr.
struct EngineRun {
  int exitCode = -1;
  QStringList stdoutLines;
  QString stderrText;
};

/// Runs `adamix-engine ARGS` to its end (killed after 120 s, a safety net only).
inline EngineRun runEngine(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(ADAMIX_ENGINE_EXE), args);
  EngineRun r;
  if (!p.waitForFinished(120000)) {
    p.kill();
    p.waitForFinished();
    return r;
  }
  r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.stdoutLines = QString::fromUtf8(p.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
  r.stderrText = QString::fromUtf8(p.readAllStandardError());
  return r;
}

}  // namespace adamix::test
