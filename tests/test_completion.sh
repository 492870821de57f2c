#!/bin/bash
# Bash completion of cpulevel (cli/cpulevel.bash, cli/complete.c): the
# script sourced in bash, COMP_WORDS and COMP_CWORD set as bash sets them,
# _cpulevel called.  The commands, a group's second words and each
# command's options must be what 'cpulevel --help' and 'cpulevel CMD
# --help' list, neither more nor less, and every option offered must be
# one the command takes; ids come from a real featured; with no daemon it
# answers at once, with nothing on stderr.
set -u
# shellcheck source-path=SCRIPTDIR source=cli_lib.sh
. "$(dirname "$0")/cli_lib.sh"
SCRIPT=${CPULEVEL_BASH_COMPLETION:?set by meson: cli/cpulevel.bash}
NOBODY="ipc://$T/run/nobody.sock"

# diag: the notes the failed check left in $T/diag
diag() { [ -s "$T/diag" ] && sed 's/^/#   /' "$T/diag"; }

# The CLI as a user has it: 'cpulevel' found in PATH.
PATH=$(dirname "$CLI"):$PATH
# shellcheck source=../cli/cpulevel.bash
. "$SCRIPT" || { echo "Bail out! cannot source $SCRIPT"; exit 1; }
[ "$(complete -p cpulevel 2>/dev/null)" = "complete -F _cpulevel cpulevel" ]
ok $? "the script registers _cpulevel for cpulevel"

