/*
 * bench_migcheck: how much cpulevel-migcheck adds to a VM.assert_can_migrate
 * round trip over the bare nanomsg transport, and whether that stays flat
 * as the database grows.  A benchmark, not a test: it exits 0 whatever the
 * figures, and non-zero only when something broke (a server died, a reply
 * was wrong).
 *
 * For each size it fills a fresh database the way featured would leave it,
 * starts the real daemon on it, and starts two servers to compare it with:
 * a bare echo that has the daemon's transport and loop (raw REP socket,
 * NN_RCVFD watched level-triggered by libevent, drained with NN_DONTWAIT)
 * but does no work, and the codec floor, migcheck without its database
 * (codec_main()).  The same pre-formatted requests go to all three, from
 * the same client code, with 1 and with 4 concurrent client processes.
 * Runs rotate between the servers and are repeated; each figure is the
 * median of the repetitions.
 *
 * Every nanomsg socket lives in a forked child: the parent never touches
 * nanomsg, so forking it is safe (nanomsg's worker threads do not survive
 * a fork).  Clients are processes, each with its own REQ socket and its
 * own nanomsg worker, as real clients (xapi, the CLI) are.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#include "bus.h"
#include "codec.h"
#include "compat.h"
#include "db.h"
#include "featureset.h"
#include "log.h"
#include "rpc.h"
#include "rpc_client.h"
#include "server.h"
#include "world.h"

#ifndef MIGCHECK_PATH
#define MIGCHECK_PATH	"cpulevel-migcheck"
#endif

#define WARMUP_EACH	500	/* requests a client sends before the barrier */
#define FULL_CHECK_EVERY 64	/* replies fully parsed: one in this many */
#define READY_SECONDS	10
#define MAX_CLIENTS	4
#define MAX_REPS	16
#define WARMUP_PASS	5000	/* requests of a server's warm-up pass */

/*
 * The servers measured: the daemon; the codec floor, which is migcheck
 * without its database (see codec_main()); and the bare echo.
 */
enum target { T_MIGCHECK, T_CODEC, T_BARE, T_N };
static const char *const target_name[T_N] = { "migcheck", "codec", "bare" };

static const int client_counts[] = { 1, MAX_CLIENTS };
#define NCC	((int)(sizeof(client_counts) / sizeof(client_counts[0])))

/* ---------------------------------------------------------------- util */

/* The servers started, stopped by die() so that none is left behind. */
static pid_t main_pid, servers[2 * T_N];
static int nservers;

/* die()'s clean-up: a child leaves at once, the main process stops them. */
static void
stop_servers(void)
{
	int i;

	if (getpid() != main_pid)
		_exit(2);
	for (i = 0; i < nservers; i++)
		kill(servers[i], SIGTERM);
}

static void
add_server(pid_t pid)
{
	if (nservers < (int)(sizeof(servers) / sizeof(servers[0])))
		servers[nservers++] = pid;
}

/* ------------------------------------------------- checking replies */

static const char OK_TAIL[] = "\"result\":null}";
static const char INCOMPAT_MSG[] =
    "\"message\":\"VM_INCOMPATIBLE_WITH_THIS_HOST\"";

/* Cheap, on every reply: the verdict is the expected one. */
static int
quick_check(enum target t, const struct reqs *r, size_t i, const char *buf,
    size_t len)
{
	if (t == T_BARE)
		return len == r->len[i] && memcmp(buf, r->text[i], len) == 0;
	if (len < sizeof(OK_TAIL) || memcmp(buf, "{\"jsonrpc\":\"2.0\",", 17))
		return 0;
	if (r->incompat[i])
		return memmem(buf, len, INCOMPAT_MSG,
		    sizeof(INCOMPAT_MSG) - 1) != NULL;
	return memcmp(buf + len - (sizeof(OK_TAIL) - 1), OK_TAIL,
	    sizeof(OK_TAIL) - 1) == 0;
}

/*
 * Thorough, on a sample: a well-formed JSON-RPC reply with our id and
 * either result null or exactly VM_INCOMPATIBLE_WITH_THIS_HOST
 * [vm, host, reason 2].
 */
