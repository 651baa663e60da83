// "Add task from file…": the dialog that builds one own-dataset entry of a study's "tasks"
// (docs/run-config.md § Own datasets) from the user's train / dev / test files. It previews the
// train file's first rows, offers its columns, shows the label distribution with the
// majority-class baseline (classification) or the target's mean and std (regression), and
// reports unreadable files, bad quoting and missing columns with file and line. Files are read
// with the engine's own reader (data/table_file.h), so what the dialog accepts is what a run reads.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "data/table_file.h"
#include "study/study_document.h"

#include <QDialog>
#include <QStringList>
#include <QTimer>

#include <optional>
#include <string>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QStackedWidget;
class QTableWidget;

namespace adamix::ui {

/// Builds an own-task entry ({"name", "data_dir", "train_file", …}) from files the user picks.
///
/// data_dir is the train file's (absolute) folder; train_file is its file name; dev_file and
/// test_file are relative to data_dir, with `../` when they live elsewhere (a file on another
/// root, e.g. another Windows drive, stays absolute). The entry always names format, type, metric
/// and the columns; display_name and test_file only when set; labels only when "Fix the label set
/// to the train file's labels" is checked (classification).
class OwnTaskDialog : public QDialog {
  Q_OBJECT
 public:
  /// `startDir`: where the Browse… buttons' file dialogs open (the workspace folder, "" = default);
  /// `takenNames`: the study's task names, which the new name must differ from.
  explicit OwnTaskDialog(const QString& startDir = {}, const QStringList& takenNames = {}, QWidget* parent = nullptr);

  /// The entry as the study file writes it (valid only while isValid()).
  nlohmann::json taskJson() const;
  /// taskJson() as the designer's task row.
  app::StudyDocument::Task task() const;
  /// True when the files read, the columns exist and the entry would parse (OK is enabled).
  bool isValid() const { return error_.isEmpty(); }
  /// Why the entry is not valid ("" when it is): the text of the red error line.
  QString errorText() const { return error_; }

  /// Reads the files and updates everything now (otherwise done 200 ms after the last edit of a
  /// file field; column, type and metric changes update at once from the files already read).
  void reload();

  // The dialog's widgets, for tests and the screenshot mode (driven as a user would).
  QLineEdit* trainEdit() const { return train_; }
  QLineEdit* devEdit() const { return dev_; }
  QLineEdit* testEdit() const { return test_; }
  QComboBox* formatCombo() const { return format_; }
  QLineEdit* nameEdit() const { return name_; }
  QLineEdit* displayNameEdit() const { return displayName_; }
  QComboBox* typeCombo() const { return type_; }
  QComboBox* metricCombo() const { return metric_; }
  QComboBox* textColumnCombo() const { return textColumn_; }
  QComboBox* textPairColumnCombo() const { return textPairColumn_; }
  QComboBox* labelColumnCombo() const { return labelColumn_; }
  QComboBox* inputColumnCombo() const { return inputColumn_; }
  /// Checkable list of the train file's columns: the reference columns of a generation task.
  QListWidget* referenceList() const { return references_; }
  QCheckBox* fixLabelsCheck() const { return fixLabels_; }
  /// The first 20 rows of the train file (header = its columns).
  QTableWidget* previewTable() const { return preview_; }
  /// Classification: label | count | share of the train file's label column.
  QTableWidget* distributionTable() const { return distribution_; }
  /// Classification: "Majority-class baseline: …"; regression: "n = …, mean …, std …".
  QLabel* summaryLabel() const { return summary_; }
  QLabel* errorLabel() const { return errorLabel_; }
  QPushButton* okButton() const;

  /// The text shown for "no text pair column" in textPairColumnCombo().
  static QString noneText();
  /// A task identifier from a folder name: lower case, runs of characters outside [a-z0-9_-]
  /// as one "_", trimmed of "_"; "-own" appended to a built-in task name ("sst2" → "sst2-own");
  /// "my_task" when nothing is left.
  static QString identifierFrom(const QString& folderName);

 private:
  void buildUi(const QString& startDir);
  /// A file field with its Browse… button.
  QWidget* fileRow(QLineEdit* edit, const QString& caption, const QString& startDir);
  void onTrainPathChanged();
  /// Refills the column combos and the reference list from the train header, keeping choices
  /// that still exist, else pre-selecting the usual names.
  void fillColumnChoices();
  /// Refills the metric combo with the metrics of the chosen type, keeping the choice if it applies.
  void fillMetrics();
  /// Shows the columns of the chosen type (text/pair/label vs input/references).
  void showTypeFields();
  /// Recomputes the distribution / statistics and the validation from the files already read.
  void updateAnalysis();
  /// Loads every file with the engine's loaders (data/own_task.h, bad rows failing, as a run's
  /// default) for the entry as it is now; their first error as "file:line: …", "" when none.
  QString checkWithEngine() const;
  QString checkWithEngineUncached(const nlohmann::json& entry) const;
  void setError(const QString& text);
  /// `path` relative to the data directory (see the class comment).
  QString relativeToDataDir(const QString& path) const;
  QString chosenFormat() const;

  QStringList takenNames_;
  QLineEdit *train_, *dev_, *test_;
  QComboBox* format_;
  QLabel* dataDir_;  ///< the data_dir the entry will name
  QLineEdit *name_, *displayName_;
  QComboBox *type_, *metric_;
  QComboBox *textColumn_, *textPairColumn_, *labelColumn_, *inputColumn_;
  QListWidget* references_;
  QStackedWidget* columnPages_;
  QCheckBox* fixLabels_;
  QTableWidget* preview_;
  QTableWidget* distribution_;
  QLabel* summary_;
  QLabel* errorLabel_;
  QDialogButtonBox* buttons_;
  QTimer reloadTimer_;
  bool filling_ = false;   ///< combos being refilled: their signals do not update
  bool nameEdited_ = false;  ///< the user typed a name: a new train file does not replace it
  bool typeChosen_ = false;  ///< the user chose a type: a new train file does not guess it

  // what reload() read: the files' tables, or the error that stopped the read
  std::optional<TableFile> head_, trainTable_, devTable_, testTable_;
  QString fileError_;
  /// checkWithEngine()'s last answer and what it depended on (the entry without its names, the
  /// files' sizes and modification times): typing a name does not read the files again.
  mutable std::string checkedKey_;
  mutable QString checkedResult_;
  std::vector<std::string> trainLabels_;  ///< classification: the train file's distinct labels (sorted)
  QString error_;
};

}  // namespace adamix::ui
