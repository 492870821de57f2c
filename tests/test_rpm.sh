#!/bin/sh
# The RPM packaging, built as mock builds it (packaging/README.md): a
# "meson dist" tarball of this tree, "rpmbuild -ba" of
# packaging/rpm/cpulevel.spec with that tarball as Source0 (its %check runs
# the test suite again), then rpmlint with packaging/rpm/cpulevel.rpmlintrc,
# and the packages' files, scriptlets, units and configuration, down to
# starting both daemons and the boot report from the packaged files the
# way their units do.
#
# The tarball is made from the working tree as it would be committed
# (tracked and new files, .gitignore respected), through a throw-away
# commit in a copy, since "meson dist" packs only what is committed.
# Build dependencies are Debian's here, hence rpmbuild --nodeps.
#
# Skipped without rpmbuild (Debian: apt-get install rpm rpmlint, which
# scripts/dev test does), outside a git checkout, and inside rpmbuild's
# own %check (the spec sets CPULEVEL_RPM_CHECK), where it would recurse.
# CPULEVEL_RPM_KEEP=1 keeps its work directory (logs, RPMs) for a look.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
n=0
failed=0

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

if [ -n "${CPULEVEL_RPM_CHECK:-}" ] || [ -n "${RPM_BUILD_ROOT:-}" ]; then
	skip_all "inside rpmbuild's %check: this test runs rpmbuild itself"
fi
command -v rpmbuild >/dev/null 2>&1 ||
    skip_all "rpmbuild not found (Debian: apt-get install rpm rpmlint;" \
    "scripts/dev test installs them)"
