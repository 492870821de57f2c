#!/bin/sh
# host list, pool list and vm list against a real featured: each lists
# exactly what was booted, joined and started, its columns aligned under
# XCP-ng's 36-character uuids, its filters keep what they name, an unknown
# filter exits 3, --json parses, and past featured's bound (2000 rows)
# the list is refused, never cut short.
set -u
# shellcheck source-path=SCRIPTDIR source=cli_lib.sh
. "$(dirname "$0")/cli_lib.sh"

start_featured

cat >"$T/intel.json" <<JSON
{ "vendor": "GenuineIntel", "cpu_count": "8", "socket_count": "2",
  "features_pv": "ffffffff-0000ffff", "features_hvm": "ffffffff-0000ffff",
  "features_pv_host": "ffffffff-0000ffff",
  "features_hvm_host": "ffffffff-0000ffff" }
JSON
P=5e1c9a70-3b2d-4c8e-a1f4-9d8c7b6a5f40
H1=7f1a2b3c-4d5e-4f60-9172-8394a5b6c7d8
H2=8a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9
H3=h3				# standalone, and shorter than a uuid
V1=c5db1298-3e97-53bb-4f97-bd039ca8c201
V2=d6ec23a9-4fa8-64cc-5a08-ce14adb9d312
V3=v3

c 0 pool list
[ "$(cat "$T/out")" = "POOL  VENDOR  CPUS  SOCKETS  MEMBERS" ]
ok $? "pool list of nothing is its heading"
for h in $H1 $H2 $H3; do
	c 0 host boot "$h" --probe "file:$T/intel.json"
done
c 0 pool join $P $H1
c 0 pool join $P $H2
c 0 vm start $V1 $H1 hvm
c 0 vm start $V2 $H2 pv
c 0 vm start $V3 $H3 hvm

# rows: the table's lines after the heading, each squeezed
rows() { tail -n +2 "$T/out" | tr -s ' '; }

c 0 host list
[ "$(rows)" = "$(printf '%s\n' \
    "$H1 $P GenuineIntel true 8 2" \
    "$H2 $P GenuineIntel true 8 2" \
    "$H3 - GenuineIntel true 8 2")" ]
ok $? "host list: the three hosts booted, in id order"
# Aligned: every column starts where its heading does.
awk 'NR == 1 { p = index($0, "POOL"); v = index($0, "VENDOR") }
    NR > 1 && (substr($0, p - 2, 2) != "  " || substr($0, v - 2, 2) != "  " ||
    substr($0, p, 1) == " " || substr($0, v, 1) == " ") { bad = 1 }
    END { exit bad }' "$T/out"
ok $? "host list: 36-character uuids fit their column"
[ "$(head -n 1 "$T/out" | awk '{ print index($0, "POOL") }')" -eq 39 ]
ok $? "host list: POOL starts after a 36-character HOST column"

c 0 host list --pool $P
[ "$(rows | cut -d' ' -f1 | tr '\n' ' ')" = "$H1 $H2 " ]
ok $? "host list --pool: the members only"
c 3 host list --pool nope
c 0 pool list
[ "$(rows)" = "$P GenuineIntel 16 4 $H1,$H2" ]
ok $? "pool list: the pool and its two members"

c 0 pool show $P
# two uuids do not fit in 80 columns: the second under the first
[ "$(sed -n '/^members /,$p' "$T/out")" = "$(printf '%-18s %s,\n%19s%s' \
    members $H1 '' $H2)" ] &&
    [ "$(grep -c '^features_\|^vendor \|^cpu_count \|^socket_count ' \
    "$T/out")" -eq 7 ]
ok $? "pool show: its members under the lines it had"
c 0 pool show $P --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["members"] == sys.argv[2:4] and d["cpu_count"] == "16", d' \
    "$T/out" $H1 $H2
ok $? "pool show --json: members a list"

c 0 vm list
[ "$(rows)" = "$(printf '%s\n' "$V1 $H1 running hvm false" \
    "$V2 $H2 running pv false" "$V3 $H3 running hvm false")" ]
ok $? "vm list: the three VMs started"
awk 'NR == 1 { h = index($0, "HOST"); p = index($0, "POWER") }
    NR > 1 && (substr($0, h - 2, 2) != "  " || substr($0, h, 1) == " " ||
    substr($0, p - 2, 2) != "  " || substr($0, p, 1) == " ") { bad = 1 }
    END { exit bad }' "$T/out"
