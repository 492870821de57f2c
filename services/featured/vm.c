/*
 * VM.* methods.  A VM is given the pool level of its kind when it starts
 * (or reboots) and keeps that set, fixed, through migrate, suspend and
 * resume until it halts.  Moves are checked with the shared rule of
 * lib/compat.c against the destination's max set.
 */
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "featured.h"
#include "log.h"
#include "strlcpy.h"

static int
vm_in_state(const struct vm_rec *vm, enum power_state expected,
    struct rpc_error *err)
{
	if (vm->power_state == expected)
		return 0;
	rpc_error_api(err, "VM_BAD_POWER_STATE", 3, vm->id,
	    power_state_name(expected), power_state_name(vm->power_state));
	return -1;
}

static int
vm_store(struct featured *f, const struct vm_rec *vm, struct rpc_error *err)
{
	return store_vm_put(f, vm) == -1 ? store_error(f, err) : 0;
}

/*
 * The verdict of one of lib/compat.c's rules on vm and h: 0, or -1 with
 * the XenAPI error it names.  compat_judge: may vm, with its fixed flags
 * and in its power state, be on h?  compat_judge_boot: can h start vm at
 * all, before its flags are given?
 */
static int
vm_judged(const struct vm_rec *vm, const struct host_rec *h,
    void (*judge)(const struct compat_vm *, const struct compat_host *,
    struct compat_verdict *), struct rpc_error *err)
{
	struct compat_verdict v;
	struct compat_host ch;
	struct compat_vm cv;

	rec_vm_compat(vm, &cv);
	rec_host_compat(h, &ch);
	judge(&cv, &ch, &v);
	return compat_error(&v, vm->id, h->id, err);
}

int
vm_level(struct featured *f, const struct host_rec *h,
    enum domain_type domain_type, struct featureset *level,
    struct rpc_error *err)
{
	const struct featureset *set;
	struct compat_sets hs, ps;
	struct pool_rec p;

	if (h->pool[0]) {
		if (store_pool_get(f, h->pool, &p) != 1)
			return store_error(f, err);
		rec_pool_sets(&p, &ps);
	}
	rec_host_sets(h, &hs);
	if ((set = compat_start_set(domain_type, h->pool[0] ? &ps : NULL,
	    &hs)) == NULL) {
		rpc_error_api(err, "HOST_MISSING_CPU_INFO", 2, h->id,
		    domain_default_key(domain_type));
		return -1;
	}
	*level = *set;
	return 0;
}

static struct json_object *
vm_flags_json(const struct vm_rec *vm)
{
	struct json_object *o = json_object_new_object();
	char buf[FS_STRING_MAX];

	json_object_object_add(o, "vendor", vm->has_vendor ?
	    json_object_new_string(vm->vendor) : NULL);
	if (vm->features.present)
		fs_format(&vm->features.fs, buf);
	json_object_object_add(o, "features", vm->features.present ?
	    json_object_new_string(buf) : NULL);
	return o;
}

/*
 * Give vm the current level on h, as a start or a reboot does; is_new:
 * it has no row yet (a first start), so the row is added, not updated.
 */
static int
vm_boot_on(struct featured *f, struct vm_rec *vm, const struct host_rec *h,
    const char *override, int is_new, struct rpc_error *err)
{
	struct featureset level;
	char why[8];

	if (vm_judged(vm, h, compat_judge_boot, err) == -1)
		return -1;
	if (override == NULL) {
		if (vm_level(f, h, vm->domain_type, &level, err) == -1)
			return -1;
	} else
		fs_parse(override, &level, why, sizeof(why));
	strlcpy(vm->host, h->id, sizeof(vm->host));
	vm->power_state = POWER_RUNNING;
	vm->has_vendor = 1;
	strlcpy(vm->vendor, h->vendor, sizeof(vm->vendor));
	vm->features.present = 1;
	vm->features.fs = level;
	vm->legacy = 0;
	/*
	 * The set must fit the host it starts on: an explicit one may not,
	 * and neither may the pool level on a member whose max set of the
	 * kind is missing (a host the level was not folded from).
	 */
	if (vm_judged(vm, h, compat_judge, err) == -1)
		return -1;
	if (is_new)
		return store_vm_add(f, vm) == -1 ? store_error(f, err) : 0;
	return vm_store(f, vm, err);
}

