# Helpers for tests/t/pprof-*.sh (sourced after tests/lib.sh; not a test
# itself: run.sh only runs *.sh).

# go tool pprof and tests/interop/check-pprof.sh are there.
go_ready() {
	command -v go >/dev/null 2>&1 && [ -x "$TOOLS/check-pprof.sh" ]
}

# raw_dump FILE OUT: `go tool pprof -raw` of FILE, normalized
# (tests/pprof-normalize.py); fails when pprof rejects FILE.
raw_dump() {
	go tool pprof -symbolize=none -raw "$1" >"$2.raw" 2>"$2.err" &&
		python3 tests/pprof-normalize.py <"$2.raw" >"$2"
}

# pprof_roundtrip NAME FILE: FILE → session JSON → pprof. Go's pprof must
# accept the result (gzip-compressed) and give the same normalized -raw dump.
pprof_roundtrip() {
	local name=$1 f=$2 b
	b=$(mktemp -p "$T" rt.XXXXXX)
	if ! "$RS" convert "$f" -o "$b.json" --from pprof --to session 2>"$b.err" ||
		! "$RS" convert "$b.json" -o "$b.pb.gz" --from session --to pprof 2>>"$b.err"; then
		fail "$name" "conversion failed: $(head -c 300 "$b.err")"
		return
	fi
	if ! "$TOOLS/check-pprof.sh" --strict "$b.pb.gz" >"$b.check" 2>&1; then
		fail "$name" "go tool pprof rejects our output: $(head -c 300 "$b.check")"
		return
	fi
	if ! raw_dump "$f" "$b.want"; then
		skip "$name" "go tool pprof rejects the original: $(head -c 200 "$b.want.err")"
		return
	fi
	raw_dump "$b.pb.gz" "$b.got"
	if cmp -s "$b.want" "$b.got"; then pass "$name"
	else fail "$name" "normalized -raw dumps differ: $(diff "$b.want" "$b.got" | head -6 | cut -c1-200)"; fi
}

# session_roundtrip NAME FILE [FROM]: FILE → session JSON (s1) → pprof →
# session JSON (s2); s1 and s2 must be byte-for-byte equal.
session_roundtrip() {
	local name=$1 f=$2 from=${3:-session} b
	b=$(mktemp -p "$T" srt.XXXXXX)
	if ! "$RS" convert "$f" -o "$b.s1.json" --from "$from" --to session 2>"$b.err" ||
		! "$RS" convert "$b.s1.json" -o "$b.pb.gz" --from session --to pprof 2>>"$b.err" ||
		! "$RS" convert "$b.pb.gz" -o "$b.s2.json" --from pprof --to session 2>>"$b.err"; then
		fail "$name" "conversion failed: $(head -c 300 "$b.err")"
		return
	fi
	if cmp -s "$b.s1.json" "$b.s2.json"; then pass "$name"
	else
		fail "$name" "session JSON differs after pprof: $(diff <(tr ',' '\n' <"$b.s1.json") <(tr ',' '\n' <"$b.s2.json") | head -8 | cut -c1-160 | tr '\n' ' ')"
	fi
}
