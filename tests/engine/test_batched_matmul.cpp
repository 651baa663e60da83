// batchedMatmul (model/batched_matmul.h) against torch::matmul, bit for bit: values and both
// gradients over the layouts attention produces (contiguous, transposed keys, strided views, a
// layout BLAS cannot read, single query rows, sizes where ATen keeps its own kernel), and a whole
// Llama classifier's loss and every parameter gradient with the direct BLAS calls on and off.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "model/batched_matmul.h"
#include "model/checkpoint.h"
#include "model/llama.h"
#include "model/model_config.h"
#include "model/task_model.h"

using namespace adamix;

namespace {

/// torch::matmul itself: batchedMatmul with the direct calls turned off.
torch::Tensor reference(const torch::Tensor& a, const torch::Tensor& b) {
  setDirectBlasBatchedMatmul(false);
  auto out = batchedMatmul(a, b);
  setDirectBlasBatchedMatmul(true);
  return out;
}

using View = std::function<torch::Tensor(const torch::Tensor&)>;
const View same = [](const torch::Tensor& t) { return t; };
const View keysTransposed = [](const torch::Tensor& t) { return t.transpose(-2, -1); };

/// Name of the autograd node that computed the product under `out`'s reshaping view.
std::string productNode(const torch::Tensor& out) {
  const auto& view = out.grad_fn();
  return view && !view->next_edges().empty() && view->next_edges()[0].function ? view->next_edges()[0].function->name()
                                                                                : "";
}

/// Values and the gradients of the leaves `a` and `b` (upstream gradient random) of
/// batchedMatmul(fa(a), fb(b)) against torch::matmul of the same views.
void expectIdentical(const torch::Tensor& a, const torch::Tensor& b, const View& fa, const View& fb, const char* what) {
  const auto a1 = a.clone().requires_grad_(), b1 = b.clone().requires_grad_();
  const auto a2 = a.clone().requires_grad_(), b2 = b.clone().requires_grad_();
  const auto mine = batchedMatmul(fa(a1), fb(b1)), theirs = reference(fa(a2), fb(b2));
  QVERIFY2(torch::equal(mine, theirs), what);
  const auto g = torch::randn(mine.sizes());
  mine.backward(g);
  theirs.backward(g);
  QVERIFY2(torch::equal(a1.grad(), a2.grad()), what);
  QVERIFY2(torch::equal(b1.grad(), b2.grad()), what);
}

void expectIdentical(const torch::Tensor& a, const torch::Tensor& b, const char* what) {
  expectIdentical(a, b, same, same, what);
}

}  // namespace

