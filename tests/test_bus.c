/*
 * The nanomsg bus (lib/bus.c) over real ipc sockets in a temporary
 * directory: the owner-only socket directory, a raw REP server answering
 * REQ clients (in order and out of order), the message size bound, and
 * PUB/SUB events.
 *
 * Clients run in child processes.  nanomsg keeps worker threads that a
 * fork does not copy, so a child re-executes this test (--client) before
 * it touches nanomsg: fork, then exec (argv[0], else /proc/self/exe),
 * then bus_connect_req + bus_call.
 * Each child prints one line per call, "REPLY <len> <text>" or
 * "ERROR <why>", on a pipe the parent reads.  Every wait is bounded.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>

#include <json.h>

#include "bus.h"
#include "rpc.h"
#include "rpc_client.h"
#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char tmpdir[] = "/tmp/test_bus.XXXXXX";
static char label[512];
static const char *self_exe = "/proc/self/exe";

/* ---- time ---- */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- the client child ---- */

/* A JSON text of exactly n bytes (n >= 10). */
static char *
big_json(size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL || n < 10)
		return NULL;
	memcpy(s, "{\"big\":\"", 8);
	memset(s + 8, 'x', n - 10);
	memcpy(s + n - 2, "\"}", 3);
	return s;
}

static int
client_main(int argc, char **argv)
{
	char err[256], *reply, *big;
	const char *req;
	size_t len;
	int s, i;

	alarm(30);
	if (argc < 4)
		return 2;
	if ((s = bus_connect_req(argv[2], atoi(argv[3]), err,
	    sizeof(err))) == -1) {
		printf("CONNECT-ERROR %s\n", err);
		return 1;
	}
	for (i = 4; i < argc; i++) {
		big = NULL;
		req = argv[i];
		if (strncmp(req, "@big:", 5) == 0)
			req = big = big_json(strtoul(req + 5, NULL, 10));
		if (req == NULL) {
			printf("ERROR out of memory\n");
			continue;
		}
		if (bus_call(s, req, &reply, &len, err, sizeof(err)) == 0) {
			printf("REPLY %zu %s\n", len, reply);
			free(reply);
		} else
			printf("ERROR %s\n", err);
		fflush(stdout);
		free(big);
	}
	bus_close(s);
	return 0;
}

struct child {
	pid_t	pid;
	int	fd;		/* its stdout */
	char	out[4096];
	size_t	len;
};

