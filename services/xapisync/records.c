/*
 * xapi's pool, host, VM and VM_metrics records into the state featured
 * must hold (records.h has the fields and where xapi defines them).
 * A record that lacks a field, or has it of another type, is refused
 * whole, naming the field: a half-read record would have featured hold
 * something xapi never said.
 */
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "strlcpy.h"

#include "records.h"

static int
missing(const char *cls, const char *name, const char *what, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "%s record: %s: %s", cls, name, what);
	return -1;
}

static int
get_string(const char *cls, struct json_object *rec, const char *name,
    const char **out, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(rec, name, &v))
		return missing(cls, name, "missing", err, errlen);
	if ((*out = json_clean_string(v)) == NULL)
		return missing(cls, name, "not a string", err, errlen);
	return 0;
}

static int
get_bool(const char *cls, struct json_object *rec, const char *name,
    int *out, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(rec, name, &v))
		return missing(cls, name, "missing", err, errlen);
	if (!json_object_is_type(v, json_type_boolean))
		return missing(cls, name, "not a boolean", err, errlen);
	*out = json_object_get_boolean(v);
	return 0;
}

static int
get_uuid(const char *cls, struct json_object *rec, char *out, char *err,
    size_t errlen)
{
	const char *s;

	if (get_string(cls, rec, "uuid", &s, err, errlen) == -1)
		return -1;
	if (!xr_uuid_ok(s))
		return missing(cls, "uuid", "not a uuid", err, errlen);
	strlcpy(out, s, XR_UUID_SIZE);
	return 0;
}

/* A string map (cpu_info, last_boot_CPU_flags), within cpuinfo's bounds. */
static int
get_map(const char *cls, struct json_object *rec, const char *name,
    struct cpuinfo *ci, char *err, size_t errlen)
{
	struct json_object *v;
	char why[256];

	cpuinfo_init(ci);
	if (!json_object_object_get_ex(rec, name, &v))
		return missing(cls, name, "missing", err, errlen);
	if (cpuinfo_from_json(ci, v, why, sizeof(why)) == -1)
		return missing(cls, name, why, err, errlen);
	return 0;
}

/* A reference to a host, as its uuid: "" for none. */
static int
host_of(const struct xr_cache *c, const char *cls, struct json_object *rec,
    const char *name, int must_know, char *out, char *err, size_t errlen)
{
	const char *ref, *uuid;
	char esc[LOG_ESC_SIZE(64)];

	out[0] = '\0';
	if (get_string(cls, rec, name, &ref, err, errlen) == -1)
		return -1;
	if (strcmp(ref, XR_NULL_REF) == 0)
		return 0;
	if ((uuid = xr_cache_uuid(c, ref, XR_HOST)) == NULL) {
		if (!must_know)
			return 0;
		snprintf(err, errlen, "%s record: %s: %s is no host known",
		    cls, name, log_esc(ref, esc, sizeof(esc)));
		return -1;
	}
	strlcpy(out, uuid, XR_UUID_SIZE);
	return 0;
}

int
xr_pool_from(const struct xr_cache *c, struct json_object *rec,
    struct xr_pool *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	cpuinfo_init(&out->cpu_info);
	if (!json_object_is_type(rec, json_type_object))
		return missing("pool", "record", "not an object", err, errlen);
	/* A master not yet seen (its host's event later in the batch) is
	 * not an error: the next batch names it. */
	if (get_uuid("pool", rec, out->uuid, err, errlen) == -1 ||
	    host_of(c, "pool", rec, "master", 0, out->master, err,
	    errlen) == -1)
		return -1;
	return get_map("pool", rec, "cpu_info", &out->cpu_info, err, errlen);
}

/*
 * xapi's rule (ocaml/xapi/helpers.ml, host_supports_hvm): a host
 * supports HVM if any of its capability strings contains "hvm".
 */
static int
hvm_capable(struct json_object *rec, int *out, char *err, size_t errlen)
{
	struct json_object *caps;
	const char *s;
	size_t i, n;

	*out = 0;
	if (!json_object_object_get_ex(rec, "capabilities", &caps))
		return missing("host", "capabilities", "missing", err, errlen);
	if (!json_object_is_type(caps, json_type_array))
		return missing("host", "capabilities", "not an array", err,
		    errlen);
	n = (size_t)json_object_array_length(caps);
	for (i = 0; i < n; i++) {
		s = json_clean_string(json_object_array_get_idx(caps, i));
		if (s == NULL)
			return missing("host", "capabilities", "not an array "
			    "of strings", err, errlen);
		if (strstr(s, "hvm") != NULL)
			*out = 1;
	}
	return 0;
}

int
xr_host_from(struct json_object *rec, const char *pool_uuid,
    struct xr_host *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	cpuinfo_init(&out->cpu_info);
	if (!json_object_is_type(rec, json_type_object))
		return missing("host", "record", "not an object", err, errlen);
	if (pool_uuid == NULL || !xr_uuid_ok(pool_uuid)) {
		snprintf(err, errlen, "host record: no pool uuid for it");
		return -1;
	}
	strlcpy(out->pool, pool_uuid, sizeof(out->pool));
	if (get_uuid("host", rec, out->uuid, err, errlen) == -1 ||
	    hvm_capable(rec, &out->hvm_capable, err, errlen) == -1)
		return -1;
	return get_map("host", rec, "cpu_info", &out->cpu_info, err, errlen);
}

