/*
 * The snapshot in memory (mem.h): VMs, hosts and pools by id, their
 * strings and featuresets interned (intern.c).  Nothing here reads the
 * database or decides when to: load.c does.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "strlcpy.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- unreadable rows ---------------------------------------------------- */

static void
bad_del(struct mem *m, const char *table, const char *id)
{
	struct mem_bad **pp, *b;

	for (pp = &m->bad; (b = *pp) != NULL;)
		if (strcmp(b->table, table) == 0 && strcmp(b->id, id) == 0) {
			*pp = b->next;
			free(b->table);
			free(b->id);
			free(b->column);
			free(b->err);
			free(b);
		} else
			pp = &b->next;
}

static const char *
bad_add(struct mem *m, const char *table, const char *id, const char *column,
    const char *err)
{
	struct mem_bad *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->table = strdup(table);
	b->id = strdup(id);
	b->column = strdup(column);
	b->err = strdup(err);
	b->next = m->bad;
	m->bad = b;
	if (!b->table || !b->id || !b->column || !b->err) {
		bad_del(m, table, id);
		return NULL;
	}
	return b->err;
}

static const char *
bad_find(const struct mem *m, const char *table, const char *id)
{
	const struct mem_bad *b;

	for (b = m->bad; b != NULL; b = b->next)
		if (strcmp(b->table, table) == 0 && strcmp(b->id, id) == 0)
			return b->err;
	return "stored featureset unreadable";
}

/* ---- VMs ---------------------------------------------------------------- */

#define VM_FREE	UINT32_MAX	/* the id of a slot not in use */

static uint32_t
vm_hash_of(const void *t, uint32_t i)
{
	const struct mem *m = t;
	const char *id = m->ids + m->vms[i].id;

	return mem_hash(id, strlen(id));
}

static uint32_t *
vm_next_of(void *t, uint32_t i)
{
	return &((struct mem *)t)->vms[i].next;
}

static int
vm_used(const void *t, uint32_t i)
{
	return ((const struct mem *)t)->vms[i].id != VM_FREE;
}

/* Where the index of VM id is, or would be linked (*result 0). */
static uint32_t *
vm_slot(const struct mem *m, const char *id)
{
	uint32_t *pp;

	if (m->vm_nheads == 0)
		return NULL;
	for (pp = &m->vm_heads[mem_hash(id, strlen(id)) &
	    (m->vm_nheads - 1)]; *pp; pp = &m->vms[*pp].next)
		if (strcmp(m->ids + m->vms[*pp].id, id) == 0)
			break;
	return pp;
}

/* A copy of id at the end of the arena: its offset, or -1. */
static long long
id_add(struct mem *m, const char *id)
{
	size_t n = strlen(id) + 1, ncap, off;
	char *nids;

	if (m->ids_len + n > m->ids_cap) {
		ncap = m->ids_cap ? m->ids_cap * 2 : 4096;
		while (ncap < m->ids_len + n)
			ncap *= 2;
		if (ncap >= VM_FREE || (nids = realloc(m->ids, ncap)) == NULL)
			return -1;
		m->ids = nids;
		m->ids_cap = ncap;
	}
	off = m->ids_len;
	memcpy(m->ids + off, id, n);
	m->ids_len += n;
	return (long long)off;
}

/* A new VM with its id, linked, everything else zero; 0 out of memory. */
static uint32_t
vm_new(struct mem *m, const char *id)
{
	uint32_t i, *pp;
	long long off;

	if (mem_chains_fit(&m->vm_heads, &m->vm_nheads, m->nvms + 1, m->vm_len,
	    vm_hash_of, vm_next_of, m, vm_used) == -1 ||
	    (off = id_add(m, id)) == -1)
		return 0;
	if ((i = m->vm_free) != 0)
		m->vm_free = m->vms[i].next;
	else if ((i = mem_slot_new((void **)&m->vms, sizeof(*m->vms), &m->vm_len,
	    &m->vm_cap)) == 0)
		return 0;
	memset(&m->vms[i], 0, sizeof(m->vms[i]));
	m->vms[i].id = (uint32_t)off;
	pp = vm_slot(m, id);
	*pp = i;
	m->nvms++;
	return i;
}

static void
vm_release(struct mem *m, struct mem_vm *v)
{
	mem_str_put(&m->strs, v->host);
	mem_str_put(&m->strs, v->vendor);
	mem_set_put(&m->sets, v->features);
	v->host = v->vendor = v->features = 0;
}

