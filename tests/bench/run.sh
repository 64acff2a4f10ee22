#!/usr/bin/env bash
# make bench: every benchmark section tests/bench/<name>.sh, one after the
# other (each prints its own table of rustscope beside the anchor tool, as
# ratios). Timing targets live here, never in tests.
# Usage: tests/bench/run.sh [NAME...]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export RS=${RS:-$top/${BUILD:-build}/rustscope}
names=${*:-$(ls tests/bench/*.sh | xargs -n1 basename | sed 's/\.sh$//' | grep -v '^run$')}
rc=0
for n in $names; do
	echo "== $n"
	bash "tests/bench/$n.sh" || rc=1
	echo
done
exit $rc
