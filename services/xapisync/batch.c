/*
 * One answer of event.from: its snapshots noted in the cache (event.from
 * coalesces, so each is the object as it is now), then what they touched
 * observed.  A del carries no snapshot: the uuid comes from the cache.
 */
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "log.h"
#include "strlcpy.h"
#include "sync.h"

/* What a batch touched: sets of refs, and the uuids to forget. */
struct touched {
	int			 pool;
	struct json_object	*hosts, *vms;		/* ref -> true */
	struct json_object	*gone_vms, *gone_hosts;	/* uuid -> true */
};

static const char *
str(struct json_object *ev, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(ev, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void
mark(struct json_object *set, const char *key)
{
	json_object_object_add(set, key, json_object_new_boolean(1));
}

static void
note_del(struct sync *s, struct touched *t, enum xr_class cls,
    const char *ref)
{
	const char *uuid = xr_cache_uuid(s->cache, ref, cls);

	if (uuid != NULL && cls == XR_VM) {
		mark(t->gone_vms, uuid);
		json_object_object_del(t->vms, ref);
	} else if (uuid != NULL && cls == XR_HOST) {
		mark(t->gone_hosts, uuid);
		json_object_object_del(t->hosts, ref);
	}
	xr_cache_forget(s->cache, ref);
}

static void
note_mod(struct sync *s, struct touched *t, enum xr_class cls,
    const char *ref, struct json_object *snap)
{
	const char *vm;
	char err[256];

	if (xr_cache_note(s->cache, cls, ref, snap, err, sizeof(err)) == -1) {
		log_warnx("%s %s skipped: %s", xr_class_name(cls), ref, err);
		return;
	}
	switch (cls) {
	case XR_POOL:
		if (strcmp(ref, s->pool_ref) == 0)
			t->pool = 1;
		break;
	case XR_HOST:
		mark(t->hosts, ref);
		break;
	case XR_VM:
		mark(t->vms, ref);
		break;
	case XR_VM_METRICS:
		if ((vm = xr_cache_link(s->cache, ref, XR_VM_METRICS)) != NULL)
			mark(t->vms, vm);
		break;
	}
}

static int
note_event(struct sync *s, struct touched *t, struct json_object *ev)
{
	const char *cname, *op, *ref;
	struct json_object *snap;
	enum xr_class cls;

	if ((cname = str(ev, "class")) == NULL || (op = str(ev, "operation"))
	    == NULL || (ref = str(ev, "ref")) == NULL)
		return -1;
	if (xr_class_parse(cname, &cls) == -1)
		return 0;		/* a class not asked for */
	if (strcmp(op, "del") == 0) {
		note_del(s, t, cls, ref);
		return 0;
	}
	if (!json_object_object_get_ex(ev, "snapshot", &snap) ||
	    !json_object_is_type(snap, json_type_object))
		return -1;
	note_mod(s, t, cls, ref, snap);
	return 0;
}

static int
forget_set(struct sync *s, struct json_object *set, enum xr_class cls,
    const char *method)
{
	json_object_object_foreach(set, uuid, v) {
		(void)v;
		log_info("%s %s: deleted in xapi, forgotten",
		    xr_class_name(cls), uuid);
		if (rc_write(s, method, xr_forget_params(cls, uuid), uuid)
		    == -1)
			return -1;
	}
	return 0;
}

static int
apply(struct sync *s, struct touched *t)
{
	struct json_object *before;
	int rc = -1;

	if (rc_level_before(s, &before) == -1)
		return -1;
	if (t->pool && rc_observe_pool(s) == -1)
		goto out;
	json_object_object_foreach(t->hosts, href, hv) {
		(void)hv;
		if (rc_observe_host(s, href) == -1)
			goto out;
	}
	json_object_object_foreach(t->vms, vref, vv) {
		(void)vv;
		if (rc_observe_vm(s, vref, 1) == -1)
			goto out;
	}
	if (forget_set(s, t->gone_vms, XR_VM, "VM.forget") == -1 ||
	    forget_set(s, t->gone_hosts, XR_HOST, "Host.forget") == -1 ||
	    rc_level_after(s, before) == -1)
		goto out;
	rc = 0;
out:
	json_object_put(before);
	return rc;
}

enum sync_fault
sync_batch(struct sync *s, struct json_object *events)
{
	struct touched t;
	enum sync_fault f = SF_OK;
	size_t i, n;

	memset(&t, 0, sizeof(t));
	t.hosts = json_object_new_object();
	t.vms = json_object_new_object();
	t.gone_vms = json_object_new_object();
	t.gone_hosts = json_object_new_object();
	n = json_object_array_length(events);
	for (i = 0; i < n; i++) {
		if (note_event(s, &t, json_object_array_get_idx(events,
		    i)) == -1) {
			/* the cache may now be partial: start again */
			snprintf(s->fault_msg, sizeof(s->fault_msg),
			    "event.from: a malformed event");
			f = SF_TOKEN;
			goto out;
		}
	}
	if (n > 0 && apply(s, &t) == -1) {
		snprintf(s->fault_msg, sizeof(s->fault_msg),
		    "featured at %s does not answer", s->featured_url);
		f = SF_FEATURED;
	} else
		f = alerts_crosscheck(s, n == 0);
out:
	json_object_put(t.hosts);
	json_object_put(t.vms);
	json_object_put(t.gone_vms);
	json_object_put(t.gone_hosts);
	return f;
}