command -v git >/dev/null 2>&1 || skip_all "git not found: meson dist needs it"
command -v meson >/dev/null 2>&1 || skip_all "meson not found in PATH"
# The top of a checkout itself: "meson dist" unpacks its tarball under the
# build directory, inside the checkout, and runs the tests there.
[ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" = \
    "$(cd "$top" && pwd -P)" ] ||
    skip_all "$top is not a git checkout (an unpacked tarball?):" \
    "meson dist needs one"

T=$(mktemp -d "${TMPDIR:-/tmp}/cpulevel-rpm.XXXXXX")
pids=""
cleanup() {
	for pid in $pids; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "${CPULEVEL_RPM_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
skip() {	# skip DESCRIPTION REASON
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
diag() { sed 's/^/#   /'; }
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit $?
}
# bail DESCRIPTION LOG: a step everything after depends on failed.
bail() {
	ok 1 "$1"
	[ -f "$2" ] && tail -n 40 "$2" | diag
	finish
}

# The packages' settings must not leak in from this meson test run.
unset CPULEVEL_CLI CPULEVEL_FEATURED CPULEVEL_MIGCHECK CPULEVEL_SHARED_DATA \
    CPULEVEL_CPUFEATURESET_H

# --- the tarball ------------------------------------------------------------

snap=$T/src
mkdir -p "$snap" "$T/tmp"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf -) 2>"$T/snap.log" |
    tar -C "$snap" -xf - || bail "copy of the working tree" "$T/snap.log"
(cd "$snap" && git init -q && git add -A &&
    git -c user.name=test_rpm -c user.email=test_rpm@invalid \
    -c commit.gpgsign=false -c core.hooksPath=/dev/null \
    commit -q --no-verify -m "test_rpm snapshot") >"$T/git.log" 2>&1 ||
    bail "a commit of the working tree for meson dist" "$T/git.log"
(meson setup "$T/build" "$snap" &&
    meson dist -C "$T/build" --no-tests --formats xztar) >"$T/dist.log" 2>&1 ||
    bail "meson dist of the working tree" "$T/dist.log"
version=$(meson introspect --projectinfo "$T/build" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
tarball=$T/build/meson-dist/cpulevel-$version.tar.xz
[ -f "$tarball" ]
ok $? "meson dist made cpulevel-$version.tar.xz"

spec=$snap/packaging/rpm/cpulevel.spec
spec_version=$(rpmspec -q --srpm --qf '%{version}' "$spec" 2>/dev/null)
[ "$spec_version" = "$version" ]
ok $? "the spec's Version ($spec_version) is meson's project version ($version)"

# cpulevel-xapi (issue 12) is built by default, and left out only
# "--without xapi" (the spec's %bcond_without xapi).
rpmspec -q --qf '%{name}\n' "$spec" 2>/dev/null | grep -qx cpulevel-xapi &&
    ! rpmspec -q --without xapi --qf '%{name}\n' "$spec" 2>/dev/null |
    grep -qx cpulevel-xapi
ok $? "the spec builds cpulevel-xapi, unless --without xapi"

# --- rpmbuild -ba, as mock runs it ------------------------------------------

rpmtop=$T/rpmbuild
mkdir -p "$rpmtop/SOURCES"
cp "$tarball" "$rpmtop/SOURCES/"
# _docdir_fmt: EL's unversioned doc directories (Debian's rpm versions them).
rpmbuild -ba --nodeps \
    --define "_topdir $rpmtop" \
    --define "_tmppath $T/tmp" \
    --define "_docdir_fmt %%{NAME}" \
    "$spec" >"$T/rpmbuild.log" 2>&1 ||
    bail "rpmbuild -ba --nodeps cpulevel.spec" "$T/rpmbuild.log"
ok 0 "rpmbuild -ba --nodeps cpulevel.spec with the dist tarball as Source0"

# %check ran the suite, and this test skipped itself there.
log=$T/rpmbuild.log
grep -q '^+ .*meson test' "$log" &&
    grep -Eq '^ *[0-9]+/[0-9]+ cpulevel:unit / featureset +OK' "$log" &&
    grep -Eq '^Ok: +[1-9]' "$log" && grep -Eq '^Fail: +0 *$' "$log"
ok $? "%check ran the test suite, and nothing failed"
grep -Eq '^ *[0-9]+/[0-9]+ cpulevel:packaging / rpm +SKIP' "$log"
ok $? "%check's run of this test skipped itself"

srpm=$(ls "$rpmtop"/SRPMS/cpulevel-"$version"-*.src.rpm 2>/dev/null)
main=$(ls "$rpmtop"/RPMS/*/cpulevel-"$version"-*.rpm 2>/dev/null)
daemons=$(ls "$rpmtop"/RPMS/*/cpulevel-daemons-"$version"-*.rpm 2>/dev/null)
xapi=$(ls "$rpmtop"/RPMS/*/cpulevel-xapi-"$version"-*.rpm 2>/dev/null)
others=""
for rpm_file in "$rpmtop"/RPMS/*/*.rpm; do
	case ${rpm_file##*/} in
	cpulevel-[0-9]*|cpulevel-daemons-[0-9]*|cpulevel-xapi-[0-9]*) ;;
	*-debuginfo-*|*-debugsource-*) ;;	# EL's build roots add these
	*) others="$others ${rpm_file##*/}" ;;
	esac
done
[ -f "$srpm" ] && [ -f "$main" ] && [ -f "$daemons" ] && [ -f "$xapi" ] &&
    [ -z "$others" ]
ok $? "rpmbuild made cpulevel, cpulevel-daemons, cpulevel-xapi and the SRPM, nothing else"
[ -f "$main" ] && [ -f "$daemons" ] && [ -f "$xapi" ] ||
    bail "the binary RPMs are there" "$T/rpmbuild.log"

# --- what the packages hold -------------------------------------------------

# rpm -qlp, without the /usr/lib/.build-id links rpm adds for each binary.
files() { rpm -qlp "$1" | grep -v '^/usr/lib/\.build-id'; }
same_files() {	# same_files RPM DESCRIPTION (expected list on stdin)
	sort >"$T/want"
	files "$1" | sort >"$T/got"
	diff "$T/want" "$T/got" >"$T/diff"
	ok $? "$2"
	diag <"$T/diff"
}

same_files "$main" "cpulevel holds the CLI, its bash completion, the boot report and the config" <<EOF
/etc/cpulevel
/etc/cpulevel/cpulevel.conf
/usr/bin/cpulevel
/usr/lib/systemd/system/cpulevel-host-boot.service
/usr/libexec/cpulevel
/usr/libexec/cpulevel/cpulevel-host-boot
/usr/share/bash-completion/completions/cpulevel
/usr/share/doc/cpulevel
/usr/share/doc/cpulevel/README.md
/usr/share/man/man1/cpulevel.1.gz
/usr/share/man/man5/cpulevel.conf.5.gz
/usr/share/man/man8/cpulevel-host-boot.8.gz
EOF

# The migrations: every db/NNNN_*.sql of the tree.
migrations=$(cd "$snap/db" && ls [0-9]*.sql | sed 's|^|/usr/share/cpulevel/db/|')
same_files "$daemons" "cpulevel-daemons holds the daemons, their units and the migrations" <<EOF
/usr/lib/systemd/system/cpulevel-featured.service
/usr/lib/systemd/system/cpulevel-migcheck.service
/usr/sbin/cpulevel-featured
/usr/sbin/cpulevel-migcheck
/usr/share/cpulevel
/usr/share/cpulevel/db
$migrations
/usr/share/doc/cpulevel-daemons
/usr/share/doc/cpulevel-daemons/README.md
/usr/share/man/man8/cpulevel-featured.8.gz
/usr/share/man/man8/cpulevel-migcheck.8.gz
/var/lib/cpulevel
EOF

same_files "$xapi" "cpulevel-xapi holds the sync, its unit, migcheck's HTTP drop-in and the plugin" <<EOF
/etc/xapi.d/plugins/cpulevel
/usr/lib/systemd/system/cpulevel-migcheck.service.d
/usr/lib/systemd/system/cpulevel-migcheck.service.d/cpulevel-xapi.conf
/usr/lib/systemd/system/cpulevel-xapi-sync.service
/usr/sbin/cpulevel-xapi-sync
/usr/share/man/man8/cpulevel-xapi-sync.8.gz
EOF

same_files "$srpm" "the SRPM is the spec and the dist tarball" <<EOF
cpulevel-$version.tar.xz
cpulevel.spec
EOF

# mode owner:group flags path
attrs() {
	rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]' "$1"
}
attrs "$main" >"$T/attrs"
attrs "$daemons" >>"$T/attrs"
attrs "$xapi" >>"$T/attrs"
has_attr() {	# has_attr PATH "MODE OWNER FLAGS" DESCRIPTION
	grep -qx -- "$2 $1" "$T/attrs"
	rc=$?
	ok $rc "$3"
	[ $rc -eq 0 ] || grep -- " $1\$" "$T/attrs" | diag
}
has_attr /etc/cpulevel/cpulevel.conf "-rw-r--r-- root:root cn" \
    "the config file is %config(noreplace), 0644"
