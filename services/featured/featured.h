/*
 * cpulevel-featured: owner of pool, host and VM featureset state.
 *
 * Every method is a row of the table in methods.c: its name, whether it
 * writes, its handler and its params.  Its handler is in the file of its
 * object (host.c, pool.c, vm.c; observe.c for xapi's upserts, lists.c
 * for the get_all_records), named after it: Host.boot is host_boot(),
 * VM.start vm_start().  lib/rpc.c's dispatcher runs each
 * method marked RPC_WRITES inside the transaction of txn.c, which
 * commits before the reply is built and publishes events only for what
 * was committed.
 *
 * The files call one another in one direction only, each the ones
 * before it:
 *
 *	store.c, events.c	the database; the events of a transaction
 *	txn.c			the transaction hooks (db, events)
 *	lookup.c		records looked up for handlers (store)
 *	pool.c			Pool.*, a pool's level (lookup, store, events)
 *	host.c			Host.* (pool, lookup, store, events)
 *	vm.c			VM.* (lookup, store)
 *	observe.c		the idempotent upserts of xapi's state
 *				(pool, host, vm, lookup, store)
 *	lists.c			the *.get_all_records (its own queries)
 *	methods.c		the table of handlers
 *	featured.c		main(): sockets, database, the loop
 */
#ifndef FEATURED_H
#define FEATURED_H

#include <sqlite3.h>

#include "compat.h"
#include "cpuinfo.h"
#include "featureset.h"
#include "records.h"
#include "rpc.h"

/* Events one request may queue; a group's transaction holds as many
 * for each of its requests. */
#define FEATURED_MAX_EVENTS	8
#define FEATURED_TXN_EVENTS	(FEATURED_MAX_EVENTS * RPC_GROUP_MAX)

struct featured {
	sqlite3		*db;
	int		 pub;		/* events socket, -1 if none */
	/* events of the transaction in progress, sent after its commit */
	char		*events[FEATURED_TXN_EVENTS][2];	/* topic, json */
	int		 nevents;
	int		 event_mark;	/* the current request's first */
	char		 dberr[512];	/* the last store error */
	/* set once the database file is found deleted or replaced */
	char		 db_lost[640];
};

/* lists.c: the bounded lists of every host, pool and VM. */
int	host_get_all_records(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);
int	pool_get_all_records(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);
int	vm_get_all_records(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);

/* methods.c */
extern const struct rpc_method featured_methods[];

/* txn.c: the write transaction of RPC_WRITES methods; see there. */
extern const struct rpc_txn featured_txn;

/* events.c */
void	events_queue(struct featured *f, const char *topic, const char *method,
	    struct json_object *params);
void	events_flush(struct featured *f);
void	events_discard(struct featured *f);
/* Drop the events queued since the first'th (a request taken back). */
void	events_discard_from(struct featured *f, int first);
struct json_object *events_set_change(const struct featureset *old,
	    const struct featureset *new);

/* store.c: 1 found, 0 not found, -1 error (reason in f->dberr). */
int	store_host_get(struct featured *f, const char *id, struct host_rec *h);
int	store_host_cpu_info(struct featured *f, const char *id,
	    struct cpuinfo *ci);
int	store_host_put(struct featured *f, const struct host_rec *h,
	    const char *cpu_info_json);
int	store_host_set_pool(struct featured *f, const char *host,
	    const char *pool);
int	store_host_delete(struct featured *f, const char *host);
/* The VMs running on host (suspended ones are resident nowhere). */
int	store_host_resident_vms(struct featured *f, const char *host);
int	store_pool_get(struct featured *f, const char *id, struct pool_rec *p);
int	store_pool_put(struct featured *f, const struct pool_rec *p);
int	store_pool_delete(struct featured *f, const char *id);
int	store_pool_members(struct featured *f, const char *pool,
	    int (*fn)(const struct host_rec *, void *), void *arg);
int	store_history_add(struct featured *f, const char *pool,
	    const char *event, const char *host, const struct pool_rec *old,
	    const struct pool_rec *new);
