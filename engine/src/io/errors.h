// Engine error types. Every error names the place at fault (file, line, JSON path or tensor name)
// and carries a kind that maps to a documented exit code (docs/protocol.md, "Exit codes").
#pragma once
#include <optional>
#include <stdexcept>
#include <string>

namespace adamix {

/// Error kinds reported in the `error` event's "kind" field; each maps to one exit code.
enum class ErrorKind {
  Internal,    ///< exit 1: a bug or an unexpected library failure
  Usage,       ///< exit 2: bad command line
  Config,      ///< exit 3: malformed/invalid run config (location = JSON path)
  Data,        ///< exit 4: bad dataset file or row (location = file:line)
  Model,       ///< exit 5: missing/corrupt checkpoint, wrong shape/dtype/vocab (location = file/tensor)
  Numerical,   ///< exit 6: NaN/inf loss
  Io,          ///< exit 7: cannot read/write a file (disk full, permissions)
  Interrupted,  ///< exit 8: SIGINT/SIGTERM received; a checkpoint was written if possible
  Preempted,    ///< exit 9: SIGUSR1 (a cluster's time-limit/preemption warning); a checkpoint was
                ///< written and the run continues with --resume when the job is requeued
  Busy          ///< exit 10: another engine holds the run directory's lock (DIR/.engine.lock);
                ///< nothing in the directory was touched (location = the lock file)
};

/// Name used in the protocol ("config", "data", ...).
const char* errorKindName(ErrorKind k);
/// Process exit code for a kind (see docs/protocol.md).
int errorKindExitCode(ErrorKind k);
/// The kind an exit code stands for (the inverse of errorKindExitCode: 1..10), or nullopt for any
/// other code. For an engine that exited without its `error` event (it could not write it).
std::optional<ErrorKind> errorKindOfExitCode(int code);

/// Exception carrying a kind, a human message and the location at fault
/// ("config.json:/peft/lora_targets", "train.tsv:17", "model.safetensors:lm_head.weight").
class EngineError : public std::runtime_error {
 public:
  EngineError(ErrorKind kind, std::string message, std::string location = {})
      : std::runtime_error(location.empty() ? message : location + ": " + message),
        kind_(kind),
        message_(std::move(message)),
        location_(std::move(location)) {}
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  const std::string& location() const { return location_; }

 private:
  ErrorKind kind_;
  std::string message_;
  std::string location_;
};

}  // namespace adamix
