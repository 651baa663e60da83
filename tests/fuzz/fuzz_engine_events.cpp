// Fuzz target: the app's side of the engine's JSON-lines stream — the incremental parser
// (exec/event_parser.h) fed in arbitrary chunks, each event decoded (exec/engine_events.h) and the
// whole log replayed (exec/event_replay.h) as the executor and `events.jsonl` readers do.
// Property: the parser is chunking-independent — the same bytes fed whole give the same events.
#include <fuzzer/FuzzedDataProvider.h>

#include "exec/engine_events.h"
#include "exec/event_parser.h"
#include "exec/event_replay.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string all = in.ConsumeRemainingBytesAsString();
  // chunk boundaries derived from the bytes themselves, so the whole input is the stream
  adamix::app::EventParser chunked;
  std::vector<nlohmann::json> events;
  size_t pos = 0;
  while (pos < all.size()) {
    const size_t n = 1 + static_cast<unsigned char>(all[pos]) % 64;
    auto out = chunked.feed(QByteArray(all.data() + pos, static_cast<qsizetype>(std::min(n, all.size() - pos))));
    events.insert(events.end(), out.events.begin(), out.events.end());
    pos += n;
  }
  auto last = chunked.finish();
  events.insert(events.end(), last.events.begin(), last.events.end());

  adamix::app::EventParser whole;
  auto w = whole.feed(QByteArray(all.data(), static_cast<qsizetype>(all.size())));
  auto wl = whole.finish();
  w.events.insert(w.events.end(), wl.events.begin(), wl.events.end());
  if (w.events != events) __builtin_trap();

  for (const auto& ev : events) {
    QString error;
    (void)adamix::app::tryDecodeEvent(ev, &error);
  }
  (void)adamix::app::replayEventLog(QByteArray(all.data(), static_cast<qsizetype>(all.size())));
  return 0;
}
