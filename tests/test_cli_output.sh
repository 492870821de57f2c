#!/bin/sh
# Output a person can read (issue 13), against a real featured and
# migcheck on one database, with XCP-ng's 36-character uuids as ids:
# featuresets named (wrapped within 80 columns under their key), hex with
# --raw, --json as it was; no "null" where there is none; pool history a
# line per change; every XenAPI error featured raises through the CLI as
# a sentence that keeps the code and names the objects; a refused vm
# migrate or resume names the features the host lacks, the same ones
# migrate-check names; tables aligned; help that says what is printed.
# The names expected are never written here: the local 'featureset
# decode' and 'featureset diff' give them, from the same header.
set -u
# shellcheck source-path=SCRIPTDIR source=cli_lib.sh
. "$(dirname "$0")/cli_lib.sh"
MIGCHECK=${CPULEVEL_MIGCHECK:?set by meson: the built cpulevel-migcheck}
M="ipc://$T/run/m.sock"
# refused RC LINE ARGS...: exits RC with exactly LINE on stderr, no stdout
refused() {
	want=$1 line=$2
	shift 2
	"$CLI" "$@" --connect "$F" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq "$want" ] && [ ! -s "$T/out" ] &&
	    [ "$(cat "$T/err")" = "$line" ]
	ok $? "cpulevel $* -> $want, '$line'"
}
# field KEY: KEY's value in 'key value' output (its first line)
field() { sed -n "s/^$1  *//p" "$T/out"; }
# names KEY: the words of KEY's value and its continuation lines
names() {
	awk -v k="$1" '$1 == k { on = 1; sub(/^[^ ]+ +/, ""); print; next }
	    on && /^                   [^ ]/ { sub(/^ +/, ""); print; next }
	    { on = 0 }' "$T/out" | tr '\n' ' ' | sed 's/ $//'
}
# lines KEY: how many lines KEY's value takes
lines() { names_lines=$(awk -v k="$1" '$1 == k { on = 1; c = 1; next }
    on && /^                   [^ ]/ { c++; next } { on = 0 }
    END { print c + 0 }' "$T/out"); echo "$names_lines"; }
narrow() { awk 'length > 80 { bad = 1 } END { exit bad }' "$@"; }

start_featured
start_migcheck "$T/db" "$M"

STRONG=ffffffff-0000ffff
WEAK=0fffffff-000000ff
cpu_info strong.json GenuineIntel $STRONG
cpu_info weak.json GenuineIntel $WEAK
cpu_info amd.json AuthenticAMD $STRONG
# An older toolstack's host: a PV max set, nothing for HVM
echo '{ "vendor": "GenuineIntel", "features_pv": "'$WEAK'" }' >"$T/old.json"
P=5e1c9a70-3b2d-4c8e-a1f4-9d8c7b6a5f40
P2=6f2dab81-4c3e-4d9f-b2a5-ae9d8c7b6a51
H1=7f1a2b3c-4d5e-4f60-9172-8394a5b6c7d8
H2=8a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9
H3=9b3c4d5e-6f70-4182-93a4-b5c6d7e8f90a
H4=ac4d5e6f-7081-4293-a4b5-c6d7e8f90a1b
H5=bd5e6f70-8192-43a4-b5c6-d7e8f90a1b2c
V1=c5db1298-3e97-53bb-4f97-bd039ca8c201
V2=d6ec23a9-4fa8-64cc-5a08-ce14adb9d312
V3=e7fd34ba-50b9-75dd-6b19-df25bec0e423
V4=f80e45cb-61ca-86ee-7c2a-e036cfd1f534
V5=091f56dc-72db-97ff-8d3b-f147d0e2a645
strong_names=$("$CLI" featureset decode $STRONG)
weak_names=$("$CLI" featureset decode $WEAK)
lost=$("$CLI" featureset diff $STRONG $WEAK)
nstrong=$("$CLI" featureset decode $STRONG | wc -w)
[ -n "$strong_names" ] && [ -n "$lost" ] &&
    [ "$strong_names" != "$weak_names" ] ||
    { echo "Bail out! featureset decode/diff name nothing"; exit 1; }

# --- featuresets by name, --raw, --json ----------------------------------

# host-cpu-info, the local command, as the daemon commands
"$CLI" host-cpu-info --probe "file:$T/strong.json" >"$T/out" 2>"$T/err"
[ "$(names features_hvm_host)" = "$strong_names" ] && narrow "$T/out" &&
    [ "$(field vendor)" = GenuineIntel ]
ok $? "host-cpu-info: featuresets by name, within 80 columns"
"$CLI" host-cpu-info --probe "file:$T/strong.json" --raw >"$T/out" 2>"$T/err"
[ "$(field features_hvm_host)" = $STRONG ]
ok $? "host-cpu-info --raw: hex"

c 0 host boot $H1 --probe "file:$T/strong.json"
[ "$(field pool)" = - ] && ! grep -q null "$T/out"
ok $? "host boot of a new host: its pool is '-', no null"
for h in $H2:weak $H3:amd; do
	c 0 host boot "${h%%:*}" --probe "file:$T/${h#*:}.json"
done
c 0 host boot $H4 --no-hvm --probe "file:$T/weak.json"
c 0 host boot $H5 --probe "file:$T/old.json"

c 0 host show $H1
[ "$(names features_hvm)" = "$strong_names" ] &&
    [ "$(names features_pv_host)" = "$strong_names" ] &&
    [ "$(field vendor)" = GenuineIntel ]
ok $? "host show: each featureset the names of its features"
[ "$(lines features_hvm)" -gt 1 ] && narrow "$T/out"
ok $? "host show: a long list wraps within 80 columns under its key"
# --raw: the hex words; --json: the map as featured holds it, as ever
c 0 host show $H1 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in ("features_pv", "features_hvm", "features_pv_host",
    "features_hvm_host"):
    assert d[k] == sys.argv[2], d
assert d["vendor"] == "GenuineIntel" and d["cpu_count"] == "8", d' \
    "$T/out" $STRONG
json_ok=$?
c 0 host show $H1 --raw
[ $json_ok -eq 0 ] && [ "$(field features_hvm)" = $STRONG ] &&
    [ "$(field features_pv_host)" = $STRONG ] &&
    [ "$(grep -c '^features' "$T/out")" -eq 4 ]
ok $? "host show --raw: the hex words, a line each; --json unchanged"

c 0 pool join $P $H1
c 0 vm start $V1 $H1 hvm
[ "$(names features)" = "$strong_names" ] && [ "$(field vendor)" = GenuineIntel ]
ok $? "vm start: the flags given, by name"
c 0 vm start $V2 $H1 pv --raw
[ "$(field features)" = $STRONG ]
ok $? "vm start --raw: the flags given, hex"
c 0 pool join $P $H2
c 0 pool show $P
[ "$(names features_hvm_host)" = "$weak_names" ] &&
    [ "$(names features_pv)" = "$weak_names" ] &&
    [ "$(names members)" = "$H1, $H2" ] && narrow "$T/out"
ok $? "pool show: the level and max sets by name, the members wrapped"
c 0 pool show $P --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["features_hvm_host"] == sys.argv[2] and d["members"] == sys.argv[3:5], d' \
    "$T/out" $WEAK $H1 $H2
json_ok=$?
c 0 pool show $P --raw
[ $json_ok -eq 0 ] && [ "$(field features_hvm_host)" = $WEAK ] &&
    [ "$(field features_pv)" = $WEAK ]
ok $? "pool show --raw: hex; --json: hex and a list, as before"

# --- a refused migrate or resume names what the host lacks ----------------

# The names migrate-check gives, which are what the sets differ by
"$CLI" migrate-check $V1 $H2 --connect "$M" >"$T/out" 2>"$T/err"
lacks=$(sed -n 's/^missing: //p' "$T/out")
[ "$lacks" = "$(echo "$lost" | sed 's/ /, /g')" ] ||
    { echo "Bail out! migrate-check $V1 $H2: '$(cat "$T/out")'"; exit 1; }
refused 1 "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: $V1 cannot run on $H2, which lacks $lacks" \
    vm migrate $V1 $H2
refused 1 "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: $V1 cannot run on $H3: VM last booted on a host which had a CPU from a different vendor." \
    vm migrate $V1 $H3
c 0 vm suspend $V1
refused 1 "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: $V1 cannot run on $H2, which lacks $lacks" \
    vm resume $V1 $H2
# With --json an error is as it came, CODE: params (machine output is
# unchanged); without, the sentence.
"$CLI" vm migrate $V1 $H2 --json --connect "$F" >"$T/out" 2>"$T/err"
plain=$(cat "$T/err")
"$CLI" vm migrate $V1 $H2 --connect "$F" >"$T/out" 2>"$T/err"
[ "$plain" = "cpulevel: VM_BAD_POWER_STATE: $V1, running, suspended" ] &&
    [ "$(cat "$T/err")" = "cpulevel: VM_BAD_POWER_STATE: $V1 is suspended, expected running" ]
ok $? "VM_BAD_POWER_STATE: a sentence; with --json as it came"
c 0 vm resume $V1 $H1
c 0 vm reboot $V1
[ "$(names features)" = "$weak_names" ]
ok $? "vm reboot: the new level, by name"
# five words: levelling v2, kept as it comes (not legacy)
c 0 vm import $V3 $H1 hvm running --vendor GenuineIntel \
    --features $WEAK-0-0-0
[ "$(names features)" = "$weak_names" ] && [ "$(field legacy)" = false ]
ok $? "vm import: the flags it landed with, by name"

# --- every XenAPI error featured raises, as a sentence ---------------------

refused 1 "cpulevel: HOSTS_NOT_HOMOGENEOUS: $H3 is AuthenticAMD, the pool is GenuineIntel (use --force to join anyway)" \
    pool join $P $H3
refused 3 "cpulevel: HANDLE_INVALID: no such VM 'nope'" vm show nope
refused 3 "cpulevel: HANDLE_INVALID: no such host 'nope'" host show nope
refused 3 "cpulevel: HANDLE_INVALID: no such pool 'nope'" pool show nope
refused 2 "cpulevel: INVALID_FEATURE_STRING: 'zz' is not a featureset (hex words joined by '-')" \
    vm start $V4 $H1 hvm --featureset zz
c 0 vm shutdown $V3
refused 1 "cpulevel: VM_BAD_POWER_STATE: $V3 is halted, expected running" \
    vm migrate $V3 $H2
refused 1 "cpulevel: HOST_ALREADY_IN_POOL: $H1 is already a member of pool $P" \
    pool join $P2 $H1
refused 1 "cpulevel: HOST_NOT_IN_POOL: $H3 is not a member of pool $P" \
    pool eject $P $H3
refused 1 "cpulevel: HOST_HAS_RESIDENT_VMS: $H1 has running VMs (shut them down or move them first)" \
    pool eject $P $H1
c 0 vm start $V4 $H5 pv
refused 1 "cpulevel: JOINING_HOST_CANNOT_HAVE_RUNNING_VMS: $H5 has running VMs and cannot join a pool" \
    pool join $P $H5
refused 1 "cpulevel: HOST_MISSING_CPU_INFO: $H5 has no features_hvm_host in its cpu_info" \
    vm start $V5 $H5 hvm
refused 1 "cpulevel: VM_HVM_REQUIRED: $V5 is an HVM guest and $H4 cannot run HVM guests" \
    vm start $V5 $H4 hvm
# a refused start or import names them too, from the set it asked for
refused 1 "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: $V5 cannot run on $H2, which lacks $lacks" \
    vm start $V5 $H2 hvm --featureset $STRONG
refused 1 "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: $V5 cannot run on $H2, which lacks $lacks" \
    vm import $V5 $H2 hvm suspended --features $STRONG-0-0-0
# the vendor's reason says all there is to say: no list
refused 1 "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: $V5 cannot run on $H2: VM last booted on a host which had a CPU from a different vendor." \
    vm import $V5 $H2 hvm running --vendor AuthenticAMD --features $STRONG-0-0-0

# --- none is "-", everywhere ------------------------------------------------

c 0 vm start $V5 $H4 pv
c 0 vm suspend $V5
c 0 host destroy $H4		# a suspended VM is resident nowhere
# the tables say '-' already: the show must agree with them
c 0 vm list
[ "$(awk -v v=$V5 '$1 == v { print $2 }' "$T/out")" = - ] &&
    ! grep -q null "$T/out"
tables_ok=$?
c 0 host list
[ $tables_ok -eq 0 ] && [ "$(awk -v h=$H3 '$1 == h { print $2 }' "$T/out")" = - ] &&
    ! grep -q null "$T/out"
tables_ok=$?
c 0 vm show $V5
[ $tables_ok -eq 0 ] && [ "$(field host)" = - ] &&
    [ "$(field power_state)" = suspended ] && ! grep -q null "$T/out"
ok $? "a VM whose host is gone: '-' in vm show as in vm list, no null"

# --- pool history: a line per change -----------------------------------------

c 0 pool history $P --json
at2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["at"])' "$T/out")
c 0 pool history $P
first=$(sed -n 1p "$T/out" | tr -s ' ')
[ "$(wc -l <"$T/out")" -eq 2 ] &&
    [ "$first" = "$at2 join $H2 pv: -$(echo "$lost" | sed 's/ / -/g') hvm: -$(echo "$lost" | sed 's/ / -/g')" ] &&
    sed -n 2p "$T/out" | grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z +join +$H1 +pv: level set, $nstrong features +hvm: level set, $nstrong features\$"
ok $? "pool history: when, the event and host, the features lost and gained; a first member's level counted"
# featured writes a row only when the level moved; one whose sets are
# equal, written behind its back, must still read as what it is.
python3 -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO level_history (pool_id, at, event, host_id, "
    "features_pv_host_old, features_pv_host_new, features_hvm_host_old, "
    "features_hvm_host_new) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    (sys.argv[2], "2026-12-01T00:00:00Z", "Host.boot", sys.argv[3],
    sys.argv[4], sys.argv[4], sys.argv[4], sys.argv[4])); db.commit()' \
    "$T/db" $P $H1 $WEAK
