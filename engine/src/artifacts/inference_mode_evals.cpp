#include "artifacts/inference_mode_evals.h"

namespace adamix {

std::vector<std::string> endOfRunInferenceModes(int64_t num_modules) {
  std::vector<std::string> modes;
  for (int64_t k = 0; k < num_modules; ++k) modes.push_back("module:" + std::to_string(k));
  modes.push_back("random");
  modes.push_back("ensemble");
  return modes;
}

void evaluateInferenceModes(const RunModelView& run, const std::string& run_dir, EventStream& events,
                            const std::function<void()>& after_batch) {
  for (const auto& mode : endOfRunInferenceModes(run.peft.num_modules)) {
    EvalRequest req;
    req.run_dir = run_dir;
    req.split = "dev";
    req.inference = mode;
    const EvalReporting quiet{events, /*emit_events=*/false, [&](int64_t, int64_t) { after_batch(); }};
    const auto r = evaluateRunModel(run, req, quiet);
    const auto& split = r.at("split");
    events.emit("evaluation", {{"split", split},
                               {"inference", r.at("inference")},
                               {"weights_step", run.weights_step},
                               {"examples", r.at("examples")},
                               {"metrics", r.at("final").at(split.get<std::string>())},
                               {"primary_metric", r.at("primary_metric")},
                               {"out", r.at("out")},
                               {"predictions", r.at("predictions")},
                               {"wall_s", r.at("wall_s")}});
  }
}

}  // namespace adamix
