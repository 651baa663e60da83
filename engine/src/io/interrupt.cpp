#include "io/interrupt.h"

#include "io/errors.h"

namespace adamix {

std::atomic<bool> g_interrupt_requested{false};

void throwIfInterrupted(const std::string& doing, const std::string& location) {
  if (g_interrupt_requested) throw EngineError(ErrorKind::Interrupted, "interrupted while " + doing, location);
}

}  // namespace adamix