has_attr /usr/bin/cpulevel "-rwxr-xr-x root:root " "cpulevel is 0755"
has_attr /usr/sbin/cpulevel-featured "-rwxr-xr-x root:root " \
    "cpulevel-featured is 0755"
has_attr /usr/sbin/cpulevel-migcheck "-rwxr-xr-x root:root " \
    "cpulevel-migcheck is 0755"
has_attr /usr/sbin/cpulevel-xapi-sync "-rwxr-xr-x root:root " \
    "cpulevel-xapi-sync is 0755"
has_attr /etc/xapi.d/plugins/cpulevel "-rwxr-xr-x root:root " \
    "the xapi plugin is 0755, as xapi runs it"
has_attr /usr/libexec/cpulevel/cpulevel-host-boot "-rwxr-xr-x root:root " \
    "the boot report helper is 0755"
has_attr /var/lib/cpulevel "drwx------ root:root " \
    "/var/lib/cpulevel is root's, 0700"

rpm -qpR "$daemons" >"$T/requires"
grep -Eq "^cpulevel(\(x86-64\)|\([^)]*\))? = $version-" "$T/requires"
ok $? "cpulevel-daemons requires the cpulevel of its build"

# Scriptlets: %systemd_post and %systemd_preun name each unit (whichever
# systemd's macros, or the spec's fallbacks, wrote them), and nothing
# restarts a unit: %systemd_postun, never %systemd_postun_with_restart.
scripts_ok() {	# scripts_ok RPM UNIT...
	pkg=$1
	shift
	rpm -qp --scripts "$pkg" >"$T/scripts"
	for section in postinstall preuninstall; do
		sed -n "/^$section scriptlet/,/^[a-z]* scriptlet/p" \
		    "$T/scripts" >"$T/section"
		[ -s "$T/section" ] || return 1
		for unit in "$@"; do
			grep -q "$unit" "$T/section" || return 1
		done
	done
	grep -q '^postuninstall scriptlet' "$T/scripts" || return 1
	! grep -qi 'restart' "$T/scripts"
}
scripts_ok "$main" cpulevel-host-boot.service
rc=$?
ok $rc "cpulevel's scriptlets: systemd post/preun/postun, no restart on upgrade"
[ $rc -eq 0 ] || diag <"$T/scripts"
scripts_ok "$daemons" cpulevel-featured.service cpulevel-migcheck.service
rc=$?
ok $rc "cpulevel-daemons' scriptlets: systemd post/preun/postun, no restart on upgrade"
[ $rc -eq 0 ] || diag <"$T/scripts"
scripts_ok "$xapi" cpulevel-xapi-sync.service
rc=$?
ok $rc "cpulevel-xapi's scriptlets: systemd post/preun/postun, no restart on upgrade"
[ $rc -eq 0 ] || diag <"$T/scripts"

