/*
 * Client load for the fault scenarios of tests/RELIABILITY.md (run by
 * tests/soak/faults.sh): many clients on a daemon's request socket, and
 * clients that never read, while one well-behaved client measures how
 * long the daemon takes to answer it.
 *
 * usage: cpulevel-soak-clients URL N MODE
 *   MODE "ask":    N REQ clients (in processes of at most 250 sockets,
 *                  nanomsg's limit is 512) each send Service.version and
 *                  wait for the answer;
 *   MODE "silent": N REQ clients send and never read their replies, and
 *                  N raw connections to the ipc path send half a
 *                  handshake and never read anything.
 * The clients stay connected for 3 s while a separate client asks
 * Service.version every 100 ms.  Prints one line:
 *   answered A of N; probe: P of Q answered, slowest S ms
 * and exits 0 only if the probe was answered every time within 1 s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#define PER_PROC	250
#define HOLD_MS		3000

static const char ping[] =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"Service.version\"}";

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
req_socket(const char *url, int timeout_ms)
{
	int s = nn_socket(AF_SP, NN_REQ);

	if (s < 0)
		return -1;
	nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout_ms,
	    sizeof(timeout_ms));
	nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout_ms,
	    sizeof(timeout_ms));
	if (nn_connect(s, url) < 0) {
		nn_close(s);
		return -1;
	}
	return s;
}

/* A raw connection to an ipc:// path that sends 4 of the 8 bytes of the
 * SP header and then nothing: a peer that stalls mid-handshake. */
static int
raw_stall(const char *url)
{
	struct sockaddr_un sun;
	int fd;

	if (strncmp(url, "ipc://", 6) != 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", url + 6);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    write(fd, "\0SP\0", 4) != 4) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One process's share: n clients; exits with how many were answered. */
static void __attribute__((noreturn))
child(const char *url, int n, int silent)
{
	int s[PER_PROC], raw[PER_PROC], i, answered = 0, left;
	long long end;
	void *buf;

	for (i = 0; i < n; i++) {
		s[i] = req_socket(url, 5000);
		raw[i] = silent ? raw_stall(url) : -1;
		if (s[i] >= 0)
			nn_send(s[i], ping, sizeof(ping) - 1, NN_DONTWAIT);
	}
	/* All answers within 5 s of the start, not 5 s each. */
	end = now_ms() + 5000;
	for (i = 0; !silent && i < n; i++) {
		left = (int)(end - now_ms());
		if (left < 1)
			left = 1;
		nn_setsockopt(s[i], NN_SOL_SOCKET, NN_RCVTIMEO, &left,
		    sizeof(left));
		if (s[i] >= 0 && nn_recv(s[i], &buf, NN_MSG, 0) >= 0) {
			nn_freemsg(buf);
			answered++;
		}
	}
	usleep(HOLD_MS * 1000);
	for (i = 0; i < n; i++) {
		if (s[i] >= 0)
			nn_close(s[i]);
		if (raw[i] >= 0)
			close(raw[i]);
	}
	_exit(answered > 255 ? 255 : answered);
}

int
main(int argc, char **argv)
{
	const char *url;
	int n, silent, left, share, procs = 0, answered = 0, st;
	int probes = 0, probed = 0, s;
	long long t, slowest = 0, end;
	void *buf;
	pid_t pid;

	if (argc != 4 || (strcmp(argv[3], "ask") != 0 &&
	    strcmp(argv[3], "silent") != 0)) {
		fprintf(stderr, "usage: cpulevel-soak-clients URL N "
		    "ask|silent\n");
		return 2;
	}
	url = argv[1];
	n = atoi(argv[2]);
	silent = strcmp(argv[3], "silent") == 0;
	for (left = n; left > 0; left -= share) {
		share = left > PER_PROC ? PER_PROC : left;
		if ((pid = fork()) == 0)
			child(url, share, silent);
		if (pid > 0)
			procs++;
	}
	/* The well-behaved client, while the others hold on. */
	end = now_ms() + HOLD_MS;
	while (now_ms() < end) {
		probes++;
		t = now_ms();
		if ((s = req_socket(url, 1000)) >= 0 &&
		    nn_send(s, ping, sizeof(ping) - 1, 0) >= 0 &&
		    nn_recv(s, &buf, NN_MSG, 0) >= 0) {
			nn_freemsg(buf);
			probed++;
		}
		if (now_ms() - t > slowest)
			slowest = now_ms() - t;
		if (s >= 0)
			nn_close(s);
		usleep(100000);
	}
	while (procs-- > 0)
		if (wait(&st) > 0 && WIFEXITED(st))
			answered += WEXITSTATUS(st);
	if (silent)
		printf("%d clients never read; ", n);
	else
		printf("answered %d of %d; ", answered, n);
	printf("probe: %d of %d answered, slowest %lld ms\n", probed, probes,
	    slowest);
	return probed == probes && slowest < 1000 ? 0 : 1;
}
