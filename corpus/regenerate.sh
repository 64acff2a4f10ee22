#!/usr/bin/env bash
# make corpus: regenerates the project's own corpus with the real tools —
# Go's runtime/pprof (CPU with pprof.Do labels, heap), Node's --cpu-prof and
# @datadog/pprof, Chromium's --trace-startup, perf record + perf script,
# uftrace's Chrome JSON — and rewrites its own rows of corpus/MANIFEST.tsv
# (source = the producer, license = project, origin = [version] command,
# exercises from tests/corpus-exercises.py, bytes, sha256). Every other row
# (corpus/examples, the third-party files) is kept as it is. A producer that
# is missing is skipped with a message and its old files and rows are kept.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows=$work/rows.tsv
: >"$rows"

# add PATH FORMAT PRODUCER VERSION COMMAND: records a regenerated file
# (path, format, expected, source, license, origin).
add() { printf '%s\t%s\tvalid\t%s\tproject\t[%s] %s\n' "$1" "$2" "$3" "$4" "$5" >>"$rows"; echo "corpus: $1"; }
have() { command -v "$1" >/dev/null 2>&1 || { echo "corpus: skipping $2: $1 is not installed" >&2; return 1; }; }
mkdir -p corpus/pprof corpus/cpuprofile corpus/chrome corpus/perfscript

go_profiles() {
	have go "Go profiles" || return
	local v; v=$(go version | awk '{print $3}')
	(cd tests/workloads/go-labels && GOFLAGS= go run main.go "$top/corpus/pprof/go-cpu-labels.pb.gz" \
		"$top/corpus/pprof/go-heap.pb.gz") || return
	add pprof/go-cpu-labels.pb.gz pprof go-runtime/pprof "$v" "go run tests/workloads/go-labels/main.go (StartCPUProfile, pprof.Do labels worker/tenant)"
	add pprof/go-heap.pb.gz pprof go-runtime/pprof "$v" "go run tests/workloads/go-labels/main.go (pprof.Lookup(\"heap\").WriteTo)"
}

node_profiles() {
	have node "Node profiles" || return
	local v; v=$(node --version)
	cat >"$work/busy.js" <<'JS'
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
let s = 0; const end = Date.now() + 400; while (Date.now() < end) s += fib(20);
console.log(s > 0);
JS
	node --cpu-prof --cpu-prof-dir="$work/cpuprof" --cpu-prof-name=node.cpuprofile "$work/busy.js" >/dev/null &&
		cp "$work/cpuprof/node.cpuprofile" corpus/cpuprofile/node-cpu-prof.cpuprofile &&
		add cpuprofile/node-cpu-prof.cpuprofile cpuprofile node "$v" "node --cpu-prof busy.js (fib loop, 400 ms)"
	(cd tests/node && { [ -d node_modules/@datadog/pprof ] || npm ci --silent >/dev/null 2>&1; } &&
		node profile.js "$work" >/dev/null 2>&1) || { echo "corpus: skipping @datadog/pprof (cannot load)" >&2; return; }
	local dv; dv=$(node -p "require('./tests/node/node_modules/@datadog/pprof/package.json').version")
	cp "$work/node-wall.pb.gz" corpus/pprof/node-datadog-wall.pb.gz
	cp "$work/node-heap.pb.gz" corpus/pprof/node-datadog-heap.pb.gz
	add pprof/node-datadog-wall.pb.gz pprof "@datadog/pprof" "$dv" "node tests/node/profile.js (time profiler)"
	add pprof/node-datadog-heap.pb.gz pprof "@datadog/pprof" "$dv" "node tests/node/profile.js (heap profiler)"
}

