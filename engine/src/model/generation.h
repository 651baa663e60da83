// Decoding with a causal LM task model.
#pragma once
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "model/task_model.h"

namespace adamix {

/// Greedy (argmax) decoding under no_grad and eval mode (the training flag is restored).
/// `prompt_ids` must be non-empty (include BOS yourself). Returns only the new tokens, at most
/// `max_new_tokens`; when a token in `stop_ids` is produced it is the last element. Decoding also
/// stops at max_position_embeddings total tokens. Llama models use a KV cache; other
/// architectures re-run the whole sequence each step (same result).
/// `before_step` (optional) runs before each decoding step and may throw to end it (an interrupt).
/// Throws EngineError(Usage) when `lm` is not a CausalLM or the prompt is empty.
std::vector<int64_t> greedyGenerate(TaskModelImpl& lm, const std::vector<int64_t>& prompt_ids, int64_t max_new_tokens,
                                    const std::set<int64_t>& stop_ids, bool use_cache = true,
                                    const std::function<void()>& before_step = {});

}  // namespace adamix
