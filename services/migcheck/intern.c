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

/*
 * The free list and the chains of either table, as mem_chains_fit: t is
 * the table, next_of an entry's link, the table's fields passed.
 */

/* A slot for a new entry: the free list's first, else a new one; 0: none. */
static uint32_t
intern_slot(void *t, void **v, size_t elem, uint32_t *len, uint32_t *cap,
    uint32_t *freep, uint32_t *(*next_of)(void *, uint32_t))
{
	uint32_t i;

	if ((i = *freep) != 0) {
		*freep = *next_of(t, i);
		return i;
	}
	return mem_slot_new(v, elem, len, cap);
}

/* Entry i, of hash h, at the front of its chain. */
static void
intern_link(void *t, uint32_t *heads, uint32_t nheads, uint32_t h,
    uint32_t i, uint32_t *(*next_of)(void *, uint32_t))
{
	uint32_t b = h & (nheads - 1);

	*next_of(t, i) = heads[b];
	heads[b] = i;
}

/* Entry i, of hash h, out of its chain and first on the free list. */
static void
intern_unlink(void *t, uint32_t *heads, uint32_t nheads, uint32_t h,
    uint32_t i, uint32_t *freep, uint32_t *(*next_of)(void *, uint32_t))
{
	uint32_t *pp;

	for (pp = &heads[h & (nheads - 1)]; *pp != i; pp = next_of(t, *pp))
		;
	*pp = *next_of(t, i);
	*next_of(t, i) = *freep;
	*freep = i;
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
	uint32_t h = mem_hash(s, strlen(s)), i;
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
	if ((i = intern_slot(t, (void **)&t->v, sizeof(*t->v), &t->len,
	    &t->cap, &t->free, str_next_of)) == 0) {
		free(copy);
		return 0;
	}
	t->v[i].s = copy;
	t->v[i].hash = h;
	t->v[i].refs = 1;
	intern_link(t, t->heads, t->nheads, h, i, str_next_of);
	t->count++;
	return i;
}

void
mem_str_put(struct mem_strs *t, uint32_t i)
{
	if (i == 0 || --t->v[i].refs > 0)
		return;
	intern_unlink(t, t->heads, t->nheads, t->v[i].hash, i, &t->free,
	    str_next_of);
	free(t->v[i].s);
	t->v[i].s = NULL;
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
	uint32_t h, i;
	char *copy;

	if ((i = mem_set_find(t, text)) != 0)
		return i;
	if (mem_chains_fit(&t->heads, &t->nheads, t->count + 1, t->len,
	    set_hash_of, set_next_of, t, set_used) == -1 ||
	    (copy = strdup(text)) == NULL)
		return 0;
	if ((i = intern_slot(t, (void **)&t->v, sizeof(*t->v), &t->len,
	    &t->cap, &t->free, set_next_of)) == 0) {
		free(copy);
		return 0;
	}
	h = mem_hash(text, strlen(text));
	t->v[i].fs = *fs;
	t->v[i].text = copy;
	t->v[i].hash = h;
	t->v[i].refs = 1;
	intern_link(t, t->heads, t->nheads, h, i, set_next_of);
	t->count++;
	return i;
}

void
mem_set_put(struct mem_sets *t, uint32_t i)
{
	if (i == 0 || --t->v[i].refs > 0)
		return;
	intern_unlink(t, t->heads, t->nheads, t->v[i].hash, i, &t->free,
	    set_next_of);
	free(t->v[i].text);
	t->v[i].text = NULL;
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
