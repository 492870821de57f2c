#!/bin/sh
# The fault scenarios of tests/RELIABILITY.md, each run against the built
# cpulevel-featured, printing what it did.  Not a test: it reports, and
# the note records what the reports mean.
#
#   tests/soak/faults.sh [BUILD_DIR] [SCENARIO...]
#
# Scenarios: full readonly corrupt deleted fds silent clients (default:
# all).  "full" and "readonly" mount a small tmpfs and need root; they
# say so and are passed over without it.  CPULEVEL_FEATURED overrides
# the daemon.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
[ $# -gt 0 ] && shift
scenarios=${*:-full readonly corrupt deleted fds silent clients}
featured=${CPULEVEL_FEATURED:-$build/services/featured/cpulevel-featured}
cli=$build/cli/cpulevel
clients=$build/tests/soak/cpulevel-soak-clients
shared=${CPULEVEL_SHARED_DATA:-$top/../shared/data}

work=$(mktemp -d /tmp/cpulevel-faults-XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	mountpoint -q "$work/mnt" 2>/dev/null && umount "$work/mnt"
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A host's cpu_info from the shared data, else this machine's CPUID.
cpuinfo=$work/cpuinfo.json
python3 - "$shared/cpu-models.json" "$cpuinfo" <<'PY' 2>/dev/null ||
import json, sys
m = json.load(open(sys.argv[1]))
model = m["models"]["Cascadelake-Server"]
fs = model["xen_featureset"]["xapi_string"]
json.dump({"vendor": m["vendors"][model["vendor"]], "cpu_count": "8",
    "socket_count": "1", "features_pv": fs, "features_hvm": fs,
    "features_pv_host": fs, "features_hvm_host": fs}, open(sys.argv[2], "w"))
PY
"$cli" host-cpu-info --probe cpuid --json >"$cpuinfo"

say() { printf '%s\n' "$*"; }
# c CMD...: a cpulevel command against the daemon, its exit and output.
c() {
	out=$("$cli" "$@" --connect "ipc://$work/run/f.sock" 2>&1)
	say "  \$ cpulevel $* -> exit $?: $(printf '%s' "$out" | head -c 300 |
	    tr '\n' ' ')"
}

# start DB [ulimit -n]: featured on DB, waiting until it answers.
start() {
	rm -f "$work/run/f.sock"
	(
		[ -n "${2:-}" ] && ulimit -n "$2"
		exec "$featured" --db "$1" --rpc "ipc://$work/run/f.sock" \
		    --events "ipc://$work/run/e.sock" --probe none
	) >>"$work/featured.log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 50 ]; do
		"$cli" version --connect "ipc://$work/run/f.sock" \
		    >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	wait "$pid" 2>/dev/null
	say "  featured did not start (exit $?): $(tail -n 2 \
	    "$work/featured.log" | tr '\n' ' ')"
	pid=
	return 1
}

stop() {
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	say "  featured stopped by SIGTERM: exit $?"
	pid=
}

integrity() {
	say "  integrity_check: $(sqlite3 -readonly "$1" \
	    'PRAGMA integrity_check' 2>&1 | head -n 3 | tr '\n' ' ')"
}

log_tail() {
	say "  featured's log: $(tail -n "${1:-3}" "$work/featured.log" |
	    tr '\n' '|')"
}

# cpu_ticks PID SECONDS: the CPU ticks PID used in that many seconds.
cpu_ticks() {
	a=$(awk '{print $14 + $15}' "/proc/$1/stat")
	sleep "$2"
	b=$(awk '{print $14 + $15}' "/proc/$1/stat")
	echo $((b - a))
}

need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	say "  (needs root to mount a tmpfs: passed over)"
	return 1
}

