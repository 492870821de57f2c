/*
 * cpulevel __complete WORD...: the candidates for bash completion
 * (cli/cpulevel.bash), one a line.  The words are the command line after
 * "cpulevel" up to the cursor, the last the word being completed (maybe
 * empty).  Everything comes from the command table: the commands' names,
 * the options and operands their synopses name (and, for a daemon
 * command, the options every one takes), so completion cannot offer what
 * the CLI refuses.  Operands and option values are completed by what
 * their synopsis calls them: VM, HOST and POOL from featured's lists,
 * FILE and PATH as file names ("@files": the script asks bash for them),
 * "a|b|c" as its choices.
 *
 * Completion must never hang a shell nor write on it: stderr is closed,
 * and featured gets COMPLETE_TIMEOUT_MS to answer (cli_reach() says at
 * once when nothing listens on an ipc:// socket).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jsonutil.h"
#include "probe.h"
#include "rpc.h"
#include "vmtypes.h"

#define COMPLETE_TIMEOUT_MS	500
#define MAX_OPTS		16
#define MAX_OPERANDS		8
#define WORD_MAX		64

/* What a synopsis says of a command's arguments. */
struct syntax {
	struct {
		char	flag[WORD_MAX];		/* without "--" */
		char	value[WORD_MAX];	/* "": takes none */
	} opt[MAX_OPTS];
	int	nopts;
	char	operand[MAX_OPERANDS][WORD_MAX];
	int	noperands;
};

/* The command line being completed, past the command's name. */
struct line {
	const struct command	*cmd;
	char			**words;	/* before the cursor's */
	int			 nwords;
	const char		*cur;
};

static void
offer(const char *cand, const char *cur)
{
	if (strncmp(cand, cur, strlen(cur)) == 0)
		printf("%s\n", cand);
}

static void
add_opt(struct syntax *sx, const char *flag, size_t len, const char *value,
    size_t vlen)
{
	int i;

	for (i = 0; i < sx->nopts; i++)
		if (strlen(sx->opt[i].flag) == len &&
		    strncmp(sx->opt[i].flag, flag, len) == 0)
			return;
	if (sx->nopts == MAX_OPTS || len >= WORD_MAX || vlen >= WORD_MAX)
		return;
	snprintf(sx->opt[sx->nopts].flag, WORD_MAX, "%.*s", (int)len, flag);
	snprintf(sx->opt[sx->nopts].value, WORD_MAX, "%.*s", (int)vlen,
	    value ? value : "");
	sx->nopts++;
}

/* The next word of a synopsis without its brackets; *closed if one ends. */
static const char *
next_word(const char **p, size_t *len, int *closed)
{
	const char *w;

	*p += strspn(*p, " ");
	if (**p == '\0')
		return NULL;
	w = *p + strspn(*p, "[{(");
	*p += strcspn(*p, " ");
	*len = (size_t)(*p - w);
	*closed = 0;
	while (*len > 0 && strchr("]})", w[*len - 1]) != NULL) {
		(*len)--;
		*closed = 1;
	}
	return w;
}

/*
 * "VM HOST [--probe SPEC] [--no-hvm]": operands VM and HOST, options
 * probe (a SPEC) and no-hvm (no value).  An option's value is the word
 * after it inside the same brackets.
 */
static void
parse_synopsis(const char *args, struct syntax *sx)
{
	const char *p = args, *w, *v, *save;
	size_t len, vlen;
	int closed, vclosed;

	while ((w = next_word(&p, &len, &closed)) != NULL) {
		if (len == 0 || (len == 1 && *w == '|'))
			continue;
		if (len > 2 && strncmp(w, "--", 2) == 0) {
			save = p;
			v = closed ? NULL : next_word(&p, &vlen, &vclosed);
			if (v != NULL && (*v == '-' || *v == '|')) {
				v = NULL;
				p = save;
			}
			add_opt(sx, w + 2, len - 2, v, v ? vlen : 0);
		} else if (sx->noperands < MAX_OPERANDS && len < WORD_MAX)
			snprintf(sx->operand[sx->noperands++], WORD_MAX,
			    "%.*s", (int)len, w);
	}
}

static void
command_syntax(const struct command *cmd, struct syntax *sx)
{
	const struct option *o;

	memset(sx, 0, sizeof(*sx));
	parse_synopsis(cmd->args, sx);
	if (cmd->rpc != NULL)
		for (o = cmd_common_options; o->name != NULL; o++)
			add_opt(sx, o->name, strlen(o->name),
			    o->has_arg ? "VALUE" : NULL,
			    o->has_arg ? 5 : 0);
	add_opt(sx, "help", 4, NULL, 0);
}

