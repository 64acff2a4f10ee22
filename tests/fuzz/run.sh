#!/usr/bin/env bash
# make fuzz: builds a libFuzzer harness per importer (clang, ASan+UBSan) and
# runs each for FUZZ_SECONDS (default 60), seeded from corpus/ (examples and
# every format's files, corpus/MANIFEST.tsv) and tests/bad/. Crashes are copied to tests/fuzz-regressions/<name>/,
# which tests/t/fuzz-regressions.sh replays in make check.
# Usage: tests/fuzz/run.sh [NAME...]   (an importer: session rustscope pprof perfscript
# speedscope collapsed chrome cpuprofile; or roundtrip-FORMAT for a writable one;
# or alloc-stream, record --alloc's decoder of the shim's stream: alloc_stream.c,
# seeded from tests/fuzz/seeds-alloc-stream/ (alloc-seeds.py), its crashes replayed by
# tests/unit/alloc_stream.c)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${FUZZ_SECONDS:-60}
out=build/fuzz
make -s build/gen/profile.pb-c.h build/rustscope
mkdir -p "$out"
flags=(-g -O1 -std=c11 -D_GNU_SOURCE -I. -Ibuild/gen $(pkg-config --cflags yajl libprotobuf-c))
libs=($(pkg-config --libs yajl libprotobuf-c zlib) -liberty -lm)
core=(lib/*.c schema/*.c importers/*.c exporters/*.c build/gen/profile.pb-c.c)

seeds() { # importer → seed directory
	local d=$out/seeds-$1
	rm -rf "$d"; mkdir -p "$d"
	case $1 in
	session) cp corpus/examples/*.session.json tests/bad/*.json "$d"/ ;;
	rustscope) cp corpus/examples/rustscope-v3.json "$d"/ ;;
	pprof) find corpus/pprof -type f -size -400k -exec cp {} "$d"/ \;
		# our own files (rustscope comment, frames column), unzipped for mutation
		for f in corpus/examples/*.session.json "$d"/google-pprof__internal__report__testdata__sample.cpu; do
			[ -f "$f" ] && build/rustscope convert "$f" -o - --to pprof 2>/dev/null | gzip -dc >"$d/own-${f##*/}.pb"
		done ;;
	chrome|cpuprofile) find corpus/$1 -type f -size -100k -exec cp {} "$d"/ \; ;;
	perfscript) find corpus/perfscript -type f -size -100k -exec cp {} "$d"/ \; ;;
	speedscope) find corpus/speedscope -type f -exec cp {} "$d"/ \; ;;
	collapsed) find corpus/collapsed -type f -size -40k -exec cp {} "$d"/ \; ;;
	alloc-stream) cp tests/fuzz/seeds-alloc-stream/* "$d"/ ;;
	esac
	echo "$d"
}

# roundtrip-FORMAT: import, export, import again, same session (roundtrip.c)
all="session rustscope pprof perfscript speedscope collapsed chrome cpuprofile"
all="$all roundtrip-session roundtrip-pprof roundtrip-speedscope roundtrip-collapsed roundtrip-chrome roundtrip-cpuprofile"
all="$all alloc-stream"
for name in ${@:-$all}; do
	bin=$out/fuzz-$name
	fmt=${name#roundtrip-}
	echo "fuzz: building $bin"
	if [ "$name" = alloc-stream ]; then
		clang "${flags[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
			tests/fuzz/alloc_stream.c sampler/alloc.c lib/*.c "${libs[@]}" -o "$bin"
	elif [ "$fmt" = "$name" ]; then
		clang "${flags[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
			-DIMPORT=rs_import_$name tests/fuzz/fuzz.c "${core[@]}" "${libs[@]}" -o "$bin"
	else
		clang "${flags[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
			-DIMPORT=rs_import_$fmt -DEXPORT=rs_export_$fmt tests/fuzz/roundtrip.c "${core[@]}" \
			"${libs[@]}" -o "$bin"
	fi
	work=$out/corpus-$name
	mkdir -p "$work" tests/fuzz-regressions/$name
	echo "fuzz: running $name for ${secs}s"
	set +e
	"$bin" -max_total_time="$secs" -max_len=262144 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="tests/fuzz-regressions/$name/" "$work" "$(seeds $fmt)" 2>&1 |
		grep -E '^#[0-9]+ +(DONE|pulse)|ERROR|SUMMARY|Done' | tail -4
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" -eq 0 ] || { echo "fuzz: $name found a problem; see tests/fuzz-regressions/$name/"; exit 1; }
done
