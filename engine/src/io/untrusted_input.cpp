#include "io/untrusted_input.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <vector>

#include "io/file_kind.h"
#include "io/interrupt.h"

namespace adamix {

nlohmann::json::parser_callback_t jsonDepthGuard(int max_depth) {
  return [max_depth](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start) &&
        depth >= max_depth)
      throw JsonTooDeep(max_depth);
    return true;
  };
}

nlohmann::json::parser_callback_t jsonStrictGuard(int max_depth) {
  // One frame per open object or array: an object's keys so far and its current key, an array's
  // index of its current element; the pointer of a value is the frames' keys and indices.
  struct Frame {
    bool array = false;
    int64_t index = -1;
    std::set<std::string> keys;
    std::string key;
  };
  auto frames = std::make_shared<std::vector<Frame>>();
  auto pointer = [frames] {
    std::string p;
    for (const auto& f : *frames) {
      if (f.array) {
        p += "/" + std::to_string(f.index);
      } else {
        p += "/";
        for (char c : f.key) p += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
      }
    }
    return p;
  };
  auto depth_guard = jsonDepthGuard(max_depth);
  return [frames, pointer, depth_guard](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    depth_guard(depth, event, parsed);
    const bool starts_value = event == E::value || event == E::object_start || event == E::array_start;
    if (starts_value && !frames->empty() && frames->back().array) ++frames->back().index;
    switch (event) {
      case E::object_start: frames->push_back(Frame{}); break;
      case E::array_start: frames->push_back(Frame{true}); break;
      case E::object_end:
      case E::array_end:
        if (!frames->empty()) frames->pop_back();
        break;
      case E::key: {
        auto& f = frames->back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) throw JsonDuplicateKey(pointer());
        break;
      }
      case E::value: break;
    }
    return true;
  };
}

std::string jsonErrorText(const nlohmann::json::exception& e, std::string_view text) {
  const std::string what = e.what();
  if (e.id != 406) return what;
  const size_t open = what.find('\''), close = what.rfind('\'');
  if (open == std::string::npos || close <= open + 1) return what;
  const std::string token = what.substr(open + 1, close - open - 1);
  // the token's first occurrence outside strings and comments: what comes before the error is valid
  // JSON, whose numbers (none overflows) and literals cannot contain it
  size_t line = 1, column = 1;
  for (size_t i = 0; i < text.size(); ++i, ++column) {
    const char c = text[i];
    if (c == '"') {  // a string: to its closing quote
      for (++i, ++column; i < text.size() && text[i] != '"'; ++i, ++column)
        if (text[i] == '\\') ++i, ++column;
      continue;
    }
    if (c == '/' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '*')) {  // a comment
      const bool block = text[i + 1] == '*';
      for (i += 2, column += 2; i < text.size(); ++i, ++column) {
        if (!block && text[i] == '\n') break;
        if (block && text[i] == '*' && i + 1 < text.size() && text[i + 1] == '/') {
          ++i, ++column;
          break;
        }
        if (text[i] == '\n') line += 1, column = 0;
      }
      if (i < text.size() && text[i] == '\n') line += 1, column = 0;
      continue;
    }
    if (c == '\n') {
      ++line;
      column = 0;
      continue;
    }
    if (text.compare(i, token.size(), token) == 0)
      return what + " at line " + std::to_string(line) + ", column " + std::to_string(column);
  }
  return what;
}

nlohmann::json parseJsonStrict(std::string_view text, const std::string& source, ErrorKind kind) {
  try {
    return nlohmann::json::parse(text.begin(), text.end(), jsonStrictGuard(), /*allow_exceptions=*/true);
  } catch (const JsonTooDeep& e) {
    throw EngineError(kind, e.what(), source);
  } catch (const JsonDuplicateKey& e) {
    throw EngineError(kind, e.what(), source);
  } catch (const nlohmann::json::exception& e) {
    throw EngineError(kind, "invalid JSON: " + jsonErrorText(e, text), source);
  }
}

nlohmann::json parseJsonBounded(std::string_view text, const std::string& source, ErrorKind kind,
                                bool ignore_comments, int max_depth) {
  try {
    return nlohmann::json::parse(text.begin(), text.end(), jsonDepthGuard(max_depth), /*allow_exceptions=*/true,
                                 ignore_comments);
  } catch (const JsonTooDeep& e) {
    throw EngineError(kind, e.what(), source);
  } catch (const nlohmann::json::exception& e) {
    throw EngineError(kind, "invalid JSON: " + jsonErrorText(e, text), source);
  }
}

