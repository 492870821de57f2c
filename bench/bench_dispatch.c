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
 */

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "migcheck.h"
#include "rpc.h"
#include "world.h"

#define DEFAULT_CALLS	20000
#define WARMUP_CALLS	20000	/* enough to bring the 64 x 10k database in */

static char tmpdir[128];	/* "" until made */

void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_dispatch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (tmpdir[0])
		remove_tree(tmpdir);
	exit(2);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
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
dispatch_measured(struct migcheck *m, const char *msg, size_t len,
    struct rpc_outcome *o)
{
	return rpc_dispatch(migcheck_methods, NULL, m, msg, len, o);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: bench_dispatch [--hosts N] [--vms M] [--calls K] "
	    "[--keep]\n\n"
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
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct world w = { .nhosts = 64, .nvms = 10000 };
	size_t calls = DEFAULT_CALLS, i, bad = 0, incompat = 0;
	struct rpc_outcome o;
	struct migcheck m;
	struct reqs r;
	char db[256], *reply;
	double t0, t1;
	int c, keep = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': w.nhosts = parse_size(optarg, "--hosts", 1); break;
		case 'V': w.nvms = parse_size(optarg, "--vms", 1); break;
		case 'k': calls = parse_size(optarg, "--calls", 1); break;
		case 'K': keep = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("bench_dispatch", 0, 0);
	make_tmpdir(tmpdir, sizeof(tmpdir), "bench_dispatch");
	snprintf(db, sizeof(db), "%s/cpulevel.db", tmpdir);
	make_sets();
	world_fill(db, &w);
	make_reqs(&w, calls > WARMUP_CALLS ? calls : WARMUP_CALLS, &r);

	memset(&m, 0, sizeof(m));
	m.db_path = db;
	if (view_open(&m) == -1)
		die("%s", m.dberr);
	for (i = 0; i < WARMUP_CALLS; i++) {
		reply = rpc_dispatch(migcheck_methods, NULL, &m, r.text[i],
		    r.len[i], &o);
		bad += reply == NULL || !verdict_ok(&r, i, &o);
		free(reply);
	}
	t0 = now_us();
	for (i = 0; i < calls; i++) {
		reply = dispatch_measured(&m, r.text[i], r.len[i], &o);
		bad += reply == NULL || !verdict_ok(&r, i, &o);
		free(reply);
	}
	t1 = now_us();
	/* Of the measured calls: a refusal costs more than a yes. */
	for (i = 0; i < calls; i++)
		incompat += r.incompat[i];

	printf("bench_dispatch: %zu calls of VM.assert_can_migrate at %zu x "
	    "%zu, %.1f%% incompatible: %.2f us a call (warm caches)\n", calls,
	    w.nhosts, w.nvms, 100.0 * (double)incompat / (double)calls,
	    (t1 - t0) / (double)calls);
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
