// Resumable training checkpoints: <run-dir>/checkpoint/state.safetensors holds the trainable
// parameters ("param/<name>"), the AdamW moments ("adamw.exp_avg/<name>", "adamw.exp_avg_sq/<name>")
// and, in the safetensors metadata key "state", the counters and selection state as JSON. With
// train.keep best, the trainable tensors of the best dev evaluation travel along ("best/<name>"),
// so a resumed run still ends with the best evaluation's weights.
#pragma once
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "train/hf_adamw.h"

namespace adamix {

/// Counters and model-selection state saved with a checkpoint.
struct TrainProgress {
  int64_t step = 0;            ///< optimizer steps done
  int64_t epoch = 0;           ///< current epoch (0-based)
  int64_t micro_in_epoch = 0;  ///< micro-batches of `epoch` already consumed
  double best_value = 0;
  bool has_best = false;
  int64_t best_step = -1;
  nlohmann::json best = nlohmann::json::object();   ///< split -> metric -> value at best eval
  nlohmann::json final = nlohmann::json::object();  ///< at the last eval
  int64_t last_eval_step = -1;
  /// The train-loss log window since the last `metric` of split train: sums of the micro-batch
  /// losses and consistency losses and their count (so a resumed run logs what the uninterrupted
  /// run logs at its next log step).
  double window_loss = 0, window_consistency = 0;
  int64_t window_micro = 0;
  /// Trainable tensors (by trainableParameters name, CPU copies) at the best evaluation; empty
  /// unless train.keep is best.
  std::map<std::string, torch::Tensor> best_weights;
};

/// Writes a checkpoint atomically (temp file + rename). Throws EngineError(Io) on failure.
void saveTrainCheckpoint(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& params,
                         HfAdamW& optimizer, const TrainProgress& progress);

/// Restores parameters (copied in place), AdamW state and progress. Parameters with AdamW state
/// get a zero gradient, as they had after the interrupted run's zero_grad (so they keep being
/// updated). Throws EngineError(Model) naming the file and tensor when the checkpoint does not
/// match the run's parameters.
TrainProgress loadTrainCheckpoint(const std::string& path,
                                  const std::vector<std::pair<std::string, torch::Tensor>>& params, HfAdamW& optimizer);

}  // namespace adamix
