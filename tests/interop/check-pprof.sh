#!/usr/bin/env bash
# Usage: check-pprof.sh [--traces] [--strict] FILE
# Does Go's own pprof read FILE? Runs `go tool pprof -symbolize=none -raw`
# (decode + Profile.CheckValid) and prints a summary of pprof's dump:
#   OK FILE / encoding: gzip|raw / sample_types: type/unit ... /
#   default_sample_type: T (when set) / period_type: T U / period: N /
#   samples: N / labelled_samples: N / locations: N / mappings: N /
#   traces: N (--traces: also runs `go tool pprof -traces`, which resolves
#   every frame of every sample).
# --strict also rejects a file that is not gzip (pprof reads raw protobuf,
# but every real producer writes gzip).
# pprof merges samples with the same stack and labels and drops all-zero
# ones, so `samples` may be below the file's Sample count (pprof-decode.js
# gives raw counts). Symbolization is off: the result depends on FILE only.
# Exit: 0 accepted, 1 rejected ("FAIL FILE: ..." here, pprof's message on
# stderr), 2 usage error or no go.
set -u
usage() { echo "usage: check-pprof.sh [--traces] [--strict] FILE" >&2; exit 2; }
traces=0 strict=0 file=
for a in "$@"; do
	case $a in
	--traces) traces=1 ;;
	--strict) strict=1 ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) usage ;;
	*) [ -z "$file" ] || usage; file=$a ;;
	esac
done
[ -n "$file" ] || usage
command -v go >/dev/null 2>&1 || { echo "check-pprof.sh: go is not installed (tests/interop/install.sh)" >&2; exit 2; }
[ -r "$file" ] && [ -f "$file" ] || { echo "FAIL $file: cannot read it"; exit 1; }

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
# go wants a writable HOME and build cache even for `go tool`; CI may give
# neither.
for v in HOME GOCACHE GOPATH; do
	d=${!v:-}
	if [ -z "$d" ] || ! { mkdir -p "$d" && [ -w "$d" ]; } 2>/dev/null; then export "$v=$tmp/$v"; mkdir -p "$tmp/$v"; fi
done

enc=raw
[ "$(head -c 2 "$file" | od -An -tx1 | tr -d ' \n')" = 1f8b ] && enc=gzip
if [ $strict = 1 ] && [ $enc != gzip ]; then
	echo "FAIL $file: not gzip-compressed (--strict; every real producer writes gzip)"
	exit 1
fi
if ! go tool pprof -symbolize=none -raw "$file" >"$tmp/raw" 2>"$tmp/err"; then
	echo "FAIL $file: go tool pprof -raw: $(grep -v '^failed to fetch' "$tmp/err" | head -1)"
	cat "$tmp/err" >&2
	exit 1
fi
if [ $traces = 1 ] && ! go tool pprof -symbolize=none -traces "$file" >"$tmp/traces" 2>"$tmp/err"; then
	echo "FAIL $file: go tool pprof -traces: $(head -1 "$tmp/err")"
	cat "$tmp/err" >&2
	exit 1
fi

echo "OK $file"
echo "encoding: $enc"
# The layout is Profile.String() of github.com/google/pprof: header lines,
# "Samples:", the sample types, one line per sample ("v1 v2: loc ids")
# each followed by its label lines, "Locations", "Mappings".
awk '
	/^PeriodType: / { pt = substr($0, 13) }
	/^Period: / { period = $2 }
	/^Samples:$/ { sec = "types"; next }
	/^Locations$/ { sec = "loc"; next }
	/^Mappings$/ { sec = "map"; next }
	sec == "types" {
		for (i = 1; i <= NF; i++) {
			t = $i
			if (sub(/\[dflt\]$/, "", t)) dflt = t
			types = types (types == "" ? "" : " ") t
		}
		sec = "samples"; next
	}
	sec == "samples" && /^ *-?[0-9]+( +-?[0-9]+)*:( |$)/ { n++; inlab = 0; next }
	sec == "samples" && /^ +[^ ]/ { if (!inlab) { labelled++; inlab = 1 } next }
	sec == "loc" && /^ *[0-9]+: / { loc++ }
	sec == "map" && /^ *[0-9]+: / { maps++ }
	END {
		print "sample_types: " types
		if (dflt != "") print "default_sample_type: " dflt
		print "period_type: " (pt == "" ? "none" : pt)
		print "period: " (period == "" ? 0 : period)
		print "samples: " n + 0
		print "labelled_samples: " labelled + 0
		print "locations: " loc + 0
		print "mappings: " maps + 0
	}' "$tmp/raw"
# -traces prints a separator line before each sample and one at the end.
[ $traces = 1 ] && awk '/^-+\+-+$/ { n++ } END { print "traces: " (n > 0 ? n - 1 : 0) }' "$tmp/traces"
exit 0
