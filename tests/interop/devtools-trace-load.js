#!/usr/bin/env node
// Usage: node devtools-trace-load.js FILE [SCREENSHOT.png] [--timeout SEC] [--rows N] [--strict]
// Does Chrome's own DevTools open FILE, a Chrome Trace Event JSON file? The
// reference reader that runs offline: the Performance panel of the DevTools
// front end bundled in Chromium. Chromium starts headless with
// --remote-debugging-port=0 (the port is read back from DevToolsActivePort),
// and the page opens http://127.0.0.1:PORT/devtools/trace_app.html
// ?loadTimelineFromURL=<URL>; FILE is served at that URL by a Playwright
// route on the same origin, because DevTools' CSP allows only
// connect-src 'self'.
// Prints one JSON object: ok, file, reader ("DevTools Performance panel of
// Chromium <version>"), fullRangeMs (the panel's "Full range (N ms)"),
// bottomUp (the first N rows of the Bottom-up table, {selfMs, totalMs,
// activity}; DevTools fills it only for browser-page traces, so [] is no
// failure), consoleErrors[] (DevTools' parser complaints, such as
// "Begin/End events mismatch ..."), error, totalMs.
// A bare .cpuprofile and a trace without its closing ] are refused
// ("Error loading log"). An empty trace never finishes loading: it fails
// only when --timeout (default 60 s) runs out.
// --strict: exit 1 when DevTools logged complaints while parsing.
// Exit: 0 accepted, 1 rejected or timed out, 2 usage error or the harness
// could not run.
'use strict';
const fs = require('fs');
const path = require('path');
const { parseArgs, timeoutMs, launch } = require('./chromium');

const NAME = 'devtools-trace-load.js';
const t0 = Date.now();
const { opts, args, bad } = parseArgs(NAME,
  'node devtools-trace-load.js FILE [SCREENSHOT.png] [--timeout SEC] [--rows N] [--strict]',
  process.argv.slice(2), { '--timeout': 'value', '--rows': 'value', '--strict': 'flag' });
if (args.length < 1 || args.length > 2) bad('one FILE and at most one SCREENSHOT');
const [file, shot] = args;
const timeout = timeoutMs(opts, 60, bad);
const rows = opts.rows === undefined ? 10 : Number(opts.rows);
if (!Number.isInteger(rows) || rows < 0) bad('--rows wants a count');

const out = { ok: false, file, reader: null, fullRangeMs: null, bottomUp: [], consoleErrors: [], error: null, totalMs: null };
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

let crashed = null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const UNIT_MS = { 'μs': 1e-3, 'µs': 1e-3, ms: 1, s: 1e3, min: 6e4 };
// "416.00 ms", "4.25 s", "1,234 ms", "298.1 ms48.4 %" -> milliseconds
function toMs(text) {
  const m = /([\d.,]+)\s*(μs|µs|ms|s|min)(?![a-z])/.exec(text || '');
  return m ? Number(m[1].replace(/,/g, '')) * UNIT_MS[m[2]] : null;
}

(async () => {
  const browser = await launch(NAME, ['--remote-debugging-port=0']);
  let code = 1;
  try {
    code = await run(browser);
  } catch (e) {
    // Out of time or a crashed page is DevTools' failure; anything else
    // is the harness's.
    const theirs = crashed || e.name === 'TimeoutError';
    out.error = crashed ? 'page crashed' : `${theirs ? '' : 'harness: '}${e.message.split('\n')[0]}`;
    code = theirs ? 1 : 2;
  } finally {
    await browser.close();
  }
  finish(code);
})();

async function run({ context, dir }) {
  // Chromium writes the port it chose on the first line.
  let port = null;
  for (let i = 0; i < 100 && !port; i++) {
    try { port = Number(fs.readFileSync(path.join(dir, 'DevToolsActivePort'), 'utf8').split('\n')[0]) || null; } catch (e) { /* not yet */ }
    if (!port) await sleep(100);
  }
  if (!port) { out.error = 'harness: Chromium wrote no DevToolsActivePort'; return 2; }
  const origin = `http://127.0.0.1:${port}`;
  try {
    const v = await (await fetch(`${origin}/json/version`)).json();
    out.reader = `DevTools Performance panel of ${String(v.Browser).replace(/^(Headless)?Chrome\//, 'Chromium ')}`;
  } catch (e) {
    out.reader = 'DevTools Performance panel of Chromium';
  }

  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') out.consoleErrors.push(m.text().slice(0, 500)); });
  page.on('pageerror', (e) => out.consoleErrors.push(`page error: ${e.message.slice(0, 500)}`));
  page.on('crash', () => { crashed = 'page crashed'; });
  const traceURL = `${origin}/rs-interop/${encodeURIComponent(path.basename(file))}`;
  await page.route(`${origin}/rs-interop/**`, (r) => r.fulfill({ status: 200, body, contentType: 'application/json' }));
  await page.goto(`${origin}/devtools/trace_app.html?loadTimelineFromURL=${encodeURIComponent(traceURL)}`,
    { timeout });

  // The breadcrumb "Full range (N ms)" appears once the timeline is built
  // (attached, though hidden while not zoomed); a refusal is the
  // "Debugging connection was closed / Reason: ..." screen.
  const range = page.getByText(/^Full range \(/);
  const reason = page.getByText(/^Reason: /);
  const deadline = t0 + timeout;
  for (;;) {
    if (crashed) { out.error = crashed; return 1; }
    if (await reason.count()) {
      out.error = `DevTools refused the trace: ${(await reason.first().textContent()).trim()}`;
      return 1;
    }
    if (await range.count()) break;
    if (Date.now() > deadline) {
      out.error = `timed out after ${timeout / 1000} s: DevTools showed neither a timeline nor an error (an empty trace does that)`;
      return 1;
    }
    await sleep(250);
  }
  out.fullRangeMs = toMs(await range.first().textContent());
  if (shot) await page.screenshot({ path: shot });
  if (rows) out.bottomUp = await bottomUp(page).catch(() => []);
  if (opts.strict && out.consoleErrors.length) { out.error = 'DevTools logged errors while loading (--strict)'; return 1; }
  out.ok = true;
  return 0;
}

// The Bottom-up tab's first rows. The first click only closes the
// keyboard-shortcuts popup DevTools shows over the panel.
async function bottomUp(page) {
  const tab = page.getByRole('tab', { name: 'Bottom-up' });
  await tab.click({ force: true, timeout: 3000 });
  await sleep(200);
  await tab.click({ timeout: 3000 });
  await sleep(800);
  const cells = await page.evaluate(() => {
    const found = [];
    const walk = (n) => {
      if (n.shadowRoot) walk(n.shadowRoot);
      for (const c of n.children || []) {
        if (c.tagName === 'TR') {
          const td = [...c.children].filter((x) => x.tagName === 'TD').map((x) => x.innerText.trim());
          if (td.length >= 3 && td[2]) found.push(td);
        }
        walk(c);
      }
    };
    walk(document.body);
    return found;
  });
  return cells.slice(0, rows).map((td) => ({ selfMs: toMs(td[0]), totalMs: toMs(td[1]), activity: td[2].split('\n')[0] }));
}
