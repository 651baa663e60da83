// Routes SIGINT/SIGTERM into the Qt event loop, so a command can stop cleanly (cancel or detach
// its runs) instead of dying mid-write.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

#include <csignal>

class QSocketNotifier;

namespace adamix::cli {

/// While alive, SIGINT and SIGTERM call `handler(signal)` from the event loop (self-pipe); the
/// previous handlers come back when it is destroyed.
class SignalGuard {
 public:
  explicit SignalGuard(std::function<void(int)> handler);
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  QSocketNotifier* notifier_ = nullptr;
  struct sigaction oldInt_ {}, oldTerm_{};
};

}  // namespace adamix::cli
