/*
 * xapi's records, as get_all_records and event.from's snapshots give
 * them, turned into what featured must hold (services/xapisync/README.md
 * has the observe methods these feed).  Pure functions: a record and
 * the reference cache in, a struct out; nothing is sent anywhere.
 *
 * Field names are xapi's datamodel's (xen-api, ocaml/idl/):
 *   pool:       uuid, master (Ref host), cpu_info (string map)
 *               (datamodel_pool.ml)
 *   host:       uuid, cpu_info (string map), capabilities (string set)
 *               (datamodel_host.ml)
 *   VM:         uuid, is_a_template, is_a_snapshot, is_control_domain,
 *               power_state (vm_power_state: Halted, Paused, Running,
 *               Suspended), resident_on (Ref host), domain_type (hvm,
 *               pv, pv_in_pvh, pvh, unspecified), HVM_boot_policy,
 *               metrics (Ref VM_metrics), last_boot_CPU_flags (string
 *               map) (datamodel_vm.ml)
 *   VM_metrics: uuid, current_domain_type (datamodel.ml)
 * A JSON-RPC record is an object of those names; a ref is a string,
 * "OpaqueRef:NULL" for none; a map is an object of strings; a set an
 * array (doc/content/xen-api/wire-protocol.md).
 */
#ifndef CPULEVEL_XAPISYNC_RECORDS_H
#define CPULEVEL_XAPISYNC_RECORDS_H

#include <stddef.h>

#include "cpuinfo.h"
#include "vmtypes.h"

struct json_object;

/* The uuid's presentation form, 36 characters, and its NUL. */
#define XR_UUID_SIZE	37
#define XR_NULL_REF	"OpaqueRef:NULL"

/* The classes followed; event.from names them in lower case
 * (ocaml/xapi/xapi_event.ml). */
enum xr_class {
	XR_POOL,
	XR_HOST,
	XR_VM,
	XR_VM_METRICS
};
#define XR_NCLASSES	4

const char	*xr_class_name(enum xr_class cls);
int		 xr_class_parse(const char *name, enum xr_class *out);

struct xr_pool {
	char		 uuid[XR_UUID_SIZE];
	char		 master[XR_UUID_SIZE];	/* "" if not yet known */
	struct cpuinfo	 cpu_info;	/* xapi's pool level, to cross-check */
};

struct xr_host {
	char		 uuid[XR_UUID_SIZE];
	char		 pool[XR_UUID_SIZE];
	struct cpuinfo	 cpu_info;	/* exactly as xapi stores it */
	int		 hvm_capable;
};

struct xr_vm {
	char		 uuid[XR_UUID_SIZE];
	enum power_state power;		/* Paused is running (vmtypes.h) */
	char		 host[XR_UUID_SIZE];	/* resident_on; "" for none */
	int		 has_domain_type;	/* 0: xapi does not say */
	enum domain_type domain_type;
	/* last_boot_CPU_flags' "vendor" and "features", either possibly
	 * absent; {} until xapi has written them. */
	struct cpuinfo	 flags;
};

/*
 * The reference cache: opaque reference to class, uuid and the last
 * snapshot.  A "del" event may come without a snapshot, and resident_on
 * and master are references: both resolve here.  A VM and its
 * VM_metrics are linked both ways, so that an event on either finds the
 * other.
 */
struct xr_cache;

struct xr_cache	*xr_cache_new(void);
void		 xr_cache_free(struct xr_cache *c);
/* Forget everything (before a full resync). */
void		 xr_cache_clear(struct xr_cache *c);
/*
 * Note ref's record of class cls: its uuid, the record itself (a
 * reference is taken), and a VM's metrics.  0, or -1 with err for a
 * record without a valid uuid (nothing noted).
 */
int		 xr_cache_note(struct xr_cache *c, enum xr_class cls,
		    const char *ref, struct json_object *rec, char *err,
		    size_t errlen);
/* Forget ref: 0, or 1 if it was not known. */
int		 xr_cache_forget(struct xr_cache *c, const char *ref);
/* ref's uuid, record or linked ref (a VM's metrics, the metrics'
 * VM) if ref is known as cls, else NULL. */
const char	*xr_cache_uuid(const struct xr_cache *c, const char *ref,
		    enum xr_class cls);
struct json_object *xr_cache_record(const struct xr_cache *c,
		    const char *ref, enum xr_class cls);
const char	*xr_cache_link(const struct xr_cache *c, const char *ref,
		    enum xr_class cls);
size_t		 xr_cache_count(const struct xr_cache *c, enum xr_class cls);

/*
 * The conversions: 0 and *out filled (cpuinfo_free() it after), or -1
 * with err naming the field at fault.  The pool's master, and a VM's
 * resident_on, resolve through c.
 */
int		 xr_pool_from(const struct xr_cache *c, struct json_object *rec,
		    struct xr_pool *out, char *err, size_t errlen);
int		 xr_host_from(struct json_object *rec, const char *pool_uuid,
		    struct xr_host *out, char *err, size_t errlen);
/*
 * metrics: the VM's VM_metrics record, or NULL if not at hand (a
 * running VM then takes VM.domain_type).  1, with nothing filled, for
 * what featured does not follow: templates, snapshots and control
 * domains.
 */
int		 xr_vm_from(const struct xr_cache *c, struct json_object *rec,
		    struct json_object *metrics, struct xr_vm *out, char *err,
		    size_t errlen);

/* The observe and forget methods' params (README.md); NULL on ENOMEM. */
struct json_object *xr_pool_params(const struct xr_pool *p);
struct json_object *xr_host_params(const struct xr_host *h);
struct json_object *xr_vm_params(const struct xr_vm *v);
struct json_object *xr_forget_params(enum xr_class cls, const char *uuid);

int		 xr_uuid_ok(const char *s);

#endif
