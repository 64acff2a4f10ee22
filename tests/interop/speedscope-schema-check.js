#!/usr/bin/env node
// Usage: node speedscope-schema-check.js FILE
// Is FILE valid speedscope JSON, by the format's own published definition?
// Validates it against the file-format-schema.json that the speedscope
// package ships (JSON Schema draft-07, with Ajv), then checks what a schema
// cannot say: frame indices in range; sampled profiles: as many weights as
// samples, weights >= 0; evented profiles: events sorted by `at`, each C
// closes the frame on top, nothing left open, every `at` within
// [startValue, endValue]; endValue >= startValue; activeProfileIndex in
// range. The app forgives some of these (an unknown unit loads), other
// readers of the format may not: run this beside speedscope-load.js.
// Prints one JSON object: ok, file, schema (speedscope version), name,
// exporter, frames, profiles[] {name, type, unit, startValue, endValue,
// samples|events, totalWeight (sampled: the sum of weights; evented: the
// time covered by root frames)}, problems[] (JSON path: message; 50 at most).
// Exit: 0 valid, 1 problems (also: unreadable, not JSON), 2 usage error or
// not installed.
'use strict';
const fs = require('fs');
const path = require('path');

const argv = process.argv.slice(2);
if (argv.length !== 1 || argv[0].startsWith('-')) {
  process.stderr.write('usage: node speedscope-schema-check.js FILE\n');
  process.exit(argv[0] === '--help' || argv[0] === '-h' ? 0 : 2);
}
const file = argv[0];

let Ajv, schema, version;
try {
  Ajv = require('ajv');
  const dir = path.dirname(require.resolve('speedscope/package.json'));
  version = require('speedscope/package.json').version;
  schema = JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'release', 'file-format-schema.json'), 'utf8'));
} catch (e) {
  process.stderr.write(`speedscope-schema-check.js: ajv or speedscope is not installed (run tests/interop/install.sh): ${e.message}\n`);
  process.exit(2);
}

const out = { ok: false, file, schema: `speedscope ${version} file-format-schema.json`, name: null, exporter: null, frames: null, profiles: [], problems: [] };
const problems = [];
const seen = new Set();
const problem = (where, msg) => {
  const m = `${where}: ${msg}`;
  if (!seen.has(m)) { seen.add(m); problems.push(m); }
};
function finish() {
  out.ok = problems.length === 0;
  out.problems = problems.slice(0, 50);
  if (problems.length > 50) out.problems.push(`... and ${problems.length - 50} more`);
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(out.ok ? 0 : 1);
}

let d;
try {
  d = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  problem('$', e.code ? `read: ${e.code}` : `not JSON: ${e.message}`);
  finish();
}

// Ajv's JSON pointers (/profiles/0/unit) as paths ($.profiles[0].unit).
const jsonPath = (ptr) => '$' + ptr.split('/').slice(1).map((k) => {
  k = k.replace(/~1/g, '/').replace(/~0/g, '~');
  return /^\d+$/.test(k) ? `[${k}]` : `.${k}`;
}).join('');

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
if (!validate(d)) {
  for (const e of validate.errors) {
    const q = e.params || {};
    const extra = q.allowedValues ? ` (${q.allowedValues.join(', ')})`
      : q.allowedValue !== undefined ? ` (${JSON.stringify(q.allowedValue)})`
        : q.additionalProperty ? ` (${q.additionalProperty})` : '';
    problem(jsonPath(e.instancePath), `${e.message}${extra}`);
  }
}

const isObj = (x) => x && typeof x === 'object' && !Array.isArray(x);
if (isObj(d)) {
  out.name = d.name === undefined ? null : d.name;
  out.exporter = d.exporter === undefined ? null : d.exporter;
  const frames = isObj(d.shared) && Array.isArray(d.shared.frames) ? d.shared.frames : null;
  out.frames = frames ? frames.length : null;
  const nframes = frames ? frames.length : 0;
  const frameOk = (f, where) => {
    if (!Number.isInteger(f) || f < 0 || f >= nframes) { problem(where, `frame index ${f} out of range (${nframes} frames)`); return false; }
    return true;
  };
  const profiles = Array.isArray(d.profiles) ? d.profiles : [];
  if (d.activeProfileIndex !== undefined && d.activeProfileIndex !== null &&
      !(Number.isInteger(d.activeProfileIndex) && d.activeProfileIndex >= 0 && d.activeProfileIndex < profiles.length)) {
    problem('$.activeProfileIndex', `${d.activeProfileIndex} is not the index of one of the ${profiles.length} profiles`);
  }
  profiles.forEach((p, k) => {
    if (!isObj(p)) return;
    const at = `$.profiles[${k}]`;
    const s = { name: p.name, type: p.type, unit: p.unit, startValue: p.startValue, endValue: p.endValue };
    if (typeof p.startValue === 'number' && typeof p.endValue === 'number' && p.endValue < p.startValue) {
      problem(at, `endValue ${p.endValue} < startValue ${p.startValue}`);
    }
    let total = 0;
    if (p.type === 'sampled' && Array.isArray(p.samples) && Array.isArray(p.weights)) {
      s.samples = p.samples.length;
      if (p.samples.length !== p.weights.length) problem(at, `${p.samples.length} samples but ${p.weights.length} weights`);
      p.weights.forEach((w, j) => {
        if (typeof w !== 'number') return;
        if (w < 0) problem(`${at}.weights[${j}]`, `negative weight ${w}`);
        total += w;
      });
      p.samples.forEach((st, j) => {
        if (Array.isArray(st)) st.forEach((f, i) => frameOk(f, `${at}.samples[${j}][${i}]`));
      });
    } else if (p.type === 'evented' && Array.isArray(p.events)) {
      s.events = p.events.length;
      const stack = [];
      let last = -Infinity, from = 0;
      p.events.forEach((e, j) => {
        const where = `${at}.events[${j}]`;
        if (!isObj(e) || typeof e.at !== 'number') return;
        if (e.at < last) problem(where, `at ${e.at} comes before the previous event's ${last} (events must be sorted)`);
        last = e.at;
        if ((typeof p.startValue === 'number' && e.at < p.startValue) || (typeof p.endValue === 'number' && e.at > p.endValue)) {
          problem(where, `at ${e.at} is outside [startValue ${p.startValue}, endValue ${p.endValue}]`);
        }
        if (!frameOk(e.frame, `${where}.frame`)) return;
        if (e.type === 'O') {
          if (!stack.length) from = e.at;
          stack.push(e.frame);
        } else if (e.type === 'C') {
          const top = stack[stack.length - 1];
          if (top !== e.frame) {
            problem(where, stack.length ? `closes frame ${e.frame} but frame ${top} is on top` : `closes frame ${e.frame} but no frame is open`);
            return;
          }
          stack.pop();
          if (!stack.length) total += e.at - from;
        }
      });
      if (stack.length) problem(at, `${stack.length} frames left open at the end (innermost ${stack[stack.length - 1]})`);
    }
    s.totalWeight = total;
    out.profiles.push(s);
  });
}
finish();
