// What a path is when it is not a regular file, in the words of the bounded readers' refusals
// (io/untrusted_input.h): one wording for the engine's and the app's checks of their inputs.
#pragma once
#include <filesystem>
#include <string>

namespace adamix {

/// What a special file is: "a character device" (/dev/zero), "a block device", "a FIFO",
/// "a socket", else "a special file".
const char* specialFileType(const std::filesystem::file_status& status);

/// Why a file of this status is not a regular file: "no such file", "a directory", "not a
/// regular file (a FIFO)" (specialFileType() in the parentheses); "" for a regular file.
std::string whyNotARegularFile(const std::filesystem::file_status& status);

/// whyNotARegularFile() of `path` (symlinks followed; a path whose status cannot be read is "no
/// such file"). For front ends that check a file before handing it on (`adamix run eval --data`),
/// so that their refusal says what the path is, as readRegularFileBounded's refusals do.
std::string whyNotARegularFile(const std::string& path);

}  // namespace adamix
