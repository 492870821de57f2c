#!/bin/sh
# cpulevel host check-vm, the cross-pool check, against a real featured
# and migcheck on one database: the destination known by a cpu_info file,
# the VM by featured or by a flags file.  Its verdict is migcheck's
# (Host.assert_vm_is_compatible), the missing features are the ones
# 'featureset diff' names, and the exit status is exit.c's, the same with
# --json: 0 compatible, 1 incompatible, 2 a bad file or usage (the error
# naming what is wrong), 3 an unknown VM, 4 no daemon.
set -u
# shellcheck source-path=SCRIPTDIR source=cli_lib.sh
. "$(dirname "$0")/cli_lib.sh"
MIGCHECK=${CPULEVEL_MIGCHECK:?set by meson: the built cpulevel-migcheck}
M="ipc://$T/run/m.sock"
NOBODY="ipc://$T/run/nobody.sock"
rc=

# diag: a failed check's status, then the output
diag() {
	echo "#   rc $rc"
	sed 's/^/#   /' "$T/out" "$T/err"
}

# chk RC ARGS...: cpulevel host check-vm ARGS (both sockets given) exits
# RC, human and --json alike; the human run's output stays in $T/out and
# $T/err, the JSON run's in $T/jout.  An error (RC 2 to 4) is one line.
chk() {
	want=$1
	shift
	"$CLI" host check-vm --featured "$F" --connect "$M" "$@" --json \
	    >"$T/jout" 2>"$T/jerr"
	jrc=$?
	"$CLI" host check-vm --featured "$F" --connect "$M" "$@" \
	    >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq "$want" ] && [ "$jrc" -eq "$want" ] &&
	    { [ "$want" -le 1 ] || [ "$(wc -l <"$T/err")" -eq 1 ]; } &&
	    { [ "$want" -ne 0 ] || [ ! -s "$T/err" ]; }
	ok $? "host check-vm $* -> $want (got $rc, --json $jrc)"
}

# err_says TEXT: the last error names TEXT
err_says() {
	grep -qF -- "$1" "$T/err"
	ok $? "  ... and the error says: $1"
}

start_featured
start_migcheck "$T/db" "$M"

STRONG=ffffffff-0000ffff
WEAK=0fffffff-000000ff
cpu_info strong.json GenuineIntel $STRONG $STRONG
cpu_info weak.json GenuineIntel $WEAK $WEAK
cpu_info amd.json AuthenticAMD $STRONG $STRONG
cpu_info weakpv.json GenuineIntel $WEAK $STRONG
printf '{ "vendor": "GenuineIntel", "features_pv": "%s" }\n' $STRONG \
    >"$T/nohvm.json"

# h1 (strong) runs v1 (hvm) and v2 (pv) with its strong set.
for cmd in "host boot h1 --probe file:$T/strong.json" "vm start v1 h1 hvm" \
    "vm start v2 h1 pv" "vm start v3 h1 hvm" "vm shutdown v3"; do
	# shellcheck disable=SC2086 # each is a command line
	"$CLI" $cmd --connect "$F" >"$T/out" 2>"$T/err"
	rc=$?
	ok $rc "set up: cpulevel $cmd"
done
# The names 'featureset diff' gives the features of STRONG that WEAK lacks.
"$CLI" featureset diff $STRONG $WEAK | tr -s ' \n' '\n\n' | sed '/^$/d' \
    | sort >"$T/lost"
[ -s "$T/lost" ]
ok $? "featureset diff names what the weak host lacks ($(wc -l <"$T/lost"))"

# --- the VM featured holds ----------------------------------------------------

chk 0 v1 --cpu-info "$T/strong.json"
[ "$(cat "$T/out")" = compatible ]
ok $? "  ... and prints 'compatible'"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d == {"compatible": True, "missing_features": [],
    "vendor_mismatch": False}, d' "$T/jout"
ok $? "  ... --json: the verdict, compatible"

