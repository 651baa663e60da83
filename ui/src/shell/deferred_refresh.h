// "Refresh now if on screen, else when next shown" for the main window's screens.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QObject>

#include <functional>

class QWidget;

namespace adamix::ui {

/// Postpones a screen's refresh while the screen is hidden (a tab not on display) and runs it
/// once when the screen is next shown, so a workspace change — opening one with 1,000 runs —
/// costs nothing for the screens nobody looks at (issue 19, item 6: the Results, Outputs and
/// Monitor refreshes were 1.4 s of a 2.1 s workspace open). Off until enable(): a view used on its
/// own (tests, a dialog) keeps refreshing at once.
class DeferredRefresh : public QObject {
 public:
  /// When a hidden view waits: only inside a shown window (a hidden window refreshes at once, as
  /// nothing would show it), or whenever it is hidden (Compare: its plots are only read on screen).
  enum class Scope { InShownWindow, Always };
  /// `refresh` is the screen's refresh; it calls postpone() first. Watches `view`'s Show events.
  DeferredRefresh(QWidget* view, std::function<void()> refresh);
  void enable(Scope scope = Scope::InShownWindow) {
    enabled_ = true;
    scope_ = scope;
  }
  /// True (and the refresh is due at the next Show) when enabled and the view is hidden (in a
  /// shown window, for Scope::InShownWindow): the caller returns. False otherwise: refresh now.
  bool postpone();
  /// A refresh is waiting for the view to be shown.
  bool pending() const { return pending_; }

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QWidget* view_;
  std::function<void()> refresh_;
  bool enabled_ = false;
  Scope scope_ = Scope::InShownWindow;
  bool pending_ = false;
};

}  // namespace adamix::ui
