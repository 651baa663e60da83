// Exports: pivot (CSV / Markdown / LaTeX) and curves against full expected text.
#include "export/curves.h"
#include "export/pivot.h"
#include "export/predictions.h"
#include "export/result_set.h"
#include "export/run_setup.h"
#include "study/task_catalog.h"
#include "exec/study_runner.h"
#include "study/study.h"

#include <QBuffer>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace adamix::app;
using nlohmann::json;

namespace {

RunResult run(qint64 id, const QString& variant, const QString& task, int seed, std::vector<ResultValue> values) {
  RunResult r;
  r.runId = id;
  r.task = task;
  r.seed = seed;
  r.variant = variant + QStringLiteral(", r=8");
  r.axes = {{QStringLiteral("variant"), variant}, {QStringLiteral("/peft/adapter/bottleneck"), QStringLiteral("r=8")}};
  r.values = std::move(values);
  return r;
}

ResultValue best(const char* split, const char* name, double v) {
  return {QString::fromLatin1(split), QString::fromLatin1(name), v, QStringLiteral("best")};
}

/// Hand-made results. Values ×100; mean ± sample std (n − 1) over seeds:
///   Adapter  RTE  70, 72       → 71.0 ± √((1+1)/1)=1.414  → 71.0 ± 1.4
///            MRPC acc 80, 84   → 82.0 ± √((4+4)/1)=2.828  → 82.0 ± 2.8
///            MRPC f1  85, 87   → 86.0 ± 1.4
///            Avg. per seed (RTE acc + MRPC acc)/2: s1 75, s2 78 → 76.5 ± 2.121 → 76.5 ± 2.1
///   AdaMix   RTE  75, 76       → 75.5 ± 0.707 → 75.5 ± 0.7
///            MRPC acc 85, 86   → 85.5 ± 0.7 (best)
///            MRPC f1  88, 90   → 89.0 ± 1.4
///            Avg. s1 80, s2 81 → 80.5 ± 0.7 (best)
///   LoRA     RTE  75.6 (seed 1 only) → 75.6, n=1 (best: 75.6 > 75.5)
///            MRPC acc 83.2, 85 → 84.1 ± √(2·0.81)=1.273 → 84.1 ± 1.3
///            MRPC f1  89, 91   → 90.0 ± 1.4 (best)
///            Avg. only seed 1 complete: (75.6 + 83.2)/2 = 79.4, n=1
/// Ignored: "final" results, loss, the train split. The bottleneck axis never varies → no column.
ResultSet handMade() {
  const QString lora = QStringLiteral("LoRA (r=8, 50%)");
  ResultSet s;
  s.runs = {
      run(1, QStringLiteral("Adapter"), QStringLiteral("rte"), 1,
          {best("dev", "accuracy", 0.70),
           best("dev", "loss", 0.5),
           best("train", "accuracy", 0.99),
           {QStringLiteral("dev"), QStringLiteral("accuracy"), 0.10, QStringLiteral("final")}}),
      run(2, QStringLiteral("Adapter"), QStringLiteral("rte"), 2, {best("dev", "accuracy", 0.72)}),
      run(3, QStringLiteral("AdaMix"), QStringLiteral("rte"), 1, {best("dev", "accuracy", 0.75)}),
      run(4, QStringLiteral("AdaMix"), QStringLiteral("rte"), 2, {best("dev", "accuracy", 0.76)}),
      run(5, lora, QStringLiteral("rte"), 1, {best("dev", "accuracy", 0.756)}),
      run(6, QStringLiteral("Adapter"), QStringLiteral("mrpc"), 1,
          {best("dev", "accuracy", 0.80), best("dev", "f1", 0.85)}),
      run(7, QStringLiteral("Adapter"), QStringLiteral("mrpc"), 2,
          {best("dev", "accuracy", 0.84), best("dev", "f1", 0.87)}),
      run(8, QStringLiteral("AdaMix"), QStringLiteral("mrpc"), 1,
          {best("dev", "f1", 0.88), best("dev", "accuracy", 0.85)}),
      run(9, QStringLiteral("AdaMix"), QStringLiteral("mrpc"), 2,
          {best("dev", "accuracy", 0.86), best("dev", "f1", 0.90)}),
      run(10, lora, QStringLiteral("mrpc"), 1, {best("dev", "accuracy", 0.832), best("dev", "f1", 0.89)}),
      run(11, lora, QStringLiteral("mrpc"), 2, {best("dev", "accuracy", 0.85), best("dev", "f1", 0.91)}),
  };
  return s;
}

}  // namespace

class TestExport : public QObject {
  Q_OBJECT

 private slots:
  void pivotNumbers() {
    const PivotTable t = buildPivot(handMade());
    QCOMPARE(t.rowHeaders, QStringList({QStringLiteral("Variant")}));
    QCOMPARE(t.rowLabels.size(), size_t(3));
    QCOMPARE(t.columns.size(), size_t(4));
    QCOMPARE(t.columns[1].header, QStringLiteral("MRPC Acc"));
    QVERIFY(t.columns[3].average);
    QCOMPARE(t.cells[0][0].n, 2);
    QVERIFY(qAbs(t.cells[0][0].mean - 71.0) < 1e-9);
    QVERIFY(qAbs(t.cells[0][0].std - std::sqrt(2.0)) < 1e-9);
    QVERIFY(qAbs(t.cells[0][3].std - std::sqrt(4.5)) < 1e-9);  // per-seed averages 75, 78
    QCOMPARE(t.cells[2][0].n, 1);
    QVERIFY(std::isnan(t.cells[2][0].std));
    QVERIFY(t.cells[2][0].best);
    QCOMPARE(t.rowN, std::vector<int>({2, 2, 2}));
  }

  void markdown() {
    const QString expected = QStringLiteral(
        "| Variant | RTE | MRPC Acc | MRPC F1 | Avg. | n |\n"
        "|---|---:|---:|---:|---:|---:|\n"
        "| Adapter | 71.0 ± 1.4 | 82.0 ± 2.8 | 86.0 ± 1.4 | 76.5 ± 2.1 | 2 |\n"
        "| AdaMix | 75.5 ± 0.7 | **85.5 ± 0.7** | 89.0 ± 1.4 | **80.5 ± 0.7** | 2 |\n"
        "| LoRA (r=8, 50%) | **75.6** (n=1) | 84.1 ± 1.3 | **90.0 ± 1.4** | 79.4 (n=1) | 2 |\n");
    QCOMPARE(pivotToMarkdown(buildPivot(handMade())), expected);
  }

