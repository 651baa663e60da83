#include "protocol/events.h"

#include <chrono>
#include <iostream>

#include "io/errors.h"

namespace adamix {

double unixTimeSeconds() {
  using namespace std::chrono;
  return duration_cast<duration<double>>(system_clock::now().time_since_epoch()).count();
}

EventStream::EventStream(std::string run_id, const std::string& events_path, bool echo_stdout)
    : run_id_(std::move(run_id)), echo_stdout_(echo_stdout) {
  if (!events_path.empty()) {
    file_ = std::fopen(events_path.c_str(), "a");
    if (!file_) throw EngineError(ErrorKind::Io, "cannot open the event log for appending", events_path);
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
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
  }
}

void EventStream::startHeartbeat(double period_s) {
  stopHeartbeat();
  hb_stop_ = false;
  heartbeat_ = std::thread([this, period_s] {
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
