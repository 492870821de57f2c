/*
 * Look-ups over the generated feature table.  The table is sorted by
 * index, so a bit's name is a binary search; names are looked up rarely
 * (command line, tests) and linearly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "featurenames.h"

static int
cmp_index(const void *key, const void *elem)
{
	unsigned int k = *(const unsigned int *)key;
	const struct feature_desc *d = elem;

	return k < d->index ? -1 : k > d->index;
}

const struct feature_desc *
feature_by_index(unsigned int index)
{
	return bsearch(&index, feature_table, feature_table_len,
	    sizeof(feature_table[0]), cmp_index);
}

const struct feature_desc *
feature_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < feature_table_len; i++)
		if (strcmp(feature_table[i].name, name) == 0)
			return &feature_table[i];
	return NULL;
}

const char *
feature_name(unsigned int index, char buf[16])
{
	const struct feature_desc *d = feature_by_index(index);

	if (d != NULL)
		return d->name;
	snprintf(buf, 16, "w%ub%u", index / 32, index % 32);
	return buf;
}

int
feature_foreach(const struct featureset *fs,
    int (*fn)(unsigned int, const char *, void *), void *arg)
{
	unsigned int i, n = (unsigned int)fs->len * 32;
	char buf[16];
	int rc;

	for (i = 0; i < n; i++) {
		if (!fs_test_bit(fs, i))
			continue;
		if ((rc = fn(i, feature_name(i, buf), arg)) != 0)
			return rc;
	}
	return 0;
}

struct join {
	const char	*sep;
	char		*p;
	size_t		 left;
	int		 first;
};

static int
join_one(unsigned int index, const char *name, void *arg)
{
	struct join *j = arg;
	int n;

	(void)index;
	n = snprintf(j->p, j->left, "%s%s", j->first ? "" : j->sep, name);
	if (n < 0 || (size_t)n >= j->left)
		return -1;
	j->p += n;
	j->left -= (size_t)n;
	j->first = 0;
	return 0;
}

int
feature_names_join(const struct featureset *fs, const char *sep, char *buf,
    size_t len)
{
	struct join j;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	j.sep = sep;
	j.p = buf;
	j.left = len;
	j.first = 1;
	return feature_foreach(fs, join_one, &j);
}

static int
json_one(unsigned int index, const char *name, void *arg)
{
	(void)index;
	json_object_array_add(arg, json_object_new_string(name));
	return 0;
}

struct json_object *
feature_names_json(const struct featureset *fs)
{
	struct json_object *a = json_object_new_array();

	feature_foreach(fs, json_one, a);
	return a;
}
