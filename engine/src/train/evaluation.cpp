#include "train/evaluation.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "data/batching.h"
#include "io/atomic_file.h"
#include "metrics/glue_metrics.h"

namespace adamix {

torch::Tensor inferenceOutputs(TaskModelImpl& model, RouteContext& routes, int64_t num_modules,
                               const torch::Tensor& ids, const torch::Tensor& mask) {
  const bool regression = model.headType() == HeadType::Regression;
  auto to_output = [&](const torch::Tensor& out) {
    return regression ? out.to(torch::kFloat32) : torch::softmax(out.to(torch::kFloat32), -1);
  };
  routes.beginPass();
  if (routes.inference != InferenceMode::Ensemble || num_modules == 1) return to_output(model.forward(ids, mask));
  torch::Tensor sum;
  for (int64_t k = 0; k < num_modules; ++k) {
    routes.forced = k;
    auto o = to_output(model.forward(ids, mask));
    sum = sum.defined() ? sum + o : o;
  }
  routes.forced.reset();
  return sum / static_cast<double>(num_modules);
}

EvalResult evaluate(TaskModelImpl& model, RouteContext& routes, int64_t num_modules, const TaskSpec& spec,
                    const EncodedSplit& split, int64_t pad_id, int64_t batch_size, const torch::Device& device,
                    const std::function<void(int64_t, int64_t)>& on_batch) {
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  routes.reseed(0);  // "random" inference draws the same modules at every evaluation
  EvalResult r;
  double loss_sum = 0;
  std::vector<torch::Tensor> probs;
  const auto order = epochOrder(split.examples.size(), static_cast<size_t>(batch_size), 0, 0, false);
  int64_t done = 0;
  for (const auto& positions : order) {
    auto b = makeBatch(split.encoded, split.examples, positions, spec.regression, pad_id);
    auto out = inferenceOutputs(model, routes, num_modules, b.input_ids.to(device), b.attention_mask.to(device)).cpu();
    if (spec.regression) {
      if (split.labelled) loss_sum += torch::mse_loss(out, b.labels, torch::Reduction::Sum).item<double>();
      const auto values = out.contiguous();  // one read, not a tensor per element
      r.predictions.insert(r.predictions.end(), values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
    } else {
      if (split.labelled)
        loss_sum += torch::nll_loss(out.clamp_min(1e-12).log(), b.labels, {}, torch::Reduction::Sum).item<double>();
      const auto pred = out.argmax(-1).contiguous();
      r.predictions.insert(r.predictions.end(), pred.data_ptr<int64_t>(), pred.data_ptr<int64_t>() + pred.numel());
      probs.push_back(out);
    }
    if (on_batch) on_batch(++done, static_cast<int64_t>(order.size()));
  }
  if (!probs.empty()) r.probabilities = torch::cat(probs, 0);
  if (!split.labelled) {
    if (was_training) model.train();
    return r;
  }
  if (spec.regression) {
    std::vector<float> p, l;
    for (size_t i = 0; i < split.examples.size(); ++i) {
      p.push_back(static_cast<float>(r.predictions[i]));
      l.push_back(split.examples[i].score);
    }
    r.metrics = computeGlueMetrics(spec, p, l);
  } else {
    std::vector<int64_t> p, l;
    for (size_t i = 0; i < split.examples.size(); ++i) {
      p.push_back(static_cast<int64_t>(r.predictions[i]));
      l.push_back(split.examples[i].label);
    }
    r.metrics = computeGlueMetrics(spec, p, l);
  }
  r.metrics["loss"] = loss_sum / static_cast<double>(std::max<size_t>(1, split.examples.size()));
  if (was_training) model.train();
  return r;
}

std::string predictionText(double prediction, bool regression) {
  if (!regression) return std::to_string(static_cast<int64_t>(prediction));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", prediction);
  return buf;
}

std::string gluePredictionsTsv(const EncodedSplit& split, const EvalResult& r, bool regression) {
  const int64_t classes = r.probabilities.defined() ? r.probabilities.size(1) : 0;
  const auto probs = r.probabilities.defined() ? r.probabilities.contiguous() : torch::Tensor();
  const float* pdata = probs.defined() ? probs.data_ptr<float>() : nullptr;
  std::ostringstream out;
  out << "index\tprediction";
  if (split.labelled) out << "\tlabel";
  for (int64_t c = 0; c < classes; ++c) out << "\tprob_" << c;
  out << '\n';
  char buf[32];
  for (size_t i = 0; i < split.examples.size(); ++i) {
    const auto& e = split.examples[i];
    out << e.index << '\t' << predictionText(r.predictions[i], regression);
    if (split.labelled) {
      out << '\t';
      if (regression)
        out << e.score;
      else
        out << e.label;
    }
    for (int64_t c = 0; c < classes; ++c) {
      std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(pdata[static_cast<int64_t>(i) * classes + c]));
      out << '\t' << buf;
    }
    out << '\n';
  }
  return out.str();
}

std::string glueSubmissionTsv(const TaskSpec& spec, const EncodedSplit& split, const EvalResult& r) {
  std::ostringstream out;
  out << "index\tprediction\n";
  for (size_t i = 0; i < split.examples.size(); ++i) {
    out << split.examples[i].index << '\t';
    if (spec.regression)
      out << predictionText(r.predictions[i], true);
    else
      out << spec.label_names.at(static_cast<size_t>(r.predictions[i]));
    out << '\n';
  }
  return out.str();
}

void writeGluePredictions(const std::string& dir, const EncodedSplit& split, const EvalResult& r, bool regression) {
  writeFileAtomically(std::filesystem::path(dir) / (split.name + ".tsv"), gluePredictionsTsv(split, r, regression));
}

}  // namespace adamix
