/*
 * xapi's snapshots into featured (README.md, "Reconcile, do not
 * replay").  A full resync reads every record and observes each, then
 * forgets what featured holds and xapi no longer has; a batch of
 * event.from notes its snapshots in the cache and observes what they
 * touched.  Either way: the pool, then hosts, then VMs, then forgets,
 * VMs before hosts.
 */
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "log.h"
#include "strlcpy.h"
#include "sync.h"

/* A refusal seen again (the next resync repeats the write) is not
 * logged again. */
static void
refused(const char *method, const char *uuid, const char *msg)
{
	static char last[768];
	char line[sizeof(last)];

	snprintf(line, sizeof(line), "featured refused %s %s: %s", method,
	    uuid, msg);
	if (strcmp(line, last) == 0) {
		log_debug("%s", line);
		return;
	}
	strlcpy(last, line, sizeof(last));
	log_warnx("%s", line);
}

/* The result of a featured write: -1 featured unreachable, else 0 (a
 * refusal is logged: a bug or a race the next batch resolves). */
int
rc_write(struct sync *s, const char *method, struct json_object *params,
    const char *uuid)
{
	struct json_object *res;
	char msg[512], esc[LOG_ESC_SIZE(200)];
	int rc;

	if (params == NULL) {
		log_warnx("%s %s: out of memory", method, uuid);
		return 0;
	}
	rc = fd_call(s, method, params, &res, msg, sizeof(msg));
	json_object_put(params);
	json_object_put(res);
	if (rc == -1) {
		log_debug("%s %s: %s", method, uuid, msg);
		return -1;
	}
	if (rc == 1)
		refused(method, uuid, log_esc(msg, esc, sizeof(esc)));
	return 0;
}

/* Featured's sets of a host or pool, for the loss checks: 0 (*out, owned,
 * NULL if featured has none), -1 featured unreachable. */
static int
fd_sets(struct sync *s, const char *method, const char *key,
    const char *uuid, struct json_object **out)
{
	struct json_object *p, *res;
	char msg[512];
	int rc;

	*out = NULL;
	if ((p = json_object_new_object()) == NULL)
		return 0;
	json_object_object_add(p, key, json_object_new_string(uuid));
	rc = fd_call(s, method, p, &res, msg, sizeof(msg));
	json_object_put(p);
	if (rc == -1)
		return -1;
	if (rc == 0 && json_object_is_type(res, json_type_object))
		*out = res;
	else
		json_object_put(res);
	return 0;
}

static const char *
sget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Names lost from old's default sets in new's, or 0 (none, or unknown). */
static int
lost_names(struct json_object *old, struct json_object *new, char *names,
    size_t len)
{
	if (old == NULL || new == NULL)
		return 0;
	return alert_lost(sget(old, "features_pv_host"),
	    sget(old, "features_hvm_host"), sget(new, "features_pv_host"),
	    sget(new, "features_hvm_host"), names, len) == 1;
}

int
rc_observe_pool(struct sync *s)
{
	struct json_object *rec;
	struct xr_pool p;
	char err[256];
	int rc;

	rec = xr_cache_record(s->cache, s->pool_ref, XR_POOL);
	if (rec == NULL)
		return 0;
	if (xr_pool_from(s->cache, rec, &p, err, sizeof(err)) == -1) {
		log_warnx("pool record skipped: %s", err);
		return 0;
	}
	strlcpy(s->pool_uuid, p.uuid, sizeof(s->pool_uuid));
	rc = rc_write(s, "Pool.observe", xr_pool_params(&p), p.uuid);
	cpuinfo_free(&p.cpu_info);
	return rc;
}

/* A host back with fewer features than featured held: an alert first,
 * so that a crash in between repeats the check, not loses it. */
int
rc_observe_host(struct sync *s, const char *ref)
{
	struct json_object *rec, *old, *new;
	struct xr_host h;
	char err[256], names[SYNC_NAMES_MAX], body[SYNC_NAMES_MAX + 64];
	int rc;

	rec = xr_cache_record(s->cache, ref, XR_HOST);
	if (rec == NULL || s->pool_uuid[0] == '\0')
		return 0;
	if (xr_host_from(rec, s->pool_uuid, &h, err, sizeof(err)) == -1) {
		log_warnx("host record skipped: %s", err);
		return 0;
	}
	if (fd_sets(s, "Host.get_cpu_info", "host", h.uuid, &old) == -1) {
		cpuinfo_free(&h.cpu_info);
		return -1;
	}
	new = cpuinfo_to_json(&h.cpu_info);
	if (lost_names(old, new, names, sizeof(names))) {
		snprintf(body, sizeof(body), "CPU features lost at boot: %s",
		    names);
		log_warnx("host %s came back with fewer CPU features: %s",
		    h.uuid, names);
		alert_raise(s, "CPULEVEL_HOST_FEATURES_LOST", "Host", h.uuid,
		    body);
	}
	json_object_put(old);
	json_object_put(new);
	rc = rc_write(s, "Host.observe", xr_host_params(&h), h.uuid);
	cpuinfo_free(&h.cpu_info);
	return rc;
}

/* A VM featured does not follow (a template...) is forgotten: it may
 * have been a VM before. */
int
rc_observe_vm(struct sync *s, const char *ref, int forget_skipped)
{
	struct json_object *rec, *metrics = NULL;
	const char *mref, *uuid;
	struct xr_vm v;
	char err[256];
	int rc;

	if ((rec = xr_cache_record(s->cache, ref, XR_VM)) == NULL)
		return 0;
	if ((mref = xr_cache_link(s->cache, ref, XR_VM)) != NULL)
		metrics = xr_cache_record(s->cache, mref, XR_VM_METRICS);
	rc = xr_vm_from(s->cache, rec, metrics, &v, err, sizeof(err));
	if (rc == -1) {
		log_warnx("VM record skipped: %s", err);
		return 0;
	}
	if (rc == 1) {
		uuid = xr_cache_uuid(s->cache, ref, XR_VM);
		if (!forget_skipped || uuid == NULL)
			return 0;
		return rc_write(s, "VM.forget", xr_forget_params(XR_VM, uuid),
		    uuid);
	}
	rc = rc_write(s, "VM.observe", xr_vm_params(&v), v.uuid);
	cpuinfo_free(&v.flags);
	return rc;
}

/* The pool level before and after a change: an alert on a drop. */
int
rc_level_before(struct sync *s, struct json_object **before)
{
	*before = NULL;
	if (s->pool_uuid[0] == '\0')
		return 0;
	return fd_sets(s, "Pool.get_cpu_info", "pool", s->pool_uuid, before);
}

int
rc_level_after(struct sync *s, struct json_object *before)
{
	struct json_object *after;
	char names[SYNC_NAMES_MAX], body[SYNC_NAMES_MAX + 64];

	if (before == NULL)
		return 0;
	if (fd_sets(s, "Pool.get_cpu_info", "pool", s->pool_uuid,
	    &after) == -1)
		return -1;
	if (lost_names(before, after, names, sizeof(names))) {
		snprintf(body, sizeof(body), "pool CPU level lost: %s", names);
		log_warnx("pool %s: its CPU level dropped: %s", s->pool_uuid,
		    names);
		alert_raise(s, "CPULEVEL_POOL_LEVEL_DROPPED", "Pool",
		    s->pool_uuid, body);
	}
	json_object_put(after);
	return 0;
}