# --- rpmlint ----------------------------------------------------------------

rc_file=$snap/packaging/rpm/cpulevel.rpmlintrc
if command -v rpmlint >/dev/null 2>&1; then
	rpmlint -r "$rc_file" "$main" "$daemons" "$xapi" "$srpm" \
	    "$snap/packaging/rpm/nanomsg.spec" >"$T/rpmlint.log" 2>&1 &&
	    grep -q ' 0 errors, 0 warnings' "$T/rpmlint.log"
	rc=$?
	ok $rc "rpmlint: no errors, no warnings (RPMs, SRPM, nanomsg.spec)"
	[ $rc -eq 0 ] || grep -E ': (E|W): | checked;' "$T/rpmlint.log" | diag
else
	skip "rpmlint of the RPMs, the SRPM and nanomsg.spec" \
	    "rpmlint not found (Debian: apt-get install rpmlint)"
fi

# Both specs parse for EL7 and EL10, and take their EL7 branches there.
for spec_file in cpulevel nanomsg; do
	for el in 7 10; do
		rpmspec -P --define "rhel $el" \
		    --define "_sourcedir $snap/packaging/rpm" \
		    "$snap/packaging/rpm/$spec_file.spec" >"$T/$spec_file-el$el" 2>&1
		ok $? "$spec_file.spec parses for EL$el"
	done
done
grep -q "^BuildRequires: *systemd$" "$T/cpulevel-el7" &&
    grep -q "sed -i -e '/^RuntimeDirectory/d'" "$T/cpulevel-el7" &&
    grep -q "^BuildRequires: *systemd-rpm-macros$" "$T/cpulevel-el10" &&
    ! grep -q "RuntimeDirectory/d" "$T/cpulevel-el10"
ok $? "cpulevel.spec: on EL7 systemd's macros from systemd, RuntimeDirectory= dropped"
grep -q "^BuildRequires: *cmake3 " "$T/nanomsg-el7" &&
    grep -q "/usr/bin/cmake3 --install" "$T/nanomsg-el7" &&
    grep -q "^BuildRequires: *cmake " "$T/nanomsg-el10"
ok $? "nanomsg.spec: cmake3 from EPEL on EL7, cmake on EL10"
# The patch that drops a malformed ipc frame instead of aborting: declared,
# shipped beside the spec, applied with -p1 in %prep, and about sipc.c.
rc=0
for el in 7 10; do
	grep -q "^Patch0: *nanomsg-sipc-drop-bad-frame.patch" "$T/nanomsg-el$el" &&
	    grep -q "nanomsg-sipc-drop-bad-frame.patch *|" "$T/nanomsg-el$el" &&
	    grep -q "patch -p1" "$T/nanomsg-el$el" || rc=1
done
[ $rc -eq 0 ] && grep -q "^+++ b/src/transports/ipc/sipc.c" \
    "$snap/packaging/rpm/nanomsg-sipc-drop-bad-frame.patch"
ok $? "nanomsg.spec applies nanomsg-sipc-drop-bad-frame.patch on EL7 and EL10"