static int
full_check(enum target t, const struct world *w, const struct reqs *r,
    size_t i, const char *buf, size_t len, char *why, size_t whylen)
{
	struct json_object *result = NULL, *d;
	struct rpc_error err;
	int rc, ok = 0;

	if (t == T_BARE) {
		if ((ok = quick_check(t, r, i, buf, len)) == 0)
			snprintf(why, whylen, "request %zu: the echo differs "
			    "from the request", i + 1);
		return ok;
	}
	rc = rpc_reply_parse(buf, len, (long long)i + 1, &result, &err);
	if (rc == 0)
		ok = !r->incompat[i] && result == NULL;
	else if (rc == 1 && err.code == RPC_API_ERROR &&
	    strcmp(err.message, "VM_INCOMPATIBLE_WITH_THIS_HOST") == 0 &&
	    r->incompat[i] && err.data &&
	    json_object_is_type(err.data, json_type_array) &&
	    json_object_array_length(err.data) == 3) {
		d = err.data;
		ok = strcmp(json_object_get_string(
		    json_object_array_get_idx(d, 0)), w->vm_id[r->vm[i]]) == 0 &&
		    strcmp(json_object_get_string(
		    json_object_array_get_idx(d, 1)),
		    w->host_id[r->host[i]]) == 0 &&
		    strcmp(json_object_get_string(
		    json_object_array_get_idx(d, 2)),
		    COMPAT_REASON_FEATURES) == 0;
	}
	if (!ok)
		snprintf(why, whylen, "request %zu (expected %s): reply %.*s",
		    i + 1, r->incompat[i] ? "VM_INCOMPATIBLE_WITH_THIS_HOST" :
		    "result null", (int)(len > 300 ? 300 : len), buf);
	json_object_put(result);
	rpc_error_clear(&err);
	return ok;
}

/* ------------------------------------------------------------ servers */

static void
echo_on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

struct echo {
	int	sock;
};

/* server.c's loop, without the work: a bounded batch per wake-up. */
static void
echo_readable(evutil_socket_t fd, short what, void *arg)
{
	struct echo *e = arg;
	struct bus_msg m;
	int i, rc;

	(void)fd;
	(void)what;
	for (i = 0; i < 64; i++) {
		if ((rc = bus_recv_request(e->sock, &m)) != 1) {
			if (rc == -1)
				fprintf(stderr, "echo: receive: %s\n",
				    strerror(errno));
			return;
		}
		/* Sent from the received buffer (nanomsg copies it, as it
		 * copies migcheck's reply); then the message is freed. */
		if (bus_send_reply(e->sock, &m, m.body, m.len) == -1)
			fprintf(stderr, "echo: send: %s\n", strerror(errno));
	}
}

static void
echo_main(const char *url)
{
	struct event *ev, *st, *si;
	struct event_base *base;
	struct echo e;
	char err[512];
	int fd;

	if ((e.sock = bus_listen_rep(url, 0, err, sizeof(err))) == -1 ||
	    (fd = bus_recv_fd(e.sock, err, sizeof(err))) == -1) {
		fprintf(stderr, "echo: %s\n", err);
		_exit(1);
	}
	if ((base = event_base_new()) == NULL)
		_exit(1);
	st = evsignal_new(base, SIGTERM, echo_on_signal, base);
	si = evsignal_new(base, SIGINT, echo_on_signal, base);
	ev = event_new(base, fd, EV_READ | EV_PERSIST, echo_readable, &e);
	if (st == NULL || si == NULL || ev == NULL ||
	    evsignal_add(st, NULL) == -1 || evsignal_add(si, NULL) == -1 ||
	    event_add(ev, NULL) == -1)
		_exit(1);
	event_base_dispatch(base);
	event_free(ev);
	event_free(st);
	event_free(si);
	event_base_free(base);
	bus_close(e.sock);
	_exit(0);
}

static pid_t
spawn_migcheck(const char *path, const char *db, const char *url,
    const char *log)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid > 0) {
		add_server(pid);
		return pid;
	}
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		_exit(126);
	close(fd);
	if ((fd = open("/dev/null", O_RDONLY)) != -1)
		dup2(fd, 0);
	execl(path, path, "--db", db, "--rpc", url, (char *)NULL);
	fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
	_exit(127);
}

static pid_t
spawn_echo(const char *url)
{
	pid_t pid;

	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0)
		echo_main(url);
	add_server(pid);
	return pid;
}

static void
codec_main(const char *url, const struct world *w, const char *log)
{
	struct codec c;
	char err[512];
	int fd, sock;

	/* Its log (the loop's start and stop) goes where migcheck's does. */
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    dup2(fd, 2) == -1)
		_exit(126);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
	log_init("bench-codec", 0, 0);
	if (codec_init(&c, w, err, sizeof(err)) == -1) {
		fprintf(stderr, "codec: %s\n", err);
		_exit(1);
	}
	if ((sock = bus_listen_rep(url, 0, err, sizeof(err))) == -1) {
		fprintf(stderr, "codec: %s\n", err);
		_exit(1);
	}
	_exit(server_run(sock, codec_methods, NULL, &c,
	    SERVER_LOG_FAULTS) == 0 ? 0 : 1);
}

static pid_t
spawn_codec(const char *url, const struct world *w, const char *log)
{
	pid_t pid;

	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0)
		codec_main(url, w, log);
	add_server(pid);
	return pid;
}

