#include "model/beam_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "io/errors.h"

namespace adamix {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

class ModelScorer : public TokenScorer {
 public:
  ModelScorer(TaskModelImpl& lm, bool use_cache) : lm_(lm) {
    if (lm.headType() != HeadType::CausalLM) throw EngineError(ErrorKind::Usage, "decoding needs a causal LM head");
    for (const auto& p : lm.parameters()) {
      device_ = p.device();
      break;
    }
    if (use_cache) state_ = lm.newDecodeState();
  }
  torch::Tensor step(const torch::Tensor& ids, const torch::Tensor& mask, const torch::Tensor& pos) override {
    auto logits = lm_.forwardDecode(ids.to(device_), mask.to(device_), pos.to(device_), state_.get());
    return torch::log_softmax(logits.select(1, logits.size(1) - 1).to(torch::kFloat32), -1).cpu();
  }
  void selectRows(const torch::Tensor& rows) override {
    if (state_) state_->selectRows(rows.to(device_));
  }
  bool cached() const override { return state_ != nullptr; }

 private:
  TaskModelImpl& lm_;
  torch::Device device_ = torch::kCPU;
  std::unique_ptr<DecodeState> state_;
};

struct Hyp {
  double score;
  std::vector<int64_t> tokens;
};

/// Index of a draw from the top-p nucleus of softmax(logp / temperature).
int64_t sampleToken(const float* logp, int64_t V, double temperature, double top_p, std::mt19937_64& rng) {
  std::vector<std::pair<double, int64_t>> p;
  double mx = kNegInf;
  for (int64_t v = 0; v < V; ++v) mx = std::max(mx, static_cast<double>(logp[v]) / temperature);
  double z = 0;
  for (int64_t v = 0; v < V; ++v) {
    const double e = std::exp(static_cast<double>(logp[v]) / temperature - mx);
    p.push_back({e, v});
    z += e;
  }
  std::sort(p.begin(), p.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  double cum = 0;
  size_t keep = 0;
  while (keep < p.size()) {
    cum += p[keep].first / z;
    ++keep;
    if (cum >= top_p) break;
  }
  double mass = 0;
  for (size_t i = 0; i < keep; ++i) mass += p[i].first;
  double u = std::uniform_real_distribution<double>(0.0, mass)(rng);
  for (size_t i = 0; i < keep; ++i) {
    u -= p[i].first;
    if (u <= 0) return p[i].second;
  }
  return p[keep - 1].second;
}

}  // namespace

std::unique_ptr<TokenScorer> makeModelScorer(TaskModelImpl& lm, bool use_cache) {
  return std::make_unique<ModelScorer>(lm, use_cache);
}

std::vector<int64_t> bannedNgramTokens(const std::vector<int64_t>& g, int64_t n) {
  std::vector<int64_t> banned;
  if (n <= 0 || static_cast<int64_t>(g.size()) < n) return banned;
  if (n == 1) return g;
  const size_t m = static_cast<size_t>(n);
  const size_t start = g.size() - (m - 1);  // the last n−1 tokens
  for (size_t i = 0; i + m <= g.size(); ++i)
    if (std::equal(g.begin() + static_cast<long>(i), g.begin() + static_cast<long>(i + m - 1),
                   g.begin() + static_cast<long>(start)))
      banned.push_back(g[i + m - 1]);
  return banned;
}

std::vector<std::vector<int64_t>> decodeBatch(TokenScorer& scorer, const std::vector<std::vector<int64_t>>& prompts,
                                              const DecodeOptions& o, int64_t pad_id) {
  if (o.strategy == DecodeStrategy::Beam && o.beam_size < 1)
    throw EngineError(ErrorKind::Usage, "beam_size must be >= 1");
  const int64_t B = static_cast<int64_t>(prompts.size());
  if (B == 0) return {};
  const int64_t K = o.strategy == DecodeStrategy::Beam ? o.beam_size : 1;
  const int64_t N = B * K;
  int64_t P = 0;
  for (const auto& p : prompts) {
    if (p.empty()) throw EngineError(ErrorKind::Usage, "decoding needs non-empty prompts");
    P = std::max<int64_t>(P, static_cast<int64_t>(p.size()));
  }
  // Left-padded prompts, each repeated K times (row b*K + k).
  std::vector<int64_t> ids(static_cast<size_t>(N * P), pad_id), msk(static_cast<size_t>(N * P), 0);
  for (int64_t b = 0; b < B; ++b) {
    const auto& p = prompts[static_cast<size_t>(b)];
    const int64_t off = P - static_cast<int64_t>(p.size());
    for (int64_t k = 0; k < K; ++k)
      for (size_t i = 0; i < p.size(); ++i) {
        const auto at = static_cast<size_t>((b * K + k) * P + off + static_cast<int64_t>(i));
        ids[at] = p[i];
        msk[at] = 1;
      }
  }
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  auto seq = torch::tensor(ids, i64).view({N, P});
  auto mask = torch::tensor(msk, i64).view({N, P});
  auto positions = [&]() { return (mask.cumsum(1) - 1).clamp_min(0); };
  auto new_ids = seq;
  auto new_pos = positions();

  std::vector<std::vector<int64_t>> gen(static_cast<size_t>(N));
  std::vector<double> beam_score(static_cast<size_t>(N), 0.0);
  for (int64_t r = 0; r < N; ++r)
    if (r % K != 0) beam_score[static_cast<size_t>(r)] = kNegInf;  // step 0 expands beam 0 only
  std::vector<std::vector<Hyp>> finished(static_cast<size_t>(B));
  std::vector<bool> done(static_cast<size_t>(B), false);
  std::mt19937_64 rng(o.seed);
  const double alpha = o.length_penalty;

  for (int64_t t = 0; t < o.max_new_tokens; ++t) {
    if (o.before_step) o.before_step();
    auto logp =
        scorer.step(scorer.cached() ? new_ids : seq, mask, scorer.cached() ? new_pos : positions()).contiguous();
    const int64_t V = logp.size(1);
    float* lp = logp.data_ptr<float>();
    if (o.no_repeat_ngram_size > 0)
      for (int64_t r = 0; r < N; ++r)
        for (int64_t v : bannedNgramTokens(gen[static_cast<size_t>(r)], o.no_repeat_ngram_size))
          lp[r * V + v] = -std::numeric_limits<float>::infinity();

    std::vector<int64_t> src(static_cast<size_t>(N)), tok(static_cast<size_t>(N), pad_id);
    std::vector<double> score(static_cast<size_t>(N), kNegInf);
    for (int64_t b = 0; b < B; ++b) {
      const auto bs = static_cast<size_t>(b);
      if (done[bs]) {
        for (int64_t k = 0; k < K; ++k) src[static_cast<size_t>(b * K + k)] = b * K + k;
        continue;
      }
      if (o.strategy != DecodeStrategy::Beam) {
        const float* row = lp + b * V;
        int64_t next = 0;
        if (o.strategy == DecodeStrategy::Greedy)
          next = std::max_element(row, row + V) - row;
        else
          next = sampleToken(row, V, o.temperature, o.top_p, rng);
        src[bs] = b;
        tok[bs] = next;
        score[bs] = beam_score[bs] + row[next];
        if (o.end_ids.count(next) || t + 1 == o.max_new_tokens) {
          auto tokens = gen[bs];
          tokens.push_back(next);
          finished[bs].push_back({score[bs], std::move(tokens)});
          done[bs] = true;
        }
        continue;
      }
      // Beam: the 2K best (score, row, token) continuations of this prompt's K beams.
      struct Cand {
        double s;
        int64_t row, v;
      };
      std::vector<Cand> cands;
      cands.reserve(static_cast<size_t>(K * V));
      for (int64_t k = 0; k < K; ++k) {
        const int64_t r = b * K + k;
        for (int64_t v = 0; v < V; ++v) cands.push_back({beam_score[static_cast<size_t>(r)] + lp[r * V + v], r, v});
      }
      const size_t top = std::min(cands.size(), static_cast<size_t>(2 * K));
      std::partial_sort(cands.begin(), cands.begin() + static_cast<long>(top), cands.end(),
                        [](const Cand& a, const Cand& c) { return a.s > c.s; });
      std::vector<Cand> next;
      for (size_t rank = 0; rank < top && static_cast<int64_t>(next.size()) < K; ++rank) {
        const auto& c = cands[rank];
        if (o.end_ids.count(c.v)) {
          if (static_cast<int64_t>(rank) >= K || !std::isfinite(c.s)) continue;
          auto tokens = gen[static_cast<size_t>(c.row)];
          tokens.push_back(c.v);
          const double len = static_cast<double>(tokens.size());
          finished[bs].push_back({c.s / std::pow(len, alpha), std::move(tokens)});
          continue;
        }
        next.push_back(c);
      }
      while (static_cast<int64_t>(next.size()) < K) next.push_back({kNegInf, b * K, pad_id});  // degenerate
      auto& fin = finished[bs];
      std::stable_sort(fin.begin(), fin.end(), [](const Hyp& a, const Hyp& c) { return a.score > c.score; });
      if (static_cast<int64_t>(fin.size()) > K) fin.resize(static_cast<size_t>(K));
      if (static_cast<int64_t>(fin.size()) == K) {
        // HF BeamHypotheses.is_done (early_stopping = false): the best running beam at the current
        // length cannot beat the worst kept hypothesis.
        const double best_running = next.front().s / std::pow(static_cast<double>(t + 1), alpha);
        if (fin.back().score >= best_running) done[bs] = true;
      }
      for (int64_t k = 0; k < K; ++k) {
        const auto r = static_cast<size_t>(b * K + k);
        src[r] = next[static_cast<size_t>(k)].row;
        tok[r] = next[static_cast<size_t>(k)].v;
        score[r] = next[static_cast<size_t>(k)].s;
      }
    }
    // Reorder the rows to their source beams and append the chosen tokens.
    std::vector<std::vector<int64_t>> ngen(static_cast<size_t>(N));
    for (int64_t r = 0; r < N; ++r) {
      ngen[static_cast<size_t>(r)] = gen[static_cast<size_t>(src[static_cast<size_t>(r)])];
      ngen[static_cast<size_t>(r)].push_back(tok[static_cast<size_t>(r)]);
    }
    gen = std::move(ngen);
    beam_score = score;
    auto src_t = torch::tensor(src, i64);
    auto tok_t = torch::tensor(tok, i64).view({N, 1});
    seq = torch::cat({seq.index_select(0, src_t), tok_t}, 1);
    mask = torch::cat({mask.index_select(0, src_t), torch::ones({N, 1}, i64)}, 1);
    scorer.selectRows(src_t);
    new_ids = tok_t;
    new_pos = positions().narrow(1, mask.size(1) - 1, 1);
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
  }

  std::vector<std::vector<int64_t>> out(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    auto& fin = finished[static_cast<size_t>(b)];
    if (!done[static_cast<size_t>(b)]) {
      // max_new_tokens reached: the running beams become hypotheses.
      for (int64_t k = 0; k < K; ++k) {
        const auto r = static_cast<size_t>(b * K + k);
        if (!std::isfinite(beam_score[r])) continue;
        const double len = std::max<double>(1.0, static_cast<double>(gen[r].size()));
        fin.push_back(
            {o.strategy == DecodeStrategy::Beam ? beam_score[r] / std::pow(len, alpha) : beam_score[r], gen[r]});
      }
    }
    if (fin.empty()) continue;
    const auto best =
        std::max_element(fin.begin(), fin.end(), [](const Hyp& a, const Hyp& c) { return a.score < c.score; });
    out[static_cast<size_t>(b)] = best->tokens;
  }
  return out;
}

}  // namespace adamix
