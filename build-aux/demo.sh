#!/usr/bin/env bash
# `make demo`: the main job on bundled examples, with files to open elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
out=demo-out
mkdir -p "$out"
run() { echo "\$ $*"; "$@"; }
run ./rustscope validate corpus/examples/demo.session.json corpus/examples/rustscope-v3.json
run ./rustscope info corpus/examples/demo.session.json --top 5
run ./rustscope convert corpus/examples/demo.session.json -o "$out/demo.pb.gz"
run ./rustscope convert --import-json corpus/examples/rustscope-v3.json --export-json "$out/rustscope-v3.session.json" --rollups
run ./rustscope convert --import-pprof "$out/demo.pb.gz" --export-json "$out/demo-from-pprof.session.json"
run ./rustscope convert corpus/examples/demo.session.json -o "$out/demo.speedscope.json"
run ./rustscope convert corpus/examples/demo.session.json -o "$out/demo.trace.json"
run ./rustscope convert corpus/examples/demo.session.json -o "$out/demo.folded" --collapsed-names rustscope
run ./rustscope roundtrip --native corpus/examples/demo.session.json
echo
echo "Wrote:"
ls -l "$out"
echo
echo "Open them in the viewers you like:"
echo "  go tool pprof -top $out/demo.pb.gz"
echo "  speedscope (https://www.speedscope.app): $out/demo.speedscope.json, $out/demo.folded or $out/demo.pb.gz"
echo "  Chrome DevTools Performance panel or Perfetto (ui.perfetto.dev): $out/demo.trace.json"
