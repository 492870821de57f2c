#!/bin/sh
# The answers before acting from the command line, against a real
# featured: each command's table names the VMs and features it should,
# its exit status is 0 for a "yes" and 1 for a "no" (a VM stranded, an
# action refused, a cold move impossible), 3 for an unknown object, with
# and without --json; needs-restart is a list and exits 0.  And past the
# bound of a list (2000 VMs) the answer counts them all and says it is
# truncated.
set -u
# shellcheck source-path=SCRIPTDIR source=cli_lib.sh
. "$(dirname "$0")/cli_lib.sh"

# has PATTERN DESCRIPTION: a line of the output matches (squeezed)
has() {
	tr -s ' ' <"$T/out" | grep -q -- "$1"
	ok $? "$2"
}

# json PYTHON-CONDITION DESCRIPTION: it holds of d, the parsed output
json() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert ($1), d" \
	    "$T/out" >>"$T/err" 2>&1
	ok $? "$2"
}

# same_refusal ACTION PREVIEW DESCRIPTION: after the real action was
# refused (its error line in $T/err), PREVIEW (words) exits 1 and says
# "the ACTION would be refused: " and the very sentence the action printed
same_refusal() {
	sed -n 's/^cpulevel: //p' "$T/err" >"$T/said"
	# shellcheck disable=SC2086 # PREVIEW is split into its words
	c 1 $2
	[ -s "$T/said" ] &&
	    grep -qxF "the $1 would be refused: $(cat "$T/said")" "$T/out"
	ok $? "$3"
}

# fits DESCRIPTION: no line of the output passes the 80th column, but
# a refusal's sentence, one line as the action's error is
fits() {
	! grep -v '^the [a-z]* would be refused: ' "$T/out" | grep -q '.\{81\}'
	ok $? "$1"
}

# cell ROW COLUMN: the cell of the first row whose first cell is ROW, in
# the column headed COLUMN of the nearest table head above it (heads are apart by two
# blanks or more, cells start under them); its continuation lines (the
# lines below whose first cell is blank) joined by a blank, or nothing
# after a comma
cell() {
	python3 - "$T/out" "$1" "$2" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
row, col = sys.argv[2], sys.argv[3]
j = next(j for j, line in enumerate(lines) if line.startswith(row + " "))
for head in reversed(lines[:j]):
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", head)]
    names = [head[s:].split("  ")[0] for s in starts]
    if col in names:
        break
k = names.index(col)
a, b = starts[k], starts[k + 1] if k + 1 < len(names) else None
text = lines[j][a:b].strip()
for line in lines[j + 1:]:
    if not line.startswith(" "):
        break
    piece = line[a:b].strip()
    if piece:
        text += ("" if text.endswith(",") else " ") + piece
print(text)
PY
}

# cell_is ROW COLUMN WANT DESCRIPTION: that cell reads WANT
cell_is() {
	got=$(cell "$1" "$2")
	echo "# $1/$2: '$got', not '$3'" >"$T/diag"
	[ -n "$3" ] && [ "$got" = "$3" ]
	ok $? "$4"
}

# names PYTHON-EXPRESSION: a list of d, the --json answer in $T/json,
# joined by blanks
names() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(" ".join('"$1"'))' "$T/json"
}

# both WANT ARGS...: cpulevel ARGS exits WANT, its --json in $T/json,
# then the human output in $T/out
both() {
	want=$1
	shift
	c "$want" "$@" --json
	cp "$T/out" "$T/json"
	c "$want" "$@"
}

start_featured

# big has sse3 (word 1, bit 0); small lacks it; amd is another vendor.
cpu_info big.json GenuineIntel ffffffff-00000001
cpu_info small.json GenuineIntel ffffffff-00000000
cpu_info amd.json AuthenticAMD ffffffff-00000001

c 0 host boot b1 --probe "file:$T/big.json"
c 0 host boot b2 --probe "file:$T/big.json"
c 0 host boot s1 --probe "file:$T/small.json"
c 0 host boot a1 --probe "file:$T/amd.json"
c 0 pool join p b1
c 0 pool join p b2
c 0 vm start v1 b1 hvm

