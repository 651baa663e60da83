// Study designer screen: the study form (base-config fields from the formFields() table, tasks,
// seeds), where the runs execute (ExecutorEditor), the axes editor, the run count and the run preview with parameter counts. It loads and
// saves the CLI's JSON study files through app::StudyDocument, validates with parseStudy() and
// marks invalid input at the field. Parts: FieldEditor, TasksEditor, AxesEditor, RunPreview.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "designer/field_editor.h"
#include "exec/engine_client.h"
#include "study/study.h"
#include "study/study_document.h"

#include <nlohmann/json.hpp>

#include <QTimer>
#include <QWidget>

#include <optional>
#include <vector>

class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace adamix::ui {

class AxesEditor;
class ExecutorEditor;
class RunPreview;
class TasksEditor;
class Workspace;

/// The designer screen.
class DesignerView : public QWidget {
  Q_OBJECT
 public:
  explicit DesignerView(Workspace* workspace, QWidget* parent = nullptr);
  /// Disconnects the Model field first: closing the window takes its focus, and its
  /// editingFinished must not revalidate a view being destroyed.
  ~DesignerView() override;

  /// Loads a study file into the form; false with `error` on a syntax or validation error
  /// (a file that fails validation is still loaded, with the fields marked).
  bool loadFile(const QString& path, QString* error = nullptr);
  /// Loads a study document (as parsed JSON).
  void loadDocument(const nlohmann::json& doc, const QString& path = {});
  /// Reopens the study last worked on (the app calls this once at start): the study file last
  /// opened or saved, with the edits not saved yet, or the last study never saved. From then on
  /// every edit, open and save is remembered (QSettings designer/studyFile, designer/draft).
  /// False, keeping the new-study template, when nothing was remembered (a fresh home).
  bool restoreLastStudy();
  /// Saves the current study to `path` (pretty JSON); false with `error` on failure.
  bool saveFile(const QString& path, QString* error = nullptr);
  /// The study document built from the form.
  nlohmann::json document() const;
  /// The validated study, or nullopt (then `validationError()` says why).
  std::optional<app::Study> study() const;
  QString validationError() const { return error_; }
  /// JSON pointer of the field at fault ("" when valid or not tied to a field).
  QString errorPath() const { return errorPath_; }
  /// Number of runs the study expands to (0 when invalid).
  int runCount() const { return runCount_; }
  /// The model summary under the Model field ("llama: 5 layers, …", "Asset, …", an error).
  QString modelSummaryText() const;
  /// True while `adamix-engine inspect` of the current model runs.
  bool isInspectingModel() const { return modelInspect_.isBusy(); }
  QString filePath() const { return path_; }
  QTableWidget* previewTable() const;
  QTableWidget* axesTable() const;
  /// The form widget editing a base-config pointer ("/peft/adamix/num_modules"), if any.
  QWidget* fieldWidget(const QString& basePointer) const;
  /// The "Where runs execute" section (the study file's "executor").
  ExecutorEditor* executorEditor() const { return executor_; }
  /// Sets a form field from JSON (as the user would type it); for tests and presets.
  void setField(const QString& basePointer, const nlohmann::json& value);
  /// Adds a path axis row ("/peft/adamix/num_modules", "1, 4").
  void addPathAxis(const QString& path, const QString& values);
  /// Validates now (otherwise done 150 ms after the last edit).
  void revalidate();

 public slots:
  void newStudy();
  void openWithDialog();
  bool save();
  bool saveAs();
  /// Validates, saves (into the workspace's studies folder when never saved) and launches. When the
  /// file holds another version of the study, asks first: overwrite, save as a new study, cancel.
  void launch();
  /// Opens "Add task from file…" (OwnTaskDialog) and appends the own-dataset task it builds to
  /// the tasks table.
  void addTaskFromFile();

 signals:
  /// The user asked to launch this study (saved at `path`).
  void launchRequested(const adamix::app::Study& study, const QString& path);
  /// Title text changed (study name, modified mark).
  void titleChanged(const QString& title);

 private:
  void buildForm();
  /// Shows a study document in the form, keeping the loaded document and path.
  void showDocument(const nlohmann::json& doc);
  /// Stores the study file and the form's document for restoreLastStudy() (once it ran).
  void rememberStudy() const;
  QWidget* buildToolbar();
  QWidget* buildStudyForm();
  void addTaskRows(QFormLayout* form);
  QWidget* buildAxesPane();
  /// saveFile() with a message box on failure.
  bool saveOrWarn(const QString& path);
  /// What to do when launching would write over another version of the study file.
  enum class RelaunchChoice { Overwrite, SaveAsNew, Cancel };
  /// True when `path` exists and does not hold `doc` (an unreadable or unparsable file counts).
  static bool fileHoldsOtherStudy(const QString& path, const nlohmann::json& doc);
  /// Asks (QMessageBox "relaunchQuestion"): overwrite `path`, save as a new study, or cancel.
  RelaunchChoice askBeforeOverwrite(const QString& path);
  /// Asks for a new study name (default: a free "<name>-K" in `dir`), sets it in the form and
  /// returns the new file's path in `dir`; empty when cancelled or the file exists.
  QString saveAsNewStudy(const QString& dir);
  void scheduleValidation();
  void markInvalid(QWidget* w, const QString& message);
  void clearMarks();
  /// Marks the values cell of every axis with values the engine's validation rejects (found by
  /// expanding `study` again without each rejected value), the value and the engine's message
  /// as tooltip; false when the expansion's error is not at an axis value.
  bool markRejectedAxisValues(app::Study study);
  /// Why `written` (the Model field, trimmed) is no usable model, "" when it is: empty, an
  /// `asset:` name not in the asset manifest (one in it is fine: fetched at launch when not
  /// here yet), a directory without config.json.
  static QString modelError(const QString& written);
  /// Sets the model summary for the Model field as it is now: modelError()'s reason, the
  /// "fetched at launch" note of an asset not here yet, else `adamix-engine inspect`'s summary.
  /// revalidate() calls it whenever the field differs from the model the summary describes.
  void inspectModel();
  /// Shows `text` in the model summary (fixed height) and as its tooltip.
  void setModelSummary(const QString& text);
  QWidget* widgetForPath(const QString& pointer) const;

  Workspace* ws_;
  app::StudyDocument loaded_;  ///< the document loaded (what the form does not show is kept)
  QString path_;
  bool loading_ = false;
  bool rememberEdits_ = false;  ///< set by restoreLastStudy(): this is the app's designer
  QLineEdit* name_;
  QLineEdit* description_;
  QLineEdit* model_ = nullptr;  ///< the /model/path field's input
  QLabel* modelInfo_;
  TasksEditor* tasks_;
  QLineEdit* seeds_;
  AxesEditor* axes_;
  ExecutorEditor* executor_;
  RunPreview* preview_;
  QLabel* count_;
  QLabel* errorLabel_;
  QPushButton* launch_;
  std::vector<FieldEditor> fields_;
  QList<QWidget*> marked_;
  QTimer validateTimer_;
  QString error_, errorPath_;
  QString axisValueError_;  ///< the run count's reason when an axis value is invalid
  int runCount_ = 0;
  app::EngineClient modelInspect_;  ///< `inspect MODEL --json` for the model summary
  std::optional<QString> summarizedModel_;  ///< the Model field text the summary describes
};

}  // namespace adamix::ui