# --- the packaged files at work ---------------------------------------------

root=$T/root
mkdir -p "$root"
for pkg in "$main" "$daemons" "$xapi"; do
	if command -v rpm2archive >/dev/null 2>&1; then
		rpm2archive - <"$pkg" | tar -C "$root" -xzf -
	else
		rpm2cpio "$pkg" | (cd "$root" && cpio -idm --quiet)
	fi
done
[ -x "$root/usr/sbin/cpulevel-featured" ]
ok $? "the packages unpack"
unitdir=$root/usr/lib/systemd/system

# unit_has UNIT LINE...: each LINE is in UNIT, exactly.
unit_has() {
	unit=$1
	shift
	for line in "$@"; do
		grep -qxF -- "$line" "$unitdir/$unit" || {
			echo "missing: $line" | diag
			return 1
		}
	done
}
unit_has cpulevel-featured.service \
    'Type=notify' 'Restart=on-failure' 'RestartSec=100ms' \
    'LimitNOFILE=65536' \
    'EnvironmentFile=-/etc/cpulevel/cpulevel.conf' \
    'RuntimeDirectory=cpulevel' 'RuntimeDirectoryMode=0700' \
    'RuntimeDirectoryPreserve=yes' 'ReadWritePaths=/var/lib/cpulevel' \
    'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
    'NoNewPrivileges=yes' 'DevicePolicy=closed' \
    'DeviceAllow=/dev/xen/privcmd rw' 'DeviceAllow=/dev/xen/hypercall rw' \
    'WantedBy=multi-user.target'
ok $? "cpulevel-featured.service: notify, restart at once on failure, 64k descriptors, shared runtime dir, Xen devices only"
unit_has cpulevel-migcheck.service \
    'Type=notify' 'Restart=on-failure' 'RestartSec=100ms' \
    'LimitNOFILE=65536' \
    'EnvironmentFile=-/etc/cpulevel/cpulevel.conf' \
    'RuntimeDirectory=cpulevel' 'RuntimeDirectoryMode=0700' \
    'RuntimeDirectoryPreserve=yes' 'ReadWritePaths=/var/lib/cpulevel' \
    'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
    'NoNewPrivileges=yes' 'PrivateDevices=yes' 'CapabilityBoundingSet=' \
    'WantedBy=multi-user.target' &&
    ! grep -q '^DeviceAllow=' "$unitdir/cpulevel-migcheck.service"
ok $? "cpulevel-migcheck.service: notify, restart at once on failure, 64k descriptors, shared runtime dir, no devices"
unit_has cpulevel-host-boot.service \
    'RemainAfterExit=yes' 'EnvironmentFile=-/etc/cpulevel/cpulevel.conf' \
    'ExecStart=/usr/libexec/cpulevel/cpulevel-host-boot' \
    'DeviceAllow=/dev/xen/privcmd rw' 'WantedBy=multi-user.target'
ok $? "cpulevel-host-boot.service runs the packaged helper once a boot"
# systemd 219 (EL7) reads a SystemCallFilter= group as an empty
# allow-list, and would kill the daemon at its first system call.
! grep -q '^SystemCallFilter=' "$unitdir"/cpulevel-*.service
ok $? "no unit has a SystemCallFilter= (it would break systemd 219)"

# Each default a unit sets (Environment=) is the one the config file shows.
conf=$root/etc/cpulevel/cpulevel.conf
grep -h '^Environment=' "$unitdir"/cpulevel-*.service |
    sed 's/^Environment=//' | sort -u >"$T/unit-defaults"
grep -E '^CPULEVEL_[A-Z_]+=' "$conf" | sort -u >"$T/conf-values"
diff "$T/unit-defaults" "$T/conf-values" >"$T/diff"
ok $? "the config file shows exactly the units' defaults"
diag <"$T/diff"

