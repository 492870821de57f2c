#!/bin/sh
# The README's promises (issue 13): the demo fails fast, with the daemon's
# own error, and keeps its log; it ends at once on SIGINT and SIGTERM and
# leaves no daemon; scripts/dev refuses what it does not know with its
# usage and installs quietly; the README's nanocat example runs as written;
# scripts/skip-reasons puts every skip's reason on the console.
#
#   tests/test_promises.sh SOURCE_ROOT BUILD_ROOT
set -u

src=$1
build=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpulevel-promises.XXXXXX")
# Whatever a failed check left running, by its arguments under our own
# directory, then the directory.
cleanup() {
	for pid in $(pgrep -f "$tmp/" 2>/dev/null); do
		kill "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
models=${CPULEVEL_SHARED_DATA:-$src/../shared/data}/cpu-models.json
n=0
echo "1..27"

ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}
skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}
# now: seconds since the epoch, to the tenth
now() { t=$(date +%s%2N); echo $((t / 10)); }

# A featured that cannot start, saying why, as a real one does.
cat >"$tmp/bad-featured" <<'STUB'
#!/bin/sh
echo "cpulevel-featured: stub: the database is in use by another featured" >&2
exit 1
STUB
# A migcheck that never answers, so that the demo waits for it.
cat >"$tmp/mute-migcheck" <<'STUB'
#!/bin/sh
exec python3 -c 'import sys, time; time.sleep(60)' "$@"
STUB
chmod +x "$tmp/bad-featured" "$tmp/mute-migcheck"

