/*
 * The answers before acting (preview.c, evacuate.c, restart.c) all ask
 * one question many times over: may this VM, with its fixed set, run on
 * that host?  A pool of 64 hosts and 10,000 VMs asks it up to 640,000
 * times, yet its VMs carry a handful of distinct sets (the levels the
 * pool had when each started) and its hosts offer a handful of distinct
 * max sets.  So a plan loads the pool's members and VMs into memory once
 * (here) and sorts each into classes of what compat_judge() reads; then
 * planjudge.c judges each (VM class, host class) pair once, the first
 * time it is asked, and names its missing features once.  The verdict is
 * compat_judge()'s, the rule VM.migrate applies: a plan never has a rule
 * of its own.
 *
 * A plan only reads.  Its VMs are the running and suspended ones (a
 * halted VM fits anywhere); a suspended VM's host is the one it was
 * suspended on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "featured.h"
#include "plan.h"
#include "strlcpy.h"

static int
plan_oom(struct rpc_error *err)
{
	rpc_error_internal(err, "out of memory");
	return -1;
}

/* Grow *a (of *cap elements of size sz) to hold n; 0, or -1. */
static int
plan_grow(void *a, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t c = *cap ? *cap : 16;

	if (n <= *cap)
		return 0;
	while (c < n)
		c *= 2;
	if ((p = realloc(*(void **)a, c * sz)) == NULL)
		return -1;
	*(void **)a = p;
	*cap = c;
	return 0;
}

/* A featureset with its unused words zero, so that keys compare. */
static void
plan_fs_copy(struct featureset *dst, const struct featureset *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->len = src->len;
	memcpy(dst->w, src->w, src->len * sizeof(src->w[0]));
}

