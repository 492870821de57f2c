/*
 * The full resync: at start, after a new login, a refused token, xapi
 * restarted or featured back.  Deletions made while nobody listened are
 * found by comparing featured's inventory with xapi's records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "log.h"
#include "strlcpy.h"
#include "sync.h"

/* Read in this order: a VM's resident_on and metrics resolve through
 * the hosts and VM_metrics already noted. */
static const struct {
	enum xr_class	 cls;
	const char	*method;
} reads[] = {
	{ XR_HOST,	"host.get_all_records" },
	{ XR_VM_METRICS, "VM_metrics.get_all_records" },
	{ XR_VM,	"VM.get_all_records" },
};
#define NREADS	(sizeof(reads) / sizeof(reads[0]))
/* Service.inventory's largest page (proto/README.md). */
#define INVENTORY_LIMIT	10000

static enum sync_fault
xapi_fault(struct sync *s, const char *what, const struct xenapi_error *e)
{
	(void)what;	/* e->msg names the method */
	snprintf(s->fault_msg, sizeof(s->fault_msg), "%s", e->msg);
	return sync_xapi_fault(s, e);
}

static enum sync_fault
featured_fault(struct sync *s)
{
	snprintf(s->fault_msg, sizeof(s->fault_msg),
	    "featured at %s does not answer", s->featured_url);
	return SF_FEATURED;
}

/* Every record of a map ref -> record into the cache. */
static enum sync_fault
note_all(struct sync *s, enum xr_class cls, struct json_object *recs)
{
	char err[256];

	if (!json_object_is_type(recs, json_type_object)) {
		snprintf(s->fault_msg, sizeof(s->fault_msg),
		    "%s.get_all_records: not a map", xr_class_name(cls));
		return SF_XAPI;
	}
	json_object_object_foreach(recs, ref, rec) {
		if (xr_cache_note(s->cache, cls, ref, rec, err,
		    sizeof(err)) == -1)
			log_warnx("%s %s skipped: %s", xr_class_name(cls),
			    ref, err);
	}
	return SF_OK;
}

/* The pool (one a xapi), and the token from before anything is read:
 * event.inject answers the generation before its own write. */
static enum sync_fault
read_pool(struct sync *s)
{
	struct json_object *pools, *args, *tok;
	struct xenapi_error e;
	enum sync_fault f;
	const char *t;

	if (xenapi_call(s->x, "pool.get_all_records", NULL, &pools, &e) == -1)
		return xapi_fault(s, "pool.get_all_records", &e);
	if ((f = note_all(s, XR_POOL, pools)) != SF_OK) {
		json_object_put(pools);
		return f;
	}
	json_object_object_foreach(pools, ref, rec) {
		(void)rec;
		if (xr_cache_uuid(s->cache, ref, XR_POOL) != NULL) {
			strlcpy(s->pool_ref, ref, sizeof(s->pool_ref));
			break;
		}
	}
	json_object_put(pools);
	if (s->pool_ref[0] == '\0') {
		snprintf(s->fault_msg, sizeof(s->fault_msg),
		    "xapi has no pool");
		return SF_XAPI;
	}
	strlcpy(s->pool_uuid, xr_cache_uuid(s->cache, s->pool_ref, XR_POOL),
	    sizeof(s->pool_uuid));
	args = json_object_new_array();
	json_object_array_add(args, json_object_new_string("pool"));
	json_object_array_add(args, json_object_new_string(s->pool_ref));
	if (xenapi_call(s->x, "event.inject", args, &tok, &e) == -1) {
		json_object_put(args);
		return xapi_fault(s, "event.inject", &e);
	}
	json_object_put(args);
	t = json_object_is_type(tok, json_type_string) ?
	    json_object_get_string(tok) : NULL;
	if (t == NULL || strlen(t) >= sizeof(s->token)) {
		json_object_put(tok);
		snprintf(s->fault_msg, sizeof(s->fault_msg),
		    "event.inject: not a token");
		return SF_XAPI;
	}
	strlcpy(s->token, t, sizeof(s->token));
	json_object_put(tok);
	return SF_OK;
}

static int
flag(struct json_object *rec, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(rec, name, &v) &&
	    json_object_get_boolean(v);
}

/* The uuids featured follows in xapi's records, as a set. */
static void
have_add(struct json_object *have, enum xr_class cls, struct json_object *rec)
{
	struct json_object *u;

	if (cls == XR_VM_METRICS || !json_object_object_get_ex(rec, "uuid", &u))
		return;
	if (cls == XR_VM && (flag(rec, "is_a_template") ||
	    flag(rec, "is_a_snapshot") || flag(rec, "is_control_domain")))
		return;
	json_object_object_add(have, json_object_get_string(u),
	    json_object_new_boolean(1));
}

static int
forget_missing(struct sync *s, struct json_object *have,
    struct json_object *list, enum xr_class cls, const char *method)
{
	const char *uuid;
	size_t i, n;

	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		uuid = json_object_get_string(json_object_array_get_idx(list,
		    i));
		if (uuid == NULL || json_object_object_get_ex(have, uuid, NULL))
			continue;
		log_info("%s %s: gone from xapi, forgotten",
		    xr_class_name(cls), uuid);
		if (rc_write(s, method, xr_forget_params(cls, uuid),
		    uuid) == -1)
			return -1;
	}
	return 0;
}

