/*
 * Strings and featuresets stored once (mem.h): each entry is counted by
 * its users and freed with the last, so that memory follows what the
 * database holds now, not everything it ever held.  Index 0 is never an
 * entry, so that 0 can mean "none" (a NULL column).
 */
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/*
 * FNV-1a's multiply-and-xor, eight bytes a step rather than one (a
 * check hashes two ids, a refresh a featureset's text too), folded to 32
 * bits at the end.
 */
uint32_t
mem_hash(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 14695981039346656037ull, w;

	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 1099511628211ull;
	}
	while (n-- > 0)
		h = (h ^ *b++) * 1099511628211ull;
	return (uint32_t)(h ^ (h >> 32));
}

/*
 * The chains of an interned table hold nheads >= count entries: at a
 * doubling every entry in use is chained again.  hash_of gives entry i's
 * hash and next_of its link, so that one function serves both tables.
 */
int
mem_chains_fit(uint32_t **heads, uint32_t *nheads, uint32_t count,
    uint32_t len, uint32_t (*hash_of)(const void *, uint32_t),
    uint32_t *(*next_of)(void *, uint32_t), void *t,
    int (*used)(const void *, uint32_t))
{
	uint32_t n = *nheads ? *nheads * 2 : 16, *nh, i, b;

	if (count < *nheads)
		return 0;
	if ((nh = calloc(n, sizeof(*nh))) == NULL)
		return -1;
	free(*heads);
	*heads = nh;
	*nheads = n;
	for (i = 1; i < len; i++) {
		if (!used(t, i))
			continue;
		b = hash_of(t, i) & (n - 1);
		*next_of(t, i) = nh[b];
		nh[b] = i;
	}
	return 0;
}

/* A free index of a table of elem-sized entries, [0] unused; 0: none. */
uint32_t
mem_slot_new(void **v, size_t elem, uint32_t *len, uint32_t *cap)
{
	uint32_t ncap;
	void *nv;

	if (*len == 0)
		*len = 1;
	if (*len >= *cap) {
		ncap = *cap ? *cap * 2 : 16;
		if (ncap <= *cap || (nv = realloc(*v, (size_t)ncap * elem)) ==
		    NULL)
			return 0;
		*v = nv;
		*cap = ncap;
	}
	return (*len)++;
}

/* ---- strings ----------------------------------------------------------- */

static uint32_t
str_hash_of(const void *t, uint32_t i)
{
	return ((const struct mem_strs *)t)->v[i].hash;
}

static uint32_t *
str_next_of(void *t, uint32_t i)
{
	return &((struct mem_strs *)t)->v[i].next;
}

static int
str_used(const void *t, uint32_t i)
{
	return ((const struct mem_strs *)t)->v[i].refs != 0;
}

/* The index of s, its count raised; 0 out of memory. */
uint32_t
mem_str_get(struct mem_strs *t, const char *s)
{
	uint32_t h = mem_hash(s, strlen(s)), i, b;
	char *copy;

	if (t->nheads)
		for (i = t->heads[h & (t->nheads - 1)]; i; i = t->v[i].next)
			if (t->v[i].hash == h && strcmp(t->v[i].s, s) == 0) {
				t->v[i].refs++;
				return i;
			}
	if (mem_chains_fit(&t->heads, &t->nheads, t->count + 1, t->len,
	    str_hash_of, str_next_of, t, str_used) == -1 ||
	    (copy = strdup(s)) == NULL)
		return 0;
	if ((i = t->free) != 0)
		t->free = t->v[i].next;
	else if ((i = mem_slot_new((void **)&t->v, sizeof(*t->v), &t->len,
	    &t->cap)) == 0) {
		free(copy);
		return 0;
	}
	t->v[i].s = copy;
	t->v[i].hash = h;
	t->v[i].refs = 1;
	b = h & (t->nheads - 1);
	t->v[i].next = t->heads[b];
	t->heads[b] = i;
	t->count++;
	return i;
}

void
mem_str_put(struct mem_strs *t, uint32_t i)
{
	uint32_t *pp;

	if (i == 0 || --t->v[i].refs > 0)
		return;
	for (pp = &t->heads[t->v[i].hash & (t->nheads - 1)]; *pp != i;
	    pp = &t->v[*pp].next)
		;
	*pp = t->v[i].next;
	free(t->v[i].s);
	t->v[i].s = NULL;
	t->v[i].next = t->free;
	t->free = i;
	t->count--;
}

/* ---- featuresets -------------------------------------------------------- */

static uint32_t
set_hash_of(const void *t, uint32_t i)
{
	return ((const struct mem_sets *)t)->v[i].hash;
}

static uint32_t *
set_next_of(void *t, uint32_t i)
{
	return &((struct mem_sets *)t)->v[i].next;
}

static int
set_used(const void *t, uint32_t i)
{
	return ((const struct mem_sets *)t)->v[i].refs != 0;
}

/*
 * Keyed by the stored text, so that a row whose set is already known is
 * not parsed again: a set has one canonical text, and one written by
 * hand in another spelling is merely stored twice.
 */
uint32_t
mem_set_find(struct mem_sets *t, const char *text)
{
	uint32_t h = mem_hash(text, strlen(text)), i;

	if (t->nheads)
		for (i = t->heads[h & (t->nheads - 1)]; i; i = t->v[i].next)
			if (t->v[i].hash == h &&
			    strcmp(t->v[i].text, text) == 0) {
				t->v[i].refs++;
				return i;
			}
	return 0;
}

uint32_t
mem_set_get(struct mem_sets *t, const char *text,
    const struct featureset *fs)
{
	uint32_t h, i, b;
	char *copy;

	if ((i = mem_set_find(t, text)) != 0)
		return i;
	if (mem_chains_fit(&t->heads, &t->nheads, t->count + 1, t->len,
	    set_hash_of, set_next_of, t, set_used) == -1 ||
	    (copy = strdup(text)) == NULL)
		return 0;
	if ((i = t->free) != 0)
		t->free = t->v[i].next;
	else if ((i = mem_slot_new((void **)&t->v, sizeof(*t->v), &t->len,
	    &t->cap)) == 0) {
		free(copy);
		return 0;
	}
	h = mem_hash(text, strlen(text));
	t->v[i].fs = *fs;
	t->v[i].text = copy;
	t->v[i].hash = h;
	t->v[i].refs = 1;
	b = h & (t->nheads - 1);
	t->v[i].next = t->heads[b];
	t->heads[b] = i;
	t->count++;
	return i;
}

void
mem_set_put(struct mem_sets *t, uint32_t i)
{
	uint32_t *pp;

	if (i == 0 || --t->v[i].refs > 0)
		return;
	for (pp = &t->heads[t->v[i].hash & (t->nheads - 1)]; *pp != i;
	    pp = &t->v[*pp].next)
		;
	*pp = t->v[i].next;
	free(t->v[i].text);
	t->v[i].text = NULL;
	t->v[i].next = t->free;
	t->free = i;
	t->count--;
}

/* An optional set: 0 when absent, else its index (0 out of memory). */
int
mem_set_opt(struct mem_sets *t, const struct optfs *o, uint32_t *out)
{
	char text[FS_STRING_MAX];

	*out = 0;
	if (!o->present)
		return 0;
	fs_format(&o->fs, text);
	return (*out = mem_set_get(t, text, &o->fs)) == 0 ? -1 : 0;
}

void
mem_set_into(const struct mem_sets *t, uint32_t i, struct optfs *o)
{
	o->present = i != 0;
	if (i)
		o->fs = t->v[i].fs;
	else
		fs_clear(&o->fs);
}
