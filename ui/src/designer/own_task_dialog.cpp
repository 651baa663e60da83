// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/own_task_dialog.h"

#include "config/run_config.h"
#include "data/own_task.h"
#include "io/errors.h"
#include "shell/file_dialogs.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDateTime>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <set>

namespace adamix::ui {

using nlohmann::json;

namespace {

constexpr int kPreviewRows = 20;

QString qstr(const std::string& s) { return QString::fromStdString(s); }

/// "file.csv:7" from an EngineError location "/some/dir/file.csv:7" (a JSON pointer or a
/// location without a folder is kept as it is).
QString shortLocation(const std::string& location) {
  const QString loc = qstr(location);
  if (!loc.contains(QLatin1Char('/'))) return loc;
  static const QRegularExpression withLine(QStringLiteral("^(.*):(\\d+)$"));
  const QRegularExpressionMatch m = withLine.match(loc);
  if (m.hasMatch()) return QFileInfo(m.captured(1)).fileName() + QLatin1Char(':') + m.captured(2);
  if (loc.startsWith(QLatin1Char('/'))) return QFileInfo(loc).fileName();
  return loc;
}

/// An EngineError as "file.csv:7: message".
QString describe(const EngineError& e) {
  const QString where = shortLocation(e.location());
  return where.isEmpty() ? qstr(e.message()) : where + QStringLiteral(": ") + qstr(e.message());
}

/// "file.csv:LINE: what" for a row of `t`.
QString rowProblem(const TableFile& t, int line, const QString& what) {
  return QStringLiteral("%1:%2: %3").arg(QFileInfo(qstr(t.path)).fileName()).arg(line).arg(what);
}

/// The first malformed row of `t` as a problem text, "" when none.
QString firstBadRow(const TableFile& t) {
  for (const TableRow& r : t.rows)
    if (!r.error.empty()) return rowProblem(t, r.line, qstr(r.error));
  return {};
}

/// "no column" problem for `column` missing from `t` (line 1: the header), "" when present.
QString missingColumn(const TableFile& t, const QString& column, const QString& role) {
  if (tableColumn(t, column.toStdString()) >= 0) return {};
  QStringList names;
  for (const std::string& c : t.columns) names << qstr(c);
  return rowProblem(t, 1, QObject::tr("no %1 column \"%2\" (columns: %3)").arg(role, column, names.join(", ")));
}

/// The index of the first of `names` in `items`, -1 when none is there.
int firstOf(const QStringList& items, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const int i = items.indexOf(QLatin1String(n)); i >= 0) return i;
  return -1;
}

/// `cell` as a finite number (the whole cell, surrounding spaces allowed).
std::optional<double> number(const std::string& cell) {
  const QByteArray text = QByteArray::fromStdString(cell).trimmed();
  if (text.isEmpty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.constData(), &end);
  if (end != text.constData() + text.size() || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

QString percent(double fraction) { return QString::number(100.0 * fraction, 'f', 1) + QStringLiteral(" %"); }

const QStringList kTypes = {QStringLiteral("classification"), QStringLiteral("regression"),
                            QStringLiteral("generation")};

QStringList metricsOf(const QString& type) {
  if (type == QLatin1String("regression")) return {"pearson", "spearmanr"};
  if (type == QLatin1String("generation")) return {"bleu", "nist", "meteor", "rouge_l", "cider"};
  return {"accuracy", "macro_f1", "micro_f1", "matthews_correlation", "f1"};
}

}  // namespace

QString OwnTaskDialog::noneText() { return tr("(none)"); }

QString OwnTaskDialog::identifierFrom(const QString& folderName) {
  QString id = folderName.toLower();
  id.replace(QRegularExpression(QStringLiteral("[^a-z0-9_-]+")), QStringLiteral("_"));
  while (id.startsWith(QLatin1Char('_'))) id.remove(0, 1);
  while (id.endsWith(QLatin1Char('_'))) id.chop(1);
  id.truncate(60);
  if (id.isEmpty()) return QStringLiteral("my_task");
  if (isBuiltinTask(id.toStdString())) id += QStringLiteral("-own");
  return id;
}

OwnTaskDialog::OwnTaskDialog(const QString& startDir, const QStringList& takenNames, QWidget* parent)
    : QDialog(parent), takenNames_(takenNames) {
  setWindowTitle(tr("Add task from file"));
  setObjectName(QStringLiteral("ownTaskDialog"));
  buildUi(startDir);
  reloadTimer_.setSingleShot(true);
  reloadTimer_.setInterval(200);
  connect(&reloadTimer_, &QTimer::timeout, this, &OwnTaskDialog::reload);
  fillMetrics();
  showTypeFields();
  reload();
}

QWidget* OwnTaskDialog::fileRow(QLineEdit* edit, const QString& caption, const QString& startDir) {
  auto* host = new QWidget;
  auto* row = new QHBoxLayout(host);
  row->setContentsMargins(0, 0, 0, 0);
  auto* browse = new QPushButton(tr("Browse…"));
  row->addWidget(edit, 1);
  row->addWidget(browse);
  connect(browse, &QPushButton::clicked, this, [this, edit, caption, startDir] {
    const QString path = openFileDialog(this, caption, startDir,
                                        tr("Tables (*.csv *.tsv *.jsonl *.json);;All files (*)"));
    if (!path.isEmpty()) edit->setText(path);
  });
  return host;
}

void OwnTaskDialog::buildUi(const QString& startDir) {
  auto* outer = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  outer->addLayout(top);

  // --- left: files and the task ---
  auto* left = new QVBoxLayout;
  top->addLayout(left, 1);
  auto* filesBox = new QGroupBox(tr("Files"));
  auto* ff = new QFormLayout(filesBox);
  train_ = new QLineEdit;
  dev_ = new QLineEdit;
  test_ = new QLineEdit;
  train_->setObjectName(QStringLiteral("trainFile"));
  dev_->setObjectName(QStringLiteral("devFile"));
  test_->setObjectName(QStringLiteral("testFile"));
  train_->setPlaceholderText(tr("required"));
  dev_->setPlaceholderText(tr("required"));
  test_->setPlaceholderText(tr("optional, labelled or not"));
  train_->setToolTip(tr("The training file; its folder becomes the task's data directory."));
  dev_->setToolTip(tr("The dev file the runs are scored on (stored relative to the train file's folder)."));
  test_->setToolTip(tr("An optional test file (stored relative to the train file's folder)."));
  ff->addRow(tr("Train"), fileRow(train_, tr("Train file"), startDir));
  ff->addRow(tr("Dev"), fileRow(dev_, tr("Dev file"), startDir));
  ff->addRow(tr("Test"), fileRow(test_, tr("Test file"), startDir));
  format_ = new QComboBox;
  format_->setObjectName(QStringLiteral("format"));
  format_->addItems({QStringLiteral("csv"), QStringLiteral("tsv"), QStringLiteral("jsonl")});
  format_->setToolTip(tr("CSV (RFC 4180 quoting), TSV (no quoting) or JSON lines; set from the train file's extension."));
  ff->addRow(tr("Format"), format_);
  dataDir_ = new QLabel;
  dataDir_->setObjectName(QStringLiteral("dataDir"));
  dataDir_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  dataDir_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // a long path must not widen the dialog
  dataDir_->setToolTip(tr("The task's data_dir: the train file's folder; the other files are named relative to it."));
  ff->addRow(tr("Data directory"), dataDir_);
  left->addWidget(filesBox);

  auto* taskBox = new QGroupBox(tr("Task"));
  auto* tf = new QFormLayout(taskBox);
  name_ = new QLineEdit;
  name_->setObjectName(QStringLiteral("taskName"));
  name_->setToolTip(tr("The task's identifier in run ids and tables: letters, digits, _ - . (not a built-in task name)."));
  displayName_ = new QLineEdit;
  displayName_->setObjectName(QStringLiteral("displayName"));
  displayName_->setPlaceholderText(tr("optional, e.g. Reviews"));
  displayName_->setToolTip(tr("How tables and plots label the task (default: its name)."));
  type_ = new QComboBox;
  type_->setObjectName(QStringLiteral("taskType"));
  type_->addItems(kTypes);
  metric_ = new QComboBox;
  metric_->setObjectName(QStringLiteral("metric"));
  metric_->setToolTip(tr("The primary metric: best checkpoints and tables rank by it."));
  tf->addRow(tr("Name"), name_);
  tf->addRow(tr("Display name"), displayName_);
  tf->addRow(tr("Type"), type_);
  tf->addRow(tr("Metric"), metric_);
  left->addWidget(taskBox);
  left->addStretch();

  // --- right: columns and the labels ---
  auto* right = new QVBoxLayout;
  top->addLayout(right, 1);
  auto* columnsBox = new QGroupBox(tr("Columns"));
  auto* cl = new QVBoxLayout(columnsBox);
  columnPages_ = new QStackedWidget;
  auto* textPage = new QWidget;
  auto* tp = new QFormLayout(textPage);
  tp->setContentsMargins(0, 0, 0, 0);
  textColumn_ = new QComboBox;
  textPairColumn_ = new QComboBox;
  labelColumn_ = new QComboBox;
  textColumn_->setObjectName(QStringLiteral("textColumn"));
  textPairColumn_->setObjectName(QStringLiteral("textPairColumn"));
  labelColumn_->setObjectName(QStringLiteral("labelColumn"));
  fixLabels_ = new QCheckBox(tr("Fix the label set to the train file's labels"));
  fixLabels_->setObjectName(QStringLiteral("fixLabels"));
  fixLabels_->setToolTip(tr("Writes the labels into the task (\"labels\"); otherwise each run infers them from train."));
  tp->addRow(tr("Text"), textColumn_);
  tp->addRow(tr("Text pair"), textPairColumn_);
  tp->addRow(tr("Label"), labelColumn_);
  tp->addRow(QString(), fixLabels_);
  auto* genPage = new QWidget;
  auto* gp = new QFormLayout(genPage);
  gp->setContentsMargins(0, 0, 0, 0);
  inputColumn_ = new QComboBox;
  inputColumn_->setObjectName(QStringLiteral("inputColumn"));
  references_ = new QListWidget;
  references_->setObjectName(QStringLiteral("referenceColumns"));
  references_->setToolTip(tr("Check the columns holding references (a cell may be a JSON array of strings)."));
  references_->setMaximumHeight(90);
  gp->addRow(tr("Input"), inputColumn_);
  gp->addRow(tr("References"), references_);
  columnPages_->addWidget(textPage);
  columnPages_->addWidget(genPage);
  cl->addWidget(columnPages_);
  right->addWidget(columnsBox);

  auto* labelsBox = new QGroupBox(tr("Train labels"));
  auto* ll = new QVBoxLayout(labelsBox);
  distribution_ = new QTableWidget(0, 3);
  distribution_->setObjectName(QStringLiteral("labelDistribution"));
  distribution_->setHorizontalHeaderLabels({tr("Label"), tr("Count"), tr("Share")});
  distribution_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  distribution_->verticalHeader()->setVisible(false);
  distribution_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  distribution_->setMinimumHeight(80);
  distribution_->setMaximumHeight(130);
  summary_ = new QLabel;
  summary_->setObjectName(QStringLiteral("labelSummary"));
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  ll->addWidget(distribution_);
  ll->addWidget(summary_);
  right->addWidget(labelsBox);
  right->addStretch();

  // --- the train file's head ---
  auto* previewBox = new QGroupBox(tr("Train file, first %1 rows").arg(kPreviewRows));
  auto* pl = new QVBoxLayout(previewBox);
  preview_ = new QTableWidget;
  preview_->setObjectName(QStringLiteral("trainPreview"));
  preview_->verticalHeader()->setToolTip(tr("The line of the file where the row starts."));
  preview_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  preview_->setWordWrap(false);
  preview_->horizontalHeader()->setStretchLastSection(true);
  preview_->setMinimumHeight(160);
  pl->addWidget(preview_);
  outer->addWidget(previewBox, 1);

  errorLabel_ = new QLabel;
  errorLabel_->setObjectName(QStringLiteral("ownTaskError"));
  errorLabel_->setWordWrap(true);
  errorLabel_->setStyleSheet(QStringLiteral("QLabel { color: #d62728; }"));
  errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  outer->addWidget(errorLabel_);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("Add task"));
  outer->addWidget(buttons_);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  resize(980, 760);

  connect(train_, &QLineEdit::textChanged, this, &OwnTaskDialog::onTrainPathChanged);
  for (QLineEdit* e : {dev_, test_}) connect(e, &QLineEdit::textChanged, this, [this] { reloadTimer_.start(); });
  connect(format_, &QComboBox::currentIndexChanged, this, [this] {
    if (!filling_) reloadTimer_.start();
  });
  connect(name_, &QLineEdit::textEdited, this, [this] { nameEdited_ = true; });
  for (QLineEdit* e : {name_, displayName_}) connect(e, &QLineEdit::textChanged, this, &OwnTaskDialog::updateAnalysis);
  connect(type_, &QComboBox::activated, this, [this] { typeChosen_ = true; });
  connect(type_, &QComboBox::currentIndexChanged, this, [this] {
    fillMetrics();
    showTypeFields();
    updateAnalysis();
  });
  for (QComboBox* c : {metric_, textColumn_, textPairColumn_, labelColumn_, inputColumn_})
    connect(c, &QComboBox::currentIndexChanged, this, [this] {
      if (!filling_) updateAnalysis();
    });
  connect(references_, &QListWidget::itemChanged, this, [this] {
    if (!filling_) updateAnalysis();
  });
  connect(fixLabels_, &QCheckBox::toggled, this, &OwnTaskDialog::updateAnalysis);
}

QPushButton* OwnTaskDialog::okButton() const { return buttons_->button(QDialogButtonBox::Ok); }

QString OwnTaskDialog::chosenFormat() const { return format_->currentText(); }

void OwnTaskDialog::onTrainPathChanged() {
  const QString path = train_->text().trimmed();
  const QString fmt = qstr(tableFormatOf(path.toStdString()));
  if (!fmt.isEmpty() && fmt != format_->currentText()) {
    filling_ = true;
    format_->setCurrentText(fmt);
    filling_ = false;
  }
  if (!nameEdited_ && !path.isEmpty()) {
    const QSignalBlocker quiet(name_);  // validated by the reload that follows
    name_->setText(identifierFrom(QFileInfo(path).absoluteDir().dirName()));
  }
  reloadTimer_.start();
}

void OwnTaskDialog::reload() {
  reloadTimer_.stop();
  head_.reset();
  trainTable_.reset();
  devTable_.reset();
  testTable_.reset();
  fileError_.clear();
  const std::string fmt = chosenFormat().toStdString();
  const QString train = train_->text().trimmed(), dev = dev_->text().trimmed(), test = test_->text().trimmed();
  // Reads one file; the first failure is kept in fileError_ (the later reads still run, so the
  // preview and the train labels show while e.g. dev is broken).
  auto read = [&](const QString& path, size_t maxRows, std::optional<TableFile>& into) {
    try {
      into = readTable(QFileInfo(path).absoluteFilePath().toStdString(), fmt, maxRows);
      if (QString bad = firstBadRow(*into); !bad.isEmpty() && fileError_.isEmpty()) fileError_ = bad;
    } catch (const EngineError& e) {
      if (fileError_.isEmpty()) fileError_ = describe(e);
    } catch (const std::exception& e) {
      if (fileError_.isEmpty()) fileError_ = QStringLiteral("%1: %2").arg(QFileInfo(path).fileName(), e.what());
    }
  };
  QApplication::setOverrideCursor(Qt::WaitCursor);
  if (train.isEmpty()) {
    fileError_ = tr("Choose the train file.");
  } else {
    read(train, std::numeric_limits<size_t>::max(), trainTable_);
    if (trainTable_) {  // the preview is the head of the table just read
      head_ = *trainTable_;
      if (head_->rows.size() > size_t(kPreviewRows)) {
        head_->rows.resize(size_t(kPreviewRows));
        head_->truncated = true;
      }
    } else {  // the whole file does not parse (e.g. a quote that never closes): read only its head
      read(train, kPreviewRows, head_);
    }
  }
  if (dev.isEmpty()) {
    if (fileError_.isEmpty()) fileError_ = tr("Choose the dev file.");
  } else {
    read(dev, std::numeric_limits<size_t>::max(), devTable_);
  }
  if (!test.isEmpty()) read(test, std::numeric_limits<size_t>::max(), testTable_);
  QApplication::restoreOverrideCursor();
  dataDir_->setText(train.isEmpty() ? QString() : QFileInfo(train).absolutePath());
  dataDir_->setToolTip(dataDir_->text());

  // the preview: the head of train (shown even when a later row of the file is broken)
  preview_->clear();
  preview_->setRowCount(0);
  preview_->setColumnCount(0);
  if (head_) {
    QStringList header;
    for (const std::string& c : head_->columns) header << qstr(c);
    preview_->setColumnCount(header.size());
    preview_->setHorizontalHeaderLabels(header);
    preview_->setRowCount(int(head_->rows.size()));
    for (int r = 0; r < int(head_->rows.size()); ++r) {
      const TableRow& row = head_->rows[size_t(r)];
      preview_->setVerticalHeaderItem(r, new QTableWidgetItem(QString::number(row.line)));
      for (int c = 0; c < int(row.cells.size()) && c < header.size(); ++c) {
        auto* item = new QTableWidgetItem(qstr(row.cells[size_t(c)]));
        item->setToolTip(item->text());
        preview_->setItem(r, c, item);
      }
    }
    preview_->resizeColumnsToContents();
    for (int c = 0; c < preview_->columnCount(); ++c)
      preview_->setColumnWidth(c, std::min(preview_->columnWidth(c), 320));
  }
  // a JSONL file with an input and a reference column but no label is a generation task
  if (head_ && !typeChosen_) {
    QStringList cols;
    for (const std::string& c : head_->columns) cols << qstr(c);
    const bool generation = head_->format == "jsonl" && cols.contains(QLatin1String("input")) &&
                            firstOf(cols, {"reference", "references", "target"}) >= 0 &&
                            firstOf(cols, {"label", "labels", "score", "sentiment", "class"}) < 0;
    const QString guess = generation ? QStringLiteral("generation") : QStringLiteral("classification");
    if (type_->currentText() != guess && (generation || type_->currentText() == QLatin1String("generation"))) {
      const QSignalBlocker quiet(type_);
      type_->setCurrentText(guess);
      fillMetrics();
      showTypeFields();
    }
  }
  fillColumnChoices();
  updateAnalysis();
}

void OwnTaskDialog::fillColumnChoices() {
  QStringList cols;
  if (head_)
    for (const std::string& c : head_->columns) cols << qstr(c);
  filling_ = true;
  // keeps the current choice if it is still a column, else `fallback` (an index into `items`)
  auto refill = [](QComboBox* box, const QStringList& items, int fallback) {
    const QString keep = box->currentText();
    box->clear();
    box->addItems(items);
    const int at = items.indexOf(keep);
    box->setCurrentIndex(at >= 0 && !keep.isEmpty() ? at : fallback);
  };
  const int text = firstOf(cols, {"text", "sentence", "sentence1", "question", "premise", "review"});
  refill(textColumn_, cols, text >= 0 ? text : 0);
  QStringList pairItems = QStringList{noneText()} + cols;
  const int pair = textColumn_->currentText() == QLatin1String("sentence1")   ? cols.indexOf("sentence2")
                   : textColumn_->currentText() == QLatin1String("question") ? cols.indexOf("sentence")
                   : textColumn_->currentText() == QLatin1String("premise")  ? cols.indexOf("hypothesis")
                                                                              : -1;
  refill(textPairColumn_, pairItems, pair + 1);  // -1 + 1: "(none)"
  const int label = firstOf(cols, {"label", "labels", "score", "sentiment", "class"});
  refill(labelColumn_, cols, label >= 0 ? label : int(cols.size()) - 1);
  const int input = firstOf(cols, {"input", "source", "prompt", "meaning_representation", "mr", "text"});
  refill(inputColumn_, cols, input >= 0 ? input : 0);
  std::set<QString> checked;
  for (int i = 0; i < references_->count(); ++i)
    if (references_->item(i)->checkState() == Qt::Checked) checked.insert(references_->item(i)->text());
  bool anyKept = false;
  for (const QString& c : cols) anyKept |= checked.count(c) > 0;
  references_->clear();
  for (const QString& c : cols) {
    auto* item = new QListWidgetItem(c, references_);
    item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
    const bool on = anyKept ? checked.count(c) > 0
                            : (c == QLatin1String("reference") || c == QLatin1String("references") ||
                               c == QLatin1String("target"));
    item->setCheckState(on ? Qt::Checked : Qt::Unchecked);
  }
  filling_ = false;
}

void OwnTaskDialog::fillMetrics() {
  const QString keep = metric_->currentText();
  const QStringList items = metricsOf(type_->currentText());
  filling_ = true;
  metric_->clear();
  metric_->addItems(items);
  metric_->setCurrentIndex(std::max<int>(0, int(items.indexOf(keep))));
  filling_ = false;
}

void OwnTaskDialog::showTypeFields() {
  const QString type = type_->currentText();
  columnPages_->setCurrentIndex(type == QLatin1String("generation") ? 1 : 0);
  fixLabels_->setEnabled(type == QLatin1String("classification"));
  distribution_->setVisible(type == QLatin1String("classification"));
  summary_->setVisible(type != QLatin1String("generation"));
}

void OwnTaskDialog::updateAnalysis() {
  if (filling_) return;
  const QString type = type_->currentText();
  const bool classification = type == QLatin1String("classification");
  const bool regression = type == QLatin1String("regression");
  distribution_->setRowCount(0);
  summary_->clear();
  trainLabels_.clear();
  QStringList problems;  // in order of importance; the first is shown
  if (!fileError_.isEmpty()) problems << fileError_;

  // every file read must have the columns the task reads
  std::vector<std::pair<QString, QString>> needed;  // column, role
  if (type == QLatin1String("generation")) {
    if (chosenFormat() != QLatin1String("jsonl"))
      problems << tr("Generation tasks read JSON lines files (format jsonl).");
    needed.emplace_back(inputColumn_->currentText(), tr("input"));
    int refs = 0;
    for (int i = 0; i < references_->count(); ++i) {
      const QListWidgetItem* it = references_->item(i);
      if (it->checkState() != Qt::Checked) continue;
      ++refs;
      if (it->text() == inputColumn_->currentText())
        problems << tr("The input column \"%1\" cannot also be a reference column.").arg(it->text());
      needed.emplace_back(it->text(), tr("reference"));
    }
    if (refs == 0 && head_) problems << tr("Check at least one reference column.");
  } else {
    needed.emplace_back(textColumn_->currentText(), tr("text"));
    if (textPairColumn_->currentIndex() > 0) needed.emplace_back(textPairColumn_->currentText(), tr("text pair"));
    if (head_ && labelColumn_->currentText() == textColumn_->currentText())
      problems << tr("The label column \"%1\" is also the text column.").arg(labelColumn_->currentText());
  }
  const QString labelCol = labelColumn_->currentText();
  for (const std::optional<TableFile>* t : {&trainTable_, &devTable_, &testTable_}) {
    if (!*t) continue;
    for (const auto& [column, role] : needed)
      if (QString p = missingColumn(**t, column, role); !p.isEmpty()) problems << p;
    if (!type.startsWith(QLatin1String("gen")) && t != &testTable_)  // a test file may be unlabelled
      if (QString p = missingColumn(**t, labelCol, tr("label")); !p.isEmpty()) problems << p;
  }

  const std::string label = labelCol.toStdString();
  if (classification && trainTable_ && tableColumn(*trainTable_, label) >= 0) {
    try {
      const LabelDistribution d = labelDistribution(*trainTable_, label);
      distribution_->setRowCount(int(d.counts.size()));
      for (int i = 0; i < int(d.counts.size()); ++i) {
        const auto& [name, count] = d.counts[size_t(i)];
        trainLabels_.push_back(name);
        distribution_->setItem(i, 0, new QTableWidgetItem(qstr(name)));
        auto* n = new QTableWidgetItem(QString::number(count));
        n->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        distribution_->setItem(i, 1, n);
        auto* share = new QTableWidgetItem(d.rows ? percent(double(count) / double(d.rows)) : QString());
        share->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        distribution_->setItem(i, 2, share);
      }
      QString text = tr("Majority-class baseline: %1 = %2 of train").arg(qstr(d.majority_label), percent(d.majority_fraction));
      if (devTable_ && tableColumn(*devTable_, label) >= 0)
        text += tr("; on dev: %1").arg(percent(constantPredictionAccuracy(*devTable_, label, d.majority_label)));
      if (d.skipped > 0) text += tr(" (%n train row(s) without a label not counted)", nullptr, int(d.skipped));
      summary_->setText(text);
      if (d.counts.size() < 2)
        problems << tr("%1: the label column \"%2\" has fewer than two distinct labels.")
                        .arg(QFileInfo(qstr(trainTable_->path)).fileName(), labelCol);
      if (metric_->currentText() == QLatin1String("f1") && d.counts.size() != 2)
        problems << tr("f1 is the binary F1 of two labels; the train file has %1 (use macro_f1 or micro_f1).")
                        .arg(d.counts.size());
    } catch (const EngineError& e) {
      problems << describe(e);
    }
  } else if (regression && trainTable_ && tableColumn(*trainTable_, label) >= 0) {
    // train's count, mean and (sample) std; a non-number is reported by checkWithEngine()
    const int col = tableColumn(*trainTable_, label);
    double sum = 0, sumSq = 0;
    int64_t n = 0;
    std::vector<double> values;
    for (const TableRow& r : trainTable_->rows)
      if (r.error.empty() && size_t(col) < r.cells.size())
        if (const auto v = number(r.cells[size_t(col)])) values.push_back(*v);
    for (double v : values) sum += v;
    n = int64_t(values.size());
    const double mean = n ? sum / double(n) : 0;
    for (double v : values) sumSq += (v - mean) * (v - mean);
    const double sd = n > 1 ? std::sqrt(sumSq / double(n - 1)) : 0;
    summary_->setText(tr("Label \"%1\" in train: n = %2, mean %3, std %4")
                          .arg(labelCol)
                          .arg(n)
                          .arg(QString::number(mean, 'f', 3), QString::number(sd, 'f', 3)));
  }

  // the name: the engine's identifier rule, not built in, not in the study yet
  const QString name = name_->text().trimmed();
  static const QRegularExpression identifier(QStringLiteral("^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$"));
  if (name.isEmpty())
    problems << tr("Give the task a name.");
  else if (!identifier.match(name).hasMatch())
    problems << tr("The name \"%1\" is not an identifier (1-64 letters, digits, _ - .).").arg(name);
  else if (isBuiltinTask(name.toStdString()))
    problems << tr("\"%1\" is a built-in task; choose another name for your files.").arg(name);
  else if (takenNames_.contains(name))
    problems << tr("The study already has a task \"%1\".").arg(name);

  // last, what a run would stop at that the checks above do not see (empty texts and labels,
  // labels outside the set, non-numeric targets, bad generation rows): the engine's own loaders
  if (problems.isEmpty()) {
    if (const QString p = checkWithEngine(); !p.isEmpty()) problems << p;
  }
  setError(problems.isEmpty() ? QString() : problems.front());
}

QString OwnTaskDialog::checkWithEngine() const {
  const json entry = taskJson();
  json key = entry;
  key.erase("name");
  key.erase("display_name");
  for (const QLineEdit* e : {train_, dev_, test_}) {
    const QFileInfo f(e->text().trimmed());
    key["files"].push_back({f.absoluteFilePath().toStdString(), f.size(), f.lastModified().toMSecsSinceEpoch()});
  }
  if (key.dump() == checkedKey_) return checkedResult_;
  checkedKey_ = key.dump();
  checkedResult_ = checkWithEngineUncached(entry);
  return checkedResult_;
}

QString OwnTaskDialog::checkWithEngineUncached(const json& entry) const {
  TaskConfig t;
  t.name = entry.at("name").get<std::string>();
  t.data_dir = entry.at("data_dir").get<std::string>();
  t.type = entry.at("type").get<std::string>();
  t.format = entry.at("format").get<std::string>();
  t.metric = entry.at("metric").get<std::string>();
  // absolute paths: ownSplitPath() takes them as they are
  t.train_file = QFileInfo(train_->text().trimmed()).absoluteFilePath().toStdString();
  t.dev_file = QFileInfo(dev_->text().trimmed()).absoluteFilePath().toStdString();
  if (!test_->text().trimmed().isEmpty()) t.test_file = QFileInfo(test_->text().trimmed()).absoluteFilePath().toStdString();
  try {
    if (t.type == "generation") {
      t.input_column = entry.at("input_column").get<std::string>();
      t.reference_columns = entry.at("reference_columns").get<std::vector<std::string>>();
      for (const std::string* path : {&t.train_file, &t.dev_file, &t.test_file})
        if (!path->empty()) loadOwnNlgFile(t, *path, BadRowsPolicy::Fail);
    } else {
      t.text_column = entry.at("text_column").get<std::string>();
      t.text_pair_column = entry.value("text_pair_column", std::string());
      t.label_column = entry.at("label_column").get<std::string>();
      t.labels = entry.value("labels", std::vector<std::string>());
      const TaskConfig resolved = resolveOwnLabels(t);
      const TaskSpec spec = taskSpecOf(resolved);
      loadOwnFile(resolved, spec, t.train_file, BadRowsPolicy::Fail);
      loadOwnFile(resolved, spec, t.dev_file, BadRowsPolicy::Fail);
      if (!t.test_file.empty()) {  // a test file may be unlabelled (predictions only)
        bool labelled = true;
        loadOwnFileDetectingLabels(resolved, spec, t.test_file, BadRowsPolicy::Fail, &labelled);
      }
    }
  } catch (const EngineError& e) {
    return describe(e);
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

void OwnTaskDialog::setError(const QString& text) {
  error_ = text;
  errorLabel_->setText(text);
  errorLabel_->setVisible(!text.isEmpty());
  okButton()->setEnabled(text.isEmpty());
}

QString OwnTaskDialog::relativeToDataDir(const QString& path) const {
  const QString dataDir = QFileInfo(train_->text().trimmed()).absolutePath();
  const QString abs = QFileInfo(path).absoluteFilePath();
  const QString rel = QDir(dataDir).relativeFilePath(abs);
  return QDir::isRelativePath(rel) ? rel : abs;
}

json OwnTaskDialog::taskJson() const {
  const QString type = type_->currentText();
  json t = json::object();
  t["name"] = name_->text().trimmed().toStdString();
  t["data_dir"] = QFileInfo(train_->text().trimmed()).absolutePath().toStdString();
  if (const QString d = displayName_->text().trimmed(); !d.isEmpty()) t["display_name"] = d.toStdString();
  t["type"] = type.toStdString();
  t["format"] = chosenFormat().toStdString();
  t["train_file"] = QFileInfo(train_->text().trimmed()).fileName().toStdString();
  t["dev_file"] = relativeToDataDir(dev_->text().trimmed()).toStdString();
  if (const QString test = test_->text().trimmed(); !test.isEmpty())
    t["test_file"] = relativeToDataDir(test).toStdString();
  t["metric"] = metric_->currentText().toStdString();
  if (type == QLatin1String("generation")) {
    t["input_column"] = inputColumn_->currentText().toStdString();
    json refs = json::array();
    for (int i = 0; i < references_->count(); ++i)
      if (references_->item(i)->checkState() == Qt::Checked) refs.push_back(references_->item(i)->text().toStdString());
    t["reference_columns"] = refs;
  } else {
    t["text_column"] = textColumn_->currentText().toStdString();
    if (textPairColumn_->currentIndex() > 0) t["text_pair_column"] = textPairColumn_->currentText().toStdString();
    t["label_column"] = labelColumn_->currentText().toStdString();
    if (type == QLatin1String("classification") && fixLabels_->isChecked()) t["labels"] = trainLabels_;
  }
  return t;
}

app::StudyDocument::Task OwnTaskDialog::task() const {
  const json t = taskJson();
  return {qstr(t.at("name").get<std::string>()), qstr(t.at("data_dir").get<std::string>()), t};
}

}  // namespace adamix::ui
