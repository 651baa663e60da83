// Fuzz target: a sharded checkpoint's model.safetensors.index.json (io/safetensors_index.h),
// read from a model folder that holds one valid shard, "model-00001-of-00001.safetensors", with
// the tensor "a". Shard paths leaving the folder, repeated tensors and missing shards must be
// rejected with an EngineError naming the index entry or the shard.
#include <filesystem>

#include "fuzz_support.h"
#include "io/safetensors_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    std::string shard(8, '\0');
    for (size_t i = 0; i < 8; ++i) shard[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    shard += header + std::string(4, '\0');
    std::filesystem::create_directories(adamix::fuzz::tempDir() + "/model");
    adamix::fuzz::writeFile("model/model-00001-of-00001.safetensors", shard);
    return adamix::fuzz::tempDir() + "/model";
  }();
  adamix::fuzz::writeFile("model/model.safetensors.index.json",
                          std::string_view(reinterpret_cast<const char*>(data), size));
  ADAMIX_FUZZ_EXPECT_REJECTION({
    const auto shards = adamix::readSafetensorsIndex(dir);
    // an accepted index names only files inside the folder, each tensor once
    for (const auto& [tensor, file] : shards.weight_map)
      if (file.rfind(dir + "/", 0) != 0) __builtin_trap();
  });
  return 0;
}
