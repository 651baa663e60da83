// "Add task from file…" (OwnTaskDialog): small CSV / JSONL files written here, the dialog filled
// through its widgets. Checks the preview cells (a quoted field with a comma and a newline, an
// escaped quote), the label counts and the majority-class baseline on train and dev (by hand:
// train pos 3 / neg 2 → 60.0 %, dev pos 1 of 4 → 25.0 %), regression statistics, a JSONL
// generation task, errors naming file:line with OK disabled, and the exact task entry the
// designer's study document gets (which the study parser accepts).
#include "designer/designer_view.h"
#include "designer/own_task_dialog.h"
#include "workspace/workspace.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

using namespace adamix;
using nlohmann::json;

namespace {

void writeFile(const QString& path, const QByteArray& text) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(text);
}

// header line 1; the first row spans lines 2-3 (a quoted comma and newline); `""` is a quote
const QByteArray kTrainCsv =
    "id,sentence,label\n"
    "1,\"good, really\ngood\",pos\n"
    "2,bad,neg\n"
    "3,\"fine \"\"ok\"\"\",pos\n"
    "4,great,pos\n"
    "5,awful,neg\n";
const QByteArray kDevCsv =
    "id,sentence,label\n"
    "1,nice,pos\n"
    "2,meh,neg\n"
    "3,poor,neg\n"
    "4,bad,neg\n";
const QByteArray kTestCsv =  // unlabelled
    "id,sentence\n"
    "1,fine\n"
    "2,dull\n";
// an unterminated quote in the row starting on line 3
const QByteArray kBadCsv =
    "id,sentence,label\n"
    "1,ok,pos\n"
    "2,\"never closed,neg\n";

QString cell(const QTableWidget* t, int row, int col) {
  const QTableWidgetItem* it = t->item(row, col);
  return it ? it->text() : QStringLiteral("<none>");
}

}  // namespace

