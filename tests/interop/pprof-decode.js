#!/usr/bin/env node
// Usage: node pprof-decode.js FILE [--no-check] [--max-label-values N]
// A second pprof decoder, unrelated to Go's: DataDog's pure-JS
// pprof-format. Gunzips FILE when it is gzip, decodes it and prints JSON
// with raw counts (Go's pprof merges samples; this does not): ok,
// sampleTypes, defaultSampleType, periodType, period, timeNanos,
// durationNanos, samples, labelledSamples, valueTotals (per sample type),
// locations, functions, mappings, lines, stringTable (size), maxDepth
// (locations in the deepest sample), comments, labels (per key: kinds,
// count, distinct values up to N, units), dropFrames/keepFrames when set,
// problems[] and decodeMs.
// problems[] are the checks of Go's Profile.CheckValid (ids nonzero and
// unique, references exist, one value per sample type) plus what Go hides
// behind "unrecognized profile format": string indices in range,
// string_table[0] == "", and an empty input. Unlike Go, a location naming
// a missing mapping is a problem too.
// Exit: 0 decoded without problems, 1 unreadable, not decodable, or a
// problem (--no-check: problems do not count), 2 usage error or not
// installed.
'use strict';
const fs = require('fs');
const zlib = require('zlib');

function usage(msg) {
  if (msg) process.stderr.write(`pprof-decode.js: ${msg}\n`);
  process.stderr.write('usage: node pprof-decode.js FILE [--no-check] [--max-label-values N]\n');
  process.exit(2);
}

let file = null, check = true, maxValues = 10;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--no-check') check = false;
  else if (a === '--max-label-values') {
    maxValues = Number(argv[++i]);
    if (!Number.isInteger(maxValues) || maxValues < 0) usage('--max-label-values wants a count');
  } else if (a.startsWith('-') && a !== '-') usage(`unknown option ${a}`);
  else if (file === null) file = a;
  else usage('one FILE only');
}
if (file === null) usage();

let Profile;
try {
  ({ Profile } = require('pprof-format'));
} catch (e) {
  process.stderr.write('pprof-decode.js: pprof-format is not installed (run tests/interop/install.sh)\n');
  process.exit(2);
}

// BigInt values (time_nanos and the like) are printed as exact JSON
// numbers, not strings and not rounded doubles.
function print(out) {
  const s = JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? `\u0000big${v}` : v), 2);
  process.stdout.write(s.replace(/"\\u0000big(-?\d+)"/g, '$1') + '\n');
}
function fail(error) {
  print({ ok: false, file, error });
  process.exit(1);
}
const num = (v) => (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
const big = (v) => (typeof v === 'bigint' ? v : BigInt(v));
// pprof-format reads int64 varints as unsigned.
const s64 = (v) => BigInt.asIntN(64, big(v));

let data;
try {
  data = fs.readFileSync(file);
} catch (e) {
  fail(`read: ${e.code || e.message}`);
}
const t0 = process.hrtime.bigint();
const gzip = data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
if (gzip) {
  try {
    data = zlib.gunzipSync(data);
  } catch (e) {
    fail(`gunzip: ${e.message}`);
  }
}

// A walk over the top-level fields, for what pprof-format does not do:
// - it reads a field key as one byte, so a field numbered above 15 (not in
//   profile.proto, such as rustscope's own extension 1000) derails it where
//   any protobuf reader skips it: such fields are cut out before decoding
//   and listed in unknownFields;
// - it gives a fresh table holding "" when the file has no string at all,
//   so the string_table fields (6) are counted here;
// - it keeps only the last of a repeated scalar, where a repeated
//   time_nanos (9) is how Go spots two concatenated profiles.
function topLevel(buf) {
  const count = new Map(), unknown = new Map(), keep = [];
  let i = 0;
  const varint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  };
  while (i < buf.length) {
    const start = i;
    const key = varint();
    const field = Number(key >> 3n), wire = Number(key & 7n);
    if (field === 0) throw new Error(`field number 0 at byte ${start}`);
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 2) { const n = Number(varint()); i += n; } // not i += varint(): i is read first
    else if (wire === 5) i += 4;
    else throw new Error(`wire type ${wire} at byte ${start}`);
    if (i > buf.length) throw new Error(`field ${field} at byte ${start} runs past the end`);
    if (field <= 15 && (wire === 0 || wire === 2)) {
      count.set(field, (count.get(field) || 0) + 1);
      keep.push(buf.subarray(start, i));
    } else unknown.set(`${field}/${wire}`, (unknown.get(`${field}/${wire}`) || 0) + 1);
  }
  return { count, unknown, known: unknown.size ? Buffer.concat(keep) : buf };
}

let p, top;
try {
  top = topLevel(data);
  p = Profile.decode(top.known);
} catch (e) {
  fail(`decode: ${e.message}`);
}
const decodeMs = Number(process.hrtime.bigint() - t0) / 1e6;

const problems = [];
const strings = p.stringTable.strings;
const nstr = top.count.get(6) || 0;
if (data.length === 0) problems.push('empty input');
else if (nstr === 0) problems.push('string_table is empty (string_table[0] must be "")');
else if (strings[0] !== '') problems.push(`string_table[0] is ${JSON.stringify(strings[0])}, not ""`);
if ((top.count.get(9) || 0) > 1) problems.push('time_nanos appears twice: two profiles concatenated?');