int
mem_vm_put(struct mem *m, const struct vm_rec *vm, uint32_t features,
    const char *err)
{
	uint32_t *pp = vm_slot(m, vm->id), i;
	struct mem_vm *v;

	if (pp != NULL && *pp != 0) {
		i = *pp;
		vm_release(m, &m->vms[i]);
		if (m->vms[i].bad)
			bad_del(m, "vm", vm->id);
	} else if ((i = vm_new(m, vm->id)) == 0) {
		mem_set_put(&m->sets, features);
		return -1;
	}
	v = &m->vms[i];
	v->features = features;
	v->domain_type = (uint8_t)vm->domain_type;
	v->power_state = (uint8_t)vm->power_state;
	v->legacy = (uint8_t)vm->legacy;
	v->bad = err != NULL;
	if (vm->host[0] && (v->host = mem_str_get(&m->strs, vm->host)) == 0)
		return -1;
	if (vm->has_vendor && (v->vendor = mem_str_get(&m->strs,
	    vm->vendor)) == 0)
		return -1;
	if (err == NULL)
		return 0;
	return bad_add(m, "vm", vm->id, "features", err) ? 0 : -1;
}

void
mem_vm_del(struct mem *m, const char *id)
{
	uint32_t *pp = vm_slot(m, id), i;

	if (pp == NULL || (i = *pp) == 0)
		return;
	*pp = m->vms[i].next;
	vm_release(m, &m->vms[i]);
	if (m->vms[i].bad)
		bad_del(m, "vm", id);
	m->ids_dead += strlen(id) + 1;
	m->vms[i].id = VM_FREE;
	m->vms[i].next = m->vm_free;
	m->vm_free = i;
	m->nvms--;
}

int
mem_vm_get(const struct mem *m, const char *id, struct vm_rec *vm,
    const char **err)
{
	const uint32_t *pp = vm_slot(m, id);
	const struct mem_vm *v;

	if (pp == NULL || *pp == 0)
		return 0;
	v = &m->vms[*pp];
	memset(vm, 0, offsetof(struct vm_rec, features));
	strlcpy(vm->id, id, sizeof(vm->id));
	if (v->host)
		strlcpy(vm->host, m->strs.v[v->host].s, sizeof(vm->host));
	vm->domain_type = (enum domain_type)v->domain_type;
	vm->power_state = (enum power_state)v->power_state;
	vm->legacy = v->legacy;
	vm->has_vendor = v->vendor != 0;
	if (v->vendor)
		strlcpy(vm->vendor, m->strs.v[v->vendor].s,
		    sizeof(vm->vendor));
	if (v->bad) {
		*err = bad_find(m, "vm", id);
		return -1;
	}
	mem_set_into(&m->sets, v->features, &vm->features);
	return 1;
}

/* Dead ids take more than the live ones: time to load afresh. */
int
mem_wants_compaction(const struct mem *m)
{
	return m->ids_dead > 65536 && m->ids_dead > m->ids_len / 2;
}

/* ---- hosts and pools ------------------------------------------------------ */

static size_t
bucket(const char *id, size_t n)
{
	return mem_hash(id, strlen(id)) & (n - 1);
}

static struct mem_host **
host_slot(const struct mem *m, const char *id)
{
	struct mem_host *const *pp;

	for (pp = &m->hosts[bucket(id, NELEM(m->hosts))]; *pp;
	    pp = &(*pp)->next)
		if (strcmp((*pp)->id, id) == 0)
			break;
	return (struct mem_host **)pp;
}

void
mem_host_del(struct mem *m, const char *id)
{
	struct mem_host **pp = host_slot(m, id), *mh = *pp;

	if (mh == NULL)
		return;
	*pp = mh->next;
	mem_set_put(&m->sets, mh->pv);
	mem_set_put(&m->sets, mh->hvm);
	if (mh->pv_err || mh->hvm_err)
		bad_del(m, "host", id);
	free(mh);
	m->nhosts--;
}

int
mem_host_put(struct mem *m, const struct host_rec *h, const char *pv_err,
    const char *hvm_err)
{
	struct mem_host *mh;

	mem_host_del(m, h->id);
	if ((mh = calloc(1, sizeof(*mh))) == NULL)
		return -1;
	strlcpy(mh->id, h->id, sizeof(mh->id));
	strlcpy(mh->pool, h->pool, sizeof(mh->pool));
	strlcpy(mh->vendor, h->vendor, sizeof(mh->vendor));
	mh->hvm_capable = h->hvm_capable;
	mh->next = *host_slot(m, h->id);
	*host_slot(m, h->id) = mh;
	m->nhosts++;
	if (pv_err && (mh->pv_err = bad_add(m, "host", h->id, "features_pv",
	    pv_err)) == NULL)
		return -1;
	if (hvm_err && (mh->hvm_err = bad_add(m, "host", h->id,
	    "features_hvm", hvm_err)) == NULL)
		return -1;
	if ((!pv_err && mem_set_opt(&m->sets, &h->pv, &mh->pv) == -1) ||
	    (!hvm_err && mem_set_opt(&m->sets, &h->hvm, &mh->hvm) == -1))
		return -1;
	return 0;
}

