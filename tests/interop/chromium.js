// What speedscope-load.js and devtools-trace-load.js share: Debian's
// Chromium started headless through playwright-core (which never downloads
// a browser of its own), a throwaway profile, option parsing, and the exit
// codes of every harness here: 0 accepted, 1 rejected, 2 could not run.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// speedscope draws with WebGL; headless Chromium without a GPU gives it
// software WebGL only when SwiftShader is allowed explicitly.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

// A harness that could not do its job says why and exits 2: that says
// nothing about the file.
function cannot(name, msg) {
  process.stderr.write(`${name}: ${msg}\n`);
  process.exit(2);
}

// parseArgs(name, usage, argv, spec): spec maps each option to 'flag' or
// 'value'; returns { opts, args } or exits 2.
function parseArgs(name, usage, argv, spec) {
  const opts = {}, args = [];
  const bad = (msg) => {
    process.stderr.write(`${name}: ${msg}\nusage: ${usage}\n`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      process.stdout.write(`usage: ${usage}\n`);
      process.exit(0);
    }
    if (!a.startsWith('--')) { args.push(a); continue; }
    const kind = spec[a];
    if (!kind) bad(`unknown option ${a}`);
    if (kind === 'flag') opts[a.slice(2)] = true;
    else {
      if (i + 1 >= argv.length) bad(`${a} wants a value`);
      opts[a.slice(2)] = argv[++i];
    }
  }
  return { opts, args, bad };
}

// timeoutMs(opts, dflt): --timeout SEC checked.
function timeoutMs(opts, dflt, bad) {
  const s = opts.timeout === undefined ? dflt : Number(opts.timeout);
  if (!(s > 0)) bad('--timeout wants seconds > 0');
  return s * 1000;
}

function playwright(name) {
  try {
    return require('playwright-core');
  } catch (e) {
    cannot(name, 'playwright-core is not installed (run tests/interop/install.sh)');
  }
}

// launch(name, extraArgs): a persistent context on a fresh profile
// directory (the caller may read files Chromium writes there, such as
// DevToolsActivePort). Returns { context, dir, close }.
async function launch(name, extraArgs = []) {
  const { chromium } = playwright(name);
  if (!fs.existsSync(CHROMIUM)) cannot(name, `${CHROMIUM} is not installed (run tests/interop/install.sh)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-interop-chromium-'));
  const rmdir = () => fs.rmSync(dir, { recursive: true, force: true });
  let context;
  try {
    context = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS.concat(extraArgs),
      acceptDownloads: true,
      viewport: { width: 1280, height: 800 },
      timeout: 60000,
    });
  } catch (e) {
    rmdir();
    cannot(name, `Chromium did not start: ${String(e.message).split('\n')[0]}`);
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
    rmdir();
  };
  return { context, dir, close };
}

module.exports = { CHROMIUM, FLAGS, cannot, parseArgs, timeoutMs, launch, playwright };
