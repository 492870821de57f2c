#!/bin/sh
# The cpulevel CLI, run as a user would: exit codes, output, and that bad
# input gets exactly one line on stderr naming the bad value.
set -u
# shellcheck source-path=SCRIPTDIR source=cli_lib.sh
. "$(dirname "$0")/cli_lib.sh"

expect() {	# expect RC STDOUT ARGS...
	want_rc=$1 want_out=$2
	shift 2
	run "$@"
	[ "$rc" -eq "$want_rc" ] && [ "$out" = "$want_out" ] && [ -z "$err" ]
	ok $? "cpulevel $* -> rc $want_rc, '$want_out'"
	[ "$rc" -eq "$want_rc" ] || echo "#   rc $rc, out '$out', err '$err'"
}

# One line on stderr that contains $1, nothing on stdout, exit 2.
expect_error() {
	needle=$1
	shift
	run "$@"
	lines=$(wc -l <"$T/err")
	[ "$rc" -eq 2 ] && [ -z "$out" ] && [ "$lines" -eq 1 ] &&
	    grep -qF -- "$needle" "$T/err"
	ok $? "cpulevel $* -> one error line naming '$needle'"
	[ "$rc" -eq 2 ] || echo "#   rc $rc, out '$out', err '$err'"
}

# --help everywhere
for cmd in "" "host-cpu-info" "featureset decode" "featureset diff" \
    "featureset intersect" "featureset is-subset" "featureset level" \
    "featureset"; do
	# shellcheck disable=SC2086
	run $cmd --help
	[ "$rc" -eq 0 ] && echo "$out" | grep -q "^usage: cpulevel" && [ -z "$err" ]
	ok $? "cpulevel $cmd --help prints usage and exits 0"
done
run --version
[ "$rc" -eq 0 ] && echo "$out" | grep -q "^cpulevel [0-9]"
ok $? "cpulevel --version"

# decode: names as xen-cpuid prints them; unnamed bits by position
expect 0 "fpu" featureset decode 1
expect 0 "fpu sse2" featureset decode 04000001
expect 0 "sse4-1 hypervisor" featureset decode 0-80080000
expect 0 "w0b10" featureset decode 400
expect 0 "" featureset decode ""
expect 0 "avx2 rtm" featureset decode 0-0-0-0-0-820
expect 0 "fpu" featureset decode 0000_001

# diff: features of A that B lacks
expect 0 "sse2" featureset diff 04000001 1
expect 0 "" featureset diff 1 04000001
expect 0 "hypervisor" featureset diff 1-80000000 1

# intersect: the empty featureset is the identity
expect 0 "0000000f-00000000" featureset intersect ff 0f-ff
expect 0 "000000ff" featureset intersect "" ff
expect 0 "000000ff" featureset intersect FF
expect 0 "00000001-00000000" featureset intersect 3-1 5-2 1

# is-subset: zero extension, and [] is no subset of a non-empty set
expect 0 "yes" featureset is-subset 5 7-3
expect 1 "no" featureset is-subset "" 1-2-3
expect 1 "no" featureset is-subset 8 7
expect 0 "yes" featureset is-subset 1-0 1

# bad input: one clear line naming the value, exit 2
for bad in -1234 1234- 12--34 0x12 "1 2" +1 123456789 g _1; do
	expect_error "'$bad'" featureset decode "$bad"
done
expect_error "'zz'" featureset diff 1 zz
expect_error "'0x1'" featureset intersect 1 0x1
expect_error "'1-'" featureset is-subset 1- 1
expect_error "expected A B" featureset diff 1
expect_error "expected FS" featureset decode
expect_error "at least one" featureset intersect
expect_error "unknown command 'frobnicate'" frobnicate
expect_error "unknown command 'featureset frob'" featureset frob

