# The set-up the shell tests of the CLI share, sourced (POSIX sh, also
# read by bash): the built binaries from meson's environment, a private
# directory $T removed on exit with the daemons started here, the TAP
# count (ok), a run of the CLI (run) and the one-line run of a command
# against featured (c), and real daemons started and waited for.  A test
# sets its own sockets other than featured's $F after sourcing this, and
# may redefine diag.
# shellcheck shell=sh disable=SC2034 # featured_pid, n, failed: for the test
CLI=${CPULEVEL_CLI:?set by meson: the built cpulevel binary}
FEATURED=${CPULEVEL_FEATURED:?set by meson: the built cpulevel-featured}
T=$(mktemp -d)
F="ipc://$T/run/f.sock"		# featured creates $T/run, owner-only
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
n=0
failed=0

# ok STATUS DESCRIPTION: one TAP line; a failure shows diag's comments.
# $T/diag holds notes for the next check only: every ok empties it.
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		diag
		failed=$((failed + 1))
	fi
	: >"$T/diag"
}

# diag: why a check failed, as TAP comments: the last command's output
diag() { sed 's/^/#   /' "$T/out" "$T/err"; }

# run ARGS...: cpulevel ARGS; sets rc, out, err (its output also in $T)
run() {
	"$CLI" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# c RC ARGS...: cpulevel ARGS --connect F exits RC, output in $T/out
c() {
	want=$1
	shift
	"$CLI" "$@" --connect "$F" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq "$want" ]
	ok $? "cpulevel $* -> $want (got $rc)"
}

# start_daemon PROGRAM ARGS...: in the background, logged, stopped on exit
start_daemon() {
	"$@" 2>>"$T/daemons.log" &
	pids="$pids $!"
}

# bail_unless NAME COMMAND...: wait up to 5 s for COMMAND to succeed,
# else bail out with the daemons' log
bail_unless() {
	name=$1
	shift
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -lt 50 ] || {
			echo "Bail out! $name: $(cat "$T/daemons.log")"
			exit 1
		}
		sleep 0.1
	done
}

answers() { "$CLI" version --connect "$1" >/dev/null 2>&1; }
listens() { [ -S "${1#ipc://}" ]; }

# start_featured: featured on $T/db at $F, probing nothing, once it answers
start_featured() {
	start_daemon "$FEATURED" --db "$T/db" --rpc "$F" \
	    --events "ipc://$T/run/e.sock" --probe none
	featured_pid=$!
	bail_unless featured answers "$F"
}

# start_migcheck DB URL: a migcheck on DB at URL, once its socket is there
start_migcheck() {
	start_daemon "${MIGCHECK:?set by meson: the built cpulevel-migcheck}" \
	    --db "$1" --rpc "$2"
	bail_unless migcheck listens "$2"
}

# cpu_info FILE VENDOR PV [HVM [PV_HOST HVM_HOST]]: $T/FILE, a host's
# cpu_info as xapi gives it; HVM is PV if not given, and each set's
# default form (*_HOST) the same as its max if not given
cpu_info() {
	cat >"$T/$1" <<JSON
{ "vendor": "$2", "cpu_count": "8", "socket_count": "1",
  "features_pv": "$3", "features_hvm": "${4:-$3}",
  "features_pv_host": "${5:-$3}", "features_hvm_host": "${6:-${4:-$3}}" }
JSON
}