/* Start a client: url, its timeout, then the requests (NULL-ended). */
static int
spawn_client(struct child *c, const char *url, int timeout_ms, ...)
{
	const char *args[16];
	char tmo[16];
	va_list ap;
	int p[2];
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	snprintf(tmo, sizeof(tmo), "%d", timeout_ms);
	args[n++] = "test_bus";
	args[n++] = "--client";
	args[n++] = url;
	args[n++] = tmo;
	va_start(ap, timeout_ms);
	while (n < NELEM(args) - 1 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	if (pipe(p) == -1)
		return -1;
	fflush(stdout);
	if ((c->pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (c->pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execv(self_exe, (char *const *)args);
		printf("ERROR exec: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	c->fd = p[0];
	return 0;
}

/* Read the child's output to EOF and reap it, within timeout_ms. */
static void
finish_client(struct child *c, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct pollfd pfd;
	ssize_t r;
	int status, left;

	if (c->pid <= 0)
		return;
	while (c->fd != -1 && (left = (int)(deadline - now_ms())) > 0) {
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		r = read(c->fd, c->out + c->len, sizeof(c->out) - 1 - c->len);
		if (r <= 0) {
			close(c->fd);
			c->fd = -1;
		} else
			c->len += (size_t)r;
	}
	c->out[c->len] = '\0';
	if (c->fd != -1) {
		diag("client %d did not finish in %d ms: killed", (int)c->pid,
		    timeout_ms);
		kill(c->pid, SIGKILL);
		close(c->fd);
		c->fd = -1;
	}
	while (waitpid(c->pid, &status, 0) == -1 && errno == EINTR)
		;
	c->pid = 0;
}

/* The n-th output line (0-based) of a finished child, without "\n". */
static const char *
child_line(const struct child *c, int n)
{
	static char line[4096];
	const char *p = c->out, *e;

	for (; n > 0 && p; n--)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p == NULL || *p == '\0')
		return "(no line)";
	e = strchr(p, '\n');
	snprintf(line, sizeof(line), "%.*s", (int)(e ? e - p : (int)strlen(p)),
	    p);
	return line;
}

/* ---- the server side ---- */

/* 1 with *m taken, 0 if nothing came within timeout_ms, -1 on error. */
static int
wait_request(int sock, int fd, int timeout_ms, struct bus_msg *m)
{
	long long deadline = now_ms() + timeout_ms;
	struct pollfd pfd;
	int rc, left;

	for (;;) {
		if ((rc = bus_recv_request(sock, m)) != 0)
			return rc;
		if ((left = (int)(deadline - now_ms())) <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = POLLIN;
		poll(&pfd, 1, left);
	}
}

static int
body_is(const struct bus_msg *m, const char *s)
{
	return m->body != NULL && m->len == strlen(s) &&
	    memcmp(m->body, s, m->len) == 0;
}

static int
reply_to(int sock, struct bus_msg *m, const char *prefix)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%.*s", prefix,
	    (int)(m->len < 256 ? m->len : 256), m->body);
	return bus_send_reply(sock, m, buf, (size_t)n);
}

static char *
path_in(const char *rel)
{
	static char buf[4][1024];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, rel);
	return buf[i];
}

static char *
url_in(const char *rel)
{
	static char buf[4][1100];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "ipc://%s/%s", tmpdir, rel);
	return buf[i];
}

/* ---- tests ---- */

static void
test_socket_dir(void)
{
	static const struct {
		const char	*dir;
		mode_t		 mode;
	} refused[] = {
		{ "open", 0777 },
		{ "others-rx", 0705 },
		{ "others-x", 0701 },
		{ "group-rx", 0750 },
		{ "group-x", 0710 },
	};
	struct stat st;
	char err[512];
	mode_t old;
	size_t i;
	int s;

	/* Created owner-only whatever the umask says. */
	old = umask(0);
	err[0] = '\0';
	s = bus_listen_rep(url_in("made/x.sock"), 0, err, sizeof(err));
	umask(old);
	if (!ok(s >= 0, "bus_listen_rep creates the socket directory"))
		diag("err: %s", err);
	ok(stat(path_in("made"), &st) == 0 && S_ISDIR(st.st_mode),
	    "the socket directory exists");
	if (!ok((st.st_mode & 07777) == 0700, "the socket directory is 0700"))
		diag("mode %03o", (unsigned int)(st.st_mode & 07777));
	ok(stat(path_in("made/x.sock"), &st) == 0 && S_ISSOCK(st.st_mode),
	    "the socket is in it");
	if (s >= 0)
		bus_close(s);

	/* An existing 0700 directory of ours is fine. */
	s = bus_listen_rep(url_in("made/y.sock"), 0, err, sizeof(err));
	ok(s >= 0, "an existing 0700 directory is accepted");
	if (s >= 0)
		bus_close(s);

	/* One that others can enter is refused, naming it. */
	for (i = 0; i < NELEM(refused); i++) {
		if (mkdir(path_in(refused[i].dir), 0700) == -1 ||
		    chmod(path_in(refused[i].dir), refused[i].mode) == -1) {
			printf("Bail out! cannot make %s: %s\n",
			    path_in(refused[i].dir), strerror(errno));
			exit(2);
		}
		err[0] = '\0';
		snprintf(label, sizeof(label), "%s/x.sock", refused[i].dir);
		s = bus_listen_rep(url_in(label), 0, err, sizeof(err));
		snprintf(label, sizeof(label), "a %03o socket directory is "
		    "refused", (unsigned int)refused[i].mode);
		ok(s == -1, label);
		if (s >= 0)
			bus_close(s);
		snprintf(label, sizeof(label), "%03o: err names the directory",
		    (unsigned int)refused[i].mode);
		if (!ok(strstr(err, path_in(refused[i].dir)) != NULL, label))
			diag("err: %s", err);
		snprintf(label, sizeof(label), "%03o: no socket was made",
		    (unsigned int)refused[i].mode);
		snprintf(err, sizeof(err), "%s/x.sock", refused[i].dir);
		ok(stat(path_in(err), &st) == -1 && errno == ENOENT, label);
		chmod(path_in(refused[i].dir), 0700);
	}

	/* PUB too. */
	chmod(path_in("open"), 0777);
	err[0] = '\0';
	s = bus_listen_pub(url_in("open/ev.sock"), 0, err, sizeof(err));
	ok(s == -1, "bus_listen_pub refuses a 0777 directory too");
	if (s >= 0)
		bus_close(s);
	chmod(path_in("open"), 0700);

	/* A file where the directory should be. */
	{
		FILE *f = fopen(path_in("file"), "w");

		if (f)
			fclose(f);
	}
	err[0] = '\0';
	s = bus_listen_rep(url_in("file/x.sock"), 0, err, sizeof(err));
	ok(s == -1 && strstr(err, path_in("file")) != NULL,
	    "a file in place of the directory is refused, named");
	if (s >= 0)
		bus_close(s);

	/* A parent that does not exist: an error, not a crash. */
	err[0] = '\0';
	s = bus_listen_rep(url_in("no/such/x.sock"), 0, err, sizeof(err));
	ok(s == -1 && err[0] != '\0', "a missing parent directory: an error");
	if (s >= 0)
		bus_close(s);

	/* A link to a good directory: whoever may replace the link would
	 * choose where the socket goes, so it is refused, named. */
	if (symlink(path_in("made"), path_in("link")) == -1) {
		printf("Bail out! symlink: %s\n", strerror(errno));
		exit(2);
	}
	err[0] = '\0';
	s = bus_listen_rep(url_in("link/z.sock"), 0, err, sizeof(err));
	ok(s == -1, "a socket directory that is a symbolic link is refused");
	if (!ok(strstr(err, path_in("link")) != NULL &&
	    strstr(err, "symbolic link") != NULL, "the error names the link"))
		diag("err: %s", err);
	ok(stat(path_in("made/z.sock"), &st) == -1 && errno == ENOENT,
	    "no socket was made through the link");
	if (s >= 0)
		bus_close(s);
}

/* Which addresses may be listened on, with and without the option. */
static void
test_listen_urls(void)
{
	static const struct {
		const char	*url;
		int		 loopback;
	} urls[] = {
		{ "tcp://127.0.0.1:5510", 1 },
		{ "tcp://127.1.2.3:5510", 1 },
		{ "tcp://localhost:5510", 1 },
		{ "tcp://[::1]:5510", 1 },
		{ "tcp://::1:5510", 1 },
		{ "tcp://[::ffff:127.0.0.1]:5510", 1 },
		{ "ws://127.0.0.1:5510/cpulevel", 1 },
		{ "tcp://0.0.0.0:5510", 0 },
		{ "tcp://*:5510", 0 },
		{ "tcp://10.1.2.3:5510", 0 },
		{ "tcp://192.0.2.10:5510", 0 },
		{ "tcp://128.0.0.1:5510", 0 },
		{ "tcp://[::]:5510", 0 },
		{ "tcp://[2001:db8::1]:5510", 0 },
		{ "tcp://[::ffff:10.0.0.1]:5510", 0 },
		{ "tcp://eth0:5510", 0 },
		{ "tcp://lo:5510", 0 },
		{ "tcp://master.example:5510", 0 },
		{ "tcp://:5510", 0 },
		{ "ws://0.0.0.0:5510/cpulevel", 0 },
	};
	char err[512];
	size_t i;
	int rc;

	for (i = 0; i < NELEM(urls); i++) {
		err[0] = '\0';
		rc = bus_check_listen_url(urls[i].url, 0, err, sizeof(err));
		snprintf(label, sizeof(label), "%s: %s", urls[i].url,
		    urls[i].loopback ? "loopback, allowed" :
		    "refused without --unauthenticated-tcp");
		if (!ok(rc == (urls[i].loopback ? 0 : -1), label))
			diag("err: %s", err);
		if (!urls[i].loopback) {
			snprintf(label, sizeof(label), "%s: the error names "
			    "it and the option", urls[i].url);
			ok(strstr(err, urls[i].url) != NULL &&
			    strstr(err, "--unauthenticated-tcp") != NULL,
			    label);
		}
		snprintf(label, sizeof(label), "%s: allowed with "
		    "BUS_UNAUTHENTICATED_TCP", urls[i].url);
		ok(bus_check_listen_url(urls[i].url, BUS_UNAUTHENTICATED_TCP,
		    err, sizeof(err)) == 0, label);
	}
	ok(bus_check_listen_url("ipc:///run/cpulevel/x.sock", 0, err,
	    sizeof(err)) == 0, "ipc:// is not a network address");

	/* bus_listen_rep makes the same check. */
	err[0] = '\0';
	rc = bus_listen_rep("tcp://0.0.0.0:1", 0, err, sizeof(err));
	ok(rc == -1 && strstr(err, "--unauthenticated-tcp") != NULL,
	    "bus_listen_rep refuses tcp://0.0.0.0 without the flag");
	if (rc >= 0)
		bus_close(rc);
}

/* An ipc:// path of n bytes in tmpdir/made (n >= 40). */
static const char *
ipc_url_of(size_t n)
{
	static char url[1100];
	size_t dirlen;
	int used;

	used = snprintf(url, sizeof(url), "ipc://%s/made/", tmpdir);
	dirlen = (size_t)used - strlen("ipc://");
	memset(url + used, 'p', n - dirlen - 5);
	snprintf(url + used + (n - dirlen - 5), 6, ".sock");
	return url;
}

/*
 * nanomsg asserts on an ipc path that does not fit sun_path (108 bytes
 * with its NUL): bus.c must refuse it first, listening or connecting.
 */
static void
test_ipc_path(void)
{
	const char *url;
	char err[512], limit[32];
	int s;

	snprintf(limit, sizeof(limit), "%zu",
	    sizeof(((struct sockaddr_un *)0)->sun_path));
	url = ipc_url_of(107);
	ok(bus_check_ipc_path(url, err, sizeof(err)) == 0,
	    "an ipc path of 107 bytes fits");
	s = bus_listen_rep(url, 0, err, sizeof(err));
	if (!ok(s >= 0, "bus_listen_rep binds an ipc path of 107 bytes"))
		diag("err: %s", err);
	if (s >= 0)
		bus_close(s);
	unlink(url + strlen("ipc://"));

	url = ipc_url_of(108);
	err[0] = '\0';
	ok(bus_check_ipc_path(url, err, sizeof(err)) == -1,
	    "an ipc path of 108 bytes is refused");
	if (!ok(strstr(err, url + strlen("ipc://")) != NULL &&
	    strstr(err, limit) != NULL && strchr(err, '\n') == NULL,
	    "... on one line naming the path and the limit"))
		diag("err: %s", err);
	err[0] = '\0';
	ok(bus_check_listen_url(url, 0, err, sizeof(err)) == -1 &&
	    strstr(err, limit) != NULL,
	    "bus_check_listen_url refuses it (the daemons' option check)");
	err[0] = '\0';
	s = bus_listen_rep(url, 0, err, sizeof(err));
	ok(s == -1 && strstr(err, limit) != NULL,
	    "bus_listen_rep refuses it instead of aborting");
	err[0] = '\0';
	s = bus_listen_pub(url, 0, err, sizeof(err));
	ok(s == -1 && strstr(err, limit) != NULL,
	    "bus_listen_pub refuses it instead of aborting");
	err[0] = '\0';
	s = bus_connect_req(ipc_url_of(300), 100, err, sizeof(err));
	ok(s == -1 && strstr(err, limit) != NULL,
	    "bus_connect_req refuses a 300-byte path instead of aborting");
	ok(bus_check_ipc_path("tcp://127.0.0.1:5510", err, sizeof(err)) ==
	    0, "a tcp:// address is not an ipc path");
}

static void
test_reqrep(void)
{
	static const char rpc_reply[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":[1]}";
	struct child a, b, c;
	struct bus_msg m, m1, m2, *ma, *mb;
	char err[512], expect[128];
	const char *url = url_in("rpc/featured.sock");
	int s, fd, rc, rc1, rc2;

	s = bus_listen_rep(url, 0, err, sizeof(err));
	if (!ok(s >= 0, "bus_listen_rep on ipc")) {
		diag("err: %s", err);
		return;
	}
	fd = bus_recv_fd(s, err, sizeof(err));
	if (!ok(fd >= 0, "bus_recv_fd")) {
		diag("err: %s", err);
		bus_close(s);
		return;
	}

	/* Nothing waiting: 0, and m left empty. */
	memset(&m, 0x5a, sizeof(m));
	rc = bus_recv_request(s, &m);
	is_int(rc, 0, "bus_recv_request: 0 when nothing is waiting");
	ok(m.body == NULL && m.control == NULL && m.len == 0,
	    "bus_recv_request: m cleared when nothing is waiting");

	/* One client, one JSON-RPC round trip through rpc_reply_parse. */
	if (spawn_client(&a, url, 5000, "{\"jsonrpc\":\"2.0\",\"id\":3,"
	    "\"method\":\"X.y\"}", (char *)NULL) == -1) {
		ok(0, "spawn a client");
		bus_close(s);
		return;
	}
	rc = wait_request(s, fd, 5000, &m);
	is_int(rc, 1, "the server receives the client's request");
	if (rc == 1) {
		ok(body_is(&m, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
		    "\"X.y\"}"), "the request arrives whole, as sent");
		ok(m.control != NULL, "with a routing header");
		is_int(bus_send_reply(s, &m, rpc_reply, strlen(rpc_reply)), 0,
		    "bus_send_reply");
		ok(m.body == NULL && m.control == NULL,
		    "bus_send_reply frees the message");
	}
	finish_client(&a, 5000);
	snprintf(expect, sizeof(expect), "REPLY %zu %s", strlen(rpc_reply),
	    rpc_reply);
	is_str(child_line(&a, 0), expect, "the client gets the reply, "
	    "bus_call's len right");
	{
		struct json_object *res = NULL;
		const char *line = child_line(&a, 0), *text;
		struct rpc_error e;

		memset(&e, 0, sizeof(e));
		text = strncmp(line, "REPLY ", 6) == 0 ?
		    strchr(line + 6, ' ') : NULL;
		rc = text ?
		    rpc_reply_parse(text + 1, strlen(text + 1), 3, &res, &e) :
		    -2;
		ok(rc == 0 && json_object_is_type(res, json_type_array),
		    "the reply parses with rpc_reply_parse");
		json_object_put(res);
		rpc_error_clear(&e);
	}
	rc = bus_recv_request(s, &m);
	is_int(rc, 0, "nothing more is waiting");
	bus_msg_free(&m);

	/* Two clients in flight; answered in the reverse order. */
	if (spawn_client(&a, url, 5000, "request-A", (char *)NULL) == -1 ||
	    spawn_client(&b, url, 5000, "request-B", (char *)NULL) == -1) {
		ok(0, "spawn two clients");
		bus_close(s);
		return;
	}
	rc1 = wait_request(s, fd, 5000, &m1);
	is_int(rc1, 1, "out of order: first request received");
	rc2 = wait_request(s, fd, 5000, &m2);
	is_int(rc2, 1, "out of order: second request received");
	ma = body_is(&m1, "request-A") ? &m1 : &m2;
	mb = ma == &m1 ? &m2 : &m1;
	ok(body_is(ma, "request-A") && body_is(mb, "request-B"),
	    "out of order: one request from each client");
	/* Only a received message has a routing header to reply along. */
	if (rc2 == 1)
		is_int(reply_to(s, &m2, "reply-to-"), 0, "out of order: the "
		    "second is answered first");
	if (rc1 == 1)
		is_int(reply_to(s, &m1, "reply-to-"), 0, "out of order: then "
		    "the first");
	finish_client(&a, 5000);
	finish_client(&b, 5000);
	snprintf(expect, sizeof(expect), "REPLY %zu reply-to-request-A",
	    strlen("reply-to-request-A"));
	is_str(child_line(&a, 0), expect, "out of order: client A gets A's "
	    "reply");
	snprintf(expect, sizeof(expect), "REPLY %zu reply-to-request-B",
	    strlen("reply-to-request-B"));
	is_str(child_line(&b, 0), expect, "out of order: client B gets B's "
	    "reply");

	/*
	 * Bigger than BUS_MAX_MESSAGE: never delivered.  The client gives
	 * up on it after 1 s and sends a normal request on the same socket,
	 * which must be the first and only thing the server sees.
	 */
	{
		char big[32], big_ok[32];
		long long t0;

		snprintf(big, sizeof(big), "@big:%d", BUS_MAX_MESSAGE + 1);
		if (spawn_client(&c, url, 1000, big, "after-big",
		    (char *)NULL) == -1) {
			ok(0, "spawn a client");
			bus_close(s);
			return;
		}
		t0 = now_ms();
		rc = wait_request(s, fd, 300, &m);
		is_int(rc, 0, "oversized: nothing received within 300 ms");
		if (rc == 1) {
			diag("received %zu bytes", m.len);
			bus_msg_free(&m);
		}
		rc = wait_request(s, fd, 5000, &m);
		is_int(rc, 1, "oversized: the next request arrives");
		if (rc == 1) {
			if (!ok(body_is(&m, "after-big"), "oversized: the "
			    "first message received is the normal one"))
				diag("received %zu bytes after %lld ms", m.len,
				    now_ms() - t0);
			reply_to(s, &m, "reply-to-");
		}
		finish_client(&c, 5000);
		is_str(child_line(&c, 0), "ERROR no answer (is the daemon "
		    "running?)", "oversized: the client got no answer");
		snprintf(expect, sizeof(expect), "REPLY %zu reply-to-after-big",
		    strlen("reply-to-after-big"));
		is_str(child_line(&c, 1), expect, "oversized: the same "
		    "client's next request is answered");
		rc = wait_request(s, fd, 200, &m);
		is_int(rc, 0, "oversized: nothing else arrives");
		bus_msg_free(&m);

		/* And a new client is served as usual. */
		spawn_client(&a, url, 5000, "fresh", (char *)NULL);
		rc = wait_request(s, fd, 5000, &m);
		ok(rc == 1 && body_is(&m, "fresh"), "after an oversized "
		    "message, a new client's request arrives");
		if (rc == 1)
			reply_to(s, &m, "reply-to-");
		finish_client(&a, 5000);
		is_str(child_line(&a, 0), "REPLY 14 reply-to-fresh",
		    "after an oversized message, a new client is answered");

		/*
		 * Exactly BUS_MAX_MESSAGE bytes of JSON is within the
		 * contract ("at most 1 MiB") and must be delivered.
		 */
		snprintf(big_ok, sizeof(big_ok), "@big:%d", BUS_MAX_MESSAGE);
		spawn_client(&a, url, 3000, big_ok, (char *)NULL);
		rc = wait_request(s, fd, 3000, &m);
		is_int(rc, 1, "a request of exactly BUS_MAX_MESSAGE bytes "
		    "is delivered");
		if (rc == 1) {
			is_int(m.len, BUS_MAX_MESSAGE, "all of it");
			bus_send_reply(s, &m, "ok", 2);
		}
		finish_client(&a, 5000);
		if (rc != 1)
			diag("client: %s", child_line(&a, 0));
	}

	/* A client gone before its reply: bus_send_reply fails or drops,
	 * and the server keeps serving. */
	spawn_client(&a, url, 300, "short-lived", (char *)NULL);
	rc = wait_request(s, fd, 5000, &m);
	is_int(rc, 1, "a short-lived client's request arrives");
	finish_client(&a, 5000);
	if (rc == 1) {
		(void)reply_to(s, &m, "late-");
		ok(m.body == NULL && m.control == NULL, "a reply to a gone "
		    "client frees the message all the same");
	}
	spawn_client(&a, url, 5000, "next", (char *)NULL);
	rc = wait_request(s, fd, 5000, &m);
	ok(rc == 1 && body_is(&m, "next"), "the server serves the next "
	    "client");
	if (rc == 1)
		reply_to(s, &m, "reply-to-");
	finish_client(&a, 5000);
	is_str(child_line(&a, 0), "REPLY 13 reply-to-next",
	    "the next client is answered");

	bus_close(s);
}

/* A client with nobody listening times out with a clear error. */
static void
test_no_server(void)
{
	struct child a;

	spawn_client(&a, url_in("rpc/nobody.sock"), 300, "hello",
	    (char *)NULL);
	finish_client(&a, 5000);
	is_str(child_line(&a, 0), "ERROR no answer (is the daemon running?)",
	    "bus_call with no server: no answer, within its timeout");
}

static int
sub_socket(const char *url, const char *topic, int timeout_ms)
{
	int s;

	if ((s = nn_socket(AF_SP, NN_SUB)) < 0)
		return -1;
	if (nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, topic,
	    strlen(topic)) < 0 ||
	    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout_ms,
	    sizeof(timeout_ms)) < 0 || nn_connect(s, url) < 0) {
		nn_close(s);
		return -1;
	}
	return s;
}

