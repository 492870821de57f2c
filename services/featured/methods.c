/*
 * Every method featured answers: its name, its handler and its params.
 * The dispatcher (lib/rpc.c) checks params against these rows before a
 * handler runs.  proto/README.md documents each one.
 */
#include "featured.h"

static const struct rpc_param p_host[] = {
	{ "host", P_ID, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_pool[] = {
	{ "pool", P_ID, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_vm[] = {
	{ "vm", P_ID, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_vm_host[] = {
	{ "vm", P_ID, 1 }, { "host", P_ID, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_host_boot[] = {
	{ "host", P_ID, 1 }, { "cpu_info", P_CPUINFO, 1 },
	{ "hvm_capable", P_BOOL, 0 }, { NULL, 0, 0 } };
static const struct rpc_param p_pool_join[] = {
	{ "pool", P_ID, 1 }, { "host", P_ID, 1 }, { "force", P_BOOL, 0 },
	{ NULL, 0, 0 } };
static const struct rpc_param p_pool_eject[] = {
	{ "pool", P_ID, 1 }, { "host", P_ID, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_history[] = {
	{ "pool", P_ID, 1 }, { "limit", P_INT, 0 }, { NULL, 0, 0 } };
static const struct rpc_param p_vm_start[] = {
	{ "vm", P_ID, 1 }, { "host", P_ID, 1 },
	{ "domain_type", P_DOMAIN_TYPE, 1 }, { "featureset", P_FEATURESET, 0 },
	{ NULL, 0, 0 } };
static const struct rpc_param p_vm_import[] = {
	{ "vm", P_ID, 1 }, { "host", P_ID, 1 },
	{ "domain_type", P_DOMAIN_TYPE, 1 },
	{ "power_state", P_POWER_STATE, 1 },
	{ "last_boot_CPU_flags", P_FLAGS, 0 }, { NULL, 0, 0 } };

const struct rpc_method featured_methods[] = {
	{ "Host.boot",			host_boot,		p_host_boot },
	{ "Host.get_cpu_info",		host_get_cpu_info,	p_host },
	{ "Host.destroy",		host_destroy,		p_host },
	{ "Pool.join",			pool_join,		p_pool_join },
	{ "Pool.eject",			pool_eject,		p_pool_eject },
	{ "Pool.get_cpu_info",		pool_get_cpu_info,	p_pool },
	{ "Pool.get_level_history",	pool_get_level_history,	p_history },
	{ "VM.start",			vm_start,		p_vm_start },
	{ "VM.migrate",			vm_migrate,		p_vm_host },
	{ "VM.suspend",			vm_suspend,		p_vm },
	{ "VM.resume",			vm_resume,		p_vm_host },
	{ "VM.shutdown",		vm_shutdown,		p_vm },
	{ "VM.reboot",			vm_reboot,		p_vm },
	{ "VM.import",			vm_import,		p_vm_import },
	{ "VM.get_cpu_flags",		vm_get_cpu_flags,	p_vm },
	{ "VM.destroy",			vm_destroy,		p_vm },
	{ "Service.version",		rpc_service_version,	rpc_no_params },
	{ NULL,				NULL,			NULL }
};
