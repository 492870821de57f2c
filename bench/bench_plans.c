/*
 * bench_plans: the answers before acting (issue 14) at 64 hosts and
 * 10,000 VMs, in process: featured's own handlers through rpc_dispatch()
 * with featured's method table, on a database of the benchmarks' world
 * (world.c).  It measures what the daemon spends on a call, transport
 * aside: an evacuation plan of a host with 160 resident VMs
 * (Host.plan_evacuation, and Host.get_vms_which_prevent_evacuation), and
 * the preview of an old host joining the pool (Pool.preview_join), which
 * judges every one of the pool's 10,000 VMs against it.  The target is
 * 10 ms a call; it prints the figures (CPU time a call, median and worst
 * of the runs) and exits 0 whatever they are, non-zero only when an
 * answer was an error.  Not a test: bench/README.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "featured.h"
#include "log.h"
#include "rpc.h"
#include "world.h"

#define RESIDENT	160	/* VMs on the host evacuated */
#define DEFAULT_RUNS	50

static char tmpdir[128];
static const char *only;		/* -o NAME: only the calls it names */

/* What die() leaves: nothing. */
static void
remove_tmpdir(void)
{
	if (tmpdir[0])
		remove_tree(tmpdir);
}

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", sql, msg ? msg : "?");
}

/*
 * Host 0 gets exactly RESIDENT running VMs (taken from other hosts that
 * may run them), and "joiner" is host 2 (an old one) copied out of the
 * pool: the weakest CPU of the pool, standalone.
 */
static void
shape(const char *path, const struct world *w)
{
	char err[512], sql[1024];
	sqlite3 *db;

	if (db_open(path, DB_READWRITE, &db, err, sizeof(err)) == -1)
		die("%s", err);
	snprintf(sql, sizeof(sql), "UPDATE vm SET host_id = '%s' WHERE id IN "
	    "(SELECT id FROM vm WHERE host_id <> '%s' AND host_id IN (SELECT "
	    "id FROM host WHERE pool_id = '%s') ORDER BY id LIMIT max(0, %d - "
	    "(SELECT count(*) FROM vm WHERE host_id = '%s')))", w->host_id[0],
	    w->host_id[0], w->pool_id[0], RESIDENT, w->host_id[0]);
	exec_sql(db, sql);
	snprintf(sql, sizeof(sql), "UPDATE vm SET host_id = '%s' WHERE id IN "
	    "(SELECT id FROM vm WHERE host_id = '%s' ORDER BY id LIMIT -1 "
	    "OFFSET %d)", w->host_id[1], w->host_id[0], RESIDENT);
	exec_sql(db, sql);
	snprintf(sql, sizeof(sql), "INSERT INTO host (id, pool_id, vendor, "
	    "hvm_capable, cpu_info, features_pv, features_hvm, "
	    "features_pv_host, features_hvm_host, booted_at) SELECT 'joiner', "
	    "NULL, vendor, hvm_capable, cpu_info, features_pv, features_hvm, "
	    "features_pv_host, features_hvm_host, booted_at FROM host WHERE "
	    "id = '%s'", w->host_id[2]);
	exec_sql(db, sql);
	db_close(db);
}

/*
 * runs calls of msg (after 3 unmeasured): the median and worst CPU ms,
 * and the reply's size.  The reply must hold want, a sign that the
 * world is the one described (160 resident VMs, VMs stranded).
 */
static void
measure(struct featured *f, const char *name, const char *msg, size_t runs,
    const char *want)
{
	struct rpc_outcome o;
	double *t = calloc(runs, sizeof(*t)), t0;
	size_t i, len = 0;
	char *reply;

	if (t == NULL)
		die("out of memory");
	if (only && strstr(name, only) == NULL) {
		free(t);
		return;
	}
	for (i = 0; i < runs + 3; i++) {
		t0 = cpu_ms();
		reply = rpc_dispatch(featured_methods, &featured_txn, f, msg,
		    strlen(msg), &o);
		if (i >= 3)
			t[i - 3] = cpu_ms() - t0;
		if (reply == NULL || o.code != 0)
			die("%s: %s", name, reply ? reply : "no reply");
		if (want && strstr(reply, want) == NULL)
			die("%s: no %s in the reply", name, want);
		len = strlen(reply);
		free(reply);
	}
	qsort(t, runs, sizeof(*t), cmp_double);
	printf("  %-40s %7.2f ms  %7.2f ms  %8zu bytes  %s\n", name,
	    t[runs / 2], t[runs - 1], len, t[runs / 2] < 10.0 ? "PASS" :
	    "MISS");
	free(t);
}

int
main(int argc, char **argv)
{
	struct world w = { .nhosts = 64, .nvms = 10000 };
	struct featured f;
	size_t runs = DEFAULT_RUNS;
	char db[256], err[512], msg[512];
	int c;

	die_prog = "bench_plans";
	die_cleanup = remove_tmpdir;
	while ((c = getopt(argc, argv, "o:r:")) != -1) {
		switch (c) {
		case 'o':
			only = optarg;
			break;
		case 'r':
			runs = parse_size(optarg, "-r", 1);
			break;
		default:
			fprintf(stderr, "usage: bench_plans [-o NAME] "
			    "[-r runs]\n");
			return 2;
		}
	}
	log_init("bench_plans", 0, 0);
	world_fill_tmp("bench_plans", tmpdir, sizeof(tmpdir), db, sizeof(db),
	    &w);
	shape(db, &w);

	memset(&f, 0, sizeof(f));
	f.pub = -1;
	if (db_open(db, DB_READWRITE, &f.db, err, sizeof(err)) == -1)
		die("%s", err);
	printf("bench_plans: %zu hosts x %zu VMs, one pool; featured's "
	    "handlers in process, CPU time a call over %zu runs\n",
	    w.nhosts, w.nvms, runs);
	printf("  %-40s %10s  %10s  %14s\n", "call", "median", "worst",
	    "reply");
	snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"Host.plan_evacuation\",\"params\":{\"host\":\"%s\"}}",
	    w.host_id[0]);
	measure(&f, "Host.plan_evacuation (160 VMs)", msg, runs,
	    "\"vm_count\":160,");
	snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"Host.get_vms_which_prevent_evacuation\",\"params\":{\"host\":"
	    "\"%s\"}}", w.host_id[0]);
	measure(&f, "Host.get_vms_which_prevent_evacuation", msg, runs, NULL);
	snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"Pool.preview_join\",\"params\":{\"pool\":\"%s\",\"host\":"
	    "\"joiner\"}}", w.pool_id[0]);
	measure(&f, "Pool.preview_join (10,000 VMs judged)", msg, runs,
	    "\"truncated\":true");
	snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"Pool.get_vms_needing_restart\",\"params\":{\"pool\":\"%s\"}}",
	    w.pool_id[0]);
	measure(&f, "Pool.get_vms_needing_restart", msg, runs, NULL);
	db_close(f.db);
	world_free(&w);
	remove_tree(tmpdir);
	return 0;
}
