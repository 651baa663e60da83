#!/usr/bin/env bash
# Tests the Debian package as installed (issue 15): builds it (scripts/package.sh), checks it with
# lintian (no errors), installs it with apt-get, uses the installed programs (--version, man pages,
# `adamix-engine inspect` on stories260K, a one-run study through the installed CLI and engine,
# `adamix-studio --screenshot`), removes it and checks that nothing it installed is left.
# Installs and removes a system package: needs root or sudo. CI (.ci/run) runs it after scripts/test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
export ADAMIX_ASSET_MIRROR="${ADAMIX_ASSET_MIRROR:-$(cd "$ROOT/.." && pwd)/shared}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
step() { echo "== test-package: $*"; }
fail() { echo "test-package: FAILED: $*" >&2; exit 1; }

"$ROOT/scripts/install-deps.sh" lintian desktop-file-utils appstream
DEB="$("$ROOT/scripts/package.sh" | tail -1)"
VERSION="$(dpkg-deb -f "$DEB" Version)"
step "package $DEB (version $VERSION)"
dpkg-deb -f "$DEB" Depends

step "lintian"
lintian --fail-on error --tag-display-limit 0 "$DEB" || fail "lintian reports errors"

if dpkg-query -W -f='${Status}' adamix-studio 2>/dev/null | grep -q "install ok installed"; then
  $SUDO apt-get remove -y -qq adamix-studio > /dev/null
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# the directories that exist before the install: those the package creates must be gone afterwards
dpkg-deb -c "$DEB" | awk '{print substr($6, 2)}' | sed 's|/$||' | while read -r p; do
  [ -e "$p" ] && echo "$p"; done > "$WORK/preexisting" || true

step "apt-get install"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$(readlink -f "$DEB")" > "$WORK/apt.log" 2>&1 ||
  { cat "$WORK/apt.log"; fail "apt-get install"; }
dpkg -L adamix-studio > "$WORK/files"
echo "$(wc -l < "$WORK/files") paths installed"

step "installed programs"
export PATH="/usr/bin:$PATH"
unset ADAMIX_ENGINE
cd "$WORK"  # nowhere near the build tree
for p in adamix adamix-engine adamix-studio; do
  [ "$(command -v $p)" = "/usr/bin/$p" ] || fail "$p is not /usr/bin/$p"
  zcat "/usr/share/man/man1/$p.1.gz" | grep -q '^\.TH' || fail "no man page for $p"
done
[ "$(/usr/bin/adamix --version)" = "adamix $VERSION" ] || fail "adamix --version: $(/usr/bin/adamix --version)"
[ "$(/usr/bin/adamix-engine --version)" = "adamix-engine $VERSION" ] || fail "adamix-engine --version"
QT_QPA_PLATFORM=offscreen /usr/bin/adamix-studio --version | grep -qx "AdaMix Studio $VERSION" || fail "adamix-studio --version"
/usr/bin/adamix --version; /usr/bin/adamix-engine --version
/usr/bin/adamix-engine inspect "$ADAMIX_ASSET_MIRROR/models/stories260K" | tee "$WORK/inspect.txt"
grep -q "llama" "$WORK/inspect.txt" || fail "inspect does not name the architecture"
desktop-file-validate /usr/share/applications/adamix-studio.desktop || fail "desktop entry"
appstreamcli validate --no-net /usr/share/metainfo/io.github.adamix_studio.AdaMixStudio.metainfo.xml || fail "AppStream metainfo"
if [ -d /usr/share/mime/application ]; then  # shared-mime-info's trigger compiled the type
  [ -f /usr/share/mime/application/x-adamix-study.xml ] || fail "MIME type application/x-adamix-study not registered"
fi

step "one-run study with the installed CLI and engine"
cat > "$WORK/tiny.adamix.json" <<'JSON'
{ "name": "package-smoke",
  "base": { "model": { "path": "asset:models/stories260K" },
            "task": { "max_seq_length": 64, "max_train_examples": 64, "max_dev_examples": 32 },
            "peft": { "method": "adapter", "adapter": { "bottleneck": 8 }, "adamix": { "num_modules": 2 } },
            "train": { "epochs": 1, "batch_size": 16, "eval_every_steps": 2, "log_every_steps": 1 } },
  "tasks": [ { "name": "rte", "data_dir": "asset:glue/RTE" } ],
  "seeds": [1] }
JSON
/usr/bin/adamix study run "$WORK/tiny.adamix.json" --db "$WORK/ws.sqlite" --runs-dir "$WORK/runs" --jobs 1 --threads 1 |
  tee "$WORK/study.txt"
grep -q "1 finished" "$WORK/study.txt" || fail "the one-run study did not finish"
# the store records the `--version` of the engine that trained each run
trained_by="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select engine_version from runs").fetchone()[0])' "$WORK/ws.sqlite")"
echo "trained by: $trained_by"
[ "$trained_by" = "adamix-engine $VERSION" ] || fail "the run was not trained by the installed engine $VERSION"

step "adamix-studio --screenshot from the installed path"
QT_QPA_PLATFORM=offscreen /usr/bin/adamix-studio --screenshot "$WORK/shots" --workspace "$WORK/ws.sqlite" \
  /usr/share/adamix/experiments/demo.adamix.json > "$WORK/shots.log" 2>&1 || { cat "$WORK/shots.log"; fail "screenshot"; }
n="$(ls "$WORK/shots"/*.png | wc -l)"
[ "$n" -ge 5 ] || fail "only $n screenshots"
echo "$n screenshots: $(cd "$WORK/shots" && ls *.png | tr '\n' ' ')"

step "apt-get remove"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq adamix-studio > "$WORK/apt.log" 2>&1 ||
  { cat "$WORK/apt.log"; fail "apt-get remove"; }
left=0
while read -r p; do
  if grep -qx "$p" "$WORK/preexisting"; then continue; fi
  if [ -e "$p" ] || [ -L "$p" ]; then echo "left behind: $p"; left=$((left + 1)); fi
done < "$WORK/files"
[ "$left" -eq 0 ] || fail "$left paths left behind after removal"
echo "removed: none of the $(wc -l < "$WORK/files") installed paths is left (pre-existing directories kept)"
step "passed"
