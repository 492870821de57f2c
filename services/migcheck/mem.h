/*
 * migcheck's snapshot of the database in memory (mem.c): the hosts, the
 * pools and the VMs as one committed transaction left them, each
 * featureset and each short string (a vendor, a VM's host) stored once
 * however many rows share it, and looked up by primary key in a hash
 * table.  load.c fills it from sqlite; view.c answers from it.
 *
 * Sizes: a VM is 24 bytes of record, its id in an arena and 4 bytes of
 * hash table; a host or a pool a few hundred bytes, as there are few.
 * bench/README.md gives the account at 100,000 and 1,000,000 VMs.
 */
#ifndef MIGCHECK_MEM_H
#define MIGCHECK_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "records.h"

/* A row whose stored featureset does not parse: refused, as sqlite's. */
struct mem_bad {
	char		*table, *id, *column;
	char		*err;			/* the refusal, as records.c's */
	struct mem_bad	*next;
};

/* Strings and featuresets stored once, counted (0 is "none"). */
struct mem_strs {
	struct mem_str {
		char		*s;
		uint32_t	 hash, refs, next;
	}		*v;
	uint32_t	*heads, nheads, len, cap, free, count;
};
struct mem_sets {
	struct mem_set {
		struct featureset fs;
		char		*text;		/* as stored: the key */
		uint32_t	 hash, refs, next;
	}		*v;
	uint32_t	*heads, nheads, len, cap, free, count;
};

struct mem_vm {
	uint32_t	id;			/* offset in ids */
	uint32_t	next;			/* hash chain or free list */
	uint32_t	host, vendor;		/* strs; vendor 0: NULL */
	uint32_t	features;		/* sets; 0: NULL */
	uint8_t		domain_type, power_state, legacy, bad;
};

struct mem_host {
	char		 id[RPC_MAX_ID + 1];
	char		 pool[RPC_MAX_ID + 1];		/* "" standalone */
	char		 vendor[CPUINFO_MAX_VENDOR + 1];
	int		 hvm_capable;
	uint32_t	 pv, hvm;		/* sets; 0: NULL */
	const char	*pv_err, *hvm_err;	/* an unreadable set's refusal */
	struct mem_host	*next;
};

struct mem_pool {
	struct pool_rec	 rec;
	const char	*err;		/* the first unreadable set's refusal */
	struct mem_pool	*next;
};

struct mem {
	struct mem_strs	 strs;
	struct mem_sets	 sets;
	struct mem_vm	*vms;			/* [0] unused */
	uint32_t	*vm_heads, vm_nheads, vm_len, vm_cap, vm_free;
	uint32_t	 nvms;
	char		*ids;			/* VM ids, NUL-terminated */
	size_t		 ids_len, ids_cap, ids_dead;
	struct mem_host	*hosts[256];
	struct mem_pool	*pools[64];
	size_t		 nhosts, npools;
	struct mem_bad	*bad;
};

/* intern.c: tables of entries stored once, counted (0: none). */
uint32_t mem_hash(const void *p, size_t n);
/*
 * Chains for one more entry than count: at a doubling every entry in use
 * (used) is chained again, by hash_of, through next_of.  0, or -1.
 */
int	mem_chains_fit(uint32_t **heads, uint32_t *nheads, uint32_t count,
	    uint32_t len, uint32_t (*hash_of)(const void *, uint32_t),
	    uint32_t *(*next_of)(void *, uint32_t), void *t,
	    int (*used)(const void *, uint32_t));
/* A fresh index of an array of elem-sized entries; 0 out of memory. */
uint32_t mem_slot_new(void **v, size_t elem, uint32_t *len, uint32_t *cap);
uint32_t mem_str_get(struct mem_strs *t, const char *s);
void	mem_str_put(struct mem_strs *t, uint32_t i);
/* The set stored as text, its count raised; 0: none (find), no memory. */
uint32_t mem_set_find(struct mem_sets *t, const char *text);
uint32_t mem_set_get(struct mem_sets *t, const char *text,
	    const struct featureset *fs);
void	mem_set_put(struct mem_sets *t, uint32_t i);
/* An optional set in (*out 0: absent), or -1; and out again. */
int	mem_set_opt(struct mem_sets *t, const struct optfs *o, uint32_t *out);
void	mem_set_into(const struct mem_sets *t, uint32_t i, struct optfs *o);

/* mem.c */
void	mem_clear(struct mem *m);
/* Bytes held, for the log and the benchmark. */
size_t	mem_bytes(const struct mem *m);
/* Too much dead space in the id arena: a full load compacts it. */
int	mem_wants_compaction(const struct mem *m);

/*
 * Put a row, replacing one of the same id; err non-NULL marks column of
 * it unreadable (the refusal to give).  0, or -1 out of memory (the
 * snapshot is then incomplete: the caller loads it all again).  A VM's
 * set is given as an index of m->sets whose count the row takes over.
 */
int	mem_vm_put(struct mem *m, const struct vm_rec *vm, uint32_t features,
	    const char *err);
void	mem_vm_del(struct mem *m, const char *id);
int	mem_host_put(struct mem *m, const struct host_rec *h,
	    const char *pv_err, const char *hvm_err);
void	mem_host_del(struct mem *m, const char *id);
int	mem_pool_put(struct mem *m, const struct pool_rec *p, const char *err);
void	mem_pool_del(struct mem *m, const char *id);

/*
 * Look-ups: 1 found (with the record filled in), 0 not, -1 the row's
 * set is unreadable (*err its refusal).  A VM's host is "" when NULL.
 */
int	mem_vm_get(const struct mem *m, const char *id, struct vm_rec *vm,
	    const char **err);
const struct mem_host *mem_host_get(const struct mem *m, const char *id);
/* A host as a check reads it: the max sets of what (REC_HOST_PV...). */
int	mem_host_rec(const struct mem *m, const struct mem_host *mh, int what,
	    struct host_rec *h, const char **err);
const struct mem_pool *mem_pool_get(const struct mem *m, const char *id);
/* The hosts of a pool in id order (malloc'd; *n of them), or NULL. */
const struct mem_host **mem_pool_hosts(const struct mem *m, const char *pool,
	    size_t *n);

#endif