chromium_trace() {
	have chromium "the Chromium trace" || return
	local v; v=$(chromium --version 2>/dev/null | awk '{print $2}')
	local page='data:text/html,<script>function f(n){return n<2?n:f(n-1)+f(n-2)} let s=0; for(let i=0;i<30;i++) s+=f(22); document.title=s</script>'
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$work/ud" --trace-startup='v8.execute,disabled-by-default-v8.cpu_profiler' \
		--trace-startup-file="$work/trace.json" --trace-startup-duration=2 --trace-startup-format=json \
		"$page" >/dev/null 2>&1
	[ -s "$work/trace.json" ] || { echo "corpus: chromium wrote no trace" >&2; return; }
	gzip -9n -c "$work/trace.json" >corpus/chrome/chromium-trace-startup.json.gz
	add chrome/chromium-trace-startup.json.gz chrome chromium "$v" "chromium --headless --trace-startup=v8.execute,disabled-by-default-v8.cpu_profiler --trace-startup-duration=2 (fib page), gzip -9n"
}

native_profiles() {
	have cc "native workloads" || return
	cc -O1 -g -fno-omit-frame-pointer -pg -pthread -o "$work/hot" tests/workloads/perf/hot.c || return
	if have perf "perf script"; then
		local v; v=$(perf version 2>/dev/null | awk '{print $3}')
		if (cd "$work" && perf record -q -e cpu-clock -F 499 -g -o "$work/perf.data" "$work/hot" >/dev/null 2>&1); then
			perf script -i "$work/perf.data" 2>/dev/null >corpus/perfscript/perf-script-hot.txt
			add perfscript/perf-script-hot.txt perfscript linux-perf "$v" "perf record -e cpu-clock -F 499 -g ./hot; perf script"
		else
			echo "corpus: skipping perf script: perf record is not permitted here" >&2
		fi
	fi
	if have uftrace "uftrace"; then
		local v; v=$(uftrace --version | head -1 | awk '{print $2}')
		(cd "$work" && uftrace record -d "$work/uft" ./hot >/dev/null 2>&1 &&
			uftrace dump -d "$work/uft" --chrome >"$top/corpus/chrome/uftrace-hot.json" 2>/dev/null) &&
			add chrome/uftrace-hot.json chrome uftrace "$v" "uftrace record ./hot (built with -pg); uftrace dump --chrome"
	fi
}

go_profiles
node_profiles
chromium_trace
native_profiles
if [ -x "${RS:-build/rustscope}" ] && "${RS:-build/rustscope}" help record >/dev/null 2>&1; then
	"${RS:-build/rustscope}" record -F 499 -o corpus/session/record-hot.session.json -- "$work/hot" >/dev/null 2>&1 &&
		add session/record-hot.session.json session rustscope "$("${RS:-build/rustscope}" --version | awk '{print $2}')" "rustscope record -F 499 -- ./hot"
fi

# The manifest: regenerated rows, then rows of files that were not regenerated
# (kept byte for byte); then the regenerated rows' exercises column.
{
	printf 'path\tformat\texpected\tsource\tlicense\torigin\texercises\tbytes\tsha256\n'
	while IFS=$'\t' read -r path format expected source license origin; do
		printf '%s\t%s\t%s\t%s\t%s\t%s\t\t%s\t%s\n' "$path" "$format" "$expected" "$source" "$license" \
			"$origin" "$(stat -c %s "corpus/$path")" "$(sha256sum "corpus/$path" | cut -d' ' -f1)"
	done <"$rows"
	if [ -f corpus/MANIFEST.tsv ]; then
		awk -F'\t' 'NR == FNR { seen[$1] = 1; next } FNR > 1 && !seen[$1]' "$rows" corpus/MANIFEST.tsv
	fi
} >"$work/manifest" && mv "$work/manifest" corpus/MANIFEST.tsv
if [ -s "$rows" ]; then
	python3 tests/corpus-exercises.py --rs "${RS:-build/rustscope}" $(cut -f1 "$rows") ||
		echo "corpus: could not describe the regenerated files (exercises column left empty)" >&2
fi
echo "corpus: $(($(wc -l <corpus/MANIFEST.tsv) - 1)) files in corpus/MANIFEST.tsv"
