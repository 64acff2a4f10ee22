#!/usr/bin/env node
// Usage: node speedscope-load.js FILE [SCREENSHOT.png] [--as NAME]
//          [--export OUT] [--no-export] [--fail-empty] [--strict] [--timeout SEC]
// Does the speedscope app open FILE? Serves speedscope's built app
// (node_modules/speedscope/dist/release) and FILE from a throwaway HTTP
// server on 127.0.0.1, opens index.html#profileURL=<FILE's URL> in headless
// Chromium, and waits for speedscope's outcome: imported, an alert()
// ("Unrecognized format! ...", "... but it's empty!"), an import exception,
// a page error or a crash. After an import it clicks speedscope's Export
// button and sums up the speedscope JSON that speedscope itself writes, so
// every number below is speedscope's own reading.
// Prints one JSON object: ok, file, servedAs, importer (speedscope's
// "Importing as ..." line), importMs, title, error, consoleWarnings[],
// export {frames, framesWithFile, sampleFrameNames (first 8), profiles[]
// {name, type, unit, startValue, endValue, events|samples, totalWeight
// (sampled: the sum of weights; evented: the time covered by root frames),
// framesUsed, maxDepth}}, empty, totalMs.
// speedscope picks some importers by file name (*.cpuprofile,
// *.speedscope.json, *.chrome.json, *.collapsedstack.txt, *.linux-perf.txt),
// so FILE is served under its own basename, or NAME with --as.
// --export OUT keeps speedscope's export; --no-export skips it (big files).
// --fail-empty: exit 1 when every profile is empty (speedscope accepts that).
// --strict: exit 1 when speedscope's importers logged warnings.
// --timeout SEC (default 120) for the whole load; running out is exit 1.
// Exit: 0 accepted, 1 rejected, 2 usage error or the harness could not run.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { cannot, parseArgs, timeoutMs, launch } = require('./chromium');

const NAME = 'speedscope-load.js';
const t0 = Date.now();
const { opts, args, bad } = parseArgs(NAME,
  'node speedscope-load.js FILE [SCREENSHOT.png] [--as NAME] [--export OUT] [--no-export] [--fail-empty] [--strict] [--timeout SEC]',
  process.argv.slice(2),
  { '--as': 'value', '--export': 'value', '--no-export': 'flag', '--fail-empty': 'flag', '--strict': 'flag', '--timeout': 'value' });
if (args.length < 1 || args.length > 2) bad('one FILE and at most one SCREENSHOT');
const [file, shot] = args;
const timeout = timeoutMs(opts, 120, bad);
if (opts.export && opts['no-export']) bad('--export and --no-export');
const servedAs = opts.as || path.basename(file);
if (!servedAs || servedAs.includes('/')) bad('--as wants a file name');

let release;
try {
  release = path.join(path.dirname(require.resolve('speedscope/package.json')), 'dist', 'release');
  fs.accessSync(path.join(release, 'index.html'));
} catch (e) {
  cannot(NAME, 'speedscope is not installed (run tests/interop/install.sh)');
}

const out = {
  ok: false, file, servedAs, importer: null, importMs: null, title: null, error: null,
  consoleWarnings: [], export: null, empty: null, totalMs: null,
};
function finish(code) {
  out.totalMs = Date.now() - t0;
  if (code === 2) process.stderr.write(`${NAME}: ${out.error}\n`);
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(code);
}

let body;
try {
  body = fs.readFileSync(file);
} catch (e) {
  out.error = `read: ${e.code || e.message}`;
  finish(1);
}

let crashed = false;
const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.wasm': 'application/wasm', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
  '.txt': 'text/plain',
};
// The app's files from dist/release, and FILE at /profile/NAME.
function serve(req, res) {
  const u = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (u === `/profile/${servedAs}`) {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    return res.end(body);
  }
  const f = path.join(release, path.normalize(u === '/' ? '/index.html' : u));
  if (!f.startsWith(release + path.sep)) { res.writeHead(403); return res.end(); }
  fs.readFile(f, (err, data) => {
    if (err) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(f)] || 'application/octet-stream' });
    res.end(data);
  });
}

