#include "tiny_llama.h"

#include "model/init_model.h"

namespace adamix::test {

void writeTinyLlama(const std::string& out_dir, const std::string& stories_dir) {
  RandomLlamaSpec spec;
  spec.hidden_size = 32;
  spec.num_hidden_layers = 2;
  spec.num_attention_heads = 4;
  spec.num_key_value_heads = 2;
  spec.intermediate_size = 64;
  writeRandomModel(out_dir, llamaConfigJson(spec), 11, stories_dir);
}

}  // namespace adamix::test