int	store_history_list(struct featured *f, const char *pool, int limit,
	    struct json_object *out);
int	store_vm_get(struct featured *f, const char *id, struct vm_rec *vm);
int	store_vm_put(struct featured *f, const struct vm_rec *vm);
/* A VM known to have no row yet: one INSERT, not an UPDATE first. */
int	store_vm_add(struct featured *f, const struct vm_rec *vm);
int	store_vm_delete(struct featured *f, const char *id);
/* The VMs whose host was host keep none (a forgotten host's). */
int	store_host_clear_vms(struct featured *f, const char *host);
/*
 * Every id featured holds, in the order (kind, id) with kind 0 a pool,
 * 1 a host, 2 a VM: up to limit after (after_kind, after_id), each
 * given to fn.  0, or -1 (f->dberr).
 */
int	store_inventory(struct featured *f, int after_kind,
	    const char *after_id, int limit,
	    int (*fn)(int, const char *, void *), void *arg);

/*
 * lookup.c.  Each returns 0, or -1 with err filled: HANDLE_INVALID
 * naming the class and id, or an internal error with the store's reason.
 */
/* The store failed: an internal error carrying its reason (f->dberr). */
int	store_error(struct featured *f, struct rpc_error *err);
/* found is a store_*_get's answer (1, 0 or -1) for the class's id. */
int	lookup_found(struct featured *f, int found, const char *class,
	    const char *id, struct rpc_error *err);
int	host_load(struct featured *f, const char *id, struct host_rec *h,
	    struct rpc_error *err);
int	pool_load(struct featured *f, const char *id, struct pool_rec *p,
	    struct rpc_error *err);
int	vm_load(struct featured *f, const char *id, struct vm_rec *vm,
	    struct rpc_error *err);
/* The host's set of a kind: default (level) or max (migration). */
const struct featureset *host_default_set(const struct host_rec *h,
	    enum domain_type dt);
const struct optfs *host_max_set(const struct host_rec *h,
	    enum domain_type dt);

/* The handlers (rpc_handler): 0 with *result, or -1 with err. */

/* host.c */
int	host_boot(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	host_get_cpu_info(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	host_destroy(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
/* The host's sets and counts from its cpu_info (checked to parse). */
void	host_from_cpu_info(struct host_rec *h, const struct cpuinfo *ci);
/* The sets the host lost from old to new (NULL: none), for the event. */
struct json_object *host_lost_sets(const struct cpuinfo *old,
	    const struct cpuinfo *new);
/* Queue host.features_lost; the event takes sets. */
void	host_report_lost(struct featured *f, const struct host_rec *h,
	    struct json_object *sets);

/* pool.c */
int	pool_join(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	pool_eject(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	pool_get_cpu_info(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	pool_get_level_history(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);
/* Recompute a pool from its members; *changed if its level moved. */
int	pool_recalc(struct featured *f, const char *pool, const char *event,
	    const char *host, int *changed, struct rpc_error *err);
/* 1 if a member of pool other than host has a vendor other than vendor. */
int	pool_other_vendor(struct featured *f, const char *pool,
	    const char *host, const char *vendor);
/* No VM may run on host; else the XenAPI error code [host]. */
int	no_resident_vms(struct featured *f, const char *host, const char *code,
	    struct rpc_error *err);
/* Take host out of its pool (deleting an emptied pool). */
int	pool_leave(struct featured *f, const struct host_rec *h,
	    const char *event, int *changed, struct rpc_error *err);

/* vm.c */
int	vm_start(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_migrate(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_suspend(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_resume(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_shutdown(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_reboot(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_import(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_get_cpu_flags(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_destroy(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
/* VM.import's landing rule for carried last_boot_CPU_flags; see there. */
void	vm_carried_flags(struct vm_rec *vm, const struct host_rec *h,
	    struct json_object *flags);

/* observe.c: xapi's state recorded as it is (issue 12, section 1). */
int	pool_observe(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	host_observe(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	host_forget(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_observe(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_forget(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	service_inventory(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);

#endif
