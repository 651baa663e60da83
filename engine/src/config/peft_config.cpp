#include "config/peft_config.h"

#include <sstream>

#include "io/errors.h"

namespace adamix {

const char* peftMethodName(PeftMethod m) {
  switch (m) {
    case PeftMethod::Full: return "full";
    case PeftMethod::Head: return "head";
    case PeftMethod::BitFit: return "bitfit";
    case PeftMethod::Adapter: return "adapter";
    case PeftMethod::Lora: return "lora";
  }
  return "adapter";
}

const char* sharingName(Sharing s) {
  switch (s) {
    case Sharing::Up: return "up";
    case Sharing::Down: return "down";
    case Sharing::None: return "none";
  }
  return "up";
}

PeftMethod parsePeftMethod(const std::string& t, const std::string& path) {
  if (t == "full") return PeftMethod::Full;
  if (t == "head") return PeftMethod::Head;
  if (t == "bitfit") return PeftMethod::BitFit;
  if (t == "adapter") return PeftMethod::Adapter;
  if (t == "lora") return PeftMethod::Lora;
  throw EngineError(ErrorKind::Config, "unknown PEFT method '" + t + "' (expected full, head, bitfit, adapter or lora)",
                    path);
}

Sharing parseSharing(const std::string& t, const std::string& path) {
  if (t == "up") return Sharing::Up;
  if (t == "down") return Sharing::Down;
  if (t == "none") return Sharing::None;
  throw EngineError(ErrorKind::Config, "unknown sharing '" + t + "' (expected up, down or none)", path);
}

void checkLoraAlpha(double alpha, const std::string& location) {
  if (alpha > 0 && alpha <= kMaxLoraAlpha) return;  // false for NaN too
  std::ostringstream got;
  got << alpha;
  throw EngineError(ErrorKind::Config, "must be > 0 and at most 3e38 (float32), got " + got.str(), location);
}

std::pair<int64_t, int64_t> modulesPerProjection(const AdaMixOptions& o) {
  const int64_t m = o.num_modules;
  switch (o.sharing) {
    case Sharing::Up: return {m, 1};
    case Sharing::Down: return {1, m};
    case Sharing::None: return {m, m};
  }
  return {m, m};
}

}  // namespace adamix
