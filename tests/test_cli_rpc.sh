#!/bin/sh
# The daemon commands of the cpulevel CLI against a real cpulevel-featured:
# a pool levelled down by a weaker host, told only through the CLI, with
# the exit codes (cli/exit.c: 0 done, 1 the daemon refused, 2 bad usage or
# input, 3 an unknown object, 4 no daemon) and one-line errors a user sees.
set -u
# shellcheck source-path=SCRIPTDIR source=cli_lib.sh
. "$(dirname "$0")/cli_lib.sh"
URL=$F
rc='' out='' err=''

# diag: what the last run did, on a failed check
diag() { echo "#   rc $rc, out '$out', err '$err'"; }

# rpc ARGS...: run, talking to our daemon
rpc() {
	run "$@" --connect "$URL"
}

# The value of KEY in 'key value' output.
field() {
	echo "$out" | sed -n "s/^$1  *//p"
}

# expect_ok ARGS...: exit 0, nothing on stderr
expect_ok() {
	rpc "$@"
	[ "$rc" -eq 0 ] && [ -z "$err" ]
	ok $? "cpulevel $* -> 0"
}

# expect_field KEY VALUE ARGS...: exit 0 and KEY's value is VALUE
expect_field() {
	key=$1 want=$2
	shift 2
	rpc "$@"
	[ "$rc" -eq 0 ] && [ -z "$err" ] && [ "$(field "$key")" = "$want" ]
	ok $? "cpulevel $* -> $key $want"
}

# expect_fail RC LINE ARGS...: exit RC, nothing on stdout, and stderr is
# exactly LINE (byte for byte)
expect_fail() {
	want_rc=$1 want_err=$2
	shift 2
	rpc "$@"
	lines=$(wc -l <"$T/err")
	[ "$rc" -eq "$want_rc" ] && [ -z "$out" ] && [ "$lines" -eq 1 ] &&
	    [ "$err" = "$want_err" ]
	ok $? "cpulevel $* -> rc $want_rc, '$want_err'"
}

# expect_usage NEEDLE ARGS...: exit 2 with one line on stderr naming NEEDLE
expect_usage() {
	needle=$1
	shift
	rpc "$@"
	lines=$(wc -l <"$T/err")
	[ "$rc" -eq 2 ] && [ -z "$out" ] && [ "$lines" -eq 1 ] &&
	    grep -qF -- "$needle" "$T/err"
	ok $? "cpulevel $* -> rc 2, one line naming '$needle'"
}

# --help needs no daemon
for cmd in "host boot" "host show" "host destroy" "pool join" \
    "pool eject" "pool show" "pool history" "vm start" "vm migrate" \
    "vm suspend" "vm resume" "vm shutdown" "vm reboot" "vm import" \
    "vm show" "vm destroy" "version"; do
	# shellcheck disable=SC2086
	run $cmd --help
	[ "$rc" -eq 0 ] && [ -z "$err" ] &&
	    echo "$out" | grep -q "^usage: cpulevel $cmd" &&
	    echo "$out" | grep -q -- "--connect URL"
	ok $? "cpulevel $cmd --help prints usage and exits 0"
done
for group in host pool vm; do
	run "$group" --help
	[ "$rc" -eq 0 ] && echo "$out" | grep -q "^  $group show "
	ok $? "cpulevel $group --help lists the $group commands"
done

# No daemon: one line naming it, exit 4, at once (a bound of 2 s, not a
# benchmark: nanomsg alone would wait its 5 s timeout)
# GNU date, not python3: a timer that starts a Python costs more than the
# thing it times on a loaded machine.
now_ms() { date +%s%3N; }
for cmd in "version" "migrate-check v1 h1"; do
	case $cmd in
	migrate-*) daemon=cpulevel-migcheck ;;
	*) daemon=cpulevel-featured ;;
	esac
	for sock in nobody.sock run-missing/x.sock; do
		start=$(now_ms)
		# shellcheck disable=SC2086
		run $cmd --connect "ipc://$T/$sock"
		took=$(($(now_ms) - start))
		lines=$(wc -l <"$T/err")
		[ "$rc" -eq 4 ] && [ -z "$out" ] && [ "$lines" -eq 1 ] &&
		    [ "$err" = "cpulevel: cannot reach $daemon at ipc://$T/$sock: is it running?" ] &&
		    [ "$took" -lt 2000 ]
		ok $? "no daemon at $sock: $cmd exits 4 with one line within 2 s (took ${took} ms)"
	done