class TestOwnTaskDialog : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    qputenv("ADAMIX_ENGINE", "/nonexistent/adamix-engine");  // no parameter counts needed here
    QVERIFY(dir_.isValid());
    data_ = dir_.filePath("Movie Reviews");
    writeFile(data_ + "/train.csv", kTrainCsv);
    writeFile(data_ + "/dev.csv", kDevCsv);
    writeFile(dir_.filePath("other/test.csv"), kTestCsv);
    writeFile(data_ + "/bad.csv", kBadCsv);
    writeFile(data_ + "/dev_text.csv", "id,text,label\n1,nice,pos\n");
    writeFile(data_ + "/dev_empty.csv", "id,sentence,label\n1,nice,pos\n2,,neg\n");
    writeFile(data_ + "/dev_unknown.csv", "id,sentence,label\n1,nice,pos\n2,meh,neutral\n");
    writeFile(dir_.filePath("scores/train.csv"), "s,y\na,1\nb,2\nc,3\nd,4\n");
    writeFile(dir_.filePath("scores/dev.csv"), "s,y\ne,2.5\nf,x\n");
    writeFile(dir_.filePath("gen/train.jsonl"),
              "{\"input\": \"name[Aromi]\", \"reference\": \"Aromi is a cafe.\", \"extra\": 1}\n"
              "{\"input\": \"name[Bibimbap]\", \"reference\": [\"A\", \"B\"]}\n");
    writeFile(dir_.filePath("gen/dev.jsonl"), "{\"input\": \"name[Cotto]\", \"reference\": \"Cotto.\"}\n");
  }

  void init() { QSettings().clear(); }

  // The preview shows the first rows exactly as parsed, columns are pre-selected by name, the
  // name comes from the folder, the format from the extension.
  void previewsTheTrainFile() {
    ui::OwnTaskDialog d;
    d.show();
    QVERIFY(!d.okButton()->isEnabled());
    QCOMPARE(d.errorLabel()->text(), QString("Choose the train file."));
    d.trainEdit()->setText(data_ + "/train.csv");
    d.devEdit()->setText(data_ + "/dev.csv");
    d.reload();
    QCOMPARE(d.formatCombo()->currentText(), QString("csv"));
    QCOMPARE(d.nameEdit()->text(), QString("movie_reviews"));
    const QTableWidget* p = d.previewTable();
    QCOMPARE(p->columnCount(), 3);
    QCOMPARE(p->horizontalHeaderItem(1)->text(), QString("sentence"));
    QCOMPARE(p->rowCount(), 5);
    QCOMPARE(cell(p, 0, 1), QString("good, really\ngood"));
    QCOMPARE(cell(p, 0, 2), QString("pos"));
    QCOMPARE(cell(p, 2, 1), QString("fine \"ok\""));
    QCOMPARE(cell(p, 4, 0), QString("5"));
    QCOMPARE(p->verticalHeaderItem(0)->text(), QString("2"));  // file lines
    QCOMPARE(p->verticalHeaderItem(1)->text(), QString("4"));
    QCOMPARE(d.textColumnCombo()->currentText(), QString("sentence"));
    QCOMPARE(d.textPairColumnCombo()->currentText(), ui::OwnTaskDialog::noneText());
    QCOMPARE(d.labelColumnCombo()->currentText(), QString("label"));
    QVERIFY2(d.okButton()->isEnabled(), qPrintable(d.errorText()));
    QVERIFY(!d.errorLabel()->isVisible());
  }

  // Label counts and shares of train, the majority label's share of train and of dev.
  void showsLabelDistributionAndBaseline() {
    ui::OwnTaskDialog d;
    d.show();
    d.trainEdit()->setText(data_ + "/train.csv");
    d.devEdit()->setText(data_ + "/dev.csv");
    QTRY_COMPARE(d.distributionTable()->rowCount(), 2);  // the reload follows the edits by itself
    const QTableWidget* t = d.distributionTable();
    QCOMPARE(cell(t, 0, 0), QString("neg"));
    QCOMPARE(cell(t, 0, 1), QString("2"));
    QCOMPARE(cell(t, 0, 2), QString("40.0 %"));
    QCOMPARE(cell(t, 1, 0), QString("pos"));
    QCOMPARE(cell(t, 1, 1), QString("3"));
    QCOMPARE(cell(t, 1, 2), QString("60.0 %"));
    QCOMPARE(d.summaryLabel()->text(), QString("Majority-class baseline: pos = 60.0 % of train; on dev: 25.0 %"));
    QVERIFY(d.distributionTable()->isVisible());

    // live: another label column (the ids: five labels, each 20 %; "1" is first in byte order)
    d.labelColumnCombo()->setCurrentText("id");
    QCOMPARE(d.distributionTable()->rowCount(), 5);
    QCOMPARE(cell(d.distributionTable(), 0, 2), QString("20.0 %"));
    QCOMPARE(d.summaryLabel()->text(), QString("Majority-class baseline: 1 = 20.0 % of train; on dev: 25.0 %"));
    QVERIFY(d.okButton()->isEnabled());
    // binary F1 needs two labels
    d.metricCombo()->setCurrentText("f1");
    QVERIFY(!d.okButton()->isEnabled());
    QVERIFY(d.errorText().contains("the train file has 5"));
    d.labelColumnCombo()->setCurrentText("label");
    QVERIFY2(d.okButton()->isEnabled(), qPrintable(d.errorText()));
  }

  // A CSV row whose quote is never closed: the red line names the file and the line, OK is off.
  void badQuotingNamesFileAndLine() {
    ui::OwnTaskDialog d;
    d.show();
    d.trainEdit()->setText(data_ + "/train.csv");
    d.devEdit()->setText(data_ + "/bad.csv");
    d.reload();
    QVERIFY(!d.okButton()->isEnabled());
    QVERIFY(d.errorLabel()->isVisible());
    QVERIFY2(d.errorLabel()->text().startsWith("bad.csv:3: malformed CSV ("), qPrintable(d.errorLabel()->text()));
    QVERIFY(d.errorLabel()->styleSheet().contains("#d62728"));  // red
    // the train preview and labels still show
    QCOMPARE(d.previewTable()->rowCount(), 5);
    QCOMPARE(d.distributionTable()->rowCount(), 2);
    // a missing file
    d.devEdit()->setText(data_ + "/nope.csv");
    d.reload();
    QVERIFY(!d.okButton()->isEnabled());
    QVERIFY2(d.errorText().contains("nope.csv"), qPrintable(d.errorText()));
    // a dev file without the text column: its header line
    d.devEdit()->setText(data_ + "/dev_text.csv");
    d.reload();
    QVERIFY(!d.okButton()->isEnabled());
    QCOMPARE(d.errorText(), QString("dev_text.csv:1: no text column \"sentence\" (columns: id, text, label)"));
    // rows a run would stop at, found by the engine's own loader: an empty text, a label train lacks
    d.devEdit()->setText(data_ + "/dev_empty.csv");
    d.reload();
    QVERIFY(!d.okButton()->isEnabled());
    QCOMPARE(d.errorText(), QString("dev_empty.csv:3: empty text in column \"sentence\""));
    d.devEdit()->setText(data_ + "/dev_unknown.csv");
    d.reload();
    QVERIFY(!d.okButton()->isEnabled());
    QVERIFY2(d.errorText().startsWith("dev_unknown.csv:3: label \"neutral\" is not in the task's label set (neg, pos)"),
             qPrintable(d.errorText()));
    d.devEdit()->setText(data_ + "/dev.csv");
    d.reload();
    QVERIFY2(d.okButton()->isEnabled(), qPrintable(d.errorText()));
    // the engine's check is remembered while only names change, and redone when a file changes
    const QString changing = dir_.filePath("changing/dev.csv");
    writeFile(changing, "id,sentence,label\n1,fine,pos\n");
    d.devEdit()->setText(changing);
    d.reload();
    QVERIFY2(d.okButton()->isEnabled(), qPrintable(d.errorText()));
    writeFile(changing, "id,sentence,label\n1,fine,pos\n2,odd,meh\n");
    d.displayNameEdit()->setText("Changed");  // any edit re-validates; the file is read again
    QVERIFY2(d.errorText().startsWith("dev.csv:3: label \"meh\" is not in the task's label set"),
             qPrintable(d.errorText()));
    d.devEdit()->setText(data_ + "/dev.csv");
    d.reload();
    // a name taken by a built-in task
    d.nameEdit()->setText("sst2");
    QVERIFY(!d.okButton()->isEnabled());
    QCOMPARE(ui::OwnTaskDialog::identifierFrom("SST2"), QString("sst2-own"));
    QCOMPARE(ui::OwnTaskDialog::identifierFrom("  My Data (v2) "), QString("my_data_v2"));
  }

  // Regression: count, mean and sample std of the train target; a non-number in dev is an error.
  void regressionShowsStatistics() {
    ui::OwnTaskDialog d;
    d.show();
    d.trainEdit()->setText(dir_.filePath("scores/train.csv"));
    d.devEdit()->setText(dir_.filePath("scores/dev.csv"));
    d.reload();
    d.typeCombo()->setCurrentText("regression");
    QCOMPARE(d.metricCombo()->count(), 2);
    QCOMPARE(d.metricCombo()->currentText(), QString("pearson"));
    d.textColumnCombo()->setCurrentText("s");
    d.labelColumnCombo()->setCurrentText("y");
    // 1,2,3,4: mean 2.5, sample variance (2.25+0.25+0.25+2.25)/3 = 5/3, std 1.29099
    QCOMPARE(d.summaryLabel()->text(), QString("Label \"y\" in train: n = 4, mean 2.500, std 1.291"));
    QVERIFY(!d.distributionTable()->isVisible());
    QCOMPARE(d.errorText(), QString("dev.csv:3: label \"x\" is not a finite decimal number (regression task)"));
    QVERIFY(!d.okButton()->isEnabled());
  }

  // JSONL generation: input and reference columns, the entry names them.
  void generationFromJsonl() {
    ui::OwnTaskDialog d;
    d.show();
    d.trainEdit()->setText(dir_.filePath("gen/train.jsonl"));
    d.devEdit()->setText(dir_.filePath("gen/dev.jsonl"));
    d.reload();
    QCOMPARE(d.formatCombo()->currentText(), QString("jsonl"));
    QCOMPARE(d.typeCombo()->currentText(), QString("generation"));  // guessed: input and reference, no label
    QCOMPARE(d.metricCombo()->currentText(), QString("bleu"));
    // the columns as the engine's reader names them (by name here: their order is the reader's)
    const QTableWidget* p = d.previewTable();
    QStringList header;
    for (int c = 0; c < p->columnCount(); ++c) header << p->horizontalHeaderItem(c)->text();
    QCOMPARE(header.size(), 3);
    const int input = header.indexOf("input"), reference = header.indexOf("reference"), extra = header.indexOf("extra");
    QVERIFY(input >= 0 && reference >= 0 && extra >= 0);
    QCOMPARE(p->rowCount(), 2);
    QCOMPARE(cell(p, 0, input), QString("name[Aromi]"));
    QCOMPARE(cell(p, 0, reference), QString("Aromi is a cafe."));
    QCOMPARE(cell(p, 0, extra), QString("1"));                      // a number as JSON writes it
    QCOMPARE(cell(p, 1, reference), QString("[\"A\",\"B\"]"));  // an array as its JSON text
    QCOMPARE(cell(p, 1, extra), QString(""));                       // a missing key
    QCOMPARE(d.inputColumnCombo()->currentText(), QString("input"));
    QCOMPARE(d.referenceList()->count(), 3);
    QCOMPARE(d.referenceList()->item(reference)->checkState(), Qt::Checked);
    QCOMPARE(d.referenceList()->item(extra)->checkState(), Qt::Unchecked);
    QCOMPARE(d.referenceList()->item(input)->checkState(), Qt::Unchecked);
    QVERIFY2(d.okButton()->isEnabled(), qPrintable(d.errorText()));
    d.metricCombo()->setCurrentText("rouge_l");
    const json expected = {{"name", "gen"},
                           {"data_dir", QDir(dir_.filePath("gen")).absolutePath().toStdString()},
                           {"type", "generation"},
                           {"format", "jsonl"},
                           {"train_file", "train.jsonl"},
                           {"dev_file", "dev.jsonl"},
                           {"metric", "rouge_l"},
                           {"input_column", "input"},
                           {"reference_columns", {"reference"}}};
    QCOMPARE(QString::fromStdString(d.taskJson().dump()), QString::fromStdString(expected.dump()));
    // no reference checked: not valid
    d.referenceList()->item(reference)->setCheckState(Qt::Unchecked);
    QVERIFY(!d.okButton()->isEnabled());
    QCOMPARE(d.errorText(), QString("Check at least one reference column."));
  }

  // The real SST-2 files of the asset mirror as an own TSV task: train 37,569 × "1" and 29,780 ×
  // "0" (55.8 %), dev 444 of 872 "1" (50.9 %, README). Skips without the mirror.
  void realSst2Files() {
    const QString sst = QStringLiteral(ADAMIX_SHARED_DIR) + "/data/glue/SST-2";
    if (!QFile::exists(sst + "/train.tsv")) QSKIP("no SST-2 in the asset mirror (ADAMIX_SHARED_DIR)");
    ui::OwnTaskDialog d;
    d.show();
    QElapsedTimer timer;
    timer.start();
    d.trainEdit()->setText(sst + "/train.tsv");
    d.devEdit()->setText(sst + "/dev.tsv");
    d.reload();
    qInfo("SST-2 train + dev read and checked in %lld ms", static_cast<long long>(timer.elapsed()));
    QCOMPARE(d.formatCombo()->currentText(), QString("tsv"));
    QCOMPARE(d.nameEdit()->text(), QString("sst-2"));
    QCOMPARE(d.previewTable()->rowCount(), 20);
    // the mirror's first train row (GLUE ships train shuffled)
    QCOMPARE(cell(d.previewTable(), 0, 0), QString("when are bears bears and "));
    QCOMPARE(d.textColumnCombo()->currentText(), QString("sentence"));
    QCOMPARE(d.labelColumnCombo()->currentText(), QString("label"));
    const QTableWidget* t = d.distributionTable();
    QCOMPARE(t->rowCount(), 2);
    QCOMPARE(cell(t, 0, 1), QString("29780"));
    QCOMPARE(cell(t, 1, 1), QString("37569"));
    QCOMPARE(cell(t, 1, 2), QString("55.8 %"));
    QCOMPARE(d.summaryLabel()->text(), QString("Majority-class baseline: 1 = 55.8 % of train; on dev: 50.9 %"));
    QVERIFY2(d.okButton()->isEnabled(), qPrintable(d.errorText()));
  }

  // The designer's button opens the dialog; OK adds exactly this entry to the study document,
  // and the study parser accepts it (one more task: twice the runs).
  void addsTheTaskToTheStudy() {
    ui::DesignerView designer(&ws_);
    designer.show();
    designer.newStudy();
    designer.revalidate();
    const int runsBefore = designer.runCount();
    QVERIFY2(runsBefore > 0, qPrintable(designer.validationError()));
    const size_t tasksBefore = designer.document()["tasks"].size();
    auto* open = designer.findChild<QPushButton*>("addTaskFromFile");
    QVERIFY(open);
    QCOMPARE(open->text(), QString("Add task from file…"));
    bool seen = false;
    QTimer::singleShot(0, [&] {
      auto* d = qobject_cast<ui::OwnTaskDialog*>(QApplication::activeModalWidget());
      if (!d) return;
      seen = true;
      d->trainEdit()->setText(data_ + "/train.csv");
      d->devEdit()->setText(data_ + "/dev.csv");
      d->testEdit()->setText(dir_.filePath("other/test.csv"));
      d->reload();
      d->displayNameEdit()->setText("Movie reviews");
      d->metricCombo()->setCurrentText("macro_f1");
      d->fixLabelsCheck()->setChecked(true);
      if (d->okButton()->isEnabled()) d->okButton()->click();
      else d->reject();
    });
    open->click();
    QVERIFY(seen);
    const json tasks = designer.document()["tasks"];
    QCOMPARE(tasks.size(), tasksBefore + 1);
    const json expected = {{"name", "movie_reviews"},
                           {"data_dir", QDir(data_).absolutePath().toStdString()},
                           {"display_name", "Movie reviews"},
                           {"type", "classification"},
                           {"format", "csv"},
                           {"train_file", "train.csv"},
                           {"dev_file", "dev.csv"},
                           {"test_file", "../other/test.csv"},
                           {"metric", "macro_f1"},
                           {"text_column", "sentence"},
                           {"label_column", "label"},
                           {"labels", {"neg", "pos"}}};
    QCOMPARE(QString::fromStdString(tasks.back().dump()), QString::fromStdString(expected.dump()));
    designer.revalidate();
    QVERIFY2(designer.validationError().isEmpty(), qPrintable(designer.validationError()));
    QCOMPARE(designer.runCount(), runsBefore * int(tasksBefore + 1) / int(tasksBefore));

    // a second time: the name is taken now
    QTimer::singleShot(0, [&] {
      auto* d = qobject_cast<ui::OwnTaskDialog*>(QApplication::activeModalWidget());
      if (!d) return;
      d->trainEdit()->setText(data_ + "/train.csv");
      d->devEdit()->setText(data_ + "/dev.csv");
      d->reload();
      seen = !d->okButton()->isEnabled() && d->errorText() == "The study already has a task \"movie_reviews\".";
      d->reject();
    });
    open->click();
    QVERIFY(seen);
    QCOMPARE(designer.document()["tasks"].size(), tasksBefore + 1);
  }

 private:
  QTemporaryDir dir_;
  QString data_;
  ui::Workspace ws_;
};

QTEST_MAIN(TestOwnTaskDialog)
#include "test_own_task_dialog.moc"
