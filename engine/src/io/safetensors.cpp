#include "io/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "io/errors.h"

namespace adamix {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;  // the format's own limit

struct DtypeInfo {
  torch::ScalarType type;
  uint64_t size;
};

bool lookupDtype(const std::string& name, DtypeInfo& out) {
  static const std::map<std::string, DtypeInfo> table = {{"F32", {torch::kFloat32, 4}},
                                                         {"F16", {torch::kFloat16, 2}},
                                                         {"BF16", {torch::kBFloat16, 2}},
                                                         {"I64", {torch::kInt64, 8}},
                                                         {"I32", {torch::kInt32, 4}}};
  auto it = table.find(name);
  if (it == table.end()) return false;
  out = it->second;
  return true;
}

[[noreturn]] void fail(const std::string& path, const std::string& tensor, const std::string& msg) {
  throw EngineError(ErrorKind::Model, msg, tensor.empty() ? path : path + ":" + tensor);
}

uint64_t readLe64(const unsigned char* b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

std::string ioErrno() { return std::strerror(errno); }

}  // namespace

std::string safetensorsDtypeName(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kInt64: return "I64";
    case torch::kInt32: return "I32";
    default:
      throw EngineError(ErrorKind::Internal,
                        std::string("dtype not supported by the safetensors writer: ") + c10::toString(t));
  }
}

SafetensorsHeader readSafetensorsHeader(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path, "", "file not found");
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "", "cannot determine file size: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "", "cannot open file");
  if (file_size < 8)
    fail(path, "",
         "file is " + std::to_string(file_size) + " bytes, too short for a safetensors header (truncated file?)");
  unsigned char lenbuf[8];
  in.read(reinterpret_cast<char*>(lenbuf), 8);
  if (!in) fail(path, "", "cannot read the header length");
  const uint64_t n = readLe64(lenbuf);
  if (n > file_size - 8)
    fail(path, "",
         "header length " + std::to_string(n) + " exceeds the file size " + std::to_string(file_size) +
             " (truncated or not a safetensors file)");
  if (n > kMaxHeaderBytes) fail(path, "", "header length " + std::to_string(n) + " exceeds 100 MB");
  std::string text(n, '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  if (!in) fail(path, "", "cannot read the header");

  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(path, "", std::string("invalid JSON header: ") + e.what());
  }
  if (!j.is_object()) fail(path, "", "header is not a JSON object");

  SafetensorsHeader h;
  h.data_start = 8 + n;
  const uint64_t data_size = file_size - h.data_start;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail(path, name, "__metadata__ is not a JSON object");
      for (auto m = v.begin(); m != v.end(); ++m)
        h.metadata[m.key()] = m.value().is_string() ? m.value().get<std::string>() : m.value().dump();
      continue;
    }
    if (!v.is_object()) fail(path, name, "header entry is not a JSON object");
    SafetensorsEntry e;
    if (!v.contains("dtype") || !v["dtype"].is_string()) fail(path, name, "missing or non-string dtype");
    e.dtype = v["dtype"].get<std::string>();
    DtypeInfo info{};
    if (!lookupDtype(e.dtype, info))
      fail(path, name, "unsupported dtype '" + e.dtype + "' (supported: F32, F16, BF16, I64, I32)");
    if (!v.contains("shape") || !v["shape"].is_array()) fail(path, name, "missing or non-array shape");
    uint64_t numel = 1;
    bool overflow = false;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0)
        fail(path, name, "shape entries must be non-negative integers, got " + v["shape"].dump());
      const uint64_t dim = d.get<uint64_t>();
      if (dim != 0 && numel > std::numeric_limits<uint64_t>::max() / dim / info.size) overflow = true;
      numel *= dim;
      e.shape.push_back(static_cast<int64_t>(dim));
    }
    if (overflow) fail(path, name, "shape " + v["shape"].dump() + " is too large");
    const auto& off = v.contains("data_offsets") ? v["data_offsets"] : nlohmann::json();
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_integer() || !off[1].is_number_integer() ||
        off[0].get<int64_t>() < 0 || off[1].get<int64_t>() < 0)
      fail(path, name, "data_offsets must be two non-negative integers, got " + off.dump());
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    if (e.begin > e.end) fail(path, name, "data_offsets " + off.dump() + " are reversed");
    if (e.end > data_size)
      fail(path, name,
           "data_offsets " + off.dump() + " reach beyond the data section of " + std::to_string(data_size) +
               " bytes (truncated file?)");
    if (e.end - e.begin != numel * info.size)
      fail(path, name,
           "data_offsets " + off.dump() + " span " + std::to_string(e.end - e.begin) + " bytes but dtype " + e.dtype +
               " x shape " + v["shape"].dump() + " needs " + std::to_string(numel * info.size));
    h.entries.emplace(name, std::move(e));
  }

  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> order;
  for (const auto& [k, e] : h.entries)
    if (e.end > e.begin) order.emplace_back(&k, &e);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (size_t i = 1; i < order.size(); ++i)
    if (order[i].second->begin < order[i - 1].second->end)
      fail(path, *order[i].first, "data overlaps tensor '" + *order[i - 1].first + "'");
  return h;
}