done
# A socket file that nobody listens on any more (a daemon killed -9)
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
    "$T/stale.sock"
start=$(now_ms)
run possible-hosts v1 --connect "ipc://$T/stale.sock"
took=$(($(now_ms) - start))
[ "$rc" -eq 4 ] && [ -z "$out" ] &&
    [ "$err" = "cpulevel: cannot reach cpulevel-migcheck at ipc://$T/stale.sock: is it running?" ] &&
    [ "$took" -lt 2000 ]
ok $? "a stale socket file: exit 4 within 2 s (took ${took} ms)"
# tcp: nothing listens on a port of our own that we closed
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start=$(now_ms)
run version --connect "tcp://127.0.0.1:$port"
took=$(($(now_ms) - start))
[ "$rc" -eq 4 ] &&
    [ "$err" = "cpulevel: cannot reach cpulevel-featured at tcp://127.0.0.1:$port: is it running?" ] &&
    [ "$took" -lt 2000 ]
ok $? "no daemon at a tcp port: exit 4 within 2 s (took ${took} ms)"
# A path too long for a unix socket is refused, not handed to nanomsg
long=$T/$(printf '%0120d' 0)
run version --connect "ipc://$long"
[ "$rc" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] &&
    echo "$err" | grep -q "must be under 108"
ok $? "an ipc path of 108 bytes or more: exit 2, one line"

# Start the daemon, and wait until it answers
start_daemon "$FEATURED" --db "$T/db" --rpc "$URL" \
    --events "ipc://$T/run/e.sock" --probe none
