/*
 * Group commit.  featured's writers each cost one fdatasync when each
 * commits alone (synchronous=FULL), and the disk's flush is most of a
 * write's time.  The requests that arrived together, in one wake-up of
 * the loop, are applied in one transaction instead, each in a savepoint
 * of its own, so that a refused or failed request takes back only its
 * own changes; one commit makes them all durable with one fdatasync,
 * and only then is each answered, with its own result.  What was
 * promised holds as before: no client hears of a change before it is
 * on disk, and a commit that fails answers every request of the group
 * with its error, none as a success.
 *
 * A reader commits the group before it, so that it reads only what is
 * committed and needs no transaction; a request refused before its
 * handler (malformed, unknown, bad params) is answered at once.
 */
#include <string.h>

#include "rpc.h"

void
rpc_group_init(struct rpc_group *g, const struct rpc_method *methods,
    const struct rpc_txn *txn, void *ctx,
    void (*answer)(void *, void *, char *, const struct rpc_outcome *),
    void *arg)
{
	memset(g, 0, sizeof(*g));
	g->methods = methods;
	g->txn = txn;
	g->ctx = ctx;
	g->answer = answer;
	g->arg = arg;
}

static void
answer(struct rpc_group *g, struct rpc_group_call *gc, void *tag,
    const struct rpc_error *failed)
{
	char *reply = rpc_call_reply(&gc->c, failed);

	g->answer(g->arg, tag, reply, &gc->out);
}

size_t
rpc_group_commit(struct rpc_group *g)
{
	struct rpc_error failed;
	size_t i, n = g->n;

	if (!g->open)
		return 0;
	memset(&failed, 0, sizeof(failed));
	if (g->lost) {
		rpc_error_internal(&failed, "the transaction was lost: a "
		    "request's changes could not be undone, so none of its "
		    "group was committed");
		g->txn->abort(g->ctx);
	} else if (g->txn->commit(g->ctx, &failed) == -1)
		g->txn->abort(g->ctx);
	g->open = g->lost = 0;
	/* bench/featured counts these against the flushes strace sees. */
	if (log_verbose())
		log_debug("%zu writers in one transaction%s", n,
		    failed.code != 0 ? ", not committed" : "");
	for (i = 0; i < g->n; i++)
		answer(g, &g->call[i], g->call[i].tag,
		    failed.code != 0 ? &failed : NULL);
	g->n = 0;
	json_object_put(failed.data);
	return n;
}

/*
 * A writer in the group's transaction, in a savepoint of its own.  A
 * savepoint that cannot be made, or undone, leaves the transaction in a
 * state nobody can vouch for: the group ends there, and fails whole.
 */
static void
group_write(struct rpc_group *g, const struct rpc_method *meth,
    struct rpc_group_call *gc, void *tag)
{
	const struct rpc_txn *t = g->txn;
	struct rpc_call *c = &gc->c;

	if (!g->open) {
		if (t->begin(g->ctx, &c->err) == -1) {
			answer(g, gc, tag, NULL);
			return;
		}
		g->open = 1;
	}
	gc->tag = tag;
	g->n++;
	if (t->enter(g->ctx, &c->err) == -1)
		g->lost = 1;
	else {
		c->result = rpc_call_handler(meth, g->ctx, c->params, &c->err);
		if (c->err.code != 0 || t->leave(g->ctx, &c->err) == -1) {
			json_object_put(c->result);
			c->result = NULL;
			if (t->undo(g->ctx) == -1)
				g->lost = 1;
		}
	}
	if (g->lost || g->n == RPC_GROUP_MAX)
		rpc_group_commit(g);
}

void
rpc_group_take(struct rpc_group *g, const char *msg, size_t len, void *tag)
{
	struct rpc_group_call *gc = &g->call[g->n];
	const struct rpc_method *meth;

	if ((meth = rpc_call_open(g->methods, msg, len, &gc->c,
	    &gc->out)) == NULL) {
		answer(g, gc, tag, NULL);
		return;
	}
	if (meth->access == RPC_WRITES && g->txn != NULL &&
	    g->txn->enter != NULL) {
		group_write(g, meth, gc, tag);
		return;
	}
	/* After the commit, gc is still the slot past the group's last. */
	rpc_group_commit(g);
	rpc_call_run(meth, g->txn, g->ctx, &gc->c);
	answer(g, gc, tag, NULL);
}
