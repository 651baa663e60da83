// Fuzz target: a study file (study/study.h) — parsed, validated and expanded into runs with their
// config hashes, as `adamix study run` and the GUI's designer do.
#include "fuzz_support.h"
#include "study/study.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string path = adamix::fuzz::writeFile("study.json", bytes);
  try {
    const adamix::app::Study study = adamix::app::loadStudyFile(QString::fromStdString(path));
    // expansion validates and hashes every run (about 1 ms each under ASan): expanded up to 32
    // runs, so the fuzzer spends its time on structure rather than on the paper presets' hundreds
    size_t runs = study.tasks.size() * study.seeds.size();
    for (const auto& a : study.axes) runs *= a.values.size();
    if (runs <= 32)
      for (const auto& run : adamix::app::expandStudy(study)) (void)run.configHash;
  } catch (const adamix::app::StudyError& e) {
    if (e.message().empty()) __builtin_trap();  // every rejection says why
  }
  return 0;
}
