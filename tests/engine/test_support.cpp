#include "test_support.h"

#include <dlfcn.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace adamix::test {

std::string sharedPath(const std::string& relative) {
  const char* env = std::getenv("ADAMIX_ASSET_MIRROR");
  std::filesystem::path base = env && *env ? env : ADAMIX_SHARED_DIR;
  auto p = base / relative;
  return std::filesystem::exists(p) ? p.string() : std::string();
}

void writeFile(const std::string& path, const std::string& content) {
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << content;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

EngineError expectError(const std::function<void()>& f) {
  try {
    f();
  } catch (const EngineError& e) {
    return e;
  }
  return EngineError(ErrorKind::Internal, "no error thrown", "");
}

bool openBlasHasRuntimeKernelChoice() {
  using Config = char* (*)();
  auto* config = reinterpret_cast<Config>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  return config && std::strstr(config(), "DYNAMIC_ARCH") != nullptr;
}

}  // namespace adamix::test
