// SPDX-License-Identifier: GPL-3.0-or-later
#include "shell/deferred_refresh.h"

#include <QEvent>
#include <QWidget>

namespace adamix::ui {

DeferredRefresh::DeferredRefresh(QWidget* view, std::function<void()> refresh)
    : QObject(view), view_(view), refresh_(std::move(refresh)) {
  view_->installEventFilter(this);
}

bool DeferredRefresh::postpone() {
  // In a hidden window (scripted use, screenshots) nothing might ever show the view: unless the
  // view asked to wait always, it refreshes at once.
  if (!enabled_ || view_->isVisible() || (scope_ == Scope::InShownWindow && !view_->window()->isVisible())) {
    pending_ = false;
    return false;
  }
  pending_ = true;
  return true;
}

bool DeferredRefresh::eventFilter(QObject* watched, QEvent* event) {
  // Qt marks the widget visible before it sends the Show event, so the refresh runs for real.
  if (watched == view_ && event->type() == QEvent::Show && pending_) refresh_();
  return false;
}

}  // namespace adamix::ui
