/*
 * A plan judged: each (VM class, host class) pair by compat_judge(), the
 * rule VM.migrate applies, once, the first time it is asked, and its
 * missing features named once; a VM's destinations; the XenAPI error of
 * a refusal; and the byte budget that keeps an answer under the bus's
 * message limit.  plan.c loads what is judged.
 */
#include <stdlib.h>
#include <string.h>

#include "featured.h"
#include "featurenames.h"
#include "plan.h"

void
plan_forget(struct plan *pl)
{
	size_t i;

	if (pl->memo)
		for (i = 0; i < pl->memo_n; i++) {
			json_object_put(pl->memo[i].names);
			json_object_put(pl->memo[i].err);
		}
	free(pl->memo);
	pl->memo = NULL;
	pl->memo_n = 0;
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

struct json_object *
plan_error(struct plan *pl, size_t vm, size_t host)
{
	struct json_object *a, *t;
	struct plan_memo *m;
	size_t i, n;

	if (plan_judge(pl, vm, host) == NULL)
		return NULL;
	m = plan_memo(pl, vm, host);
	if (m->v.code == COMPAT_OK)
		return NULL;
	/* The pair's error once, the VM's id (its first param) put in. */
	if (m->err == NULL)
		m->err = plan_error_json(&m->v, "", pl->hosts[host].id);
	t = m->err;
	a = json_object_new_array();
	n = json_object_array_length(t);
	for (i = 0; i < n; i++)
		json_object_array_add(a, i == 1 ?
		    json_object_new_string(pl->vms[vm].id) :
		    json_object_get(json_object_array_get_idx(t, i)));
	return a;
}

int
plan_list_full(struct json_object *list)
{
	return json_object_array_length(list) >= PLAN_MAX_LISTED;
}

/* The length of o's text: what it adds to the reply. */
static size_t
plan_text_len(struct json_object *o)
{
	/* Not json_object_to_json_string_length(): json-c 0.13's. */
	return strlen(json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
}

int
plan_spend(struct plan *pl, size_t bytes)
{
	/* Once one entry is left out, all after it are: a list is a
	 * prefix of the whole. */
	if (pl->spent + bytes > PLAN_MAX_BYTES) {
		pl->spent = PLAN_MAX_BYTES + 1;
		return 0;
	}
	pl->spent += bytes;
	return 1;
}

size_t
plan_names_len(struct plan *pl, size_t vm, size_t host)
{
	struct plan_memo *m;

	if (plan_judge(pl, vm, host) == NULL)
		return 0;
	m = plan_memo(pl, vm, host);
	if (m->names == NULL)
		m->names = feature_names_json(&m->v.missing);
	if (m->names_len == 0)
		m->names_len = plan_text_len(m->names);
	return m->names_len;
}

size_t
plan_json_len(struct json_object *o)
{
	return plan_text_len(o);
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
