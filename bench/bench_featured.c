/*
 * bench_featured: what a VM.start costs cpulevel-featured.  A benchmark,
 * not a test: it exits 0 whatever the figures, and non-zero only when
 * something broke (a daemon died, a start was refused).
 *
 * --in-process N: N VM.start through rpc_dispatch() with featured's own
 * methods and transaction on a real database (16 hosts in a pool), each
 * made through start_measured(), for bench/featured to count under
 * callgrind.
 *
 * Otherwise, against the real daemon (--featured PATH, and the same
 * again for --baseline PATH, an older build, in the same run): a fresh
 * database with a pool of 4 hosts, then 1 and then 4 client processes,
 * each with its own REQ socket, sending VM.start of new VMs one at a
 * time; starts per second over --starts K starts, the median of --reps
 * R.  --strace runs each daemon under strace -c for one more 4-client
 * measurement: its fsync/fdatasync calls against the transactions its
 * log (-v) reports, and its system calls a start.  --flush-us N preloads slow_flush.c
 * into the daemons, so that each of their flushes takes N us more.
 *
 * Every nanomsg socket lives in a forked child: the parent never touches
 * nanomsg, so forking it is safe.
 */
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "common.h"
#include "db.h"
#include "featured.h"
#include "rpc.h"

#define NHOSTS		4
#define FS		"1fc9cbf5-f6f83203-2991cbf5-00000023-00000000-" \
			"00000000-00000000-00000000-00000000-00000000"
#define CPU_INFO	"{\"vendor\":\"GenuineIntel\",\"features_pv\":\"" FS \
			"\",\"features_hvm\":\"" FS "\",\"features_pv_host\":\"" \
			FS "\",\"features_hvm_host\":\"" FS "\"," \
			"\"cpu_count\":\"32\",\"socket_count\":\"2\"}"
#define MAXREPS		15

static char tmpdir[128];

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int flush_us;		/* --flush-us: each flush made dearer */
static char flush_us_s[16];
static pid_t owner;		/* the parent: a child's exit removes nothing */

