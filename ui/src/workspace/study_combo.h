// The "Study:" picker that the Results and Outputs screens share.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QVariant>

#include <optional>

class QComboBox;

namespace adamix::ui {

class Workspace;

/// Refills `combo` with "All studies" (no data) and each study of the open workspace (data =
/// study id), keeping the current choice; with a single study and no earlier choice, selects it.
/// Emits no signals. A store error leaves only "All studies".
void fillStudyCombo(QComboBox* combo, Workspace* workspace);

/// The study chosen in a combo filled by fillStudyCombo(); nullopt for "All studies".
std::optional<qint64> chosenStudy(const QComboBox* combo);

}  // namespace adamix::ui
