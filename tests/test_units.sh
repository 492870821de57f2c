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
echo "1..$n"