/* The databases, logs and traces of the run (BENCH_FEATURED_KEEP: kept). */
static void
cleanup(void)
{
	if (getpid() == owner && getenv("BENCH_FEATURED_KEEP") == NULL)
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
request(char *buf, size_t len, int id, const char *method,
    const char *params)
{
	snprintf(buf, len, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\","
	    "\"params\":%s}", id, method, params);
}

/* ---- in process, for callgrind ------------------------------------- */

/* Not inlined: callgrind counts the instructions below this name only. */
__attribute__((noinline)) char *
start_measured(struct featured *f, const char *msg, struct rpc_outcome *o)
{
	return rpc_dispatch(featured_methods, &featured_txn, f, msg,
	    strlen(msg), o);
}

static void
group_answer(void *arg, void *tag, char *reply, const struct rpc_outcome *o)
{
	(void)arg;
	(void)tag;
	if (o->code != 0)
		die("in a group: %s", reply ? reply : "no reply");
	free(reply);
}

/* A group of n VM.start, as featured's loop commits requests that
 * arrived together: one transaction, a savepoint each. */
__attribute__((noinline, noclone)) void
group_measured(struct rpc_group *g, char msgs[][1024], int n)
{
	int i;

	for (i = 0; i < n; i++)
		rpc_group_take(g, msgs[i], strlen(msgs[i]), NULL);
	rpc_group_commit(g);
}

static void
call_ok(struct featured *f, const char *msg, int measured)
{
	struct rpc_outcome o;
	char *reply;

	reply = measured ? start_measured(f, msg, &o) :
	    rpc_dispatch(featured_methods, &featured_txn, f, msg, strlen(msg),
	    &o);
	if (o.code != 0)
		die("%s: %s", msg, reply ? reply : "no reply");
	free(reply);
}

static void
in_process(int n)
{
	struct featured f;
	static struct rpc_group g;
	char path[192], msg[1024], params[900], err[512], group[4][1024];
	int i, j;

	memset(&f, 0, sizeof(f));
	f.pub = -1;
	snprintf(path, sizeof(path), "%s/f.db", tmpdir);
	if (db_open(path, DB_READWRITE, &f.db, err, sizeof(err)) == -1)
		die("%s", err);
	for (i = 0; i < 16; i++) {
		snprintf(params, sizeof(params), "{\"host\":\"h%d\","
		    "\"cpu_info\":" CPU_INFO "}", i);
		request(msg, sizeof(msg), 1, "Host.boot", params);
		call_ok(&f, msg, 0);
		snprintf(params, sizeof(params), "{\"pool\":\"p\",\"host\":"
		    "\"h%d\"}", i);
		request(msg, sizeof(msg), 2, "Pool.join", params);
		call_ok(&f, msg, 0);
	}
	for (i = 0; i < 200 + n; i++) {
		snprintf(params, sizeof(params), "{\"vm\":\"vm-%06d\",\"host\":"
		    "\"h%d\",\"domain_type\":\"%s\",\"dbg\":\"bench\"}", i,
		    i % 16, i % 5 ? "hvm" : "pv");
		request(msg, sizeof(msg), i, "VM.start", params);
		call_ok(&f, msg, i >= 200);
	}
	/* The same again in groups of 4, as 4 busy clients make them. */
	rpc_group_init(&g, featured_methods, &featured_txn, &f, group_answer,
	    NULL);
	for (i = 0; i < n; i += 4) {
		for (j = 0; j < 4; j++) {
			snprintf(params, sizeof(params), "{\"vm\":\"g-%06d\","
			    "\"host\":\"h%d\",\"domain_type\":\"hvm\","
			    "\"dbg\":\"bench\"}", i + j, (i + j) % 16);
			request(group[j], sizeof(group[j]), i + j, "VM.start",
			    params);
		}
		group_measured(&g, group, 4);
	}
	db_close(f.db);
	printf("bench_featured: %d calls of VM.start (16 hosts, a pool), "
	    "then %d in groups of 4\n", n, n / 4 * 4);
}

/* ---- against the daemon --------------------------------------------- */

struct daemon {
	pid_t	pid, strace;
	char	rpc[256], log[256];
};

/*
 * strace attached to the running daemon, all its threads, counting its
 * system calls by name (-c): attached rather than wrapping it, so that
 * the daemon itself gets the SIGTERM that ends it.
 */
static void
strace_attach(struct daemon *d, const char *tag)
{
	char out[256], pid[16];

	snprintf(out, sizeof(out), "%s/%s.strace", tmpdir, tag);
	snprintf(pid, sizeof(pid), "%d", (int)d->pid);
	if ((d->strace = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (d->strace == 0) {
		execlp("strace", "strace", "-f", "-qq", "-c", "-o", out, "-p",
		    pid,
		    (char *)NULL);
		_exit(127);
	}
	usleep(500000);		/* time to attach */
}

static void
client_call(int s, const char *msg)
{
	char err[256], *reply;
	size_t len;

	if (bus_call(s, msg, &reply, &len, err, sizeof(err)) == -1)
		die("%s: %s", msg, err);
	if (strstr(reply, "\"error\"") != NULL)
		die("%s: %s", msg, reply);
	free(reply);
}

static int
client_connect(const char *url)
{
	char err[256];
	int s, i;

	for (i = 0; i < 200; i++) {
		if ((s = bus_connect_req(url, 20000, err, sizeof(err))) >= 0)
			return s;
		usleep(20000);
	}
	die("connect %s: %s", url, err);
	return -1;
}

static void
daemon_start(struct daemon *d, const char *bin, const char *tag, int trace)
{
	char db[192], ev[256], msg[1024], params[900];
	pid_t pid;
	int s, i, status;

	snprintf(db, sizeof(db), "%s/%s.db", tmpdir, tag);
	snprintf(d->rpc, sizeof(d->rpc), "ipc://%s/%s.sock", tmpdir, tag);
	snprintf(ev, sizeof(ev), "ipc://%s/%s-ev.sock", tmpdir, tag);
	snprintf(d->log, sizeof(d->log), "%s/%s.log", tmpdir, tag);
	if ((d->pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (d->pid == 0) {
		if (freopen(d->log, "w", stderr) == NULL)
			_exit(127);
		if (flush_us > 0 && (setenv("LD_PRELOAD", SLOW_FLUSH_PATH,
		    1) == -1 || setenv("CPULEVEL_BENCH_FLUSH_US", flush_us_s,
		    1) == -1))
			_exit(127);
		execl(bin, bin, "--db", db, "--rpc", d->rpc, "--events", ev,
		    trace ? "-v" : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	d->strace = -1;
	if (trace)
		strace_attach(d, tag);
	/* The pool, from a child: the parent keeps out of nanomsg. */
	if ((pid = fork()) == 0) {
		s = client_connect(d->rpc);
		for (i = 0; i < NHOSTS; i++) {
			snprintf(params, sizeof(params), "{\"host\":\"h%d\","
			    "\"cpu_info\":" CPU_INFO "}", i);
			request(msg, sizeof(msg), 1, "Host.boot", params);
			client_call(s, msg);
			snprintf(params, sizeof(params), "{\"pool\":\"p\","
			    "\"host\":\"h%d\"}", i);
			request(msg, sizeof(msg), 2, "Pool.join", params);
			client_call(s, msg);
		}
		_exit(0);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1 || status != 0)
		die("setting up the pool on %s failed (log %s)", bin, d->log);
}

static void
daemon_stop(struct daemon *d)
{
	int status;

	kill(d->pid, SIGTERM);
	waitpid(d->pid, &status, 0);
	if (d->strace != -1)
		waitpid(d->strace, &status, 0);	/* ends with its tracee */
}

/* One client: VM.start of n new VMs, after the barrier. */
static void
client(const char *url, const char *prefix, int n, int ready, int go,
    int done)
{
	char msg[512], params[256], b;
	double end;
	int s, i;

	s = client_connect(url);
	for (i = 0; i < 20; i++) {	/* warm-up */
		snprintf(params, sizeof(params), "{\"vm\":\"%s-w%d\",\"host\":"
		    "\"h%d\",\"domain_type\":\"hvm\"}", prefix, i, i % NHOSTS);
		request(msg, sizeof(msg), i, "VM.start", params);
		client_call(s, msg);
	}
	if (write(ready, "r", 1) != 1 || read(go, &b, 1) != 0)
		_exit(3);
	for (i = 0; i < n; i++) {
		snprintf(params, sizeof(params), "{\"vm\":\"%s-%d\",\"host\":"
		    "\"h%d\",\"domain_type\":\"hvm\"}", prefix, i, i % NHOSTS);
		request(msg, sizeof(msg), i, "VM.start", params);
		client_call(s, msg);
	}
	end = (double)now_ns() / 1e9;
	if (write(done, &end, sizeof(end)) != sizeof(end))
		_exit(3);
	_exit(0);
}

/* Starts per second with nc clients sharing k starts. */
static double
measure(struct daemon *d, int nc, int k, const char *tag)
{
	int ready[2], go[2], done[2], c, status;
	char prefix[64], b;
	double t0, end, last = 0;
	pid_t pids[8];

	if (pipe(ready) == -1 || pipe(go) == -1 || pipe(done) == -1)
		die("pipe: %s", strerror(errno));
	for (c = 0; c < nc; c++) {
		snprintf(prefix, sizeof(prefix), "%s-c%d", tag, c);
		if ((pids[c] = fork()) == -1)
			die("fork: %s", strerror(errno));
		if (pids[c] == 0) {
			close(go[1]);
			client(d->rpc, prefix, k / nc, ready[1], go[0],
			    done[1]);
		}
	}
	close(go[0]);
	for (c = 0; c < nc; c++)
		if (read(ready[0], &b, 1) != 1)
			die("a client failed before the barrier (log %s)",
			    d->log);
	t0 = (double)now_ns() / 1e9;
	close(go[1]);
	for (c = 0; c < nc; c++) {
		if (read(done[0], &end, sizeof(end)) != sizeof(end))
			die("a client failed (log %s)", d->log);
		if (end > last)
			last = end;
	}
	for (c = 0; c < nc; c++)
		if (waitpid(pids[c], &status, 0) == -1 || status != 0)
			die("a client failed (log %s)", d->log);
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	close(done[1]);
	return (double)(k / nc * nc) / (last - t0);
}

/* Lines of path holding needle, and the sum of the numbers just before
 * it (the group sizes of "N writers in one transaction"). */
static long
count_lines(const char *path, const char *needle, long *sum)
{
	char line[1024], *p;
	long n = 0;
	FILE *fp;

	*sum = 0;
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if ((p = strstr(line, needle)) != NULL) {
			n++;
			/* "N writers in one...": back over " " and N */
			if (p > line)
				p--;
			while (p > line && isdigit((unsigned char)p[-1]))
				p--;
			*sum += strtol(p, NULL, 10);
		}
	fclose(fp);
	return n;
}

/* One line of strace -c's table: its system call and how often. */
struct syscall_count {
	char	name[32];
	long	calls;
};
#define SYSCALLS_MAX	128

static int
cmp_calls(const void *a, const void *b)
{
	const struct syscall_count *x = a, *y = b;

	return (x->calls < y->calls) - (x->calls > y->calls);
}

/*
 * strace -c's table ("% time seconds usecs/call calls [errors] syscall"),
 * the most frequent first: how many rows, and all the calls in *total.
 */
static size_t
syscalls_read(const char *path, struct syscall_count *sc, long *total)
{
	char line[256], name[32];
	double pct, secs;
	long usecs, calls, errors;
	size_t n = 0;
	FILE *fp;

	*total = 0;
	if ((fp = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	while (n < SYSCALLS_MAX && fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%lf %lf %ld %ld %ld %31s", &pct, &secs,
		    &usecs, &calls, &errors, name) != 6 &&
		    sscanf(line, "%lf %lf %ld %ld %31s", &pct, &secs, &usecs,
		    &calls, name) != 5)
			continue;
		if (strcmp(name, "total") == 0)
			continue;
		snprintf(sc[n].name, sizeof(sc[n].name), "%s", name);
		sc[n].calls = calls;
		*total += calls;
		n++;
	}
	fclose(fp);
	qsort(sc, n, sizeof(*sc), cmp_calls);
	return n;
}

static long
syscalls_of(const struct syscall_count *sc, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(sc[i].name, name) == 0)
			return sc[i].calls;
	return 0;
}

/* The system calls a start, the most frequent eight by name. */
static void
syscalls_print(const struct syscall_count *sc, size_t n, long total,
    long starts)
{
	size_t i;

	printf("  system calls a start: %.1f (", (double)total / starts);
	for (i = 0; i < n && i < 8; i++)
		printf("%s%s %.1f", i ? ", " : "", sc[i].name,
		    (double)sc[i].calls / starts);
	printf("%s)\n", n > 8 ? ", ..." : "");
}

/*
 * One more 4-client measurement under strace -c: the flushes a
 * transaction (a group's, from the -v log; a build that does not log its
 * groups, the baseline, commits each start alone) and every system call
 * a start, so that what the bus and the disk cost each build is seen
 * beside its rate.
 */
static void
strace_run(const char *bin, const char *tag, int k)
{
	struct syscall_count sc[SYSCALLS_MAX];
	struct daemon d;
	char trace[256];
	long syncs, groups, writers, starts, total;
	double rate;
	size_t n;

	daemon_start(&d, bin, tag, 1);
	rate = measure(&d, 4, k, "t");
	daemon_stop(&d);
	snprintf(trace, sizeof(trace), "%s/%s.strace", tmpdir, tag);
	n = syscalls_read(trace, sc, &total);
	syncs = syscalls_of(sc, n, "fsync") + syscalls_of(sc, n, "fdatasync");
	starts = 2 * NHOSTS + 4 * 20 + k / 4 * 4;
	if ((groups = count_lines(d.log, "writers in one transaction",
	    &writers)) == 0)
		groups = writers = starts;
	printf("%-9s under strace, 4 clients (%.0f starts/s, slowed by "
	    "strace): %ld fsync/fdatasync calls for %ld transactions of %ld "
	    "writers (%d setup + %d warm-up + %d measured starts): %.2f "
	    "flushes a transaction, %.2f writers a transaction\n", tag, rate,
	    syncs, groups, writers, 2 * NHOSTS, 4 * 20, k / 4 * 4,
	    (double)syncs / groups, (double)writers / groups);
	syscalls_print(sc, n, total, starts);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_featured [--in-process N] [--featured "
	    "PATH] [--baseline PATH]\n                      [--starts K] "
	    "[--reps R] [--strace] [--flush-us N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "in-process", required_argument, NULL, 'i' },
		{ "featured", required_argument, NULL, 'f' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "starts", required_argument, NULL, 'k' },
		{ "reps", required_argument, NULL, 'r' },
		{ "strace", no_argument, NULL, 's' },
		{ "flush-us", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const char *bin = FEATURED_PATH, *base = NULL;
	double r[2][2][MAXREPS];	/* [build][1 or 4 clients][rep] */
	double med[2][2];
	struct daemon d[2];
	int c, inproc = 0, k = 4000, reps = 3, trace = 0, rep, b, nb;
	char tag[32];

	die_prog = "bench_featured";
	setvbuf(stdout, NULL, _IOLBF, 0);	/* nothing left to fork */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		switch (c) {
		case 'i': inproc = atoi(optarg); break;
		case 'f': bin = optarg; break;
		case 'b': base = optarg; break;
		case 'k': k = atoi(optarg); break;
		case 'r': reps = atoi(optarg); break;
		case 's': trace = 1; break;
		case 'u': flush_us = atoi(optarg); break;
		default: usage();
		}
	if (reps < 1 || reps > MAXREPS || k < 4 || flush_us < 0 ||
	    flush_us > 1000000)
		usage();
	snprintf(flush_us_s, sizeof(flush_us_s), "%d", flush_us);
	snprintf(tmpdir, sizeof(tmpdir), "%s/bench_featured.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	owner = getpid();
	atexit(cleanup);
	if (inproc > 0) {
		in_process(inproc);
		return 0;
	}
	nb = base ? 2 : 1;
	for (b = 0; b < nb; b++)
		daemon_start(&d[b], b ? base : bin, b ? "base" : "new", 0);
	printf("bench_featured: VM.start over ipc, %d starts a measurement, "
	    "median of %d, tmp %s%s%s%s\n", k, reps, tmpdir,
	    flush_us ? "; each flush made " : "", flush_us ? flush_us_s : "",
	    flush_us ? " us dearer (slow_flush.c)" : "");
	for (rep = 0; rep < reps; rep++)
		for (b = 0; b < nb; b++)
			for (c = 0; c < 2; c++) {
				snprintf(tag, sizeof(tag), "r%d-%d", rep, c);
				r[b][c][rep] = measure(&d[b], c ? 4 : 1, k,
				    tag);
			}
	for (b = 0; b < nb; b++) {
		daemon_stop(&d[b]);
		med[b][0] = median(r[b][0], reps);
		med[b][1] = median(r[b][1], reps);
		printf("%-9s %s\n  starts/s: 1 client %.0f, 4 clients %.0f "
		    "(4 / 1: %.2f)\n", b ? "baseline" : "this", b ? base : bin,
		    med[b][0], med[b][1], med[b][1] / med[b][0]);
	}
	if (base)
		printf("this / baseline: 1 client %.2f, 4 clients %.2f "
		    "(target >= 2.00 with 4: %s)\n", med[0][0] / med[1][0],
		    med[0][1] / med[1][1], med[0][1] / med[1][1] >= 2 ?
		    "PASS" : "MISS");
	if (trace) {
		strace_run(bin, "this", k);
		if (base)
			strace_run(base, "baseline", k);
	}
	return 0;
}