chk 1 v1 --cpu-info "$T/weak.json"
[ "$(head -n 1 "$T/out")" = "incompatible: VM last booted on a CPU with features this host's CPU does not have." ]
ok $? "  ... and prints the reason"
sed -n 's/^missing: //p' "$T/out" | tr -s ', ' '\n\n' | sed '/^$/d' |
    sort >"$T/missing"
cmp -s "$T/missing" "$T/lost"
ok $? "  ... and names the missing features, those featureset diff names"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
lost = open(sys.argv[2]).read().split()
assert d["compatible"] is False and d["vendor_mismatch"] is False, d
assert sorted(d["missing_features"]) == lost, (d, lost)
assert d["reason"].startswith("VM last booted on a CPU with features"), d' \
    "$T/jout" "$T/lost"
ok $? "  ... --json: the reason and the missing features"

chk 1 v1 --cpu-info "$T/amd.json"
grep -q '^incompatible: VM last booted on a host which had a CPU from a different vendor.$' "$T/out"
ok $? "  ... another vendor: reason 1"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["compatible"] is False and d["vendor_mismatch"] is True, d' "$T/jout"
ok $? "  ... --json: vendor_mismatch"

chk 1 v1 --cpu-info "$T/nohvm.json"
grep -q '^incompatible: Host does not have new leveling feature keys' "$T/out"
ok $? "  ... a cpu_info without features_hvm: reason 3, never compatible"

# v2 is pv: the pv set counts, not the hvm one.
chk 1 v2 --cpu-info "$T/weakpv.json"
chk 0 v1 --cpu-info "$T/weakpv.json"
# A halted VM may go anywhere: it gets a level when it starts.
chk 0 v3 --cpu-info "$T/weak.json"

chk 3 nope --cpu-info "$T/strong.json"
err_says HANDLE_INVALID
chk 4 v1 --cpu-info "$T/strong.json" --featured "$NOBODY"
err_says "cannot reach cpulevel-featured at $NOBODY"
chk 4 v1 --cpu-info "$T/strong.json" --connect "$NOBODY"
err_says "cannot reach cpulevel-migcheck at $NOBODY"

# --- the VM's flags from a file -----------------------------------------------

printf '{ "vendor": "GenuineIntel", "features": "%s" }\n' $STRONG \
    >"$T/flags.json"
# A flags file needs no featured.
chk 0 --flags "$T/flags.json" --cpu-info "$T/strong.json" \
    --featured "$NOBODY"
chk 1 --flags "$T/flags.json" --cpu-info "$T/weak.json"
sed -n 's/^missing: //p' "$T/out" | tr -s ', ' '\n\n' | sed '/^$/d' |
    sort >"$T/missing"
cmp -s "$T/missing" "$T/lost"
ok $? "  ... and names the missing features"
chk 1 --flags "$T/flags.json" --cpu-info "$T/amd.json"
# A weak VM fits the weak host.
printf '{ "vendor": "GenuineIntel", "features": "%s" }\n' $WEAK \
    >"$T/weakflags.json"
chk 0 --flags "$T/weakflags.json" --cpu-info "$T/weak.json"
# The kind: hvm by default, --domain-type, or the file's domain_type.
chk 0 --flags "$T/flags.json" --cpu-info "$T/weakpv.json"
chk 1 --flags "$T/flags.json" --cpu-info "$T/weakpv.json" --domain-type pv
# 'vm show --json' of another pool's VM is a flags file, kind and all.
"$CLI" vm show v2 --json --connect "$F" >"$T/v2.json"
chk 1 --flags "$T/v2.json" --cpu-info "$T/weakpv.json"
chk 0 --flags "$T/v2.json" --cpu-info "$T/weakpv.json" --domain-type hvm

# --- bad files: exit 2, naming what is wrong --------------------------------------

