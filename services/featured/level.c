/*
 * A pool's level folded from its members' sets: the one computation
 * both the real recalculation (pool.c's pool_recalc, after a join, an
 * eject or a member's boot) and every preview (preview.c) run, so that
 * a preview cannot drift from what the action then does.  The caller
 * hands the members in id order, the order the store gives them: the
 * RSBA/RRSBA fix-up of the combine is applied fold by fold.
 */
#include <string.h>

#include "compat.h"
#include "featured.h"
#include "strlcpy.h"

static void
fold_set(struct featureset *level, const struct featureset *member)
{
	if (member)
		level_merge(level, member);
}

static const struct featureset *
optfs_get(const struct optfs *o)
{
	return o->present ? &o->fs : NULL;
}

void
level_fold_begin(struct level_fold *fo, struct pool_rec *new,
    const struct pool_rec *old)
{
	memset(fo, 0, sizeof(*fo));
	memset(new, 0, sizeof(*new));
	strlcpy(new->id, old->id, sizeof(new->id));
	strlcpy(new->vendor, old->vendor, sizeof(new->vendor));
	fo->p = new;
	strlcpy(fo->old_vendor, old->vendor, sizeof(fo->old_vendor));
}

void
level_fold_host(struct level_fold *fo, const struct host_rec *h)
{
	struct pool_rec *p = fo->p;

	fold_set(&p->pv_host, host_default_set(h, DOMAIN_PV));
	fold_set(&p->pv, optfs_get(&h->pv));
	if (h->hvm_capable) {
		fold_set(&p->hvm_host, host_default_set(h, DOMAIN_HVM));
		fold_set(&p->hvm, optfs_get(&h->hvm));
	}
	p->cpu_count += h->cpu_count;
	p->socket_count += h->socket_count;
	if (fo->members++ == 0)
		strlcpy(fo->vendor, h->vendor, sizeof(fo->vendor));
	else if (strcmp(fo->vendor, h->vendor) != 0)
		fo->mixed = 1;
	if (strcmp(fo->old_vendor, h->vendor) == 0)
		fo->has_old = 1;
}

int
level_fold_member(const struct host_rec *h, void *arg)
{
	level_fold_host(arg, h);
	return 0;
}

void
level_fold_end(struct level_fold *fo)
{
	/*
	 * The pool's vendor is its members': the founder may have left.  A
	 * pool forced to mix vendors keeps the one it had while a member
	 * still has it, else takes the first member's.
	 */
	if (fo->members > 0 && (!fo->mixed || !fo->has_old))
		strlcpy(fo->p->vendor, fo->vendor, sizeof(fo->p->vendor));
}