ok $? "vm list: columns aligned"
c 0 vm list --pool $P
[ "$(rows | cut -d' ' -f1 | tr '\n' ' ')" = "$V1 $V2 " ]
ok $? "vm list --pool: the VMs on its members"
c 0 vm list --host $H3
[ "$(rows | cut -d' ' -f1 | tr '\n' ' ')" = "$V3 " ]
ok $? "vm list --host: the VM on it"
c 0 vm list --pool $P --host $H3
[ "$(rows)" = "" ]
ok $? "vm list --pool --host: both filters hold"
c 3 vm list --pool nope
c 3 vm list --host nope
c 2 vm list extra

c 0 host list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert sorted(d) == sorted(sys.argv[2:5]), d
assert d[sys.argv[2]]["pool"] == sys.argv[5] and d[sys.argv[4]]["pool"] is None
assert d[sys.argv[2]]["vendor"] == "GenuineIntel"
assert d[sys.argv[2]]["hvm_capable"] is True' "$T/out" $H1 $H2 $H3 $P
ok $? "host list --json parses and holds each host"
c 0 pool list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d[sys.argv[2]]["members"] == sys.argv[3:5], d
assert list(d) == [sys.argv[2]]' "$T/out" $P $H1 $H2
ok $? "pool list --json parses: members in id order"
c 0 vm list --json --host $H2
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d == {sys.argv[2]: {"host": sys.argv[3], "power_state": "running",
    "domain_type": "pv", "legacy": False}}, d' "$T/out" $V2 $H2
ok $? "vm list --json parses"

# A pool of 200 uuid-named members (written behind featured's back, as
# below): its members cell stops within 4096 characters, after whole ids
# (the first ones, in order), and counts the rest; --json has them all.
python3 -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO pool (id, vendor) VALUES (?, ?)", ("big", "GenuineIntel"))
db.executemany("INSERT INTO host (id, pool_id, vendor, cpu_info, booted_at)"
    " VALUES (?, ?, ?, ?, ?)", [("00000000-0000-4000-8000-%012d" % i, "big",
    "GenuineIntel", "{\"vendor\": \"GenuineIntel\"}", "2026-01-01T00:00:00Z")
    for i in range(200)]); db.commit()' "$T/db"
ok $? "a pool of 200 members in the database"
c 0 pool list
python3 -c 'import sys
lines = open(sys.argv[1]).read().splitlines()
row = [l for l in lines if l.startswith("big ")]
assert len(row) == 1, lines
cell = row[0].split()[4:]
cell = " ".join(cell)
assert len(cell) <= 4096, len(cell)
shown, tail = cell.rsplit(",", 1)
ids = ["00000000-0000-4000-8000-%012d" % i for i in range(200)]
shown = shown.split(",")
assert shown == ids[:len(shown)], shown[-3:]
assert tail == "... (%d more)" % (200 - len(shown)), tail
assert len(cell) > 4096 - 64, len(cell)
assert [l for l in lines if l.startswith(sys.argv[2])], lines' \
    "$T/out" "$P"
ok $? "pool list: 200 members cut within 4096 characters, after whole ids, the rest counted"
c 0 pool list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert len(d["big"]["members"]) == 200, len(d["big"]["members"])' "$T/out"
ok $? "pool list --json: all 200 members"
c 0 pool show big
# The members, wrapped under their label: the lines from 'members' on
# that start with blanks, joined again: fewer lines than the 200 members.
awk '/^members / { on = 1; sub(/^members +/, ""); printf "%s", $0; next }
    on && /^ / { sub(/^ +/, ""); printf "%s", $0; next } { on = 0 }' \
    "$T/out" >"$T/members"
grep -q ',\.\.\. ([0-9]* more)$' "$T/members" &&
    [ "$(wc -c <"$T/members")" -le 4096 ] &&
    [ "$(grep -c "^ " "$T/out")" -lt 120 ] &&
    awk 'length > 80 { bad = 1 } END { exit bad }' "$T/out"
ok $? "pool show: its members cut alike, wrapped within 80 columns"

# Past the bound: 2001 halted VMs written behind featured's back (it
# reads them as any of its own), and the list is refused, naming it.
python3 -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1])
db.executemany("INSERT INTO vm (id, domain_type, power_state) VALUES (?, ?, ?)",
    [("z%04d" % i, "hvm", "halted") for i in range(2001)]); db.commit()' \
    "$T/db"
ok $? "2001 more VMs in the database"
c 4 vm list
grep -q 2000 "$T/err" && grep -q Service.inventory "$T/err"
ok $? "vm list past the bound: refused, naming 2000 and Service.inventory"
c 0 vm list --host $H3
[ "$(rows | cut -d' ' -f1)" = "$V3" ]
ok $? "vm list --host still answers under the bound"

echo "1..$n"
[ "$failed" -eq 0 ]
