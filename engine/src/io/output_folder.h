// The default output folder of an artifact command (eval, merge) when a folder of that name is
// taken: the first of NAME, NAME-2, NAME-3, … that is free, so that two different results never
// share one folder (a stored evaluation would point at another evaluation's files).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace adamix {

/// The first of `base`, `base-2`, `base-3`, … that does not exist, is an empty directory, or holds
/// the same result: its record file `record` (the JSON the command writes there, e.g. metrics.json;
/// read bounded by `max_bytes`) satisfies `sameResult`. A record that is missing, unreadable or
/// too large makes the folder another's. Throws nothing unless `sameResult` does.
std::filesystem::path firstFreeOutputFolder(const std::filesystem::path& base, const std::string& record,
                                            uint64_t max_bytes,
                                            const std::function<bool(const nlohmann::json&)>& sameResult);

}  // namespace adamix
