// Writes a synthetic workspace at study scale for bench/gui_scale_bench (issue 19, item 6): one
// study of N finished runs (default 1,000) of `rte`, 20 variants (the grid num_modules ×
// bottleneck) × N/20 seeds, each with P training-loss points (default 5,000: a decaying loss
// with noise and a few spikes) and P/100 dev-accuracy points, plus best/final results. Written
// through the project's Store API and study expansion (no SQL of its own), in one transaction.
//
// Usage: make_scale_workspace DB [--runs N] [--points P]
// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/study_runner.h"
#include "store/store.h"
#include "study/study.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>

#include <cmath>
#include <cstdio>
#include <random>

using namespace adamix;

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCommandLineParser p;
  p.setApplicationDescription("Writes a synthetic workspace of finished runs for gui_scale_bench.");
  p.addHelpOption();
  p.addPositionalArgument("DB", "The workspace database to write (replaced if it exists).");
  p.addOption({"runs", "Finished runs (a multiple of the 20 variants is best).", "N", "1000"});
  p.addOption({"points", "Training-loss points per run (one per step).", "P", "5000"});
  p.process(app);
  const int runs = p.value("runs").toInt();
  const int points = p.value("points").toInt();
  if (p.positionalArguments().size() != 1 || runs < 1 || points < 2) {
    std::fprintf(stderr, "make_scale_workspace: DB, --runs >= 1 and --points >= 2 are required\n");
    return 2;
  }
  const QString db = p.positionalArguments().first();
  for (const QString& f : {db, db + "-wal", db + "-shm"}) QFile::remove(f);

  // 5 × 4 variants, as many seeds as it takes to reach N runs
  const int seeds = (runs + 19) / 20;
  nlohmann::json seedList = nlohmann::json::array();
  for (int s = 1; s <= seeds; ++s) seedList.push_back(s);
  const nlohmann::json doc = {
      {"name", "scale"},
      {"base", {{"model", {{"path", "/nonexistent/stories260K"}}}, {"train", {{"epochs", 1}}}}},
      {"tasks", nlohmann::json::array({{{"name", "rte"}, {"data_dir", "/nonexistent/RTE"}}})},
      {"axes", nlohmann::json::array({{{"path", "/peft/adamix/num_modules"}, {"values", {1, 2, 4, 8, 16}}},
                                      {{"path", "/peft/adapter/bottleneck"}, {"values", {8, 16, 32, 64}}}})},
      {"seeds", seedList}};
  const app::Study study = app::parseStudy(doc);
  const std::vector<app::ExpandedRun> grid = app::expandStudy(study);

  QElapsedTimer clock;
  clock.start();
  app::Store store;
  store.open(db);
  std::mt19937_64 rng(19);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  qint64 written = 0;
  store.writeTransaction([&] {
    const qint64 sid = store.upsertStudy(study.name, QStringLiteral("scale.json"), doc);
    double t = 1.7e9;
    int n = 0;
    for (const app::ExpandedRun& er : grid) {
      if (n++ >= runs) break;
      const qint64 id = store.addRun(app::newRunFor(er, sid, QString(), app::RunState::Queued));
      // a variant-dependent floor and speed, a seed-dependent offset; spikes of 3× about every 700 steps
      const double floor = 0.25 + 0.02 * double(std::hash<std::string>()(er.variant.toStdString()) % 10);
      const double speed = 0.0006 * (1.0 + 0.1 * double(er.seed % 5));
      std::vector<app::MetricPoint> pts;
      pts.reserve(size_t(points + points / 100 + 1));
      for (int step = 1; step <= points; ++step) {
        double v = floor + 0.45 * std::exp(-speed * step) + 0.03 * noise(rng);
        if (unit(rng) < 1.0 / 700) v *= 3;
        pts.push_back({id, step, double(step) / points, QStringLiteral("train"), QStringLiteral("loss"),
                       std::max(0.01, v), t + 0.05 * step});
      }
      double acc = 0.5;
      for (int step = 100; step <= points; step += 100) {
        acc = 0.5 + (0.2 - floor * 0.2) * (1 - std::exp(-speed * step)) + 0.01 * noise(rng);
        pts.push_back({id, step, double(step) / points, QStringLiteral("dev"), QStringLiteral("accuracy"), acc,
                       t + 0.05 * step});
      }
      written += qint64(pts.size());
      store.appendMetricPoints(pts);
      store.setResults(id, {{QStringLiteral("dev"), QStringLiteral("accuracy"), acc, QStringLiteral("best")},
                            {QStringLiteral("dev"), QStringLiteral("accuracy"), acc, QStringLiteral("final")}});
      app::RunUpdate u;
      u.started = t;
      u.finished = t + 0.05 * points;
      u.exitCode = 0;
      store.setRunStatus(id, app::RunState::Finished, u);
      t += 0.05 * points + 10;
    }
  });
  std::printf("make_scale_workspace: %s: %d runs (20 variants x %d seeds), %lld metric points, %.1f s\n",
              qPrintable(db), std::min(runs, int(grid.size())), seeds, (long long)written, clock.elapsed() / 1000.0);
  return 0;
}