c 0 pool history $P
[ "$(sed -n 1p "$T/out" | tr -s ' ')" = "2026-12-01T00:00:00Z boot $H1 no feature lost or gained" ] &&
    awk -v h=$H1 -v g=$H2 '{ i = index($0, h); if (!i) i = index($0, g) }
    NR == 1 { c = i } i != c || i == 0 { bad = 1 } END { exit bad }' "$T/out"
ok $? "pool history: a change that altered nothing says so; hosts aligned"

# --- tables fit 36-character uuids -----------------------------------------

"$CLI" possible-hosts $V1 --connect "$M" >"$T/out" 2>"$T/err"
awk 'NR == 1 { v = index($0, "VERDICT") }
    NR > 1 { w = index($0, "compatible"); if (index($0, "incompatible"))
	w = index($0, "incompatible") }
    NR > 1 && w != v { bad = 1 } END { exit bad || NR != 3 }' "$T/out"
ok $? "possible-hosts: the VERDICT column aligned after 36-character hosts"

# --- help says what is printed ---------------------------------------------

"$CLI" --help >"$T/out" 2>"$T/err"
grep -q -- '--raw' "$T/out" && narrow "$T/out"
ok $? "cpulevel --help names --raw, within 80 columns"
: >"$T/err"
for cmd in "host boot" "host show" "pool join" "pool eject" "pool show" \
    "pool history" "vm start" "vm migrate" "vm resume" "vm reboot" \
    "vm import" "vm show" "host list" "pool list" "vm list"; do
	# shellcheck disable=SC2086 # COMMAND is two words
	"$CLI" $cmd --help >"$T/out" 2>&1
	{ grep -q '^Prints' "$T/out" && grep -q -- '--raw' "$T/out" &&
	    narrow "$T/out"; } || echo "$cmd" >>"$T/err"
done
[ ! -s "$T/err" ]
ok $? "each command's --help says what it prints and names --raw"

echo "1..$n"
[ "$failed" -eq 0 ]