/* The value the line gives option flag ("--flag V", "--flag=V"), or NULL. */
static const char *
line_option(const struct line *l, const char *flag)
{
	size_t len = strlen(flag);
	const char *w;
	int i;

	for (i = 0; i < l->nwords; i++) {
		w = l->words[i];
		if (strncmp(w, "--", 2) != 0 || strncmp(w + 2, flag, len) != 0)
			continue;
		if (w[2 + len] == '=')
			return w + 3 + len;
		if (w[2 + len] == '\0' && i + 1 < l->nwords)
			return l->words[i + 1];
	}
	return NULL;
}

/* featured's socket: --featured, or a featured command's --connect. */
static const char *
featured_url(const struct line *l)
{
	const char *url = line_option(l, "featured");

	if (url == NULL && l->cmd->rpc != NULL &&
	    l->cmd->rpc->daemon == DAEMON_FEATURED)
		url = line_option(l, "connect");
	return url ? url : cmd_daemon_url(DAEMON_FEATURED);
}

/* The ids of Host/Pool/VM.get_all_records, if featured answers at once. */
static void
offer_ids(const struct line *l, const char *method)
{
	struct json_object *params, *result;
	struct rpc_error e;

	params = json_object_new_object();
	if (cmd_call(DAEMON_FEATURED, featured_url(l), COMPLETE_TIMEOUT_MS,
	    method, params, &result, &e) == 0 &&
	    json_object_is_type(result, json_type_object)) {
		json_object_object_foreach(result, id, rec) {
			(void)rec;
			offer(id, l->cur);
		}
	}
	rpc_error_clear(&e);
	json_object_put(result);
	json_object_put(params);
}

/*
 * "auto|xen|cpuid|file:PATH": the choices, a placeholder's cut off, or
 * file names once the word has "file:".
 */
static void
offer_choices(const char *value, const char *cur)
{
	char buf[WORD_MAX], *p, *c, *colon;

	snprintf(buf, sizeof(buf), "%s", value);
	for (p = buf; (c = strsep(&p, "|")) != NULL;)
		if ((colon = strchr(c, ':')) != NULL &&
		    (strcmp(colon + 1, "PATH") == 0 ||
		    strcmp(colon + 1, "FILE") == 0) &&
		    strncmp(cur, c, (size_t)(colon + 1 - c)) == 0) {
			printf("@files\n");
			return;
		}
	snprintf(buf, sizeof(buf), "%s", value);
	for (p = buf; (c = strsep(&p, "|")) != NULL;) {
		if ((colon = strchr(c, ':')) != NULL)
			colon[1] = '\0';
		offer(c, cur);
	}
}

/* A probe SPEC: probe.h's forms ("auto, xen, cpuid or file:PATH"). */
static void
offer_probe_forms(const char *cur)
{
	const char *p;
	char buf[WORD_MAX];
	size_t len = 0;

	for (p = PROBE_FORMS; *p != '\0' && len + 1 < sizeof(buf); p++) {
		if (strncmp(p, ", ", 2) == 0 || strncmp(p, " or ", 4) == 0) {
			buf[len++] = '|';
			p += *p == ',' ? 1 : 3;
		} else
			buf[len++] = *p;
	}
	buf[len] = '\0';
	offer_choices(buf, cur);
}

/* An operand or option value, by what the synopsis calls it. */
static void
offer_value(const struct line *l, const char *what)
{
	int i;

	if (strchr(what, '|') != NULL)
		offer_choices(what, l->cur);
	else if (strcmp(what, "VM") == 0)
		offer_ids(l, "VM.get_all_records");
	else if (strcmp(what, "HOST") == 0)
		offer_ids(l, "Host.get_all_records");
	else if (strcmp(what, "POOL") == 0)
		offer_ids(l, "Pool.get_all_records");
	else if (strcmp(what, "FILE") == 0 || strcmp(what, "PATH") == 0)
		printf("@files\n");
	else if (strcmp(what, "DOMAIN_TYPE") == 0 ||
	    strcmp(what, "TYPE") == 0)
		for (i = DOMAIN_PV; i <= DOMAIN_PV_IN_PVH; i++)
			offer(domain_type_name(i), l->cur);
	else if (strcmp(what, "POWER_STATE") == 0)
		for (i = POWER_HALTED; i <= POWER_SUSPENDED; i++)
			offer(power_state_name(i), l->cur);
	else if (strcmp(what, "SPEC") == 0)
		offer_probe_forms(l->cur);
}

/* The option named by word ("--flag"), or -1. */
static int
find_opt(const struct syntax *sx, const char *word)
{
	int i;

	if (strncmp(word, "--", 2) != 0)
		return -1;
	for (i = 0; i < sx->nopts; i++)
		if (strcmp(sx->opt[i].flag, word + 2) == 0)
			return i;
	return -1;
}