const struct mem_host *
mem_host_get(const struct mem *m, const char *id)
{
	return *host_slot(m, id);
}

/*
 * As sqlite's read of the row did: the names, the vendor, then the sets
 * asked for in column order, the first unreadable one refused.
 */
int
mem_host_rec(const struct mem *m, const struct mem_host *mh, int what,
    struct host_rec *h, const char **err)
{
	strlcpy(h->id, mh->id, sizeof(h->id));
	strlcpy(h->pool, mh->pool, sizeof(h->pool));
	strlcpy(h->vendor, mh->vendor, sizeof(h->vendor));
	h->hvm_capable = mh->hvm_capable;
	if (what & REC_HOST_PV) {
		if ((*err = mh->pv_err) != NULL)
			return -1;
		mem_set_into(&m->sets, mh->pv, &h->pv);
	}
	if (what & REC_HOST_HVM) {
		if ((*err = mh->hvm_err) != NULL)
			return -1;
		mem_set_into(&m->sets, mh->hvm, &h->hvm);
	}
	return 0;
}

static int
host_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct mem_host *const *)a)->id,
	    (*(const struct mem_host *const *)b)->id);
}

const struct mem_host **
mem_pool_hosts(const struct mem *m, const char *pool, size_t *n)
{
	const struct mem_host **v, *mh;
	size_t i;

	*n = 0;
	if ((v = calloc(m->nhosts + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < NELEM(m->hosts); i++)
		for (mh = m->hosts[i]; mh != NULL; mh = mh->next)
			if (strcmp(mh->pool, pool) == 0)
				v[(*n)++] = mh;
	/* sqlite's BINARY collation compares as memcmp, as strcmp does. */
	qsort(v, *n, sizeof(*v), host_cmp);
	return v;
}

static struct mem_pool **
pool_slot(const struct mem *m, const char *id)
{
	struct mem_pool *const *pp;

	for (pp = &m->pools[bucket(id, NELEM(m->pools))]; *pp;
	    pp = &(*pp)->next)
		if (strcmp((*pp)->rec.id, id) == 0)
			break;
	return (struct mem_pool **)pp;
}

void
mem_pool_del(struct mem *m, const char *id)
{
	struct mem_pool **pp = pool_slot(m, id), *mp = *pp;

	if (mp == NULL)
		return;
	*pp = mp->next;
	if (mp->err)
		bad_del(m, "pool", id);
	free(mp);
	m->npools--;
}

int
mem_pool_put(struct mem *m, const struct pool_rec *p, const char *err)
{
	struct mem_pool *mp;

	mem_pool_del(m, p->id);
	if ((mp = calloc(1, sizeof(*mp))) == NULL)
		return -1;
	mp->rec = *p;
	mp->next = *pool_slot(m, p->id);
	*pool_slot(m, p->id) = mp;
	m->npools++;
	if (err && (mp->err = bad_add(m, "pool", p->id, "", err)) == NULL)
		return -1;
	return 0;
}

const struct mem_pool *
mem_pool_get(const struct mem *m, const char *id)
{
	return *pool_slot(m, id);
}

/* ---- the whole -------------------------------------------------------------- */

void
mem_clear(struct mem *m)
{
	struct mem_host *mh;
	struct mem_pool *mp;
	struct mem_bad *bad;
	uint32_t i;
	size_t b;

	for (b = 0; b < NELEM(m->hosts); b++)
		while ((mh = m->hosts[b]) != NULL) {
			m->hosts[b] = mh->next;
			free(mh);
		}
	for (b = 0; b < NELEM(m->pools); b++)
		while ((mp = m->pools[b]) != NULL) {
			m->pools[b] = mp->next;
			free(mp);
		}
	while ((bad = m->bad) != NULL) {
		m->bad = bad->next;
		free(bad->table);
		free(bad->id);
		free(bad->column);
		free(bad->err);
		free(bad);
	}
	for (i = 1; i < m->strs.len; i++)
		free(m->strs.v[i].s);
	free(m->strs.v);
	free(m->strs.heads);
	for (i = 1; i < m->sets.len; i++)
		free(m->sets.v[i].text);
	free(m->sets.v);
	free(m->sets.heads);
	free(m->vms);
	free(m->vm_heads);
	free(m->ids);
	memset(m, 0, sizeof(*m));
}

size_t
mem_bytes(const struct mem *m)
{
	return (size_t)m->strs.cap * sizeof(*m->strs.v) +
	    (size_t)m->strs.nheads * 4 +
	    (size_t)m->sets.cap * sizeof(*m->sets.v) +
	    (size_t)m->sets.nheads * 4 +
	    (size_t)m->vm_cap * sizeof(*m->vms) + (size_t)m->vm_nheads * 4 +
	    m->ids_cap + m->nhosts * sizeof(struct mem_host) +
	    m->npools * sizeof(struct mem_pool);
}
