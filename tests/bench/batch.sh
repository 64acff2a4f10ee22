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
rm -rf "$dir/o1" "$dir/o2"
t1=$(secs "$RS" convert --batch "$dir/in.tar.gz" --to pprof -o "$dir/o1.tar.gz" -j 1 -q --force)
t2=$(secs "$RS" convert --batch "$dir/in.tar.gz" --to pprof -o "$dir/o2.tar.gz" -j 2 -q --force)
d1=$(secs "$RS" convert --batch "$dir/in" --to pprof -o "$dir/o1" -j 1 -q --force)
d2=$(secs "$RS" convert --batch "$dir/in" --to pprof -o "$dir/o2" -j 2 -q --force)
npprof=$(ls "$dir/in/pprof" | wc -l)
gostart=$(date +%s.%N)
for f in "$dir"/in/pprof/*.pb.gz; do go tool pprof -proto -output "$dir/go.pb.gz" "$f" >/dev/null 2>&1; done
gosecs=$(echo "$(date +%s.%N) - $gostart" | bc)
rsp=$(secs "$RS" convert --batch "$dir/in/pprof" --to pprof -o "$dir/o3" -j 1 -q --force)
printf '%-46s %10s\n' "batch ($files profiles)" "wall s"
printf '%-46s %10.2f\n' "rustscope tar.gz -> tar.gz, -j1" "$t1" "rustscope tar.gz -> tar.gz, -j2" "$t2" \
	"rustscope dir -> dir, -j1" "$d1" "rustscope dir -> dir, -j2" "$d2"
awk -v a="$t1" -v b="$t2" -v c="$d1" -v d="$d2" 'BEGIN { printf "scaling -j2 vs -j1: archive %.2fx, directory %.2fx (target >= 1.8x)\n", a / b, c / d }'
printf '%-46s %10.2f\n' "go tool pprof -proto, $npprof files one by one" "$gosecs" "rustscope the same $npprof files, -j1" "$rsp"
awk -v g="$gosecs" -v r="$rsp" 'BEGIN { printf "rustscope vs go on the pprof part: %.1fx faster\n", g / r }'
[ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"
