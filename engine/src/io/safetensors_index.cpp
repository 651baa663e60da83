#include "io/safetensors_index.h"

#include <filesystem>
#include <set>

#include "io/errors.h"
#include "io/safetensors_header.h"
#include "io/untrusted_input.h"

namespace fs = std::filesystem;

namespace adamix {

namespace {
constexpr ErrorKind kM = ErrorKind::Model;

// The index as parsed, with repeated weight_map keys detected while parsing (nlohmann keeps only
// the last value of a repeated key, so a tensor listed twice would otherwise pass unnoticed).
nlohmann::json parseIndex(const std::string& text, const std::string& path) {
  std::string top_key;
  std::set<std::string> seen;
  auto guard = jsonDepthGuard();
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (!guard(depth, event, parsed)) return false;
    if (event != nlohmann::json::parse_event_t::key) return true;
    const std::string key = parsed.get<std::string>();
    if (depth == 1) top_key = key;
    if (depth == 2 && top_key == "weight_map" && !seen.insert(key).second)
      throw EngineError(kM, "tensor listed twice in weight_map", path + ":/weight_map/" + key);
    return true;
  };
  try {
    return nlohmann::json::parse(text, callback, /*allow_exceptions=*/true);
  } catch (const JsonTooDeep& e) {
    throw EngineError(kM, e.what(), path);
  } catch (const nlohmann::json::exception& e) {
    throw EngineError(kM, std::string("invalid JSON: ") + e.what(), path);
  }
}

// `name` relative, without "..", and inside `dir` after resolving symlinks.
bool staysInside(const fs::path& dir, const std::string& name) {
  const fs::path rel(name);
  if (name.empty() || rel.is_absolute() || rel.has_root_name() || rel.has_root_directory()) return false;
  for (const auto& part : rel.lexically_normal())
    if (part == "..") return false;
  std::error_code ec;
  const auto root = fs::weakly_canonical(dir, ec);
  if (ec) return false;
  const auto full = fs::weakly_canonical(dir / rel, ec);
  if (ec) return false;
  const auto r = full.lexically_relative(root);
  return !r.empty() && *r.begin() != ".." && r != ".";
}
}  // namespace

SafetensorsShards readSafetensorsIndex(const std::string& model_dir) {
  SafetensorsShards out;
  out.index_path = (fs::path(model_dir) / kSafetensorsIndexName).string();
  const auto& path = out.index_path;
  const auto j = parseIndex(readFileBounded(path, kMaxConfigFileBytes, kM, "safetensors index"), path);
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    throw EngineError(kM, "the index needs a weight_map object (tensor name -> shard file)", path + ":/weight_map");
  if (j["weight_map"].empty()) throw EngineError(kM, "weight_map lists no tensors", path + ":/weight_map");
  std::map<std::string, std::vector<std::string>> by_shard;  // shard path -> tensors listed there
  for (const auto& [tensor, file] : j["weight_map"].items()) {
    const std::string at = path + ":/weight_map/" + tensor;
    if (!file.is_string()) throw EngineError(kM, "shard file name must be a string", at);
    const std::string name = file.get<std::string>();
    if (!staysInside(model_dir, name))
      throw EngineError(kM, "shard path '" + name + "' leaves the model folder (must be a file inside it)", at);
    const std::string shard = (fs::path(model_dir) / name).string();
    out.weight_map[tensor] = shard;
    by_shard[shard].push_back(tensor);
  }
  for (const auto& [shard, tensors] : by_shard) {
    std::error_code ec;
    if (!fs::is_regular_file(shard, ec))
      throw EngineError(kM,
                        "shard listed in " + std::string(kSafetensorsIndexName) + " is missing (" +
                            std::to_string(tensors.size()) + " tensors, e.g. " + tensors.front() + ")",
                        shard);
    out.files.push_back(shard);
    const auto header = readSafetensorsHeader(shard);
    for (const auto& t : tensors)
      if (!header.entries.count(t))
        throw EngineError(kM, "tensor listed in " + std::string(kSafetensorsIndexName) + " for this shard is not in it",
                          shard + ":" + t);
    for (const auto& [t, e] : header.entries) {
      auto it = out.weight_map.find(t);
      if (it == out.weight_map.end())
        throw EngineError(kM, "tensor not listed in " + std::string(kSafetensorsIndexName), shard + ":" + t);
      if (it->second != shard)
        throw EngineError(kM,
                          "tensor stored twice: the index places it in " + fs::path(it->second).filename().string(),
                          shard + ":" + t);
    }
  }
  return out;
}

}  // namespace adamix
