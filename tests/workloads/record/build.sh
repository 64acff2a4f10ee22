#!/usr/bin/env bash
# Builds the record workloads into OUTDIR (default $BUILD/workloads):
# rsworkload (Rust, release with debuginfo and frame pointers, crates alpha,
# beta, gamma built as rlibs), rsworkload.nodebug (debug info stripped:
# symbol table only), rsworkload.stripped (everything stripped), cwork (C);
# for the unwinding accuracy tests, rsunwind (Rust, same flags, three phases
# at 1/3 of the CPU time each, one calling a leaf without frame pointer) and
# cnofp (C, the same phases, built without frame pointers); spike (C, a
# scripted fd leak and memory spike, for record --continuous).
# Skips the rebuild when the outputs are newer than the sources.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-${BUILD:-build}/workloads}
mkdir -p "$out"
if [ -x "$out/rsworkload.stripped" ] && [ -x "$out/cwork" ] &&
   [ -x "$out/rsunwind" ] && [ -x "$out/cnofp" ] && [ -x "$out/spike" ] &&
   [ -z "$(find "$src" -newer "$out/rsworkload.stripped" -name '*.[cr]s' -o -newer "$out/rsworkload.stripped" -name '*.c')" ]; then
	exit 0
fi
command -v rustc >/dev/null || { echo "build.sh: rustc not found" >&2; exit 1; }
flags=(-C opt-level=3 -C debuginfo=2 -C force-frame-pointers=yes --edition 2021)
for c in alpha beta gamma; do
	rustc "${flags[@]}" --crate-type rlib --crate-name "$c" "$src/$c.rs" -o "$out/lib$c.rlib"
done
rustc "${flags[@]}" --crate-type bin --crate-name workload "$src/main.rs" -L "$out" \
	--extern alpha="$out/libalpha.rlib" --extern beta="$out/libbeta.rlib" \
	--extern gamma="$out/libgamma.rlib" -o "$out/rsworkload"
strip --strip-debug -o "$out/rsworkload.nodebug" "$out/rsworkload"
strip --strip-all -o "$out/rsworkload.stripped" "$out/rsworkload"
rustc "${flags[@]}" --crate-type bin --crate-name rsunwind "$src/unwind.rs" -o "$out/rsunwind"
cc -O2 -g -fno-omit-frame-pointer -pthread -o "$out/cwork" "$src/cwork.c"
cc -O2 -g -fomit-frame-pointer -pthread -o "$out/cnofp" "$src/cnofp.c"
cc -O2 -g -fno-omit-frame-pointer -o "$out/spike" "$src/spike.c"