/*
 * VM.start and VM.import: the host params name, and the VM they name:
 * its record when it is stored (1), which must then be halted, or a new
 * record with only its id (0); -1 with err.
 */
static int
vm_halted_or_new(struct featured *f, struct json_object *params,
    struct host_rec *h, struct vm_rec *vm, struct rpc_error *err)
{
	const char *id = rpc_param_string(params, "vm");
	int found;

	if (host_load(f, rpc_param_string(params, "host"), h, err) == -1)
		return -1;
	if ((found = store_vm_get(f, id, vm)) == -1)
		return store_error(f, err);
	if (found && vm_in_state(vm, POWER_HALTED, err) == -1)
		return -1;
	if (!found) {
		memset(vm, 0, sizeof(*vm));
		strlcpy(vm->id, id, sizeof(vm->id));
	}
	return found;
}

int
vm_start(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct featured *f = arg;
	struct host_rec h;
	struct vm_rec vm;
	int found;

	if ((found = vm_halted_or_new(f, params, &h, &vm, err)) == -1)
		return -1;
	vm.domain_type = rpc_param_domain_type(params, "domain_type",
	    DOMAIN_HVM);
	if (vm_boot_on(f, &vm, &h, rpc_param_string(params, "featureset"),
	    !found, err) == -1)
		return -1;
	log_info("VM %s started on %s", vm.id, h.id);
	*result = vm_flags_json(&vm);
	return 0;
}

int
vm_reboot(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct featured *f = arg;
	struct host_rec h;
	struct vm_rec vm;

	if (vm_load(f, rpc_param_string(params, "vm"), &vm, err) == -1 ||
	    vm_in_state(&vm, POWER_RUNNING, err) == -1 ||
	    host_load(f, vm.host, &h, err) == -1 ||
	    vm_boot_on(f, &vm, &h, NULL, 0, err) == -1)
		return -1;
	log_info("VM %s rebooted on %s", vm.id, h.id);
	*result = vm_flags_json(&vm);
	return 0;
}

/* Migrate and resume: the state it must be in, and then running on host. */
static int
vm_move(struct featured *f, struct json_object *params,
    enum power_state from, struct rpc_error *err)
{
	struct host_rec h;
	struct vm_rec vm;

	if (vm_load(f, rpc_param_string(params, "vm"), &vm, err) == -1 ||
	    vm_in_state(&vm, from, err) == -1 ||
	    host_load(f, rpc_param_string(params, "host"), &h, err) == -1 ||
	    vm_judged(&vm, &h, compat_judge, err) == -1)
		return -1;
	strlcpy(vm.host, h.id, sizeof(vm.host));
	vm.power_state = POWER_RUNNING;
	log_info("VM %s %s on %s", vm.id, from == POWER_RUNNING ?
	    "migrated" : "resumed", h.id);
	return vm_store(f, &vm, err);
}

int
vm_migrate(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	(void)result;
	return vm_move(arg, params, POWER_RUNNING, err);
}

int
vm_resume(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	(void)result;
	return vm_move(arg, params, POWER_SUSPENDED, err);
}

int
vm_suspend(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct featured *f = arg;
	struct vm_rec vm;

	(void)result;
	if (vm_load(f, rpc_param_string(params, "vm"), &vm, err) == -1 ||
	    vm_in_state(&vm, POWER_RUNNING, err) == -1)
		return -1;
	vm.power_state = POWER_SUSPENDED;
	return vm_store(f, &vm, err);
}

int
vm_shutdown(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct featured *f = arg;
	struct vm_rec vm;

	(void)result;
	if (vm_load(f, rpc_param_string(params, "vm"), &vm, err) == -1)
		return -1;
	if (vm.power_state == POWER_HALTED)
		return vm_in_state(&vm, POWER_RUNNING, err);
	vm.power_state = POWER_HALTED;
	log_info("VM %s halted", vm.id);
	return vm_store(f, &vm, err);
}

