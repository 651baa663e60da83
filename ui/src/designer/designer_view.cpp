// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/designer_view.h"

#include "assets/asset_ref.h"
#include "assets/assets.h"
#include "designer/axes_editor.h"
#include "designer/executor_editor.h"
#include "designer/model_location.h"
#include "designer/own_task_dialog.h"
#include "designer/run_preview.h"
#include "designer/tasks_editor.h"
#include "shell/file_dialogs.h"
#include "study/value_text.h"
#include "workspace/workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <map>
#include <set>

namespace adamix::ui {

using nlohmann::json;

namespace {

/// An "Add … / Remove …" button row wired to an editor's slots. Remove acts on the selected
/// rows and is disabled while no row is selected (Add selects the row it adds).
template <class Editor>
QHBoxLayout* addRemoveButtons(const QString& addText, const QString& removeText, Editor* editor, void (Editor::*add)(),
                              void (Editor::*remove)()) {
  auto* row = new QHBoxLayout;
  auto* addBtn = new QPushButton(addText);
  auto* removeBtn = new QPushButton(removeText);
  removeBtn->setToolTip(QObject::tr("Removes the selected rows (select a row first)."));
  row->addWidget(addBtn);
  row->addWidget(removeBtn);
  row->addStretch();
  QObject::connect(addBtn, &QPushButton::clicked, editor, add);
  QObject::connect(removeBtn, &QPushButton::clicked, editor, remove);
  const auto follow = [editor, removeBtn] { removeBtn->setEnabled(editor->hasSelectedRows()); };
  QObject::connect(editor, &Editor::selectionStateChanged, removeBtn, follow);
  QObject::connect(editor, &Editor::changed, removeBtn, follow);
  follow();
  return row;
}

/// The one-line model summary of `adamix-engine inspect MODEL --json`.
QString modelSummary(const json& j) {
  return QObject::tr("%1: %2 layers, hidden %3, %4 heads (kv %5), vocab %6 — %7 backbone parameters")
      .arg(QString::fromStdString(j.value("model_type", std::string("?"))))
      .arg(j.value("num_hidden_layers", 0))
      .arg(j.value("hidden_size", 0))
      .arg(j.value("num_attention_heads", 0))
      .arg(j.value("num_key_value_heads", 0))
      .arg(j.value("vocab_size", 0))
      .arg(formatCount(j.value("backbone_parameters", qint64(0))));
}

}  // namespace

DesignerView::DesignerView(Workspace* workspace, QWidget* parent) : QWidget(parent), ws_(workspace) {
  buildForm();
  validateTimer_.setSingleShot(true);
  validateTimer_.setInterval(150);
  connect(&validateTimer_, &QTimer::timeout, this, &DesignerView::revalidate);
  newStudy();
}

DesignerView::~DesignerView() { disconnect(model_, nullptr, this, nullptr); }

QWidget* DesignerView::buildToolbar() {
  auto* host = new QWidget;
  auto* bar = new QHBoxLayout(host);
  bar->setContentsMargins(0, 0, 0, 0);
  auto* newBtn = new QPushButton(QIcon::fromTheme("document-new"), tr("New"));
  auto* openBtn = new QPushButton(QIcon::fromTheme("document-open"), tr("Open…"));
  auto* saveBtn = new QPushButton(QIcon::fromTheme("document-save"), tr("Save"));
  auto* saveAsBtn = new QPushButton(tr("Save as…"));
  launch_ = new QPushButton(QIcon::fromTheme("media-playback-start"), tr("Launch"));
  launch_->setToolTip(tr("Saves the study and queues its runs in the current workspace (Ctrl+R)."));
  newBtn->setToolTip(tr("Starts a new study from the defaults."));
  openBtn->setToolTip(tr("Loads a study file (the same JSON the adamix CLI reads)."));
  saveBtn->setToolTip(tr("Writes the study file (Ctrl+S)."));
  bar->addWidget(newBtn);
  bar->addWidget(openBtn);
  bar->addWidget(saveBtn);
  bar->addWidget(saveAsBtn);
  bar->addStretch();
  bar->addWidget(launch_);
  connect(newBtn, &QPushButton::clicked, this, &DesignerView::newStudy);
  connect(openBtn, &QPushButton::clicked, this, &DesignerView::openWithDialog);
  connect(saveBtn, &QPushButton::clicked, this, &DesignerView::save);
  connect(saveAsBtn, &QPushButton::clicked, this, &DesignerView::saveAs);
  connect(launch_, &QPushButton::clicked, this, &DesignerView::launch);
  return host;
}

void DesignerView::addTaskRows(QFormLayout* form) {
  // The summary's space is reserved (three lines, whatever it says, also when empty) so the
  // fields below never move when it appears, changes or disappears; longer text is clipped and
  // shown whole as the tooltip.
  modelInfo_ = new QLabel;
  modelInfo_->setWordWrap(true);
  modelInfo_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  modelInfo_->setFixedHeight(3 * modelInfo_->fontMetrics().lineSpacing());
  modelInfo_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
  form->addRow(QString(), modelInfo_);
  tasks_ = new TasksEditor;
  form->addRow(tr("Tasks"), tasks_);
  QHBoxLayout* buttons =
      addRemoveButtons(tr("Add task"), tr("Remove task"), tasks_, &TasksEditor::addTask, &TasksEditor::removeSelectedTasks);
  auto* fromFile = new QPushButton(tr("Add task from file…"));
  fromFile->setObjectName(QStringLiteral("addTaskFromFile"));
  fromFile->setToolTip(tr("Adds a task read from your own CSV / TSV / JSONL files (own dataset)."));
  connect(fromFile, &QPushButton::clicked, this, &DesignerView::addTaskFromFile);
  // On a row of its own: beside Add task and Remove task it made the form wider than the pane at
  // 1440 x 900, which then scrolled sideways and cut off the fields (a new user's report).
  auto* fileRow = new QHBoxLayout;
  fileRow->addWidget(fromFile);
  fileRow->addStretch();
  auto* rows = new QVBoxLayout;
  rows->addLayout(buttons);
  rows->addLayout(fileRow);
  form->addRow(QString(), rows);
}

void DesignerView::addTaskFromFile() {
  QStringList taken;
  for (const app::StudyDocument::Task& t : tasks_->tasks()) taken << t.name.trimmed();
  OwnTaskDialog dialog(workspaceFolder(ws_), taken, this);
  if (dialog.exec() == QDialog::Accepted && dialog.isValid()) tasks_->addTaskEntry(dialog.task());
}

QWidget* DesignerView::buildStudyForm() {
  auto* formHost = new QWidget;
  auto* fl = new QVBoxLayout(formHost);
  auto* studyBox = new QGroupBox(tr("Study"));
  auto* sf = new QFormLayout(studyBox);
  name_ = new QLineEdit;
  name_->setToolTip(tr("The study's name; the workspace keys studies by name."));
  description_ = new QLineEdit;
  description_->setToolTip(tr("Free text describing the study."));
  seeds_ = new QLineEdit;
  name_->setObjectName(QStringLiteral("studyName"));
  description_->setObjectName(QStringLiteral("studyDescription"));
  seeds_->setObjectName(QStringLiteral("studySeeds"));
  seeds_->setToolTip(tr("Distinct integer seeds, comma separated; every variant runs once per seed."));
  sf->addRow(tr("Name"), name_);
  sf->addRow(tr("Description"), description_);
  sf->addRow(tr("Seeds"), seeds_);
  fl->addWidget(studyBox);

  // the base-config fields, one group box per FormGroup, rows in table order
  std::map<FormGroup, QFormLayout*> groups;
  for (FormGroup g : {FormGroup::Model, FormGroup::Peft, FormGroup::Train}) {
    auto* box = new QGroupBox(formGroupTitle(g));
    groups[g] = new QFormLayout(box);
    fl->addWidget(box);
  }
  for (const FieldSpec& spec : formFields()) {
    FieldEditor e = makeFieldEditor(spec);
    QFormLayout* form = groups[spec.group];
    form->addRow(spec.label, e.widget);
    e.onChanged([this] { scheduleValidation(); });
    if (spec.kind == FieldKind::Directory && spec.pointer == QLatin1String("/model/path")) {
      model_ = qobject_cast<QLineEdit*>(e.input);
      addTaskRows(form);  // the model summary and the tasks follow the model
    }
    fields_.push_back(std::move(e));
  }
  executor_ = new ExecutorEditor;
  fl->addWidget(executor_);
  fl->addStretch();
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setWidget(formHost);
  scroll->setMinimumWidth(360);
  return scroll;
}

QWidget* DesignerView::buildAxesPane() {
  auto* right = new QWidget;
  auto* rl = new QVBoxLayout(right);
  auto* axesBox = new QGroupBox(tr("Ablation axes"));
  auto* al = new QVBoxLayout(axesBox);
  axes_ = new AxesEditor;
  al->addWidget(axes_);
  al->addLayout(addRemoveButtons(tr("Add axis"), tr("Remove axis"), axes_, &AxesEditor::addUnusedAxis,
                                 &AxesEditor::removeSelectedAxes));
  rl->addWidget(axesBox);
  count_ = new QLabel;
  QFont bold = count_->font();
  bold.setBold(true);
  bold.setPointSizeF(bold.pointSizeF() * 1.15);
  count_->setFont(bold);
  count_->setWordWrap(true);  // a long reason ("No runs: …") must not widen the window
  rl->addWidget(count_);
  errorLabel_ = new QLabel;
  errorLabel_->setWordWrap(true);
  errorLabel_->setStyleSheet(QStringLiteral("QLabel { color: #d62728; }"));
  errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  rl->addWidget(errorLabel_);
  preview_ = new RunPreview;
  rl->addWidget(preview_, 1);
  return right;
}

void DesignerView::buildForm() {
  auto* outer = new QVBoxLayout(this);
  outer->addWidget(buildToolbar());
  auto* split = new QSplitter(Qt::Horizontal);
  outer->addWidget(split, 1);
  split->addWidget(buildStudyForm());
  split->addWidget(buildAxesPane());
  split->setStretchFactor(1, 1);
  split->setSizes({380, 700});

  // every edit revalidates (debounced); the field editors are connected in buildStudyForm()
  for (QLineEdit* le : {name_, description_, seeds_})
    connect(le, &QLineEdit::textChanged, this, &DesignerView::scheduleValidation);
  connect(tasks_, &TasksEditor::changed, this, &DesignerView::scheduleValidation);
  connect(axes_, &AxesEditor::changed, this, &DesignerView::scheduleValidation);
  connect(executor_, &ExecutorEditor::changed, this, &DesignerView::scheduleValidation);
  connect(model_, &QLineEdit::editingFinished, this, &DesignerView::revalidate);  // and the summary now
  for (QWidget* w : std::initializer_list<QWidget*>{name_, seeds_, tasks_, axes_})
    w->setProperty("origTip", w->toolTip());
}

void DesignerView::addPathAxis(const QString& path, const QString& values) { axes_->addPathAxis(path, values); }

QTableWidget* DesignerView::previewTable() const { return preview_; }

QTableWidget* DesignerView::axesTable() const { return axes_; }

QWidget* DesignerView::fieldWidget(const QString& basePointer) const {
  for (const FieldEditor& f : fields_)
    if (f.spec.pointer == basePointer) return f.input;
  return nullptr;
}

void DesignerView::setField(const QString& basePointer, const json& value) {
  for (const FieldEditor& f : fields_)
    if (f.spec.pointer == basePointer) f.set(value);
  scheduleValidation();
}

void DesignerView::newStudy() {
  // λ is the paper's for the template's task kind (RTE: NLU, λ = 1), written into the base so the
  // form shows it and the M axis compares AdaMix with consistency, as the paper does.
  const QString task = QStringLiteral("rte");
  json doc = {{"name", "my-study"},
              {"base",
               {{"model", {{"path", "asset:models/stories260K"}}},
                {"task", {{"max_seq_length", 64}, {"max_train_examples", 512}}},
                {"peft", {{"adamix", {{"consistency_weight", paperConsistencyWeight(task)}}}}},
                {"train", {{"learning_rate", 1e-3}, {"epochs", 1}, {"batch_size", 16}}}}},
              {"tasks", json::array({{{"name", task.toStdString()}, {"data_dir", "asset:glue/RTE"}}})},
              {"axes", json::array({{{"path", "/peft/adamix/num_modules"}, {"values", {1, 4}}}})},
              {"seeds", {1}}};
  loadDocument(doc);
}

void DesignerView::loadDocument(const json& doc, const QString& path) {
  loaded_ = app::StudyDocument::fromJson(doc);
  path_ = path;
  showDocument(doc);
}

void DesignerView::showDocument(const json& doc) {
  loading_ = true;
  const app::StudyDocument shown = app::StudyDocument::fromJson(doc);
  name_->setText(shown.name());
  description_->setText(shown.description());
  for (const FieldEditor& f : fields_) f.set(shown.baseValue(f.spec.pointer.toStdString()));
  tasks_->setTasks(shown.tasks());
  axes_->setAxes(shown.axes());
  seeds_->setText(app::valueListText(shown.hasSeeds() ? shown.seeds() : json::array({1})));
  try {
    executor_->setSpec(shown.executor());
  } catch (const app::StudyError&) {
    executor_->setSection(shown.executorSection());  // shown as written; revalidate() marks the bad value
  }
  loading_ = false;
  emit titleChanged(path_.isEmpty() ? name_->text() : QFileInfo(path_).fileName());
  summarizedModel_.reset();  // a loaded study's model is inspected afresh, even the same path
  revalidate();
}

namespace {
const char* const kStudyFileKey = "designer/studyFile";  ///< the study file last opened or saved
const char* const kDraftKey = "designer/draft";          ///< the form's study document (JSON)
}  // namespace

bool DesignerView::restoreLastStudy() {
  QSettings s;
  const QString file = s.value(kStudyFileKey).toString();
  const json draft = json::parse(s.value(kDraftKey).toString().toStdString(), nullptr, false);
  bool restored = false;
  if (!file.isEmpty() && QFileInfo::exists(file)) {
    loadFile(file);  // a file that no longer validates is still loaded, with the fields marked
    restored = true;
    if (draft.is_object() && draft != document()) showDocument(draft);  // its unsaved edits
  } else if (draft.is_object()) {
    loadDocument(draft);  // a study never saved (or whose file is gone)
    restored = true;
  }
  rememberEdits_ = true;
  rememberStudy();
  return restored;
}

void DesignerView::rememberStudy() const {
  if (!rememberEdits_) return;
  QSettings s;
  s.setValue(kStudyFileKey, path_);
  s.setValue(kDraftKey, QString::fromStdString(document().dump()));
}

json DesignerView::document() const {
  app::StudyDocument d = loaded_;
  d.setName(name_->text());
  d.setDescription(description_->text());
  for (const FieldEditor& f : fields_) d.setBaseValue(f.spec.pointer.toStdString(), f.get());
  d.setTasks(tasks_->tasks());
  d.setAxes(axes_->axes());
  d.setSeeds(app::parseSeedList(seeds_->text()));
  d.setExecutor(executor_->spec());
  return d.toJson();
}

std::optional<app::Study> DesignerView::study() const {
  try {
    app::Study s = app::parseStudy(document());
    // relative data directories are relative to the study file, as for `adamix study run FILE`
    if (!path_.isEmpty()) s.baseDir = QFileInfo(path_).absolutePath();
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void DesignerView::scheduleValidation() {
  if (loading_) return;
  validateTimer_.start();
}

void DesignerView::markInvalid(QWidget* w, const QString& message) {
  if (!w) return;
  w->setStyleSheet(QStringLiteral("border: 2px solid #d62728;"));
  w->setToolTip(message);
  w->setProperty("invalid", true);
  marked_ << w;
}

bool DesignerView::markRejectedAxisValues(app::Study study) {
  static const QRegularExpression valuePath(QStringLiteral("^/axes/(\\d+)/values/(\\d+)(/|$)"));
  // Expand, drop the value the engine rejects, expand again: every rejected value of every axis
  // is found (not only the first), each with the engine's message. Indices map back to the file's.
  std::vector<std::vector<size_t>> original(study.axes.size());
  for (size_t k = 0; k < study.axes.size(); ++k)
    for (size_t i = 0; i < study.axes[k].values.size(); ++i) original[k].push_back(i);
  std::map<int, QStringList> messages;  // axes row → "Value v of axis: message" lines
  QString firstValue, firstAxis;
  for (int guard = 0; guard < 64; ++guard) {
    try {
      app::expandStudy(study);
      break;
    } catch (const app::StudyError& e) {
      const QRegularExpressionMatch m = valuePath.match(QString::fromStdString(e.path()));
      if (!m.hasMatch()) break;
      const size_t k = m.captured(1).toULongLong(), i = m.captured(2).toULongLong();
      if (k >= study.axes.size() || i >= study.axes[k].values.size() || int(k) >= axes_->rowCount()) break;
      const app::Axis& axis = study.axes[k];
      const app::AxisValue& value = axis.values[i];
      // a path axis value as typed; a bundle value by its label
      const QString valueText = axis.bundle ? value.label : app::valueListText(json::array({value.value}));
      messages[int(k)] << tr("Value %1 of %2 is rejected by the engine: %3")
                              .arg(valueText, axis.name, QString::fromStdString(e.message()));
      if (firstValue.isEmpty()) {
        firstValue = valueText;
        firstAxis = axis.name;
      }
      study.axes[k].values.erase(study.axes[k].values.begin() + std::ptrdiff_t(i));
      original[k].erase(original[k].begin() + std::ptrdiff_t(i));
      if (study.axes[k].values.empty()) break;
    }
  }
  if (messages.empty()) return false;
  int count = 0;
  for (const auto& [row, lines] : messages) {
    axes_->markValuesInvalid(row, lines.join(QLatin1Char('\n')));
    count += int(lines.size());
  }
  axisValueError_ = count == 1 ? tr("value %1 of axis %2 is invalid (the red cell says why).").arg(firstValue, firstAxis)
                               : tr("%1 axis values are invalid, first %2 of axis %3 (the red cells say why).")
                                     .arg(count)
                                     .arg(firstValue, firstAxis);
  return true;
}

void DesignerView::clearMarks() {
  axes_->clearValueMarks();
  axisValueError_.clear();
  for (QWidget* w : marked_) {
    w->setStyleSheet({});
    w->setToolTip(w->property("origTip").toString());
    w->setProperty("invalid", false);
  }
  marked_.clear();
}

QWidget* DesignerView::widgetForPath(const QString& p) const {
  if (p.startsWith(QLatin1String("/base/"))) {
    const QString sub = p.mid(5);
    QWidget* best = nullptr;
    int bestLen = 0;
    for (const FieldEditor& f : fields_) {
      const QString& ptr = f.spec.pointer;
      if ((sub == ptr || sub.startsWith(ptr + QLatin1Char('/'))) && ptr.size() > bestLen) {
        best = f.input;
        bestLen = int(ptr.size());
      }
    }
    return best;
  }
  if (p == QLatin1String("/name")) return name_;
  if (p.startsWith(QLatin1String("/seeds"))) return seeds_;
  if (p.startsWith(QLatin1String("/tasks"))) return tasks_;
  if (p.startsWith(QLatin1String("/axes/"))) {
    const int row = p.section(QLatin1Char('/'), 2, 2).toInt();
    if (row < axes_->rowCount() && axes_->cellWidget(row, 0) && p.contains(QLatin1String("/path")))
      return axes_->cellWidget(row, 0);
    return axes_;
  }
  if (p.startsWith(QLatin1String("/axes"))) return axes_;
  if (p.startsWith(QLatin1String("/executor"))) return executor_->fieldFor(p);
  return nullptr;
}

void DesignerView::revalidate() {
  validateTimer_.stop();
  clearMarks();
  error_.clear();
  errorPath_.clear();
  runCount_ = 0;
  // field-local checks first
  QStringList local;
  if (QWidget* lrw = fieldWidget("/train/learning_rate")) {
    bool ok = false;
    const double lr = qobject_cast<QLineEdit*>(lrw)->text().trimmed().toDouble(&ok);
    if (!ok || lr <= 0 || !std::isfinite(lr)) {
      markInvalid(lrw, tr("The learning rate must be a positive number, e.g. 4e-4."));
      local << tr("Learning rate: not a positive number.");
    }
  }
  const QString model = model_->text().trimmed();
  const QString modelProblem = modelError(model);
  if (!modelProblem.isEmpty()) {
    markInvalid(model_, modelProblem);
    local << tr("Model: %1").arg(modelProblem);
  }
  if (!summarizedModel_ || *summarizedModel_ != model) inspectModel();  // the summary follows the field
  for (int r = 0; r < tasks_->rowCount(); ++r) {
    const QString dir = tasks_->item(r, 1) ? tasks_->item(r, 1)->text().trimmed() : QString();
    const QString resolved = !path_.isEmpty() && QFileInfo(dir).isRelative()
                                 ? QDir(QFileInfo(path_).absolutePath()).absoluteFilePath(dir)
                                 : dir;  // relative to the study file, as the study expands them
    if (!dir.isEmpty() && !app::isAssetRef(dir) && !QFileInfo(resolved).isDir()) {
      markInvalid(tasks_, tr("Row %1: %2 is not a directory.").arg(r + 1).arg(dir));
      local << tr("Task %1: data directory %2 does not exist.").arg(r + 1).arg(dir);
    }
  }
  std::vector<app::ExpandedRun> runs;
  std::optional<app::Study> parsed;
  try {
    parsed = app::parseStudy(document());
    runs = app::expandStudy(*parsed);
    runCount_ = int(runs.size());
  } catch (const app::StudyError& e) {
    error_ = QString::fromUtf8(e.what());
    errorPath_ = QString::fromStdString(e.path());
    const QString message = QString::fromStdString(e.message());
    if (!parsed || !markRejectedAxisValues(*parsed)) {  // an axis value: its cell; else the field
      QWidget* w = widgetForPath(errorPath_);
      markInvalid(w ? w : nullptr, message);
    }
  } catch (const std::exception& e) {
    error_ = QString::fromUtf8(e.what());
  }
  if (error_.isEmpty() && !local.isEmpty())
    error_ = local.join(QLatin1Char(' '));
  else if (!local.isEmpty())
    error_ = local.join(QLatin1Char(' ')) + QLatin1Char(' ') + error_;
  errorLabel_->setText(error_);
  errorLabel_->setVisible(!error_.isEmpty());
  launch_->setEnabled(error_.isEmpty());
  if (runCount_ > 0) {
    std::set<QString> tasks, variants;
    std::set<int> seeds;
    for (const auto& r : runs) {
      tasks.insert(r.task);
      variants.insert(r.variant);
      seeds.insert(r.seed);
    }
    count_->setText(tr("%1 runs: %2 task(s) × %3 variant(s) × %4 seed(s)%5")
                        .arg(runCount_)
                        .arg(tasks.size())
                        .arg(variants.size())
                        .arg(seeds.size())
                        .arg(int(tasks.size() * variants.size() * seeds.size()) != runCount_ ? tr(", minus exclusions")
                                                                                             : QString()));
  } else if (!axisValueError_.isEmpty()) {
    count_->setText(tr("No runs: %1").arg(axisValueError_));
  } else {
    count_->setText(tr("No runs (fix the marked fields)"));
  }
  preview_->showRuns(runs);
  rememberStudy();
}

QString DesignerView::modelSummaryText() const { return modelInfo_->text(); }

QString DesignerView::modelError(const QString& written) {
  if (written.isEmpty()) return tr("No model given: choose the model directory.");
  if (app::isAssetRef(written)) {
    const app::AssetManifest manifest = app::AssetManifest::builtin();
    if (manifest.find(app::assetName(written))) return {};  // fetched at launch when not here yet
    QStringList models;
    for (const QString& n : manifest.names())
      if (n.startsWith(QLatin1String("models/"))) models << QStringLiteral("asset:") + n;
    return tr("%1 is not a known asset (known models: %2).").arg(written, models.join(QLatin1String(", ")));
  }
  if (!QFile::exists(QDir(written).filePath("config.json")))
    return tr("%1 has no config.json: not a Hugging Face model directory.").arg(written);
  return {};
}

void DesignerView::inspectModel() {
  // A summary still being computed is for the previous model: never let it label this one.
  modelInspect_.cancel();
  const QString written = model_->text().trimmed();
  summarizedModel_ = written;
  if (const QString problem = modelError(written); !problem.isEmpty()) {
    setModelSummary(problem);  // never the previous model's summary under an invalid one
    return;
  }
  const QString model = localModelDir(written);  // an asset's cached or mirror copy
  if (model.isEmpty() || !QFile::exists(QDir(model).filePath("config.json"))) {
    setModelSummary(tr("Asset %1: not in the cache yet, fetched at launch.").arg(app::assetName(written)));
    return;
  }
  if (modelInspect_.enginePath().isEmpty()) {
    setModelSummary(tr("adamix-engine not found: no model summary."));
    return;
  }
  setModelSummary(tr("Inspecting the model…"));
  modelInspect_.run({QStringLiteral("inspect"), model, QStringLiteral("--json")}, [this](const app::EngineResult& r) {
    const auto j = json::parse(r.out.toStdString(), nullptr, false);
    if (r.ok && j.is_object()) {
      setModelSummary(modelSummary(j));
    } else {
      setModelSummary(tr("Not a usable model: %1").arg(r.lastErrorLine()));
      markInvalid(model_, modelInfo_->text());
    }
  });
}

void DesignerView::setModelSummary(const QString& text) {
  modelInfo_->setText(text);
  modelInfo_->setToolTip(text);  // the label's height is fixed: a long text is clipped there
}

bool DesignerView::loadFile(const QString& path, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    if (error) *error = tr("Cannot read %1").arg(path);
    return false;
  }
  // loadStudyFile understands comments; on a validation error load the raw JSON anyway
  json doc;
  try {
    doc = app::loadStudyFile(path).raw;
  } catch (const app::StudyError& e) {
    const json raw = json::parse(f.readAll().toStdString(), nullptr, false, true);
    if (raw.is_discarded() || !raw.is_object()) {
      if (error) *error = QString::fromUtf8(e.what());
      return false;
    }
    doc = raw;
    if (error) *error = QString::fromUtf8(e.what());
    loadDocument(doc, QFileInfo(path).absoluteFilePath());
    return false;
  }
  loadDocument(doc, QFileInfo(path).absoluteFilePath());
  return true;
}

bool DesignerView::saveFile(const QString& path, QString* error) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QSaveFile f(path);
  const json doc = document();
  if (!f.open(QIODevice::WriteOnly) || f.write(QByteArray::fromStdString(doc.dump(2) + "\n")) < 0 || !f.commit()) {
    if (error) *error = tr("Cannot write %1: %2").arg(path, f.errorString());
    return false;
  }
  loaded_ = app::StudyDocument::fromJson(doc);
  path_ = QFileInfo(path).absoluteFilePath();
  emit titleChanged(QFileInfo(path).fileName());
  rememberStudy();
  return true;
}

void DesignerView::openWithDialog() {
  const QString path = openFileDialog(this, tr("Open study"), workspaceFolder(ws_), tr("Study files (*.adamix.json *.json)"));
  if (path.isEmpty()) return;
  QString err;
  if (!loadFile(path, &err) && !err.isEmpty()) QMessageBox::warning(this, tr("Study file"), err);
}

bool DesignerView::saveOrWarn(const QString& path) {
  QString err;
  if (saveFile(path, &err)) return true;
  QMessageBox::warning(this, tr("Save failed"), err);
  return false;
}

bool DesignerView::save() { return path_.isEmpty() ? saveAs() : saveOrWarn(path_); }

bool DesignerView::saveAs() {
  const QString path = saveFileDialog(this, tr("Save study"), workspaceFolder(ws_), name_->text().trimmed() + ".adamix.json",
                                      tr("Study files (*.adamix.json *.json)"));
  if (path.isEmpty()) return false;
  return saveOrWarn(path);
}

bool DesignerView::fileHoldsOtherStudy(const QString& path, const json& doc) {
  QFile f(path);
  if (!f.exists()) return false;
  if (!f.open(QIODevice::ReadOnly)) return true;  // unreadable: do not write over it unasked
  const json onDisk = json::parse(f.readAll().toStdString(), nullptr, false, true);
  return onDisk.is_discarded() || onDisk != doc;
}

DesignerView::RelaunchChoice DesignerView::askBeforeOverwrite(const QString& path) {
  QMessageBox box(QMessageBox::Question, tr("Launch edited study"),
                  tr("%1 holds another version of this study. Launching saves the study first.")
                      .arg(QDir::toNativeSeparators(path)),
                  QMessageBox::Cancel, this);
  box.setObjectName(QStringLiteral("relaunchQuestion"));
  box.setInformativeText(tr("Overwrite it, or keep it and save the edited study as a new study? Runs already in "
                            "the workspace stay either way; Results keeps runs trained with different settings "
                            "in separate rows."));
  QPushButton* asNew = box.addButton(tr("Save as new study…"), QMessageBox::AcceptRole);
  QPushButton* overwrite = box.addButton(tr("Overwrite and launch"), QMessageBox::DestructiveRole);
  box.setDefaultButton(asNew);
  box.exec();
  if (box.clickedButton() == asNew) return RelaunchChoice::SaveAsNew;
  if (box.clickedButton() == overwrite) return RelaunchChoice::Overwrite;
  return RelaunchChoice::Cancel;
}

QString DesignerView::saveAsNewStudy(const QString& dir) {
  QString name = name_->text().trimmed();
  for (int k = 2; QFileInfo::exists(QDir(dir).filePath(name + QStringLiteral(".json"))); ++k)
    name = QStringLiteral("%1-%2").arg(name_->text().trimmed()).arg(k);
  bool ok = false;
  name = QInputDialog::getText(this, tr("Save as new study"),
                               tr("Name of the new study (also its file name in %1):").arg(QDir::toNativeSeparators(dir)),
                               QLineEdit::Normal, name, &ok)
             .trimmed();
  if (!ok || name.isEmpty()) return {};
  const QString path = QDir(dir).filePath(name + QStringLiteral(".json"));
  if (QFileInfo::exists(path)) {
    QMessageBox::warning(this, tr("Save as new study"), tr("%1 exists already; choose another name.").arg(path));
    return {};
  }
  name_->setText(name);
  revalidate();
  return path;
}

void DesignerView::launch() {
  revalidate();
  const auto s = study();
  if (!s || !error_.isEmpty()) {
    QMessageBox::warning(this, tr("Cannot launch"), error_.isEmpty() ? tr("The study is not valid.") : error_);
    return;
  }
  if (!ws_->isOpen()) {
    QMessageBox::information(this, tr("Launch"), tr("Open or create a workspace first (File menu)."));
    return;
  }
  // Launching saves the study first, but never over a file that holds another version of it
  // (issue 18): the user chooses to overwrite it or to save the edited study as a new one.
  QString path = path_.isEmpty() ? QDir(ws_->studiesDir()).filePath(s->name + QStringLiteral(".json")) : path_;
  std::optional<app::Study> launched = s;
  if (fileHoldsOtherStudy(path, document())) {
    switch (askBeforeOverwrite(path)) {
      case RelaunchChoice::Overwrite:
        break;
      case RelaunchChoice::SaveAsNew:
        path = saveAsNewStudy(QFileInfo(path).absolutePath());
        if (path.isEmpty()) return;
        launched = study();
        if (!launched) return;
        break;
      case RelaunchChoice::Cancel:
        return;
    }
  }
  if (!saveOrWarn(path)) return;
  emit launchRequested(*launched, path);
}

}  // namespace adamix::ui