static uint32_t
plan_hash(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ull, w;

	/* Eight bytes a step: a row's set text is hashed once a VM. */
	for (; n >= 8; b += 8, n -= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; n > 0; n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return (uint32_t)(h ^ h >> 32);
}

void
plan_init(struct plan *pl, struct featured *f)
{
	memset(pl, 0, sizeof(*pl));
	pl->f = f;
}

void
plan_free(struct plan *pl)
{
	size_t i;

	plan_forget(pl);
	free(pl->hosts);
	free(pl->hcls);
	free(pl->hkeys);
	free(pl->vms);
	free(pl->vkeys);
	free(pl->vslot);
	for (i = 0; i < pl->ntexts; i++)
		free(pl->texts[i].text);
	free(pl->texts);
	free(pl->tslot);
	memset(pl, 0, sizeof(*pl));
}

static int
plan_host_class(struct plan *pl, const struct host_rec *h)
{
	struct plan_hostkey k;
	size_t i;

	memset(&k, 0, sizeof(k));
	k.hvm_capable = h->hvm_capable;
	k.has_pv = h->pv.present;
	k.has_hvm = h->hvm.present;
	strlcpy(k.vendor, h->vendor, sizeof(k.vendor));
	if (h->pv.present)
		plan_fs_copy(&k.pv, &h->pv.fs);
	if (h->hvm.present)
		plan_fs_copy(&k.hvm, &h->hvm.fs);
	/* A pool has at most a few dozen members: a linear search. */
	for (i = 0; i < pl->nhcls; i++)
		if (memcmp(&pl->hkeys[i], &k, sizeof(k)) == 0)
			return (int)i;
	if (plan_grow(&pl->hkeys, &pl->hkcap, pl->nhcls + 1,
	    sizeof(k)) == -1)
		return -1;
	pl->hkeys[pl->nhcls] = k;
	plan_forget(pl);
	return (int)pl->nhcls++;
}

int
plan_add_host(struct plan *pl, const struct host_rec *h)
{
	int cls;

	if (plan_grow(&pl->hosts, &pl->hcap, pl->nhosts + 1,
	    sizeof(*pl->hosts)) == -1 ||
	    plan_grow(&pl->hcls, &pl->hccap, pl->nhosts + 1,
	    sizeof(*pl->hcls)) == -1 ||
	    (cls = plan_host_class(pl, h)) == -1)
		return -1;
	pl->hosts[pl->nhosts] = *h;
	pl->hcls[pl->nhosts] = cls;
	return (int)pl->nhosts++;
}

static int
plan_member(const struct host_rec *h, void *arg)
{
	return plan_add_host(arg, h) == -1 ? -1 : 0;
}

int
plan_load_members(struct plan *pl, const char *pool, struct rpc_error *err)
{
	pl->f->dberr[0] = '\0';
	if (store_pool_members(pl->f, pool, plan_member, pl) == 0)
		return 0;
	/* The store says why it failed; a host that did not fit, not. */
	return pl->f->dberr[0] != '\0' ? store_error(pl->f, err) :
	    plan_oom(err);
}

int
plan_host_index(const struct plan *pl, const char *id)
{
	size_t i;

	for (i = 0; i < pl->nhosts; i++)
		if (strcmp(pl->hosts[i].id, id) == 0)
			return (int)i;
	return -1;
}

/*
 * The host a loaded VM names: from a table of the hosts' ids hashed,
 * built on the first VM, since a pool's VMs come in no host order.
 */
static int
plan_vm_host(struct plan *pl, const char *id)
{
	size_t i, n = PLAN_HOST_SLOTS - 1;
	uint32_t h;

	if (pl->nhosts >= PLAN_HOST_SLOTS / 2)
		return plan_host_index(pl, id);
	if (pl->hslots_for != pl->nhosts) {
		memset(pl->hslot, 0, sizeof(pl->hslot));
		for (i = 0; i < pl->nhosts; i++) {
			h = plan_hash(pl->hosts[i].id,
			    strlen(pl->hosts[i].id)) & n;
			while (pl->hslot[h])
				h = (h + 1) & n;
			pl->hslot[h] = (int)i + 1;
		}
		pl->hslots_for = pl->nhosts;
	}
	for (h = plan_hash(id, strlen(id)) & n; pl->hslot[h]; h = (h + 1) & n)
		if (strcmp(pl->hosts[pl->hslot[h] - 1].id, id) == 0)
			return pl->hslot[h] - 1;
	return -1;
}

/* Of the bytes that count: the set's words, not the unused rest. */
static uint32_t
plan_key_hash(const struct plan_vmkey *k)
{
	uint32_t h = 2166136261u;
	size_t i;

	/* A word at a time: a key is hashed once a VM. */
	for (i = 0; i < k->features.len; i++)
		h = (h ^ k->features.w[i]) * 16777619u;
	h ^= plan_hash(k->vendor, strlen(k->vendor)) * 31u;
	return h ^ (uint32_t)(k->hvm | k->has_vendor << 1 |
	    k->has_features << 2 | (unsigned)k->features.len << 3);
}

/* The VM classes in an open-addressed table of slots (index + 1). */
static int
plan_vm_class(struct plan *pl, const struct vm_rec *vm)
{
	struct plan_vmkey k;
	size_t i, mask, n;
	uint32_t h;
	int *slot;

	memset(&k, 0, sizeof(k));
	k.hvm = domain_is_hvm(vm->domain_type);
	k.has_vendor = vm->has_vendor;
	if (vm->has_vendor)
		strlcpy(k.vendor, vm->vendor, sizeof(k.vendor));
	k.has_features = vm->features.present;
	if (vm->features.present)
		plan_fs_copy(&k.features, &vm->features.fs);
	if (pl->nvcls * 2 >= pl->nslots) {
		n = pl->nslots ? pl->nslots * 2 : 64;
		if ((slot = calloc(n, sizeof(*slot))) == NULL)
			return -1;
		for (i = 0; i < pl->nvcls; i++) {
			h = plan_key_hash(&pl->vkeys[i]) & (n - 1);
			while (slot[h])
				h = (h + 1) & (n - 1);
			slot[h] = (int)i + 1;
		}
		free(pl->vslot);
		pl->vslot = slot;
		pl->nslots = n;
	}
	mask = pl->nslots - 1;
	for (h = plan_key_hash(&k) & mask; pl->vslot[h];
	    h = (h + 1) & mask)
		if (memcmp(&pl->vkeys[pl->vslot[h] - 1], &k, sizeof(k)) == 0)
			return pl->vslot[h] - 1;
	if (plan_grow(&pl->vkeys, &pl->vkcap, pl->nvcls + 1,
	    sizeof(k)) == -1)
		return -1;
	pl->vkeys[pl->nvcls] = k;
	pl->vslot[h] = (int)pl->nvcls + 1;
	plan_forget(pl);
	return (int)pl->nvcls++;
}

/*
 * The class of a row's set, looked up by the text of its columns (the
 * kind, the vendor, the features): a pool's 10,000 VMs carry a handful
 * of distinct texts, and parsing a set costs more than reading its row.
 * A text seen first is read by rec_vm_from_row(), the reader both
 * daemons use, and its class remembered.  -1: no memory, or (err set)
 * a stored set that does not parse.
 */
static uint32_t
plan_text_hash(int hvm, const unsigned char *v, int vlen,
    const unsigned char *fs, int flen)
{
	uint32_t h = plan_hash(fs, flen > 0 ? (size_t)flen : 0);

	h ^= plan_hash(v, vlen > 0 ? (size_t)vlen : 0) * 31u;
	return h ^ (uint32_t)(hvm | (vlen < 0) << 1 | (flen < 0) << 2);
}

static int
plan_text_is(const struct plan_text *t, uint32_t h, int hvm,
    const unsigned char *v, int vlen, const unsigned char *fs, int flen)
{
	return t->hash == h && t->hvm == hvm && t->vlen == vlen &&
	    t->flen == flen && (vlen <= 0 || memcmp(t->text, v, vlen) == 0) &&
	    (flen <= 0 || memcmp(t->text + (vlen > 0 ? vlen : 0), fs,
	    flen) == 0);
}

/* Room in the table of texts for one more; 0, or -1. */
static int
plan_text_room(struct plan *pl)
{
	size_t i, n;
	uint32_t h;
	int *slot;

	if ((pl->ntexts + 1) * 2 < pl->ntslots)
		return 0;
	n = pl->ntslots ? pl->ntslots * 2 : 64;
	if ((slot = calloc(n, sizeof(*slot))) == NULL)
		return -1;
	for (i = 0; i < pl->ntexts; i++) {
		for (h = pl->texts[i].hash & (n - 1); slot[h];
		    h = (h + 1) & (n - 1))
			;
		slot[h] = (int)i + 1;
	}
	free(pl->tslot);
	pl->tslot = slot;
	pl->ntslots = n;
	return plan_grow(&pl->texts, &pl->tcap, pl->ntexts + 1,
	    sizeof(*pl->texts));
}

static int
plan_row_class(struct plan *pl, sqlite3_stmt *st, int hvm,
    struct rpc_error *err)
{
	const unsigned char *v = sqlite3_column_text(st, 2);
	const unsigned char *fs = sqlite3_column_text(st, 3);
	int vlen = v ? sqlite3_column_bytes(st, 2) : -1;
	int flen = fs ? sqlite3_column_bytes(st, 3) : -1;
	uint32_t hash = plan_text_hash(hvm, v, vlen, fs, flen), h, mask;
	struct plan_text *t;
	struct vm_rec vm;
	size_t len;

	if (plan_text_room(pl) == -1)
		return plan_oom(err);
	mask = (uint32_t)pl->ntslots - 1;
	for (h = hash & mask; pl->tslot[h]; h = (h + 1) & mask) {
		t = &pl->texts[pl->tslot[h] - 1];
		if (plan_text_is(t, hash, hvm, v, vlen, fs, flen))
			return t->cls;
	}
	t = &pl->texts[pl->ntexts];
	memset(t, 0, sizeof(*t));
	len = (size_t)(vlen > 0 ? vlen : 0) + (size_t)(flen > 0 ? flen : 0);
	if ((t->text = malloc(len + 1)) == NULL)
		return plan_oom(err);
	memcpy(t->text, v, vlen > 0 ? (size_t)vlen : 0);
	memcpy(t->text + (vlen > 0 ? vlen : 0), fs, flen > 0 ? (size_t)flen :
	    0);
	t->hash = hash;
	t->hvm = hvm;
	t->vlen = vlen;
	t->flen = flen;
	pl->ntexts++;
	pl->tslot[h] = (int)pl->ntexts;
	if (rec_vm_from_row(st, 0, REC_VM_NAMES, &vm, pl->f->dberr,
	    sizeof(pl->f->dberr)) == -1)
		return store_error(pl->f, err);
	if ((t->cls = plan_vm_class(pl, &vm)) == -1)
		return plan_oom(err);
	return t->cls;
}

/*
 * A row of REC_VM_COLS.  The kind and the power state that do not parse
 * read as rec_vm_from_row() reads them: a running HVM guest.
 */
static int
plan_add_row(struct plan *pl, sqlite3_stmt *st, struct rpc_error *err)
{
	char host[RPC_MAX_ID + 1];
	struct plan_vm *v;
	enum domain_type dt;
	enum power_state ps;
	int cls, hi;

	db_column_text(st, REC_VM_NCHECK + 1, host, sizeof(host));
	hi = plan_vm_host(pl, host);
	if (hi < 0 && pl->members_only)
		return 0;
	if (domain_type_parse((const char *)sqlite3_column_text(st, 0),
	    &dt) == -1)
		dt = DOMAIN_HVM;
	if (power_state_parse((const char *)sqlite3_column_text(st, 1),
	    &ps) == -1)
		ps = POWER_RUNNING;
	if ((cls = plan_row_class(pl, st, domain_is_hvm(dt), err)) == -1)
		return -1;
	if (plan_grow(&pl->vms, &pl->vcap, pl->nvms + 1,
	    sizeof(*pl->vms)) == -1)
		return plan_oom(err);
	v = &pl->vms[pl->nvms++];
	db_column_text(st, REC_VM_NCHECK, v->id, sizeof(v->id));
	strlcpy(v->host, host, sizeof(v->host));
	v->power = ps;
	v->domain = dt;
	v->cls = cls;
	v->host_index = hi;
	return 0;
}

/*
 * ?1 the pool or the host, as the statement reads it.  The VMs come in
 * the database's order: an answer sorts what it lists (plan_sort_list),
 * not the thousands it only counts.
 */
static int
plan_vm_query(struct plan *pl, const char *sql, const char *id,
    struct rpc_error *err)
{
	struct featured *f = pl->f;
	sqlite3_stmt *st;
	int step;

	if (db_prepare(f->db, sql, &st, f->dberr, sizeof(f->dberr)) == -1)
		return store_error(f, err);
	if (sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		goto fail;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (plan_add_row(pl, st, err) == -1) {
			sqlite3_finalize(st);
			return -1;
		}
	if (step != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	snprintf(f->dberr, sizeof(f->dberr), "plan VMs: %s",
	    sqlite3_errmsg(f->db));
	sqlite3_finalize(st);
	return store_error(f, err);
}

/* How many hosts featured holds: 0 if it cannot tell. */
static long long
plan_all_hosts(struct plan *pl)
{
	sqlite3_stmt *st;
	long long n = 0;

	if (db_prepare(pl->f->db, "SELECT count(*) FROM host", &st,
	    pl->f->dberr, sizeof(pl->f->dberr)) == -1)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * The running and suspended VMs on the members loaded.  Where the pool
 * holds most of featured's hosts (one pool, as cpulevel-xapi-sync keeps
 * it), every VM row is read in the table's order and the others'
 * dropped here: that costs half of what fetching each row through the
 * index vm_host does.  Where it holds few, the index finds its VMs
 * without reading the rest.
 */
int
plan_load_pool_vms(struct plan *pl, const char *pool, struct rpc_error *err)
{
	int ret;

	if ((long long)pl->nhosts * 2 < plan_all_hosts(pl))
		return plan_vm_query(pl, "SELECT " REC_VM_COLS " FROM vm "
		    "WHERE power_state IN ('running', 'suspended') AND "
		    "host_id IN (SELECT id FROM host WHERE pool_id = ?1)",
		    pool, err);
	pl->members_only = 1;
	ret = plan_vm_query(pl, "SELECT " REC_VM_COLS " FROM vm WHERE "
	    "power_state IN ('running', 'suspended') AND ?1 IS NOT NULL",
	    pool, err);
	pl->members_only = 0;
	return ret;
}

int
plan_load_resident_vms(struct plan *pl, const char *host,
    struct rpc_error *err)
{
	/* Resident: running there (store_host_resident_vms's rule). */
	return plan_vm_query(pl, "SELECT " REC_VM_COLS " FROM vm WHERE "
	    "power_state = 'running' AND host_id = ?1", host, err);
}

static int
plan_by_vm(const void *a, const void *b)
{
	const char *x = json_object_get_string(json_object_object_get(
	    *(struct json_object *const *)a, "vm"));
	const char *y = json_object_get_string(json_object_object_get(
	    *(struct json_object *const *)b, "vm"));

	return strcmp(x ? x : "", y ? y : "");
}

void
plan_sort_list(struct json_object *list)
{
	json_object_array_sort(list, plan_by_vm);
}
