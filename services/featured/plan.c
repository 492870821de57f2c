/*
 * The answers before acting (preview.c, evacuate.c, restart.c) all ask
 * one question many times over: may this VM, with its fixed set, run on
 * that host?  A pool of 64 hosts and 10,000 VMs asks it up to 640,000
 * times, yet its VMs carry a handful of distinct sets (the levels the
 * pool had when each started) and its hosts offer a handful of distinct
 * max sets.  So a plan loads the pool's members and VMs into memory once,
 * sorts each into classes of what compat_judge() reads, and judges each
 * (VM class, host class) pair once, the first time it is asked; the
 * missing features of a pair are named once too.  The verdict is
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
#include "featurenames.h"
#include "strlcpy.h"

/* What compat_judge() reads of a VM, made comparable byte for byte. */
struct plan_vmkey {
	int			hvm, has_vendor, has_features;
	char			vendor[CPUINFO_MAX_VENDOR + 1];
	struct featureset	features;
};

/* What it reads of a host. */
struct plan_hostkey {
	int			hvm_capable, has_pv, has_hvm;
	char			vendor[CPUINFO_MAX_VENDOR + 1];
	struct featureset	pv, hvm;
};

struct plan_memo {
	int			 done;
	struct compat_verdict	 v;
	struct json_object	*names;		/* v.missing named, or NULL */
};

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
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

static void	plan_forget(struct plan *);

void
plan_init(struct plan *pl, struct featured *f)
{
	memset(pl, 0, sizeof(*pl));
	pl->f = f;
}

void
plan_free(struct plan *pl)
{
	plan_forget(pl);
	free(pl->hosts);
	free(pl->hcls);
	free(pl->hkeys);
	free(pl->vms);
	free(pl->vkeys);
	free(pl->vslot);
	memset(pl, 0, sizeof(*pl));
}

