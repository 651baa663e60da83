#include "train/train_checkpoint.h"

#include "io/errors.h"
#include "io/safetensors.h"

#include <set>

namespace adamix {

namespace {
nlohmann::json progressJson(const TrainProgress& p) {
  return {{"step", p.step},
          {"epoch", p.epoch},
          {"micro_in_epoch", p.micro_in_epoch},
          {"best_value", p.best_value},
          {"has_best", p.has_best},
          {"best_step", p.best_step},
          {"best", p.best},
          {"final", p.final},
          {"last_eval_step", p.last_eval_step},
          {"log_window", {{"loss", p.window_loss}, {"consistency", p.window_consistency}, {"micro", p.window_micro}}}};
}
}  // namespace

void saveTrainCheckpoint(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& params,
                         HfAdamW& optimizer, const TrainProgress& progress) {
  std::map<std::string, torch::Tensor> tensors;
  nlohmann::json adam_steps = nlohmann::json::object();
  for (const auto& [name, p] : params) {
    tensors["param/" + name] = p.detach().cpu();
    const auto* s = optimizer.state(p);
    if (!s) continue;
    tensors["adamw.exp_avg/" + name] = s->exp_avg.cpu();
    tensors["adamw.exp_avg_sq/" + name] = s->exp_avg_sq.cpu();
    adam_steps[name] = s->step;
  }
  for (const auto& [name, t] : progress.best_weights) tensors["best/" + name] = t;
  auto meta = progressJson(progress);
  meta["adam_steps"] = adam_steps;
  saveSafetensors(path, tensors, {{"state", meta.dump()}});
}

TrainProgress loadTrainCheckpoint(const std::string& path,
                                  const std::vector<std::pair<std::string, torch::Tensor>>& params,
                                  HfAdamW& optimizer) {
  auto file = loadSafetensors(path, /*to_float32=*/true);
  auto meta_it = file.metadata.find("state");
  if (meta_it == file.metadata.end())
    throw EngineError(ErrorKind::Model, "checkpoint has no training state metadata", path);
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(meta_it->second);
  } catch (const std::exception& e) {
    throw EngineError(ErrorKind::Model, std::string("corrupt training state metadata: ") + e.what(), path);
  }
  TrainProgress p;
  try {
    p.step = meta.at("step");
    p.epoch = meta.at("epoch");
    p.micro_in_epoch = meta.at("micro_in_epoch");
    p.best_value = meta.at("best_value");
    p.has_best = meta.at("has_best");
    p.best_step = meta.at("best_step");
    p.best = meta.at("best");
    p.final = meta.at("final");
    p.last_eval_step = meta.at("last_eval_step");
    if (const auto w = meta.find("log_window"); w != meta.end()) {  // absent in engine ≤ 0.3 checkpoints
      p.window_loss = w->at("loss");
      p.window_consistency = w->at("consistency");
      p.window_micro = w->at("micro");
    }
  } catch (const std::exception& e) {
    throw EngineError(ErrorKind::Model, std::string("incomplete training state: ") + e.what(), path);
  }
  // Every tensor of the file must belong to one of the run's parameters: an unexpected one means
  // the checkpoint is of another model or config, and ignoring it would resume a different run
  // (pins peft#3584: tensors silently dropped on load).
  std::set<std::string> names;
  for (const auto& [name, param] : params) names.insert(name);
  for (const auto& [key, t] : file.tensors) {
    const auto slash = key.find('/');
    const std::string kind = slash == std::string::npos ? std::string() : key.substr(0, slash);
    const bool known_kind = kind == "param" || kind == "best" || kind == "adamw.exp_avg" || kind == "adamw.exp_avg_sq";
    if (!known_kind || !names.count(key.substr(slash + 1)))
      throw EngineError(ErrorKind::Model,
                        "unexpected tensor in the checkpoint: no trainable parameter of this run has that name "
                        "(different config?)",
                        path + ":" + key);
  }
  const auto& steps = meta.value("adam_steps", nlohmann::json::object());
  torch::NoGradGuard no_grad;
  for (const auto& [name, param] : params) {
    auto it = file.tensors.find("param/" + name);
    if (it == file.tensors.end())
      throw EngineError(ErrorKind::Model, "checkpoint lacks a trainable parameter (different config?)",
                        path + ":param/" + name);
    if (it->second.sizes() != param.sizes())
      throw EngineError(ErrorKind::Model, "checkpoint tensor has a different shape", path + ":param/" + name);
    param.copy_(it->second);
    auto m = file.tensors.find("adamw.exp_avg/" + name);
    auto v = file.tensors.find("adamw.exp_avg_sq/" + name);
    const bool has_m = m != file.tensors.end(), has_v = v != file.tensors.end(), has_step = steps.contains(name);
    if (!has_m && !has_v && !has_step) continue;  // never updated yet (a module not routed so far): no state
    // Part of a parameter's AdamW state is an incomplete file, never a state to drop (peft#3584).
    if (!has_m || !has_v || !has_step)
      throw EngineError(ErrorKind::Model,
                        "checkpoint holds only part of a parameter's AdamW state (exp_avg, exp_avg_sq and its step "
                        "count go together)",
                        path + ":" + (!has_m ? "adamw.exp_avg/" : !has_v ? "adamw.exp_avg_sq/" : "adam_steps/") + name);
    if (m->second.sizes() != param.sizes() || v->second.sizes() != param.sizes())
      throw EngineError(ErrorKind::Model, "checkpoint's AdamW moment has a different shape",
                        path + ":adamw.exp_avg/" + name);
    HfAdamW::ParamState s;
    s.step = steps.at(name).get<int64_t>();
    s.exp_avg = m->second.to(param.device()).clone();
    s.exp_avg_sq = v->second.to(param.device()).clone();
    optimizer.setState(param, std::move(s));
    // Zeroed, not freed, after the interrupted run's last step (HfAdamW::zeroGrad).
    param.mutable_grad() = torch::zeros_like(param);
  }
  for (const auto& [name, param] : params) {
    auto it = file.tensors.find("best/" + name);
    if (it == file.tensors.end()) continue;
    if (it->second.sizes() != param.sizes())
      throw EngineError(ErrorKind::Model, "checkpoint's best-evaluation tensor has a different shape",
                        path + ":best/" + name);
    p.best_weights[name] = it->second;
  }
  if (!p.best_weights.empty() && p.best_weights.size() != params.size())
    for (const auto& [name, param] : params)
      if (!p.best_weights.count(name))
        throw EngineError(ErrorKind::Model,
                          "checkpoint holds best-evaluation weights for only some trainable parameters",
                          path + ":best/" + name);
  return p;
}

}  // namespace adamix