c 1 pool preview-join p s1
has '^the join would be done' "preview-join s1: the join would be done"
has '^hvm sse3 -$' "preview-join s1: the hvm level loses sse3"
has '^v1 sse3$' "preview-join s1: v1 stranded, lacking sse3"
c 1 pool preview-join p s1 --json
json 'd["stranded_count"] == 1 and d["refused"] is None and
    d["hvm"]["lost"] == ["sse3"]' "preview-join --json parses, exit 1 too"
c 1 pool join p a1
same_refusal join "pool preview-join p a1" \
    "preview-join a1: refused for its vendor, in pool join's words"
has 'refused: HOSTS_NOT_HOMOGENEOUS: a1 is AuthenticAMD, the pool is GenuineIntel (use --force to join anyway)$' \
    "preview-join a1: the refusal names both vendors"
c 0 host boot r1 --probe "file:$T/big.json"
c 0 vm start vr r1 hvm
c 1 pool join p r1
same_refusal join "pool preview-join p r1" \
    "preview-join r1: refused for its running VM, in pool join's words"
has 'refused: JOINING_HOST_CANNOT_HAVE_RUNNING_VMS: r1 has running VMs and cannot join a pool$' \
    "preview-join r1: the refusal is a sentence"
c 3 pool preview-join p nosuch
c 0 pool preview-join q s1
has '^no VM would be kept off' "preview-join of a new pool: nothing stranded"

c 0 pool preview-eject p b2
has '^the eject would be done' "preview-eject b2: would be done"
c 1 pool eject p b1
same_refusal eject "pool preview-eject p b1" \
    "preview-eject b1: refused as pool eject is, in its words"
has 'refused: HOST_HAS_RESIDENT_VMS: b1 has running VMs (shut them down or move them first)$' \
    "preview-eject b1: it runs v1"
c 1 pool preview-eject p s1

c 0 host plan-evacuation b1
has '^v1 1 b2$' "plan-evacuation b1: v1 may go to b2"
has '^VM HOSTS DESTINATIONS$' \
    "plan-evacuation: the count's head says it counts hosts"
c 0 host blocking-vms b1
has '^no VM prevents' "blocking-vms b1: none"

c 1 host preview-boot b2 --probe "file:$T/small.json"
has '^features_hvm_host sse3 -$' "preview-boot b2: its hvm set loses sse3"
has '^v1 sse3$' "preview-boot b2: v1 could no longer come"
c 0 host preview-boot b2 --probe "file:$T/big.json"

# Now b2 does reboot with the smaller CPU: v1 has nowhere to go.
c 0 host boot b2 --probe "file:$T/small.json"
c 1 host blocking-vms b1
has "^v1 VM_INCOMPATIBLE_WITH_THIS_HOST v1 b2 VM last booted on a CPU" \
    "blocking-vms b1: v1, with xapi's error"
c 1 host blocking-vms b1 --json
json 'd["v1"][:3] == ["VM_INCOMPATIBLE_WITH_THIS_HOST", "v1", "b2"]' \
    "blocking-vms --json: xapi's shape"
c 1 host plan-evacuation b1
has '^v1 0 none; on b2 it lacks: sse3$' "plan-evacuation b1: v1 lacks sse3"
c 1 pool preview-eject p b1
has '^1 VM on the host could go to no other member' \
    "preview-eject b1: v1 has nowhere to go"
has '^v1 sse3 b2 VM_INCOMPATIBLE_WITH_THIS_HOST v1 b2 ' \
    "preview-eject b1: v1 lacks sse3 on b2, the nearest"
c 3 host plan-evacuation nosuch

c 0 pool needs-restart p
has '^v1 running hvm - sse3 b2$' \
    "needs-restart: v1 would lose sse3, is kept off b2"
c 0 pool needs-restart p --json
json 'd["count"] == 1 and d["vms"][0]["blocked_hosts"] == ["b2"]' \
    "needs-restart --json parses"

c 0 vm check-restart v1 a1
has '^v1 can start on a1 (its own set, standalone)' \
    "check-restart v1 a1: another vendor, cold"
c 0 vm check-restart v1 b2
has '^lost: sse3$' "check-restart v1 b2: it loses sse3"
c 0 host boot n1 --probe "file:$T/small.json" --no-hvm
c 1 vm check-restart v1 n1
has '^v1 cannot start on n1: VM_HVM_REQUIRED: v1 is an HVM guest and n1 cannot run HVM guests$' \
    "check-restart on a host without HVM: no"
