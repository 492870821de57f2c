# bash completion for cpulevel(1).
#
# Nothing here knows a command or an option: 'cpulevel __complete WORD...'
# (cli/complete.c) answers from the CLI's own command table, one candidate
# a line, and "@files" where a file name goes.  It asks featured for ids
# only briefly, and never writes on stderr, so a shell without a daemon
# completes at once and quietly.  Plain bash: no helper of the
# bash-completion package is needed, and bash 4.2 (XCP-ng 8.3's) will do.

_cpulevel()
{
	local -a words=() cands=()
	local i n w cur prefix

	COMPREPLY=()
	# bash cuts words at COMP_WORDBREAKS, ':' and '=' among them, so
	# "--connect ipc:///run/f.sock" comes as three words: glue them back.
	for ((i = 1; i <= COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		n=${#words[@]}
		if ((n > 0)) && [[ $w == [:=] || ${words[n - 1]} == *[:=] ]]
		then
			words[n - 1]+=$w
		else
			words[n]=$w
		fi
	done
	cur=${COMP_WORDS[COMP_CWORD]}
	# What of the glued word bash does not replace ("file:" of
	# "file:/tmp/x"): cut from each candidate.
	prefix=${words[${#words[@]} - 1]}
	prefix=${prefix%"$cur"}
	mapfile -t cands < <(timeout 2 "${COMP_WORDS[0]}" __complete \
	    "${words[@]}" 2>/dev/null)
	if [[ ${cands[0]-} == @files ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
	fi
	for w in "${cands[@]}"; do
		COMPREPLY+=("${w#"$prefix"}")
	done
	# "file:" wants its path next, not a space.
	if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *: ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}
complete -F _cpulevel cpulevel
