// The default output folder of an artifact command (eval, merge) when a folder of that name is
// taken: the first of NAME, NAME-2, NAME-3, … that is free, so that two different results never
// share one folder (a stored evaluation would point at another evaluation's files).
#pragma once
#include <filesystem>
#include <functional>

namespace adamix {

/// The first of `base`, `base-2`, `base-3`, … that does not exist, is an empty directory, or
/// holds the same result (`holdsSame(dir)`: the caller reads the record it writes there, e.g.
/// metrics.json, and compares what identifies the result). Throws nothing; `holdsSame` may.
std::filesystem::path firstFreeOutputFolder(const std::filesystem::path& base,
                                            const std::function<bool(const std::filesystem::path&)>& holdsSame);

}  // namespace adamix
