#!/usr/bin/env bash
# Installs what building and testing need, by Debian package name. Does
# nothing when everything is present; when not root, prints the command.
set -euo pipefail
pkgs=(gcc make pkg-config libprotobuf-c-dev protobuf-c-compiler libyajl-dev zlib1g-dev
      libelf-dev libdw-dev libunwind-dev libiberty-dev libarchive-dev python3 python3-jsonschema
      golang-go clang libclang-rt-14-dev linux-perf uftrace bc valgrind)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The formats' own readers for the interop tests are installed by
# tests/interop/install.sh (make interop-deps), not here.
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive $cmd
		exit 0
	fi
	echo "rustscope: missing packages: ${missing[*]}" >&2
	echo "run as root:  apt-get update && $cmd" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive $cmd >/dev/null
