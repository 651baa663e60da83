// The engine's interruption request (SIGINT/SIGTERM, issue 16): set by the signal handlers of
// `adamix-engine` (engine/tools/main.cpp: train, eval, merge, generate, export, validate), polled
// where the engine may spend long: the training loop (train/trainer.cpp), the reading and
// tokenizing of data (io/untrusted_input, train/task_data), so a signal stops a command that is
// still loading a large or endless input, or waiting for a FIFO's writer (readFileBounded polls
// the flag while it waits), eval's batches (artifacts/run_eval), merge's steps
// (artifacts/run_merge), decoding steps (artifacts/run_generate) and the tensors an export or a
// merge writes (io/safetensors, interruptible). docs/protocol.md, "Signals".
#pragma once
#include <atomic>
#include <string>

namespace adamix {

/// Set by SIGINT/SIGTERM handlers; the trainer checkpoints and stops with ErrorKind::Interrupted,
/// the artifact commands stop with it and leave no partial output.
extern std::atomic<bool> g_interrupt_requested;

/// Throws EngineError(Interrupted, "interrupted while " + doing, location) once an interrupt was
/// requested; returns otherwise.
void throwIfInterrupted(const std::string& doing, const std::string& location);

}  // namespace adamix
