# Helpers for tests/t/*.sh (sourced). Environment from tests/run.sh:
# RS (sanitizer build of rustscope), RS_PLAIN, TOP, CORPUS, TOOLS, TMPDIR_TEST.
set -u
T=${TMPDIR_TEST:-$(mktemp -d)}
cd "$TOP" || exit 1

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
skip() { echo "SKIP: $1: $2"; }

# check NAME CONDITION-COMMAND... : PASS when the command succeeds.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name" "failed: $*"; fi
}

# expect_exit NAME CODE COMMAND... : runs COMMAND, output in $T/out, $T/err.
expect_exit() {
	local name=$1 want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then pass "$name"
	else fail "$name" "exit $rc, wanted $want: $* :: $(head -c 400 "$T/err")"; fi
	return 0
}

# expect_err NAME REGEX : the last command's stderr matches REGEX.
expect_err() {
	if grep -qE -- "$2" "$T/err"; then pass "$1"
	else fail "$1" "stderr does not match /$2/: $(head -c 400 "$T/err")"; fi
}

# corpus_files FORMAT [EXPECTED]: the files of $CORPUS (corpus/) whose
# MANIFEST.tsv row has that format and expected (valid by default), one path a line.
corpus_files() {
	awk -F'\t' -v f="$1" -v e="${2:-valid}" -v c="$CORPUS" 'NR > 1 && $2 == f && $3 == e { print c "/" $1 }' "$CORPUS/MANIFEST.tsv"
}

# The formats' own readers (tests/interop, installed by make check's
# interop-deps step) are ready; 0 when they are, else tools_why says why.
tools_ready() {
	tools_why=$("$TOOLS/install.sh" --check 2>&1 >/dev/null) && return 0
	tools_why=${tools_why:-"$TOOLS/install.sh --check failed"}
	return 1
}