/*
 * The flags vm (its power state and domain type set) lands with on h
 * (NULL: resident nowhere) from the last_boot_CPU_flags it carries
 * (NULL: none).  No vendor is the landing host's; one that is there is
 * copied as it is, empty or not, and judged by the caller (xapi's import
 * does the same).  A running or suspended VM with no features, or with
 * an older toolstack's (4 words or fewer), inherits the host's max set
 * of its kind until its next full start (legacy); a longer set is kept
 * as it is.  VM.import and VM.observe both land VMs this way.
 */
void
vm_carried_flags(struct vm_rec *vm, const struct host_rec *h,
    struct json_object *flags)
{
	const char *fstr = NULL, *vendor = h ? h->vendor : NULL;
	const struct optfs *max;
	struct featureset carried;
	struct json_object *v;
	char why[8];

	if (flags && json_object_object_get_ex(flags, "vendor", &v))
		vendor = json_object_get_string(v);
	if (flags && json_object_object_get_ex(flags, "features", &v))
		fstr = json_object_get_string(v);
	vm->has_vendor = vendor != NULL;
	strlcpy(vm->vendor, vendor ? vendor : "", sizeof(vm->vendor));
	fs_clear(&carried);
	if (fstr)
		fs_parse(fstr, &carried, why, sizeof(why));
	vm->features.present = fstr != NULL;
	vm->features.fs = carried;
	vm->legacy = 0;
	/* A halted VM's next start gives it the pool level anyway. */
	if (h == NULL || vm->power_state == POWER_HALTED)
		return;
	max = host_max_set(h, vm->domain_type);
	if (max->present) {
		vm->features.present = 1;
		vm->legacy = compat_import_set(fstr ? &carried : NULL,
		    &max->fs, &vm->features.fs);
	}
}

int
vm_import(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct featured *f = arg;
	struct json_object *flags = rpc_param_object(params,
	    "last_boot_CPU_flags");
	const char *id = rpc_param_string(params, "vm");
	struct host_rec h;
	struct vm_rec vm;

	if (vm_halted_or_new(f, params, &h, &vm, err) == -1)
		return -1;
	/* An import lands afresh: nothing a halted record held carries over. */
	memset(&vm, 0, sizeof(vm));
	strlcpy(vm.id, id, sizeof(vm.id));
	strlcpy(vm.host, h.id, sizeof(vm.host));
	vm.domain_type = rpc_param_domain_type(params, "domain_type",
	    DOMAIN_HVM);
	vm.power_state = rpc_param_power_state(params, "power_state",
	    POWER_HALTED);
	vm_carried_flags(&vm, &h, flags);
	/*
	 * A running or suspended VM lands with the set it carries: the host
	 * must be able to run it, as for a migration.
	 */
	if (vm_judged(&vm, &h, compat_judge, err) == -1 ||
	    vm_store(f, &vm, err) == -1)
		return -1;
	log_info("VM %s imported on %s (%s%s)", vm.id, h.id,
	    power_state_name(vm.power_state), vm.legacy ? ", legacy" : "");
	*result = vm_flags_json(&vm);
	json_object_object_add(*result, "legacy",
	    json_object_new_boolean(vm.legacy));
	return 0;
}

int
vm_get_cpu_flags(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	struct vm_rec vm;

	if (vm_load(f, rpc_param_string(params, "vm"), &vm, err) == -1)
		return -1;
	*result = vm_flags_json(&vm);
	json_object_object_add(*result, "power_state",
	    json_object_new_string(power_state_name(vm.power_state)));
	json_object_object_add(*result, "host", vm.host[0] ?
	    json_object_new_string(vm.host) : NULL);
	json_object_object_add(*result, "domain_type",
	    json_object_new_string(domain_type_name(vm.domain_type)));
	json_object_object_add(*result, "legacy",
	    json_object_new_boolean(vm.legacy));
	return 0;
}

int
vm_destroy(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct featured *f = arg;
	struct vm_rec vm;

	(void)result;
	if (vm_load(f, rpc_param_string(params, "vm"), &vm, err) == -1)
		return -1;
	if (store_vm_delete(f, vm.id) == -1)
		return store_error(f, err);
	log_info("VM %s destroyed", vm.id);
	return 0;
}