// The summary of a speedscope JSON file (speedscope's file format).
function summarize(d) {
  const frames = (d.shared && d.shared.frames) || [];
  const profiles = (d.profiles || []).map((p) => {
    const used = new Set();
    const s = { name: p.name, type: p.type, unit: p.unit, startValue: p.startValue, endValue: p.endValue };
    let total = 0, maxDepth = 0;
    if (p.type === 'sampled') {
      s.samples = p.samples.length;
      p.samples.forEach((st, k) => {
        st.forEach((f) => used.add(f));
        maxDepth = Math.max(maxDepth, st.length);
        total += p.weights[k];
      });
    } else {
      s.events = p.events.length;
      let depth = 0, from = 0;
      for (const e of p.events) {
        used.add(e.frame);
        if (e.type === 'O') {
          if (depth++ === 0) from = e.at;
          maxDepth = Math.max(maxDepth, depth);
        } else if (--depth === 0) total += e.at - from;
      }
    }
    return { ...s, totalWeight: total, framesUsed: used.size, maxDepth };
  });
  return {
    frames: frames.length,
    framesWithFile: frames.filter((f) => f.file).length,
    sampleFrameNames: frames.slice(0, 8).map((f) => f.name),
    profiles,
  };
}

(async () => {
  const server = http.createServer(serve);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch(NAME);
  let code = 1;
  try {
    code = await run(browser.context, base);
  } catch (e) {
    // Out of time (say, speedscope never drew its toolbar) or a crashed
    // page is speedscope's failure; anything else is the harness's.
    const theirs = crashed || e.name === 'TimeoutError';
    out.error = crashed ? 'page crashed' : `${theirs ? '' : 'harness: '}${e.message.split('\n')[0]}`;
    code = theirs ? 1 : 2;
  } finally {
    await browser.close();
    server.close();
  }
  finish(code);
})();

async function run(context, base) {
  const page = context.pages()[0] || await context.newPage();
  // The first outcome decides; a later failure (an error while rendering
  // after the import) is kept in late.
  let resolve, settled = false, late = null;
  const outcome = new Promise((r) => { resolve = r; });
  const settle = (v) => {
    if (!settled) { settled = true; resolve(v); } else if (!v.ok && !late) late = v.error;
  };
  const deadline = setTimeout(() => settle({ error: `timed out after ${timeout / 1000} s` }), timeout);
  page.on('console', async (msg) => {
    const text = msg.text();
    if (text.startsWith('Importing as ')) out.importer = text;
    else if (/^import: [\d.]+ ?m?s/.test(text)) settle({ ok: true });
    else if (text.startsWith('Failed to load format')) {
      // console.log("Failed to load format", exception): the stack is
      // in the second argument.
      let why = text;
      try { why = await msg.args()[1].evaluate((e) => (e && e.stack) || String(e)); } catch (e) { /* keep text */ }
      settle({ error: `import failed: ${why}` });
    } else if (msg.type() === 'warning' && !/WebGL|GL Driver|GPU stall/.test(text)) {
      out.consoleWarnings.push(text.slice(0, 500));
    }
  });
  page.on('dialog', (d) => { settle({ error: d.message() }); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => settle({ error: `page error: ${(e.stack || e.message).slice(0, 1000)}` }));
  page.on('crash', () => { crashed = true; settle({ error: 'page crashed' }); });

  const started = Date.now();
  const url = `${base}/index.html#profileURL=${encodeURIComponent(`${base}/profile/${encodeURIComponent(servedAs)}`)}`;
  page.goto(url).catch((e) => settle({ error: `could not open speedscope: ${e.message}` }));
  const r = await outcome;
  clearTimeout(deadline);
  if (!r.ok) {
    out.error = r.error;
    return 1;
  }
  out.importMs = Date.now() - started;
  // The toolbar with Export is there once the profile is rendered.
  const exportButton = page.locator('div', { hasText: /^\u2934\uFE0F?\s*Export$/ }).last();
  await exportButton.waitFor({ state: 'visible', timeout: Math.max(1000, timeout - (Date.now() - t0)) });
  out.title = await page.title();
  if (shot) await page.screenshot({ path: shot });
  if (!opts['no-export']) {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: Math.max(1000, timeout - (Date.now() - t0)) }),
      exportButton.click(),
    ]);
    const saved = await download.path();
    const text = fs.readFileSync(saved, 'utf8');
    if (opts.export) fs.writeFileSync(opts.export, text);
    out.export = summarize(JSON.parse(text));
    out.empty = out.export.profiles.every((p) => !(p.events || p.samples));
  }
  // A render error after the import is a failure too.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  if (late) { out.error = late; return 1; }
  if (opts['fail-empty'] && out.empty) { out.error = 'every profile is empty (--fail-empty)'; return 1; }
  if (opts.strict && out.consoleWarnings.length) { out.error = 'speedscope logged warnings (--strict)'; return 1; }
  out.ok = true;
  return 0;
}
