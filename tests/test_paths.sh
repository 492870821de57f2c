#!/bin/sh
# The default database path and socket URLs are defined once, in the root
# meson.build (cpulevel_paths).  Everything built from it must say the
# same: the daemons' and the CLI's --help, the units, the config file and
# the boot helper; and no source file but meson.build may spell them out.
set -u
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
diag() { awk '{ print "# " $0 }'; }	# ends every line

pkg=${PKGDIR:?PKGDIR is not set}
src=${SRCDIR:?SRCDIR is not set}
featured=${CPULEVEL_FEATURED:?CPULEVEL_FEATURED is not set}
migcheck=${CPULEVEL_MIGCHECK:?CPULEVEL_MIGCHECK is not set}
cli=${CPULEVEL_CLI:?CPULEVEL_CLI is not set}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# daemon_default BINARY OPTION: what the daemon's --help gives as the
# default of --OPTION ("Defaults: --db PATH", then "  --rpc URL", ...).
daemon_default() {
	"$1" --help | sed -n "s/^[A-Za-z:]* *--$2 //p"
}
# cli_default COMMAND...: the --connect default its --help names.
cli_default() {
	"$cli" "$@" --help | sed -n '/(default$/{n;s/^ *//;s/)$//;p;}'
}
# setting FILE VAR: VAR's value in a VAR=value file (the config file), or
# in a unit's Environment=VAR=value line.
setting() {
	sed -n -e "s/^Environment=$2=//p" -e "s/^$2=//p" "$1"
}
same() {	# same GOT WANT LABEL
	[ -n "$2" ] && [ "$1" = "$2" ]
	ok $? "$3"
	[ "$1" = "$2" ] || echo "got '$1', want '$2'" | diag
}

# The daemons' defaults, the reference for everything below.
db=$(daemon_default "$featured" db)
rpc=$(daemon_default "$featured" rpc)
events=$(daemon_default "$featured" events)
mrpc=$(daemon_default "$migcheck" rpc)
case $db in /*/cpulevel.db) r=0 ;; *) r=1 ;; esac
ok $r "featured --help: --db is an absolute path to cpulevel.db ('$db')"
rundir=${rpc#ipc://}
rundir=${rundir%/*}
case $rundir in /?*) r=0 ;; *) r=1 ;; esac
ok $r "featured --help: --rpc is an ipc:// socket ('$rpc')"
same "$rpc" "ipc://$rundir/featured.sock" "featured's request socket is featured.sock"
same "$events" "ipc://$rundir/featured-events.sock" \
    "featured's event socket is beside it"
same "$mrpc" "ipc://$rundir/migcheck.sock" "migcheck's socket is beside them"
same "$(daemon_default "$migcheck" db)" "$db" \
    "migcheck --help: the same database as featured"
same "$(daemon_default "$migcheck" events)" "$events" \
    "migcheck --help: follows featured's event socket"

same "$(cli_default version)" "$rpc" "cpulevel version --help: featured's socket"
same "$(cli_default host boot)" "$rpc" \
    "cpulevel host boot --help: featured's socket"
same "$(cli_default migrate-check)" "$mrpc" \
    "cpulevel migrate-check --help: migcheck's socket"
same "$(cli_default possible-hosts)" "$mrpc" \
    "cpulevel possible-hosts --help: migcheck's socket"

conf=$pkg/cpulevel.conf
same "$(setting "$conf" CPULEVEL_DB)" "$db" "cpulevel.conf: CPULEVEL_DB"
same "$(setting "$conf" CPULEVEL_FEATURED_RPC)" "$rpc" \
    "cpulevel.conf: CPULEVEL_FEATURED_RPC"
same "$(setting "$conf" CPULEVEL_FEATURED_EVENTS)" "$events" \
    "cpulevel.conf: CPULEVEL_FEATURED_EVENTS"
same "$(setting "$conf" CPULEVEL_MIGCHECK_RPC)" "$mrpc" \
    "cpulevel.conf: CPULEVEL_MIGCHECK_RPC"

# The boot helper with no URL set reports to its default: run it with a
# stand-in for the CLI that records where it was sent.
cat >"$T/cli" <<EOF
#!/bin/sh
echo "\$@" >"$T/args"
EOF
chmod +x "$T/cli"
env -u CPULEVEL_FEATURED_RPC -u CPULEVEL_REPORT_TO CPULEVEL_CLI="$T/cli" \
    CPULEVEL_LOCAL_HOST=h1 sh "$pkg/cpulevel-host-boot" >/dev/null
sent=$(sed -n 's/.* --connect \([^ ]*\) .*/\1/p' "$T/args" 2>/dev/null)
same "$sent" "$rpc" "cpulevel-host-boot, unset: reports to featured's socket"

if [ -f "$pkg/cpulevel-featured.service" ]; then
	f=$pkg/cpulevel-featured.service
	m=$pkg/cpulevel-migcheck.service
	b=$pkg/cpulevel-host-boot.service
	same "$(setting "$f" CPULEVEL_DB)" "$db" "featured unit: CPULEVEL_DB"
	same "$(setting "$f" CPULEVEL_FEATURED_RPC)" "$rpc" \
	    "featured unit: CPULEVEL_FEATURED_RPC"
	same "$(setting "$f" CPULEVEL_FEATURED_EVENTS)" "$events" \
	    "featured unit: CPULEVEL_FEATURED_EVENTS"
	same "$(setting "$m" CPULEVEL_DB)" "$db" "migcheck unit: CPULEVEL_DB"
	same "$(setting "$m" CPULEVEL_MIGCHECK_RPC)" "$mrpc" \
	    "migcheck unit: CPULEVEL_MIGCHECK_RPC"
	same "$(setting "$m" CPULEVEL_FEATURED_EVENTS)" "$events" \
	    "migcheck unit: CPULEVEL_FEATURED_EVENTS"
	same "$(setting "$b" CPULEVEL_FEATURED_RPC)" "$rpc" \
	    "host-boot unit: CPULEVEL_FEATURED_RPC"
	for u in "$f" "$m"; do
		name=${u##*/}
		# The daemons may write where the database is ...
		same "$(sed -n 's/^ReadWritePaths=//p' "$u")" "${db%/*}" \
		    "$name: ReadWritePaths= is the database's directory"
		# ... and systemd makes the sockets' directory, under /run.
		same "/run/$(sed -n 's/^RuntimeDirectory=//p' "$u")" "$rundir" \
		    "$name: RuntimeDirectory= is the sockets' directory"
	done
else
	echo "# no units generated (-Dsystemdunitdir=no): their checks skipped"
fi

# Spelled out once: the sockets' directory and the tail of the database's
# directory ("lib/cpulevel", whatever the localstatedir) appear in no
# source file but the root meson.build.  Build trees (with their
# generated config.h) and tests/, which name paths of their own, are left
# out; so are the docs (*.md), which may show the defaults.
statetail=$(echo "${db%/*}" | sed 's|.*/\([^/]*/[^/]*\)$|\1|')
find "$src" \( -path "$src/.git" -o -path "$src/tests" -o \
    \( -type d -exec test -d '{}/meson-private' ';' \) \) -prune -o \
    -type f \( -name '*.[ch]' -o -name '*.in' -o -name meson.build \
    -o -name meson_options.txt \) -print >"$T/sources"
[ -s "$T/sources" ]
ok $? "found the source files to search under $src"
hits=$(tr '\n' '\0' <"$T/sources" |
    xargs -0 grep -lF -e "$rundir" -e "$statetail" | sed "s|^$src/||")
same "$hits" meson.build \
    "'$rundir' and '$statetail' are written out only in meson.build"
echo "1..$n"