# comp WORD...: complete the last word of 'cpulevel WORD...', the
# candidates sorted into $T/got, one a line; stderr in $T/err.
comp() {
	COMP_WORDS=(cpulevel "$@")
	COMP_CWORD=$#
	COMP_LINE="cpulevel $*"
	COMP_POINT=${#COMP_LINE}
	_cpulevel 2>"$T/err"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort >"$T/got"
}
# same DESCRIPTION: $T/got is $T/want (sorted), else the diff.
same() {
	sort "$T/want" | sed '/^$/d' >"$T/want.s"
	diff "$T/want.s" "$T/got" >"$T/diag"
	ok $? "$1"
}

# --- commands ---------------------------------------------------------------

"$CLI" --help >"$T/help"
sed -n 's/^  \([a-z][a-z-]*\)\( [a-z][a-z-]*\)\{0,1\}  .*/\1/p' "$T/help" |
    sort -u >"$T/first"
[ "$(wc -l <"$T/first")" -ge 8 ]
ok $? "cpulevel --help lists $(wc -l <"$T/first") first words"

comp ""
{ cat "$T/first"; echo --help; echo --version; } >"$T/want"
same "cpulevel <TAB>: the first words of every command, and --help, --version"
[ "$(uniq -d "$T/got")" = "" ]
ok $? "  ... each once"
comp p
printf '%s\n' pool possible-hosts >"$T/want"
same "cpulevel p<TAB>: pool, possible-hosts"
comp pool j
echo join >"$T/want"
same "cpulevel pool j<TAB>: join"

# Every group's second words are its commands in cpulevel --help.
sed -n 's/^  \([a-z][a-z-]*\) [a-z][a-z-]*  .*/\1/p' "$T/help" | sort -u \
    >"$T/groups"
while read -r g; do
	sed -n "s/^  $g \\([a-z][a-z-]*\\)  .*/\\1/p" "$T/help" >"$T/want"
	comp "$g" ""
	same "cpulevel $g <TAB>: its $(wc -l <"$T/want") commands"
done <"$T/groups"
comp host ""
grep -qx check-vm "$T/got"
ok $? "cpulevel host <TAB> offers check-vm"

# --- options ----------------------------------------------------------------

# Each command's options are the long options its --help names, and each
# is one it takes (no "unknown option").
sed -n 's/^  \([a-z][a-z-]*\( [a-z][a-z-]*\)\{0,1\}\)  .*/\1/p' "$T/help" \
    >"$T/commands"
: >"$T/bad"
while read -r cmd; do
	# shellcheck disable=SC2086 # one or two words
	"$CLI" $cmd --help >"$T/cmdhelp" 2>&1
	{ grep -o -- '--[a-z][a-z0-9-]*' "$T/cmdhelp"; echo --help; } |
	    sort -u >"$T/want"
	# shellcheck disable=SC2086
	comp $cmd --
	diff "$T/want" "$T/got" >/dev/null ||
	    echo "$cmd: --help names $(tr '\n' ' ' <"$T/want"), completion offers $(tr '\n' ' ' <"$T/got")" >>"$T/bad"
	while read -r opt; do
		# shellcheck disable=SC2086
		"$CLI" $cmd "$opt" x --help >/dev/null 2>"$T/opterr"
		grep -q "unknown option" "$T/opterr" &&
		    echo "$cmd: $opt offered, refused: $(cat "$T/opterr")" >>"$T/bad"
	done <"$T/got"
done <"$T/commands"
cp "$T/bad" "$T/diag"
[ ! -s "$T/bad" ]
ok $? "every command ($(wc -l <"$T/commands")): completion offers the options of its --help, each one it takes"

comp vm list --
printf '%s\n' --pool --host --connect --json --raw --dbg --help >"$T/want"
same "cpulevel vm list --<TAB>: its own options and the daemon commands'"
comp pool join --f
echo --force >"$T/want"
same "cpulevel pool join --f<TAB>: --force"
comp host check-vm --c
printf '%s\n' --cpu-info --connect >"$T/want"
same "cpulevel host check-vm --c<TAB>: --cpu-info, --connect"

# --- values -------------------------------------------------------------------

comp host boot h1 --probe ""
printf '%s\n' auto xen cpuid file: >"$T/want"
same "cpulevel host boot h1 --probe <TAB>: the probe's forms"
comp vm start v1 h1 ""
printf '%s\n' pv hvm pvh pv_in_pvh >"$T/want"
same "cpulevel vm start VM HOST <TAB>: the domain types"
comp vm import v1 h1 hvm r
echo running >"$T/want"
same "cpulevel vm import VM HOST TYPE r<TAB>: running"
mkdir "$T/files"
: >"$T/files/other-pool.json"
: >"$T/files/other-vm.json"
comp host check-vm --cpu-info "$T/files/other-p"
echo "$T/files/other-pool.json" >"$T/want"
same "cpulevel host check-vm --cpu-info DIR/other-p<TAB>: the file"
comp host-cpu-info --probe file : "$T/files/other-v"
echo "$T/files/other-vm.json" >"$T/want"
same "cpulevel host-cpu-info --probe file:DIR/other-v<TAB> (split at ':' as bash does): the file"

# --- ids from featured ----------------------------------------------------------

start_featured
cat >"$T/ci.json" <<JSON
{ "vendor": "GenuineIntel", "features_pv": "ffffffff", "features_hvm": "ffffffff",
  "features_pv_host": "ffffffff", "features_hvm_host": "ffffffff" }
JSON
H1=7f1a2b3c-4d5e-4f60-9172-8394a5b6c7d8
H2=8a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9
V1=c5db1298-3e97-53bb-4f97-bd039ca8c201
for cmd in "host boot $H1 --probe file:$T/ci.json" \
    "host boot $H2 --probe file:$T/ci.json" "pool join p1 $H1" \
    "vm start $V1 $H1 hvm" "vm start vm2 $H2 pv"; do
	# shellcheck disable=SC2086
	"$CLI" $cmd --connect "$F" >/dev/null 2>"$T/diag"
	ok $? "set up: cpulevel $cmd"
done

comp vm show --connect "$F" ""
printf '%s\n' "$V1" vm2 >"$T/want"
same "cpulevel vm show <TAB>: featured's VMs"
[ ! -s "$T/err" ]
ok $? "  ... nothing on stderr"
comp vm show --connect "$F" c
echo "$V1" >"$T/want"
same "cpulevel vm show c<TAB>: the VM whose id starts so"
comp pool join --connect "$F" ""
echo p1 >"$T/want"
same "cpulevel pool join <TAB>: featured's pools"
comp pool join --connect "$F" p1 ""
printf '%s\n' "$H1" "$H2" >"$T/want"
same "cpulevel pool join POOL <TAB>: featured's hosts"
comp vm list --connect "$F" --host 8
echo "$H2" >"$T/want"
same "cpulevel vm list --host 8<TAB>: the host"
# As bash splits "--connect ipc:///..." at ':'.
comp host show --connect ipc : "${F#ipc:}" ""
printf '%s\n' "$H1" "$H2" >"$T/want"
same "cpulevel host show --connect ipc:... <TAB> (split at ':'): the hosts"
comp host check-vm --featured "$F" ""
printf '%s\n' "$V1" vm2 >"$T/want"
same "cpulevel host check-vm --featured URL <TAB>: featured's VMs"

# --- no daemon: at once, and quiet ------------------------------------------------

for words in "vm show --connect $NOBODY" "host show --connect $NOBODY" \
    "pool show --connect $NOBODY" "host check-vm --featured $NOBODY"; do
	start=$(date +%s%N)
	# shellcheck disable=SC2086
	comp $words ""
	ms=$((($(date +%s%N) - start) / 1000000))
	[ ! -s "$T/got" ] && [ ! -s "$T/err" ] && [ "$ms" -lt 2000 ]
	ok $? "cpulevel $words <TAB> with no daemon: nothing, quietly, in ${ms} ms"
done
# A socket file nobody serves any more: featured stopped.
kill "$featured_pid"
wait "$featured_pid" 2>/dev/null
pids=
start=$(date +%s%N)
comp vm show --connect "$F" ""
ms=$((($(date +%s%N) - start) / 1000000))
[ ! -s "$T/got" ] && [ ! -s "$T/err" ] && [ "$ms" -lt 2000 ]
ok $? "cpulevel vm show <TAB> after featured stopped: nothing, quietly, in ${ms} ms"

echo "1..$n"
[ "$failed" -eq 0 ]