/* The memo no longer fits the classes: judged again when asked. */
static void
plan_forget(struct plan *pl)
{
	size_t i;

	if (pl->memo)
		for (i = 0; i < pl->memo_n; i++)
			json_object_put(pl->memo[i].names);
	free(pl->memo);
	pl->memo = NULL;
	pl->memo_n = 0;
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
			h = plan_hash(&pl->vkeys[i], sizeof(k)) & (n - 1);
			while (slot[h])
				h = (h + 1) & (n - 1);
			slot[h] = (int)i + 1;
		}
		free(pl->vslot);
		pl->vslot = slot;
		pl->nslots = n;
	}
	mask = pl->nslots - 1;
	for (h = plan_hash(&k, sizeof(k)) & mask; pl->vslot[h];
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

static int
plan_add_vm(struct plan *pl, const struct vm_rec *vm)
{
	struct plan_vm *v;
	int cls;

	if (plan_grow(&pl->vms, &pl->vcap, pl->nvms + 1,
	    sizeof(*pl->vms)) == -1 || (cls = plan_vm_class(pl, vm)) == -1)
		return -1;
	v = &pl->vms[pl->nvms++];
	strlcpy(v->id, vm->id, sizeof(v->id));
	strlcpy(v->host, vm->host, sizeof(v->host));
	v->power = vm->power_state;
	v->domain = vm->domain_type;
	v->cls = cls;
	v->host_index = plan_host_index(pl, vm->host);
	return 0;
}

/* ?1 the pool or the host, as the statement reads it. */
static int
plan_vm_query(struct plan *pl, const char *sql, const char *id,
    struct rpc_error *err)
{
	struct featured *f = pl->f;
	struct vm_rec vm;
	sqlite3_stmt *st;
	int step;

	if (db_prepare(f->db, sql, &st, f->dberr, sizeof(f->dberr)) == -1)
		return store_error(f, err);
	if (sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		goto fail;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&vm, 0, sizeof(vm));
		if (rec_vm_from_row(st, 0, REC_VM_NAMES, &vm, f->dberr,
		    sizeof(f->dberr)) == -1) {
			sqlite3_finalize(st);
			return store_error(f, err);
		}
		if (plan_add_vm(pl, &vm) == -1) {
			sqlite3_finalize(st);
			return plan_oom(err);
		}
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

int
plan_load_pool_vms(struct plan *pl, const char *pool, struct rpc_error *err)
{
	return plan_vm_query(pl, "SELECT " REC_VM_COLS " FROM vm WHERE "
	    "power_state IN ('running', 'suspended') AND host_id IN "
	    "(SELECT id FROM host WHERE pool_id = ?1) ORDER BY id", pool, err);
}

int
plan_load_resident_vms(struct plan *pl, const char *host,
    struct rpc_error *err)
{
	/* Resident: running there (store_host_resident_vms's rule). */
	return plan_vm_query(pl, "SELECT " REC_VM_COLS " FROM vm WHERE "
	    "power_state = 'running' AND host_id = ?1 ORDER BY id", host, err);
}

static struct plan_memo *
plan_memo(struct plan *pl, size_t vm, size_t host)
{
	size_t n = pl->nvcls * pl->nhcls;

	if (pl->memo == NULL) {
		if ((pl->memo = calloc(n ? n : 1, sizeof(*pl->memo))) == NULL)
			return NULL;
		pl->memo_n = n;
	}
	return &pl->memo[(size_t)pl->vms[vm].cls * pl->nhcls +
	    (size_t)pl->hcls[host]];
}

/* The class's VM as compat_judge() sees it: running, of its kind. */
static void
plan_compat_vm(const struct plan_vmkey *k, struct compat_vm *cv)
{
	cv->power = POWER_RUNNING;
	cv->domain = k->hvm ? DOMAIN_HVM : DOMAIN_PV;
	cv->vendor = k->has_vendor ? k->vendor : NULL;
	cv->features = k->has_features ? &k->features : NULL;
}

const struct compat_verdict *
plan_judge(struct plan *pl, size_t vm, size_t host)
{
	struct plan_memo *m;
	struct compat_host ch;
	struct compat_vm cv;

	if ((m = plan_memo(pl, vm, host)) == NULL)
		return NULL;
	if (!m->done) {
		plan_compat_vm(&pl->vkeys[pl->vms[vm].cls], &cv);
		rec_host_compat(&pl->hosts[host], &ch);
		compat_judge(&cv, &ch, &m->v);
		m->done = 1;
	}
	return &m->v;
}

struct json_object *
plan_missing_names(struct plan *pl, size_t vm, size_t host)
{
	struct plan_memo *m;

	if (plan_judge(pl, vm, host) == NULL)
		return NULL;
	m = plan_memo(pl, vm, host);
	if (m->names == NULL)
		m->names = feature_names_json(&m->v.missing);
	/* Shared by every VM of the class: each holder owns a reference. */
	return json_object_get(m->names);
}

const struct featureset *
plan_vm_features(const struct plan *pl, size_t vm)
{
	const struct plan_vmkey *k = &pl->vkeys[pl->vms[vm].cls];

	return k->has_features ? &k->features : NULL;
}

struct json_object *
plan_error_json(const struct compat_verdict *v, const char *vm,
    const char *host)
{
	struct json_object *a, *data;
	struct rpc_error e;
	size_t i;

	memset(&e, 0, sizeof(e));
	/* compat_error() says which XenAPI error a refusal is. */
	if (compat_error(v, vm, host, &e) == 0)
		return NULL;
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(e.message));
	data = e.data;
	for (i = 0; data && i < json_object_array_length(data); i++)
		json_object_array_add(a, json_object_get(
		    json_object_array_get_idx(data, i)));
	rpc_error_clear(&e);
	return a;
}

int
plan_list_full(struct json_object *list)
{
	return json_object_array_length(list) >= PLAN_MAX_LISTED;
}

/* How many features a refusal names: what "nearest" compares. */
static int
plan_count_missing(const struct featureset *fs)
{
	size_t i;
	int n = 0;

	for (i = 0; i < fs->len; i++)
		n += __builtin_popcount(fs->w[i]);
	return n;
}

int
plan_destinations(struct plan *pl, size_t vm, size_t nhosts, int except,
    struct json_object *dests, int *nearest)
{
	const struct compat_verdict *v;
	size_t i;
	int n = 0, best = -1, fewest = 0, c;

	*nearest = -1;
	for (i = 0; i < nhosts; i++) {
		if ((int)i == except)
			continue;
		if ((v = plan_judge(pl, vm, i)) == NULL)
			return -1;
		if (v->code == COMPAT_OK) {
			n++;
			if (dests)
				json_object_array_add(dests,
				    json_object_new_string(pl->hosts[i].id));
			continue;
		}
		/* A vendor's refusal is the farthest, whatever it lacks. */
		c = plan_count_missing(&v->missing) +
		    (v->code == COMPAT_FEATURES ? 0 : 1 << 16);
		if (best == -1 || c < fewest) {
			best = (int)i;
			fewest = c;
		}
	}
	*nearest = best;
	return n;
}
