#!/usr/bin/env bash
# Writes the example own datasets of experiments/own_data.json from the real data of the asset
# mirror (default ../shared next to the checkout; or $ADAMIX_ASSET_MIRROR, or the first argument):
#   reviews/     SST-2 as a researcher's own CSV: columns id, review, sentiment (negative / positive);
#                train.csv = the first 16,000 rows of SST-2 train (GLUE ships them shuffled),
#                dev.csv = all 872 dev rows, test.csv = the first 200 dev rows without their label.
#   restaurants/ the E2E NLG dev set as JSONL for generation: one object per meaning representation,
#                {"meaning_representation": ..., "references": [every human reference]}; its 547 MRs
#                in file order, the first 497 in train.jsonl, the last 50 in dev.jsonl (E2E's train
#                split is not in the mirror).
# Deterministic: the same mirror gives byte-identical files.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MIRROR="${1:-${ADAMIX_ASSET_MIRROR:-$(cd "$ROOT/.." && pwd)/shared}}"
SST="$MIRROR/data/glue/SST-2"
E2E="$MIRROR/data/nlg/e2e/valid.txt"
for f in "$SST/train.tsv" "$SST/dev.tsv" "$E2E"; do
  [ -f "$f" ] || { echo "make.sh: $f is missing (asset mirror: $MIRROR)" >&2; exit 1; }
done
mkdir -p "$HERE/reviews" "$HERE/restaurants"

# TSV (sentence, label) -> CSV with every text quoted ("" for a quote), labels as names.
sst_csv() {  # file max_rows with_label
  LC_ALL=C awk -F'\t' -v max="$2" -v lab="$3" '
    NR == 1 { print (lab ? "id,review,sentiment" : "id,review"); next }
    NR - 1 > max { exit }
    { s = $1; sub(/ +$/, "", s); gsub(/"/, "\"\"", s)
      line = (NR - 1) ",\"" s "\""
      if (lab) line = line "," ($2 == 1 ? "positive" : "negative")
      print line }' "$1"
}
sst_csv "$SST/train.tsv" 16000 1 > "$HERE/reviews/train.csv"
sst_csv "$SST/dev.tsv" 100000 1 > "$HERE/reviews/dev.csv"
sst_csv "$SST/dev.tsv" 200 0 > "$HERE/reviews/test.csv"

# E2E `MR||reference` lines -> one JSON object per MR with all its references.
LC_ALL=C awk -v train="$HERE/restaurants/train.jsonl" -v dev="$HERE/restaurants/dev.jsonl" -v dev_n=50 '
  function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); return s }
  { sub(/\r$/, ""); sub(/ +$/, ""); if ($0 == "") next
    i = index($0, "||"); mr = substr($0, 1, i - 1); ref = substr($0, i + 2)
    if (!(mr in refs)) { order[++n] = mr; refs[mr] = "" }
    refs[mr] = refs[mr] (refs[mr] == "" ? "" : ", ") "\"" esc(ref) "\"" }
  END { for (k = 1; k <= n; ++k) {
          out = (k <= n - dev_n) ? train : dev
          printf "{\"meaning_representation\": \"%s\", \"references\": [%s]}\n", esc(order[k]), refs[order[k]] > out } }' "$E2E"
wc -l "$HERE"/reviews/*.csv "$HERE"/restaurants/*.jsonl
