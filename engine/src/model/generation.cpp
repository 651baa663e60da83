#include "model/generation.h"

#include "io/errors.h"
#include "model/llama.h"

namespace adamix {

std::vector<int64_t> greedyGenerate(TaskModelImpl& lm, const std::vector<int64_t>& prompt_ids, int64_t max_new_tokens,
                                    const std::set<int64_t>& stop_ids, bool use_cache,
                                    const std::function<void()>& before_step) {
  if (lm.headType() != HeadType::CausalLM) throw EngineError(ErrorKind::Usage, "generation needs a causal LM head");
  if (prompt_ids.empty()) throw EngineError(ErrorKind::Usage, "generation needs a non-empty prompt");
  torch::NoGradGuard no_grad;
  struct EvalScope {  // eval mode for the call, the caller's mode restored even on exceptions
    TaskModelImpl& m;
    bool was;
    explicit EvalScope(TaskModelImpl& mm) : m(mm), was(mm.is_training()) { m.eval(); }
    ~EvalScope() { m.train(was); }
  } eval_scope(lm);
  torch::Device device = torch::kCPU;
  for (const auto& p : lm.parameters()) {
    device = p.device();
    break;
  }
  const auto opts = torch::TensorOptions().dtype(torch::kInt64);
  const int64_t limit = lm.config().max_position_embeddings;
  std::vector<int64_t> seq = prompt_ids, out;
  auto* llama = use_cache ? dynamic_cast<LlamaForTaskImpl*>(&lm) : nullptr;
  LlamaKVCache cache;
  std::vector<int64_t> pending = prompt_ids;  // tokens not yet in the cache
  while (static_cast<int64_t>(out.size()) < max_new_tokens && static_cast<int64_t>(seq.size()) < limit) {
    if (before_step) before_step();
    torch::Tensor logits;
    if (llama) {
      auto ids = torch::tensor(pending, opts).view({1, -1}).to(device);
      logits = llama->forwardCached(ids, cache);
    } else {
      auto ids = torch::tensor(seq, opts).view({1, -1}).to(device);
      logits = lm.forward(ids, torch::ones_like(ids));
    }
    const int64_t next = logits.select(0, 0).select(0, logits.size(1) - 1).argmax().item<int64_t>();
    out.push_back(next);
    seq.push_back(next);
    pending = {next};
    if (stop_ids.count(next)) break;
  }
  return out;
}

}  // namespace adamix