/* Append page[key]'s ids to all. */
static void
gather(struct json_object *page, const char *key, struct json_object *all)
{
	struct json_object *list;
	size_t i, n;

	if (!json_object_object_get_ex(page, key, &list) ||
	    !json_object_is_type(list, json_type_array))
		return;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++)
		json_object_array_add(all,
		    json_object_get(json_object_array_get_idx(list, i)));
}

/*
 * featured's ids, every page of Service.inventory (proto/README.md):
 * 0, or -1 with fault_msg.  The page size is featured's largest unless
 * CPULEVEL_XAPISYNC_INVENTORY_LIMIT says otherwise (tests: several pages
 * from a small pool).
 */
static int
inventory(struct sync *s, struct json_object *hosts, struct json_object *vms)
{
	struct json_object *p, *page, *next;
	const char *lim = getenv("CPULEVEL_XAPISYNC_INVENTORY_LIMIT");
	char msg[512], after[128] = "";
	int rc;

	do {
		p = json_object_new_object();
		json_object_object_add(p, "limit",
		    json_object_new_int(lim ? atoi(lim) : INVENTORY_LIMIT));
		if (after[0] != '\0')
			json_object_object_add(p, "after",
			    json_object_new_string(after));
		rc = fd_call(s, "Service.inventory", p, &page, msg,
		    sizeof(msg));
		json_object_put(p);
		if (rc != 0 || !json_object_is_type(page, json_type_object)) {
			json_object_put(page);
			snprintf(s->fault_msg, sizeof(s->fault_msg),
			    "Service.inventory: %s", rc ? msg : "not an object");
			return -1;
		}
		gather(page, "hosts", hosts);
		gather(page, "vms", vms);
		after[0] = '\0';
		if (json_object_object_get_ex(page, "next", &next) &&
		    json_object_is_type(next, json_type_string))
			strlcpy(after, json_object_get_string(next),
			    sizeof(after));
		json_object_put(page);
	} while (after[0] != '\0');
	return 0;
}

static enum sync_fault
forget_gone(struct sync *s, struct json_object *have)
{
	struct json_object *hosts, *vms;
	enum sync_fault f = SF_OK;

	hosts = json_object_new_array();
	vms = json_object_new_array();
	if (inventory(s, hosts, vms) == -1)
		f = SF_FEATURED;
	else if (forget_missing(s, have, vms, XR_VM, "VM.forget") == -1 ||
	    forget_missing(s, have, hosts, XR_HOST, "Host.forget") == -1)
		f = featured_fault(s);
	json_object_put(hosts);
	json_object_put(vms);
	return f;
}

/* Observe everything in the cache, in the order featured needs. */
static enum sync_fault
observe_all(struct sync *s, struct json_object *recs[NREADS])
{
	struct json_object *before;
	size_t i;

	if (rc_level_before(s, &before) == -1 || rc_observe_pool(s) == -1)
		goto down;
	for (i = 0; i < NREADS; i++) {
		if (reads[i].cls == XR_VM_METRICS)
			continue;
		json_object_object_foreach(recs[i], ref, rec) {
			(void)rec;
			if ((reads[i].cls == XR_HOST ?
			    rc_observe_host(s, ref) :
			    rc_observe_vm(s, ref, 0)) == -1)
				goto down;
		}
		/* the master is a host: featured knows it now */
		if (reads[i].cls == XR_HOST && rc_observe_pool(s) == -1)
			goto down;
	}
	if (rc_level_after(s, before) == -1)
		goto down;
	json_object_put(before);
	return SF_OK;
down:
	json_object_put(before);
	return featured_fault(s);
}

enum sync_fault
sync_full(struct sync *s)
{
	struct json_object *recs[NREADS] = { NULL }, *have;
	struct xenapi_error e;
	enum sync_fault f;
	size_t i;

	xr_cache_clear(s->cache);
	s->pool_ref[0] = s->pool_uuid[0] = s->token[0] = '\0';
	if ((f = read_pool(s)) != SF_OK)
		return f;
	if ((have = json_object_new_object()) == NULL)
		return SF_XAPI;
	for (i = 0; i < NREADS; i++) {
		if (xenapi_call(s->x, reads[i].method, NULL, &recs[i],
		    &e) == -1) {
			f = xapi_fault(s, reads[i].method, &e);
			goto out;
		}
		if ((f = note_all(s, reads[i].cls, recs[i])) != SF_OK)
			goto out;
		json_object_object_foreach(recs[i], ref, rec) {
			(void)ref;
			have_add(have, reads[i].cls, rec);
		}
	}
	if ((f = observe_all(s, recs)) == SF_OK &&
	    (f = forget_gone(s, have)) == SF_OK)
		f = alerts_crosscheck(s, 0);
out:
	for (i = 0; i < NREADS; i++)
		json_object_put(recs[i]);
	json_object_put(have);
	if (f != SF_OK)
		s->token[0] = '\0';
	return f;
}