/* Wait for the server to answer; 0, or -1 with why. */
static int
wait_ready(enum target t, const char *url, pid_t server, char *why,
    size_t whylen)
{
	static const char version[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"Service.version\"}";
	uint64_t deadline = now_ns() + READY_SECONDS * 1000000000ULL;
	char err[256], *reply;
	size_t len;
	pid_t pid;
	int s, st, ok;

	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		while (now_ns() < deadline) {
			if ((s = bus_connect_req(url, 300, err,
			    sizeof(err))) == -1) {
				usleep(20000);
				continue;
			}
			if (bus_call(s, version, &reply, &len, err,
			    sizeof(err)) == 0) {
				ok = t == T_BARE ? strcmp(reply, version) == 0 :
				    strstr(reply, "\"result\":{\"api\":1,") !=
				    NULL;
				if (!ok)
					fprintf(stderr, "bad Service.version "
					    "reply: %s\n", reply);
				free(reply);
				bus_close(s);
				_exit(ok ? 0 : 1);
			}
			bus_close(s);
		}
		_exit(2);
	}
	if (waitpid(pid, &st, 0) == -1)
		die("waitpid: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (waitpid(server, &st, WNOHANG) == server)
		snprintf(why, whylen, "%s server exited (status 0x%x)",
		    target_name[t], st);
	else
		snprintf(why, whylen, "%s server did not answer "
		    "Service.version within %d s", target_name[t],
		    READY_SECONDS);
	return -1;
}

static void
stop_server(pid_t pid, int *status)
{
	int i;

	*status = -1;
	if (pid <= 0)
		return;
	if (kill(pid, SIGTERM) == -1 && waitpid(pid, status, WNOHANG) != pid)
		return;
	for (i = 0; i < 500; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
}

struct procstat {
	long	rss_kb, hwm_kb;
	double	cpu_s;
};

static void
read_procstat(pid_t pid, struct procstat *ps)
{
	char path[64], line[512], *p;
	unsigned long ut = 0, stt = 0;
	FILE *f;
	int i;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "VmRSS:", 6) == 0)
				ps->rss_kb = strtol(line + 6, NULL, 10);
			else if (strncmp(line, "VmHWM:", 6) == 0)
				ps->hwm_kb = strtol(line + 6, NULL, 10);
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(line, sizeof(line), f) &&
		    (p = strrchr(line, ')')) != NULL) {
			/* After ") ": state is field 3; utime 14, stime 15. */
			p += 2;
			for (i = 3; i < 14 && p; i++)
				if ((p = strchr(p, ' ')) != NULL)
					p++;
			if (p)
				sscanf(p, "%lu %lu", &ut, &stt);
		}
		fclose(f);
	}
	ps->cpu_s = (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

/* ------------------------------------------------------------ clients */

struct client_out {
	uint64_t	end;
	size_t		done;
	size_t		bad;
	char		why[512];
};

struct shared {
	uint64_t		t0;
	struct client_out	c[MAX_CLIENTS];
	uint64_t		lat[];		/* one per request, in ns */
};

struct run_result {
	double	p50_us, p99_us, rps;
	size_t	n;
};

/* One request, one reply: 0 with the reply, or -1. */
static int
roundtrip(int s, const struct reqs *r, size_t i, char **buf, int *n)
{
	if (nn_send(s, r->text[i], r->len[i], 0) < 0)
		return -1;
	return (*n = nn_recv(s, buf, NN_MSG, 0)) < 0 ? -1 : 0;
}

static void
client_main(enum target t, const char *url, const struct world *w,
    const struct reqs *r, size_t from, size_t to, struct shared *sh, int c,
    int ready_fd, int go_fd, double seconds)
{
	struct client_out *o = &sh->c[c];
	uint64_t t0, t1, limit;
	char err[256], *buf, g;
	size_t i, k, count = to - from;
	int s, n;

	if ((s = bus_connect_req(url, 10000, err, sizeof(err))) == -1) {
		snprintf(o->why, sizeof(o->why), "%s", err);
		_exit(1);
	}
	/* Warm up the connection, the caches and the CPU clocks. */
	for (k = 0; k < WARMUP_EACH && count > 0; k++) {
		i = from + k % count;
		if (roundtrip(s, r, i, &buf, &n) == -1) {
			snprintf(o->why, sizeof(o->why), "warm-up: %s",
			    nn_strerror(nn_errno()));
			_exit(1);
		}
		if (!full_check(t, w, r, i, buf, (size_t)n, o->why,
		    sizeof(o->why)))
			_exit(1);
		nn_freemsg(buf);
	}
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &g, 1) != 1) {
		snprintf(o->why, sizeof(o->why), "never started: another "
		    "client failed");
		_exit(1);
	}
	limit = seconds > 0 ? sh->t0 + (uint64_t)(seconds * 1e9) : 0;
	for (i = from; i < to; i++) {
		t0 = now_ns();
		if (nn_send(s, r->text[i], r->len[i], 0) < 0 ||
		    (n = nn_recv(s, &buf, NN_MSG, 0)) < 0) {
			snprintf(o->why, sizeof(o->why), "request %zu: %s",
			    i + 1, nn_strerror(nn_errno()));
			o->bad++;
			break;
		}
		t1 = now_ns();
		sh->lat[i] = t1 - t0;
		o->done++;
		if (!quick_check(t, r, i, buf, (size_t)n) ||
		    ((i - from) % FULL_CHECK_EVERY == 0 && !full_check(t, w,
		    r, i, buf, (size_t)n, o->why, sizeof(o->why)))) {
			if (o->bad++ == 0 && o->why[0] == '\0')
				snprintf(o->why, sizeof(o->why),
				    "request %zu: unexpected reply %.*s", i + 1,
				    n > 300 ? 300 : n, buf);
		}
		nn_freemsg(buf);
		if (limit && t1 > limit)
			break;
	}
	o->end = now_ns();
	bus_close(s);
	_exit(o->bad ? 1 : 0);
}