/* Receive one message; its length, or -1 on timeout. */
static int
sub_recv(int s, char *buf, size_t len)
{
	char *msg = NULL;
	int n;

	if ((n = nn_recv(s, &msg, NN_MSG, 0)) < 0)
		return -1;
	snprintf(buf, len, "%.*s", n, msg);
	nn_freemsg(msg);
	return n;
}

static void
test_pubsub(void)
{
	static const char json[] = "{\"jsonrpc\":\"2.0\",\"method\":"
	    "\"Pool.level_changed\",\"params\":{\"pool\":\"p1\"}}";
	const char *url = url_in("rpc/events.sock");
	char err[512], buf[1024], want[1024];
	int pub, sub, other, all, n, tries;

	pub = bus_listen_pub(url, 0, err, sizeof(err));
	if (!ok(pub >= 0, "bus_listen_pub")) {
		diag("err: %s", err);
		return;
	}
	is_int(bus_publish(pub, "topic", json), 0,
	    "bus_publish with no subscriber does not fail");

	sub = sub_socket(url, "topic", 1000);
	other = sub_socket(url, "other", 300);
	all = sub_socket(url, "", 1000);
	if (!ok(sub >= 0 && other >= 0 && all >= 0, "SUB sockets connect")) {
		bus_close(pub);
		return;
	}
	sleep_ms(200);	/* slow joiner */

	snprintf(want, sizeof(want), "topic\n%s", json);
	/* PUB/SUB may drop: publish again (boundedly) if the first one was
	 * lost to a late connection. */
	for (tries = 0, n = -1; tries < 5 && n < 0; tries++) {
		is_int(bus_publish(pub, "topic", json), 0, "bus_publish");
		n = sub_recv(sub, buf, sizeof(buf));
	}
	if (tries > 1)
		diag("the event needed %d publications", tries);
	is_int(n, (long long)strlen(want), "the subscriber gets the whole "
	    "event");
	is_str(n >= 0 ? buf : "(nothing)", want, "the event is topic, "
	    "newline, the JSON");
	n = sub_recv(all, buf, sizeof(buf));
	is_str(n >= 0 ? buf : "(nothing)", want, "a subscriber to \"\" gets "
	    "it too");
	n = sub_recv(other, buf, sizeof(buf));
	is_int(n, -1, "a subscriber to another topic does not");

	nn_close(sub);
	nn_close(other);
	nn_close(all);
	bus_close(pub);
}

