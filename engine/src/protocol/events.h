// The engine's event stream (docs/protocol.md, schema 1.2): one JSON object per line on stdout,
// mirrored to <run-dir>/events.jsonl. Thread-safe (the heartbeat thread writes too).
#pragma once
#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace adamix {

inline constexpr const char* kProtocolSchema = "1.3";

/// Writes protocol events. Each event gets "event", "schema", "run" and "time" (UNIX seconds).
class EventStream {
 public:
  /// `events_path` empty: stdout only. The file is opened in append mode (resume keeps history).
  /// `echo_stdout` false writes the file only (in-process use, tests).
  /// Throws EngineError(Io) naming the file when it cannot be opened.
  EventStream(std::string run_id, const std::string& events_path, bool echo_stdout = true);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  /// Emits `fields` plus the common fields as one line; flushes stdout and the file.
  /// When the file cannot take the line (disk full, file size limit, I/O error) the log is closed
  /// (it would have a hole from there on) and, on any thread but the heartbeat's and for any event
  /// but `error`, EngineError(Io) naming the file is thrown, once; a failure on the heartbeat
  /// thread is thrown by the next emit of another thread. The line still went to stdout.
  void emit(const std::string& event, nlohmann::json fields = nlohmann::json::object());
  /// Starts a thread emitting `heartbeat` with the current step every `period_s` seconds.
  void startHeartbeat(double period_s = 2.0);
  void stopHeartbeat();
  /// Step reported by heartbeats.
  void setStep(int64_t step) { step_ = step; }

 private:
  std::string run_id_;
  std::FILE* file_ = nullptr;
  std::string events_path_;
  std::string file_error_;  ///< why the event log could not be written ("" while it can)
  bool file_error_thrown_ = false;
  std::thread::id heartbeat_thread_;  ///< set by the heartbeat thread itself (under mutex_)
  bool echo_stdout_ = true;
  std::mutex mutex_;
  std::atomic<int64_t> step_{0};
  std::thread heartbeat_;
  std::mutex hb_mutex_;
  std::condition_variable hb_cv_;
  bool hb_stop_ = false;
};

/// UNIX time in seconds with sub-second precision.
double unixTimeSeconds();

}  // namespace adamix