/*
 * xapi's rule (ocaml/xapi/helpers.ml, domain_type): a running, paused or
 * suspended VM is of its VM_metrics.current_domain_type, a halted one
 * of VM.domain_type.  "unspecified" (a VM from before domain types, or
 * metrics not yet written) falls back to VM.domain_type, then to what
 * xapi derives from HVM_boot_policy ("" is pv, anything else hvm:
 * ocaml/xapi/xapi_vm_helpers.ml, derive_domain_type).
 */
static int
vm_domain_type(struct json_object *rec, struct json_object *metrics,
    struct xr_vm *out, char *err, size_t errlen)
{
	const char *cur = NULL, *dt, *policy;
	struct json_object *v;

	if (out->power != POWER_HALTED && metrics != NULL &&
	    get_string("VM_metrics", metrics, "current_domain_type", &cur,
	    err, errlen) == -1)
		return -1;
	if (get_string("VM", rec, "domain_type", &dt, err, errlen) == -1)
		return -1;
	out->has_domain_type = 1;
	if (cur != NULL && domain_type_parse(cur, &out->domain_type) == 0)
		return 0;
	if (domain_type_parse(dt, &out->domain_type) == 0)
		return 0;
	if (json_object_object_get_ex(rec, "HVM_boot_policy", &v) &&
	    (policy = json_clean_string(v)) != NULL) {
		out->domain_type = *policy == '\0' ? DOMAIN_PV : DOMAIN_HVM;
		return 0;
	}
	out->has_domain_type = 0;
	return 0;
}

/* last_boot_CPU_flags as xapi wrote it: its vendor and features. */
static int
vm_flags(struct json_object *rec, struct cpuinfo *flags, char *err,
    size_t errlen)
{
	struct cpuinfo all;
	const char *keys[] = { CI_VENDOR, CI_FEATURES }, *v;
	size_t i;

	if (get_map("VM", rec, "last_boot_CPU_flags", &all, err,
	    errlen) == -1)
		return -1;
	for (i = 0; i < 2; i++)
		if ((v = cpuinfo_get(&all, keys[i])) != NULL &&
		    cpuinfo_set(flags, keys[i], v) == -1) {
			cpuinfo_free(&all);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	cpuinfo_free(&all);
	return 0;
}

int
xr_vm_from(const struct xr_cache *c, struct json_object *rec,
    struct json_object *metrics, struct xr_vm *out, char *err, size_t errlen)
{
	int template, snapshot, control;
	const char *ps;

	memset(out, 0, sizeof(*out));
	cpuinfo_init(&out->flags);
	if (!json_object_is_type(rec, json_type_object))
		return missing("VM", "record", "not an object", err, errlen);
	if (get_bool("VM", rec, "is_a_template", &template, err,
	    errlen) == -1 ||
	    get_bool("VM", rec, "is_a_snapshot", &snapshot, err,
	    errlen) == -1 ||
	    get_bool("VM", rec, "is_control_domain", &control, err,
	    errlen) == -1)
		return -1;
	if (template || snapshot || control)
		return 1;
	if (get_uuid("VM", rec, out->uuid, err, errlen) == -1 ||
	    get_string("VM", rec, "power_state", &ps, err, errlen) == -1)
		return -1;
	if (power_state_parse(ps, &out->power) == -1)
		return missing("VM", "power_state", "not a vm_power_state",
		    err, errlen);
	if (host_of(c, "VM", rec, "resident_on", 1, out->host, err,
	    errlen) == -1 ||
	    vm_domain_type(rec, metrics, out, err, errlen) == -1 ||
	    vm_flags(rec, &out->flags, err, errlen) == -1) {
		cpuinfo_free(&out->flags);
		return -1;
	}
	return 0;
}

static struct json_object *
uuid_or_null(const char *s)
{
	return *s != '\0' ? json_object_new_string(s) : NULL;
}

struct json_object *
xr_pool_params(const struct xr_pool *p)
{
	struct json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "pool", json_object_new_string(p->uuid));
	json_object_object_add(o, "master", uuid_or_null(p->master));
	return o;
}

struct json_object *
xr_host_params(const struct xr_host *h)
{
	struct json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "host", json_object_new_string(h->uuid));
	json_object_object_add(o, "pool", json_object_new_string(h->pool));
	json_object_object_add(o, "cpu_info", cpuinfo_to_json(&h->cpu_info));
	json_object_object_add(o, "hvm_capable",
	    json_object_new_boolean(h->hvm_capable));
	return o;
}

struct json_object *
xr_vm_params(const struct xr_vm *v)
{
	struct json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "vm", json_object_new_string(v->uuid));
	json_object_object_add(o, "power_state",
	    json_object_new_string(power_state_name(v->power)));
	json_object_object_add(o, "host", uuid_or_null(v->host));
	json_object_object_add(o, "domain_type", v->has_domain_type ?
	    json_object_new_string(domain_type_name(v->domain_type)) : NULL);
	json_object_object_add(o, "last_boot_CPU_flags",
	    cpuinfo_to_json(&v->flags));
	return o;
}

struct json_object *
xr_forget_params(enum xr_class cls, const char *uuid)
{
	struct json_object *o;

	if (cls == XR_VM_METRICS || (o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, xr_class_name(cls),
	    json_object_new_string(uuid));
	return o;
}