/* A command's arguments: an option, its value, or the next operand. */
static void
complete_args(const struct line *l)
{
	struct syntax sx;
	const char *value = NULL;
	char flag[WORD_MAX + 2];
	int i, o, nop = 0, ended = 0;

	command_syntax(l->cmd, &sx);
	for (i = 0; i < l->nwords; i++) {
		value = NULL;
		if (!ended && strcmp(l->words[i], "--") == 0)
			ended = 1;
		else if (!ended && (o = find_opt(&sx, l->words[i])) >= 0 &&
		    sx.opt[o].value[0] != '\0') {
			if (++i == l->nwords)
				value = sx.opt[o].value;
		} else if (ended || l->words[i][0] != '-')
			nop++;
	}
	if (value != NULL) {
		offer_value(l, value);
		return;
	}
	if (!ended && l->cur[0] == '-') {
		for (i = 0; i < sx.nopts; i++) {
			snprintf(flag, sizeof(flag), "--%s", sx.opt[i].flag);
			offer(flag, l->cur);
		}
		return;
	}
	if (sx.noperands == 0)
		return;
	if (nop >= sx.noperands) {
		/* "FS...": the last operand repeats. */
		if (strstr(sx.operand[sx.noperands - 1], "...") == NULL)
			return;
		nop = sx.noperands - 1;
	}
	offer_value(l, sx.operand[nop]);
}

/* The first word of name into word (a group's, or the command's). */
static void
first_word(const char *name, char word[WORD_MAX])
{
	snprintf(word, WORD_MAX, "%.*s", (int)strcspn(name, " "), name);
}

/* Does a row before row i start with the same word? */
static int
offered_before(const struct command *cmds, size_t i, const char *word)
{
	char w[WORD_MAX];
	size_t j;

	for (j = 0; j < i; j++) {
		first_word(cmds[j].name, w);
		if (strcmp(w, word) == 0)
			return 1;
	}
	return 0;
}

/* The commands' first words, or (after GROUP) the group's second words. */
static void
complete_names(const char *group, const char *cur)
{
	const struct command *cmds;
	char word[WORD_MAX];
	size_t i, n, skip = group ? strlen(group) + 1 : 0;

	cmds = cli_commands(&n);
	for (i = 0; i < n; i++) {
		if (group && (strncmp(cmds[i].name, group, skip - 1) != 0 ||
		    cmds[i].name[skip - 1] != ' '))
			continue;
		first_word(cmds[i].name + skip, word);
		/* A group's second words are its own; first words repeat. */
		if (group || !offered_before(cmds, i, word))
			offer(word, cur);
	}
	if (group == NULL) {
		offer("--help", cur);
		offer("--version", cur);
	}
}

/* The row words[0] (and words[1]) name; *used the words its name took. */
static const struct command *
find_command(char **words, int nwords, int *used)
{
	const struct command *cmds;
	char name[2 * WORD_MAX + 2];
	size_t i, n;

	cmds = cli_commands(&n);
	for (i = 0; i < n; i++) {
		if (strcmp(cmds[i].name, words[0]) == 0) {
			*used = 1;
			return &cmds[i];
		}
	}
	if (nwords < 2)
		return NULL;
	snprintf(name, sizeof(name), "%s %s", words[0], words[1]);
	for (i = 0; i < n; i++) {
		if (strcmp(cmds[i].name, name) == 0) {
			*used = 2;
			return &cmds[i];
		}
	}
	return NULL;
}

/* Is word the first of a two-word command's name? */
static int
is_group(const char *word)
{
	const struct command *cmds;
	size_t i, n, len = strlen(word);

	cmds = cli_commands(&n);
	for (i = 0; i < n; i++)
		if (strncmp(cmds[i].name, word, len) == 0 &&
		    cmds[i].name[len] == ' ')
			return 1;
	return 0;
}

int
cmd_complete(const struct command *unused, int argc, char **argv)
{
	struct line l;
	int used;

	(void)unused;
	/* Nothing may reach the terminal the user is typing on. */
	if (freopen("/dev/null", "w", stderr) == NULL)
		return 0;
	if (argc < 1)
		return 0;
	memset(&l, 0, sizeof(l));
	l.cur = argv[argc - 1];
	if (argc == 1) {
		complete_names(NULL, l.cur);
		return 0;
	}
	if (argc == 2 && is_group(argv[0])) {
		complete_names(argv[0], l.cur);
		return 0;
	}
	if ((l.cmd = find_command(argv, argc - 1, &used)) == NULL)
		return 0;
	l.words = argv + used;
	l.nwords = argc - 1 - used;
	complete_args(&l);
	return 0;
}
