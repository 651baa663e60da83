// The engine's interruption request (SIGINT/SIGTERM, issue 16): set by the signal handlers of
// `adamix-engine` (engine/tools/main.cpp), polled where the engine may spend long: the training
// loop (train/trainer.cpp) and the reading and tokenizing of data before it (io/untrusted_input,
// train/task_data), so a signal stops a run that is still loading a large or endless input, or
// waiting for a FIFO's writer (readFileBounded polls the flag while it waits).
#pragma once
#include <atomic>
#include <string>

namespace adamix {

/// Set by SIGINT/SIGTERM handlers; the trainer checkpoints and stops with ErrorKind::Interrupted.
extern std::atomic<bool> g_interrupt_requested;

/// Throws EngineError(Interrupted, "interrupted while " + doing, location) once an interrupt was
/// requested; returns otherwise.
void throwIfInterrupted(const std::string& doing, const std::string& location);

}  // namespace adamix
