// Plain-words explanations of why a run ended without finishing.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/run_state.h"

#include <QString>

namespace adamix::ui {

/// One or two sentences for a user (no jargon), with the engine's message and location.
QString plainError(const QString& kind, const QString& message, const QString& location = {});
/// Same for an executor RunError.
inline QString plainError(const app::RunError& e) { return plainError(e.kind, e.message, e.location); }

}  // namespace adamix::ui
