// SPDX-License-Identifier: GPL-3.0-or-later
#include "signal_guard.h"

#include <QObject>
#include <QSocketNotifier>

#include <unistd.h>

namespace adamix::cli {

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int sig) {
  const char c = char(sig);
  if (g_signalPipe[1] >= 0) (void)!::write(g_signalPipe[1], &c, 1);
}

}  // namespace

SignalGuard::SignalGuard(std::function<void(int)> handler) {
  if (::pipe(g_signalPipe) != 0) return;
  notifier_ = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read);
  QObject::connect(notifier_, &QSocketNotifier::activated, [handler] {
    char c = 0;
    if (::read(g_signalPipe[0], &c, 1) == 1) handler(int(c));
  });
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, &oldInt_);
  ::sigaction(SIGTERM, &sa, &oldTerm_);
}

SignalGuard::~SignalGuard() {
  ::sigaction(SIGINT, &oldInt_, nullptr);
  ::sigaction(SIGTERM, &oldTerm_, nullptr);
  delete notifier_;
  if (g_signalPipe[0] >= 0) ::close(g_signalPipe[0]);
  if (g_signalPipe[1] >= 0) ::close(g_signalPipe[1]);
  g_signalPipe[0] = g_signalPipe[1] = -1;
}

}  // namespace adamix::cli
