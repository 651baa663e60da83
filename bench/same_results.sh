#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Same results from two engine builds: trains three short runs (stories260K on SST-2: AdaMix M = 4
# with consistency, full fine-tuning, LoRA; every step's training loss and dev metrics logged)
# with each `adamix-engine` and compares every metric value as the engine wrote it (17 digits).
# For speed-ups that must not change a bit (docs/performance.md, items 11 and 12): build the
# engine before the change in a worktree and run
#   bench/same_results.sh OLD/build/engine/adamix-engine build/engine/adamix-engine [STEPS] [THREADS]
# (THREADS, default 1: the runs' train.threads; 2 checks kernels that split rows across threads)
# Exit status 0 when all three runs agree, 1 when one differs (the first differing lines shown).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OLD="${1:?usage: same_results.sh OLD_ENGINE NEW_ENGINE [STEPS] [THREADS]}"
NEW="${2:?usage: same_results.sh OLD_ENGINE NEW_ENGINE [STEPS] [THREADS]}"
STEPS="${3:-60}"
THREADS="${4:-1}"
MIRROR="${ADAMIX_ASSET_MIRROR:-$(cd "$ROOT/.." && pwd)/shared}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

config() {  # NAME METHOD MODULES LAMBDA LR
  cat > "$WORK/$1.json" <<EOF
{"run_id": "same-$1", "seed": 1,
 "model": {"path": "$MIRROR/models/stories260K"},
 "task": {"name": "sst2", "data_dir": "$MIRROR/data/glue/SST-2", "max_seq_length": 64,
          "max_train_examples": 4000, "max_dev_examples": 300},
 "peft": {"method": "$2", "adamix": {"num_modules": $3, "consistency_weight": $4}},
 "train": {"max_steps": $STEPS, "batch_size": 32, "learning_rate": $5, "eval_every_steps": $((STEPS / 2)),
           "log_every_steps": 1, "checkpoint_every_steps": 0, "threads": $THREADS}}
EOF
}
config adamix adapter 4 1.0 0.01
config full full 1 0.0 0.001
config lora lora 1 0.0 0.01

metrics() {  # events.jsonl -> "split name step value" per metric event, values as written
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "metric":
        print(e["split"], e["name"], e["step"], repr(e["value"]))' "$1"
}

status=0
for run in adamix full lora; do
  for side in old new; do
    engine="$OLD"; [ "$side" = new ] && engine="$NEW"
    "$engine" train --config "$WORK/$run.json" --run-dir "$WORK/$side-$run" > "$WORK/$side-$run.events" 2> "$WORK/$side-$run.err" ||
      { echo "$run: the $side engine failed: $(tail -1 "$WORK/$side-$run.err")"; exit 1; }
    metrics "$WORK/$side-$run.events" > "$WORK/$side-$run.metrics"
  done
  n=$(wc -l < "$WORK/new-$run.metrics")
  if [ "$n" -gt 0 ] && cmp -s "$WORK/old-$run.metrics" "$WORK/new-$run.metrics"; then
    echo "$run: identical ($n metric values)"
  else
    echo "$run: DIFFERENT"
    diff "$WORK/old-$run.metrics" "$WORK/new-$run.metrics" | head -6 || true
    status=1
  fi
done
exit $status
