#include "train/nlg_evaluation.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "io/errors.h"
#include "metrics/nlg_metrics.h"

namespace adamix {

namespace {

/// Ensemble inference for decoding: one scorer (and KV cache) per module, module k forced in its
/// passes, next-token distributions averaged.
class EnsembleScorer : public TokenScorer {
 public:
  EnsembleScorer(TaskModelImpl& lm, RouteContext& routes, int64_t m, bool use_cache) : routes_(routes) {
    for (int64_t k = 0; k < m; ++k) scorers_.push_back(makeModelScorer(lm, use_cache));
  }
  torch::Tensor step(const torch::Tensor& ids, const torch::Tensor& mask, const torch::Tensor& pos) override {
    torch::Tensor sum;
    for (size_t k = 0; k < scorers_.size(); ++k) {
      routes_.forced = static_cast<int64_t>(k);
      routes_.beginPass();
      auto p = scorers_[k]->step(ids, mask, pos).exp();
      sum = sum.defined() ? sum + p : p;
    }
    routes_.forced.reset();
    return (sum / static_cast<double>(scorers_.size())).log();
  }
  void selectRows(const torch::Tensor& rows) override {
    for (auto& s : scorers_) s->selectRows(rows);
  }
  bool cached() const override { return scorers_.front()->cached(); }

 private:
  RouteContext& routes_;
  std::vector<std::unique_ptr<TokenScorer>> scorers_;
};

/// Single-model scorer that starts a routing pass before each step (random/module:k/merged).
class RoutedScorer : public TokenScorer {
 public:
  RoutedScorer(TaskModelImpl& lm, RouteContext& routes, bool use_cache)
      : routes_(routes), inner_(makeModelScorer(lm, use_cache)) {}
  torch::Tensor step(const torch::Tensor& ids, const torch::Tensor& mask, const torch::Tensor& pos) override {
    routes_.beginPass();
    return inner_->step(ids, mask, pos);
  }
  void selectRows(const torch::Tensor& rows) override { inner_->selectRows(rows); }
  bool cached() const override { return inner_->cached(); }

 private:
  RouteContext& routes_;
  std::unique_ptr<TokenScorer> inner_;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

std::string oneLine(std::string s) {
  for (auto& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

std::vector<std::vector<int64_t>> decodeRouted(TaskModelImpl& model, RouteContext& routes, int64_t num_modules,
                                               const std::vector<std::vector<int64_t>>& prompts,
                                               const DecodeOptions& opts, bool use_cache, int64_t pad_id) {
  std::unique_ptr<TokenScorer> scorer;
  if (routes.inference == InferenceMode::Ensemble && num_modules > 1)
    scorer = std::make_unique<EnsembleScorer>(model, routes, num_modules, use_cache);
  else
    scorer = std::make_unique<RoutedScorer>(model, routes, use_cache);
  // One random-inference route per example for its whole sequence (prompt and every generated
  // token; beams of an example share it), as the official sentence-level routing.
  struct SequenceScope {
    RouteContext& r;
    SequenceScope(RouteContext& rr, int64_t rows) : r(rr) { r.beginSequence(rows); }
    ~SequenceScope() { r.endSequence(); }
  } sequence_scope(routes, opts.strategy == DecodeStrategy::Beam ? std::max<int64_t>(1, opts.beam_size) : 1);
  return decodeBatch(*scorer, prompts, opts, pad_id);
}

DecodeOptions decodeOptions(const GenerationConfig& g, const Tokenizer& tok, uint64_t seed) {
  DecodeOptions o;
  o.strategy = g.strategy == "greedy"   ? DecodeStrategy::Greedy
               : g.strategy == "sample" ? DecodeStrategy::Sample
                                        : DecodeStrategy::Beam;
  o.beam_size = g.beam_size;
  o.length_penalty = g.length_penalty;
  o.no_repeat_ngram_size = g.no_repeat_ngram_size;
  o.max_new_tokens = g.max_new_tokens;
  o.temperature = g.temperature;
  o.top_p = g.top_p;
  o.seed = seed;
  o.end_ids = nlgStopIds(tok);
  return o;
}

std::vector<std::string> generateTexts(TaskModelImpl& model, RouteContext& routes, int64_t num_modules,
                                       const std::vector<std::vector<int64_t>>& prompts, const GenerationConfig& g,
                                       const Tokenizer& tok, uint64_t seed,
                                       const std::function<void(int64_t, int64_t)>& after_batch,
                                       const std::function<void()>& before_step) {
  const bool was_training = model.is_training();
  struct TrainingRestorer {  // the caller's mode back, also when a hook throws
    TaskModelImpl& m;
    bool was;
    ~TrainingRestorer() {
      if (was) m.train();
    }
  } restore{model, was_training};
  model.eval();
  torch::NoGradGuard no_grad;
  routes.reseed(0);  // "random" inference draws the same modules at every evaluation
  auto opts = decodeOptions(g, tok, seed);
  opts.before_step = before_step;
  std::vector<std::string> out;
  const auto batch_size = static_cast<size_t>(g.batch_size);
  const auto batches = static_cast<int64_t>((prompts.size() + batch_size - 1) / batch_size);
  for (size_t start = 0; start < prompts.size(); start += batch_size) {
    const size_t end = std::min(prompts.size(), start + static_cast<size_t>(g.batch_size));
    std::vector<std::vector<int64_t>> batch(prompts.begin() + static_cast<long>(start),
                                            prompts.begin() + static_cast<long>(end));
    for (auto ids : decodeRouted(model, routes, num_modules, batch, opts, g.use_cache, tok.padId())) {
      if (!ids.empty() && opts.end_ids.count(ids.back())) ids.pop_back();
      out.push_back(trim(tok.decode(ids)));
    }
    if (after_batch) after_batch(static_cast<int64_t>(start / batch_size) + 1, batches);
  }
  return out;
}

NlgEvalResult evaluateGeneration(TaskModelImpl& model, RouteContext& routes, int64_t num_modules, const RunConfig& cfg,
                                 const NlgTaskData& data, const Tokenizer& tok,
                                 const std::function<void(int64_t, int64_t)>& after_batch) {
  NlgEvalResult r;
  r.predictions = generateTexts(model, routes, num_modules, data.prompts, cfg.generation, tok, cfg.seed, after_batch);
  References refs;
  for (const auto& item : data.dev) refs.push_back(item.references);
  r.metrics = computeNlgMetrics(cfg.task.name, r.predictions, refs);
  return r;
}

void writeNlgPredictions(const std::string& dir, const NlgTaskData& data, const NlgEvalResult& r,
                         const std::string& stem) {
  std::ostringstream tsv, jsonl;
  tsv << "index\tinput\tprediction\treferences\n";
  for (size_t i = 0; i < data.dev.size(); ++i) {
    const auto& item = data.dev[i];
    std::string refs;
    for (size_t k = 0; k < item.references.size(); ++k) refs += (k ? " ||| " : "") + oneLine(item.references[k]);
    tsv << i << '\t' << oneLine(item.input) << '\t' << oneLine(r.predictions[i]) << '\t' << refs << '\n';
    nlohmann::json j = {
        {"index", i}, {"input", item.input}, {"prediction", r.predictions[i]}, {"references", item.references}};
    if (!item.category.empty()) j["category"] = item.category;
    jsonl << j.dump() << '\n';
  }
  writeFileAtomically(std::filesystem::path(dir) / (stem + ".tsv"), tsv.str());
  writeFileAtomically(std::filesystem::path(dir) / (stem + ".jsonl"), jsonl.str());
}

}  // namespace adamix
