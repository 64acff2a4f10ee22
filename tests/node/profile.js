// Writes a CPU (wall) profile and a heap profile with @datadog/pprof, for
// tests/t/pprof-node.sh. Usage: node profile.js OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

let pprof;
try {
  pprof = require('@datadog/pprof');
} catch (e) {
  console.error('SKIP-REASON: cannot load @datadog/pprof: ' + e.message.split('\n')[0]);
  process.exit(77);
}

function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

function busy(ms) {
  const end = Date.now() + ms;
  let s = 0;
  while (Date.now() < end) s += fib(18);
  return s;
}

async function main() {
  const out = process.argv[2];
  pprof.heap.start(32 * 1024, 64);
  pprof.time.start({ durationMillis: 700, intervalMicros: 1000, withContexts: false });
  const keep = [];
  for (let i = 0; i < 2000; i++) keep.push(new Array(64).fill(i));
  busy(600);
  const wall = pprof.time.stop();
  const heap = pprof.heap.profile();
  const w = await pprof.encode(wall);
  const h = await pprof.encode(heap);
  fs.writeFileSync(path.join(out, 'node-wall.pb.gz'), w);
  fs.writeFileSync(path.join(out, 'node-heap.pb.gz'), h);
  console.log('wrote', w.length, h.length, keep.length);
}

main().catch((e) => { console.error(e); process.exit(1); });