  void latex() {
    const QString expected = QStringLiteral(
        "\\begin{tabular}{lrrrrr}\n"
        "\\toprule\n"
        "Variant & RTE & MRPC Acc & MRPC F1 & Avg. & $n$ \\\\\n"
        "\\midrule\n"
        "Adapter & 71.0$\\pm$1.4 & 82.0$\\pm$2.8 & 86.0$\\pm$1.4 & 76.5$\\pm$2.1 & 2 \\\\\n"
        "AdaMix & 75.5$\\pm$0.7 & \\textbf{85.5$\\pm$0.7} & 89.0$\\pm$1.4 & \\textbf{80.5$\\pm$0.7} & 2 \\\\\n"
        "LoRA (r=8, 50\\%) & \\textbf{75.6} (n=1) & 84.1$\\pm$1.3 & \\textbf{90.0$\\pm$1.4} & 79.4 (n=1) & 2 \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n");
    QCOMPARE(pivotToLatex(buildPivot(handMade())), expected);
    QCOMPARE(
        latexEscape(QStringLiteral("a_b & 5% #1 {x} $y ~ ^ \\")),
        QStringLiteral("a\\_b \\& 5\\% \\#1 \\{x\\} \\$y \\textasciitilde{} \\textasciicircum{} \\textbackslash{}"));
  }

  // Review: labels reached Markdown with only | escaped and LaTeX with | < > " raw: `*x*` rendered
  // as emphasis and `<b>` as HTML, a newline ended the Markdown row, OT1 LaTeX printed | < > " as
  // — ¡ ¿ ”, and a label starting with [ or * became the option of the \\ before it. Every text a
  // table writes (row headers and labels, column headers, legend, notes, the predictions' cells)
  // goes through one escaper per format.
  void specialCharactersPrintLiterally() {
    const QString every = QStringLiteral(R"x(*x* _y_ a_b a__b __init__ `c` <b> </i> <!-- &amp; &#36; R&D | \ )x"
                                         R"x([l](u) ~s~ ^h $m$ "q" -- #1 % {z} p < 1 > 0)x"
                                         "\nB\r\nC\rD");
    const QString md =
        QStringLiteral(R"x(\*x\* \_y\_ a_b a__b \_\_init\_\_ \`c\` \<b> \</i> \<!-- \&amp; \&#36; R\&D \| )x"
                       R"x(\\ \[l\](u) \~s\~ \^h \$m\$ "q" -- #1 % {z} p < 1 > 0 B C D)x");
    const QString tex = QStringLiteral(
        R"x({*}x* \_y\_ a\_b a\_\_b \_\_init\_\_ \`{}c\`{} \textless{}b\textgreater{} \textless{}/i\textgreater{} )x"
        R"x(\textless{}!-{}- \&amp; \&\#36; R\&D \textbar{} \textbackslash{} [l](u) \textasciitilde{}s\textasciitilde{} )x"
        R"x(\textasciicircum{}h \$m\$ \texttt{\char34}q\texttt{\char34} -{}- \#1 \% \{z\} p \textless{} 1 )x"
        R"x(\textgreater{} 0 B C D)x");
    QCOMPARE(markdownEscape(every), md);
    QCOMPARE(latexEscape(every), tex);

    ResultSet rs;
    for (const auto& [id, label, acc] : {std::tuple{1, every, 0.70}, std::tuple{2, QStringLiteral("[B]"), 0.80}}) {
      RunResult r;
      r.runId = id;
      r.task = QStringLiteral("t|*a*");  // an unknown task: its name is the column header
      r.seed = 1;
      r.axes = {{QStringLiteral("ax *1*"), label}};
      r.values = {best("dev", "accuracy", acc)};
      rs.runs.push_back(r);
    }
    PivotTable t = buildPivot(rs);
    t.settings = {"/a/<b>_x"};
    t.compute = {{QStringLiteral("CPU, *fast* <k>"), 1}, {QStringLiteral("CUDA"), 1}};
    PivotMarks marks;
    marks.cells = {{QString()}, {QStringLiteral("†")}};
    marks.legend = QStringLiteral("† p < 0.05 against *x* | y.");
    QCOMPARE(pivotToMarkdown(t, &marks),
             QStringLiteral("| ax \\*1\\* | t\\|\\*a\\* | n |\n"
                            "|---|---:|---:|\n"
                            "| ") +
                 md +
                 QStringLiteral(
                     " | 70.0 | 1 |\n"
                     "| \\[B\\] | **80.0** † | 1 |\n"
                     "\n"
                     "† p < 0.05 against \\*x\\* \\| y.\n"
                     "\n"
                     "*Note:* Runs in this table differ in settings that their axis labels do not show (a/\\<b>\\_x): "
                     "rows keep them apart, means and std never mix them, and bold marks the best among rows that "
                     "differ only in the study's axes.\n"
                     "\n"
                     "*Note:* Runs here were computed differently: CPU, \\*fast\\* \\<k> (1 run); CUDA (1 run). "
                     "Devices and kernel sets round differently in the last bits, which training amplifies "
                     "(docs/performance.md); compare runs computed alike where differences are small.\n"));
    QCOMPARE(pivotToLatex(t, &marks),
             QStringLiteral("\\begin{tabular}{lrr}\n"
                            "\\toprule\n"
                            "ax *1* & t\\textbar{}*a* & $n$ \\\\\n"
                            "\\midrule\n") +
                 tex +
                 QStringLiteral(" & 70.0 & 1 \\\\\n"
                                "{[}B] & \\textbf{80.0}$^{\\dagger}$ & 1 \\\\\n"
                                "\\bottomrule\n"
                                "\\multicolumn{3}{l}{\\footnotesize $^{\\dagger}$ p \\textless{} 0.05 against *x* "
                                "\\textbar{} y.} \\\\\n"
                                "\\multicolumn{3}{l}{\\footnotesize Trained differently beyond the axis labels: "
                                "a/\\textless{}b\\textgreater{}\\_x.} \\\\\n"
                                "\\multicolumn{3}{l}{\\footnotesize Runs computed differently (CPU, *fast* "
                                "\\textless{}k\\textgreater{}: 1; CUDA: 1).} \\\\\n"
                                "\\end{tabular}\n"));

    PredictionTable p;
    p.columns = {every};
    p.rows = {{QStringLiteral("<b>x</b>"),
               {QStringLiteral("*a*"), QStringLiteral("line\nbreak")},
               {QStringLiteral("`code` | _y_")}}};
    QCOMPARE(predictionsToMarkdown(p),
             QStringLiteral("| Input | References | ") + md +
                 QStringLiteral(" |\n|---|---|---|\n"
                                "| \\<b>x\\</b> | \\*a\\*<br>line break | \\`code\\` \\| \\_y\\_ |\n"));
  }

