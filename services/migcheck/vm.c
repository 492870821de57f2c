/*
 * VM.* methods: may this VM move to that host, and if not, exactly which
 * features stand in the way (xapi's error never said).
 */
#include <string.h>

#include "featurenames.h"
#include "migcheck.h"

void
judge(const struct vm_rec *vm, const struct host_rec *h,
    struct compat_verdict *out)
{
	struct compat_host ch;
	struct compat_vm cv;

	rec_vm_compat(vm, &cv);
	rec_host_compat(h, &ch);
	compat_judge(&cv, &ch, out);
}

/* The VM and the host, or HANDLE_INVALID / an internal error. */
static int
load_pair(struct migcheck *m, struct json_object *params, struct vm_rec *vm,
    struct host_rec *h, struct rpc_error *err)
{
	const char *vid = rpc_param_string(params, "vm");
	const char *hid = rpc_param_string(params, "host");
	int found = view_pair(m, vid, hid, vm, h);

	if (found == -1)
		rpc_error_internal(err, m->dberr);
	else if (!(found & VIEW_FOUND_VM))
		rpc_error_api(err, "HANDLE_INVALID", 2, "VM", vid);
	else if (!(found & VIEW_FOUND_HOST))
		rpc_error_api(err, "HANDLE_INVALID", 2, "host", hid);
	else
		return 0;
	return -1;
}

int
vm_assert_can_migrate(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct compat_verdict v;
	struct host_rec h;
	struct vm_rec vm;

	(void)result;
	if (load_pair(arg, params, &vm, &h, err) == -1)
		return -1;
	judge(&vm, &h, &v);
	/* The error featured's VM.migrate would give. */
	return compat_error(&v, vm.id, h.id, err);
}

/* {compatible, reason?, missing_features, vendor_mismatch} */
static struct json_object *
verdict_json(const struct compat_verdict *v, const char *host)
{
	struct json_object *o = json_object_new_object();

	if (host)
		json_object_object_add(o, "host", json_object_new_string(host));
	json_object_object_add(o, "compatible",
	    json_object_new_boolean(v->code == COMPAT_OK));
	if (v->code != COMPAT_OK)
		json_object_object_add(o, "reason",
		    json_object_new_string(compat_reason(v->code)));
	json_object_object_add(o, "missing_features",
	    feature_names_json(&v->missing));
	json_object_object_add(o, "vendor_mismatch",
	    json_object_new_boolean(v->code == COMPAT_VENDOR));
	return o;
}

int
vm_check_migrate(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct compat_verdict v;
	struct host_rec h;
	struct vm_rec vm;

	if (load_pair(arg, params, &vm, &h, err) == -1)
		return -1;
	judge(&vm, &h, &v);
	*result = verdict_json(&v, NULL);
	return 0;
}

struct possible {
	const struct vm_rec	*vm;
	struct json_object	*list;
};

static int
possible_one(const struct host_rec *h, void *arg)
{
	struct possible *p = arg;
	struct compat_verdict v;

	judge(p->vm, h, &v);
	json_object_array_add(p->list, verdict_json(&v, h->id));
	return 0;
}

/*
 * The hosts of the VM's pool: the pool of the host it runs on (or last
 * ran on, when halted).  A VM on a standalone host has just that host; a
 * VM with no host has none.
 */
int
vm_get_possible_hosts(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct migcheck *m = arg;
	const char *vid = rpc_param_string(params, "vm");
	struct possible p;
	struct host_rec h;
	struct vm_rec vm;
	int rc;

	if ((rc = view_vm(m, vid, &vm)) != 1) {
		if (rc == 0)
			rpc_error_api(err, "HANDLE_INVALID", 2, "VM", vid);
		else
			rpc_error_internal(err, m->dberr);
		return -1;
	}
	p.vm = &vm;
	p.list = json_object_new_array();
	rc = vm.host[0] ? view_host(m, vm.host, &h) : 0;
	if (rc == 1 && h.pool[0])
		rc = view_pool_hosts(m, h.pool, possible_one, &p);
	else if (rc == 1)
		rc = possible_one(&h, &p);
	if (rc == -1) {
		json_object_put(p.list);
		rpc_error_internal(err, m->dberr);
		return -1;
	}
	*result = p.list;
	return 0;
}
