// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/study_combo.h"

#include "workspace/workspace.h"

#include <QComboBox>
#include <QSignalBlocker>

#include <algorithm>

namespace adamix::ui {

void fillStudyCombo(QComboBox* combo, Workspace* ws) {
  const QVariant current = combo->currentData();
  const QSignalBlocker block(combo);
  combo->clear();
  combo->addItem(QObject::tr("All studies"), QVariant());
  if (!ws->isOpen()) return;
  try {
    for (const app::StudyRecord& s : ws->store().listStudies()) combo->addItem(s.name, s.id);
  } catch (const std::exception&) {
  }
  int idx = current.isValid() ? combo->findData(current) : -1;
  if (idx < 0 && !current.isValid() && combo->count() == 2) idx = 1;  // the only study
  combo->setCurrentIndex(std::max(0, idx));
}

std::optional<qint64> chosenStudy(const QComboBox* combo) {
  const QVariant sid = combo->currentData();
  return sid.isValid() ? std::optional<qint64>(sid.toLongLong()) : std::nullopt;
}

}  // namespace adamix::ui
