#!/usr/bin/env bash
# Builds the allocation workloads (record --alloc) into OUTDIR (default
# $BUILD/workloads): calloc (C), rsalloc (Rust, release with debuginfo and
# no frame pointers forced: libunwind's stacks, the default, must do without
# them) and rsalloc.fp (the same with frame pointers, for --call-graph fp).
# Skips the rebuild when the outputs are newer than the sources.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-${BUILD:-build}/workloads}
mkdir -p "$out"
fresh() { [ -x "$1" ] && [ -z "$(find "$src" -newer "$1" \( -name '*.c' -o -name '*.rs' -o -name build.sh \))" ]; }
if fresh "$out/calloc" && fresh "$out/rsalloc" && fresh "$out/rsalloc.fp"; then
	exit 0
fi
command -v rustc >/dev/null || { echo "build.sh: rustc not found" >&2; exit 1; }
cc -O2 -g -pthread -o "$out/calloc" "$src/calloc.c"
flags=(-C opt-level=3 -C debuginfo=2 --edition 2021 --crate-type bin --crate-name rsalloc)
rustc "${flags[@]}" "$src/rsalloc.rs" -o "$out/rsalloc"
rustc "${flags[@]}" -C force-frame-pointers=yes "$src/rsalloc.rs" -o "$out/rsalloc.fp"
