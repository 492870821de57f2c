/*
 * Every method featured answers: its name, whether it writes, its handler
 * and its params.  The dispatcher (lib/rpc.c) checks params against these
 * rows before a handler runs, and runs an RPC_WRITES handler inside the
 * write transaction of txn.c: begun before it, committed before the
 * reply.  proto/README.md documents each one.
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
/* The upserts of xapi's state (observe.c): ids are xapi's uuids. */
static const struct rpc_param p_pool_observe[] = {
	{ "pool", P_ID, 1 }, { "master", P_ID, RPC_NULLABLE },
	{ NULL, 0, 0 } };
static const struct rpc_param p_host_observe[] = {
	{ "host", P_ID, 1 }, { "pool", P_ID, 1 },
	{ "cpu_info", P_CPUINFO, 1 }, { "hvm_capable", P_BOOL, 1 },
	{ NULL, 0, 0 } };
static const struct rpc_param p_vm_observe[] = {
	{ "vm", P_ID, 1 }, { "power_state", P_POWER_STATE, 1 },
	{ "host", P_ID, RPC_NULLABLE },
	{ "domain_type", P_DOMAIN_TYPE, RPC_NULLABLE },
	{ "last_boot_CPU_flags", P_FLAGS, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_pool_filter[] = {
	{ "pool", P_ID, 0 }, { NULL, 0, 0 } };
static const struct rpc_param p_vm_filter[] = {
	{ "pool", P_ID, 0 }, { "host", P_ID, 0 }, { NULL, 0, 0 } };
/* baseline: "x86-64-vN" or a featureset; baseline.c checks which. */
static const struct rpc_param p_check_baseline[] = {
	{ "pool", P_ID, 1 }, { "baseline", P_STRING, 1 }, { NULL, 0, 0 } };
static const struct rpc_param p_inventory[] = {
	{ "after", P_STRING, 0 }, { "limit", P_INT, 0 }, { NULL, 0, 0 } };

const struct rpc_method featured_methods[] = {
	{ "Host.boot",		RPC_WRITES,	host_boot,	p_host_boot },
	{ "Host.get_cpu_info",	RPC_READS,	host_get_cpu_info, p_host },
	{ "Host.destroy",	RPC_WRITES,	host_destroy,	p_host },
	{ "Pool.join",		RPC_WRITES,	pool_join,	p_pool_join },
	{ "Pool.eject",		RPC_WRITES,	pool_eject,	p_pool_eject },
	{ "Pool.get_cpu_info",	RPC_READS,	pool_get_cpu_info, p_pool },
	{ "Pool.get_level_history", RPC_READS,	pool_get_level_history,
	    p_history },
	{ "VM.start",		RPC_WRITES,	vm_start,	p_vm_start },
	{ "VM.migrate",		RPC_WRITES,	vm_migrate,	p_vm_host },
	{ "VM.suspend",		RPC_WRITES,	vm_suspend,	p_vm },
	{ "VM.resume",		RPC_WRITES,	vm_resume,	p_vm_host },
	{ "VM.shutdown",	RPC_WRITES,	vm_shutdown,	p_vm },
	{ "VM.reboot",		RPC_WRITES,	vm_reboot,	p_vm },
	{ "VM.import",		RPC_WRITES,	vm_import,	p_vm_import },
	{ "VM.get_cpu_flags",	RPC_READS,	vm_get_cpu_flags, p_vm },
	{ "VM.destroy",		RPC_WRITES,	vm_destroy,	p_vm },
	{ "Pool.observe",	RPC_WRITES,	pool_observe,	p_pool_observe },
	{ "Host.observe",	RPC_WRITES,	host_observe,	p_host_observe },
	{ "Host.forget",	RPC_WRITES,	host_forget,	p_host },
	{ "VM.observe",		RPC_WRITES,	vm_observe,	p_vm_observe },
	{ "VM.forget",		RPC_WRITES,	vm_forget,	p_vm },
	{ "Service.inventory",	RPC_READS,	service_inventory,
	    p_inventory },
	{ "Host.get_all_records", RPC_READS,	host_get_all_records,
	    p_pool_filter },
	{ "Pool.get_all_records", RPC_READS,	pool_get_all_records,
	    rpc_no_params },
	{ "VM.get_all_records",	RPC_READS,	vm_get_all_records,
	    p_vm_filter },
	{ "Pool.check_baseline", RPC_READS,	pool_check_baseline,
	    p_check_baseline },
	/* The answers before acting: preview.c, evacuate.c, restart.c. */
	{ "Pool.preview_join",	RPC_READS,	pool_preview_join,
	    p_pool_eject },
	{ "Pool.preview_eject",	RPC_READS,	pool_preview_eject,
	    p_pool_eject },
	{ "Host.preview_boot",	RPC_READS,	host_preview_boot,
	    p_host_boot },
	{ "Host.get_vms_which_prevent_evacuation", RPC_READS,
	    host_get_vms_which_prevent_evacuation, p_host },
	{ "Host.plan_evacuation", RPC_READS,	host_plan_evacuation, p_host },
	{ "Pool.get_vms_needing_restart", RPC_READS,
	    pool_get_vms_needing_restart, p_pool },
	{ "VM.check_restart_on", RPC_READS,	vm_check_restart_on,
	    p_vm_host },
	{ "Service.version",	RPC_READS,	rpc_service_version,
	    rpc_no_params },
	{ NULL,			0,		NULL,		NULL }
};
