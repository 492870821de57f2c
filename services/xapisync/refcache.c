/*
 * The reference cache (records.h): a chained hash table from xapi's
 * opaque references to what the last snapshot of each said.  A pool
 * has tens of thousands of references at most (its VMs and their
 * metrics), so the table doubles when it holds more than two entries
 * a bucket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "strlcpy.h"

#include "records.h"

struct entry {
	struct entry		*next;
	char			*ref;
	char			*link;		/* NULL if none */
	enum xr_class		 cls;
	char			 uuid[XR_UUID_SIZE];
	struct json_object	*rec;
};

struct xr_cache {
	struct entry	**bucket;
	size_t		  nbucket;
	size_t		  n;
	size_t		  count[XR_NCLASSES];
};

/* FNV-1a: references are uuids after a fixed prefix, any hash does. */
static size_t
hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct xr_cache *
xr_cache_new(void)
{
	struct xr_cache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->nbucket = 64;
	if ((c->bucket = calloc(c->nbucket, sizeof(*c->bucket))) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void
entry_free(struct entry *e)
{
	json_object_put(e->rec);
	free(e->link);
	free(e->ref);
	free(e);
}

void
xr_cache_clear(struct xr_cache *c)
{
	struct entry *e, *next;
	size_t i;

	for (i = 0; i < c->nbucket; i++) {
		for (e = c->bucket[i]; e != NULL; e = next) {
			next = e->next;
			entry_free(e);
		}
		c->bucket[i] = NULL;
	}
	c->n = 0;
	memset(c->count, 0, sizeof(c->count));
}

void
xr_cache_free(struct xr_cache *c)
{
	if (c == NULL)
		return;
	xr_cache_clear(c);
	free(c->bucket);
	free(c);
}

static struct entry **
slot(const struct xr_cache *c, const char *ref)
{
	struct entry **p = &c->bucket[hash(ref) % c->nbucket];

	for (; *p != NULL; p = &(*p)->next)
		if (strcmp((*p)->ref, ref) == 0)
			break;
	return p;
}

static struct entry *
find(const struct xr_cache *c, const char *ref, enum xr_class cls)
{
	struct entry *e;

	if (ref == NULL)
		return NULL;
	e = *slot(c, ref);
	return e != NULL && e->cls == cls ? e : NULL;
}

/* Twice the buckets; a failed allocation only leaves chains longer. */
static void
grow(struct xr_cache *c)
{
	struct entry **nb, *e, *next;
	size_t i, n = c->nbucket * 2, h;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < c->nbucket; i++) {
		for (e = c->bucket[i]; e != NULL; e = next) {
			next = e->next;
			h = hash(e->ref) % n;
			e->next = nb[h];
			nb[h] = e;
		}
	}
	free(c->bucket);
	c->bucket = nb;
	c->nbucket = n;
}

/* The entry for ref, made if new; NULL without memory. */
static struct entry *
upsert(struct xr_cache *c, const char *ref, enum xr_class cls)
{
	struct entry **p = slot(c, ref), *e = *p;

	if (e != NULL) {
		c->count[e->cls]--;
		c->count[cls]++;
		e->cls = cls;
		return e;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->ref = strdup(ref)) == NULL) {
		free(e);
		return NULL;
	}
	e->cls = cls;
	*p = e;
	c->n++;
	c->count[cls]++;
	if (c->n > 2 * c->nbucket)
		grow(c);
	return e;
}

static int
set_link(struct entry *e, const char *link)
{
	char *l = NULL;

	if (link != NULL && (l = strdup(link)) == NULL)
		return -1;
	free(e->link);
	e->link = l;
	return 0;
}

static const char *
field(struct json_object *rec, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(rec, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A VM's metrics: the VM links to them, they link back. */
static int
link_metrics(struct xr_cache *c, const char *vm, struct entry *e,
    struct json_object *rec)
{
	const char *m = field(rec, "metrics");
	struct entry *me;

	if (m == NULL || strcmp(m, XR_NULL_REF) == 0)
		return set_link(e, NULL);
	if (set_link(e, m) == -1)
		return -1;
	if ((me = find(c, m, XR_VM_METRICS)) == NULL &&
	    (me = upsert(c, m, XR_VM_METRICS)) == NULL)
		return -1;
	return set_link(me, vm);
}

int
xr_cache_note(struct xr_cache *c, enum xr_class cls, const char *ref,
    struct json_object *rec, char *err, size_t errlen)
{
	const char *uuid = field(rec, "uuid");
	struct entry *e;

	if (uuid == NULL || !xr_uuid_ok(uuid)) {
		snprintf(err, errlen, "a %s record without a valid uuid",
		    xr_class_name(cls));
		return -1;
	}
	if ((e = upsert(c, ref, cls)) == NULL)
		goto nomem;
	strlcpy(e->uuid, uuid, sizeof(e->uuid));
	json_object_put(e->rec);
	e->rec = json_object_get(rec);
	if (cls == XR_VM && link_metrics(c, ref, e, rec) == -1)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
xr_cache_forget(struct xr_cache *c, const char *ref)
{
	struct entry **p = slot(c, ref), *e = *p;

	if (e == NULL)
		return 1;
	*p = e->next;
	c->n--;
	c->count[e->cls]--;
	entry_free(e);
	return 0;
}

const char *
xr_cache_uuid(const struct xr_cache *c, const char *ref, enum xr_class cls)
{
	struct entry *e = find(c, ref, cls);

	return e != NULL && e->uuid[0] != '\0' ? e->uuid : NULL;
}

struct json_object *
xr_cache_record(const struct xr_cache *c, const char *ref, enum xr_class cls)
{
	struct entry *e = find(c, ref, cls);

	return e != NULL ? e->rec : NULL;
}

const char *
xr_cache_link(const struct xr_cache *c, const char *ref, enum xr_class cls)
{
	struct entry *e = find(c, ref, cls);

	return e != NULL ? e->link : NULL;
}

size_t
xr_cache_count(const struct xr_cache *c, enum xr_class cls)
{
	return c->count[cls];
}
