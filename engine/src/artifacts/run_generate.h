// `adamix-engine generate --run-dir RUN`: text from a trained generation run (its base model with
// its adapters, artifacts/run_artifact.h), decoded as the run's dev evaluation decodes.
#pragma once
#include <cstdint>
#include <string>

#include "artifacts/run_artifact.h"

namespace adamix {

/// The completion `run` generates for `prompt` (the input, e.g. an E2E meaning representation):
/// the prompt formatted as the run's training contexts (nlgContext: [BOS] + tokens + EOS, at most
/// task.max_seq_length − 1 tokens), decoded under the run's inference mode (merged unless the run
/// config says otherwise) with its `generation` settings, max_new_tokens replaced when
/// `max_new_tokens` > 0. Returns the decoded text (end token removed, trimmed). SIGINT/SIGTERM
/// (io/interrupt.h) is polled before every decoding step: EngineError(Interrupted, "interrupted
/// while generating").
/// Throws EngineError(Usage) when the run's task is not a generation task (e2e, webnlg, dart).
std::string generateWithRun(LoadedRun& run, const std::string& prompt, int64_t max_new_tokens);

}  // namespace adamix
