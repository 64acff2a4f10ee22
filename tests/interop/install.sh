#!/usr/bin/env bash
# Usage: tests/interop/install.sh [--check]
# Installs the formats' own readers that the interop tests drive (see
# README.md): Debian's golang-go (go tool pprof) and chromium, with
# apt-get, only when missing (as root, or with sudo -n); then `npm ci` here
# (speedscope, playwright-core, pprof-format, ajv), only when node_modules
# does not match package-lock.json. Node.js >= 20 with npm must be there
# already: playwright-core needs 20, and Debian 12's nodejs is 18.
# Idempotent: a second run does nothing and takes well under a second.
# --check installs nothing: it says what is missing (on stderr).
# Ends with "interop: ready (versions)" on stdout.
# Exit: 0 ready, 1 something missing or an install failed, 2 usage error.
set -u
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
stamp=$here/node_modules/.rustscope-package-lock.json
check=0
case $#:${1:-} in
0:) ;;
1:--check) check=1 ;;
*:-h|*:--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
*) echo "usage: tests/interop/install.sh [--check]" >&2; exit 2 ;;
esac

missing_debs() {
	debs=()
	command -v go >/dev/null 2>&1 || debs+=(golang-go)
	# fonts-liberation: a Recommends of chromium that pages need for text
	[ -x "$chromium" ] || debs+=(chromium fonts-liberation)
}
node_ok() {
	local v
	v=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
	[ "$v" -ge 20 ] 2>/dev/null && command -v npm >/dev/null 2>&1
}
# node_modules is what package-lock.json pins when `npm ci` finished here
# (it leaves a copy of the lock as the stamp).
modules_ok() { cmp -s "$here/package-lock.json" "$stamp"; }

missing_debs
if [ $check = 0 ] && [ ${#debs[@]} -gt 0 ]; then
	sudo=
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"
		else echo "interop: need root to install ${debs[*]}: apt-get install --no-install-recommends ${debs[*]}" >&2; fi
	fi
	if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
		echo "interop: installing ${debs[*]} (apt-get)" >&2
		log=$(mktemp)
		if ! { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends "${debs[@]}"; } >"$log" 2>&1; then
			tail -5 "$log" >&2
		fi
		rm -f "$log"
	fi
	missing_debs
fi

why=()
[ ${#debs[@]} -eq 0 ] || why+=("Debian packages ${debs[*]}")
if ! node_ok; then
	why+=("Node.js >= 20 with npm (found $(node --version 2>/dev/null || echo no node)$(command -v npm >/dev/null || echo ', no npm'), and Debian 12's nodejs is 18: install Node.js 20 or newer)")
elif ! modules_ok; then
	if [ $check = 1 ]; then
		why+=("npm packages (tests/interop/node_modules does not match package-lock.json)")
	else
		echo "interop: npm ci in tests/interop" >&2
		# playwright-core only drives Debian's chromium: never fetch a browser.
		if (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2); then
			cp "$here/package-lock.json" "$stamp"
		else
			why+=("npm packages (npm ci failed)")
		fi
	fi
fi
if [ ${#why[@]} -gt 0 ]; then
	all=$(printf '%s; ' "${why[@]}")
	if [ $check = 1 ]; then echo "interop: missing: ${all%; } (run tests/interop/install.sh)" >&2
	else echo "interop: not ready: ${all%; }" >&2; fi
	exit 1
fi

pkgs=$(cd "$here" && node -p '["speedscope", "playwright-core", "pprof-format", "ajv"].map((p) => `${p} ${require(`${p}/package.json`).version}`).join(", ")' 2>/dev/null) ||
	{ echo "interop: not ready: the npm packages do not load" >&2; exit 1; }
echo "interop: ready ($(go version | awk '{print $3}'), chromium $("$chromium" --version 2>/dev/null | awk '{print $2}'), node $(node --version), $pkgs)"