  void csv() {
    const QString expected = QStringLiteral(
        "Variant,RTE mean,RTE std,RTE n,RTE best,MRPC Acc mean,MRPC Acc std,MRPC Acc n,MRPC Acc best,"
        "MRPC F1 mean,MRPC F1 std,MRPC F1 n,MRPC F1 best,Avg. mean,Avg. std,Avg. n,Avg. best\n"
        "Adapter,71.0,1.4,2,0,82.0,2.8,2,0,86.0,1.4,2,0,76.5,2.1,2,0\n"
        "AdaMix,75.5,0.7,2,0,85.5,0.7,2,1,89.0,1.4,2,0,80.5,0.7,2,1\n"
        "\"LoRA (r=8, 50%)\",75.6,,1,1,84.1,1.3,2,0,90.0,1.4,2,1,79.4,,1,0\n");
    QCOMPARE(pivotToCsv(buildPivot(handMade())), expected);
    QCOMPARE(csvField(QStringLiteral("say \"hi\"")), QStringLiteral("\"say \"\"hi\"\"\""));
  }

  // Evaluations (`adamix run eval`) get their own columns beside the run's results and never
  // enter the run's dev column or the average.
  void evaluationsBesideOwnResults() {
    auto eval = [](double v) {
      return ResultValue{QStringLiteral("eval dev (ensemble)"), QStringLiteral("accuracy"), v, kEvalKind};
    };
    ResultSet rs;
    rs.runs = {
        run(1, QStringLiteral("Adapter"), QStringLiteral("rte"), 1, {best("dev", "accuracy", 0.70), eval(0.66)}),
        run(2, QStringLiteral("Adapter"), QStringLiteral("rte"), 2, {best("dev", "accuracy", 0.72), eval(0.68)}),
        run(3, QStringLiteral("AdaMix"), QStringLiteral("rte"), 1, {best("dev", "accuracy", 0.75), eval(0.73)}),
        run(4, QStringLiteral("AdaMix"), QStringLiteral("rte"), 2, {best("dev", "accuracy", 0.76)}),
        run(5, QStringLiteral("Adapter"), QStringLiteral("mrpc"), 1, {best("dev", "accuracy", 0.80)}),
        run(6, QStringLiteral("Adapter"), QStringLiteral("mrpc"), 2, {best("dev", "accuracy", 0.84)}),
        run(7, QStringLiteral("AdaMix"), QStringLiteral("mrpc"), 1, {best("dev", "accuracy", 0.85)}),
        run(8, QStringLiteral("AdaMix"), QStringLiteral("mrpc"), 2, {best("dev", "accuracy", 0.86)}),
    };
    const PivotTable t = buildPivot(rs);
    QCOMPARE(pivotToMarkdown(t),
             QStringLiteral("| Variant | RTE | RTE eval dev (ensemble) | MRPC | Avg. | n |\n"
                            "|---|---:|---:|---:|---:|---:|\n"
                            "| Adapter | 71.0 ± 1.4 | 67.0 ± 1.4 | 82.0 ± 2.8 | 76.5 ± 2.1 | 2 |\n"
                            "| AdaMix | **75.5 ± 0.7** | **73.0** (n=1) | **85.5 ± 0.7** | **80.5 ± 0.7** | 2 |\n"));
    QVERIFY(t.columns[1].evaluation);
    QVERIFY(!t.columns[0].evaluation && !t.columns[2].evaluation);
    QCOMPARE(t.rowRuns.size(), size_t(2));
    QCOMPARE(t.rowRuns[0], std::vector<qint64>({1, 2, 5, 6}));
    QCOMPARE(t.rowRuns[1], std::vector<qint64>({3, 4, 7, 8}));
    PivotOptions po;
    po.evaluations = false;
    QCOMPARE(buildPivot(rs, po).columns.size(), size_t(3));  // RTE, MRPC, Avg.
    po = {};
    po.primaryOnly = true;
    QCOMPARE(buildPivot(rs, po).columns[1].header, QStringLiteral("RTE eval dev (ensemble)"));
    // the "final" kind has no own values here: only the evaluation column remains, and no average
    po = {};
    po.kind = QStringLiteral("final");
    const PivotTable fin = buildPivot(rs, po);
    QCOMPARE(fin.columns.size(), size_t(1));
    QCOMPARE(fin.columns[0].header, QStringLiteral("RTE eval dev (ensemble)"));
    // with "final" values for MRPC only, RTE's evaluation column must not stand in for RTE's own
    // primary metric: no average over one task
    ResultSet withFinal = rs;
    for (RunResult& r : withFinal.runs)
      if (r.task == QStringLiteral("mrpc"))
        r.values.push_back({QStringLiteral("dev"), QStringLiteral("accuracy"), 0.5, QStringLiteral("final")});
    QStringList headers;
    for (const PivotColumn& c : buildPivot(withFinal, po).columns) headers << c.header;
    QCOMPARE(headers, QStringList({"RTE eval dev (ensemble)", "MRPC"}));
  }

