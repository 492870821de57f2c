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
 *	level.c			a pool's level folded from its members (lookup)
 *	pool.c			Pool.*, a pool's level (level, lookup, store,
 *				events)
 *	host.c			Host.* (pool, lookup, store, events)
 *	vm.c			VM.* (lookup, store)
 *	observe.c		the idempotent upserts of xapi's state
 *				(pool, host, vm, lookup, store)
 *	lists.c			the *.get_all_records (its own queries)
 *	baseline.c		Pool.check_baseline (lookup)
 *	plan.c			a pool's members and VMs in memory (lookup)
 *	planjudge.c		each (VM set, host set) judged once (plan)
 *	preview.c		Pool.preview_join/eject, Host.preview_boot
 *				(plan, level, lookup)
 *	evacuate.c		Host.plan_evacuation and
 *				get_vms_which_prevent_evacuation (plan)
 *	restart.c		Pool.get_vms_needing_restart,
 *				VM.check_restart_on (plan, vm, lookup)
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
	int		 changes_begun;	/* total changes at BEGIN */
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

/* baseline.c: Pool.check_baseline, a read of a pool's level. */
int	pool_check_baseline(void *, struct json_object *,
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
/* 1 known (with its cpu_info in *old), 0 new (only its id), or -1. */
int	host_load_or_new(struct featured *f, const char *id,
	    struct host_rec *h, struct cpuinfo *old, struct rpc_error *err);
int	pool_load(struct featured *f, const char *id, struct pool_rec *p,
	    struct rpc_error *err);
int	vm_load(struct featured *f, const char *id, struct vm_rec *vm,
	    struct rpc_error *err);
/* The host's set of a kind: default (level) or max (migration). */
const struct featureset *host_default_set(const struct host_rec *h,
	    enum domain_type dt);
const struct optfs *host_max_set(const struct host_rec *h,
	    enum domain_type dt);

/*
 * level.c: a pool's level from its members, for pool_recalc() and the
 * previews alike.  begin (new gets old's id and vendor, no sets), a
 * host at a time in id order, then end (the vendor).
 */
struct level_fold {
	struct pool_rec		*p;
	char			 vendor[CPUINFO_MAX_VENDOR + 1];
	char			 old_vendor[CPUINFO_MAX_VENDOR + 1];
	int			 members, mixed, has_old;
};
void	level_fold_begin(struct level_fold *fo, struct pool_rec *new,
	    const struct pool_rec *old);
void	level_fold_host(struct level_fold *fo, const struct host_rec *h);
/* level_fold_host as a store_pool_members() callback; arg the fold. */
int	level_fold_member(const struct host_rec *h, void *arg);
void	level_fold_end(struct level_fold *fo);

/*
 * plan.c: what the answers before acting (preview.c, evacuate.c,
 * restart.c) load and judge, read once into memory.  Hosts and VMs are
 * sorted into classes of what compat_judge() reads; each (VM class, host
 * class) pair is judged, and its missing features named, once.
 */
struct plan_vm {
	char			 id[RPC_MAX_ID + 1];
	char			 host[RPC_MAX_ID + 1];	/* "" none */
	enum power_state	 power;
	enum domain_type	 domain;
	int			 cls;
	int			 host_index;	/* in hosts[], -1 not there */
};
#define PLAN_HOST_SLOTS	256	/* a pool has 64 members at most */
struct plan_vmkey;
struct plan_hostkey;
struct plan_memo;
struct plan_text;
struct plan {
	struct featured		*f;
	struct host_rec		*hosts;		/* in the order added */
	int			*hcls;
	size_t			 nhosts, hcap, hccap;
	struct plan_vm		*vms;		/* in the database's order */
	size_t			 nvms, vcap;
	struct plan_hostkey	*hkeys;
	size_t			 nhcls, hkcap;
	struct plan_vmkey	*vkeys;
	size_t			 nvcls, vkcap;
	int			*vslot;		/* hash of vkeys: index + 1 */
	size_t			 nslots;
	struct plan_text	*texts;		/* row texts seen, classed */
	size_t			 ntexts, tcap;
	int			*tslot;		/* hash of texts: index + 1 */
	size_t			 ntslots;
	struct plan_memo	*memo;		/* nvcls x nhcls, lazily */
	size_t			 memo_n;
	int			 hslot[PLAN_HOST_SLOTS];	/* hosts' ids */
	size_t			 hslots_for;	/* nhosts when built */
	int			 members_only;	/* loading: drop other VMs */
	size_t			 spent;		/* bytes listed (plan_spend) */
};
/*
 * A list of an answer holds at most PLAN_MAX_LISTED entries, and all the
 * lists of one answer at most PLAN_MAX_BYTES of text, so that it stays
 * well under BUS_MAX_MESSAGE (1 MiB); the counts say how many there are.
 */
#define PLAN_MAX_LISTED	2000
#define PLAN_MAX_BYTES	(512 * 1024)

void	plan_init(struct plan *pl, struct featured *f);
void	plan_free(struct plan *pl);
/* pool's members, in id order (HANDLE_INVALID is the caller's). */
int	plan_load_members(struct plan *pl, const char *pool,
	    struct rpc_error *err);
/* A host of the caller's (a joining one, a rebooted one): its index. */
int	plan_add_host(struct plan *pl, const struct host_rec *h);
int	plan_host_index(const struct plan *pl, const char *id);
/* The running and suspended VMs on pool's members; load members first. */
int	plan_load_pool_vms(struct plan *pl, const char *pool,
	    struct rpc_error *err);
/* The VMs running on host. */
int	plan_load_resident_vms(struct plan *pl, const char *host,
	    struct rpc_error *err);
/* compat_judge() of vms[vm] on hosts[host], memoized; NULL: no memory. */
const struct compat_verdict *plan_judge(struct plan *pl, size_t vm,
	    size_t host);
/* Its missing features named: a new reference, shared; NULL: no memory. */
struct json_object *plan_missing_names(struct plan *pl, size_t vm,
	    size_t host);
/* The VM's fixed set, NULL if it has none. */
const struct featureset *plan_vm_features(const struct plan *pl, size_t vm);
/* The error of vms[vm] on hosts[host] as plan_error_json(), memoized. */
struct json_object *plan_error(struct plan *pl, size_t vm, size_t host);
/* The XenAPI error [code, params...] of a refusal, NULL if it is none. */
struct json_object *plan_error_json(const struct compat_verdict *v,
	    const char *vm, const char *host);
/*
 * The first nhosts hosts but except (-1: none) that vms[vm] may run on:
 * their count, each id added to dests (NULL: not listed).  *nearest is
 * the refusing host with the fewest missing features (a vendor's or a
 * missing key's refusal counts as farthest), -1 if none refused; -1 on
 * no memory.
 */
int	plan_destinations(struct plan *pl, size_t vm, size_t nhosts,
	    int except, struct json_object *dests, int *nearest);
/* Sort a list of {vm, ...} by vm: answers list VMs in id order. */
void	plan_sort_list(struct json_object *list);
/* 1 when list holds PLAN_MAX_LISTED entries already. */
int	plan_list_full(struct json_object *list);
/* 1 (and counted) if bytes more fit the answer's budget, else 0. */
int	plan_spend(struct plan *pl, size_t bytes);
/* The text length of plan_missing_names() (memoized), of any value. */
size_t	plan_names_len(struct plan *pl, size_t vm, size_t host);
size_t	plan_json_len(struct json_object *o);
/* What an entry costs besides its lists: keys, an id, an error. */
#define PLAN_ENTRY_BYTES	(RPC_MAX_ID * 3 + 160)

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
/* The host and pool of a join (a host in another pool refused): found. */
int	pool_join_load(struct featured *f, const char *pool, const char *host,
	    struct host_rec *h, struct pool_rec *p, struct rpc_error *err);
/* The pool and member of an eject (a host not in it refused): 0, -1. */
int	pool_eject_load(struct featured *f, const char *pool, const char *host,
	    struct host_rec *h, struct pool_rec *p, struct rpc_error *err);
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
/*
 * The set a VM of the kind starts with on h: its pool's level, or a
 * standalone host's own default set, by lib/compat.c's
 * compat_start_set(); HOST_MISSING_CPU_INFO where there is none.
 * VM.start, VM.reboot and VM.check_restart_on all take it from here.
 */
int	vm_level(struct featured *f, const struct host_rec *h,
	    enum domain_type domain_type, struct featureset *level,
	    struct rpc_error *err);
/* VM.import's landing rule for carried last_boot_CPU_flags; see there. */
void	vm_carried_flags(struct vm_rec *vm, const struct host_rec *h,
	    struct json_object *flags);

/* preview.c, evacuate.c, restart.c: the answers before acting. */
int	pool_preview_join(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	pool_preview_eject(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);
int	host_preview_boot(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	host_get_vms_which_prevent_evacuation(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);
int	host_plan_evacuation(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);
int	pool_get_vms_needing_restart(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);
int	vm_check_restart_on(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);

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