SafetensorsFile loadSafetensors(const std::string& path, bool to_float32) {
  SafetensorsHeader h = readSafetensorsHeader(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "", "cannot open file");
  SafetensorsFile out;
  out.metadata = std::move(h.metadata);
  for (const auto& [name, e] : h.entries) {
    DtypeInfo info{};
    lookupDtype(e.dtype, info);
    torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(info.type));
    const uint64_t bytes = e.end - e.begin;
    if (bytes > 0) {
      in.seekg(static_cast<std::streamoff>(h.data_start + e.begin));
      in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(bytes));
      if (!in) fail(path, name, "short read of tensor data (file changed or truncated?)");
    }
    if (to_float32 && t.is_floating_point() && t.scalar_type() != torch::kFloat32) t = t.to(torch::kFloat32);
    out.tensors.emplace(name, std::move(t));
  }
  return out;
}

void saveSafetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                     const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) {
    nlohmann::json m = nlohmann::json::object();
    for (const auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = m;
  }
  std::vector<torch::Tensor> data;
  data.reserve(tensors.size());
  uint64_t offset = 0;
  for (const auto& [name, t0] : tensors) {
    if (!t0.defined()) throw EngineError(ErrorKind::Internal, "undefined tensor", path + ":" + name);
    torch::Tensor t = t0.detach().to(torch::kCPU).contiguous();
    const std::string dtype = safetensorsDtypeName(t.scalar_type());
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    header[name] = {{"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(std::move(t));
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw EngineError(ErrorKind::Io, "cannot create file: " + ioErrno(), tmp);
  auto writeAll = [&](const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
      ssize_t w = ::write(fd, c, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        const std::string err = ioErrno();
        ::close(fd);
        ::unlink(tmp.c_str());
        throw EngineError(ErrorKind::Io, "write failed: " + err, path);
      }
      c += w;
      n -= static_cast<size_t>(w);
    }
  };
  unsigned char lenbuf[8];
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) lenbuf[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xff);
  writeAll(lenbuf, 8);
  writeAll(text.data(), text.size());
  for (const auto& t : data) writeAll(t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size());
  if (::fsync(fd) != 0) {
    const std::string err = ioErrno();
    ::close(fd);
    ::unlink(tmp.c_str());
    throw EngineError(ErrorKind::Io, "fsync failed: " + err, path);
  }
  if (::close(fd) != 0) {
    const std::string err = ioErrno();
    ::unlink(tmp.c_str());
    throw EngineError(ErrorKind::Io, "close failed: " + err, path);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = ioErrno();
    ::unlink(tmp.c_str());
    throw EngineError(ErrorKind::Io, "cannot rename temporary file into place: " + err, path);
  }
  // Make the rename itself durable (best effort).
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::string shapeText(at::IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

}  // namespace adamix