  /// The generation table of a study's runs: a run whose dev.jsonl is gone keeps an empty column
  /// and is named (it vanished without a word); a classification run, whose predictions artifact
  /// has no dev.jsonl beside, is no column of it (a first version of that fix made it one).
  void generationTableOfTheStoresRuns() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath(QStringLiteral("gen.sqlite")));
    const qint64 sid = store.upsertStudy(QStringLiteral("gen"), QStringLiteral("gen.json"), json::object());
    auto add = [&](const QString& key, const char* task, const char* variant) {
      NewRun nr;
      nr.studyId = sid;
      nr.runKey = key;
      nr.task = QString::fromLatin1(task);
      nr.variant = QString::fromLatin1(variant);
      nr.status = RunState::Finished;
      nr.runDir = dir.filePath(key);
      nr.config = {{"model", {{"path", "/m"}}}, {"task", {{"name", task}, {"data_dir", "/d"}}}};
      const qint64 id = store.addRun(nr);
      QDir().mkpath(nr.runDir + "/predictions");
      store.addArtifact(id, QStringLiteral("predictions"), nr.runDir + "/predictions/dev.tsv");
      return nr.runDir;
    };
    const QString lora = add("lora", "e2e", "LoRA"), gone = add("adamix", "e2e", "AdaMix-LoRA");
    add("cls", "sst2", "Adapter");
    QFile f(lora + "/predictions/dev.jsonl");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"index\":0,\"input\":\"name : A\",\"prediction\":\"A.\",\"references\":[\"A.\"]}\n");
    f.close();
    const PredictionTable t = predictionsFromStore(store, sid);
    QCOMPARE(t.columns, QStringList({"LoRA", "AdaMix-LoRA"}));
    QCOMPARE(t.rows.size(), size_t(1));
    QCOMPARE(t.rows[0].outputs, (std::vector<QString>{"A.", ""}));
    QCOMPARE(t.problems, QStringList{gone + "/predictions/dev.jsonl: cannot be read (No such file or directory)"});
  }

  void evaluationsFromStore() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath(QStringLiteral("ev.sqlite")));
    NewRun nr;
    nr.runKey = QStringLiteral("k1");
    nr.task = QStringLiteral("rte");
    nr.variant = QStringLiteral("AdaMix");
    nr.status = RunState::Finished;
    const qint64 id = store.addRun(nr);
    store.setResults(id, {best("dev", "accuracy", 0.70)});
    Evaluation e;
    e.runId = id;
    e.split = QStringLiteral("dev");
    e.inference = QStringLiteral("merged");
    e.metrics = {{QStringLiteral("accuracy"), 0.61}};
    e.outDir = dir.path();
    store.addEvaluation(e);
    e.metrics = {{QStringLiteral("accuracy"), 0.62}};  // the same evaluation again: the latest counts
    store.addEvaluation(e);
    e.split.clear();
    e.dataFile = QStringLiteral("/d/hard.tsv");
    e.metrics = {{QStringLiteral("accuracy"), 0.5}};
    store.addEvaluation(e);
    e.dataFile.clear();
    e.split = QStringLiteral("test");  // no labels: no values
    e.metrics.clear();
    store.addEvaluation(e);
    const ResultSet rs = resultSetFromStore(store, std::nullopt);
    QCOMPARE(rs.runs.size(), size_t(1));
    std::vector<QString> got;
    for (const ResultValue& v : rs.runs[0].values)
      got.push_back(QStringLiteral("%1|%2|%3|%4").arg(v.kind, v.split, v.name).arg(v.value));
    QCOMPARE(got, std::vector<QString>({QStringLiteral("best|dev|accuracy|0.7"),
                                        QStringLiteral("eval|eval dev (merged)|accuracy|0.62"),
                                        QStringLiteral("eval|eval hard.tsv (merged)|accuracy|0.5")}));
  }

  void optionsAndShapes() {
    // Primary only, final results: one column per task; 'final' RTE of Adapter seed 1 is 0.10.
    PivotOptions o;
    o.primaryOnly = true;
    o.kind = QStringLiteral("final");
    const PivotTable f = buildPivot(handMade(), o);
    QCOMPARE(f.columns.size(), size_t(1));  // only rte has a final result; one task → no Avg.
    QCOMPARE(f.columns[0].header, QStringLiteral("RTE"));
    QCOMPARE(f.cells[0][0].n, 1);
    QVERIFY(qAbs(f.cells[0][0].mean - 10.0) < 1e-9);
    QVERIFY(!f.cells[0][0].best);  // a column with a single value has no best

    // Two varying axes → two label columns; MNLI headers; STS-B pearson primary; missing cells.
    ResultSet s;
    auto mk = [](qint64 id, const char* m, const char* share, const char* task, std::vector<ResultValue> v) {
      RunResult r;
      r.runId = id;
      r.task = QString::fromLatin1(task);
      r.seed = 1;
      r.axes = {{QStringLiteral("/peft/adamix/num_modules"), QString::fromLatin1(m)},
                {QStringLiteral("/peft/adamix/sharing"), QString::fromLatin1(share)}};
      r.values = std::move(v);
      return r;
    };
    s.runs = {
        mk(1, "M=1", "up", "mnli", {best("dev_matched", "accuracy", 0.5), best("dev_mismatched", "accuracy", 0.25)}),
        mk(2, "M=4", "down", "stsb", {best("dev", "spearmanr", 0.125), best("dev", "pearson", 0.375)}),
        mk(3, "M=4", "down", "stsb", {best("dev", "pearson", 0.625)})};  // same seed, later run wins
    const PivotTable t = buildPivot(s);
    const QString expected = QStringLiteral(
        "| num_modules | sharing | MNLI-m | MNLI-mm | STS-B | Avg. | n |\n"
        "|---|---|---:|---:|---:|---:|---:|\n"
        "| M=1 | up | 50.0 | 25.0 | — | — | 1 |\n"
        "| M=4 | down | — | — | 62.5 | — | 1 |\n");  // run 3 replaced run 2: no spearman column
    QCOMPARE(pivotToMarkdown(t), expected);
    QCOMPARE(primaryMetricFor(QStringLiteral("cola")).name, QStringLiteral("matthews_correlation"));  // the engine's name
    QCOMPARE(taskDisplayName(QStringLiteral("sst2")), QStringLiteral("SST-2"));
    // NLG metrics: BLEU/METEOR/ROUGE-L/TER are fractions shown ×100, NIST and CIDEr raw.
    QCOMPARE(metricScale(QStringLiteral("bleu")), 100.0);
    QCOMPARE(metricScale(QStringLiteral("nist")), 1.0);
    QCOMPARE(metricScale(QStringLiteral("cider")), 1.0);
  }

  // Issue 17: an own task's display name and primary metric come from its run config; CoLA ranks
  // by the engine's matthews_correlation (the app once looked for "matthews_corr", a name the
  // engine never writes, so a CoLA column had no primary value).
  void ownTasksAndBuiltinsRankByTheEnginesPrimaryMetric() {
    rememberTaskConfig(json::parse(R"json({"model": {"path": "/m"}, "task": {"name": "reviews", "data_dir": "/d",
      "display_name": "Reviews (CSV)", "train_file": "t.csv", "dev_file": "v.csv", "metric": "macro_f1"}})json"));
    rememberTaskConfig(json::parse(R"({"task": {"name": "broken", "data_dir": "/d"}})"));  // ignored: no files
    QCOMPARE(taskDisplayName(QStringLiteral("reviews")), QStringLiteral("Reviews (CSV)"));
    QCOMPARE(primaryMetricFor(QStringLiteral("reviews")).name, QStringLiteral("macro_f1"));
    QCOMPARE(taskDisplayName(QStringLiteral("broken")), QStringLiteral("broken"));
    QCOMPARE(primaryMetricFor(QStringLiteral("broken")).name, QStringLiteral("accuracy"));
    QCOMPARE(primaryMetricFor(QStringLiteral("mnli")).split, QStringLiteral("dev_matched"));

    ResultSet s;
    auto mk = [](qint64 id, const char* task, std::vector<ResultValue> v) {
      RunResult r;
      r.runId = id;
      r.task = QString::fromLatin1(task);
      r.seed = 1;
      r.axes = {{QStringLiteral("variant"), QStringLiteral("AdaMix")}};
      r.values = std::move(v);
      return r;
    };
    s.runs = {mk(1, "reviews", {best("dev", "accuracy", 0.80), best("dev", "macro_f1", 0.75)}),
              mk(2, "cola", {best("dev", "matthews_correlation", 0.5)})};
    PivotOptions o;
    o.primaryOnly = true;
    const PivotTable t = buildPivot(s, o);
    // Avg. = (75.0 + 50.0) / 2 over the primary metrics
    QCOMPARE(pivotToMarkdown(t), QStringLiteral("| Variant | Reviews (CSV) | CoLA | Avg. | n |\n"
                                                "|---|---:|---:|---:|---:|\n"
                                                "| base | 75.0 | 50.0 | 62.5 | 1 |\n"));  // one variant: no axis column
  }

  void predictionsSideBySide() {
    // Two runs' dev.jsonl joined on the input (second file in another order, one input missing).
    QTemporaryDir dir;
    auto write = [&](const QString& name, const QByteArray& text) {
      QFile f(dir.filePath(name));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(text);
    };
    write(QStringLiteral("a.jsonl"),
          "{\"index\":0,\"input\":\"name : A\",\"prediction\":\"A is good.\",\"references\":[\"A.\",\"It is A.\"]}\n"
          "{\"index\":1,\"input\":\"name : B | food : x\",\"prediction\":\"B|x\",\"references\":[\"B.\"]}\n");
    write(QStringLiteral("b.jsonl"),
          "{\"index\":0,\"input\":\"name : B | food : x\",\"prediction\":\"B serves x.\",\"references\":[\"B.\"]}\n"
          "not json\n");
    const auto t = loadPredictionTable({{QStringLiteral("LoRA"), dir.filePath(QStringLiteral("a.jsonl"))},
                                        {QStringLiteral("AdaMix-LoRA"), dir.filePath(QStringLiteral("b.jsonl"))}});
    QCOMPARE(t.rows.size(), size_t(2));
    QCOMPARE(t.rows[1].outputs[1], QStringLiteral("B serves x."));
    QCOMPARE(t.rows[0].outputs[1], QString());
    QCOMPARE(predictionsToMarkdown(t), QStringLiteral("| Input | References | LoRA | AdaMix-LoRA |\n|---|---|---|---|\n"
                                                      "| name : A | A.<br>It is A. | A is good. |  |\n"
                                                      "| name : B \\| food : x | B. | B\\|x | B serves x. |\n"));
    QCOMPARE(loadPredictionTable({{QStringLiteral("LoRA"), dir.filePath(QStringLiteral("a.jsonl"))}}, 1).rows.size(),
             size_t(1));

    // the skipped line is named (it was skipped without a word)
    QCOMPARE(t.problems.size(), 1);
    QVERIFY2(t.problems[0].startsWith(dir.filePath("b.jsonl") + ":2: not a prediction line (input, references, "
                                                                "prediction): \"[json.exception.parse_error.101]"),
             qPrintable(t.problems[0]));
    // a file that is gone, a folder and a FIFO (which would block the read): empty columns, named
    QVERIFY(QDir(dir.path()).mkdir("folder.jsonl"));
    QCOMPARE(::mkfifo(QFile::encodeName(dir.filePath("fifo.jsonl")).constData(), 0600), 0);
    const auto odd = loadPredictionTable({{"A", dir.filePath("a.jsonl")},
                                          {"gone", dir.filePath("gone.jsonl")},
                                          {"folder", dir.filePath("folder.jsonl")},
                                          {"fifo", dir.filePath("fifo.jsonl")}});
    QCOMPARE(odd.rows.size(), size_t(2));
    QCOMPARE(odd.rows[0].outputs, (std::vector<QString>{"A is good.", "", "", ""}));
    QCOMPARE(odd.problems, QStringList({dir.filePath("gone.jsonl") + ": cannot be read (No such file or directory)",
                                        dir.filePath("folder.jsonl") + ": not a regular file",
                                        dir.filePath("fifo.jsonl") + ": not a regular file"}));
  }

  void nlgColumns() {
    // E2E: BLEU (primary) then NIST, METEOR, ROUGE-L, CIDEr in the papers' order; WebNLG: BLEU,
    // TER with the lower TER marked best; Avg. = mean of the tasks' BLEU per seed:
    // LoRA (50 + 40)/2 = 45.0, AdaMix-LoRA (55 + 42)/2 = 48.5.
    auto mk = [](qint64 id, const char* variant, const char* task, std::vector<ResultValue> v) {
      RunResult r;
      r.runId = id;
      r.task = QString::fromLatin1(task);
      r.seed = 1;
      r.axes = {{QStringLiteral("variant"), QString::fromLatin1(variant)}};
      r.values = std::move(v);
      return r;
    };
    ResultSet s;
    s.runs = {mk(1, "LoRA", "e2e",
                 {best("dev", "cider", 1.2), best("dev", "bleu", 0.5), best("dev", "nist", 4.3),
                  best("dev", "meteor", 0.3), best("dev", "rouge_l", 0.45)}),
              mk(2, "AdaMix-LoRA", "e2e",
                 {best("dev", "bleu", 0.55), best("dev", "nist", 4.0), best("dev", "meteor", 0.325),
                  best("dev", "rouge_l", 0.5), best("dev", "cider", 1.5)}),
              mk(3, "LoRA", "webnlg", {best("dev", "bleu", 0.4), best("dev", "ter", 0.6)}),
              mk(4, "AdaMix-LoRA", "webnlg", {best("dev", "bleu", 0.42), best("dev", "ter", 0.55)})};
    const QString expected = QStringLiteral(
        "| Variant | E2E BLEU | E2E NIST | E2E METEOR | E2E ROUGE-L | E2E CIDEr | WebNLG BLEU | WebNLG TER | Avg. | n "
        "|\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        "| LoRA | 50.0 | **4.3** | 30.0 | 45.0 | 1.2 | 40.0 | 60.0 | 45.0 | 1 |\n"
        "| AdaMix-LoRA | **55.0** | 4.0 | **32.5** | **50.0** | **1.5** | **42.0** | **55.0** | **48.5** | 1 |\n");
    QCOMPARE(pivotToMarkdown(buildPivot(s)), expected);
    QCOMPARE(primaryMetricFor(QStringLiteral("e2e")).name, QStringLiteral("bleu"));
  }

  // Issue 18: a study launched with M = 1, 2 (1 epoch, 200 examples), edited to M = 4, 8 (3 epochs,
  // 2,000 examples) and launched again. The settings that differ outside the axes become row
  // columns, "best" is marked among rows trained alike, and every export says so.
  void editedStudyKeepsUnlikeRunsApart() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath(QStringLiteral("u.sqlite")));
    using Finished = std::map<std::pair<int, int>, double>;  // (M, seed) → dev accuracy
    auto launch = [&](const char* text, const Finished& finished) {
      const json doc = json::parse(text);
      const Study study = parseStudy(doc);
      const qint64 sid = store.upsertStudy(study.name, QStringLiteral("u.json"), doc);
      for (const ExpandedRun& r : expandStudy(study)) {
        const qint64 id = store.addRun(newRunFor(r, sid, QString()));
        const int m = r.config.at("peft").at("adamix").at("num_modules").get<int>();
        if (auto f = finished.find({m, r.seed}); f != finished.end()) {
          store.setResults(id, {best("dev", "accuracy", f->second)});
          store.setRunStatus(id, RunState::Finished);
        }
      }
      return sid;
    };
    // seed 1 / seed 2 accuracies: M=1 0.60 / 0.62, M=2 0.64 / 0.66, M=8 0.70 / 0.74 (M=4 unfinished)
    launch(R"({"name": "u", "base": {"model": {"path": "m"}, "train": {"epochs": 1}},
               "tasks": [{"name": "rte", "data_dir": "d", "max_train_examples": 200}], "seeds": [1, 2],
               "axes": [{"path": "/peft/adamix/num_modules", "values": [1, 2]}]})",
           {{{1, 1}, 0.60}, {{1, 2}, 0.62}, {{2, 1}, 0.64}, {{2, 2}, 0.66}});
    const qint64 sid = launch(R"({"name": "u", "base": {"model": {"path": "m"}, "train": {"epochs": 3}},
               "tasks": [{"name": "rte", "data_dir": "d", "max_train_examples": 2000}], "seeds": [1, 2],
               "axes": [{"path": "/peft/adamix/num_modules", "values": [4, 8]}]})",
                              {{{8, 1}, 0.70}, {{8, 2}, 0.74}});
    const PivotTable t = buildPivot(resultSetFromStore(store, sid));
    QCOMPARE(t.settings, std::vector<std::string>({"/task/max_train_examples", "/train/epochs"}));
    const QString note = QStringLiteral(
        "Runs in this table differ in settings that their axis labels do not show "
        "(task/max_train_examples, train/epochs): rows keep them apart, means and std never mix them, "
        "and bold marks the best among rows that differ only in the study's axes.");
    QCOMPARE(settingsNote(t), note);
    QCOMPARE(pivotToMarkdown(t), QStringLiteral("| num_modules | task/max_train_examples | train/epochs | RTE | n |\n"
                                                "|---|---|---|---:|---:|\n"
                                                "| num_modules=1 | 200 | 1 | 61.0 ± 1.4 | 2 |\n"
                                                "| num_modules=2 | 200 | 1 | **65.0 ± 1.4** | 2 |\n"
                                                "| num_modules=8 | 2000 | 3 | 72.0 ± 2.8 | 2 |\n"
                                                "\n*Note:* ") +
                                     note + u'\n');
    QCOMPARE(pivotToCsv(t).section(u'\n', 0, 0),
             QStringLiteral("num_modules,task/max_train_examples,train/epochs,RTE mean,RTE std,RTE n,RTE best"));
    QVERIFY(pivotToLatex(t).contains(QStringLiteral(
        "\\multicolumn{5}{l}{\\footnotesize Trained differently beyond the axis labels: "
        "task/max\\_train\\_examples, train/epochs.} \\\\\n\\end{tabular}\n")));
  }

  // Runs of one table trained on two node types (a cluster's Intel and AMD nodes pick different
  // OpenBLAS kernels) or with the opt-in fused kernels: every export says so; alike runs say nothing.
  void runsComputedDifferentlyAreNoted() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath(QStringLiteral("k.sqlite")));
    const json doc = json::parse(R"({"name": "k", "base": {"model": {"path": "m"}},
        "tasks": [{"name": "rte", "data_dir": "d"}], "seeds": [1, 2],
        "axes": [{"name": "variant", "values": [
          {"label": "Adapter", "set": {"/peft/adamix/num_modules": 1}},
          {"label": "AdaMix", "set": {"/peft/adamix/num_modules": 4}}]}]})");
    const Study study = parseStudy(doc);
    const qint64 sid = store.upsertStudy(study.name, QStringLiteral("k.json"), doc);
    const json haswell = json::parse(R"({"device":"cpu","blas_core":"Haswell","fused_cpu_kernels":false})");
    const json skylakex = json::parse(R"({"device":"cpu","blas_core":"SkylakeX","fused_cpu_kernels":true})");
    std::vector<qint64> ids;
    for (const ExpandedRun& r : expandStudy(study)) {
      const qint64 id = store.addRun(newRunFor(r, sid, QString()));
      store.setResults(id, {best("dev", "accuracy", 0.6 + 0.01 * double(ids.size()))});
      store.setRunStatus(id, RunState::Finished);
      store.setRunCompute(id, ids.size() < 3 ? haswell : skylakex);
      ids.push_back(id);
    }
    QCOMPARE(ids.size(), size_t(4));
    PivotTable t = buildPivot(resultSetFromStore(store, sid));
    QCOMPARE(t.compute, (std::vector<std::pair<QString, int>>{{QStringLiteral("CPU, OpenBLAS Haswell"), 3},
                                                               {QStringLiteral("CPU, OpenBLAS SkylakeX, fused CPU kernels"), 1}}));
    const QString note = QStringLiteral(
        "Runs here were computed differently: CPU, OpenBLAS Haswell (3 runs); CPU, OpenBLAS SkylakeX, "
        "fused CPU kernels (1 run). Devices and kernel sets round differently in the last bits, which training "
        "amplifies (docs/performance.md); compare runs computed alike where differences are small.");
    QCOMPARE(computeNote(t), note);
    QVERIFY2(pivotToMarkdown(t).endsWith(QStringLiteral("\n*Note:* ") + note + u'\n'), qPrintable(pivotToMarkdown(t)));
    QVERIFY2(pivotToLatex(t).endsWith(QStringLiteral(
                 "\\multicolumn{3}{l}{\\footnotesize Runs computed differently (CPU, OpenBLAS Haswell: 3; "
                 "CPU, OpenBLAS SkylakeX, fused CPU kernels: 1).} \\\\\n\\end{tabular}\n")),
             qPrintable(pivotToLatex(t)));
    QCOMPARE(settingsNote(t), QString());  // the same settings: one row per variant, as before
    QCOMPARE(t.rowLabels.size(), size_t(2));
    // All computed alike, or the odd one unknown (stored before schema v8): no note.
    store.setRunCompute(ids[3], haswell);
    t = buildPivot(resultSetFromStore(store, sid));
    QCOMPARE(t.compute, (std::vector<std::pair<QString, int>>{{QStringLiteral("CPU, OpenBLAS Haswell"), 4}}));
    QCOMPARE(computeNote(t), QString());
    QVERIFY(!pivotToMarkdown(t).contains(QStringLiteral("*Note:*")));
    QVERIFY(!pivotToLatex(t).contains(QStringLiteral("computed differently")));
    // The odd one computed unknown (an engine before protocol 1.3, or stored before schema v8): left
    // out of the count, no note.
    store.setRunCompute(ids[3], json::parse(R"({"device":"cpu"})"));
    t = buildPivot(resultSetFromStore(store, sid));
    QCOMPARE(t.compute, (std::vector<std::pair<QString, int>>{{QStringLiteral("CPU, OpenBLAS Haswell"), 3}}));
    QCOMPARE(computeNote(t), QString());
    store.setRunCompute(ids[3], skylakex);
    QCOMPARE(buildPivot(resultSetFromStore(store, sid)).compute.size(), size_t(2));
    store.clearRunData(ids[3]);  // a rerun: compute forgotten (and its result): no longer counted
    QVERIFY(store.run(ids[3])->compute.is_null());
    t = buildPivot(resultSetFromStore(store, sid));
    QCOMPARE(t.compute, (std::vector<std::pair<QString, int>>{{QStringLiteral("CPU, OpenBLAS Haswell"), 3}}));
  }

  // One label, two definitions: "AdaMix" meant M = 4 at the first launch and M = 8 at the second
  // (other seeds). Before issue 18 the row averaged both (n = 2); now they are two rows.
  void oneLabelTwoDefinitionsAreTwoRows() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath(QStringLiteral("l.sqlite")));
    auto launch = [&](int adamixModules, int seed, double adamixAcc, double adapterAcc) {
      const json doc = json::parse(QStringLiteral(R"({"name": "l", "base": {"model": {"path": "m"}},
          "tasks": [{"name": "rte", "data_dir": "d"}], "seeds": [%1],
          "axes": [{"name": "variant", "values": [
            {"label": "Adapter", "set": {"/peft/adamix/num_modules": 1}},
            {"label": "AdaMix", "set": {"/peft/adamix/num_modules": %2}}]}]})")
                                       .arg(seed)
                                       .arg(adamixModules)
                                       .toStdString());
      const Study study = parseStudy(doc);
      const qint64 sid = store.upsertStudy(study.name, QStringLiteral("l.json"), doc);
      for (const ExpandedRun& r : expandStudy(study)) {
        const qint64 id = store.addRun(newRunFor(r, sid, QString()));
        store.setResults(id, {best("dev", "accuracy", r.variant == QLatin1String("AdaMix") ? adamixAcc : adapterAcc)});
        store.setRunStatus(id, RunState::Finished);
      }
      return sid;
    };
    launch(4, 1, 0.70, 0.60);
    const qint64 sid = launch(8, 2, 0.80, 0.62);
    const PivotTable t = buildPivot(resultSetFromStore(store, sid));
    QCOMPARE(t.settings, std::vector<std::string>({"/peft/adamix/num_modules"}));
    QCOMPARE(pivotToMarkdown(t).section(u'\n', 0, 5),
             QStringLiteral("| Variant | peft/adamix/num_modules | RTE | n |\n"
                            "|---|---|---:|---:|\n"
                            "| Adapter | 1 | 61.0 ± 1.4 | 2 |\n"
                            "| AdaMix | 4 | 70.0 | 1 |\n"
                            "| AdaMix | 8 | **80.0** | 1 |\n"));
    // M is set by the variant axis: the three rows compete, so AdaMix (M = 8) is bold.
    QVERIFY(!t.cells[0][0].best && !t.cells[1][0].best && t.cells[2][0].best);
  }

  void trainingSetupIgnoresSeedRunIdAndTheAssetCacheLocation() {  // also another machine's cache (imports)
    const json a = trainingSetup(json::parse(R"({"seed": 1, "run_id": "a", "model": {"path": "/c1/models/x"},
                                                  "peft": {"lora": {"targets": ["q_proj"]}}})"),
                                 QStringLiteral("/c1"));
    const json b = trainingSetup(json::parse(R"({"seed": 2, "run_id": "b", "model": {"path": "/c2/models/x"},
                                                  "peft": {"lora": {"targets": ["q_proj"]}}})"),
                                 QStringLiteral("/c2/"));
    QCOMPARE(a, b);
    QCOMPARE(a.at("/model/path").get<std::string>(), std::string("asset:models/x"));
    QVERIFY(!a.contains("/seed") && !a.contains("/run_id"));
    // logging, checkpoints, threads, device and the eval batch size do not change what is trained
    for (const char* p : {"/train/log_every_steps", "/train/checkpoint_every_steps", "/train/threads", "/train/device",
                          "/train/eval_batch_size"})
      QVERIFY2(!a.contains(p), p);
    QVERIFY(a.contains("/train/eval_every_steps"));  // it picks the kept (best) weights: it does
    QCOMPARE(settingText(a, "/peft/lora/targets"), QStringLiteral("[\"q_proj\"]"));  // arrays are one leaf
    QCOMPARE(settingText(a, "/train/epochs"), QString::number(runConfigDefaults().at("train").at("epochs").get<int>()));
    QCOMPARE(settingText(json(), "/train/epochs"), QStringLiteral("—"));
    // a run imported from another machine: its cache elsewhere, recognised by the asset's name
    const QStringList names{QStringLiteral("models/x"), QStringLiteral("glue/RTE")};
    const json c = trainingSetup(json::parse(R"({"model": {"path": "/home/them/.cache/adamix/models/x"},
                                                  "task": {"data_dir": "/scratch/a/glue/RTE/"},
                                                  "peft": {"lora": {"targets": ["q_proj"]}}})"),
                                 QStringLiteral("/c1"), names);
    QCOMPARE(c.at("/model/path").get<std::string>(), std::string("asset:models/x"));
    QCOMPARE(c.at("/task/data_dir").get<std::string>(), std::string("asset:glue/RTE"));
    QCOMPARE(trainingSetup(json::parse(R"({"model": {"path": "/home/them/.cache/adamix/models/x"}})"), QStringLiteral("/c1"),
                           names)
                 .at("/model/path"),
             a.at("/model/path"));
    // a path that is no asset's stays as written
    QCOMPARE(trainingSetup(json::parse(R"({"model": {"path": "/data/my-model"}})"), QStringLiteral("/c1"), names)
                 .at("/model/path")
                 .get<std::string>(),
             std::string("/data/my-model"));
    QVERIFY(trainingSetup(json::array()).is_null());
    QVERIFY(trainingSetup(json::object()).is_null());  // a run stored without its config: unknown
  }

  void fromStoreAndCurves() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath(QStringLiteral("e.sqlite")));
    const json doc = json::parse(R"({
      "name": "e", "base": {"model": {"path": "m"}}, "tasks": [{"name": "rte", "data_dir": "d"}], "seeds": [1, 2],
      "axes": [{"path": "/peft/adapter/bottleneck", "values": [8, 16], "labels": ["small", "big"]}]})");
    const Study study = parseStudy(doc);
    const qint64 sid = store.upsertStudy(study.name, QStringLiteral("e.json"), doc);
    const double acc[] = {0.60, 0.62, 0.70, 0.74};  // small: 61.0 ± 1.4, big: 72.0 ± 2.8
    int i = 0;
    for (const ExpandedRun& r : expandStudy(study)) {
      const qint64 id = store.addRun(newRunFor(r, sid, QString()));
      store.setResults(id, {best("dev", "accuracy", acc[i])});
      store.appendMetricPoints({{id, 10, 0.5, QStringLiteral("dev"), QStringLiteral("accuracy"), acc[i], 1.0},
                                {id, 5, 0.25, QStringLiteral("train"), QStringLiteral("loss"), 0.693147181, 1.0}});
      store.setRunStatus(id, i == 3 ? RunState::Failed : RunState::Finished);  // the failed run is left out
      ++i;
    }
    const ResultSet rs = resultSetFromStore(store, sid);
    QCOMPARE(rs.runs.size(), size_t(3));
    QCOMPARE(rs.runs[2].axes.at(0).second, QStringLiteral("big"));
    QCOMPARE(pivotToMarkdown(buildPivot(rs)), QStringLiteral("| bottleneck | RTE | n |\n"
                                                             "|---|---:|---:|\n"
                                                             "| small | 61.0 ± 1.4 | 2 |\n"
                                                             "| big | **70.0** | 1 |\n"));

    const CurveSet curves = curvesFromStore(store, sid, {}, QStringLiteral("loss"));
    QCOMPARE(curves.points.size(), size_t(4));
    const auto runs = expandStudy(study);
    const QString csv = curvesToCsv(curvesFromStore(store, sid, QStringLiteral("dev")));
    QString expected = QStringLiteral("run,variant,task,seed,status,step,epoch,split,name,value\n");
    for (int k = 0; k < 4; ++k)  // the failed run's points too, said failed
      expected += QStringLiteral("%1,%2,rte,%3,%4,10,0.5,dev,accuracy,%5\n")
                      .arg(runs[k].runId, runs[k].variant)
                      .arg(runs[k].seed)
                      .arg(k == 3 ? QStringLiteral("failed") : QStringLiteral("finished"))
                      .arg(QString::number(acc[k], 'g', 8));
    QCOMPARE(csv, expected);
    QVERIFY(curvesToCsv(curves).contains(QStringLiteral(",5,0.25,train,loss,0.69314718\n")));

    // streamed (issue 19, item 6): the known text above, and byte for byte what the previous
    // implementation (every point of every run in memory, filtered after reading) wrote, with
    // the run's status
    QBuffer streamed;
    streamed.open(QIODevice::WriteOnly);
    QCOMPARE(writeCurvesCsv(store, sid, QStringLiteral("dev"), {}, streamed), qint64(4));
    QCOMPARE(QString::fromUtf8(streamed.data()), expected);
    auto previous = [&](std::optional<qint64> study, const QString& split, const QString& name) {
      CurveSet set;
      RunFilter filter;
      filter.studyId = study;
      for (const RunRecord& r : store.listRuns(filter))
        for (const MetricPoint& p : store.metricPoints(r.id)) {
          if ((!split.isEmpty() && p.split != split) || (!name.isEmpty() && p.name != name)) continue;
          set.points.push_back({QString::fromStdString(r.config.value("run_id", std::to_string(r.id))), r.variant,
                                r.task, r.seed, runStateName(r.status), p.step, p.epoch, p.split, p.name, p.value});
        }
      return curvesToCsv(set).toUtf8();
    };
    store.appendMetricPoints({{1, 1, 0.125, QStringLiteral("train"), QStringLiteral("loss"), 1.0 / 3, 0.5},
                              {1, 7, 0.3, QStringLiteral("dev"), QStringLiteral("f1"), 2e-9, 0.6}});
    const std::vector<std::pair<QString, QString>> filters = {
        {{}, {}}, {QStringLiteral("dev"), {}}, {{}, QStringLiteral("loss")}, {QStringLiteral("train"), QStringLiteral("loss")},
        {QStringLiteral("none"), {}}};
    for (const std::optional<qint64> study : {std::optional<qint64>(sid), std::optional<qint64>()})
      for (const auto& [split, name] : filters) {
        QBuffer out;
        out.open(QIODevice::WriteOnly);
        writeCurvesCsv(store, study, split, name, out);
        QCOMPARE(out.data(), previous(study, split, name));
      }
  }

  // Review: the curves CSV held finished, failed, lost and running runs alike, with no way to tell
  // them apart. Each line says its run's state as the store names it.
  void curvesSayEachRunsState() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath(QStringLiteral("s.sqlite")));
    int n = 0;
    for (const RunState state : {RunState::Finished, RunState::Failed, RunState::Lost, RunState::Running}) {
      NewRun nr;
      nr.runKey = QStringLiteral("k%1").arg(++n);
      nr.task = QStringLiteral("rte");
      nr.variant = QStringLiteral("AdaMix");
      nr.seed = n;
      nr.status = RunState::Running;
      const qint64 id = store.addRun(nr);
      store.appendMetricPoints({{id, 5, 0.25, QStringLiteral("train"), QStringLiteral("loss"), 0.5 + n, 1.0}});
      if (state != RunState::Running) store.setRunStatus(id, state);
    }
    const QString expected = QStringLiteral(
        "run,variant,task,seed,status,step,epoch,split,name,value\n"
        "1,AdaMix,rte,1,finished,5,0.25,train,loss,1.5\n"
        "2,AdaMix,rte,2,failed,5,0.25,train,loss,2.5\n"
        "3,AdaMix,rte,3,lost,5,0.25,train,loss,3.5\n"
        "4,AdaMix,rte,4,running,5,0.25,train,loss,4.5\n");
    QBuffer streamed;
    streamed.open(QIODevice::WriteOnly);
    QCOMPARE(writeCurvesCsv(store, std::nullopt, {}, {}, streamed), qint64(4));
    QCOMPARE(QString::fromUtf8(streamed.data()), expected);
    QCOMPARE(curvesToCsv(curvesFromStore(store, std::nullopt)), expected);
  }
};

QTEST_GUILESS_MAIN(TestExport)
#include "test_export.moc"