if command -v systemd-analyze >/dev/null 2>&1 &&
    systemd-analyze --help 2>&1 | grep -q -- '--recursive-errors'; then
	# verify needs the targets the units are ordered against.
	for dir in /usr/lib/systemd/system /lib/systemd/system; do
		[ -f "$dir/multi-user.target" ] && break
	done
	for u in sysinit.target basic.target shutdown.target \
	    multi-user.target network.target network-online.target \
	    local-fs.target sockets.target paths.target timers.target \
	    slices.target; do
		[ -f "$dir/$u" ] && cp "$dir/$u" "$unitdir/"
	done
	systemd-analyze --root="$root" --recursive-errors=no verify \
	    cpulevel-featured.service cpulevel-migcheck.service \
	    cpulevel-host-boot.service >"$T/verify.log" 2>&1
	ok $? "systemd-analyze verify: the units load, without unknown settings"
	diag <"$T/verify.log"
else
	skip "systemd-analyze verify of the units" \
	    "no systemd-analyze with --root and --recursive-errors (v250+)"
fi

# The daemons, started as their units start them: the ExecStart= line,
# with the settings of the packaged config file, only the paths moved
# under $T, and the runtime directory made as systemd makes it (0700).
set -a
# shellcheck disable=SC1090
. "$conf"
set +a
[ "$CPULEVEL_DB" = /var/lib/cpulevel/cpulevel.db ] &&
    [ "$CPULEVEL_FEATURED_RPC" = ipc:///run/cpulevel/featured.sock ] &&
    [ "$CPULEVEL_FEATURED_EVENTS" = ipc:///run/cpulevel/featured-events.sock ] &&
    [ "$CPULEVEL_MIGCHECK_RPC" = ipc:///run/cpulevel/migcheck.sock ] &&
    [ "$CPULEVEL_PROBE" = xen ]
ok $? "the config file reads as the documented defaults"

mkdir -p "$T/state" "$T/run"
chmod 0700 "$T/run"
CPULEVEL_DB=$T/state/cpulevel.db
CPULEVEL_FEATURED_RPC=ipc://$T/run/featured.sock
CPULEVEL_FEATURED_EVENTS=ipc://$T/run/featured-events.sock
CPULEVEL_MIGCHECK_RPC=ipc://$T/run/migcheck.sock
cli=$root/usr/bin/cpulevel

# start UNIT: run its ExecStart= as systemd would expand it (${X} one
# word, $X split at spaces), with the binaries under $root.
start() {
	cmd=$(sed -n 's/^ExecStart=//p' "$unitdir/$1" |
	    sed -e "s|^/usr/|$root/usr/|" -e 's/\${\([A-Z_]*\)}/"${\1}"/g')
	eval "exec $cmd" >>"$T/daemons.log" 2>&1 &
	pids="$pids $!"
}
wait_for() {	# wait_for URL
	i=0
	until "$cli" version --connect "$1" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || return 1
		sleep 0.1
	done
}
start cpulevel-featured.service
wait_for "$CPULEVEL_FEATURED_RPC"
rc=$?
ok $rc "cpulevel-featured starts from its unit's ExecStart= and answers"
[ $rc -eq 0 ] || diag <"$T/daemons.log"
start cpulevel-migcheck.service
wait_for "$CPULEVEL_MIGCHECK_RPC"
rc=$?
ok $rc "cpulevel-migcheck starts from its unit's ExecStart= and answers"
[ $rc -eq 0 ] || diag <"$T/daemons.log"

# The packaged bash completion, with the packaged cpulevel in PATH.
[ "$(PATH=$root/usr/bin:$PATH bash -c '
. "$1" && COMP_WORDS=(cpulevel pool j) COMP_CWORD=2 && _cpulevel &&
echo "${COMPREPLY[*]}"' - \
    "$root/usr/share/bash-completion/completions/cpulevel" 2>&1)" = join ]
ok $? "the packaged bash completion completes 'cpulevel pool j' to join"

# The boot report, as its unit runs it, with a XenServer inventory.
uuid=0d7c3f9e-6b1a-4c55-9a8e-3f1b2c4d5e6f
printf "PRODUCT_BRAND='XCP-ng'\nINSTALLATION_UUID='%s'\nCONTROL_DOMAIN_UUID='x'\n" \
    "$uuid" >"$T/xensource-inventory"
helper=$root/usr/libexec/cpulevel/cpulevel-host-boot
if "$cli" host-cpu-info --probe cpuid >/dev/null 2>&1; then
	CPULEVEL_CLI=$cli CPULEVEL_INVENTORY=$T/xensource-inventory \
	    CPULEVEL_PROBE=cpuid CPULEVEL_REPORT_TIMEOUT=20 \
	    "$helper" >"$T/helper.log" 2>&1 &&
	    grep -q "reported host $uuid" "$T/helper.log" &&
	    "$cli" host show "$uuid" --connect "$CPULEVEL_FEATURED_RPC" \
	    >/dev/null 2>&1
	rc=$?
	ok $rc "cpulevel-host-boot reports the inventory's host to featured"
	[ $rc -eq 0 ] || diag <"$T/helper.log"
else
	skip "cpulevel-host-boot reports the inventory's host to featured" \
	    "no CPUID probe on this machine"
fi
CPULEVEL_CLI=$cli CPULEVEL_INVENTORY=$T/none CPULEVEL_LOCAL_HOST='' \
    "$helper" >"$T/helper.log" 2>&1
[ $? -eq 1 ] && grep -q 'no host id' "$T/helper.log"
ok $? "cpulevel-host-boot without a host id says so and fails"
CPULEVEL_CLI=$cli CPULEVEL_LOCAL_HOST=h9 CPULEVEL_PROBE=cpuid \
    CPULEVEL_REPORT_TO=ipc://$T/nobody/featured.sock \
    CPULEVEL_REPORT_TIMEOUT=0 "$helper" >"$T/helper.log" 2>&1
[ $? -eq 1 ] && grep -q 'gave up' "$T/helper.log"
ok $? "cpulevel-host-boot gives up after CPULEVEL_REPORT_TIMEOUT"

# --- the mock configurations, loaded as mock loads them ---------------------
# mock executes a .cfg as Python with config_opts in scope; a build needs a
# root, an architecture, a chroot setup and package manager configuration
# whose every repository section has somewhere to fetch from.
for cfg in "$top"/packaging/rpm/mock/*.cfg; do
	python3 - "$cfg" >"$T/mock.log" 2>&1 <<'PY'
import collections, configparser, os, sys
cfg = sys.argv[1]
opts = collections.defaultdict(dict)
opts["macros"] = {}
unresolved = []

def load(path):
    exec(compile(open(path).read(), path, "exec"), scope)

def include(name):
    # mock resolves a relative include against its config directory.
    path = name if os.path.isabs(name) else os.path.join("/etc/mock", name)
    if os.path.exists(path):
        load(path)
    else:
        unresolved.append(name)

scope = {"config_opts": opts, "include": include}
load(cfg)
assert opts.get("root"), "config_opts['root'] is not set"
if unresolved:
    # Built on one of mock's own configurations (mock-core-configs),
    # which is not installed here: its repositories are mock's.
    for name in unresolved:
        assert name.endswith(".cfg") and "/" not in name, \
            "include(%r) is not one of mock's own configurations" % name
    print("%s: builds on %s (mock's own; not installed here)"
          % (cfg, ", ".join(unresolved)))
    sys.exit(0)
for key in ("target_arch", "chroot_setup_cmd", "releasever",
            "package_manager"):
    assert opts.get(key), "config_opts[%r] is not set" % key
conf_key = "dnf.conf" if opts["package_manager"].startswith("dnf") \
    else "yum.conf"
assert opts.get(conf_key), "config_opts[%r] is not set" % conf_key
parser = configparser.ConfigParser(interpolation=None, strict=False)
parser.read_string(opts[conf_key])
repos = [r for r in parser.sections() if r != "main"]
assert repos, "no repository in " + conf_key
for r in repos:
    sect = parser[r]
    assert any(k in sect for k in ("baseurl", "mirrorlist", "metalink")), \
        "repository [%s] has no baseurl, mirrorlist or metalink" % r
assert "%rhel" in opts["macros"] or "%dist" in opts["macros"], \
    "no %rhel or %dist macro: the spec branches on them"
print("%s: %d repositories" % (cfg, len(repos)))
PY
	rc=$?
	ok $rc "mock config $(basename "$cfg") loads as mock loads it, with its root, and arch, setup and fetchable repositories where they are its own"
	diag <"$T/mock.log"
done

finish
