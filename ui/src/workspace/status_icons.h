// Icons for run states (drawn, so they follow the palette and need no image files).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/store.h"

#include <QColor>
#include <QIcon>

namespace adamix::ui {

/// The icon of a run status (a coloured disc with a symbol: ✓ finished, ✕ failed, ▶ running, …).
QIcon statusIcon(app::RunState status);
/// The colour used for a status in icons and progress bars.
QColor statusColor(app::RunState status);
/// A one-sentence explanation of a status for tooltips.
QString statusExplanation(app::RunState status);

}  // namespace adamix::ui