# featureset level: sets made here of Xen's bit names at the header's
# positions (the psABI's lists as lib/levels.c maps them), not by the
# code under test.
HDR=${CPULEVEL_CPUFEATURESET_H:?set by meson: the Xen header cpufeatureset.h}
# xen_fs NAME... [, NAME...]...: the featureset of each list of bits, a
# line each (one python3 for all: it is slow to start on a loaded host)
xen_fs() {
	python3 -c '
import re, sys
pos = {m.group(1): int(m.group(2)) * 32 + int(m.group(3)) for m in
       re.finditer(r"XEN_CPUFEATURE\((\w+),\s*(\d+)\*32\+\s*(\d+)\)",
                   open(sys.argv[1]).read())}
for names in " ".join(sys.argv[2:]).split(","):
    w = [0] * 8
    for n in names.split():
        w[pos[n] // 32] |= 1 << (pos[n] % 32)
    print("-".join("%08x" % x for x in w))' "$HDR" "$@"
}
V1="FPU CX8 CMOV MMX FXSR SSE SSE2 SYSCALL LM"
V2="CX16 LAHF_LM POPCNT SSE3 SSSE3 SSE4_1 SSE4_2"
V3="AVX AVX2 BMI1 BMI2 F16C FMA ABM MOVBE XSAVE"
V4="AVX512F AVX512BW AVX512CD AVX512DQ AVX512VL"
# lacks_ok LEVEL N: the lacks line names exactly set N's bits (the names
# featureset decode gives them), psABI names in parentheses aside
lacks_ok() {
	want=$(echo "$out" | sed -n "2s/^$1 lacks: //p" |
	    sed 's/ ([^)]*)//g; s/, /\n/g' | sort | tr '\n' ' ')
	[ -n "$want" ] && "$CLI" featureset decode "$(set_n "$2")" |
	    tr ' ' '\n' | sort | tr '\n' ' ' | grep -qxF -- "$want"
}
# shellcheck disable=SC2086
{
# 1 v1+v2, 2 v1..v3, 3 v1..v4, 4 all but v1's, 5 libvirt's Haswell (no
# F16C, no LZCNT), 6 OSXSAVE for XSAVE, 7 v3 and AVX512F, 8-10 v3's, v4's,
# v1's own bits
xen_fs $V1 $V2, $V1 $V2 $V3, $V1 $V2 $V3 $V4, $V2 $V3 $V4, \
    $V1 $V2 AVX AVX2 BMI1 BMI2 FMA MOVBE XSAVE $V4, \
    $V1 $V2 AVX AVX2 BMI1 BMI2 F16C FMA ABM MOVBE OSXSAVE, \
    $V1 $V2 $V3 AVX512F, $V3, $V4, $V1 >"$T/sets"
set_n() { sed -n "${1}p" "$T/sets"; }
run featureset level "$(set_n 1)"
[ "$rc" -eq 0 ] && [ "$(echo "$out" | sed -n 1p)" = x86-64-v2 ] &&
    [ "$(echo "$out" | wc -l)" -eq 2 ] && lacks_ok x86-64-v3 8
ok $? "featureset level of v1+v2's bits: x86-64-v2, v3 lacks its own nine"
run featureset level "$(set_n 2)"
[ "$rc" -eq 0 ] && [ "$(echo "$out" | sed -n 1p)" = x86-64-v3 ] &&
    lacks_ok x86-64-v4 9
ok $? "featureset level of v1..v3's bits: x86-64-v3, v4 lacks AVX-512"
expect 0 "x86-64-v4" featureset level "$(set_n 3)"
run featureset level "$(set_n 4)"
[ "$rc" -eq 0 ] && [ "$(echo "$out" | sed -n 1p)" = none ] &&
    lacks_ok x86-64-v1 10
ok $? "featureset level without v1's bits: none, v1 lacks all nine"
run featureset level ""
[ "$rc" -eq 0 ] && [ "$out" = "none
x86-64-v1 lacks: fpu, cx8 (CMPXCHG8B), cmov, mmx, fxsr (FXSR, OSFXSR), sse, sse2, syscall (SCE), lm (x86-64)" ]
ok $? "featureset level '': none, v1's bits named with the psABI's names"
# libvirt's Haswell: v3 but for F16C and LZCNT
run featureset level "$(set_n 5)"
[ "$rc" -eq 0 ] && [ "$out" = "x86-64-v2
x86-64-v3 lacks: f16c, abm (LZCNT)" ]
ok $? "featureset level of all but F16C and ABM: x86-64-v2"
# Xen's own OSXSAVE bit does not stand for XSAVE
run featureset level \
    "$(set_n 6)"
[ "$rc" -eq 0 ] && [ "$out" = "x86-64-v2
x86-64-v3 lacks: xsave (OSXSAVE)" ]
ok $? "featureset level: Xen's OSXSAVE bit is no XSAVE"
run featureset level --json "$(set_n 7)"
rc7=$rc
cp "$T/out" "$T/json7"
run featureset level "$(set_n 3)" --json
[ "$rc7" -eq 0 ] && [ "$rc" -eq 0 ] && python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m == {"level": "x86-64-v3", "next": "x86-64-v4", "missing":
    ["avx512dq", "avx512cd", "avx512bw", "avx512vl"]}, m
m = json.load(open(sys.argv[2]))
assert m == {"level": "x86-64-v4", "next": None, "missing": []}, m' \
    "$T/json7" "$T/out"
ok $? "featureset level --json: level, next, the missing names; null past v4"
}
expect_error "'zz'" featureset level zz
expect_error "expected FS" featureset level 1 2
expect_error "expected FS" featureset level --json
expect_error "'--bogus'" host-cpu-info --bogus
expect_error "unknown probe 'nope'" host-cpu-info --probe nope

# host-cpu-info from a file
cat >"$T/ci.json" <<'JSON'
{ "vendor": "GenuineIntel", "features_pv": "1-2", "features_hvm": "3-4",
  "cpu_count": "8" }
JSON
run host-cpu-info --probe "file:$T/ci.json"
[ "$rc" -eq 0 ] && echo "$out" | grep -q "^vendor  *GenuineIntel$" &&
    echo "$out" | grep -q "^probe  *file$"
ok $? "host-cpu-info --probe file: prints the map"
run host-cpu-info --probe "file:$T/ci.json" --json
[ "$rc" -eq 0 ] && python3 -c '
import json, sys
m = json.load(sys.stdin)
assert m["cpu_count"] == "8" and m["features_hvm"] == "3-4", m
assert all(isinstance(v, str) for v in m.values())' <"$T/out"
ok $? "host-cpu-info --json is a JSON object of strings"
echo '{"vendor": 7}' >"$T/bad.json"
expect_error "'vendor'" host-cpu-info --probe "file:$T/bad.json"
expect_error "$T/missing.json" host-cpu-info --probe "file:$T/missing.json"

# the real host: Xen if present, else CPUID
if [ -e /proc/xen/privcmd ] || [ -e /dev/xen/privcmd ]; then
	echo "# running on Xen: skipping the no-Xen checks"
else
	expect_error "xen probe" host-cpu-info --probe xen
	case $(uname -m) in
	x86_64|i?86)
		if grep -qx xen /sys/hypervisor/type 2>/dev/null; then
			# a Xen guest or a chroot on a Xen host: auto refuses CPUID
			expect_error "runs on Xen" host-cpu-info
			run host-cpu-info --probe cpuid --raw
		else
			run host-cpu-info --raw
		fi
		[ "$rc" -eq 0 ] && echo "$out" | grep -q "^probe  *cpuid$" &&
		    echo "$out" | grep -q "^probe_note .*bare-metal" &&
		    echo "$out" | grep -Eq "^features_hvm_host +[0-9a-f]{8}(-[0-9a-f]{8})+$"
		ok $? "host-cpu-info without Xen reads CPUID, and says so"
		fs=$(echo "$out" | sed -n 's/^features_raw  *//p')
		run featureset decode "$fs"
		[ "$rc" -eq 0 ] && echo " $out " | grep -q " fpu .* sse2 "
		ok $? "this CPU's CPUID set decodes to include fpu and sse2"
		;;
	*)	echo "# not x86: no CPUID checks" ;;
	esac
fi

# Each daemon command's --help names the daemon and the socket it calls
# without --connect, from the same row of the command table that decides
# where it connects: run it with no daemon there, and the error names
# the same two.
cat >"$T/ci.json" <<JSON
{ "vendor": "GenuineIntel", "features_pv": "1", "features_hvm": "1" }
JSON
"$CLI" --help | sed -n 's/^  \([a-z-]*\( [a-z-]*\)\{0,1\}\)   .*/\1/p' |
while read -r cmd; do
	# shellcheck disable=SC2086
	"$CLI" $cmd --help >"$T/help" 2>&1
	grep -q '^Calls ' "$T/help" || continue	# not a daemon command
	echo "$cmd"
done >"$T/daemon_cmds"
[ "$(wc -l <"$T/daemon_cmds")" -ge 19 ]
ok $? "cpulevel --help lists the $(wc -l <"$T/daemon_cmds") daemon commands"
while read -r cmd; do
	# shellcheck disable=SC2086
	"$CLI" $cmd --help >"$T/help"
	daemon=$(sed -n 's/^Calls [^ ]* on \(cpulevel-[a-z]*\)\.$/\1/p' "$T/help")
	url=$(sed -n '/(default$/{n;s/^ *//;s/)$//;p;}' "$T/help")
	# the operands, each "x"; host boot's CPU from a file, not a probe
	# (after the command's own words: "pool list" has no operands)
	operands=$(sed -n "s/^usage: cpulevel $cmd //p" "$T/help" |
	    sed 's/\[.*//; s/[A-Z_]\{1,\}/x/g')
	case $cmd in
	"host boot") operands="x --probe file:$T/ci.json" ;;
	version) operands= ;;
	esac
	if [ -e "${url#ipc://}" ]; then
		echo "# $url exists here: '$cmd' not run against it"
		continue
	fi
	# shellcheck disable=SC2086
	run $cmd $operands
	[ -n "$daemon" ] && [ -n "$url" ] &&
	    grep -q "^  --connect URL  $daemon's request socket (default$" \
	    "$T/help" && [ "$rc" -eq 4 ] &&
	    [ "$err" = "cpulevel: cannot reach $daemon at $url: is it running?" ]
	ok $? "cpulevel $cmd: --help's $daemon at $url is where it connects"
	[ "$rc" -eq 4 ] || echo "#   rc $rc, err '$err'"