# A 1 MiB tmpfs: filled, featured must refuse writes and lose nothing.
full() {
	say "== disk full"
	need_root || return 0
	mkdir -p "$work/mnt" && mount -t tmpfs -o size=1m tmpfs "$work/mnt"
	db=$work/mnt/state.db
	start "$db" || return 0
	c host boot h1 --probe "file:$cpuinfo"
	dd if=/dev/zero of="$work/mnt/fill" bs=4k 2>/dev/null
	say "  filled: $(df -k "$work/mnt" | awk 'NR==2 {print $4}') KiB left"
	for h in h2 h3 h4 h5 h6 h7 h8 h9; do
		c host boot "$h" --probe "file:$cpuinfo"
	done
	c vm start v1 h1 hvm
	c host show h1
	rm -f "$work/mnt/fill"
	say "  space freed"
	c host boot h10 --probe "file:$cpuinfo"
	stop
	integrity "$db"
	say "  hosts stored: $(sqlite3 -readonly "$db" \
	    'SELECT group_concat(id, " ") FROM host')"
	log_tail 4
	umount "$work/mnt"
}

# The database on a file system mounted read-only.
readonly_() {
	say "== read-only file system"
	need_root || return 0
	mkdir -p "$work/mnt" && mount -t tmpfs -o size=4m tmpfs "$work/mnt"
	db=$work/mnt/state.db
	start "$db" || return 0
	c host boot h1 --probe "file:$cpuinfo"
	stop
	mount -o remount,ro "$work/mnt"
	say "  remounted read-only"
	if start "$db"; then
		c host show h1
		c host boot h2 --probe "file:$cpuinfo"
		stop
	fi
	log_tail 2
	mount -o remount,rw "$work/mnt"
	integrity "$db"
	umount "$work/mnt"
}

# Bytes overwritten: in a table's page, then in the file's header.
corrupt() {
	say "== corrupted file"
	db=$work/corrupt.db
	rm -f "$db"*
	start "$db" || return 0
	for h in h1 h2 h3; do c host boot "$h" --probe "file:$cpuinfo"; done
	stop
	page=$(sqlite3 -readonly "$db" \
	    "SELECT rootpage FROM sqlite_master WHERE name = 'host'")
	say "  the host table's page ($page) overwritten with garbage"
	dd if=/dev/urandom of="$db" bs=4096 seek=$((page - 1)) count=1 \
	    conv=notrunc 2>/dev/null
	integrity "$db"
	if start "$db"; then
		c host show h1
		c host boot h4 --probe "file:$cpuinfo"
		c pool join p1 h2
		stop
	fi
	log_tail 2
	say "  the first 100 bytes (the header) overwritten"
	dd if=/dev/urandom of="$db" bs=100 count=1 conv=notrunc 2>/dev/null
	start "$db" && stop
	log_tail 2
}

# The database unlinked while featured runs (issue 10, defect 2).
deleted() {
	say "== deleted file"
	db=$work/deleted.db
	rm -f "$db"*
	start "$db" || return 0
	c host boot h1 --probe "file:$cpuinfo"
	rm -f "$db" "$db-wal" "$db-shm"
	say "  database, -wal and -shm unlinked"
	c host boot h2 --probe "file:$cpuinfo"
	c host show h2
	stop
	if start "$db"; then
		c host show h1
		c host show h2
		stop
	fi
	log_tail 3
}

# RLIMIT_NOFILE 256 and 1,000 clients (issue 10, defect 4).
fds() {
	say "== descriptor exhaustion (ulimit -n 256, 1000 clients)"
	db=$work/fds.db
	rm -f "$db"*
	start "$db" 256 || return 0
	say "  $("$clients" "ipc://$work/run/f.sock" 1000 ask)"
	sleep 1
	say "  featured's CPU in the 2 s after the clients left:" \
	    "$(cpu_ticks "$pid" 2) ticks of $(($(getconf CLK_TCK) * 2))"
	c version
	stop
	log_tail 3
}

silent() {
	say "== clients that never read (200 REQ, 200 raw half handshakes)"
	db=$work/silent.db
	rm -f "$db"*
	start "$db" || return 0
	say "  $("$clients" "ipc://$work/run/f.sock" 200 silent)"
	c version
	stop
}

clients_() {
	say "== 1,000 clients"
	db=$work/clients.db
	rm -f "$db"*
	start "$db" 4096 || return 0
	say "  $("$clients" "ipc://$work/run/f.sock" 1000 ask)"
	c version
	stop
}

for s in $scenarios; do
	case $s in
	full|corrupt|deleted|fds|silent) $s ;;
	readonly) readonly_ ;;
	clients) clients_ ;;
	*) say "unknown scenario $s" ;;
	esac
done