/*
 * nclients processes, each with its own REQ socket and an equal share of
 * the requests, released together; -1 if anything broke.
 */
static int
measure(enum target t, const char *url, const struct world *w,
    const struct reqs *r, int nclients, double seconds, struct run_result *res)
{
	size_t shsize = sizeof(struct shared) + r->n * sizeof(uint64_t);
	size_t i, k, total = 0, from, to;
	struct shared *sh;
	uint64_t *all, end = 0;
	pid_t pids[MAX_CLIENTS];
	int ready[2], go[2], status[MAX_CLIENTS], reaped[MAX_CLIENTS];
	int c, st, rc = 0, dead = 0;
	char buf[MAX_CLIENTS];
	struct pollfd pfd;
	ssize_t got;
	size_t have = 0;

	sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(sh, 0, sizeof(*sh));
	if (pipe(ready) == -1 || pipe(go) == -1)
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	for (c = 0; c < nclients; c++) {
		if ((pids[c] = fork()) == -1)
			die("fork: %s", strerror(errno));
		if (pids[c] == 0) {
			close(ready[0]);
			close(go[1]);
			client_main(t, url, w, r, r->n * (size_t)c /
			    (size_t)nclients, r->n * (size_t)(c + 1) /
			    (size_t)nclients, sh, c, ready[1], go[0], seconds);
		}
	}
	close(ready[1]);
	close(go[0]);
	memset(reaped, 0, sizeof(reaped));
	/*
	 * Wait until every client is connected and warm.  One that dies
	 * first would leave the others waiting at the barrier for ever:
	 * watch for that, and then release them with EOF instead.
	 */
	while (have < (size_t)nclients && !dead) {
		pfd.fd = ready[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) > 0) {
			if ((got = read(ready[0], buf, sizeof(buf))) <= 0 &&
			    !(got < 0 && errno == EINTR))
				break;
			if (got > 0)
				have += (size_t)got;
			continue;
		}
		for (c = 0; c < nclients; c++)
			if (!reaped[c] && waitpid(pids[c], &status[c],
			    WNOHANG) == pids[c])
				reaped[c] = dead = 1;
	}
	/* All connected and warm (or some died): release them together. */
	sh->t0 = now_ns();
	memset(buf, 'g', sizeof(buf));
	if (have == (size_t)nclients &&
	    write(go[1], buf, (size_t)nclients) != nclients)
		have = 0;
	close(go[1]);
	close(ready[0]);
	for (c = 0; c < nclients; c++) {
		if (reaped[c])
			st = status[c];
		else if (waitpid(pids[c], &st, 0) == -1)
			st = -1;
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "bench_migcheck: %s, %d client(s): "
			    "client %d failed: %s\n", target_name[t],
			    nclients, c, sh->c[c].why[0] ? sh->c[c].why :
			    "(no reason given)");
			rc = -1;
		}
	}
	if (have != (size_t)nclients)
		rc = -1;
	all = xcalloc(r->n ? r->n : 1, sizeof(*all));
	for (c = 0; c < nclients; c++) {
		from = r->n * (size_t)c / (size_t)nclients;
		to = from + sh->c[c].done;
		for (i = from, k = total; i < to; i++)
			all[k++] = sh->lat[i];
		total += sh->c[c].done;
		if (sh->c[c].end > end)
			end = sh->c[c].end;
	}
	memset(res, 0, sizeof(*res));
	if (total > 0 && rc == 0) {
		qsort(all, total, sizeof(*all), cmp_u64);
		res->p50_us = (double)all[(total - 1) * 50 / 100] / 1e3;
		res->p99_us = (double)all[(total - 1) * 99 / 100] / 1e3;
		res->rps = (double)total / ((double)(end - sh->t0) / 1e9);
		res->n = total;
	} else
		rc = -1;
	free(all);
	munmap(sh, shsize);
	return rc;
}

/* ---------------------------------------------------------- the runs */

