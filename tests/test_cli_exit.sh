#!/bin/sh
# The exit status table (cli/exit.c, cpulevel(1) EXIT STATUS), checked on
# every command, human and --json, against a real featured and migcheck:
# 0 yes/done, 1 no, 2 bad usage or input, 3 unknown object, 4 the daemon
# cannot be reached or failed.  A script trusts these; so does this test.
set -u
# shellcheck source-path=SCRIPTDIR source=cli_lib.sh
. "$(dirname "$0")/cli_lib.sh"
MIGCHECK=${CPULEVEL_MIGCHECK:?set by meson: the built cpulevel-migcheck}
M="ipc://$T/run/m.sock"
NODB="ipc://$T/run/nodb.sock"	# a migcheck whose database is missing
NOBODY="ipc://$T/run/nobody.sock"
rc='' err=''
JSON=''		# '' or --json: every check runs in both modes

# diag: a failed check's status and error
diag() { echo "#   rc $rc, err '$err'"; }

# at URL RC ARGS...: cpulevel ARGS $JSON --connect URL exits RC; an
# error (RC 2 to 4) is one line on stderr, a refusal (1) at most one
at() {
	url=$1 want=$2
	shift 2
	"$CLI" "$@" $JSON --connect "$url" >"$T/out" 2>"$T/err"
	rc=$?
	err=$(cat "$T/err")
	lines=$(wc -l <"$T/err")
	case $want in
	0) [ "$rc" -eq 0 ] && [ -z "$err" ] ;;
	1) [ "$rc" -eq 1 ] && [ "$lines" -le 1 ] ;;	# a verdict, or a refusal
	*) [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] ;;
	esac
	ok $? "cpulevel $* $JSON -> $want"
}
f() { at "$F" "$@"; }		# featured's commands
m() { at "$M" "$@"; }		# migcheck's
down() { at "$NOBODY" 4 "$@"; }	# no daemon listens

# local RC ARGS...: a command without a daemon
local_cmd() {
	want=$1
	shift
	"$CLI" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	err=$(cat "$T/err")
	[ "$rc" -eq "$want" ]
	ok $? "cpulevel $* -> $want"
}

start_featured
start_migcheck "$T/db" "$M"
start_migcheck "$T/none/db" "$NODB"

STRONG=ffffffff-0000ffff
WEAK=0fffffff-000000ff
cpu_info strong.json GenuineIntel $STRONG
cpu_info weak.json GenuineIntel $WEAK
cpu_info amd.json AuthenticAMD $STRONG
BAD='bad id!'

# The commands that need no daemon: their own table, human only (they
# have no --json but host-cpu-info's, which is checked too)
local_cmd 0 host-cpu-info --probe "file:$T/strong.json"
local_cmd 0 host-cpu-info --probe "file:$T/strong.json" --json
local_cmd 2 host-cpu-info --probe "file:$T/missing.json"
local_cmd 2 host-cpu-info --probe "file:$T/missing.json" --json
local_cmd 2 host-cpu-info --bogus
local_cmd 0 featureset decode $WEAK
local_cmd 2 featureset decode zz
local_cmd 0 featureset diff $STRONG $WEAK
local_cmd 2 featureset diff $STRONG
local_cmd 0 featureset intersect $STRONG $WEAK
local_cmd 2 featureset intersect zz
local_cmd 0 featureset is-subset $WEAK $STRONG
local_cmd 1 featureset is-subset $STRONG $WEAK
local_cmd 2 featureset is-subset $STRONG zz
local_cmd 0 featureset level $STRONG
local_cmd 0 featureset level $STRONG --json
local_cmd 2 featureset level zz
local_cmd 2 featureset level zz --json
local_cmd 2 frobnicate
local_cmd 2