class TestBatchedMatmul : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void directCallsAreInUseWithoutMkl() {
    if (at::hasMKL()) QSKIP("LibTorch with MKL computes bmm with MKL's batch GEMM: batchedMatmul is torch::matmul");
    // Debian's LibTorch calls the system BLAS: the probe must find its sgemm_ and agree.
    QVERIFY(directBlasBatchedMatmul());
    auto a = torch::randn({2, 3, 40, 8}, torch::requires_grad()), b = torch::randn({2, 3, 8, 40});
    QCOMPARE(QString::fromStdString(productNode(batchedMatmul(a, b))).contains("DirectBmm"), true);
    setDirectBlasBatchedMatmul(false);
    QVERIFY(!directBlasBatchedMatmul());
    QCOMPARE(QString::fromStdString(productNode(batchedMatmul(a, b))).contains("DirectBmm"), false);
    setDirectBlasBatchedMatmul(true);
  }

  void attentionLayoutsAreIdenticalToMatmul() {
    torch::manual_seed(11);
    // stories260K's shapes: [B, KV, rep*T, D] @ [B, KV, D, S] with k transposed, then probs @ v.
    const auto q = torch::randn({4, 4, 128, 8}), k = torch::randn({4, 4, 64, 8}), v = torch::randn({4, 4, 64, 8});
    expectIdentical(q, k, same, keysTransposed, "q @ k^T (keys transposed)");
    const auto probs = torch::softmax(torch::randn({4, 4, 128, 64}), -1);
    expectIdentical(probs, v, "probs @ v");
    // Heads split from [B, T, H*D] (strided, not contiguous), as splitHeads gives them.
    const View heads = [](const torch::Tensor& x) { return x.view({3, 50, 4, 12}).transpose(1, 2); };
    const View headsTransposed = [&](const torch::Tensor& x) { return heads(x).transpose(-2, -1); };
    expectIdentical(torch::randn({3, 50, 48}), torch::randn({3, 50, 48}), heads, headsTransposed,
                    "split heads @ transposed split heads");
    // With a batch of one the 3-d view needs no copy: BLAS reads the strided heads in place
    // (leading dimension H*D, matrices D apart).
    const View heads1 = [](const torch::Tensor& x) { return x.view({1, 50, 4, 12}).transpose(1, 2); };
    const View heads1Transposed = [&](const torch::Tensor& x) { return heads1(x).transpose(-2, -1); };
    expectIdentical(torch::randn({1, 50, 48}), torch::randn({1, 50, 48}), heads1, heads1Transposed,
                    "split heads of one sequence, read in place");
    // A layout BLAS cannot read (every other column): ATen's contiguous copy.
    const View everyOther = [](const torch::Tensor& x) { return x.slice(-1, 0, 24, 2); };
    expectIdentical(torch::randn({2, 2, 30, 24}), torch::randn({2, 2, 12, 33}), everyOther, same, "strided columns");
    // One query row (decoding), one column (ATen's other operand order), and under 400
    // multiply-adds (ATen's naive kernel): the last two are torch::matmul's path.
    expectIdentical(torch::randn({5, 2, 1, 16}), torch::randn({5, 2, 70, 16}), same, keysTransposed, "one row");
    expectIdentical(torch::randn({5, 2, 30, 16}), torch::randn({5, 2, 16, 1}), "one column");
    expectIdentical(torch::randn({5, 3, 4}), torch::randn({5, 4, 6}), "small");
    // ... and those two are torch::bmm's path, not the direct calls.
    const auto col = torch::randn({5, 2, 30, 16}, torch::requires_grad());
    QVERIFY(!QString::fromStdString(productNode(batchedMatmul(col, torch::randn({5, 2, 16, 1})))).contains("DirectBmm"));
    QVERIFY(!QString::fromStdString(productNode(batchedMatmul(torch::randn({5, 3, 4}, torch::requires_grad()),
                                                              torch::randn({5, 4, 6}))))
                 .contains("DirectBmm"));
    // Three dimensions, and a batch of one.
    expectIdentical(torch::randn({7, 33, 20}), torch::randn({7, 20, 17}), "3-d");
    expectIdentical(torch::randn({1, 1, 40, 20}), torch::randn({1, 1, 20, 40}), "batch of one");
  }

  void outsideFloat32CpuItIsMatmul() {
    const auto a = torch::randn({2, 30, 20}, torch::kFloat64), b = torch::randn({2, 20, 30}, torch::kFloat64);
    QVERIFY(torch::equal(batchedMatmul(a, b), torch::matmul(a, b)));
    // Broadcast batch dimensions are torch::matmul's.
    const auto c = torch::randn({2, 1, 30, 20}), d = torch::randn({1, 3, 20, 30});
    QCOMPARE(batchedMatmul(c, d).sizes(), (torch::IntArrayRef{2, 3, 30, 30}));
    QVERIFY(torch::equal(batchedMatmul(c, d), torch::matmul(c, d)));
    QVERIFY_THROWS_EXCEPTION(c10::Error, batchedMatmul(torch::randn({2, 30, 20}), torch::randn({2, 21, 30})));
    // Empty batches, rows or inner sizes: torch::matmul's results (zeros for an empty inner size).
    QCOMPARE(batchedMatmul(torch::randn({0, 4, 30, 20}), torch::randn({0, 4, 20, 30})).sizes(),
             (torch::IntArrayRef{0, 4, 30, 30}));
    QCOMPARE(batchedMatmul(torch::randn({2, 4, 0, 20}), torch::randn({2, 4, 20, 30})).sizes(),
             (torch::IntArrayRef{2, 4, 0, 30}));
    QVERIFY(torch::equal(batchedMatmul(torch::randn({2, 4, 30, 0}), torch::randn({2, 4, 0, 30})),
                         torch::zeros({2, 4, 30, 30})));
  }

  void llamaTrainingStepIsBitIdentical() {
    // A Llama classifier whose attention products are above ATen's naive-kernel size: the loss
    // and every parameter gradient with the direct calls equal those of torch::matmul exactly.
    const nlohmann::json cfg = {{"model_type", "llama"},    {"hidden_size", 32},
                                {"intermediate_size", 64},  {"num_hidden_layers", 2},
                                {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                                {"vocab_size", 60},         {"max_position_embeddings", 64},
                                {"rms_norm_eps", 1e-5},     {"tie_word_embeddings", false}};
    auto run = [&](bool direct) {
      setDirectBlasBatchedMatmul(direct);
      auto model = buildTaskModel(parseModelConfig(cfg), HeadType::Classification, 3);
      initTaskModelWeights(*model, 5);
      model->train();
      torch::manual_seed(2);
      const auto ids = torch::randint(3, 60, {4, 40});
      auto mask = torch::ones({4, 40}, torch::kInt64);
      mask.index_put_({1, torch::indexing::Slice(30, torch::indexing::None)}, 0);  // padding
      const auto logits = model->forward(ids, mask);
      const auto loss = torch::nn::functional::cross_entropy(logits, torch::tensor({0, 2, 1, 1}));
      loss.backward();
      std::vector<torch::Tensor> out;
      out.push_back(loss.detach());
      for (const auto& p : model->parameters()) out.push_back(p.grad().defined() ? p.grad() : torch::zeros({0}));
      setDirectBlasBatchedMatmul(true);
      return out;
    };
    const auto with = run(true), without = run(false);
    QCOMPARE(with.size(), without.size());
    QVERIFY(with.size() > 10);
    for (size_t i = 0; i < with.size(); ++i) QVERIFY2(torch::equal(with[i], without[i]), qPrintable(QString::number(i)));
    QVERIFY(with[0].item<double>() > 0.5);  // a real loss of 3 classes (ln 3 = 1.1 at random)
  }
};

QTEST_GUILESS_MAIN(TestBatchedMatmul)
#include "test_batched_matmul.moc"