struct size_result {
	size_t			hosts, vms;
	double			fill_s, db_mib, incompat_share;
	/* [target][client count index], the medians */
	struct run_result	med[T_N][NCC];
	/* [target][client count index][p50, p99, req/s][repetition] */
	double			v[T_N][NCC][3][MAX_REPS];
	int			reps;
	struct procstat		ps[T_N];
	double			cpu_us_per_req[T_N];
	size_t			log_lines;
	int			ok;
};

struct opts {
	size_t		 requests;
	int		 reps;
	double		 seconds;
	const char	*migcheck;
	int		 keep;
	int		 verbose;
};

static size_t
count_lines(const char *path)
{
	size_t n = 0;
	FILE *f;
	int ch;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* One size: its database, requests and servers, alive for the whole run. */
struct size_run {
	struct size_result	*sr;
	char			 dir[128];
	char			 db[256], log[256], codec_log[256];
	char			 url[T_N][300];
	struct world		 w;
	struct reqs		 r;
	pid_t			 pid[T_N];
	struct procstat		 before[T_N];
	size_t			 served[T_N];
};

static int
size_measure(const struct opts *o, struct size_run *sz, enum target t,
    int ci, int rep)
{
	struct reqs part = sz->r;
	struct run_result rr;

	/* A warm-up pass needs fewer requests than a measurement. */
	if (rep < 0 && part.n > WARMUP_PASS)
		part.n = WARMUP_PASS;
	if (measure(t, sz->url[t], &sz->w, &part, client_counts[ci],
	    o->seconds, &rr) == -1)
		return -1;
	sz->served[t] += rr.n + WARMUP_EACH * (size_t)client_counts[ci];
	if (rep < 0)
		return 0;
	sz->sr->v[t][ci][0][rep] = rr.p50_us;
	sz->sr->v[t][ci][1][rep] = rr.p99_us;
	sz->sr->v[t][ci][2][rep] = rr.rps;
	sz->sr->reps = rep + 1;
	if (o->verbose)
		fprintf(stderr, "  rep %d %zu x %zu %-8s %d client(s): p50 "
		    "%.1f p99 %.1f us, %.0f req/s\n", rep + 1, sz->w.nhosts,
		    sz->w.nvms, target_name[t], client_counts[ci], rr.p50_us,
		    rr.p99_us, rr.rps);
	return 0;
}

/*
 * Fill the database, start both servers and give each an unmeasured
 * warm-up pass (1 then 4 clients).  -1 if anything broke.
 */
static int
size_setup(const struct opts *o, size_t hosts, size_t vms,
    struct size_run *sz, struct size_result *sr)
{
	char why[512];
	uint64_t t;
	struct stat sb;
	int ci, tt;

	memset(sz, 0, sizeof(*sz));
	memset(sr, 0, sizeof(*sr));
	sz->sr = sr;
	sr->hosts = sz->w.nhosts = hosts;
	sr->vms = sz->w.nvms = vms;
	/* ipc paths are short (108 bytes): a long TMPDIR will not do. */
	make_tmpdir(sz->dir, sizeof(sz->dir), "bench_migcheck");
	snprintf(sz->db, sizeof(sz->db), "%s/cpulevel.db", sz->dir);
	snprintf(sz->log, sizeof(sz->log), "%s/migcheck.log", sz->dir);
	snprintf(sz->codec_log, sizeof(sz->codec_log), "%s/codec.log",
	    sz->dir);
	snprintf(sz->url[T_MIGCHECK], sizeof(sz->url[0]),
	    "ipc://%s/run/m.sock", sz->dir);
	snprintf(sz->url[T_CODEC], sizeof(sz->url[0]), "ipc://%s/run/c.sock",
	    sz->dir);
	snprintf(sz->url[T_BARE], sizeof(sz->url[0]), "ipc://%s/run/e.sock",
	    sz->dir);

	t = now_ns();
	world_fill(sz->db, &sz->w);
	sr->fill_s = (double)(now_ns() - t) / 1e9;
	if (stat(sz->db, &sb) == 0)
		sr->db_mib = (double)sb.st_size / (1024.0 * 1024.0);
	make_reqs(&sz->w, o->requests, &sz->r);
	sr->incompat_share = sz->r.incompat_share;
	fprintf(stderr, "%zu hosts x %zu VMs: database filled in %.2f s "
	    "(%.1f MiB), %.1f%% of the requests incompatible\n", hosts, vms,
	    sr->fill_s, sr->db_mib, 100 * sz->r.incompat_share);

	fflush(NULL);
	sz->pid[T_MIGCHECK] = spawn_migcheck(o->migcheck, sz->db,
	    sz->url[T_MIGCHECK], sz->log);
	sz->pid[T_CODEC] = spawn_codec(sz->url[T_CODEC], &sz->w,
	    sz->codec_log);
	sz->pid[T_BARE] = spawn_echo(sz->url[T_BARE]);
	for (tt = 0; tt < T_N; tt++)
		if (wait_ready(tt, sz->url[tt], sz->pid[tt], why,
		    sizeof(why)) == -1) {
			fprintf(stderr, "bench_migcheck: %s\n", why);
			return -1;
		}
	for (tt = 0; tt < T_N; tt++)
		read_procstat(sz->pid[tt], &sz->before[tt]);
	if (o->verbose)
		fprintf(stderr, "  servers: migcheck pid %d, codec pid %d, "
		    "bare pid %d\n", (int)sz->pid[T_MIGCHECK],
		    (int)sz->pid[T_CODEC], (int)sz->pid[T_BARE]);
	for (ci = 0; ci < NCC; ci++)
		for (tt = 0; tt < T_N; tt++)
			if (size_measure(o, sz, tt, ci, -1) == -1)
				return -1;
	return 0;
}

/* Medians, memory, stop the servers, clean up; -1 if a server broke. */
static int
size_finish(const struct opts *o, struct size_run *sz, int broken)
{
	struct size_result *sr = sz->sr;
	double tmp[MAX_REPS];
	int ci, tt, st;

	for (tt = 0; tt < T_N; tt++) {
		if (sz->pid[tt] <= 0)
			continue;
		read_procstat(sz->pid[tt], &sr->ps[tt]);
		/* Over every request each server answered, warm-ups too. */
		sr->cpu_us_per_req[tt] = sz->served[tt] ? (sr->ps[tt].cpu_s -
		    sz->before[tt].cpu_s) * 1e6 / (double)sz->served[tt] : 0;
	}
	if (!broken)
		for (tt = 0; tt < T_N; tt++)
			for (ci = 0; ci < NCC; ci++) {
				sr->med[tt][ci].p50_us =
				    median(memcpy(tmp, sr->v[tt][ci][0],
				    sizeof(tmp)), sr->reps);
				sr->med[tt][ci].p99_us =
				    median(memcpy(tmp, sr->v[tt][ci][1],
				    sizeof(tmp)), sr->reps);
				sr->med[tt][ci].rps =
				    median(memcpy(tmp, sr->v[tt][ci][2],
				    sizeof(tmp)), sr->reps);
			}
	for (tt = 0; tt < T_N; tt++) {
		if (sz->pid[tt] <= 0)
			continue;
		stop_server(sz->pid[tt], &st);
		/* -1: it had already gone, which wait_ready() reported. */
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			if (st != -1)
				fprintf(stderr, "bench_migcheck: %s server "
				    "ended badly (status 0x%x)\n",
				    target_name[tt], st);
			broken = 1;
		}
	}
	sr->log_lines = count_lines(sz->log);
	if (broken || o->keep)
		fprintf(stderr, "bench_migcheck: kept %s (migcheck's log: "
		    "%s)\n", sz->dir, sz->log);
	else
		remove_tree(sz->dir);
	reqs_free(&sz->r);
	world_free(&sz->w);
	sr->ok = !broken;
	return broken ? -1 : 0;
}

