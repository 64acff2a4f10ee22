#!/usr/bin/env bash
# Batch benchmark (make bench): an archive of 1,000 profiles of mixed sizes
# (pprof from tests/bench/gen-pprof.c, plus session JSON) converted with
# -j1 and -j2 (target: -j2 at least 1.8x faster on 2 cores), and beside it
# the pprof part done file by file with `go tool pprof -proto`.
# Env: RS, FILES (default 1000), BENCH_DIR.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
RS=${RS:-$top/${BUILD:-build}/rustscope}
dir=${BENCH_DIR:-$(mktemp -d)}
files=${FILES:-1000}
cc -O2 -o "$dir/gen-pprof" "$top/tests/bench/gen-pprof.c" -lz || exit 4
mkdir -p "$dir/in/pprof" "$dir/in/session"
for i in $(seq 1 "$files"); do
	n=$((200 + (i * 37 % 40) * 250)) # 200 .. 9950 samples
	if [ $((i % 4)) -eq 0 ]; then
		"$dir/gen-pprof" "$dir/g.pb.gz" "$n" 2000 && "$RS" convert "$dir/g.pb.gz" -o "$dir/in/session/p$i.session.json" -q
	else
		"$dir/gen-pprof" "$dir/in/pprof/p$i.pb.gz" "$n" 2000
	fi
done
tar -czf "$dir/in.tar.gz" -C "$dir/in" .
echo "batch benchmark: $files profiles, $(du -sm "$dir/in" | cut -f1) MB, archive $(du -m "$dir/in.tar.gz" | cut -f1) MB"

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
# pair NAME IN OUT-SUFFIX: -j1 and -j2 on the same work, and the ratio
pair() {
	local a b
	a=$(secs "$RS" convert --batch "$2" --to pprof -o "$dir/j1$3" -j 1 -q --force)
	b=$(secs "$RS" convert --batch "$2" --to pprof -o "$dir/j2$3" -j 2 -q --force)
	printf '%-40s %8.2f %8.2f %8.2fx\n' "$1" "$a" "$b" "$(echo "$a / $b" | bc -l)"
}
printf '%-40s %8s %8s %9s\n' "batch ($files profiles) -> pprof" "-j1 s" "-j2 s" "scaling"
pair "tar.gz archive -> directory" "$dir/in.tar.gz" ""
pair "tar.gz archive -> tar.zst archive" "$dir/in.tar.gz" ".tar.zst"
pair "tar.gz archive -> tar.gz archive" "$dir/in.tar.gz" ".tar.gz"
pair "directory -> directory" "$dir/in" "-dir"
echo "(target: -j2 >= 1.8x -j1 on 2 cores; archive outputs are written by one thread)"
npprof=$(ls "$dir/in/pprof" | wc -l)
gostart=$(date +%s.%N)
for f in "$dir"/in/pprof/*.pb.gz; do go tool pprof -proto -output "$dir/go.pb.gz" "$f" >/dev/null 2>&1; done
gosecs=$(echo "$(date +%s.%N) - $gostart" | bc)
rsp=$(secs "$RS" convert --batch "$dir/in/pprof" --to pprof -o "$dir/o3" -j 1 -q --force)
printf '%-46s %10.2f\n' "go tool pprof -proto, $npprof files one by one" "$gosecs" "rustscope the same $npprof files, -j1" "$rsp"
awk -v g="$gosecs" -v r="$rsp" 'BEGIN { printf "rustscope vs go on the pprof part: %.1fx faster\n", g / r }'
[ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"
