#!/usr/bin/env bash
# Builds the Debian package: build/packages/adamix-studio_<version>_amd64.deb (CPack, packaging/):
# the three programs, man pages from their --help (help2man), desktop entry, icons, study MIME type,
# AppStream metainfo, docs and example studies; Depends computed by dpkg-shlibdeps.
# Installs what is missing (as scripts/build.sh), builds, packs; prints the package's path last.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
# Progress and errors of the build go to stderr: stdout carries only the package's path.
"$ROOT/scripts/install-deps.sh" help2man dpkg-dev file >&2
"$ROOT/scripts/build.sh" >&2
rm -f "$BUILD_DIR"/packages/adamix-studio_*.deb
(cd "$BUILD_DIR" && cpack -G DEB > "$BUILD_DIR/cpack.log" 2>&1) || { cat "$BUILD_DIR/cpack.log" >&2; exit 1; }
ls "$BUILD_DIR"/packages/adamix-studio_*_amd64.deb
