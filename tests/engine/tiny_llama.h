// The LibTorch suites' tiny random Llama (eval, merge, trainer, artifact signals).
#pragma once
#include <string>

namespace adamix::test {
/// Writes the suites' tiny random Llama to `out_dir` (engine/src/model/init_model.h): hidden 32,
/// 2 layers, 4 heads over 2 key/value heads, FFN 64, seed 11, with the stories260K tokenizer
/// found at `stories_dir`. Throws what writeRandomModel throws.
void writeTinyLlama(const std::string& out_dir, const std::string& stories_dir);
}  // namespace adamix::test
