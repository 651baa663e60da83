// Sharded Hugging Face checkpoints: `model.safetensors.index.json` ({"metadata": …, "weight_map":
// {tensor name: shard file}}), as transformers' modeling_utils.py load_sharded_checkpoint /
// get_checkpoint_shard_files write and read it. Torch-free: the index and the shards' headers
// are checked here before any tensor data is read (the tensors: model/checkpoint.h).
#pragma once
#include <map>
#include <string>
#include <vector>

namespace adamix {

/// The index file name transformers writes next to the shards.
constexpr const char* kSafetensorsIndexName = "model.safetensors.index.json";

/// A checked sharded checkpoint.
struct SafetensorsShards {
  std::string index_path;                         ///< the index file (for messages)
  std::vector<std::string> files;                 ///< shard paths (model_dir / name), sorted, each once
  std::map<std::string, std::string> weight_map;  ///< tensor name -> its shard path (an entry of `files`)
};

/// Reads `model_dir/model.safetensors.index.json` and checks it against the shards' headers:
/// every shard name is a relative path that stays inside model_dir (lexically and after
/// resolving symlinks), every shard exists, every tensor is listed once in weight_map (a
/// repeated key in the JSON text is an error) and is stored in exactly the shard listed for it
/// and in no other. Throws EngineError(Model, msg, location): "…index.json:/weight_map/<tensor>"
/// for a bad entry ("shard path '../x.safetensors' leaves the model folder", "tensor listed
/// twice"), the shard's path for a missing shard ("shard listed in model.safetensors.index.json
/// is missing") and "<shard>:<tensor>" for a tensor the index does not place there.
SafetensorsShards readSafetensorsIndex(const std::string& model_dir);

}  // namespace adamix
