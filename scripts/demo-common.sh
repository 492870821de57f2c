# Sourced by scripts/demo and scripts/demo-xapi: starting the daemons,
# waiting for them, and stopping them however the demo ends.  The caller
# sets prog (its name), state (its state directory) and cli.
#
# A daemon that exits at start, or does not answer within five seconds,
# ends the demo at once with the tail of the daemon's own log; the state
# directory, logs included, is kept then and its path printed.  SIGINT and
# SIGTERM stop the daemons and end the demo at once (130, 143).

pids=""

# CPULEVEL_FEATURED_BIN and CPULEVEL_MIGCHECK_BIN replace the built
# daemons (tests/test_promises.sh starts one that cannot start).
featured_bin=${CPULEVEL_FEATURED_BIN:-$build/services/featured/cpulevel-featured}
migcheck_bin=${CPULEVEL_MIGCHECK_BIN:-$build/services/migcheck/cpulevel-migcheck}

stop_daemons() {
	for pid in $pids; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $pids; do
		wait "$pid" 2>/dev/null || true
	done
	pids=""
}

# On exit: an interrupted or successful demo removes its state; a failed
# one keeps it, for its logs.
on_exit() {
	rc=$?
	trap - EXIT INT TERM
	stop_daemons
	case $rc in
	0|130|143)
		rm -rf "$state" ;;
	*)
		echo "$prog: failed; its state and logs are kept in $state" >&2 ;;
	esac
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

daemon_failed() {	# daemon_failed LOG WHAT
	echo "$prog: $(basename "$1" .log) $2; the end of its log, $1:" >&2
	tail -n 20 "$1" | sed 's/^/    /' >&2
	exit 1
}

# start_daemon LOG PROGRAM ARGS...: in the background, stderr to LOG.
start_daemon() {
	log=$1
	shift
	"$@" 2>"$log" &
	pids="$pids $!"
	last_pid=$!
}

# wait_for URL LOG: until the daemon last started answers at URL; fails
# as soon as it has exited.
wait_for() {
	i=0
	until "$cli" version --connect "$1" >/dev/null 2>&1; do
		kill -0 "$last_pid" 2>/dev/null ||
		    daemon_failed "$2" "exited at start"
		i=$((i + 1))
		[ "$i" -lt 50 ] ||
		    daemon_failed "$2" "did not answer at $1 within 5 seconds"
		sleep 0.1
	done
}