c 0 vm start h1 a1 hvm
c 0 vm shutdown h1
c 1 vm start h1 n1 hvm
sed -n 's/^cpulevel: //p' "$T/err" >"$T/said"
c 1 vm check-restart h1 n1
[ -s "$T/said" ] && grep -qxF "h1 cannot start on n1: $(cat "$T/said")" \
    "$T/out"
ok $? "check-restart h1 n1: refused in vm start's words"
c 1 vm check-restart v1 n1 --json
json 'd["ok"] is False' "check-restart --json: ok false, exit 1"
c 3 vm check-restart nosuch b1

# A refused start names what the host lacks of the set featured judged:
# the level the VM would be given there (its pool's, or a standalone
# host's own default set), not the set it holds now, nor none for a
# halted or new VM.  Each host below has a default set (what it gives,
# what a level is folded of) with bits of word 1 its max set lacks:
# xm's pool's level has bit 1 (HVM) and bits 1 and 4 (PV), xm's own
# default sets more, standalone xs's bit 2 alone; v1 holds bit 0.
# lacks A B: what 'featureset diff' says set A has that B lacks, as
# the sentence lists them
lacks() { "$CLI" featureset diff "$1" "$2" | sed 's/ /, /g'; }
# err_is LINE DESCRIPTION: the last command said exactly LINE on stderr
err_is() {
	[ "$(cat "$T/err")" = "$1" ]
	ok $? "$2"
}
NONE=ffffffff-00000000
cpu_info xm.json GenuineIntel $NONE $NONE ffffffff-00000013 \
    ffffffff-00000006
cpu_info xn.json GenuineIntel ffffffff-00000012 ffffffff-00000003
cpu_info xs.json GenuineIntel $NONE $NONE ffffffff-00000004 \
    ffffffff-00000004
c 0 host boot xm --probe "file:$T/xm.json"
c 0 host boot xn --probe "file:$T/xn.json"
c 0 host boot xs --probe "file:$T/xs.json"
c 0 pool join xq xm
c 0 pool join xq xn
c 0 pool show xq --raw
has '^features_hvm_host ffffffff-00000002$' "pool xq: its hvm level is bit 1"
has '^features_pv_host ffffffff-00000012$' "pool xq: its pv level, bits 1, 4"
HVM_LACKS=$(lacks ffffffff-00000002 $NONE)
PV_LACKS=$(lacks ffffffff-00000012 $NONE)
[ -n "$HVM_LACKS" ] && [ -n "$PV_LACKS" ] &&
    [ "$HVM_LACKS" != "$(lacks ffffffff-00000001 $NONE)" ] &&
    [ "$HVM_LACKS" != "$(lacks ffffffff-00000006 $NONE)" ]
ok $? "the pool's level lacks '$HVM_LACKS', not v1's set's nor xm's own"
c 1 vm check-restart v1 xm
has "^v1 cannot start on xm: VM_INCOMPATIBLE_WITH_THIS_HOST: v1 cannot run on xm, which lacks $HVM_LACKS\$" \
    "check-restart v1 xm: names what xm lacks of its pool's level, not of v1's set"
c 1 vm check-restart h1 xm
has "^h1 cannot start on xm: VM_INCOMPATIBLE_WITH_THIS_HOST: h1 cannot run on xm, which lacks $HVM_LACKS\$" \
    "check-restart h1 xm: a halted VM's refusal names them too"
c 1 vm start h1 xm hvm
err_is "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: h1 cannot run on xm, which lacks $HVM_LACKS" \
    "vm start h1 xm: names what xm lacks of the level it would give"
sed -n 's/^cpulevel: //p' "$T/err" >"$T/said"
c 1 vm check-restart h1 xm
[ -s "$T/said" ] && grep -qxF "h1 cannot start on xm: $(cat "$T/said")" \
    "$T/out"
ok $? "check-restart h1 xm: refused in vm start's words"
c 1 vm start xv1 xm hvm
err_is "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: xv1 cannot run on xm, which lacks $HVM_LACKS" \
    "vm start of a new VM on xm: names them too"
c 1 vm start xv2 xm pv
err_is "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: xv2 cannot run on xm, which lacks $PV_LACKS" \
    "vm start of a PV VM on xm: the PV level's"
