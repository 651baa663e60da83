#include "protocol/events.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>

#include "io/errors.h"

namespace adamix {

double unixTimeSeconds() {
  using namespace std::chrono;
  return duration_cast<duration<double>>(system_clock::now().time_since_epoch()).count();
}

EventStream::EventStream(std::string run_id, const std::string& events_path, bool echo_stdout)
    : run_id_(std::move(run_id)), events_path_(events_path), echo_stdout_(echo_stdout) {
  if (!events_path.empty()) {
    // A log cut mid-line (killed mid-write, disk full) gets its line ended first, so the first
    // event appended on resume is a line of its own and the torn one stays a single bad line.
    bool torn = false;
    if (std::FILE* in = std::fopen(events_path.c_str(), "rb")) {
      torn = std::fseek(in, -1, SEEK_END) == 0 && std::fgetc(in) != '\n';
      std::fclose(in);
    }
    file_ = std::fopen(events_path.c_str(), "a");
    if (!file_) throw EngineError(ErrorKind::Io, "cannot open the event log for appending", events_path);
    if (torn && (std::fputc('\n', file_) == EOF || std::fflush(file_) != 0)) {
      std::fclose(file_);
      file_ = nullptr;
      throw EngineError(ErrorKind::Io, std::string("cannot write the event log: ") + std::strerror(errno), events_path);
    }
  }
}

EventStream::~EventStream() {
  stopHeartbeat();
  if (file_) std::fclose(file_);
}

void EventStream::emit(const std::string& event, nlohmann::json fields) {
  fields["event"] = event;
  fields["schema"] = kProtocolSchema;
  fields["run"] = run_id_;
  fields["time"] = unixTimeSeconds();
  // Non-finite numbers are not JSON; nlohmann writes them as null, which the app treats as missing.
  const std::string line = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  if (echo_stdout_) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  }
  if (file_) {
    errno = 0;
    const bool written = std::fwrite(line.data(), 1, line.size(), file_) == line.size();
    if (std::fflush(file_) != 0 || !written) {
      file_error_ = errno ? std::strerror(errno) : "write failed";
      std::fclose(file_);
      file_ = nullptr;
    }
  }
  if (!file_error_.empty() && !file_error_thrown_ && event != "error" &&
      std::this_thread::get_id() != heartbeat_thread_) {
    file_error_thrown_ = true;
    throw EngineError(ErrorKind::Io, "cannot write the event log: " + file_error_, events_path_);
  }
}

void EventStream::startHeartbeat(double period_s) {
  stopHeartbeat();
  hb_stop_ = false;
  heartbeat_ = std::thread([this, period_s] {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      heartbeat_thread_ = std::this_thread::get_id();
    }
    std::unique_lock<std::mutex> lock(hb_mutex_);
    while (!hb_cv_.wait_for(lock, std::chrono::duration<double>(period_s), [this] { return hb_stop_; })) {
      lock.unlock();
      emit("heartbeat", {{"step", step_.load()}});
      lock.lock();
    }
  });
}

void EventStream::stopHeartbeat() {
  {
    std::lock_guard<std::mutex> lock(hb_mutex_);
    hb_stop_ = true;
  }
  hb_cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

}  // namespace adamix
