/*
 * bench_dispatch: migcheck's request path in-process, without the
 * transport.  It fills a database with the benchmark's world, opens it as
 * migcheck does, and hands requests to rpc_dispatch() with migcheck's own
 * method table: VM.assert_can_migrate after VM.assert_can_migrate, each
 * verdict checked.  It prints the time a call takes with warm caches.
 *
 * Timings on a shared machine wander; a count of instructions does not.
 * bench/instructions runs this under callgrind, counting only the measured
 * calls (made through dispatch_measured()), and prints how many
 * instructions a call costs and where they go, which shows what a change
 * to the request path gains or loses.  (SQLite measures itself that way.)
 *
 * With --after-commit, another connection (featured's part) commits a
 * change to one VM before each call, as VM.start would, so that every
 * measured check is the first after a commit: it finds sqlite's WAL
 * index moved and reads the change log and that row before it answers.
 * Only the check is counted, not the commit.
 *
 * With --after-event, the same, but each commit's event is taken as
 * delivered: migcheck's loop makes the refresh ahead (view_ahead(), what
 * services/migcheck/follow.c calls) before the check arrives.  The check
 * is counted under dispatch_measured(), the refresh under
 * ahead_measured(): its instructions are still spent, off the request
 * path.  (The event's own receipt, nanomsg's, is not in either.)
 *
 * With --codec, the calls go to the codec floor (codec.h) instead:
 * migcheck's dispatch and rule, with the look-up a binary search of the
 * world's own arrays.  No migcheck could cost fewer instructions.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "codec.h"
#include "log.h"
#include "migcheck.h"
#include "rpc.h"
#include "world.h"

#define DEFAULT_CALLS	20000
#define WARMUP_CALLS	20000	/* enough to bring the 64 x 10k database in */

static char tmpdir[128];	/* "" until made */

/* What die() leaves: nothing. */
static void
remove_tmpdir(void)
{
	if (tmpdir[0])
		remove_tree(tmpdir);
}

/* The verdict is the one the world was built to give. */
static int
verdict_ok(const struct reqs *r, size_t i, const struct rpc_outcome *o)
{
	if (r->incompat[i])
		return o->code == RPC_API_ERROR &&
		    strcmp(o->message, "VM_INCOMPATIBLE_WITH_THIS_HOST") == 0;
	return o->code == 0;
}

/* Not inlined: callgrind counts the instructions below this name only. */
__attribute__((noinline)) char *
dispatch_measured(const struct rpc_method *methods, void *ctx,
    const char *msg, size_t len, struct rpc_outcome *o)
{
	return rpc_dispatch(methods, NULL, ctx, msg, len, o);
}

/* Not inlined either: the refresh ahead, counted apart from the check. */
__attribute__((noinline)) int
ahead_measured(struct migcheck *m)
{
	return view_ahead(m);
}

/*
 * featured's part in --after-commit: one VM row rewritten, so that its
 * trigger logs it, in a transaction of its own.
 */
struct writer {
	sqlite3		*db;
	sqlite3_stmt	*st;
};

