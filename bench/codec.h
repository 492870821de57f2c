/*
 * The codec floor: migcheck without its database.  It is lib/server.c's
 * loop (in bench_migcheck) and lib/rpc.c's dispatch with migcheck's
 * parameter rules, and it judges with the same compat_judge() on parsed
 * sets; only it finds the VM and the host in this program's memory (a
 * binary search of the ids, as a B-tree's) rather than in migcheck's
 * snapshot.  So codec/bare is what the JSON-RPC work costs, and
 * migcheck/codec what migcheck's own look-up does: no migcheck that
 * parses its requests with json-c could cost less.
 */
#ifndef BENCH_CODEC_H
#define BENCH_CODEC_H

#include <stddef.h>

#include "compat.h"
#include "rpc.h"
#include "world.h"

struct codec {
	const struct world	*w;
	size_t			*vm_order, *host_order;	/* sorted by id */
	struct featureset	 sets[NVENDORS][NSETS];
};

extern const struct rpc_method codec_methods[];

/* The world's ids sorted and its sets parsed: 0, or -1 (err). */
int	codec_init(struct codec *c, const struct world *w, char *err,
	    size_t errlen);
int	codec_assert_can_migrate(void *arg, struct json_object *params,
	    struct json_object **result, struct rpc_error *err);

#endif
