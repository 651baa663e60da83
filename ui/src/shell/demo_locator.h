// Where the demo study and the demo workspace live.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace adamix::ui {

/// experiments/demo.json: $ADAMIX_DEMO_STUDY, next to the installed binary
/// (../share/adamix/experiments), the working directory, or the source tree; "" if none exists.
QString findDemoStudy();
/// The workspace the demo opens in: the one `scripts/demo.sh` trained, `workspace/demo.sqlite`
/// beside the study's `experiments/` folder, when it exists (so its curves and table show at
/// once); otherwise <app data>/demo/demo.sqlite.
QString defaultDemoWorkspace(const QString& demoStudy = {});

}  // namespace adamix::ui