/*
 * All sizes are set up first and stay up, so that every repetition
 * measures every size and both servers back to back, alternating the
 * order: drift of the machine then moves all figures of a repetition
 * together, and the medians of the ratios (migcheck/bare, large/small)
 * stay steady.
 */
static int
run_all(const struct opts *o, size_t (*sizes)[2], int nsizes,
    struct size_result *sr)
{
	struct size_run sz[2];
	int s, rep, ci, k, tt, up = 0, broken = 0;

	for (s = 0; s < nsizes && !broken; s++, up++)
		broken = size_setup(o, sizes[s][0], sizes[s][1], &sz[s],
		    &sr[s]) == -1;
	for (rep = 0; rep < o->reps && !broken; rep++)
		for (ci = 0; ci < NCC && !broken; ci++)
			for (s = 0; s < nsizes && !broken; s++)
				for (k = 0; k < T_N && !broken; k++) {
					tt = (rep + s + k) % T_N;
					broken = size_measure(o, &sz[s], tt, ci,
					    rep) == -1;
				}
	for (s = 0; s < up; s++)
		broken |= size_finish(o, &sz[s], broken) == -1;
	return broken ? -1 : 0;
}

/* ------------------------------------------------------------ output */

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static const char *
verdict(int pass)
{
	return pass ? "PASS" : "MISS";
}