# demo_fails DEMO: run DEMO with the stub featured.
demo_fails() {
	demo=$1
	mkdir "$tmp/$demo"
	t0=$(now)
	TMPDIR="$tmp/$demo" CPULEVEL_FEATURED_BIN="$tmp/bad-featured" \
	    CPULEVEL_MODELS="$models" timeout 30 "$src/scripts/$demo" \
	    "$build" >"$tmp/$demo.out" 2>&1
	rc=$?
	t=$(($(now) - t0))
	[ "$rc" -eq 1 ]
	ok $? "$demo: a featured that exits at start fails the demo (exit $rc)"
	[ "$t" -lt 40 ]
	ok $? "$demo: within 4 seconds ($((t / 10)).$((t % 10))s)"
	grep -q 'stub: the database is in use' "$tmp/$demo.out"
	ok $? "$demo: prints the daemon's own error"
	log=$(ls "$tmp/$demo"/*/featured.log 2>/dev/null)
	[ -n "$log" ] && grep -q 'stub: the database' "$log"
	ok $? "$demo: keeps featured's log"
	state=$(dirname "${log:-/nonexistent/x}")
	grep -qF "kept in $state" "$tmp/$demo.out"
	ok $? "$demo: says where ($state)"
}

# demo_signal DEMO SIGNAL STATUS: the demo waits for a mute migcheck;
# SIGNAL ends it at once with STATUS, and no daemon of it remains.
demo_signal() {
	demo=$1
	mkdir -p "$tmp/$demo-$2"
	python3 - "$src/scripts/$demo" "$build" "$2" "$3" <<PY >"$tmp/sig.out" 2>&1
import os, signal, subprocess, sys, time
demo, build, sig, want = sys.argv[1:5]
env = dict(os.environ, TMPDIR="$tmp/$demo-$2",
           CPULEVEL_MIGCHECK_BIN="$tmp/mute-migcheck",
           CPULEVEL_MODELS="$models")
p = subprocess.Popen([demo, build], env=env, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
time.sleep(1.5)
t0 = time.time()
p.send_signal(getattr(signal, "SIG" + sig))
try:
    rc = p.wait(timeout=5)
except subprocess.TimeoutExpired:
    p.kill()
    sys.exit("still running 5 seconds after %s" % sig)
took = time.time() - t0
if rc != int(want):
    sys.exit("exit %d, not %s" % (rc, want))
if took > 2:
    sys.exit("took %.1fs" % took)
PY
	rc=$?
	awk '{ print "# " $0 }' "$tmp/sig.out"
	ok $rc "$demo: $2 ends it at once with exit $3"
	sleep 0.2
	left=$(pgrep -f "$tmp/$demo-$2" 2>/dev/null)
	[ -z "$left" ]
	ok $? "$demo: no daemon left after $2${left:+ (left: $left)}"
}

demo_fails demo
demo_signal demo TERM 143
demo_signal demo INT 130
if [ -f "$models" ]; then
	demo_fails demo-xapi
	demo_signal demo-xapi TERM 143
else
	for i in 1 2 3 4 5 6 7; do
		skip "demo-xapi: $models is absent"
	done
fi

# scripts/dev: what it does not know, it refuses with its usage.
dev_refuses() {	# dev_refuses ARGS...
	BUILD_DIR=$build timeout 60 "$src/scripts/dev" "$@" \
	    >"$tmp/dev.out" 2>&1
	rc=$?
	[ "$rc" -eq 2 ] && grep -q '^usage: scripts/dev' "$tmp/dev.out" &&
	    ! grep -q Traceback "$tmp/dev.out"
	ok $? "scripts/dev $*: the usage, exit 2 (exit $rc)"
}
dev_refuses bogus
dev_refuses test no-such-test
dev_refuses fuzz ten

# scripts/dev deps with no build tools on PATH: a fake apt-get, and a
# fake sudo, installs quietly when it succeeds and shows its output
# when it fails.
mkdir "$tmp/bin"
for t in sh dirname id cat mktemp rm env; do
	ln -s "$(command -v $t)" "$tmp/bin/$t"
done
cat >"$tmp/bin/sudo" <<'STUB'
#!/bin/sh
exec "$@"
STUB
cat >"$tmp/bin/apt-get" <<'STUB'
#!/bin/sh
echo "Reading package lists... apt-get noise"
[ -n "${FAKE_APT_FAIL:-}" ] && [ "$1" = install ] &&
    { echo "E: Unable to locate package libfake-dev" >&2; exit 100; }
exit 0
STUB
chmod +x "$tmp/bin/sudo" "$tmp/bin/apt-get"
PATH=$tmp/bin TMPDIR=$tmp "$src/scripts/dev" deps >"$tmp/deps.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ! grep -q 'apt-get noise' "$tmp/deps.out"
ok $? "scripts/dev deps: quiet when apt-get succeeds (exit $rc)"
FAKE_APT_FAIL=1 PATH=$tmp/bin TMPDIR=$tmp "$src/scripts/dev" deps \
    >"$tmp/deps.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q 'Unable to locate package libfake-dev' \
    "$tmp/deps.out" && grep -q 'apt-get noise' "$tmp/deps.out"
ok $? "scripts/dev deps: shows apt-get's output when it fails (exit $rc)"

# The README's nanocat example, as written, from a copy of the source
# root whose build/ is this build, its /tmp/cl in our directory.
if command -v nanocat >/dev/null 2>&1; then
	awk '/any nanomsg client can speak it/ { f = 1 }
	    f && /^```sh$/ { on = 1; next }
	    on && /^```$/ { exit }
	    on { print }' "$src/README.md" >"$tmp/example.sh"
	grep -q 'build/services/featured/cpulevel-featured' "$tmp/example.sh"
	ok $? "README: the example runs featured where the build leaves it"
	mkdir "$tmp/root"
	ln -s "$build" "$tmp/root/build"
	sed "s|/tmp/cl|$tmp/cl|g" "$tmp/example.sh" >"$tmp/example-here.sh"
	(cd "$tmp/root" && timeout 30 sh -e "$tmp/example-here.sh") \
	    >"$tmp/example.out" 2>&1
	rc=$?
	# awk ends every line, also a reply that nanocat left unterminated,
	# which sed would leave to run into the next TAP line.
	awk '{ print "# " $0 }' "$tmp/example.out"
	[ "$rc" -eq 0 ] && grep -q '"result"' "$tmp/example.out"
	ok $? "README: the nanocat example runs as written (exit $rc)"
	# The same nanocat with nothing at the other end: no hang.
	nc=$(grep -o 'nanocat .*' "$tmp/example.sh" | head -1)
	grep -q -- '--recv-timeout' "$tmp/example.sh"
	ok $? "README: nanocat is given a timeout"
	t0=$(now)
	timeout 20 nanocat --req --connect "ipc://$tmp/nobody.sock" --raw \
	    --recv-timeout 5 --data x >/dev/null 2>&1
	t=$(($(now) - t0))
	[ "$t" -lt 80 ]
	ok $? "nanocat --recv-timeout 5 with nobody there ends (${t}00ms)"
else
	for i in 1 2 3 4; do
		skip "nanocat (Debian nanomsg-utils) is not installed"
	done
fi

# scripts/skip-reasons: every skip in meson's log, with its reason.
cat >"$tmp/testlog.json" <<'JSON'
{"name": "cpulevel:unit / models", "result": "SKIP", "stdout": "1..0 # SKIP shared data absent: cannot read x\n"}
{"name": "cpulevel:unit / compat", "result": "OK", "stdout": "ok 1 - a\n# SKIP model pairs: no data\nok 2 - b # skip no nanocat\n# a comment\n"}
JSON
"$src/scripts/skip-reasons" "$tmp/testlog.json" >"$tmp/skips.out" 2>&1
grep -qx 'skipped: cpulevel:unit / models: shared data absent: cannot read x' \
    "$tmp/skips.out" &&
    grep -qx 'skipped: cpulevel:unit / compat: model pairs: no data' \
    "$tmp/skips.out" &&
    grep -qx 'skipped: cpulevel:unit / compat: no nanocat' "$tmp/skips.out" &&
    [ "$(wc -l <"$tmp/skips.out")" -eq 3 ]
ok $? "scripts/skip-reasons: each skip with its reason"
grep -q 'scripts/skip-reasons' "$src/scripts/dev"
ok $? "scripts/dev test prints the skip reasons"
