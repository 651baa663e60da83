// Study designer: loads and saves the CLI's study files unchanged, counts runs, marks invalid
// fields at the field.
#include "designer/designer_view.h"
#include "designer/form_fields.h"
#include "workspace/workspace.h"

#include <QComboBox>
#include <QApplication>
#include <QDoubleSpinBox>
#include <QInputDialog>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTimer>
#include <QFile>
#include <QLineEdit>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

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

  void editsChangeTheRunCount() {
    ui::DesignerView d(&ws_);
    d.newStudy();
    QCOMPARE(d.runCount(), 2);  // rte × M ∈ {1, 4} × seed 1
    auto* seeds = d.findChildren<QLineEdit*>().value(2);
    Q_UNUSED(seeds);
    d.loadDocument(d.document());  // idempotent
    QCOMPARE(d.runCount(), 2);
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

 private:
  QTemporaryDir dir_;
  ui::Workspace ws_;
};

QTEST_MAIN(TestDesigner)
#include "test_designer.moc"
