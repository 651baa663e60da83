#include "train/train_step.h"

#include <cmath>

#include "io/errors.h"
#include "peft/consistency.h"
#include "train/nlg_task.h"

namespace adamix {

StepLosses forwardBackward(TaskModelImpl& model, RouteContext& routes, const torch::Tensor& ids,
                           const torch::Tensor& mask, const torch::Tensor& labels, double lambda, bool second_pass,
                           double loss_scale, int64_t step, double label_smoothing) {
  const bool regression = model.headType() == HeadType::Regression;
  const bool lm = model.headType() == HeadType::CausalLM;
  routes.beginPass(false);
  auto out1 = model.forward(ids, mask);
  // Task loss as HF: cross-entropy (classification), MSE (regression), or the completion-only
  // causal-LM loss, in fp32.
  auto loss = lm           ? completionLoss(out1, labels, label_smoothing)
              : regression ? torch::mse_loss(out1.to(torch::kFloat32), labels)
                           : torch::nn::functional::cross_entropy(out1.to(torch::kFloat32), labels);
  StepLosses r;
  r.output1 = out1.detach();
  if (second_pass) {
    routes.beginPass(true);
    auto out2 = model.forward(ids, mask);
    // LM: symmetric KL of the next-token distributions at the completion positions (shifted).
    auto shifted = [](const torch::Tensor& o) { return o.narrow(1, 0, o.size(1) - 1); };
    auto cons = lm           ? symmetricKlConsistency(shifted(out1), shifted(out2), completionMask(labels))
                : regression ? squaredDifferenceConsistency(out1, out2)
                             : symmetricKlConsistency(out1, out2);
    r.consistency = cons.item<double>();
    loss = loss + lambda * cons;
  }
  r.total = loss.item<double>();
  if (!std::isfinite(r.total)) {
    const std::string what = std::string(std::isnan(r.total) ? "NaN" : "infinite");
    // Before the first update no learning rate has acted yet: the weights (or the data) give it.
    if (step == 0)
      throw EngineError(ErrorKind::Numerical,
                        "loss is " + what +
                            " at step 0, before any update: the model's weights give it (NaN or infinite values in "
                            "its safetensors?), not the learning rate",
                        "/model/path");
    throw EngineError(ErrorKind::Numerical,
                      "loss is " + what + " at step " + std::to_string(step) + " (try a lower learning rate)",
                      "/train/learning_rate");
  }
  (loss * loss_scale).backward();
  return r;
}

HfAdamW makeOptimizer(const std::vector<std::pair<std::string, torch::Tensor>>& trainable, const TrainConfig& train) {
  HfAdamW::Group decay, no_decay;
  decay.weight_decay = train.weight_decay;
  for (const auto& [name, p] : trainable) (p.dim() >= 2 ? decay : no_decay).params.push_back(p);
  HfAdamW::Options o;
  o.lr = train.learning_rate;
  o.beta1 = train.adam_beta1;
  o.beta2 = train.adam_beta2;
  o.eps = train.adam_eps;
  return HfAdamW({std::move(decay), std::move(no_decay)}, o);
}

void optimizerStep(HfAdamW& optimizer, double max_grad_norm) {
  if (max_grad_norm > 0) {
    std::vector<torch::Tensor> with_grad;
    for (const auto& g : optimizer.groups())
      for (const auto& p : g.params)
        if (p.grad().defined()) with_grad.push_back(p);
    if (!with_grad.empty()) torch::nn::utils::clip_grad_norm_(with_grad, max_grad_norm);
  }
  optimizer.step();
  optimizer.zeroGrad();
}

}  // namespace adamix
