#!/bin/sh
# The daemons' units as meson generates them (UNITDIR): restarted at once
# after a fault, and with room for many client connections.  A quick
# check beside tests/test_rpm.sh, which checks the packaged units too but
# needs rpmbuild.
set -u
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

dir=${UNITDIR:?UNITDIR is not set}
T_missing=$(mktemp)
trap 'rm -f "$T_missing"' EXIT
if [ ! -f "$dir/cpulevel-featured.service" ]; then
	echo "1..0 # SKIP no units generated (-Dsystemdunitdir=no)"
	exit 0
fi
for unit in cpulevel-featured.service cpulevel-migcheck.service; do
	f=$dir/$unit
	grep -qx 'Restart=on-failure' "$f"
	ok $? "$unit: Restart=on-failure (an abort is a failure)"
	# systemd reads "100ms"; a bare number would be seconds.
	sec=$(sed -n 's/^RestartSec=//p' "$f")
	[ "$sec" = 100ms ]
	ok $? "$unit: RestartSec=100ms, at once (got '$sec')"
	lim=$(sed -n 's/^LimitNOFILE=//p' "$f")
	[ -n "$lim" ] && [ "$lim" -ge 4096 ] 2>/dev/null
	ok $? "$unit: LimitNOFILE of at least 4096 (got '$lim')"
	[ "$(grep -c '^Restart' "$f")" -eq 2 ]
	ok $? "$unit: one Restart= and one RestartSec=, nothing overriding them"
done

# cpulevel-xapi-sync (the cpulevel-xapi package, issue 12): generated
# even before the daemon is built.  On the master, after xapi, restarted
# on a crash, and hardened as the daemons are: every setting of this list
# that cpulevel-migcheck.service has, and nothing writable.
x=$dir/cpulevel-xapi-sync.service
if [ -f "$x" ]; then
	grep -qx 'Restart=on-failure' "$x"
	ok $? "cpulevel-xapi-sync.service: Restart=on-failure"
	grep -Eq '^After=.* xapi\.service( |$)' "$x"
	ok $? "cpulevel-xapi-sync.service: After=xapi.service"
	grep -Eq '^ExecStart=/[^ ]*/cpulevel-xapi-sync --syslog --featured ' "$x"
	ok $? "cpulevel-xapi-sync.service: runs the daemon, to featured, logging to syslog"
	: >"$T_missing"
	for h in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
	    PrivateTmp=yes PrivateDevices=yes DevicePolicy=closed \
	    CapabilityBoundingSet= SystemCallArchitectures=native \
	    MemoryDenyWriteExecute=yes RestrictRealtime=yes \
	    ProtectKernelTunables=yes ProtectKernelModules=yes \
	    ProtectControlGroups=yes RestrictNamespaces=yes \
	    LockPersonality=yes RestrictSUIDSGID=yes ProtectHostname=yes \
	    ProtectKernelLogs=yes ProtectClock=yes ProtectProc=invisible; do
		grep -qx "$h" "$dir/cpulevel-migcheck.service" || continue
		grep -qx "$h" "$x" || echo "$h" >>"$T_missing"
	done
	[ ! -s "$T_missing" ]
	ok $? "cpulevel-xapi-sync.service: hardened as cpulevel-migcheck.service"
	sed 's/^/# missing: /' "$T_missing"
	! grep -q '^ReadWritePaths=' "$x"
	ok $? "cpulevel-xapi-sync.service: writes nowhere (no ReadWritePaths=)"
	# migcheck's HTTP front for xapi: the drop-in's command is the
	# unit's, with --http on xapi's plugin socket added, and nothing else.
	d=$dir/cpulevel-xapi.conf
	want=$(sed -n 's/^ExecStart=\(.* --rpc [^ ]*\) /\1 --http unix:\/var\/lib\/xcp\/plugin\/cpulevel /p' \
	    "$dir/cpulevel-migcheck.service")
	[ -n "$want" ] &&
	    [ "$(grep '^ExecStart=' "$d")" = "$(printf 'ExecStart=\nExecStart=%s' "$want")" ]
	ok $? "cpulevel-migcheck's drop-in: the unit's command, with --http unix:/var/lib/xcp/plugin/cpulevel"
	grep -qx 'ReadWritePaths=-/var/lib/xcp/plugin' "$d"
	ok $? "cpulevel-migcheck's drop-in: may create its socket in xapi's directory"
fi
echo "1..$n"