static void
cleanup(void)
{
	static const char *const files[] = {
		"made/x.sock", "made/y.sock", "rpc/featured.sock",
		"rpc/events.sock", "file", "link",
	};
	static const char *const dirs[] = {
		"made", "open", "others-rx", "others-x", "group-rx",
		"group-x", "rpc",
	};
	size_t i;

	for (i = 0; i < NELEM(files); i++)
		unlink(path_in(files[i]));
	for (i = 0; i < NELEM(dirs); i++)
		rmdir(path_in(dirs[i]));
	/* Whatever a test made and this list forgets shows here. */
	if (!ok(rmdir(tmpdir) == 0, "nothing is left in the temporary "
	    "directory"))
		diag("left %s behind: %s", tmpdir, strerror(errno));
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--client") == 0)
		return client_main(argc, argv);
	/* argv[0] first: /proc/self/exe is the wrapper under valgrind. */
	if (strchr(argv[0], '/') != NULL && access(argv[0], X_OK) == 0)
		self_exe = argv[0];
	/* Whatever goes wrong, never hang the test run. */
	alarm(90);
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 2;
	}
	test_socket_dir();
	test_listen_urls();
	test_ipc_path();
	test_reqrep();
	test_no_server();
	test_pubsub();
	cleanup();
	return done_testing();
}
