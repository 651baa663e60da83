#include "train/run_report.h"

#include "io/errors.h"

namespace adamix {

torch::Device resolveDevice(const std::string& device, const std::string& location) {
  if (device == "cpu") return torch::kCPU;
  if (device == "cuda") {
    if (!torch::cuda::is_available())
      throw EngineError(ErrorKind::Config, "device 'cuda' requested but CUDA is not available", location);
    return torch::Device(torch::kCUDA, 0);
  }
  if (device != "auto")
    throw EngineError(ErrorKind::Config, "device must be auto, cpu or cuda, got \"" + device + "\"", location);
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

nlohmann::json paramsJson(const ParamCounts& c) {
  return {{"total", c.total},
          {"trainable", c.trainable},
          {"trainable_peft", c.trainable_peft},
          {"inference_peft", c.inference_peft},
          {"head", c.head},
          {"base", c.base}};
}

}  // namespace adamix
