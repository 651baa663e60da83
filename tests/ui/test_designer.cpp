// Study designer: loads and saves the CLI's study files unchanged, counts runs, marks invalid
// fields at the field (axis values with the engine's validation), reopens the last study, finds
// asset models in the mirror, every field reachable by Tab, a form that does not jump, file
// dialogs starting in the workspace folder, the paper's λ for a new study, a wheel that scrolls the
// form instead of changing unfocused editors, a model summary that always describes the Model
// field, Remove axis / Remove task acting on the selected row only, the "Where runs execute"
// section (this machine / Slurm) written to and read from the study file's "executor".
#include "designer/axes_editor.h"
#include "designer/executor_editor.h"
#include "designer/designer_view.h"
#include "designer/form_fields.h"
#include "shell/file_dialogs.h"
#include "shell/main_window.h"
#include "workspace/workspace.h"

#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QRadioButton>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QScopeGuard>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QWheelEvent>
#include <QtTest>

#include <functional>
#include <set>

using namespace adamix;
using namespace adamix::app;
using nlohmann::json;

namespace {
// docs/study-files.md's example (32 runs), with a comment as the CLI allows
const char* kExample = R"({
  // the documented example
  "name": "demo",
  "description": "AdaMix ablations on RTE and SST-2 with stories260K",
  "base": {
    "model": { "path": "asset:models/stories260K" },
    "task": { "max_seq_length": 64, "max_train_examples": 512, "max_dev_examples": 256 },
    "train": { "learning_rate": 1e-3, "epochs": 1, "batch_size": 16 }
  },
  "tasks": [
    { "name": "rte", "data_dir": "asset:glue/RTE" },
    { "name": "sst2", "data_dir": "asset:glue/SST-2", "max_train_examples": 1024,
      "set": { "/train/epochs": 1 } }
  ],
  "axes": [
    { "name": "variant", "values": [
      { "label": "Adapter", "set": { "/peft/method": "adapter", "/peft/adamix/num_modules": 1 } },
      { "label": "AdaMix", "set": { "/peft/method": "adapter", "/peft/adamix/num_modules": 4,
                 "/peft/adamix/sharing": "up", "/peft/adamix/consistency_weight": 1.0 } },
      { "label": "AdaMix w/o consistency", "set": { "/peft/method": "adapter", "/peft/adamix/num_modules": 4,
                 "/peft/adamix/consistency_weight": 0.0 } },
      { "label": "LoRA", "set": { "/peft/method": "lora", "/peft/adamix/num_modules": 1 } },
      { "label": "AdaMix-LoRA", "set": { "/peft/method": "lora", "/peft/adamix/num_modules": 4,
                 "/peft/adamix/consistency_weight": 1.0 } }
    ] },
    { "path": "/peft/adapter/bottleneck", "values": [8, 16], "labels": ["r=8", "r=16"] }
  ],
  "seeds": [1, 2],
  "exclude": [ { "/peft/method": "lora", "/peft/adapter/bottleneck": 16 } ]
})";

/// Answers the next modal dialog once it is up (polling for about 2 s): a message box by clicking
/// the button with `button`'s text, an input dialog by typing `button` and accepting. Sets `*seen`
/// when it did.
void answerNextDialog(const QString& button, bool* seen, int tries = 100) {
  QTimer::singleShot(20, [button, seen, tries] {
    QWidget* modal = QApplication::activeModalWidget();
    if (!modal) {
      if (tries > 0) answerNextDialog(button, seen, tries - 1);  // not up yet
      return;
    }
    if (auto* box = qobject_cast<QMessageBox*>(modal)) {
      for (QAbstractButton* b : box->buttons())
        if (b->text() == button) {
          *seen = true;
          b->click();
          return;
        }
      box->reject();  // unexpected buttons: leave the test's assertions to fail
    } else if (auto* input = qobject_cast<QInputDialog*>(modal)) {
      *seen = true;
      input->setTextValue(button);
      input->accept();
    }
  });
}

json readJson(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return json::parse(f.readAll().toStdString(), nullptr, true, true);
}

/// The designer's button labelled `text`.
QPushButton* button(QWidget* parent, const QString& text) {
  for (QPushButton* b : parent->findChildren<QPushButton*>())
    if (b->text() == text) return b;
  return nullptr;
}

/// Types `text` into a line edit, spin box or combo as the user would: focus, select all, type.
void typeInto(QWidget* w, const QString& text) {
  w->setFocus();
  QTest::keyClick(w, Qt::Key_A, Qt::ControlModifier);
  QTest::keyClicks(w, text);
}

/// Edits the values cell of axis `row` through the table's editor (F2, type, Enter).
void typeAxisValues(QTableWidget* axes, int row, const QString& text) {
  const QRect cell = axes->visualItemRect(axes->item(row, 1));
  QTest::mouseClick(axes->viewport(), Qt::LeftButton, {}, cell.center());
  QTest::mouseDClick(axes->viewport(), Qt::LeftButton, {}, cell.center());
  QLineEdit* editor = axes->viewport()->findChild<QLineEdit*>(QString(), Qt::FindDirectChildrenOnly);
  QVERIFY(editor);
  QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
  QTest::keyClicks(editor, text);
  QTest::keyClick(editor, Qt::Key_Return);
  QTRY_COMPARE(axes->item(row, 1)->text(), text);  // the delegate commits on the next event loop pass
}

/// The run-count label under the axes ("2 runs: …", "No runs: …").
QString runCountText(QWidget* designer) {
  for (QLabel* l : designer->findChildren<QLabel*>())
    if (l->text().contains(QLatin1String(" runs: ")) || l->text().startsWith(QLatin1String("No runs")))
      return l->text();
  return {};
}
}  // namespace