static void
writer_open(struct writer *wr, const char *path)
{
	if (sqlite3_open_v2(path, &wr->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(wr->db, "UPDATE vm SET legacy = "
	    "legacy WHERE id = ?", -1, &wr->st, NULL) != SQLITE_OK)
		die("writer: %s", sqlite3_errmsg(wr->db));
	/* The commit is not measured: spare its fsync. */
	sqlite3_exec(wr->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
}

static void
writer_commit(struct writer *wr, const char *vm)
{
	sqlite3_bind_text(wr->st, 1, vm, -1, SQLITE_STATIC);
	if (sqlite3_step(wr->st) != SQLITE_DONE)
		die("writer: %s", sqlite3_errmsg(wr->db));
	sqlite3_reset(wr->st);
}

static void
writer_close(struct writer *wr)
{
	sqlite3_finalize(wr->st);
	sqlite3_close(wr->db);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: bench_dispatch [--hosts N] [--vms M] [--calls K] "
	    "[--after-commit | --after-event | --codec]\n"
	    "                      [--keep]\n\n"
	    "Defaults: 64 hosts, 10000 VMs, %d calls (after %d unmeasured "
	    "ones).\n", DEFAULT_CALLS, WARMUP_CALLS);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hosts",	required_argument,	NULL, 'H' },
		{ "vms",	required_argument,	NULL, 'V' },
		{ "calls",	required_argument,	NULL, 'k' },
		{ "keep",	no_argument,		NULL, 'K' },
		{ "after-commit", no_argument,		NULL, 'a' },
		{ "after-event", no_argument,		NULL, 'e' },
		{ "codec",	no_argument,		NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct world w = { .nhosts = 64, .nvms = 10000 };
	size_t calls = DEFAULT_CALLS, i, bad = 0, incompat = 0;
	struct rpc_outcome o;
	struct migcheck m;
	struct reqs r;
	char db[256], *reply;
	uint64_t t0, t1;
	struct writer wr = { NULL, NULL };
	const struct rpc_method *methods = migcheck_methods;
	int c, keep = 0, after_commit = 0, after_event = 0, codec = 0;
	struct codec cc;
	void *ctx = &m;

	die_prog = "bench_dispatch";
	die_cleanup = remove_tmpdir;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': w.nhosts = parse_size(optarg, "--hosts", 1); break;
		case 'V': w.nvms = parse_size(optarg, "--vms", 1); break;
		case 'k': calls = parse_size(optarg, "--calls", 1); break;
		case 'K': keep = 1; break;
		case 'a': after_commit = 1; break;
		case 'e': after_commit = after_event = 1; break;
		case 'c': codec = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("bench_dispatch", 0, 0);
	world_fill_tmp("bench_dispatch", tmpdir, sizeof(tmpdir), db,
	    sizeof(db), &w);
	make_reqs(&w, calls > WARMUP_CALLS ? calls : WARMUP_CALLS, &r);

	memset(&m, 0, sizeof(m));
	m.db_path = db;
	if (view_open(&m) == -1)
		die("%s", m.dberr);
	if (after_commit)
		writer_open(&wr, db);
	if (codec) {
		if (codec_init(&cc, &w, m.dberr, sizeof(m.dberr)) == -1)
			die("codec: %s", m.dberr);
		methods = codec_methods;
		ctx = &cc;
	}
	for (i = 0; i < WARMUP_CALLS; i++) {
		reply = rpc_dispatch(methods, NULL, ctx, r.text[i], r.len[i],
		    &o);
		bad += reply == NULL || !verdict_ok(&r, i, &o);
		free(reply);
	}
	t0 = now_ns();
	for (i = 0; i < calls; i++) {
		/* Another VM than the request's, chosen by the next one. */
		if (after_commit)
			writer_commit(&wr, w.vm_id[r.vm[(i + 1) % calls]]);
		if (after_event && ahead_measured(&m) == -1)
			die("refresh ahead: %s", m.dberr);
		reply = dispatch_measured(methods, ctx, r.text[i], r.len[i],
		    &o);
		bad += reply == NULL || !verdict_ok(&r, i, &o);
		free(reply);
	}
	t1 = now_ns();
	/* Of the measured calls: a refusal costs more than a yes. */
	for (i = 0; i < calls; i++)
		incompat += r.incompat[i];

	printf("bench_dispatch: %zu calls of VM.assert_can_migrate at %zu x "
	    "%zu%s, %.1f%% incompatible: %.2f us a call (warm caches)\n",
	    calls, w.nhosts, w.nvms, codec ? " by the codec floor" :
	    after_event ? ", each after a commit and its event" :
	    after_commit ? ", each after a commit" : "",
	    100.0 * (double)incompat / (double)calls,
	    (double)(t1 - t0) / 1e3 / (double)calls);
	printf("bench_dispatch: snapshot loaded %llu times, refreshed %llu "
	    "times (%llu on a check, %llu ahead)\n", m.loads, m.refreshes,
	    m.refreshed_on_check, m.refreshed_ahead);
	if (after_commit)
		writer_close(&wr);
	view_close(&m);
	reqs_free(&r);
	world_free(&w);
	if (keep)
		fprintf(stderr, "bench_dispatch: kept %s\n", tmpdir);
	else
		remove_tree(tmpdir);
	if (bad) {
		fprintf(stderr, "bench_dispatch: %zu wrong verdicts\n", bad);
		return 1;
	}
	return 0;
}