done <"$T/daemon_cmds"
case $(cat "$T/daemon_cmds") in
*migrate-check*possible-hosts*) true ;;
*) false ;;
esac
ok $? "migrate-check and possible-hosts are among them"
"$CLI" migrate-check --help | grep -q '^Calls VM.check_migrate on cpulevel-migcheck\.$' &&
    "$CLI" possible-hosts --help | grep -q '^Calls VM.get_possible_hosts on cpulevel-migcheck\.$'
ok $? "migrate-check and possible-hosts --help: they call cpulevel-migcheck"

# Help fits an 80-column terminal: cpulevel --help and every command's
"$CLI" --help >"$T/help"
awk 'length($0) > 80 { print "#   " length($0) ": " $0; bad = 1 }
    END { exit bad }' "$T/help"
ok $? "cpulevel --help: every line within 80 columns"
"$CLI" --help | sed -n 's/^  \([a-z-]*\( [a-z-]*\)\{0,1\}\)   .*/\1/p' |
while read -r cmd; do
	# shellcheck disable=SC2086
	"$CLI" $cmd --help
done >"$T/help"
awk 'length($0) > 80 { print "#   " length($0) ": " $0; bad = 1 }
    END { exit bad }' "$T/help"
ok $? "every command's --help: every line within 80 columns"

echo "1..$n"
[ "$failed" -eq 0 ]
