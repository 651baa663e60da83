// Runs the adamix-engine binary under test as a child process, for the suites that check its
// command line and exit codes (ADAMIX_ENGINE_EXE: defined by those suites' CMake targets).
#pragma once
#include <QtCore/QByteArray>
#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <filesystem>
#include <string>
#include <system_error>

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

/// Whether process `pid` has `path` open: one of /proc/PID/fd links to it (Linux).
inline bool processHasFileOpen(qint64 pid, const std::string& path) {
  std::error_code ec;
  const auto real = std::filesystem::canonical(path, ec);  // what /proc/PID/fd/N links to
  if (ec) return false;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec))
    if (std::filesystem::read_symlink(it->path(), ec) == real) return true;
  return false;
}

/// Waits until the running engine `p` has `path` open (e.g. a FIFO it waits on). The 120 s limit
/// is a safety net, not a timing assertion: false when `p` ended first or the limit ran out.
inline bool waitUntilFileOpen(QProcess& p, const std::string& path) {
  QElapsedTimer t;
  t.start();
  while (p.state() == QProcess::Running && t.elapsed() < 120000) {
    if (processHasFileOpen(p.processId(), path)) return true;
    p.waitForFinished(20);
  }
  return false;
}

/// Reads the stdout of the running engine `p` until it holds `marker` (120 s safety net) and
/// returns what was read. After it returns nothing reads `p`'s stdout until the caller does: an
/// engine that writes more than a pipe holds (64 KiB on Linux) waits in write() until then.
inline QByteArray readStdoutUntil(QProcess& p, const QByteArray& marker) {
  QByteArray seen;
  while (!seen.contains(marker) && p.waitForReadyRead(120000)) seen += p.readAllStandardOutput();
  return seen;
}

}  // namespace adamix::test