pid=$!
i=0
while [ $i -lt 50 ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "Bail out! cpulevel-featured exited: $(cat "$T/daemons.log")"
		exit 1
	fi
	if [ -S "$T/run/f.sock" ]; then
		rpc version
		[ "$rc" -eq 0 ] && break
	fi
	sleep 0.1
	i=$((i + 1))
done
[ "$rc" -eq 0 ] && [ "$(field api)" = 1 ] && [ -n "$(field build)" ]
ok $? "cpulevel version: the daemon's api 1 and its build"
[ "$rc" -eq 0 ] || { echo "Bail out! featured does not answer"; exit 1; }

# Any nanomsg client speaks the protocol: the README's nanocat example,
# word for word but for the socket's path.
if command -v nanocat >/dev/null 2>&1; then
	reply=$(timeout 10 nanocat --req --connect "$URL" --raw \
	    --data '{"jsonrpc":"2.0","id":1,"method":"Service.version"}')
	echo "$reply" | grep -q '^{"jsonrpc":"2.0","id":1,"result":{"api":1,"build":"'
	ok $? "nanocat --req, as in the README, gets Service.version"
else
	echo "# nanocat (Debian nanomsg-utils) is not installed: README example not run"
fi

# Two hosts of one vendor: h1 strong, h2 weak
STRONG=ffffffff-0000ffff
WEAK=0fffffff-000000ff
cpu_info strong.json GenuineIntel $STRONG
cpu_info weak.json GenuineIntel $WEAK
cpu_info amd.json AuthenticAMD $STRONG

expect_field pool - host boot h1 --probe "file:$T/strong.json"
expect_field pool_level_changed false host boot h2 --probe "file:$T/weak.json"
expect_field features_hvm_host $STRONG host show h1 --raw
expect_field vendor GenuineIntel host show h2
expect_field pool_level_changed true pool join p1 h1
expect_field features $STRONG vm start v1 h1 hvm --raw
expect_field pool_level_changed true pool join p1 h2
expect_field features_hvm_host $WEAK pool show p1 --raw
expect_field features_pv $WEAK pool show p1 --raw
expect_field cpu_count 16 pool show p1

# v1 still has the strong set: it cannot go to h2 until it restarts; the
# refusal names what h2 lacks
lacks=$("$CLI" featureset diff $STRONG $WEAK | sed 's/ /, /g')
expect_fail 1 "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: v1 cannot run on h2, which lacks $lacks" \
    vm migrate v1 h2
expect_field features $STRONG vm show v1 --raw
expect_field host h1 vm show v1
rpc vm shutdown v1
[ "$rc" -eq 0 ] && [ -z "$out" ] && [ -z "$err" ]
ok $? "vm shutdown v1: a null result prints nothing"
expect_field power_state halted vm show v1
expect_field features $WEAK vm start v1 h1 hvm --raw
rpc vm migrate v1 h2
[ "$rc" -eq 0 ] && [ -z "$out" ] && [ -z "$err" ]
ok $? "vm migrate v1 h2 -> 0, once v1 has the pool level"
expect_field host h2 vm show v1

# suspend, resume, reboot
expect_ok vm suspend v1
expect_fail 1 "cpulevel: VM_BAD_POWER_STATE: v1 is suspended, expected running" \
    vm migrate v1 h1
expect_ok vm resume v1 h1
expect_field features $WEAK vm reboot v1 --raw
expect_field power_state running vm show v1

# The history: newest first, the features each level lost and gained;
# the first member's level is counted, not listed
lost=$("$CLI" featureset diff $STRONG $WEAK | sed 's/^/-/; s/ / -/g')
count=$("$CLI" featureset decode $STRONG | wc -w)
rpc pool history p1
line1=$(echo "$out" | sed -n 1p)
line2=$(echo "$out" | sed -n 2p)
[ "$rc" -eq 0 ] && [ "$(echo "$out" | wc -l)" -eq 2 ] &&
    echo "$line1" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  join  h2  ' &&
    [ "${line1#*  join  h2  }" = "pv: $lost  hvm: $lost" ] &&
    echo "$line2" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  join  h1  ' &&
    [ "${line2#*  join  h1  }" = "pv: level set, $count features  hvm: level set, $count features" ]
ok $? "pool history p1: both joins, with the features lost and gained"
rpc pool history p1 --limit 1
[ "$rc" -eq 0 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] &&
    echo "$out" | grep -q 'Z  join  h2  pv: '
ok $? "pool history p1 --limit 1: the newest entry only"

# --json: the result as JSON
rpc pool history p1 --json
[ "$rc" -eq 0 ] && python3 -c '
import json, sys
h = json.load(sys.stdin)
assert [e["seq"] for e in h] == [2, 1], h
assert [e["host"] for e in h] == ["h2", "h1"], h
assert h[0]["features_hvm_host_old"] == sys.argv[1], h
assert h[0]["features_hvm_host_new"] == sys.argv[2], h' $STRONG $WEAK <"$T/out"
ok $? "pool history --json parses, newest first"
rpc vm show v1 --json
[ "$rc" -eq 0 ] && python3 -c '
import json, sys
v = json.load(sys.stdin)
assert v == {"vendor": "GenuineIntel", "features": sys.argv[1],
    "power_state": "running", "host": "h1", "domain_type": "hvm",
    "legacy": False}, v' $WEAK <"$T/out"
ok $? "vm show --json parses, with its booleans as booleans"
rpc version --json
[ "$rc" -eq 0 ] && python3 -c '
import json, sys
assert json.load(sys.stdin)["api"] == 1' <"$T/out"
ok $? "version --json: api is the integer 1"

# Domain errors: exit 3 for an unknown object, 1 for a refusal
expect_fail 3 "cpulevel: HANDLE_INVALID: no such host 'nope'" host show nope
expect_fail 3 "cpulevel: HANDLE_INVALID: no such host 'nope'" \
    vm start v2 nope hvm
expect_fail 3 "cpulevel: HANDLE_INVALID: no such pool 'p9'" pool show p9
expect_fail 3 "cpulevel: HANDLE_INVALID: no such VM 'v9'" vm show v9
# A bad featureset is the daemon's to refuse: bad input, exit 2 (the CLI
# passes it on untouched, even one that looks like an option).
expect_fail 2 "cpulevel: INVALID_FEATURE_STRING: '-1234' is not a featureset (hex words joined by '-')" \
    vm start v2 h1 hvm --featureset -1234
expect_fail 2 "cpulevel: INVALID_FEATURE_STRING: 'zz' is not a featureset (hex words joined by '-')" \
    vm start v2 h1 hvm --featureset zz
expect_fail 1 "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: v2 cannot run on h2, which lacks $lacks" \
    vm start v2 h2 hvm --featureset $STRONG
expect_field features 0000000f vm start v2 h1 pv --featureset F --raw
expect_fail 1 "cpulevel: HOST_HAS_RESIDENT_VMS: h1 has running VMs (shut them down or move them first)" \
    pool eject p1 h1
expect_fail 3 "cpulevel: HANDLE_INVALID: no such pool 'p2'" pool eject p2 h1
expect_ok host boot h4 --probe "file:$T/amd.json"
expect_fail 1 "cpulevel: HOSTS_NOT_HOMOGENEOUS: h4 is AuthenticAMD, the pool is GenuineIntel (use --force to join anyway)" \
    pool join p1 h4
expect_fail 1 "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: v1 cannot run on h4: VM last booted on a host which had a CPU from a different vendor." \
    vm migrate v1 h4
expect_field pool_level_changed false pool join p1 h4 --force
# Joining its own pool again is a no-op, even for a host forced in
expect_field pool_level_changed false pool join p1 h4
expect_field pool_level_changed false pool eject p1 h4
expect_ok host destroy h4

# Protocol errors (the daemon's check of a param): exit 2
expect_fail 2 "cpulevel: Invalid params: host: must be an id (1 to 64 characters of A-Za-z0-9._:-)" \
    host show "bad id!"
expect_usage "cpulevel: Invalid params: limit: " pool history p1 --limit 0
expect_usage "cpulevel: Invalid params: domain_type: " vm start v2 h1 kvm

# Usage errors, caught before the daemon is asked: exit 2
expect_usage "vm migrate: expected VM HOST, got 1 argument" vm migrate v1
expect_usage "vm show: unexpected argument 'b'" vm show a b
expect_usage "unknown option '--bogus'" vm show --bogus a
expect_usage "'x' is not an integer" pool history p1 --limit x
expect_usage "unknown probe 'nope'" host boot h9 --probe nope
expect_usage "$T/missing.json" host boot h9 --probe "file:$T/missing.json"
expect_usage "unknown command 'vm frob'" vm frob
run vm start v2 h1 hvm --featureset
[ "$rc" -eq 2 ] && [ -z "$out" ] &&
    [ "$err" = "cpulevel: vm start: option '--featureset' needs a value" ]
ok $? "vm start ... --featureset: needs a value"

# Options may come before the operands too, and --dbg reaches the log
rpc host show --dbg task-42 nope
[ "$rc" -eq 3 ] && grep -q "dbg=task-42: error 1 HANDLE_INVALID" \
    "$T/daemons.log"
ok $? "--dbg is sent as the request's dbg"

# VM.import: a running VM carrying one word takes the rest from its host
rpc vm import v3 h1 hvm Running --vendor GenuineIntel --features 0000000f \
    --raw
[ "$rc" -eq 0 ] && [ "$(field features)" = "0000000f-0000ffff" ] &&
    [ "$(field legacy)" = true ]
ok $? "vm import of a running VM with a short set: extended, legacy"
expect_field legacy false vm import v4 h1 pv halted
expect_field power_state halted vm show v4
rpc vm destroy v4 --json
[ "$rc" -eq 0 ] && [ "$out" = null ]
ok $? "vm destroy --json prints the null result as null"
expect_fail 3 "cpulevel: HANDLE_INVALID: no such VM 'v4'" vm show v4

# A host that cannot run HVM guests
expect_ok host boot h3 --no-hvm --probe "file:$T/weak.json"
expect_fail 1 "cpulevel: HOST_NOT_IN_POOL: h3 is not a member of pool p1" \
    pool eject p1 h3
expect_fail 1 "cpulevel: VM_HVM_REQUIRED: v5 is an HVM guest and h3 cannot run HVM guests" \
    vm start v5 h3 hvm
expect_field features $WEAK vm start v5 h3 pv --raw

# Ejecting and destroying hosts: the level goes back up, and a reboot
# takes it
expect_field pool_level_changed true pool eject p1 h2
expect_field features_hvm_host $STRONG pool show p1 --raw
expect_field features $STRONG vm reboot v1 --raw
gained=$("$CLI" featureset diff $STRONG $WEAK | sed 's/^/+/; s/ / +/g')
rpc pool history p1 --limit 1
[ "$rc" -eq 0 ] && [ "$out" = "${out%%  eject  h2  *}  eject  h2  pv: $gained  hvm: $gained" ] &&
    echo "$out" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  eject'
ok $? "pool history p1 --limit 1: the eject, with the features gained"
rpc pool history p9
[ "$rc" -eq 0 ] && [ -z "$out" ] && [ -z "$err" ]
ok $? "pool history of a pool that never was: nothing"
expect_ok vm shutdown v1
expect_ok vm destroy v2
expect_ok vm destroy v3
expect_fail 1 "cpulevel: HOST_HAS_RESIDENT_VMS: h3 has running VMs (shut them down or move them first)" \
    host destroy h3
expect_ok vm shutdown v5
expect_ok host destroy h3
expect_fail 3 "cpulevel: HANDLE_INVALID: no such host 'h3'" host show h3

# Counts that are no number of CPUs (or would overflow a sum) count as 0
cat >"$T/huge.json" <<JSON
{ "vendor": "GenuineIntel", "cpu_count": "9223372036854775807",
  "socket_count": "-5", "features_pv": "$STRONG" }
JSON
expect_ok host boot h5 --probe "file:$T/huge.json"
expect_ok host boot h6 --probe "file:$T/huge.json"
expect_field pool_level_changed true pool join p5 h5
# The level of one member is its set as it is (xapi's merge with ""); a
# second member combines them as Xen does, which clears the deep
# dependencies: STRONG has FMA without AVX, so FMA goes.
expect_field pool_level_changed true pool join p5 h6
rpc pool show p5 --raw
names=$("$CLI" featureset decode "$(field features_pv_host)")
case " $names " in
*" fma "*) false ;;
*" ssse3 "*) true ;;
*) false ;;
esac
ok $? "pool show p5: the combined level keeps ssse3 but has no fma"
expect_field cpu_count 0 pool show p5
expect_field socket_count 0 pool show p5
# A pool none of whose members has an HVM set has no HVM level to give
expect_fail 1 "cpulevel: HOST_MISSING_CPU_INFO: h5 has no features_hvm_host in its cpu_info" \
    vm start v9 h5 hvm
# Back to one member: its set as it is, fma included.
expect_field pool_level_changed true pool eject p5 h6
expect_ok pool eject p5 h5

# The daemon stops on TERM, and says it was fine
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	ok 1 "cpulevel-featured exits on SIGTERM within 5 s"
else
	wait "$pid"
	status=$?
	pids=		# reaped: nothing left for cleanup to kill
	[ "$status" -eq 0 ]
	ok $? "cpulevel-featured exits 0 on SIGTERM (status $status)"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
