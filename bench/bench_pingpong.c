/*
 * bench_pingpong: the transport floor beneath bench_migcheck's bare echo.
 * An AF_UNIX SOCK_SEQPACKET ping-pong: a server process that poll()s its
 * clients' connections and writes each message straight back, and 1 or 4
 * client processes that each send a request-sized message and wait for
 * it, one at a time, as bench_migcheck's clients do.  No nanomsg, no
 * libevent, no worker threads: what a round trip between two processes
 * costs this kernel on this machine.  bench/run prints it after
 * bench_migcheck, so that the echo's p50 and req/s can be read against
 * it (bench/README.md: "the transport floor").
 *
 * A benchmark, not a test: it exits 0 whatever the figures, non-zero only
 * when a message came back wrong or a process failed.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define MAX_CLIENTS	4
#define MAX_REPS	16
#define WARMUP		500
/* As long as bench_migcheck's VM.assert_can_migrate requests. */
#define MSG_LEN		150

/* The echo: every message back to its sender, until all have gone. */
static void
server_main(int *fds, int n)
{
	struct pollfd pfd[MAX_CLIENTS];
	char buf[4096];
	ssize_t len;
	int i, open = n;

	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	while (open > 0) {
		if (poll(pfd, (nfds_t)n, -1) == -1 && errno != EINTR)
			_exit(1);
		for (i = 0; i < n; i++) {
			if (pfd[i].fd == -1 || !(pfd[i].revents &
			    (POLLIN | POLLHUP)))
				continue;
			if ((len = recv(pfd[i].fd, buf, sizeof(buf), 0)) <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open--;
			} else if (send(pfd[i].fd, buf, (size_t)len, 0) != len)
				_exit(1);
		}
	}
	_exit(0);
}

/*
 * A client: warm up, wait for the start byte, then k round trips, each
 * timed; the times go back through out, then the time of the last reply.
 */
static void
client_main(int s, int go, int out, size_t k)
{
	char msg[MSG_LEN], buf[MSG_LEN + 1];
	uint64_t *t = calloc(k + 1, sizeof(*t)), t0;
	size_t i;

	if (t == NULL)
		_exit(1);
	memset(msg, 'x', sizeof(msg));
	for (i = 0; i < WARMUP + k; i++) {
		if (i == WARMUP && read(go, buf, 1) != 1)
			_exit(1);
		t0 = now_ns();
		if (send(s, msg, sizeof(msg), 0) != (ssize_t)sizeof(msg) ||
		    recv(s, buf, sizeof(buf), 0) != (ssize_t)sizeof(msg) ||
		    memcmp(buf, msg, sizeof(msg)) != 0)
			_exit(1);
		if (i >= WARMUP)
			t[i - WARMUP] = now_ns() - t0;
	}
	t[k] = now_ns();
	if (write(out, t, (k + 1) * sizeof(*t)) !=
	    (ssize_t)((k + 1) * sizeof(*t)))
		_exit(1);
	_exit(0);
}

static int
read_all(int fd, void *p, size_t n)
{
	char *b = p;
	ssize_t r;

	while (n > 0) {
		if ((r = read(fd, b, n)) <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

struct result {
	double p50, p99, rps;
};

/* One measurement: n clients sharing k requests. */
static int
measure(int n, size_t k, struct result *res)
{
	int sv[MAX_CLIENTS][2], go[2], out[MAX_CLIENTS][2], fds[MAX_CLIENTS];
	size_t each = k / (size_t)n, all = 0;
	uint64_t *t = calloc(k + MAX_CLIENTS, sizeof(*t)), start, end = 0;
	pid_t pids[MAX_CLIENTS + 1];
	int c, st, bad = 0;

	if (t == NULL || pipe(go) == -1)
		return -1;
	for (c = 0; c < n; c++) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv[c]) == -1 ||
		    pipe(out[c]) == -1)
			return -1;
		fds[c] = sv[c][0];
	}
	if ((pids[n] = fork()) == 0) {
		for (c = 0; c < n; c++)
			close(sv[c][1]);
		server_main(fds, n);
	}
	for (c = 0; c < n; c++) {
		if ((pids[c] = fork()) == 0) {
			close(go[1]);
			client_main(sv[c][1], go[0], out[c][1], each);
		}
		close(sv[c][0]);
		close(sv[c][1]);
		close(out[c][1]);
	}
	close(go[0]);
	usleep(200000);			/* all warmed up */
	start = now_ns();
	for (c = 0; c < n; c++)
		if (write(go[1], "g", 1) != 1)
			bad = 1;
	for (c = 0; c < n; c++) {
		if (read_all(out[c][0], t + all, (each + 1) * sizeof(*t)) == -1)
			bad = 1;
		if (t[all + each] > end)
			end = t[all + each];
		all += each;
		close(out[c][0]);
	}
	close(go[1]);
	for (c = 0; c <= n; c++)
		if (waitpid(pids[c], &st, 0) == -1 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad = 1;
	if (bad) {
		free(t);
		return -1;
	}
	/* Each client's end time was overwritten by the next one's. */
	qsort(t, all, sizeof(*t), cmp_u64);
	res->p50 = (double)t[all / 2] / 1e3;
	res->p99 = (double)t[all * 99 / 100] / 1e3;
	res->rps = (double)all / ((double)(end - start) / 1e9);
	free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "requests",	required_argument,	NULL, 'k' },
		{ "reps",	required_argument,	NULL, 'r' },
		{ NULL,		0,			NULL, 0 }
	};
	static const int counts[] = { 1, MAX_CLIENTS };
	double p50[MAX_REPS], p99[MAX_REPS], rps[MAX_REPS];
	struct result res;
	size_t k = 20000;
	int c, reps = 7, rep, i;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': k = (size_t)strtoul(optarg, NULL, 10); break;
		case 'r': reps = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench_pingpong [--requests K] "
			    "[--reps R]\n");
			return 2;
		}
	}
	if (k < 4 || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "bench_pingpong: --requests >= 4, --reps "
		    "1 to %d\n", MAX_REPS);
		return 2;
	}
	printf("bench_pingpong: AF_UNIX SOCK_SEQPACKET ping-pong of %d "
	    "bytes, %zu requests a measurement, median of %d\n", MSG_LEN, k,
	    reps);
	for (i = 0; i < 2; i++) {
		for (rep = 0; rep < reps; rep++) {
			if (measure(counts[i], k, &res) == -1) {
				fprintf(stderr, "bench_pingpong: a process "
				    "failed or a message came back wrong\n");
				return 1;
			}
			p50[rep] = res.p50;
			p99[rep] = res.p99;
			rps[rep] = res.rps;
		}
		printf("unix ping-pong  %d client(s): p50 %.1f us, p99 %.1f "
		    "us, %.0f req/s\n", counts[i], median(p50, reps),
		    median(p99, reps), median(rps, reps));
	}
	return 0;
}
