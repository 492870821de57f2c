/*
 * Every method migcheck answers (proto/README.md).  All of them only
 * read (RPC_READS): migcheck opens the database read-only, and dispatches
 * without transaction hooks.
 */
#include "migcheck.h"

static const struct rpc_param p_vm[] = {
	{ "vm", P_ID, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_vm_host[] = {
	{ "vm", P_ID, 1 }, { "host", P_ID, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_pool[] = {
	{ "pool", P_ID, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_stateless[] = {
	{ "host_cpu_info", P_CPUINFO, 1 }, { "vm_cpu_flags", P_FLAGS, 1 },
	{ "domain_type", P_DOMAIN_TYPE, 1 },
	{ "power_state", P_POWER_STATE, 0 },
	{ "vm", P_ID, 0 }, { "host", P_ID, 0 }, { NULL, 0, 0 } };

const struct rpc_method migcheck_methods[] = {
	{ "VM.assert_can_migrate",	RPC_READS,	vm_assert_can_migrate,
	    p_vm_host },
	{ "VM.check_migrate",		RPC_READS,	vm_check_migrate,
	    p_vm_host },
	{ "VM.get_possible_hosts",	RPC_READS,	vm_get_possible_hosts,
	    p_vm },
	{ "Host.assert_vm_is_compatible", RPC_READS,
	    host_assert_vm_is_compatible, p_stateless },
	{ "Pool.get_level",		RPC_READS,	pool_get_level,
	    p_pool },
	{ "Service.version",		RPC_READS,	rpc_service_version,
	    rpc_no_params },
	{ NULL,				0,		NULL,	NULL }
};