chk 2 v1 --cpu-info "$T/missing.json"
err_says "$T/missing.json"
err_says "No such file"
printf '{ "vendor": "GenuineIntel", ' >"$T/cut.json"
chk 2 v1 --cpu-info "$T/cut.json"
err_says "is not JSON"
echo '["GenuineIntel"]' >"$T/array.json"
chk 2 v1 --cpu-info "$T/array.json"
err_says "array"
echo '{ "features_hvm": "ffffffff" }' >"$T/novendor.json"
chk 2 v1 --cpu-info "$T/novendor.json"
err_says 'missing key "vendor"'
echo '{ "vendor": "GenuineIntel", "features_hvm": "zz-top" }' >"$T/badfs.json"
chk 2 v1 --cpu-info "$T/badfs.json"
err_says features_hvm
chk 2 --flags "$T/missing.json" --cpu-info "$T/strong.json"
err_says "$T/missing.json"
chk 2 --flags "$T/cut.json" --cpu-info "$T/strong.json"
err_says "is not JSON"
chk 2 --flags "$T/array.json" --cpu-info "$T/strong.json"
err_says "holds no JSON object"
echo '{ "host": "h1" }' >"$T/noflags.json"
chk 2 --flags "$T/noflags.json" --cpu-info "$T/strong.json"
err_says 'neither "vendor" nor "features"'
echo '{ "vendor": "GenuineIntel", "features": "zz-top" }' >"$T/badflags.json"
chk 2 --flags "$T/badflags.json" --cpu-info "$T/strong.json"
err_says '"features"'
echo '{ "vendor": 12 }' >"$T/numvendor.json"
chk 2 --flags "$T/numvendor.json" --cpu-info "$T/strong.json"
err_says '"vendor" is not a string'
echo '{ "vendor": "GenuineIntel", "domain_type": "kvm" }' >"$T/kvm.json"
chk 2 --flags "$T/kvm.json" --cpu-info "$T/strong.json"
err_says '"domain_type"'

# --- usage -----------------------------------------------------------------------

chk 2 --cpu-info "$T/strong.json"
err_says "neither"
chk 2 v1 --flags "$T/flags.json" --cpu-info "$T/strong.json"
err_says "both"
chk 2 v1
err_says "--cpu-info"
chk 2 v1 extra --cpu-info "$T/strong.json"
chk 2 v1 --cpu-info "$T/strong.json" --domain-type pv
chk 2 --flags "$T/flags.json" --cpu-info "$T/strong.json" --domain-type kvm
chk 2 v1 --cpu-info "$T/strong.json" --bogus
chk 2 v1 --cpu-info
"$CLI" host check-vm --help >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && grep -q '^usage: cpulevel host check-vm' "$T/out" &&
    grep -q 'Host.assert_vm_is_compatible' "$T/out"
ok $? "host check-vm --help: its synopsis and the method it calls"

# The default sockets --help names are where it connects.
"$CLI" host check-vm --help >"$T/help"
mdef=$(sed -n '/^  --connect URL /{n;s/^ *(default //;s/)$//;p;}' "$T/help")
fdef=$(sed -n '/^  --featured URL /{n;s/^ *(default //;s/)$//;p;}' "$T/help")
if [ -e "${mdef#ipc://}" ] || [ -e "${fdef#ipc://}" ]; then
	echo "# $mdef or $fdef exists here: the defaults are not tried"
else
	"$CLI" host check-vm --flags "$T/flags.json" \
	    --cpu-info "$T/strong.json" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq 4 ] && [ "$(cat "$T/err")" = \
	    "cpulevel: cannot reach cpulevel-migcheck at $mdef: is it running?" ]
	ok $? "--help's migcheck socket ($mdef) is where it connects"
	"$CLI" host check-vm v1 --cpu-info "$T/strong.json" --connect "$M" \
	    >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq 4 ] && [ "$(cat "$T/err")" = \
	    "cpulevel: cannot reach cpulevel-featured at $fdef: is it running?" ]
	ok $? "--help's featured socket ($fdef) is where it connects"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
