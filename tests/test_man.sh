#!/bin/sh
# The manual pages (man/): every program the build installs has one, they
# all pass mandoc's lint, and every long option (and, for the CLI, every
# command) a program's --help prints is in its page.  The programs are
# read from meson's list of installed files, so a program added later
# (cpulevel-xapi-sync, migcheck's --http) is checked as soon as it is
# built, and a page that misses it fails here.
set -u
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
diag() { awk '{ print "# " $0 }'; }	# ends every line

build=${BUILDDIR:?BUILDDIR is not set}
mandir=${MANDIR:?MANDIR is not set}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# "SOURCE DEST" a line: what meson installs (meson introspect --installed).
python3 -c '
import json, sys
for src, dest in json.load(open(sys.argv[1])).items():
    print(src, dest)
' "$build/meson-info/intro-installed.json" >"$T/installed" ||
    { echo "Bail out! cannot read meson's list of installed files"; exit 1; }

# Programs: what goes to a bin, sbin or libexec directory.  Pages: what
# goes to a manN directory.
awk '$2 ~ /\/(bin|sbin|libexec)\// { print }' "$T/installed" >"$T/programs"
awk '$2 ~ /\/man[1-9]\/[^\/]*\.[1-9]$/ { print }' "$T/installed" >"$T/pages"
[ -s "$T/programs" ]
ok $? "meson installs programs ($(wc -l <"$T/programs"))"

# page_of NAME: the built page of an installed program, or nothing.
page_of() {
	awk -v name="$1" '{ n = $2; sub(/.*\//, "", n) }
	    n ~ /\.[18]$/ && substr(n, 1, length(n) - 2) == name { print $1 }' \
	    "$T/pages" | head -n 1
}

while read -r src dest; do
	name=${dest##*/}
	page=$(page_of "$name")
	[ -n "$page" ] && [ -f "$page" ]
	ok $? "$name has an installed manual page (section 1 or 8)"
done <"$T/programs"
grep -q '/man5/cpulevel\.conf\.5$' "$T/pages"
ok $? "cpulevel.conf(5), the config file's page, is installed"

# --- mandoc's lint, on every page built (installed or not yet) --------------

ls "$mandir"/*.[158] >"$T/built" 2>/dev/null
[ -s "$T/built" ]
ok $? "the pages are built in $mandir"
if command -v mandoc >/dev/null 2>&1; then
	while read -r page; do
		mandoc -T lint -W warning "$page" >"$T/lint" 2>&1
		rc=$?
		[ $rc -eq 0 ] && [ ! -s "$T/lint" ]
		ok $? "mandoc -T lint -W warning ${page##*/}: clean"
		diag <"$T/lint"
	done <"$T/built"
else
	echo "# mandoc not found: the lint is skipped (Debian and EL: the" \
	    "mandoc package; scripts/dev installs it)"
fi

# --- options and commands against the pages ---------------------------------

# long_options FILE: the long options a --help output names, one a line.
long_options() {
	grep -o -- '--[a-z][a-z0-9-]*' "$1" | sort -u
}
# in_page PAGE MACRO WORDS: PAGE has ".MACRO WORDS" (at a line's start
# or inside a line), followed by a blank or the line's end.
in_page() {
	grep -Eq "(^\\.|[ ])$2 $3( |\$)" "$1"
}
# missing_options HELP PAGE: the options of HELP that PAGE lacks.
missing_options() {
	long_options "$1" | while read -r opt; do
		in_page "$2" Fl "-${opt#--}" || echo "$opt"
	done
}
# check_options NAME PAGE HELP: one check, listing what is missing.
check_options() {
	missing_options "$3" "$2" >"$T/missing"
	[ ! -s "$T/missing" ]
	ok $? "$1: every long option of its --help is in ${2##*/}"
	[ -s "$T/missing" ] && { echo "missing:"; cat "$T/missing"; } | diag
}
is_elf() {
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' \n')" = '177ELF' ]
}

# The check itself finds a missing option: a stand-in program whose
# --help has one option no page documents, against featured's page.
printf 'usage: fake [--db PATH] [--rpc URL] [--frobnicate-all]\n' >"$T/help"
missing_options "$T/help" "$mandir/cpulevel-featured.8" >"$T/missing"
[ "$(cat "$T/missing")" = --frobnicate-all ]
ok $? "the check finds an option a page lacks (--frobnicate-all)"

while read -r src dest; do
	name=${dest##*/}
	page=$(page_of "$name")
	# Scripts (cpulevel-host-boot) take no options: the page lists
	# their environment.  Never run them: they act.
	[ -n "$page" ] && is_elf "$src" || continue
	"$src" --help >"$T/help" 2>&1
	check_options "$name" "$page" "$T/help"
	[ "$name" = cpulevel ] || continue

	# The CLI: each command of 'cpulevel --help', as ".It Cm COMMAND",
	# and each command's own options.
	sed -n 's/^  \([a-z][a-z-]*\( [a-z][a-z-]*\)\{0,1\}\)  .*/\1/p' \
	    "$T/help" >"$T/commands"
	[ "$(wc -l <"$T/commands")" -ge 10 ]
	ok $? "cpulevel --help lists its commands ($(wc -l <"$T/commands"))"
	: >"$T/nocmd"
	: >"$T/noopt"
	while read -r cmd; do
		in_page "$page" Cm "$cmd" || echo "$cmd" >>"$T/nocmd"
		# shellcheck disable=SC2086 # COMMAND is one or two words
		"$src" $cmd --help >"$T/cmdhelp" 2>&1
		missing_options "$T/cmdhelp" "$page" |
		    sed "s/^/$cmd: /" >>"$T/noopt"
	done <"$T/commands"
	[ ! -s "$T/nocmd" ]
	ok $? "cpulevel(1) describes every command of cpulevel --help"
	diag <"$T/nocmd"
	[ ! -s "$T/noopt" ]
	ok $? "cpulevel(1) has every option of each command's --help"
	diag <"$T/noopt"
done <"$T/programs"
echo "1..$n"
