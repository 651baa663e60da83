// Typed engine events: decoding each kind, the resume replay rule, the progress fold.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/engine_events.h"
#include "exec/event_replay.h"
#include "exec/event_parser.h"
#include "exec/line_excerpt.h"
#include "exec/run_progress.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

#include <sys/stat.h>

using namespace adamix::app;
using nlohmann::json;

namespace {

EngineEvent decode(const char* text) { return decodeEvent(json::parse(text)); }

QString decodeError(const char* text) {
  QString error;
  const auto e = tryDecodeEvent(json::parse(text), &error);
  return e ? QStringLiteral("<decoded>") : error;
}

std::vector<qint64> steps(const std::vector<MetricPoint>& points) {
  std::vector<qint64> out;
  for (const MetricPoint& p : points) out.push_back(p.step);
  return out;
}

}  // namespace

class TestEvents : public QObject {
  Q_OBJECT

 private slots:
  // ---- decodeEvent ----------------------------------------------------------------------
  void decodesStarted() {
    const EngineEvent e = decode(R"({"event":"started","schema":"1.0","run":"r1","time":100.5,
        "config":{"seed":3},"device":"cpu","threads":2,
        "params":{"total":1000,"trainable":100,"trainable_peft":80,"inference_peft":20,"head":7},
        "total_steps":50,"resumed_from_step":20})");
    QCOMPARE(e.name, QStringLiteral("started"));
    QCOMPARE(e.run, QStringLiteral("r1"));
    QCOMPARE(e.time.value(), 100.5);
    const StartedEvent* s = e.as<StartedEvent>();
    QVERIFY(s);
    QCOMPARE(s->config.at("seed").get<int>(), 3);
    QCOMPARE(s->device, QStringLiteral("cpu"));
    QCOMPARE(s->threads, 2);
    QCOMPARE(s->params.total, qint64(1000));
    QCOMPARE(s->params.trainable, qint64(100));
    QCOMPARE(s->params.trainablePeft, qint64(80));
    QCOMPARE(s->params.inferencePeft, qint64(20));
    QCOMPARE(s->params.head, qint64(7));
    QCOMPARE(s->params.base, qint64(0));  // schema 1.0: no base count
    QCOMPARE(s->totalSteps, qint64(50));
    QCOMPARE(s->resumedFromStep, qint64(20));
    QVERIFY(!s->kernelsKnown);  // schema 1.0: no kernels; the store keeps the device alone
    QVERIFY(computeOf(*s) == json::parse(R"({"device":"cpu"})"));
    QCOMPARE(computeLabel(computeOf(*s)), QString());  // unknown kernels: left out of notes
  }

  // schema 1.3: the kernels that computed the run, and what the store and the tables make of them
  void decodesStartedKernels() {
    const EngineEvent e = decode(R"({"event":"started","schema":"1.3","run":"r","device":"cpu","threads":1,
        "kernels":{"blas_core":"Cooperlake","fused_cpu_kernels":true},"total_steps":5})");
    const StartedEvent* s = e.as<StartedEvent>();
    QVERIFY(s && s->kernelsKnown);
    QCOMPARE(s->blasCore, QStringLiteral("Cooperlake"));
    QVERIFY(s->fusedCpuKernels);
    QVERIFY(computeOf(*s) == json::parse(R"({"device":"cpu","blas_core":"Cooperlake","fused_cpu_kernels":true})"));
    QCOMPARE(computeLabel(computeOf(*s)), QStringLiteral("CPU, OpenBLAS Cooperlake, fused CPU kernels"));
    // Not OpenBLAS, fused off: the device alone. A GPU run: its device kind, whatever the index.
    QCOMPARE(computeLabel(json::parse(R"({"device":"cpu","blas_core":"","fused_cpu_kernels":false})")),
             QStringLiteral("CPU"));
    const EngineEvent g = decode(R"({"event":"started","schema":"1.3","run":"r","device":"cuda:1","threads":1,
        "kernels":{"blas_core":"Haswell","fused_cpu_kernels":false}})");
    QVERIFY(computeOf(*g.as<StartedEvent>()) ==
            json::parse(R"({"device":"cuda","blas_core":"Haswell","fused_cpu_kernels":false})"));
    QCOMPARE(computeLabel(computeOf(*g.as<StartedEvent>())), QStringLiteral("CUDA"));
    QCOMPARE(computeLabel(json()), QString());  // unknown (runs stored before schema v8)
    QCOMPARE(computeLabel(json::object()), QString());
    // Malformed kernels (informational) leave them unknown; the event and its resume step survive.
    for (const char* bad : {R"("Haswell")", "null", R"({"blas_core":3,"fused_cpu_kernels":false})",
                            R"({"blas_core":"Haswell"})", R"({"blas_core":"Haswell","fused_cpu_kernels":"no"})"}) {
      QString error;
      const auto b = tryDecodeEvent(json::parse(QStringLiteral(R"({"event":"started","run":"r","device":"cpu",
          "resumed_from_step":40,"kernels":%1})").arg(QLatin1String(bad)).toStdString()), &error);
      QVERIFY2(b && error.isEmpty(), bad);
      QVERIFY2(!b->as<StartedEvent>()->kernelsKnown, bad);
      QCOMPARE(b->as<StartedEvent>()->resumedFromStep, qint64(40));
      QCOMPARE(computeLabel(computeOf(*b->as<StartedEvent>())), QString());
    }
  }

  // schema 1.2: params.base, the end-of-run `evaluation` event, a merge's `finished`
  void decodesEvaluationAndMerge() {
    const EngineEvent st = decode(R"({"event":"started","schema":"1.2","run":"r","config":{},"device":"cpu",
        "threads":1,"params":{"total":1100,"trainable":120,"trainable_peft":100,"inference_peft":25,"head":20,
        "base":980},"total_steps":5,"resumed_from_step":0})");
    QCOMPARE(st.as<StartedEvent>()->params.base, qint64(980));
    QVERIFY(st.as<StartedEvent>()->params.toJson() ==
            json::parse(R"({"total":1100,"trainable":120,"trainable_peft":100,"inference_peft":25,"head":20,
                            "base":980})"));
    const EngineEvent e = decode(R"({"event":"evaluation","schema":"1.2","run":"r","time":5,"split":"dev",
        "inference":"module:2","weights_step":40,"examples":872,"metrics":{"accuracy":0.8125,"f1":null},
        "primary_metric":"accuracy","out":"/w/r/eval/dev-module-2","predictions":"predictions.tsv","wall_s":1.5})");
    const EvaluationEvent* v = e.as<EvaluationEvent>();
    QVERIFY(v);
    QCOMPARE(v->inference, QStringLiteral("module:2"));
    QCOMPARE(v->weightsStep, qint64(40));
    QCOMPARE(v->examples, qint64(872));
    QCOMPARE(v->metrics.size(), size_t(1));  // null (NaN) left out
    QCOMPARE(v->metrics[0].first, QStringLiteral("accuracy"));
    QCOMPARE(v->metrics[0].second, 0.8125);
    QCOMPARE(v->wallS, 1.5);
    QCOMPARE(decodeError(R"({"event":"evaluation","run":"r","split":"dev"})"),
             QStringLiteral("evaluation event: field 'inference' is missing"));
    QCOMPARE(decodeError(R"({"event":"evaluation","run":"r","inference":"random","metrics":{"accuracy":"x"}})"),
             QStringLiteral("evaluation event: field 'metrics' must map each metric name to a number"));
    const EngineEvent m = decode(R"({"event":"finished","schema":"1.2","run":"r","mode":"merge",
        "strategy":"greedy-soup","heldout":{"split":"train","examples":500,"seed":3},
        "final":{"dev":{"accuracy":0.75}},"best":{"dev":{"accuracy":0.75}},"best_step":40,
        "primary_metric":"accuracy","wall_s":9,"out":"/w/r/merges/greedy-soup","predictions":"predictions.tsv"})");
    const FinishedEvent* f = m.as<FinishedEvent>();
    QVERIFY(f);
    QCOMPARE(f->strategy, QStringLiteral("greedy-soup"));
    QCOMPARE(f->heldout.at("examples").get<int>(), 500);
  }

  void decodesEvalStartedFinishedAndExported() {
    const EngineEvent s = decode(R"({"event":"started","schema":"1.0","run":"r","config":{},"device":"cpu",
        "threads":1,"params":{},"total_steps":9,"resumed_from_step":0,"mode":"eval","split":"test",
        "inference":"module:1","examples":277})");
    QCOMPARE(s.as<StartedEvent>()->mode, QStringLiteral("eval"));
    QCOMPARE(s.as<StartedEvent>()->split, QStringLiteral("test"));
    QCOMPARE(s.as<StartedEvent>()->inference, QStringLiteral("module:1"));
    QCOMPARE(s.as<StartedEvent>()->examples, qint64(277));
    QCOMPARE(s.as<StartedEvent>()->totalSteps, qint64(9));
    const EngineEvent f = decode(R"({"event":"finished","schema":"1.0","mode":"eval",
        "final":{"dev":{"accuracy":0.7112}},"best":{"dev":{"accuracy":0.7112}},"best_step":120,
        "primary_metric":"accuracy","wall_s":1.5,"params":{},"split":"dev","inference":"ensemble",
        "examples":277,"out":"/r/eval/dev-ensemble","predictions":"predictions.tsv","submission":"RTE.tsv"})");
    const FinishedEvent* d = f.as<FinishedEvent>();
    QCOMPARE(d->mode, QStringLiteral("eval"));
    QCOMPARE(d->split, QStringLiteral("dev"));
    QCOMPARE(d->inference, QStringLiteral("ensemble"));
    QCOMPARE(d->examples, qint64(277));
    QCOMPARE(d->out, QStringLiteral("/r/eval/dev-ensemble"));
    QCOMPARE(d->predictions, QStringLiteral("predictions.tsv"));
    QCOMPARE(d->submission, QStringLiteral("RTE.tsv"));
    QCOMPARE(d->bestStep, qint64(120));
    QCOMPARE(d->results.size(), size_t(2));
    // a training `finished` leaves the eval fields empty
    const EngineEvent t = decode(R"({"event":"finished","schema":"1.0","final":{},"best":{},"best_step":4})");
    QCOMPARE(t.as<FinishedEvent>()->mode, QString());
    QCOMPARE(t.as<FinishedEvent>()->submission, QString());
    QCOMPARE(t.as<FinishedEvent>()->examples, qint64(0));
    const EngineEvent x = decode(R"({"event":"exported","schema":"1.0","format":"peft","out":"/o",
        "files":["adapter_config.json","adapter_model.safetensors"],"notes":["k rows are zero"]})");
    const ExportedEvent* e = x.as<ExportedEvent>();
    QVERIFY(e);
    QCOMPARE(e->format, QStringLiteral("peft"));
    QCOMPARE(e->out, QStringLiteral("/o"));
    QCOMPARE(e->files, QStringList({"adapter_config.json", "adapter_model.safetensors"}));
    QCOMPARE(e->notes, QStringList({"k rows are zero"}));
    QCOMPARE(decodeError(R"({"event":"exported","schema":"1.0","files":[1]})"),
             QStringLiteral("exported event: field 'files' must be an array of strings"));
    QCOMPARE(decodeError(R"({"event":"finished","schema":"1.0","submission":3})"),
             QStringLiteral("finished event: field 'submission' must be a string"));
  }

  void decodesProgress() {
    const EngineEvent e = decode(R"({"event":"progress","schema":"1.0","run":"r","time":1,"step":12,
        "total_steps":40,"epoch":1.5,"loss":0.25,"lr":0.001,"examples_per_s":64,"tokens_per_s":2048})");
    const ProgressEvent* p = e.as<ProgressEvent>();
    QVERIFY(p);
    QCOMPARE(p->step, qint64(12));
    QCOMPARE(p->totalSteps, qint64(40));
    QCOMPARE(p->epoch.value(), 1.5);
    QCOMPARE(p->loss.value(), 0.25);
    QCOMPARE(p->lr.value(), 0.001);
    QCOMPARE(p->examplesPerS.value(), 64.0);
    QCOMPARE(p->tokensPerS.value(), 2048.0);
    // a NaN loss is written as null: absent, not an error
    const EngineEvent n = decode(R"({"event":"progress","step":13,"loss":null})");
    QVERIFY(!n.as<ProgressEvent>()->loss);
    QVERIFY(!n.time);
  }

  void decodesMetricHeartbeatCheckpoint() {
    const EngineEvent m = decode(R"({"event":"metric","time":5,"step":30,"epoch":0.75,"split":"dev_matched",
        "name":"accuracy","value":0.8125})");
    const MetricEvent* mv = m.as<MetricEvent>();
    QVERIFY(mv);
    QCOMPARE(mv->step, qint64(30));
    QCOMPARE(mv->epoch, 0.75);
    QCOMPARE(mv->split, QStringLiteral("dev_matched"));
    QCOMPARE(mv->name, QStringLiteral("accuracy"));
    QCOMPARE(mv->value.value(), 0.8125);
    const MetricPoint mp = toMetricPoint(9, m, *mv, -1);
    QCOMPARE(mp.runId, qint64(9));
    QCOMPARE(mp.time, 5.0);
    QCOMPARE(mp.value, 0.8125);

    QCOMPARE(decode(R"({"event":"heartbeat","step":17})").as<HeartbeatEvent>()->step, qint64(17));
    const EngineEvent c = decode(R"({"event":"checkpoint","step":40,"path":"checkpoint/state.safetensors"})");
    QCOMPARE(c.as<CheckpointEvent>()->step, qint64(40));
    QCOMPARE(c.as<CheckpointEvent>()->path, QStringLiteral("checkpoint/state.safetensors"));
  }

  void decodesFinished() {
    const EngineEvent e = decode(R"({"event":"finished","final":{"dev":{"accuracy":0.7,"loss":0.6}},
        "best":{"dev":{"accuracy":0.75,"f1":null}},"best_step":20,"primary_metric":"accuracy","wall_s":12.5,
        "params":{"total":10},"predictions":"predictions/dev.tsv","metric_notes":{"meteor":"approx"}})");
    const FinishedEvent* f = e.as<FinishedEvent>();
    QVERIFY(f);
    QCOMPARE(f->bestStep, qint64(20));
    QCOMPARE(f->primaryMetric, QStringLiteral("accuracy"));
    QCOMPARE(f->wallS, 12.5);
    QCOMPARE(f->params.total, qint64(10));
    QCOMPARE(f->predictions, QStringLiteral("predictions/dev.tsv"));
    QCOMPARE(f->metricNotes.at("meteor").get<std::string>(), std::string("approx"));
    // final first, then best; the null (NaN) f1 is left out
    QCOMPARE(f->results.size(), size_t(3));
    QCOMPARE(f->results[0].kind, QStringLiteral("final"));
    QCOMPARE(f->results[0].name, QStringLiteral("accuracy"));
    QCOMPARE(f->results[0].value, 0.7);
    QCOMPARE(f->results[1].name, QStringLiteral("loss"));
    QCOMPARE(f->results[1].value, 0.6);
    QCOMPARE(f->results[2].kind, QStringLiteral("best"));
    QCOMPARE(f->results[2].split, QStringLiteral("dev"));
    QCOMPARE(f->results[2].value, 0.75);
  }

  void decodesErrorAndOther() {
    const EngineEvent e = decode(R"({"event":"error","kind":"data","message":"bad label","location":"train.tsv:12"})");
    const ErrorEvent* err = e.as<ErrorEvent>();
    QVERIFY(err);
    QCOMPARE(err->kind, QStringLiteral("data"));
    QCOMPARE(err->message, QStringLiteral("bad label"));
    QCOMPARE(err->location, QStringLiteral("train.tsv:12"));
    QVERIFY(!err->synthetic);
    const EngineEvent syn = syntheticErrorEvent(QStringLiteral("k"), {"lost", "no heartbeat", {}, -1});
    QCOMPARE(syn.name, QStringLiteral("error"));
    QCOMPARE(syn.run, QStringLiteral("k"));
    QVERIFY(syn.as<ErrorEvent>()->synthetic);
    QCOMPARE(syn.as<ErrorEvent>()->kind, QStringLiteral("lost"));
    // an unknown kind (a newer minor schema) is kept whole
    const EngineEvent o = decode(R"({"event":"gpu_stats","schema":"1.3","mem":12})");
    QCOMPARE(o.name, QStringLiteral("gpu_stats"));
    QVERIFY(o.as<OtherEvent>());
    QCOMPARE(o.as<OtherEvent>()->fields.at("mem").get<int>(), 12);
  }

  void malformedEventsNameTheField() {
    QCOMPARE(decodeError(R"({"event":"metric","split":"dev","name":"f1"})"),
             QStringLiteral("metric event: field 'value' is missing"));
    QCOMPARE(decodeError(R"({"event":"metric","value":"high"})"),
             QStringLiteral("metric event: field 'value' must be a number"));
    QCOMPARE(decodeError(R"({"event":"progress","loss":0.1})"),
             QStringLiteral("progress event: field 'step' is missing"));
    QCOMPARE(decodeError(R"({"event":"progress","step":"3"})"),
             QStringLiteral("progress event: field 'step' must be an integer"));
    // a float integer field beyond qint64 (was an undefined conversion; fuzz_engine_events)
    QCOMPARE(decodeError(R"({"event":"progress","step":1e300})"),
             QStringLiteral("progress event: field 'step' is out of range for an integer"));
    QCOMPARE(decodeError(R"({"event":"progress","step":-9.3e18})"),
             QStringLiteral("progress event: field 'step' is out of range for an integer"));
    QCOMPARE(decodeError(R"({"event":"started","params":{"total":"many"}})"),
             QStringLiteral("started event: params: field 'total' must be an integer"));
    QCOMPARE(decodeError(R"({"event":"finished","final":[1,2]})"),
             QStringLiteral("finished event: field 'final' must be an object"));
    QCOMPARE(decodeError(R"({"event":"error","kind":4})"),
             QStringLiteral("error event: field 'kind' must be a string"));
    QCOMPARE(decodeError(R"({"event":"heartbeat","time":"now"})"),
             QStringLiteral("heartbeat event: field 'time' must be a number"));
    QCOMPARE(decodeError(R"({"schema":"1.0"})"), QStringLiteral("event: field 'event' must be a string"));
    QVERIFY_THROWS_EXCEPTION(EventDecodeError, decodeEvent(json::parse(R"({"event":"metric"})")));
  }

  // ---- replay ---------------------------------------------------------------------------
  void resumeDropsPointsAfterCheckpoint() {
    // first segment: points at 10..40, checkpoint at 20, killed; resumed from 20: 30, 40 again
    const QByteArray log = R"({"event":"started","schema":"1.0","time":1,"total_steps":40,"resumed_from_step":0}
{"event":"metric","schema":"1.0","time":2,"step":10,"split":"train","name":"loss","value":1.0}
{"event":"metric","schema":"1.0","time":3,"step":20,"split":"train","name":"loss","value":0.9}
{"event":"checkpoint","schema":"1.0","time":3,"step":20,"path":"checkpoint/state.safetensors"}
{"event":"metric","schema":"1.0","time":4,"step":30,"split":"train","name":"loss","value":0.8}
{"event":"metric","schema":"1.0","time":5,"step":40,"split":"train","name":"loss","value":0.7}
{"event":"error","schema":"1.0","time":6,"kind":"interrupted","message":"signal","location":""}
{"event":"started","schema":"1.0","time":10,"total_steps":40,"resumed_from_step":20}
{"event":"metric","schema":"1.0","time":11,"step":30,"split":"train","name":"loss","value":0.5}
not json
{"event":"metric","schema":"1.0","time":12,"step":40,"split":"train","name":"loss","value":0.4}
{"event":"metric","schema":"1.0","time":12,"step":40,"split":"dev","name":"accuracy","value":"x"}
{"event":"finished","schema":"1.0","time":13,"final":{"dev":{"accuracy":0.9}},"best":{},"best_step":40})";
    const ReplayedRun r = replayEventLog(log);
    QCOMPARE(steps(r.points), (std::vector<qint64>{10, 20, 30, 40}));
    QCOMPARE(r.points[2].value, 0.5);  // the resumed segment's values replace the stale ones
    QCOMPARE(r.points[3].value, 0.4);
    QCOMPARE(r.points[3].time, 12.0);
    QCOMPARE(r.state, RunState::Finished);
    QVERIFY(!r.error);  // the finished event after the interruption clears it
    QCOMPARE(r.started.value(), 1.0);
    QCOMPARE(r.ended.value(), 13.0);
    QCOMPARE(r.finished->results.size(), size_t(1));
    QCOMPARE(r.warnings.size(), 2);  // the non-JSON line and the malformed metric
    QVERIFY(r.warnings[1].contains("'value'"));
  }

  // An event log of other bytes (adamix import): its lines are shown escaped, never raw.
  void excerptsAreEscaped() {
    QCOMPARE(escapedExcerpt("plain {\"a\": 1} \\ é"), QStringLiteral("\"plain {\\\"a\\\": 1} \\\\ é\""));
    QCOMPARE(escapedExcerpt("\x1b[2J\x07\t\r\n\x7f"), QStringLiteral("\"\\x1b[2J\\x07\\t\\r\\n\\x7f\""));
    // bytes that are not UTF-8, a C1 control, a bidi override, a surrogate; an emoji stays
    QCOMPARE(escapedExcerpt("\xff\xc3z\xc2\x9b\xe2\x80\xae\xed\xa0\x80\xf0\x9f\x98\x80"),
             QString::fromUtf8("\"\\xff\\xc3z\\u{009b}\\u{202e}\\xed\\xa0\\x80\xf0\x9f\x98\x80\""));
    QCOMPARE(escapedExcerpt(QByteArray(100, 'x'), 10), QStringLiteral("\"xxxxxxxxxx\"..."));
    QCOMPARE(escapedExcerpt("abc\x01", 6), QStringLiteral("\"abc\"..."));  // an escape is not cut in two
    QString error;
    nlohmann::json ev;
    QVERIFY(!EventParser::parseLine("\x1b]0;x\x07", &ev, &error));
    QCOMPARE(error, QStringLiteral("not JSON: \"\\x1b]0;x\\x07\""));
  }

  // The one reader of a whole events.jsonl (adamix import, a resume's replay): a regular file of
  // at most the limit, read and replayed; anything else an Io error naming the file, refused
  // before it is opened (a FIFO would block the reader until some writer came).
  void eventLogFileIsBoundedAndRegularOnly() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QByteArray text = R"({"event":"started","schema":"1.0","time":1,"total_steps":4,"resumed_from_step":0}
{"event":"metric","schema":"1.0","time":2,"step":4,"split":"train","name":"loss","value":0.25}
)";
    const QString log = tmp.filePath("events.jsonl");
    QFile f(log);
    QVERIFY(f.open(QIODevice::WriteOnly) && f.write(text) == text.size());
    f.close();
    const ReplayedRun r = replayEventLogFile(log, quint64(text.size()));  // exactly the limit: read
    QCOMPARE(steps(r.points), std::vector<qint64>{4});
    QCOMPARE(r.points[0].value, 0.25);
    QCOMPARE(r.started.value_or(0), 1.0);
    const QString dir = tmp.filePath("dir.jsonl");
    QVERIFY(QDir().mkpath(dir));
    const QString fifo = tmp.filePath("fifo.jsonl");
    QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
    const struct {
      QString file;
      quint64 limit;
      QString message;
    } refused[] = {
        {log, quint64(text.size() - 1),
         QStringLiteral("event log is %1 bytes, more than the limit of %2 bytes").arg(text.size()).arg(text.size() - 1)},
        {dir, adamix::kMaxEventLogBytes, QStringLiteral("cannot open event log: a directory")},
        {fifo, adamix::kMaxEventLogBytes, QStringLiteral("cannot open event log: not a regular file (a FIFO)")},
        {QStringLiteral("/dev/zero"), adamix::kMaxEventLogBytes,
         QStringLiteral("cannot open event log: not a regular file (a character device)")},
        {tmp.filePath("none.jsonl"), adamix::kMaxEventLogBytes, QStringLiteral("cannot open event log: no such file")},
    };
    for (const auto& c : refused) {
      std::optional<adamix::EngineError> error;
      try {
        replayEventLogFile(c.file, c.limit);
      } catch (const adamix::EngineError& e) {
        error = e;
      }
      QVERIFY2(error, qPrintable(c.file));
      QCOMPARE(int(error->kind()), int(adamix::ErrorKind::Io));
      QCOMPARE(QString::fromStdString(error->location()), c.file);
      QCOMPARE(QString::fromStdString(error->message()), c.message);
    }
  }

  void eventLogsOfNoRun() {
    QVERIFY(notAnEngineRunLog(replayEventLog("")).contains("no engine event"));
    QVERIFY(notAnEngineRunLog(replayEventLog("\x01\x02\n{\n")).contains("no engine event"));
    const ReplayedRun newer =
        replayEventLog(R"({"event":"started","schema":"99.0"})" "\n" R"({"event":"metric","schema":"99.1"})");
    QCOMPARE(newer.unsupportedSchemaLines, qsizetype(2));
    QVERIFY(notAnEngineRunLog(newer).contains("unsupported protocol schema"));
    QVERIFY(notAnEngineRunLog(replayEventLog(R"({"event":"heartbeat","schema":"1.0"})")).contains("no `started`"));
    QCOMPARE(notAnEngineRunLog(replayEventLog(R"({"event":"started","schema":"1.0"})")), QString());
    QCOMPARE(notAnEngineRunLog(replayEventLog(R"({"event":"error","schema":"1.0","kind":"model"})")), QString());
    // fed in 1 MiB slices: a line across a slice boundary is still one line
    QByteArray big(1 << 20, ' ');
    big += R"({"event":"started","schema":"1.0","time":7})";
    big.insert((1 << 20) - 10, "\n");
    const ReplayedRun sliced = replayEventLog(big);
    QCOMPARE(sliced.started.value_or(0), 7.0);
    QVERIFY2(sliced.warnings.isEmpty(), qPrintable(sliced.warnings.join('\n')));
  }

  void replayOutcomes() {
    auto ev = [](const char* text) { return decodeEvent(json::parse(text)); };
    QCOMPARE(replayEvents({ev(R"({"event":"started"})")}).state, RunState::Interrupted);
    const ReplayedRun failed =
        replayEvents({ev(R"({"event":"started","time":1})"), ev(R"({"event":"error","time":2,"kind":"data"})")});
    QCOMPARE(failed.state, RunState::Failed);
    QCOMPARE(failed.error->kind, QStringLiteral("data"));
    QCOMPARE(failed.ended.value(), 2.0);
    QCOMPARE(replayEvents({ev(R"({"event":"error","kind":"interrupted"})")}).state, RunState::Interrupted);
    // the rule itself: only resumed starts make points stale
    QCOMPARE(stalePointsAfter(ev(R"({"event":"started","resumed_from_step":0})")), std::optional<qint64>());
    QCOMPARE(stalePointsAfter(ev(R"({"event":"started","resumed_from_step":7})")), std::optional<qint64>(7));
    QCOMPARE(stalePointsAfter(ev(R"({"event":"checkpoint","step":7})")), std::optional<qint64>());
    std::vector<MetricPoint> pts(4);
    for (int i = 0; i < 4; ++i) pts[i].step = 5 * (i + 1);
    dropPointsAfter(pts, 10);
    QCOMPARE(steps(pts), (std::vector<qint64>{5, 10}));
  }

  // ---- progress fold --------------------------------------------------------------------
  void foldFollowsTheEvents() {
    auto ev = [](const char* text) { return decodeEvent(json::parse(text)); };
    RunProgress p;
    QCOMPARE(p.state, RunState::Queued);
    QVERIFY(std::isnan(p.etaSeconds(0)));
    p = fold(p, ev(R"({"event":"started","total_steps":100,"resumed_from_step":20})"), 1.0);
    QCOMPARE(p.state, RunState::Running);
    QCOMPARE(p.step, qint64(20));
    QCOMPARE(p.totalSteps, qint64(100));
    QCOMPARE(p.fraction(), 0.2);
    p = fold(p, ev(R"({"event":"progress","step":30,"total_steps":100,"epoch":0.3,"loss":0.9})"), 10.0);
    QCOMPARE(p.firstStep, qint64(30));
    QCOMPARE(p.firstClockS, 10.0);
    QCOMPARE(p.stepsPerSecond(10.0), 0.0);  // one point: no speed yet
    p = fold(p, ev(R"({"event":"progress","step":50,"loss":null})"), 14.0);
    QCOMPARE(p.step, qint64(50));
    QCOMPARE(p.totalSteps, qint64(100));  // kept when absent
    QCOMPARE(p.epoch, 0.3);               // kept when absent
    QCOMPARE(p.loss.value(), 0.9);        // a null loss keeps the last one
    QCOMPARE(p.firstStep, qint64(30));
    // 20 steps in 10 s (clock 10 → 20): 2 steps/s, 50 steps left → 25 s
    QCOMPARE(p.stepsPerSecond(20.0), 2.0);
    QCOMPARE(p.etaSeconds(20.0), 25.0);
    p = fold(p, ev(R"({"event":"metric","step":50,"split":"train","name":"loss","value":0.8})"), 20.0);
    QVERIFY(!p.dev);
    p = fold(p, ev(R"({"event":"metric","step":50,"split":"dev","name":"consistency","value":0.1})"), 20.0);
    QVERIFY(!p.dev);
    p = fold(p, ev(R"({"event":"metric","step":50,"split":"dev","name":"accuracy","value":0.625})"), 20.0);
    QCOMPARE(p.devName, QStringLiteral("accuracy"));
    QCOMPARE(p.dev.value(), 0.625);
    p = fold(p, ev(R"({"event":"error","kind":"numerical","message":"NaN loss"})"), 21.0);
    QCOMPARE(p.error->kind, QStringLiteral("numerical"));
    QCOMPARE(p.state, RunState::Running);  // the terminal state comes from the executor
    // a resumed segment restarts the speed measurement
    p = fold(p, ev(R"({"event":"started","total_steps":100,"resumed_from_step":40})"), 30.0);
    QCOMPARE(p.step, qint64(40));
    QCOMPARE(p.firstStep, qint64(-1));
  }

  // ---- run states -----------------------------------------------------------------------
  void runStateNamesRoundTrip() {
    const std::vector<std::pair<RunState, const char*>> names{
        {RunState::Queued, "queued"},          {RunState::Running, "running"},     {RunState::Finished, "finished"},
        {RunState::Failed, "failed"},          {RunState::Cancelled, "cancelled"}, {RunState::Lost, "lost"},
        {RunState::Interrupted, "interrupted"}};
    for (const auto& [state, name] : names) {
      QCOMPARE(runStateName(state), QString::fromLatin1(name));
      RunState back = state == RunState::Queued ? RunState::Lost : RunState::Queued;
      QVERIFY(parseRunState(QString::fromLatin1(name), &back));
      QCOMPARE(back, state);
      QCOMPARE(isTerminal(state), state != RunState::Queued && state != RunState::Running);
    }
    RunState untouched = RunState::Running;
    QVERIFY(!parseRunState(QStringLiteral("Finished"), &untouched));  // names are lower-case
    QCOMPARE(untouched, RunState::Running);
  }
};

QTEST_GUILESS_MAIN(TestEvents)
#include "test_events.moc"
