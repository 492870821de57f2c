#!/bin/sh
# Conformance of the test xapi with Xen Orchestra's XenAPI client, the npm
# package `xen-api` at the version package.json pins.  It is installed
# once into CACHE_DIR (under the build directory; never committed).  With
# no npm, or no registry to install from, the test is skipped: TAP's
# "1..0 # SKIP reason" and exit 0, which meson counts as a skip (it counts
# exit 77 of a TAP test as an error), as tests/tap.h's skip_all does.
# Usage: run.sh CACHE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: run.sh CACHE_DIR}
py=${PYTHON:-python3}

skip() { echo "1..0 # SKIP $*"; exit 0; }

[ -n "${CPULEVEL_RPM_CHECK:-}${RPM_BUILD_ROOT:-}" ] &&
    skip "no registry access from a package build"
models=${CPULEVEL_SHARED_DATA:-$here/../../../../shared/data}/cpu-models.json
[ -r "$models" ] || skip "shared data absent: cannot read $models"
command -v node >/dev/null 2>&1 || skip "node not found"
command -v npm >/dev/null 2>&1 || skip "npm not found"
want=$(sed -n 's/.*"xen-api": *"\([^"]*\)".*/\1/p' "$here/package.json")
have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
    "$cache/node_modules/xen-api/package.json" 2>/dev/null | head -n 1)
if [ "$have" != "$want" ]; then
	mkdir -p "$cache" || skip "cannot create $cache"
	cp "$here/package.json" "$cache/package.json"
	if ! (cd "$cache" && timeout 150 npm install --no-audit --no-fund \
	    --omit=dev --loglevel=error >npm-install.log 2>&1); then
		sed 's/^/# /' "$cache/npm-install.log" | tail -n 5
		skip "npm install xen-api@$want failed (no registry?)"
	fi
fi

tmp=$(mktemp -d) || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$py" "$here/../testxapi.py" serve --listen 127.0.0.1:0 \
    --port-file "$tmp/port" --control "$tmp/ctl.sock" --state "$tmp/state" \
    --init-pool Haswell --root-password testpw >"$tmp/log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/port" ] || [ ! -S "$tmp/ctl.sock" ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "Bail out! the test xapi did not start"
		sed 's/^/# /' "$tmp/log"
		exit 1
	fi
	sleep 0.1
done
ctl() { "$py" "$here/../testxapi.py" ctl --control "$tmp/ctl.sock" "$@" >/dev/null; }
ctl host_add '{"model": "Broadwell"}' &&
ctl vm_create '{"name": "conf-vm"}' || { echo "Bail out! setup"; exit 1; }

TESTXAPI_URL="http://127.0.0.1:$(cat "$tmp/port")" \
TESTXAPI_CONTROL="$tmp/ctl.sock" XO_MODULES="$cache/node_modules" \
    timeout 120 node "$here/xo_client.mjs"