// str(index, where): the string, or a problem when the index is out of range.
function str(index, where) {
  const n = Number(index);
  if (n < 0 || n >= strings.length || !Number.isInteger(n)) {
    problems.push(`${where}: string index ${index} out of range (string_table has ${strings.length})`);
    return null;
  }
  return strings[n];
}
const vt = (v, where) => (v ? { type: str(v.type, `${where}.type`), unit: str(v.unit, `${where}.unit`) } : null);

// ids: nonzero and unique; the map is id -> object.
function index(list, what) {
  const m = new Map();
  list.forEach((o, k) => {
    const id = big(o.id);
    if (id === 0n) problems.push(`${what}[${k}]: reserved id 0`);
    else if (m.has(id)) problems.push(`${what}[${k}]: id ${id} used twice`);
    else m.set(id, o);
  });
  return m;
}
const mappings = index(p.mapping, 'mapping');
const locations = index(p.location, 'location');
const functions = index(p.function, 'function');

const sampleTypes = p.sampleType.map((v, k) => vt(v, `sample_type[${k}]`));
p.mapping.forEach((m, k) => {
  str(m.filename, `mapping[${k}].filename`);
  str(m.buildId, `mapping[${k}].build_id`);
});
p.function.forEach((f, k) => {
  for (const n of ['name', 'systemName', 'filename']) str(f[n], `function[${k}].${n}`);
});
let lines = 0;
p.location.forEach((l, k) => {
  const mid = big(l.mappingId);
  if (mid !== 0n && !mappings.has(mid)) problems.push(`location[${k}] (id ${l.id}): mapping ${mid} does not exist`);
  l.line.forEach((ln, j) => {
    lines++;
    const fid = big(ln.functionId);
    if (fid === 0n || !functions.has(fid)) problems.push(`location[${k}].line[${j}] (id ${l.id}): function ${fid} does not exist`);
  });
});
if (p.sample.length && !p.sampleType.length) problems.push('samples but no sample_type');

const totals = sampleTypes.map(() => 0n);
const labels = new Map();
let labelled = 0, maxDepth = 0;
p.sample.forEach((s, k) => {
  if (s.value.length !== sampleTypes.length) {
    problems.push(`sample[${k}]: ${s.value.length} values for ${sampleTypes.length} sample types`);
  }
  s.value.forEach((v, j) => { if (j < totals.length) totals[j] += s64(v); });
  s.locationId.forEach((id, j) => {
    if (!locations.has(big(id))) problems.push(`sample[${k}].location_id[${j}]: location ${id} does not exist`);
  });
  maxDepth = Math.max(maxDepth, s.locationId.length);
  if (s.label.length) labelled++;
  s.label.forEach((l, j) => {
    const where = `sample[${k}].label[${j}]`;
    const key = str(l.key, `${where}.key`);
    let e = labels.get(key);
    if (!e) labels.set(key, (e = { kinds: new Set(), count: 0, values: new Set(), units: new Set() }));
    e.count++;
    // pprof's rule: a label is a string label when str is set.
    if (big(l.str) !== 0n) {
      e.kinds.add('str');
      const v = str(l.str, `${where}.str`);
      if (e.values.size < maxValues) e.values.add(v);
    } else {
      e.kinds.add('num');
      if (e.values.size < maxValues) e.values.add(num(s64(l.num)));
      if (big(l.numUnit) !== 0n) e.units.add(str(l.numUnit, `${where}.num_unit`));
    }
  });
});

const out = {
  ok: problems.length === 0,
  file,
  encoding: gzip ? 'gzip' : 'raw',
  sampleTypes,
  defaultSampleType: big(p.defaultSampleType) === 0n ? null : str(p.defaultSampleType, 'default_sample_type'),
  periodType: vt(p.periodType, 'period_type'),
  period: num(s64(p.period)),
  timeNanos: num(s64(p.timeNanos)),
  durationNanos: num(s64(p.durationNanos)),
  samples: p.sample.length,
  labelledSamples: labelled,
  valueTotals: Object.fromEntries(sampleTypes.map((t, j) => [t ? `${t.type}/${t.unit}` : `#${j}`, num(totals[j])])),
  locations: p.location.length,
  functions: p.function.length,
  mappings: p.mapping.length,
  lines,
  stringTable: strings.length,
  unknownFields: Object.fromEntries(top.unknown),
  maxDepth,
  comments: p.comment.map((c, k) => str(c, `comment[${k}]`)),
  labels: Object.fromEntries([...labels].map(([k, e]) => [k, {
    kinds: [...e.kinds], count: e.count, values: [...e.values],
    ...(e.units.size ? { units: [...e.units] } : {}),
  }])),
};
if (big(p.dropFrames) !== 0n) out.dropFrames = str(p.dropFrames, 'drop_frames');
if (big(p.keepFrames) !== 0n) out.keepFrames = str(p.keepFrames, 'keep_frames');
if (big(p.docUrl) !== 0n) str(p.docUrl, 'doc_url');
// str() may have found more while building out.
out.ok = problems.length === 0;
out.problems = problems.slice(0, 50);
if (problems.length > 50) out.problems.push(`... and ${problems.length - 50} more`);
out.decodeMs = Math.round(decodeMs * 10) / 10;
print(out);
process.exit(problems.length && check ? 1 : 0);
