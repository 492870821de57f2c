/*
 * The descriptive part of cpu_info, read from /proc/cpuinfo as xapi reads
 * it in dom0: the first processor block names the CPU, and the number of
 * blocks and of distinct "physical id"s give the counts.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

/*
 * A line longer than the largest value cpu_info can hold cannot give us a
 * field we could store, so it is skipped like a field we do not know.
 * Flags lines are about 2 KiB today and grow slowly.
 */
#define PROCINFO_LINE_MAX	CPUINFO_MAX_VALUE

/* Fields of the first processor block and the cpu_info keys they fill. */
static const struct {
	const char	*proc;
	const char	*key;
} proc_fields[] = {
	{ "model name",	CI_MODELNAME },
	{ "cpu MHz",	CI_SPEED },
	{ "cpu family",	CI_FAMILY },
	{ "model",	CI_MODEL },
	{ "stepping",	CI_STEPPING },
	{ "flags",	CI_FLAGS },
};

/* The distinct "physical id" values seen, as the strings the kernel wrote. */
struct idset {
	char	**v;
	size_t	  n;
};

static void
idset_free(struct idset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int
idset_add(struct idset *s, const char *id)
{
	char **v;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], id) == 0)
			return 0;
	if ((v = realloc(s->v, (s->n + 1) * sizeof(*v))) == NULL)
		return -1;
	s->v = v;
	if ((v[s->n] = strdup(id)) == NULL)
		return -1;
	s->n++;
	return 0;
}

/*
 * Split "key<tabs>: value\n" in place.  The kernel pads keys with tabs and
 * may leave the value empty ("power management:"); both ends of both
 * halves are trimmed.  Returns -1 for a line that is not a field.
 */
static int
split_field(char *line, char **key, char **value)
{
	char *colon, *end;

	if ((colon = strchr(line, ':')) == NULL)
		return -1;
	for (end = colon; end > line && isspace((unsigned char)end[-1]); end--)
		continue;
	*end = '\0';
	*key = line;
	for (*value = colon + 1; isspace((unsigned char)**value); (*value)++)
		continue;
	for (end = *value + strlen(*value);
	    end > *value && isspace((unsigned char)end[-1]); end--)
		continue;
	*end = '\0';
	return 0;
}

static const char *
field_key(const char *proc)
{
	size_t i;

	for (i = 0; i < sizeof(proc_fields) / sizeof(proc_fields[0]); i++)
		if (strcmp(proc, proc_fields[i].proc) == 0)
			return proc_fields[i].key;
	return NULL;
}

/* Fold one field into out; nproc counts "processor" lines so far. */
static int
take_field(const char *key, const char *value, unsigned long *nproc,
    struct idset *ids, struct cpuinfo *out)
{
	const char *ci;

	if (strcmp(key, "processor") == 0) {
		(*nproc)++;
		return 0;
	}
	if (strcmp(key, "physical id") == 0)
		return idset_add(ids, value);
	/* Lines before the first "processor" belong to the first block. */
	if (*nproc > 1 || (ci = field_key(key)) == NULL)
		return 0;
	return cpuinfo_set(out, ci, value);
}

static int
set_counts(unsigned long nproc, const struct idset *ids, struct cpuinfo *out)
{
	if (nproc == 0)
		return 0;
	if (cpuinfo_setf(out, CI_CPU_COUNT, "%lu", nproc) == -1)
		return -1;
	/* Kernels that do not report topology have one socket to show. */
	return cpuinfo_setf(out, CI_SOCKET_COUNT, "%zu",
	    ids->n > 0 ? ids->n : 1);
}

static int
parse(FILE *f, struct cpuinfo *out)
{
	struct idset ids = { NULL, 0 };
	unsigned long nproc = 0;
	char *line = NULL, *key, *value;
	size_t cap = 0;
	ssize_t len;
	int rc = -1;

	while ((len = getline(&line, &cap, f)) != -1) {
		if (len > PROCINFO_LINE_MAX ||
		    split_field(line, &key, &value) == -1)
			continue;
		if (take_field(key, value, &nproc, &ids, out) == -1)
			goto out;
	}
	if (ferror(f))
		goto out;
	rc = set_counts(nproc, &ids, out);
 out:
	free(line);
	idset_free(&ids);
	return rc;
}

int
procinfo_fill(const char *path, struct cpuinfo *out)
{
	FILE *f;
	int rc;

	if ((f = fopen(path, "r")) == NULL)
		/* No /proc (a chroot, a container): nothing to describe. */
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	rc = parse(f, out);
	fclose(f);
	return rc;
}