# scenario S: every daemon command, its ids suffixed by S so that the
# human run and the --json run each start afresh
scenario() {
	s=$1
	f 0 host boot "h1$s" --probe "file:$T/strong.json"
	f 0 host boot "h2$s" --probe "file:$T/weak.json"
	f 0 host boot "h3$s" --probe "file:$T/amd.json"
	f 2 host boot "h9$s" --probe "file:$T/missing.json"
	f 2 host boot "$BAD" --probe "file:$T/weak.json"
	down host boot "h1$s" --probe "file:$T/strong.json"

	f 0 host show "h1$s"
	f 3 host show nope
	f 2 host show "$BAD"
	down host show "h1$s"

	f 0 pool join "p$s" "h1$s"
	f 3 pool join "p$s" nope
	f 1 pool join "p$s" "h3$s"		# HOSTS_NOT_HOMOGENEOUS
	f 2 pool join "$BAD" "h1$s"
	down pool join "p$s" "h1$s"

	f 0 vm start "v1$s" "h1$s" hvm		# the strong set
	f 0 pool join "p$s" "h2$s"		# the level goes down
	f 0 vm start "v2$s" "h1$s" hvm		# the weak set
	f 1 vm start "v1$s" "h1$s" hvm		# VM_BAD_POWER_STATE
	f 3 vm start "v9$s" nope hvm
	f 2 vm start "v9$s" "h1$s" kvm		# -32602
	f 2 vm start "v9$s" "h1$s" hvm --featureset zz	# INVALID_FEATURE_STRING
	down vm start "v9$s" "h1$s" hvm

	m 0 migrate-check "v2$s" "h2$s"
	m 1 migrate-check "v1$s" "h2$s"		# incompatible
	m 3 migrate-check nope "h2$s"
	m 3 migrate-check "v1$s" nope
	m 2 migrate-check "$BAD" "h2$s"
	m 2 migrate-check "v1$s"
	at "$NODB" 4 migrate-check "v1$s" "h2$s"	# -32603: no database
	down migrate-check "v1$s" "h2$s"

	m 0 possible-hosts "v1$s"
	m 3 possible-hosts nope
	m 2 possible-hosts "$BAD"
	at "$NODB" 4 possible-hosts "v1$s"
	down possible-hosts "v1$s"

	f 1 vm migrate "v1$s" "h2$s"		# VM_INCOMPATIBLE_WITH_THIS_HOST
	f 3 vm migrate "v1$s" nope
	f 2 vm migrate "$BAD" "h2$s"
	down vm migrate "v2$s" "h2$s"
	f 0 vm migrate "v2$s" "h2$s"

	f 0 vm suspend "v2$s"
	f 1 vm suspend "v2$s"			# not running
	f 3 vm suspend nope
	f 2 vm suspend "$BAD"
	down vm suspend "v2$s"

	f 3 vm resume "v2$s" nope
	f 2 vm resume "$BAD" "h1$s"
	down vm resume "v2$s" "h1$s"
	f 0 vm resume "v2$s" "h1$s"
	f 1 vm resume "v2$s" "h1$s"		# not suspended

	f 0 vm reboot "v2$s"
	f 3 vm reboot nope
	f 2 vm reboot "$BAD"
	down vm reboot "v2$s"

	f 0 vm shutdown "v2$s"
	f 1 vm shutdown "v2$s"			# halted already
	f 1 vm reboot "v2$s"			# halted
	f 3 vm shutdown nope
	f 2 vm shutdown "$BAD"
	down vm shutdown "v2$s"

	f 0 vm import "v3$s" "h1$s" hvm halted
	f 3 vm import "v4$s" nope hvm halted
	f 2 vm import "v4$s" "h1$s" hvm sideways
	f 2 vm import "v4$s" "h1$s" hvm running --vendor GenuineIntel \
	    --features zz
	f 1 vm import "v4$s" "h2$s" hvm running --vendor AuthenticAMD \
	    --features $WEAK			# VM_INCOMPATIBLE_WITH_THIS_HOST
	down vm import "v4$s" "h1$s" hvm halted

	f 0 vm show "v1$s"
	f 3 vm show nope
	f 2 vm show "$BAD"
	f 2 vm show "v1$s" extra
	down vm show "v1$s"

	f 0 vm destroy "v3$s"
	f 3 vm destroy "v3$s"
	f 2 vm destroy "$BAD"
	down vm destroy "v3$s"

	f 0 pool show "p$s"
	f 3 pool show nope
	f 2 pool show "$BAD"
	down pool show "p$s"

	f 0 pool history "p$s"
	f 2 pool history "p$s" --limit 0
	f 2 pool history "p$s" --limit x
	down pool history "p$s"

	# the synthetic sets have no word 2 (SYSCALL, LM): no x86-64 level
	f 0 pool check-baseline "p$s" 1		# fpu: met
	f 1 pool check-baseline "p$s" x86-64-v1	# not met
	f 2 pool check-baseline "p$s" x86-64-v9	# INVALID_FEATURE_STRING
	f 2 pool check-baseline "p$s" zz
	f 3 pool check-baseline nope x86-64-v1	# HANDLE_INVALID
	f 2 pool check-baseline "$BAD" x86-64-v1
	f 2 pool check-baseline "p$s"
	down pool check-baseline "p$s" x86-64-v1

	f 1 pool eject "p$s" "h1$s"		# HOST_HAS_RESIDENT_VMS
	f 1 pool eject "p$s" "h3$s"		# HOST_NOT_IN_POOL
	f 3 pool eject "p$s" nope
	f 2 pool eject "$BAD" "h1$s"
	down pool eject "p$s" "h2$s"
	f 0 pool eject "p$s" "h2$s"

	f 1 host destroy "h1$s"			# HOST_HAS_RESIDENT_VMS
	f 3 host destroy nope
	f 2 host destroy "$BAD"
	down host destroy "h3$s"
	f 0 host destroy "h3$s"

	f 0 version
	m 0 version
	f 2 version extra
	f 2 version --bogus
	down version
}

JSON=
scenario a
JSON=--json
scenario j

echo "1..$n"
[ "$failed" -eq 0 ]