c 1 vm check-restart v1 xs
has "^v1 cannot start on xs: VM_INCOMPATIBLE_WITH_THIS_HOST: v1 cannot run on xs, which lacks $(lacks ffffffff-00000004 $NONE)\$" \
    "check-restart v1 xs: a standalone host's own set's"
# A VM whose host reboots with such sets: its reboot is refused, and
# names what the host lacks of its new set, not of the VM's old one.
c 0 host boot xr --probe "file:$T/big.json"
c 0 vm start xv3 xr hvm
c 0 host boot xr --probe "file:$T/xs.json"
c 1 vm reboot xv3
err_is "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: xv3 cannot run on xr, which lacks $(lacks ffffffff-00000004 $NONE)" \
    "vm reboot xv3: names what xr lacks of the set it would give"
# A migrate is judged on the set the VM holds, as before
c 1 vm migrate v1 xs
err_is "cpulevel: VM_INCOMPATIBLE_WITH_THIS_HOST: v1 cannot run on xs, which lacks $(lacks ffffffff-00000001 $NONE)" \
    "vm migrate v1 xs: names what xs lacks of v1's set"

# Long lists of names wrap within 80 columns, under their cell: pool w
# of two hosts with many features (wide), a VM on each, and a host with
# few (narrow).  --raw keeps a row on one line, as before.
cpu_info wide.json GenuineIntel ffffffff-ffffffff-ffffffff-ffffffff
cpu_info narrow.json GenuineIntel ffffffff-00000000-00000000-00000000
c 0 host boot wb1 --probe "file:$T/wide.json"
c 0 host boot wb2 --probe "file:$T/wide.json"
c 0 host boot wn1 --probe "file:$T/narrow.json"
c 0 pool join w wb1
c 0 pool join w wb2
c 0 vm start wv1 wb1 hvm
c 0 vm start wv2 wb2 pv

both 1 pool preview-join w wn1
fits "preview-join wn1: every line within 80 columns"
cell_is hvm LOST "$(names 'd["hvm"]["lost"]')" \
    "preview-join wn1: hvm's LOST, wrapped, has all its names in order"
cell_is hvm GAINED - "preview-join wn1: hvm's GAINED stays in its column"
cell_is wv1 MISSING "$(names 'd["stranded"][0]["missing_features"]')" \
    "preview-join wn1: wv1's MISSING, wrapped, has all its names"
[ "$(grep -c '^  *[a-z]' "$T/out")" -ge 6 ]
ok $? "preview-join wn1: continuation lines, indented"
c 1 pool preview-join w wn1 --raw
has "^hvm $(names 'd["hvm"]["lost"]') -$" \
    "preview-join wn1 --raw: a row on one line, as before"

both 1 host preview-boot wb2 --probe "file:$T/narrow.json"
fits "preview-boot wb2: every line within 80 columns"
cell_is features_hvm_host LOST \
    "$(names 'd["sets"]["features_hvm_host"]["lost"]')" \
    "preview-boot wb2: its hvm set's LOST, wrapped, has all its names"
cell_is hvm LOST "$(names 'd["hvm"]["lost"]')" \
    "preview-boot wb2: the POOL LEVEL's LOST, wrapped, has all its names"

c 0 host boot wb2 --probe "file:$T/narrow.json"
both 1 host plan-evacuation wb1
fits "plan-evacuation wb1: every line within 80 columns"
cell_is wv1 DESTINATIONS \
    "none; on wb2 it lacks: $(names 'd["vms"][0]["missing_features"]')" \
    "plan-evacuation wb1: wv1's DESTINATIONS, wrapped, whole"
both 1 pool preview-eject w wb1
fits "preview-eject wb1: every line within 80 columns (the refusal apart)"
cell_is wv1 MISSING "$(names 'd["stranded"][0]["missing_features"]')" \
    "preview-eject wb1: wv1's MISSING, wrapped, whole"
cell_is wv1 NEAREST wb2 "preview-eject wb1: wv1's NEAREST in its column"
cell_is wv1 ERROR "$(names 'd["stranded"][0]["error"]')" \
    "preview-eject wb1: wv1's ERROR, wrapped, whole"
both 1 host blocking-vms wb1
fits "blocking-vms wb1: every line within 80 columns"
cell_is wv1 ERROR "$(names 'd["wv1"]')" "blocking-vms wb1: wv1's ERROR, whole"
both 0 pool needs-restart w
fits "needs-restart w: every line within 80 columns"
cell_is wv1 LOST "$(names 'd["vms"][0]["lost"]')" \
    "needs-restart w: wv1's LOST, wrapped, whole"