/* A row per server, each with its ratios to the bare echo. */
static void
print_table(const struct size_result *sr, int nsizes)
{
	static const enum target rows[] = { T_MIGCHECK, T_CODEC, T_BARE };
	const struct run_result *m, *b;
	char size[48];
	int s, ci, k;

	printf("\n%-14s %2s  %-8s | %8s %8s %8s | %s\n", "hosts x VMs", "cl",
	    "server", "p50 us", "p99 us", "req/s", "ratio to bare: p50 p99 "
	    "req/s");
	for (s = 0; s < nsizes; s++) {
		if (!sr[s].ok)
			continue;
		snprintf(size, sizeof(size), "%zu x %zu", sr[s].hosts,
		    sr[s].vms);
		for (ci = 0; ci < NCC; ci++)
			for (k = 0; k < T_N; k++) {
				m = &sr[s].med[rows[k]][ci];
				b = &sr[s].med[T_BARE][ci];
				printf("%-14s %2s  %-8s | %8.1f %8.1f %8.0f |",
				    ci == 0 && k == 0 ? size : "",
				    k == 0 ? (ci ? "4" : "1") : "",
				    target_name[rows[k]], m->p50_us,
				    m->p99_us, m->rps);
				if (rows[k] != T_BARE)
					printf("%19.2f %4.2f %5.2f",
					    ratio(m->p50_us, b->p50_us),
					    ratio(m->p99_us, b->p99_us),
					    ratio(m->rps, b->rps));
				printf("\n");
			}
	}
	printf("\n");
	for (s = 0; s < nsizes; s++)
		if (sr[s].ok)
			printf("%zu x %zu: db %.1f MiB, filled in %.2f s; "
			    "%.1f%% incompatible; server CPU per request "
			    "(all threads): migcheck %.1f us, codec %.1f us, "
			    "bare %.1f us; migcheck VmRSS %ld KiB, VmHWM %ld "
			    "KiB; %zu log lines\n", sr[s].hosts, sr[s].vms,
			    sr[s].db_mib, sr[s].fill_s,
			    100 * sr[s].incompat_share,
			    sr[s].cpu_us_per_req[T_MIGCHECK],
			    sr[s].cpu_us_per_req[T_CODEC],
			    sr[s].cpu_us_per_req[T_BARE],
			    sr[s].ps[T_MIGCHECK].rss_kb,
			    sr[s].ps[T_MIGCHECK].hwm_kb, sr[s].log_lines);
}

/* The spread of a ratio over the repetitions, each measured back to back. */
static void
spread(const struct size_result *a, enum target ta, const struct size_result *b,
    enum target tb, int ci, int k, double *lo, double *hi)
{
	double x;
	int r, n = a->reps < b->reps ? a->reps : b->reps;

	*lo = *hi = 0;
	for (r = 0; r < n; r++) {
		x = ratio(a->v[ta][ci][k][r], b->v[tb][ci][k][r]);
		if (r == 0 || x < *lo)
			*lo = x;
		if (r == 0 || x > *hi)
			*hi = x;
	}
}

/*
 * (a) on the first (small) size, (b) the last size against the first,
 * (c) after the last (largest) run.
 */
