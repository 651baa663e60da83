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
#include "io/interrupt.h"

namespace adamix {
namespace {

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
                     const std::map<std::string, std::string>& metadata, bool interruptible) {
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
  auto name = tensors.begin();
  for (const auto& t : data) {
    if (interruptible && g_interrupt_requested) {
      ::close(fd);
      ::unlink(tmp.c_str());
      throwIfInterrupted("writing", path + ":" + name->first);
    }
    writeAll(t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size());
    ++name;
  }
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
