/*
 * The benchmarks' world: pools of hosts and running VMs as featured would
 * have stored them, their database, and random migration requests, with
 * the few helpers both bench_migcheck and bench_dispatch need.  Both
 * measure the same world.  Everything
 * is deterministic (a seeded generator), so two runs measure the same
 * requests.
 */
#ifndef BENCH_WORLD_H
#define BENCH_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "featureset.h"

#define POOL_SIZE	64	/* hosts a pool */
#define NWORDS		19	/* Xen 4.17's featureset length */
#define UUID_LEN	36

void	*xcalloc(size_t n, size_t size);
size_t	 rng_below(size_t n);
void	 make_uuid(char out[UUID_LEN + 1]);
/* A command-line count from min to 10^8, or die() naming the option. */
size_t	 parse_size(const char *s, const char *what, size_t min);
/* A fresh directory $TMPDIR/name.XXXXXX (/tmp by default), or die(). */
void	 make_tmpdir(char *dir, size_t len, const char *name);
/* dir and all below it; what cannot go stays. */
void	 remove_tree(const char *dir);

struct vendor_sets {
	const char	*vendor;
	const char	*model;
	uint32_t	 full[NWORDS];
	uint32_t	 old_clear[NWORDS];
};
#define NVENDORS	2

extern const struct vendor_sets vendors[NVENDORS];

/* Indexes into a vendor's four sets. */
enum { SET_FULL_HVM, SET_FULL_PV, SET_OLD_HVM, SET_OLD_PV, NSETS };

/* The sets as featured stores them; make_sets() fills them first. */
extern char set_text[NVENDORS][NSETS][FS_STRING_MAX];
void	make_sets(void);
/* The set a VM carries, or a host offers a VM of its kind. */
int	set_index(int full, int pv);

struct world {
	size_t	 nhosts, nvms, npools;
	char	(*host_id)[UUID_LEN + 1];
	char	(*pool_id)[UUID_LEN + 1];
	char	(*vm_id)[UUID_LEN + 1];
	unsigned char *host_old;
	unsigned char *vm_full;		/* booted with the full set */
	unsigned char *vm_pv;
	size_t	*vm_host;
};

int	host_vendor(size_t h);
size_t	pool_first(size_t p);
size_t	pool_len(const struct world *w, size_t p);
/* Set nhosts and nvms, then: a fresh database at path, as featured's. */
void	world_fill(const char *path, struct world *w);
/*
 * The in-process benchmarks' start: make_sets(), a fresh dir
 * (make_tmpdir(), named after name), and world_fill() of db, its
 * cpulevel.db.
 */
void	world_fill_tmp(const char *name, char *dir, size_t dirlen, char *db,
	    size_t dblen, struct world *w);
void	world_free(struct world *w);

struct reqs {
	size_t		 n;
	char		**text;
	size_t		*len;
	unsigned char	*incompat;	/* the answer we expect */
	size_t		*vm, *host;
	double		 incompat_share;
};

/* n requests; r->incompat[i] is the verdict the rule must give. */
void	make_reqs(const struct world *w, size_t n, struct reqs *r);
void	reqs_free(struct reqs *r);

#endif