class TestDesigner : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    qputenv("ADAMIX_ENGINE", "/nonexistent/adamix-engine");  // no parameter counts needed here
    QVERIFY(dir_.isValid());
    QFile f(dir_.filePath("example.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(kExample);
  }

  // Every test starts from a fresh home: no remembered study, no remembered dialog folder.
  void init() { QSettings().clear(); }

  void roundTripsTheCliFormat() {
    ui::DesignerView d(&ws_);
    d.show();
    QString err;
    QVERIFY2(d.loadFile(dir_.filePath("example.json"), &err), qPrintable(err));
    QCOMPARE(d.runCount(), 32);
    QCOMPARE(d.previewTable()->rowCount(), 32);
    QCOMPARE(d.axesTable()->rowCount(), 2);
    QCOMPARE(qobject_cast<QSpinBox*>(d.fieldWidget("/peft/adamix/num_modules"))->value(), 1);
    QCOMPARE(qobject_cast<QLineEdit*>(d.fieldWidget("/train/learning_rate"))->text(), QString("0.001"));
    QVERIFY(d.saveFile(dir_.filePath("saved.json"), &err));
    const json original = readJson(dir_.filePath("example.json"));
    const json saved = readJson(dir_.filePath("saved.json"));
    QVERIFY2(original == saved, saved.dump(2).c_str());
    // and the CLI's parser accepts it with the same expansion
    const auto a = app::expandStudy(app::loadStudyFile(dir_.filePath("example.json")));
    const auto b = app::expandStudy(app::loadStudyFile(dir_.filePath("saved.json")));
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) QCOMPARE(a[i].configHash, b[i].configHash);
  }

  // Issue 17: a study whose tasks have relative data directories (own datasets next to the study)
  // validates against the study file's directory, not the working directory, and launches with
  // the directories resolved there.
  void relativeDataDirsAreRelativeToTheStudyFile() {
    QTemporaryDir tmp;
    QDir(tmp.path()).mkpath("studies/own/reviews");
    const QString file = tmp.filePath("studies/own.json");
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"name": "own", "base": {"model": {"path": "asset:models/stories260K"}},
      "tasks": [{"name": "reviews", "data_dir": "own/reviews", "train_file": "train.csv", "dev_file": "dev.csv"}]})");
    f.close();
    ui::DesignerView d(&ws_);
    QString err;
    QVERIFY2(d.loadFile(file, &err), qPrintable(err));
    d.revalidate();
    QVERIFY2(!d.validationError().contains("does not exist"), qPrintable(d.validationError()));
    const auto study = d.study();
    QVERIFY(study);
    const auto runs = app::expandStudy(*study);
    QCOMPARE(QString::fromStdString(runs.at(0).config["task"]["data_dir"].get<std::string>()),
             QDir::cleanPath(tmp.filePath("studies/own/reviews")));
    // a directory that is missing there is still reported
    QVERIFY(QDir(tmp.filePath("studies/own/reviews")).removeRecursively());
    d.revalidate();
    QVERIFY2(d.validationError().contains("data directory own/reviews does not exist"), qPrintable(d.validationError()));
  }

  // Issue 13: choosing Slurm and filling the fields writes the exact "executor" section, which
  // reads back into the same fields; a bad value is marked at its field; local writes none.
  void executorSectionRoundTrips() {
    ui::DesignerView d(&ws_);
    d.show();
    d.newStudy();
    ui::ExecutorEditor* ex = d.executorEditor();
    auto* partition = ex->findChild<QLineEdit*>("executorPartition");
    QVERIFY(partition && !partition->isVisibleTo(&d));  // Slurm fields only for Slurm
    QVERIFY(ex->findChild<QRadioButton*>("executorLocal")->isChecked());
    QVERIFY(!d.document().contains("executor"));
    ex->findChild<QRadioButton*>("executorSlurm")->click();
    QVERIFY(partition->isVisibleTo(&d));
    partition->setText("gpu");
    ex->findChild<QLineEdit*>("executorAccount")->setText("proj");
    ex->findChild<QLineEdit*>("executorQos")->setText("normal");
    auto* time = ex->findChild<QLineEdit*>("executorTime");
    time->setText("04:00:00");
    ex->findChild<QLineEdit*>("executorGpus")->setText("1");
    ex->findChild<QSpinBox*>("executorCpus")->setValue(4);
    ex->findChild<QLineEdit*>("executorMem")->setText("16G");
    ex->findChild<QSpinBox*>("executorJobs")->setValue(2);
    ex->findChild<QPlainTextEdit*>("executorSbatchArgs")->setPlainText("--constraint=a100\n\n--exclusive");
    ex->findChild<QPlainTextEdit*>("executorSetup")->setPlainText("module load cuda\nsource ~/venv/bin/activate");
    d.revalidate();
    QVERIFY2(d.validationError().isEmpty(), qPrintable(d.validationError()));
    QString err;
    QVERIFY2(d.saveFile(dir_.filePath("slurm.json"), &err), qPrintable(err));
    const json expected = json::parse(R"({"kind": "slurm", "jobs": 2, "partition": "gpu", "account": "proj",
      "qos": "normal", "time": "04:00:00", "gpus": "1", "cpus_per_task": 4, "mem": "16G",
      "sbatch_args": ["--constraint=a100", "--exclusive"],
      "setup": ["module load cuda", "source ~/venv/bin/activate"]})");
    const json saved = readJson(dir_.filePath("slurm.json"));
    QVERIFY2(saved.value("executor", json()) == expected, saved.value("executor", json()).dump().c_str());
    QVERIFY(app::loadStudyFile(dir_.filePath("slurm.json")).executor.isSlurm());

    // reopened: the same fields
    ui::DesignerView again(&ws_);
    again.show();
    QVERIFY2(again.loadFile(dir_.filePath("slurm.json"), &err), qPrintable(err));
    ui::ExecutorEditor* ex2 = again.executorEditor();
    QVERIFY(ex2->findChild<QRadioButton*>("executorSlurm")->isChecked());
    QCOMPARE(ex2->findChild<QLineEdit*>("executorPartition")->text(), QString("gpu"));
    QCOMPARE(ex2->findChild<QLineEdit*>("executorTime")->text(), QString("04:00:00"));
    QCOMPARE(ex2->findChild<QSpinBox*>("executorJobs")->value(), 2);
    QCOMPARE(ex2->findChild<QSpinBox*>("executorCpus")->value(), 4);
    QCOMPARE(ex2->findChild<QPlainTextEdit*>("executorSetup")->toPlainText(),
             QString("module load cuda\nsource ~/venv/bin/activate"));
    QVERIFY(again.document()["executor"] == expected);

    // a time limit with a space: marked at the Time limit field, no launch
    time->setText("4 h");
    d.revalidate();
    QCOMPARE(d.errorPath(), QString("/executor/time"));
    QVERIFY(time->property("invalid").toBool());
    QVERIFY(!partition->property("invalid").toBool());
    QCOMPARE(d.runCount(), 0);
    QVERIFY(!d.validationError().isEmpty());
    // a file holding it is loaded with the value shown as written, and marked
    QVERIFY(d.saveFile(dir_.filePath("bad-time.json"), &err));
    ui::DesignerView bad(&ws_);
    bad.show();
    QVERIFY(!bad.loadFile(dir_.filePath("bad-time.json"), &err));
    auto* badTime = bad.executorEditor()->findChild<QLineEdit*>("executorTime");
    QCOMPARE(badTime->text(), QString("4 h"));
    QVERIFY(badTime->property("invalid").toBool());
    time->setText("4:00:00");
    d.revalidate();
    QVERIFY(!time->property("invalid").toBool());
    QVERIFY(d.validationError().isEmpty());

    // back to this machine without a runs-at-once limit: no section
    ex->findChild<QRadioButton*>("executorLocal")->click();
    ex->findChild<QSpinBox*>("executorJobs")->setValue(0);
    QVERIFY2(!d.document().contains("executor"), d.document().dump().c_str());
    ex->findChild<QSpinBox*>("executorJobs")->setValue(3);
    QVERIFY(d.document()["executor"] == json::parse(R"({"kind": "local", "jobs": 3})"));
  }

  void editsChangeTheRunCount() {
    ui::DesignerView d(&ws_);
    d.newStudy();
    QCOMPARE(d.runCount(), 2);  // rte × M ∈ {1, 4} × seed 1
    auto* seeds = d.findChildren<QLineEdit*>().value(2);
    Q_UNUSED(seeds);
    d.loadDocument(d.document());  // idempotent
    QCOMPARE(d.runCount(), 2);
    {  // a study without axes: its runs' variant is shown as "base", as in every other list
      json plain = d.document();
      plain.erase("axes");
      d.loadDocument(plain);
      QCOMPARE(d.runCount(), 1);
      QCOMPARE(d.previewTable()->item(0, 2)->text(), app::variantDisplayName(QString()));
      QCOMPARE(app::variantDisplayName(QString()), QString("base"));
      d.newStudy();
    }
    d.addPathAxis("/peft/adamix/consistency_weight", "0, 1");
    d.revalidate();
    QCOMPARE(d.runCount(), 4);
    json doc = d.document();
    doc["seeds"] = {1, 2, 3};
    d.loadDocument(doc);
    QCOMPARE(d.runCount(), 12);
    QCOMPARE(d.previewTable()->rowCount(), 12);
    // a base field changed in the form lands in the document
    d.setField("/peft/lora/rank", 4);
    QCOMPARE(d.document()["base"]["peft"]["lora"]["rank"].get<int>(), 4);
  }

  void invalidInputIsMarkedAtTheField() {
    ui::DesignerView d(&ws_);
    d.newStudy();
    auto* lr = qobject_cast<QLineEdit*>(d.fieldWidget("/train/learning_rate"));
    lr->setText("fast");
    d.revalidate();
    QVERIFY(lr->property("invalid").toBool());
    QVERIFY(!d.validationError().isEmpty());
    lr->setText("3e-4");
    d.revalidate();
    QVERIFY(!lr->property("invalid").toBool());

    // a misspelt axis path is reported with its JSON path and marked on the axis row
    d.addPathAxis("/peft/adapter/bottlenek", "8, 16");
    d.revalidate();
    QVERIFY2(d.errorPath().startsWith("/axes/1"), qPrintable(d.errorPath()));
    QCOMPARE(d.runCount(), 0);
    QWidget* axisCell = d.axesTable()->cellWidget(1, 0);
    QVERIFY(axisCell && axisCell->property("invalid").toBool());
    qobject_cast<QComboBox*>(axisCell)->setCurrentText("/peft/adapter/bottleneck");
    d.revalidate();
    QVERIFY(!axisCell->property("invalid").toBool());
    QCOMPARE(d.runCount(), 4);
  }

  // The form has no defaults of its own: every field of a study that sets nothing shows the
  // run-config schema's default (config/run_config.h via runConfigDefaults()), and saving writes
  // none of them back (issue 10: one definition of the run config).
  void formShowsTheSchemaDefaults() {
    QFile f(dir_.filePath("bare.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"name": "bare", "base": {"model": {"path": "asset:models/stories260K"}},
               "tasks": [{"name": "rte", "data_dir": "asset:glue/RTE"}], "seeds": [1]})");
    f.close();
    ui::DesignerView d(&ws_);
    QString err;
    QVERIFY2(d.loadFile(f.fileName(), &err), qPrintable(err));
    const json& defaults = app::runConfigDefaults();
    int checked = 0;
    for (const ui::FieldSpec& spec : ui::formFields()) {
      if (spec.pointer == "/model/path") continue;  // set by the study
      const json expected = defaults.at(json::json_pointer(spec.pointer.toStdString()));
      QWidget* w = d.fieldWidget(spec.pointer);
      QVERIFY2(w, qPrintable(spec.pointer));
      json shown;
      if (auto* sb = qobject_cast<QSpinBox*>(w))
        shown = sb->value();
      else if (auto* db = qobject_cast<QDoubleSpinBox*>(w))
        shown = db->value();
      else if (auto* cb = qobject_cast<QComboBox*>(w))
        shown = cb->currentText().toStdString();
      else if (auto* le = qobject_cast<QLineEdit*>(w))
        shown = le->text().toStdString();
      if (spec.kind == ui::FieldKind::Number) {  // "0.0004" or "4e-4": compare the number
        QVERIFY2(expected.is_number(), qPrintable(spec.pointer));
        QCOMPARE(QString::fromStdString(shown.get<std::string>()).toDouble(), expected.get<double>());
      } else if (expected.is_number() && shown.is_string()) {  // a choice of numbers
        QCOMPARE(QString::fromStdString(shown.get<std::string>()).toDouble(), expected.get<double>());
      } else {
        QVERIFY2(shown == expected, qPrintable(spec.pointer + ": shows " + QString::fromStdString(shown.dump()) +
                                               ", schema default " + QString::fromStdString(expected.dump())));
      }
      ++checked;
    }
    QCOMPARE(checked, int(ui::formFields().size()) - 1);
    QVERIFY2(d.saveFile(dir_.filePath("bare-saved.json"), &err), qPrintable(err));
    QCOMPARE(readJson(dir_.filePath("bare-saved.json"))["base"],
             json::parse(R"({"model": {"path": "asset:models/stories260K"}})"));
  }

  // Opening a shipped study in the designer keeps every run's id and config hash (the stored runs
  // of a study are found by them), and so does saving it from the designer.
  void shippedStudiesKeepTheirHashes() {
    for (const char* name : {"demo.json", "e2e_demo.json", "paper-roberta-large-glue.json", "paper-bert-base-glue.json",
                             "paper-gpt2-medium-e2e.json"}) {
      const QString path = QStringLiteral(ADAMIX_SOURCE_DIR "/experiments/") + name;
      ui::DesignerView d(&ws_);
      QString err;
      QVERIFY2(d.loadFile(path, &err), qPrintable(err));
      const auto fromFile = app::expandStudy(app::loadStudyFile(path));
      const auto fromDesigner = app::expandStudy(app::parseStudy(d.document()));
      QCOMPARE(fromDesigner.size(), fromFile.size());
      for (size_t i = 0; i < fromFile.size(); ++i) {
        QCOMPARE(fromDesigner[i].runId, fromFile[i].runId);
        QCOMPARE(fromDesigner[i].configHash, fromFile[i].configHash);
      }
      QCOMPARE(d.previewTable()->item(0, 0)->text(), fromFile[0].runId);
      // The paper's #Param per variant (paper presets; empty for the demos), its result as tooltip.
      for (size_t i = 0; i < fromFile.size(); ++i) {
        QCOMPARE(d.previewTable()->item(int(i), 6)->text(), fromFile[i].paper.params);
        QCOMPARE(fromDesigner[i].paper.params, fromFile[i].paper.params);
      }
    }
    ui::DesignerView d(&ws_);
    QString err;
    QVERIFY(d.loadFile(QStringLiteral(ADAMIX_SOURCE_DIR "/experiments/paper-roberta-large-glue.json"), &err));
    QCOMPARE(d.previewTable()->horizontalHeaderItem(6)->text(), QString("Paper #Param"));
    bool seen = false;
    for (int row = 0; row < d.previewTable()->rowCount(); ++row)
      if (d.previewTable()->item(row, 2)->text() == "AdaMix") {
        QCOMPARE(d.previewTable()->item(row, 6)->text(), QString("0.8M"));
        QCOMPARE(d.previewTable()->item(row, 6)->toolTip(), QString("GLUE avg 89.9 — Table 1"));
        seen = true;
      }
    QVERIFY(seen);
  }

  // Issue 18, item 1: launching an edited study asked nothing and wrote over the study file the
  // earlier runs came from. Now: cancel writes nothing, "save as new" keeps the old file and
  // launches a study of another name, "overwrite" writes; an unedited study launches unasked.
  void relaunchingAnEditedStudyNeverOverwritesUnasked() {
    ui::Workspace ws;
    QVERIFY(ws.open(dir_.filePath("relaunch.sqlite")));
    const QString path = dir_.filePath("relaunch.json");
    {
      json doc = json::parse(kExample, nullptr, true, true);
      doc["name"] = "relaunch";
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(QByteArray::fromStdString(doc.dump(2)));
    }
    auto bytes = [](const QString& p) {
      QFile f(p);
      return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    const QByteArray original = bytes(path);
    ui::DesignerView d(&ws);
    d.show();
    QVERIFY(d.loadFile(path));
    QSignalSpy launched(&d, &ui::DesignerView::launchRequested);
    d.setField("/train/epochs", 3);

    bool asked = false;
    answerNextDialog("Cancel", &asked);
    d.launch();
    QVERIFY(asked);
    QCOMPARE(bytes(path), original);
    QCOMPARE(launched.count(), 0);

    asked = false;
    bool named = false;
    answerNextDialog("Save as new study…", &asked);
    QTimer::singleShot(0, [&] { answerNextDialog("relaunch-3-epochs", &named); });
    d.launch();
    QVERIFY(asked && named);
    QCOMPARE(bytes(path), original);
    const QString newPath = dir_.filePath("relaunch-3-epochs.json");
    QCOMPARE(d.filePath(), newPath);
    QCOMPARE(readJson(newPath)["base"]["train"]["epochs"].get<int>(), 3);
    QCOMPARE(readJson(newPath)["name"].get<std::string>(), std::string("relaunch-3-epochs"));
    QCOMPARE(launched.count(), 1);
    QCOMPARE(launched.at(0).at(0).value<app::Study>().name, QString("relaunch-3-epochs"));
    QCOMPARE(launched.at(0).at(1).toString(), newPath);

    d.setField("/train/epochs", 5);
    asked = false;
    answerNextDialog("Overwrite and launch", &asked);
    d.launch();
    QVERIFY(asked);
    QCOMPARE(readJson(newPath)["base"]["train"]["epochs"].get<int>(), 5);
    QCOMPARE(launched.count(), 2);

    asked = false;  // unchanged since saved: launches without a question
    answerNextDialog("Cancel", &asked);
    d.launch();
    QCOMPARE(launched.count(), 3);
    QTest::qWait(2500);  // the pending answer gives up without finding a dialog
    QVERIFY(!asked);
  }

  // Issue 18 item 2: axis values the engine rejects (M = -1, 0) are caught before Launch by the
  // engine's own run-config validation, at the axis cell: red, with the value and the engine's
  // message as tooltip; Launch disabled; the run count says why.
  void axisValuesAreValidatedByTheEngine() {
    ui::DesignerView d(&ws_);
    d.resize(1200, 800);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    auto* axes = qobject_cast<ui::AxesEditor*>(d.axesTable());
    QVERIFY(axes);
    QCOMPARE(qobject_cast<QComboBox*>(axes->cellWidget(0, 0))->currentText(), QString("/peft/adamix/num_modules"));
    QPushButton* launch = button(&d, "Launch");
    QVERIFY(launch);
    QVERIFY(launch->isEnabled());
    typeAxisValues(axes, 0, "-1, 0");
    QCOMPARE(axes->item(0, 1)->text(), QString("-1, 0"));
    QTRY_VERIFY(!axes->valuesError(0).isEmpty());
    const QString message = axes->valuesError(0);
    const QStringList lines = message.split('\n');
    QCOMPARE(lines.size(), 2);  // both values, each with the engine's words
    QVERIFY2(lines[0].startsWith("Value -1 of /peft/adamix/num_modules is rejected by the engine: "), qPrintable(message));
    QVERIFY2(lines[0].endsWith("/peft/adamix/num_modules: must be > 0, got -1"), qPrintable(message));
    QVERIFY2(lines[1].startsWith("Value 0 of /peft/adamix/num_modules is rejected by the engine: "), qPrintable(message));
    QVERIFY2(lines[1].endsWith("/peft/adamix/num_modules: must be > 0, got 0"), qPrintable(message));
    QCOMPARE(axes->item(0, 1)->toolTip(), message);
    QCOMPARE(axes->item(0, 1)->background().color(), QColor(0xf8, 0xd0, 0xd0));
    QCOMPARE(d.errorPath(), QString("/axes/0/values/0"));
    QVERIFY(!launch->isEnabled());
    QCOMPARE(d.runCount(), 0);
    QCOMPARE(d.previewTable()->rowCount(), 0);
    QCOMPARE(runCountText(&d), QString("No runs: 2 axis values are invalid, first -1 of axis "
                                       "/peft/adamix/num_modules (the red cells say why)."));
    // the value the engine accepts clears the mark
    typeAxisValues(axes, 0, "1, 0");  // one value left to fix
    QTRY_VERIFY(axes->valuesError(0).startsWith("Value 0 of"));
    QVERIFY(!axes->valuesError(0).contains('\n'));
    QCOMPARE(runCountText(&d), QString("No runs: value 0 of axis /peft/adamix/num_modules is invalid (the red cell "
                                       "says why)."));
    typeAxisValues(axes, 0, "1, 2");
    QTRY_VERIFY(axes->valuesError(0).isEmpty());
    QCOMPARE(axes->item(0, 1)->toolTip(), QString());
    QVERIFY(launch->isEnabled());
    QCOMPARE(d.runCount(), 2);
    // a value set by a bundle (variant) axis is marked on its row too
    json doc = d.document();
    doc["axes"] = json::parse(R"([{"name": "variant", "values": [
        {"label": "ok", "set": {"/peft/adamix/num_modules": 2}},
        {"label": "broken", "set": {"/peft/adamix/num_modules": 0}}]}])");
    d.loadDocument(doc);
    QVERIFY2(axes->valuesError(0).contains("Value broken of variant"), qPrintable(axes->valuesError(0)));
    QVERIFY(!launch->isEnabled());
  }

  // Issue 18 item 6: the app reopens the study last worked on, with its unsaved edits; a fresh
  // home still gets the template.
  void reopensTheLastStudy() {
    {
      ui::MainWindow w;  // a fresh home
      QCOMPARE(w.designer()->document()["name"].get<std::string>(), std::string("my-study"));
      QVERIFY(w.designer()->filePath().isEmpty());
      // a study never saved, edited in the form
      w.designer()->show();
      typeInto(w.designer()->findChild<QLineEdit*>("studyName"), "unsaved-study");
      const auto draftName = [] {
        const json draft = json::parse(QSettings().value("designer/draft").toString().toStdString(), nullptr, false);
        return draft.is_object() ? QString::fromStdString(draft.value("name", std::string())) : QString();
      };
      QTRY_COMPARE(draftName(), QString("unsaved-study"));
    }
    {
      ui::MainWindow w;
      QCOMPARE(w.designer()->document()["name"].get<std::string>(), std::string("unsaved-study"));
      // then opened from a file and edited without saving
      QString err;
      QVERIFY2(w.designer()->loadFile(dir_.filePath("example.json"), &err), qPrintable(err));
      auto* lr = qobject_cast<QLineEdit*>(w.designer()->fieldWidget("/train/learning_rate"));
      typeInto(lr, "0.0005");
      w.designer()->revalidate();
    }
    ui::MainWindow w;
    QCOMPARE(w.designer()->filePath(), QFileInfo(dir_.filePath("example.json")).absoluteFilePath());
    QCOMPARE(qobject_cast<QLineEdit*>(w.designer()->fieldWidget("/train/learning_rate"))->text(), QString("0.0005"));
    QCOMPARE(w.designer()->runCount(), 32);
    QCOMPARE(w.designer()->document()["base"]["train"]["learning_rate"].get<double>(), 0.0005);
  }

  // Issue 18 item 7: an `asset:` model that is not in the cache but in the asset mirror
  // ($ADAMIX_ASSET_MIRROR) gets its summary and parameter counts from the mirror's copy.
  void assetModelsComeFromTheMirror() {
    const QString shared = QStringLiteral(ADAMIX_SHARED_DIR);
    if (!QFile::exists(shared + "/models/stories260K/config.json"))
      QSKIP("no models/stories260K in ADAMIX_SHARED_DIR");
    QTemporaryDir tmp;
    // a stand-in engine that logs its arguments and answers `inspect` like the real one
    const QString log = tmp.filePath("args.log");
    const QString engine = tmp.filePath("fake-engine.sh");
    QFile f(engine);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QStringLiteral("#!/bin/sh\necho \"$@\" >> '%1'\n"
                           "echo '{\"model_type\": \"llama\", \"num_hidden_layers\": 5, \"hidden_size\": 64, "
                           "\"num_attention_heads\": 8, \"num_key_value_heads\": 4, \"vocab_size\": 512, "
                           "\"backbone_parameters\": 260000, "
                           "\"peft\": {\"trainable_peft\": 1234, \"inference_peft\": 567}}'\n")
                .arg(log)
                .toUtf8());
    f.close();
    f.setPermissions(f.permissions() | QFileDevice::ExeOwner);
    qputenv("ADAMIX_ENGINE", engine.toUtf8());
    qputenv("ADAMIX_ASSET_CACHE", tmp.filePath("empty-cache").toUtf8());
    qputenv("ADAMIX_ASSET_MIRROR", shared.toUtf8());
    {
      ui::DesignerView d(&ws_);  // the template: asset:models/stories260K
      QTRY_VERIFY2(d.modelSummaryText().startsWith("llama: 5 layers"), qPrintable(d.modelSummaryText()));
      QTRY_COMPARE(d.previewTable()->item(0, 4)->text(), QString("1,234"));
      QCOMPARE(d.previewTable()->item(0, 5)->text(), QString("567"));
      QVERIFY(!d.previewTable()->item(0, 4)->toolTip().contains("not available"));
      QFile l(log);
      QVERIFY(l.open(QIODevice::ReadOnly));
      QVERIFY2(l.readAll().contains(QDir(shared + "/models/stories260K").absolutePath().toUtf8()), "mirror path");
    }
    qunsetenv("ADAMIX_ASSET_MIRROR");  // neither cache nor mirror: said so, nothing inspected
    {
      ui::DesignerView d(&ws_);
      QCOMPARE(d.modelSummaryText(), QString("Asset models/stories260K: not in the cache yet, fetched at launch."));
      QCOMPARE(d.previewTable()->item(0, 4)->text(), QString("—"));
      QVERIFY(d.previewTable()->item(0, 4)->toolTip().contains("not available"));
    }
    qunsetenv("ADAMIX_ASSET_CACHE");
    qputenv("ADAMIX_ENGINE", "/nonexistent/adamix-engine");
  }

  // Issue 18 item 9: max steps, evaluation / logging / checkpoint intervals, warm-up, weight
  // decay and gradient accumulation are form fields, typed in and written to the study and its runs.
  void trainingScheduleFields() {
    ui::DesignerView d(&ws_);
    d.show();
    const std::map<QString, QString> typed = {
        {"/train/max_steps", "300"},          {"/train/eval_every_steps", "50"}, {"/train/log_every_steps", "2"},
        {"/train/checkpoint_every_steps", "100"}, {"/train/warmup_ratio", "0.1"}, {"/train/warmup_steps", "20"},
        {"/train/weight_decay", "0.01"},      {"/train/grad_accum", "4"}};
    for (const auto& [pointer, text] : typed) {
      QWidget* w = d.fieldWidget(pointer);
      QVERIFY2(w, qPrintable(pointer + " has no field"));
      QVERIFY2(!w->toolTip().isEmpty(), qPrintable(pointer + " has no help"));
      typeInto(w, text);
    }
    d.revalidate();
    QVERIFY2(d.validationError().isEmpty(), qPrintable(d.validationError()));
    const json train = d.document()["base"]["train"];
    QCOMPARE(train["max_steps"].get<int>(), 300);
    QCOMPARE(train["eval_every_steps"].get<int>(), 50);
    QCOMPARE(train["log_every_steps"].get<int>(), 2);
    QCOMPARE(train["checkpoint_every_steps"].get<int>(), 100);
    QCOMPARE(train["warmup_ratio"].get<double>(), 0.1);
    QCOMPARE(train["warmup_steps"].get<int>(), 20);
    QCOMPARE(train["weight_decay"].get<double>(), 0.01);
    QCOMPARE(train["grad_accum"].get<int>(), 4);
    QVERIFY(train["max_steps"].is_number_integer());  // as the schema types them
    const auto runs = app::expandStudy(app::parseStudy(d.document()));
    QCOMPARE(runs.front().config["train"]["log_every_steps"].get<int>(), 2);
    QCOMPARE(runs.front().config["train"]["grad_accum"].get<int>(), 4);
    // 0 shows what it means
    QCOMPARE(qobject_cast<QSpinBox*>(d.fieldWidget("/train/eval_every_steps"))->suffix(), QString(" steps"));
    typeInto(d.fieldWidget("/train/max_steps"), "0");
    QTest::keyClick(d.fieldWidget("/train/max_steps"), Qt::Key_Return);
    QCOMPARE(qobject_cast<QSpinBox*>(d.fieldWidget("/train/max_steps"))->text(), QString("all epochs"));
  }

  // Issue 18 item 10: Tab from the first field reaches every field of the form; the tables
  // (tasks, axes, preview) do not trap it.
  void tabReachesEveryField() {
    ui::DesignerView d(&ws_);
    d.resize(1200, 900);
    d.show();
    QApplication::setActiveWindow(&d);
    QVERIFY(QTest::qWaitForWindowActive(&d));
    auto* name = d.findChild<QLineEdit*>("studyName");
    QCOMPARE(name->text(), QString("my-study"));
    name->setFocus();
    QTRY_COMPARE(QApplication::focusWidget(), name);
    std::set<QWidget*> reached;
    for (int i = 0; i < 200; ++i) {
      QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
      reached.insert(QApplication::focusWidget());
    }
    QStringList missing;
    for (const ui::FieldSpec& spec : ui::formFields())
      if (!reached.count(d.fieldWidget(spec.pointer))) missing << spec.pointer;
    for (QTableWidget* t : d.findChildren<QTableWidget*>())
      if (!reached.count(t)) missing << t->metaObject()->className();
    for (const char* name : {"studyName", "studyDescription", "studySeeds"})
      if (!reached.count(d.findChild<QLineEdit*>(name))) missing << name;
    QVERIFY2(missing.isEmpty(), qPrintable("not reached by Tab: " + missing.join(", ")));
  }

  // Issue 18 item 11: the fields below the model summary stay where they are when the summary
  // appears, changes or disappears.
  void formDoesNotJumpWithTheModelSummary() {
    QTemporaryDir cache;
    qputenv("ADAMIX_ASSET_CACHE", cache.filePath("empty-cache").toUtf8());
    const auto restore = qScopeGuard([] { qunsetenv("ADAMIX_ASSET_CACHE"); });
    ui::DesignerView d(&ws_);
    d.resize(1200, 900);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    auto* model = qobject_cast<QLineEdit*>(d.fieldWidget("/model/path"));
    QWidget* below = d.fieldWidget("/task/max_seq_length");
    const auto setModel = [&](const QString& text) {
      typeInto(model, text);
      QTest::keyClick(model, Qt::Key_Return);  // editingFinished: the summary follows
      QTest::qWait(50);  // the layout settles (a red outline changes the field's own height)
      return below->mapTo(&d, QPoint(0, 0));
    };
    setModel("asset:models/stories260K");  // known, not here yet: fine, fetched at launch
    QCOMPARE(d.modelSummaryText(), QString("Asset models/stories260K: not in the cache yet, fetched at launch."));
    // Positions are compared among invalid models only: the red outline itself makes the field
    // 2 px shorter (the form moves 1 px), which is not the summary's doing.
    const QPoint withSummary = setModel(dir_.path());  // a folder without config.json: the reason
    QVERIFY2(d.modelSummaryText().endsWith("has no config.json: not a Hugging Face model directory."),
             qPrintable(d.modelSummaryText()));
    const QPoint other = setModel("asset:models/not-here");
    QVERIFY2(d.modelSummaryText().startsWith("asset:models/not-here is not a known asset"),
             qPrintable(d.modelSummaryText()));
    QCOMPARE(other, withSummary);
    const QPoint longOne = setModel("asset:models/" + QString("very-long-name/").repeated(12));
    QVERIFY(d.modelSummaryText().size() > 150);
    QCOMPARE(longOne, withSummary);
  }

  // A new user's report: "Add task from file…" beside Add task and Remove task made the form
  // wider than its pane in a 1440 x 900 window (the designer gets about 1,100 px beside the
  // workspace tree), so it scrolled sideways and cut off fields and buttons. Every field fits.
  void formFitsItsPaneWithoutScrollingSideways() {
    ui::DesignerView d(&ws_);
    d.resize(1100, 860);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QTest::qWait(50);
    QScrollArea* form = nullptr;
    for (QWidget* w = d.fieldWidget("/model/path"); w && !form; w = w->parentWidget()) form = qobject_cast<QScrollArea*>(w);
    QVERIFY(form);
    QCOMPARE(form->horizontalScrollBar()->maximum(), 0);
    auto* fromFile = d.findChild<QPushButton*>(QStringLiteral("addTaskFromFile"));
    QVERIFY(fromFile);
    QVERIFY(form->viewport()->rect().contains(QRect(fromFile->mapTo(form->viewport(), QPoint(0, 0)), fromFile->size())));
  }

  // Issue 18 item 12: file dialogs start in the workspace folder, then in the folder last
  // chosen in any of them (one helper: shell/file_dialogs.h).
  void fileDialogsStartInTheWorkspace() {
    QTemporaryDir tmp;
    QCOMPARE(ui::dialogStartDir({}), QDir::homePath());  // no workspace, nothing chosen yet
    QCOMPARE(ui::dialogStartDir(tmp.path()), tmp.path());
    QDir(tmp.path()).mkpath("elsewhere");
    ui::rememberDialogChoice(tmp.filePath("elsewhere/results.md"));
    QCOMPARE(ui::dialogStartDir(tmp.path()), tmp.filePath("elsewhere"));
    QDir(tmp.filePath("elsewhere")).removeRecursively();  // gone: back to the workspace
    QCOMPARE(ui::dialogStartDir(tmp.path()), tmp.path());
    QSettings().clear();

    // the designer's Save as dialog, with a workspace open
    QApplication::setAttribute(Qt::AA_DontUseNativeDialogs);
    ui::Workspace ws;
    QVERIFY(ws.open(tmp.filePath("ws/adamix.sqlite")));
    ui::DesignerView d(&ws);
    QString startDir, selected;
    const auto answer = [&](const QString& choose) {
      QTimer::singleShot(0, [&, choose] {
        auto* dlg = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
        if (!dlg) return;
        startDir = dlg->directory().absolutePath();
        selected = dlg->selectedFiles().value(0);
        if (choose.isEmpty()) {
          dlg->reject();
        } else {
          dlg->selectFile(choose);
          static_cast<QDialog*>(dlg)->accept();  // QFileDialog::accept, through the public slot
        }
      });
    };
    answer({});
    QVERIFY(!d.saveAs());
    QCOMPARE(startDir, tmp.filePath("ws"));
    QCOMPARE(selected, tmp.filePath("ws/my-study.adamix.json"));  // the study MIME type's extension (packaging/adamix-study.xml)
    QDir(tmp.path()).mkpath("mine");
    answer(tmp.filePath("mine/study.json"));
    QVERIFY(d.saveAs());
    QVERIFY(QFile::exists(tmp.filePath("mine/study.json")));
    answer({});
    d.openWithDialog();  // the next dialog starts where the last one ended
    QCOMPARE(startDir, tmp.filePath("mine"));
  }

  // Issue 18 item 14: a new study starts with the paper's consistency weight for its task kind
  // (λ = 1 for GLUE), shown in the form and written into every run.
  void newStudyHasThePapersConsistencyWeight() {
    ui::DesignerView d(&ws_);
    d.newStudy();
    QCOMPARE(qobject_cast<QDoubleSpinBox*>(d.fieldWidget("/peft/adamix/consistency_weight"))->value(), 1.0);
    const auto runs = app::expandStudy(app::parseStudy(d.document()));
    QCOMPARE(runs.size(), size_t(2));
    for (const auto& r : runs) QCOMPARE(r.config["peft"]["adamix"]["consistency_weight"].get<double>(), 1.0);
    QCOMPARE(ui::paperConsistencyWeight("rte"), 1.0);
    QCOMPARE(ui::paperConsistencyWeight("sst2"), 1.0);
    QCOMPARE(ui::paperConsistencyWeight("e2e"), 100.0);  // the official NLG setting
  }

  // QA item 1: the mouse wheel over an unfocused spin box or combo box of the designer scrolls
  // the form (or the axes table) and never changes the value; a focused editor still takes it.
  void wheelOverAnUnfocusedEditorScrollsTheForm() {
    ui::DesignerView d(&ws_);
    d.resize(1000, 400);  // the form scrolls
    d.show();
    QApplication::setActiveWindow(&d);
    QVERIFY(QTest::qWaitForWindowActive(&d));
    auto* name = d.findChild<QLineEdit*>("studyName");
    name->setFocus();
    QTRY_COMPARE(QApplication::focusWidget(), name);
    const auto valueText = [](QWidget* w) {
      if (auto* spin = qobject_cast<QAbstractSpinBox*>(w)) return spin->text();
      return qobject_cast<QComboBox*>(w)->currentText();
    };
    const auto wheel = [](QWidget* w, int delta) {
      const QPoint at = w->rect().center();
      QWheelEvent e(QPointF(at), QPointF(w->mapToGlobal(at)), QPoint(), QPoint(0, delta), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
      QApplication::sendEvent(w, &e);
    };
    int editors = 0;
    for (const ui::FieldSpec& spec : ui::formFields()) {
      QWidget* w = d.fieldWidget(spec.pointer);
      if (!qobject_cast<QAbstractSpinBox*>(w) && !qobject_cast<QComboBox*>(w)) continue;
      ++editors;
      const QString before = valueText(w);
      for (int delta : {-120, 120, 120}) {
        wheel(w, delta);
        QVERIFY2(valueText(w) == before, qPrintable(spec.pointer + ": " + before + " → " + valueText(w)));
      }
      QCOMPARE(w->focusPolicy(), Qt::StrongFocus);  // the wheel gives no focus
    }
    QVERIFY(editors >= 5);
    // the form scrolls instead
    auto* bottleneck = qobject_cast<QSpinBox*>(d.fieldWidget("/peft/adapter/bottleneck"));
    QVERIFY(bottleneck);
    QScrollBar* bar = nullptr;
    for (QWidget* p = bottleneck->parentWidget(); p && !bar; p = p->parentWidget())
      if (auto* area = qobject_cast<QScrollArea*>(p)) bar = area->verticalScrollBar();
    QVERIFY(bar && bar->maximum() > 0);
    bar->setValue(0);
    wheel(bottleneck, -120);
    QVERIFY2(bar->value() > 0, "the form did not scroll");
    // the axes table's path combo too
    auto* axisPath = qobject_cast<QComboBox*>(d.axesTable()->cellWidget(0, 0));
    QVERIFY(axisPath);
    const QString path = axisPath->currentText();
    wheel(axisPath, -120);
    QCOMPARE(axisPath->currentText(), path);
    // a focused editor takes the wheel
    bottleneck->setFocus();
    QTRY_VERIFY(bottleneck->hasFocus());
    const int r = bottleneck->value();
    wheel(bottleneck, 120);
    QCOMPARE(bottleneck->value(), r + 1);
  }

  // QA item 2: the model summary always describes the Model field: a directory without
  // config.json and an `asset:` name the asset manifest does not know replace the previous
  // model's summary with the reason and are errors at the field (red, Launch disabled); a known
  // asset that is not here yet is fine, and the summary says it is fetched at launch.
  void modelSummaryFollowsTheModelField() {
    QTemporaryDir tmp;
    QVERIFY(QDir(tmp.path()).mkpath("model"));
    QFile config(tmp.filePath("model/config.json"));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write("{}");
    config.close();
    const QString engine = tmp.filePath("fake-engine.sh");  // answers `inspect` like the real one
    QFile f(engine);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("#!/bin/sh\necho '{\"model_type\": \"llama\", \"num_hidden_layers\": 5, \"hidden_size\": 64, "
            "\"num_attention_heads\": 8, \"num_key_value_heads\": 4, \"vocab_size\": 512, "
            "\"backbone_parameters\": 260032, \"peft\": {\"trainable_peft\": 1234, \"inference_peft\": 567}}'\n");
    f.close();
    f.setPermissions(f.permissions() | QFileDevice::ExeOwner);
    qputenv("ADAMIX_ENGINE", engine.toUtf8());
    qputenv("ADAMIX_ASSET_CACHE", tmp.filePath("empty-cache").toUtf8());
    const auto restore = qScopeGuard([] {
      qunsetenv("ADAMIX_ASSET_CACHE");
      qputenv("ADAMIX_ENGINE", "/nonexistent/adamix-engine");
    });
    ui::DesignerView d(&ws_);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    auto* model = qobject_cast<QLineEdit*>(d.fieldWidget("/model/path"));
    QPushButton* launch = button(&d, "Launch");
    QVERIFY(model && launch);
    const auto setModel = [&](const QString& text) {  // typed, then the debounced validation
      typeInto(model, text);
      d.revalidate();
    };
    const auto showGoodModel = [&] {
      typeInto(model, tmp.filePath("model"));
      QTest::keyClick(model, Qt::Key_Return);
      QTRY_VERIFY2(d.modelSummaryText().startsWith("llama: 5 layers"), qPrintable(d.modelSummaryText()));
      QVERIFY(!model->property("invalid").toBool());
    };
    showGoodModel();
    setModel("/nonexistent/model");
    QVERIFY(model->property("invalid").toBool());
    QVERIFY(!launch->isEnabled());
    QVERIFY2(d.modelSummaryText().contains("has no config.json"), qPrintable(d.modelSummaryText()));
    QTest::qWait(100);  // no late summary of the previous model either
    QVERIFY2(!d.modelSummaryText().contains("llama"), qPrintable(d.modelSummaryText()));

    showGoodModel();
    setModel("asset:models/nosuch");
    QVERIFY(model->property("invalid").toBool());
    QVERIFY2(model->toolTip().contains("asset:models/nosuch is not a known asset"), qPrintable(model->toolTip()));
    QVERIFY(!launch->isEnabled());
    QVERIFY2(d.validationError().contains("not a known asset"), qPrintable(d.validationError()));
    QVERIFY2(d.modelSummaryText().startsWith("asset:models/nosuch is not a known asset"),
             qPrintable(d.modelSummaryText()));

    showGoodModel();
    setModel("asset:models/stories260K");  // known, not in the (empty) cache, no mirror: fine
    QVERIFY(!model->property("invalid").toBool());
    QVERIFY2(d.validationError().isEmpty(), qPrintable(d.validationError()));
    QVERIFY(launch->isEnabled());
    QCOMPARE(d.modelSummaryText(), QString("Asset models/stories260K: not in the cache yet, fetched at launch."));
  }

  // QA item 3: Remove axis / Remove task remove the selected rows only: right after Add, the row
  // just added (Add selects it), never a row that is only current (Qt makes the first row
  // current when the table gets focus); with no row selected the button is disabled.
  void removeActsOnTheSelectedRow() {
    ui::DesignerView d(&ws_);
    d.resize(1200, 900);
    d.show();
    QVERIFY(QTest::qWaitForWindowExposed(&d));
    QTableWidget* tasks = nullptr;
    for (QTableWidget* t : d.findChildren<QTableWidget*>())
      if (t->horizontalHeaderItem(0) && t->horizontalHeaderItem(0)->text() == "Task") tasks = t;
    QVERIFY(tasks);
    struct Case {
      QTableWidget* table;
      QString add, remove;
      std::function<QString(int)> rowText;
    };
    QTableWidget* axes = d.axesTable();
    const Case cases[] = {
        {axes, "Add axis", "Remove axis",
         [axes](int r) { return qobject_cast<QComboBox*>(axes->cellWidget(r, 0))->currentText(); }},
        {tasks, "Add task", "Remove task", [tasks](int r) { return tasks->item(r, 0)->text(); }},
    };
    tasks->item(0, 0)->setText("sst2");  // the filled-in row differs from the one Add adds
    for (const Case& c : cases) {
      QPushButton* add = button(&d, c.add);
      QPushButton* remove = button(&d, c.remove);
      QVERIFY(add && remove);
      QCOMPARE(c.table->rowCount(), 1);
      const QString first = c.rowText(0);
      c.table->clearSelection();
      c.table->setCurrentCell(0, 1, QItemSelectionModel::NoUpdate);  // current, not selected
      QTest::mouseClick(add, Qt::LeftButton);
      QCOMPARE(c.table->rowCount(), 2);
      QTest::mouseClick(remove, Qt::LeftButton);
      QCOMPARE(c.table->rowCount(), 1);
      QCOMPARE(c.rowText(0), first);  // the row just added went, the filled-in one stayed
      c.table->clearSelection();
      c.table->setCurrentCell(0, 1, QItemSelectionModel::NoUpdate);
      QVERIFY2(!remove->isEnabled(), qPrintable(c.remove + " enabled with no row selected"));
      QTest::mouseClick(remove, Qt::LeftButton);
      QCOMPARE(c.table->rowCount(), 1);
      c.table->selectRow(0);
      QVERIFY(remove->isEnabled());
      QTest::mouseClick(remove, Qt::LeftButton);
      QCOMPARE(c.table->rowCount(), 0);
      QVERIFY(!remove->isEnabled());
    }
  }

 private:
  QTemporaryDir dir_;
  ui::Workspace ws_;
};

QTEST_MAIN(TestDesigner)
#include "test_designer.moc"