namespace {

/// Appends `n` bytes of `chunk` to `bytes`; throws EngineError(kind, "WHAT is more than the limit of
/// M bytes", path) once `bytes` is past `max_bytes` (the cut-off of every bounded read).
void appendBounded(std::string& bytes, const char* chunk, size_t n, uint64_t max_bytes, ErrorKind kind,
                   const std::string& what, const std::string& path) {
  bytes.append(chunk, n);
  if (bytes.size() > max_bytes)
    throw EngineError(kind, what + " is more than the limit of " + std::to_string(max_bytes) + " bytes", path);
}

/// How long readPipe waits in poll() before it looks at the interrupt flag again: a signal that
/// lands on another thread than the reading one (the heartbeat, OpenMP workers) interrupts no
/// poll() of this thread, so the flag is polled too.
constexpr int kPipePollMs = 100;

/// A FIFO or pipe read whole, cut off past `max_bytes`, such that SIGINT/SIGTERM ends the wait for
/// a writer or for data with EngineError(Interrupted, "interrupted while reading WHAT", path):
/// a blocking open() of a FIFO without a writer waits in the kernel, and glibc restarts it (and
/// libstdc++ its read()) after the engine's handler has set the flag, so the engine hung until
/// SIGKILL. Here the FIFO is opened with O_NONBLOCK (which returns at once, writer or not) and
/// waited on with poll(), which signals interrupt and which gives up every kPipePollMs. The end of
/// the data is read() returning 0 after poll() said readable or hung up, i.e. once a writer came
/// and every writer closed it — what the blocking open and read made of it.
std::string readPipe(const std::string& path, uint64_t max_bytes, ErrorKind kind, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw EngineError(kind, "cannot open " + what + ": " + std::strerror(errno), path);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::string bytes;
  char chunk[1 << 16];
  for (;;) {
    if (g_interrupt_requested) throwIfInterrupted("reading " + what, path);
    pollfd waiting{fd, POLLIN, 0};
    const int ready = ::poll(&waiting, 1, kPipePollMs);
    if (ready < 0 && errno != EINTR) throw EngineError(kind, "cannot read " + what + ": " + std::strerror(errno), path);
    if (ready <= 0) continue;  // a signal or the time slice: look at the flag again
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0) break;  // every writer closed it
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      throw EngineError(kind, "cannot read " + what + ": " + std::strerror(errno), path);
    }
    appendBounded(bytes, chunk, static_cast<size_t>(n), max_bytes, kind, what, path);
  }
  return bytes;
}

/// readFileBounded and readRegularFileBounded: one look at the file (symlinks followed), then a
/// bounded read. `pipes`: a FIFO is read too (readPipe: in chunks, cut off past the limit, and
/// interruptible while it waits for a writer or for data).
std::string readBounded(const std::string& path, uint64_t max_bytes, ErrorKind kind, const std::string& what,
                        bool pipes) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw EngineError(kind, "cannot open " + what + ": no such file", path);
  if (std::filesystem::is_directory(status)) throw EngineError(kind, "cannot open " + what + ": a directory", path);
  const bool regular = std::filesystem::is_regular_file(status);
  // A pipe is read where allowed (a FIFO or `<(zcat data.gz)` the data is written into while the
  // engine loads); a device or socket never is (/dev/zero would be read until the limit).
  if (!regular && !(pipes && std::filesystem::is_fifo(status)))
    throw EngineError(kind,
                      pipes ? "cannot open " + what + ": not a regular file or a pipe"
                            : "cannot open " + what + ": " + whyNotARegularFile(status),
                      path);
  if (!regular) return readPipe(path, max_bytes, kind, what);
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw EngineError(kind, "cannot determine the size of " + what + ": " + ec.message(), path);
  if (size > max_bytes)
    throw EngineError(kind,
                      what + " is " + std::to_string(size) + " bytes, more than the limit of " +
                          std::to_string(max_bytes) + " bytes",
                      path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw EngineError(kind, "cannot open " + what, path);
  // read up to its checked size (and cut off past the limit should it grow meanwhile)
  std::string bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    if (g_interrupt_requested) throwIfInterrupted("reading " + what, path);  // a large file must not outlast SIGTERM
    appendBounded(bytes, chunk, static_cast<size_t>(in.gcount()), max_bytes, kind, what, path);
  }
  if (in.bad()) throw EngineError(kind, "cannot read " + what, path);
  return bytes;
}

}  // namespace

std::string readFileBounded(const std::string& path, uint64_t max_bytes, ErrorKind kind, const std::string& what) {
  return readBounded(path, max_bytes, kind, what, /*pipes=*/true);
}

std::string readRegularFileBounded(const std::string& path, uint64_t max_bytes, ErrorKind kind,
                                   const std::string& what) {
  return readBounded(path, max_bytes, kind, what, /*pipes=*/false);
}

nlohmann::json readJsonFileBounded(const std::string& path, uint64_t max_bytes, ErrorKind kind,
                                   const std::string& what, bool ignore_comments) {
  return parseJsonBounded(readFileBounded(path, max_bytes, kind, what), path, kind, ignore_comments);
}

}  // namespace adamix
