/*
 * Every method migcheck answers (proto/README.md).  All of them only
 * read: migcheck opens the database read-only.
 */
#include "migcheck.h"

static const struct rpc_param p_vm[] = {
	{ "vm", P_ID, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_vm_host[] = {
	{ "vm", P_ID, 1 }, { "host", P_ID, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_stateless[] = {
	{ "host_cpu_info", P_CPUINFO, 1 }, { "vm_cpu_flags", P_FLAGS, 1 },
	{ "domain_type", P_DOMAIN_TYPE, 1 },
	{ "power_state", P_POWER_STATE, 0 },
	{ "vm", P_ID, 0 }, { "host", P_ID, 0 }, { NULL, 0, 0 } };

const struct rpc_method migcheck_methods[] = {
	{ "VM.assert_can_migrate",	vm_assert_can_migrate,	p_vm_host },
	{ "VM.check_migrate",		vm_check_migrate,	p_vm_host },
	{ "VM.get_possible_hosts",	vm_get_possible_hosts,	p_vm },
	{ "Host.assert_vm_is_compatible", host_assert_vm_is_compatible,
	    p_stateless },
	{ "Service.version",		rpc_service_version,	rpc_no_params },
	{ NULL,				NULL,			NULL }
};