cell_is wv1 "BLOCKED FROM" wb2 "needs-restart w: wv1 blocked from wb2"
both 0 vm check-restart wv1 wb2
fits "check-restart wv1 wb2: every line within 80 columns"
[ "$(sed -n '/^lost: /,/^gained: /p' "$T/out" | sed '$d' |
    sed 's/^lost: //' | tr -s ' \n' '  ' | sed 's/^ //; s/ $//')" = \
    "$(names 'd["lost"]')" ]
ok $? "check-restart wv1 wb2: lost, wrapped, has all its names"

# A pool of 120 uuid-named hosts written behind featured's back, one
# VM running on the first: plan-evacuation's DESTINATIONS cell (--raw: a
# row on one line) stops within 4096 characters after whole ids, in
# order, and counts the rest; --json has all 119.
python3 -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1])
fs = "ffffffff-ffffffff"
db.execute("INSERT INTO pool (id, vendor) VALUES (?, ?)", ("big", "GenuineIntel"))
db.executemany("INSERT INTO host (id, pool_id, vendor, cpu_info, booted_at, "
    "features_pv, features_hvm, features_pv_host, features_hvm_host) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [("00000000-0000-4000-8000-%012d" % i,
    "big", "GenuineIntel", "{\"vendor\": \"GenuineIntel\"}",
    "2026-01-01T00:00:00Z", fs, fs, fs, fs) for i in range(120)])
db.execute("INSERT INTO vm (id, host_id, domain_type, power_state, vendor, "
    "features) VALUES (?, ?, ?, ?, ?, ?)", ("bigvm",
    "00000000-0000-4000-8000-000000000000", "hvm", "running", "GenuineIntel",
    "ffffffff-00000001")); db.commit()' "$T/db"
ok $? "a pool of 120 hosts in the database, bigvm on the first"
c 0 host plan-evacuation 00000000-0000-4000-8000-000000000000 --raw
python3 -c 'import sys
lines = open(sys.argv[1]).read().splitlines()
row = [l for l in lines if l.startswith("bigvm ")]
assert len(row) == 1, lines
vm, count, cell = row[0].split(None, 2)
assert count == "119", row
assert len(cell) <= 4096, len(cell)
shown, tail = cell.rsplit(",", 1)
ids = ["00000000-0000-4000-8000-%012d" % i for i in range(1, 120)]
shown = shown.split(",")
assert shown == ids[:len(shown)], shown[-3:]
assert tail == "... (%d more)" % (119 - len(shown)), tail
assert len(shown) >= 100, len(shown)' "$T/out" >>"$T/err" 2>&1
ok $? "plan-evacuation: 119 destinations cut within 4096 characters, after whole ids, the rest counted"
c 0 host plan-evacuation 00000000-0000-4000-8000-000000000000 --json
json 'len(d["vms"][0]["destinations"]) == 119' \
    "plan-evacuation --json: all 119 destinations"

# Past the bound: 2001 running VMs with b1's set written behind
# featured's back, all on b1.  A list stops at 2000 entries or at the
# answer's byte budget, whichever comes first; the counts stay whole.
python3 -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1])
db.executemany("INSERT INTO vm (id, host_id, domain_type, power_state, "
    "vendor, features) VALUES (?, ?, ?, ?, ?, ?)",
    [("z%04d" % i, "b1", "hvm", "running", "GenuineIntel",
    "ffffffff-00000001") for i in range(2001)]); db.commit()' "$T/db"
ok $? "2001 more VMs on b1"
c 1 pool preview-join p s1 --json
json 'd["stranded_count"] == 2002 and 0 < len(d["stranded"]) <= 2000 and
    d["truncated"] is True and [e["vm"] for e in d["stranded"]] ==
    sorted(e["vm"] for e in d["stranded"])' \
    "preview-join past the bound: all counted, some listed in id order"
c 1 host plan-evacuation b1 --json
json 'd["vm_count"] == 2002 and d["blocked_count"] == 2002 and
    0 < len(d["vms"]) <= 2000 and d["truncated"] is True' \
    "plan-evacuation past the bound: all counted, some listed"

echo "1..$n"
[ "$failed" -eq 0 ]
