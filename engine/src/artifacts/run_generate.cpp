#include "artifacts/run_generate.h"

#include "io/errors.h"
#include "io/interrupt.h"
#include "train/nlg_evaluation.h"
#include "train/nlg_task.h"

namespace adamix {

std::string generateWithRun(LoadedRun& run, const std::string& prompt, int64_t max_new_tokens) {
  const auto& cfg = run.config;
  if (!isGenerationTask(cfg.task))
    throw EngineError(ErrorKind::Usage,
                      "generate needs a run of a generation task (e2e, webnlg, dart, or an own task of type generation); this run's task is " +
                          cfg.task.name + " (evaluate it with `eval`)",
                      "--run-dir");
  auto g = cfg.generation;
  if (max_new_tokens > 0) g.max_new_tokens = max_new_tokens;
  const auto context = nlgContext(prompt, *run.tokenizer, cfg.task.max_seq_length);
  return generateTexts(*run.model, *run.peft.routes, run.peft.num_modules, {context}, g, *run.tokenizer, cfg.seed, {},
                       [] { throwIfInterrupted("generating", ""); })  // SIGINT/SIGTERM: per decoding step
      .front();
}

}  // namespace adamix