static void
print_targets(const struct size_result *sr, int nsizes)
{
	const struct size_result *sm = &sr[0], *lg = &sr[nsizes - 1];
	double p, q, plo, phi, qlo, qhi;
	int ci;

	printf("\nTargets (ratios of the medians; in brackets the range of "
	    "the ratios of\nthe single repetitions, whose runs are back to "
	    "back):\n");
	for (ci = 0; ci < NCC; ci++) {
		p = ratio(sm->med[T_MIGCHECK][ci].p50_us,
		    sm->med[T_BARE][ci].p50_us);
		q = ratio(sm->med[T_MIGCHECK][ci].rps,
		    sm->med[T_BARE][ci].rps);
		spread(sm, T_MIGCHECK, sm, T_BARE, ci, 0, &plo, &phi);
		spread(sm, T_MIGCHECK, sm, T_BARE, ci, 2, &qlo, &qhi);
		printf("  (a) %zu x %zu, %d client(s): p50 ratio %.2f <= 1.25 "
		    "%s [%.2f-%.2f]; req/s ratio %.2f >= 0.80 %s [%.2f-%.2f]\n",
		    sm->hosts, sm->vms, client_counts[ci], p,
		    verdict(p <= 1.25), plo, phi, q, verdict(q >= 0.80), qlo,
		    qhi);
	}
	/* Not a target: where (a)'s margin goes. */
	for (ci = 0; ci < NCC; ci++) {
		spread(sm, T_CODEC, sm, T_BARE, ci, 0, &plo, &phi);
		spread(sm, T_CODEC, sm, T_BARE, ci, 2, &qlo, &qhi);
		printf("      the codec floor alone (no database), %d "
		    "client(s): p50 ratio %.2f [%.2f-%.2f]; req/s ratio %.2f "
		    "[%.2f-%.2f]\n", client_counts[ci],
		    ratio(sm->med[T_CODEC][ci].p50_us,
		    sm->med[T_BARE][ci].p50_us), plo, phi,
		    ratio(sm->med[T_CODEC][ci].rps, sm->med[T_BARE][ci].rps),
		    qlo, qhi);
	}
	if (nsizes > 1)
		for (ci = 0; ci < NCC; ci++) {
			p = ratio(lg->med[T_MIGCHECK][ci].p50_us,
			    sm->med[T_MIGCHECK][ci].p50_us);
			spread(lg, T_MIGCHECK, sm, T_MIGCHECK, ci, 0, &plo,
			    &phi);
			printf("  (b) %zu x %zu vs %zu x %zu, %d client(s): "
			    "migcheck p50 %.1f / %.1f us = %.2f <= 1.10 %s "
			    "[%.2f-%.2f]\n", lg->hosts, lg->vms, sm->hosts,
			    sm->vms, client_counts[ci],
			    lg->med[T_MIGCHECK][ci].p50_us,
			    sm->med[T_MIGCHECK][ci].p50_us, p,
			    verdict(p <= 1.10), plo, phi);
		}
	/* Not a target: how much of (b) the machine does to any server. */
	for (ci = 0; nsizes > 1 && ci < NCC; ci++) {
		spread(lg, T_CODEC, sm, T_CODEC, ci, 0, &plo, &phi);
		printf("      the codec floor (an in-memory binary search), %d "
		    "client(s): p50 %.1f / %.1f us = %.2f [%.2f-%.2f]\n",
		    client_counts[ci], lg->med[T_CODEC][ci].p50_us,
		    sm->med[T_CODEC][ci].p50_us,
		    ratio(lg->med[T_CODEC][ci].p50_us,
		    sm->med[T_CODEC][ci].p50_us), plo, phi);
	}
	if (nsizes == 1)
		printf("  (b) needs two sizes: not evaluated\n");
	printf("  (c) after %zu x %zu: migcheck VmRSS %.1f MiB, VmHWM %.1f "
	    "MiB < 16 MiB %s\n", lg->hosts, lg->vms,
	    (double)lg->ps[T_MIGCHECK].rss_kb / 1024,
	    (double)lg->ps[T_MIGCHECK].hwm_kb / 1024,
	    verdict(lg->ps[T_MIGCHECK].rss_kb < 16 * 1024 &&
	    lg->ps[T_MIGCHECK].hwm_kb < 16 * 1024));
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: bench_migcheck [--hosts N] [--vms M] "
	    "[--requests K] [--reps R]\n"
	    "                      [--seconds S] [--migcheck PATH] [--keep] "
	    "[-v]\n\n"
	    "Without --hosts/--vms: 64 x 10000, then 1000 x 100000.\n"
	    "--requests: a measurement's requests, shared by its clients "
	    "(default 20000)\n"
	    "--reps: repetitions of each measurement; medians are reported "
	    "(default 7)\n"
	    "--seconds: a measurement stops after this long (default 20)\n"
	    "--migcheck: the daemon (default " MIGCHECK_PATH ")\n"
	    "--keep: keep the temporary directories\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hosts",	required_argument,	NULL, 'H' },
		{ "vms",	required_argument,	NULL, 'V' },
		{ "requests",	required_argument,	NULL, 'k' },
		{ "reps",	required_argument,	NULL, 'R' },
		{ "seconds",	required_argument,	NULL, 's' },
		{ "migcheck",	required_argument,	NULL, 'm' },
		{ "keep",	no_argument,		NULL, 'K' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct opts o = { 20000, 7, 20, MIGCHECK_PATH, 0, 0 };
	size_t hosts = 0, vms = 0;
	size_t sizes[2][2] = { { 64, 10000 }, { 1000, 100000 } };
	struct size_result sr[2];
	int c, nsizes = 2;
	char host[256] = "?";
	time_t now;
	char date[64];

	die_prog = "bench_migcheck";
	die_cleanup = stop_servers;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'H': hosts = parse_size(optarg, "--hosts", 1); break;
		case 'V': vms = parse_size(optarg, "--vms", 1); break;
		case 'k': o.requests = parse_size(optarg, "--requests",
		    MAX_CLIENTS); break;
		case 'R': o.reps = (int)parse_size(optarg, "--reps", 1);
			if (o.reps > MAX_REPS)
				die("--reps: at most %d", MAX_REPS);
			break;
		case 's': o.seconds = atof(optarg); break;
		case 'm': o.migcheck = optarg; break;
		case 'K': o.keep = 1; break;
		case 'v': o.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (access(o.migcheck, X_OK) == -1)
		die("%s: %s (build it, or pass --migcheck PATH)", o.migcheck,
		    strerror(errno));
	if (hosts || vms) {
		nsizes = 1;
		sizes[0][0] = hosts ? hosts : 64;
		sizes[0][1] = vms ? vms : 10000;
	}
	main_pid = getpid();
	signal(SIGPIPE, SIG_IGN);
	make_sets();
	now = time(NULL);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	gethostname(host, sizeof(host) - 1);
	printf("bench_migcheck: VM.assert_can_migrate over ipc, %zu requests "
	    "a measurement, median of %d; %s, %ld CPUs\n", o.requests, o.reps,
	    date, sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);
	if (run_all(&o, sizes, nsizes, sr) == -1) {
		fprintf(stderr, "bench_migcheck: something broke: no figures\n");
		return 1;
	}
	print_table(sr, nsizes);
	print_targets(sr, nsizes);
	return 0;
}
