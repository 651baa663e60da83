#include "io/errors.h"

namespace adamix {

const char* errorKindName(ErrorKind k) {
  switch (k) {
    case ErrorKind::Internal: return "internal";
    case ErrorKind::Usage: return "usage";
    case ErrorKind::Config: return "config";
    case ErrorKind::Data: return "data";
    case ErrorKind::Model: return "model";
    case ErrorKind::Numerical: return "numerical";
    case ErrorKind::Io: return "io";
    case ErrorKind::Interrupted: return "interrupted";
    case ErrorKind::Preempted: return "preempted";
    case ErrorKind::Busy: return "busy";
  }
  return "internal";
}

int errorKindExitCode(ErrorKind k) {
  switch (k) {
    case ErrorKind::Internal: return 1;
    case ErrorKind::Usage: return 2;
    case ErrorKind::Config: return 3;
    case ErrorKind::Data: return 4;
    case ErrorKind::Model: return 5;
    case ErrorKind::Numerical: return 6;
    case ErrorKind::Io: return 7;
    case ErrorKind::Interrupted: return 8;
    case ErrorKind::Preempted: return 9;
    case ErrorKind::Busy: return 10;
  }
  return 1;
}

std::optional<ErrorKind> errorKindOfExitCode(int code) {
  for (ErrorKind k : {ErrorKind::Internal, ErrorKind::Usage, ErrorKind::Config, ErrorKind::Data, ErrorKind::Model,
                      ErrorKind::Numerical, ErrorKind::Io, ErrorKind::Interrupted, ErrorKind::Preempted,
                      ErrorKind::Busy})
    if (errorKindExitCode(k) == code) return k;
  return std::nullopt;
}

}  // namespace adamix
