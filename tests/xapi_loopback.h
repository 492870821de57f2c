/*
 * A tiny xapi stand-in for tests/test_xenapi.c: a forked child serving
 * HTTP/1.1 POST /jsonrpc on 127.0.0.1 and on a unix socket, with plain
 * sockets, one connection at a time, each closed after its answer.  Its
 * replies have xapi's shapes (services/xapisync/reply.c cites them) and
 * its faults are chosen by method name ("t.*"), so a test asks for the
 * fault it checks.  session.login_with_password takes LB_USER and
 * LB_PASSWORD and answers LB_SESSION; every other call must carry it.
 * The X.get_all_records calls answer tests/xapi-fixtures/.
 */
#ifndef CPULEVEL_XAPI_LOOPBACK_H
#define CPULEVEL_XAPI_LOOPBACK_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <json.h>

/* A quote and a space: the password's JSON form is not its raw form. */
#define LB_USER		"root"
#define LB_PASSWORD	"pa\"ss w0rd"
#define LB_SESSION	"OpaqueRef:5e55105e-5ec2-4e7a-9c0d-7e57ab1e5e55"
#define LB_MAX_REQUEST	(1 << 20)

struct loopback {
	int	 tcp, unx;
	int	 port;
	char	 sock[108];
	pid_t	 pid;
};

static void
lb_write(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			return;		/* the client went away */
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
lb_respond(int fd, int status, const char *ctype, const char *body,
    size_t len)
{
	char head[256];

	snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", status,
	    status == 200 ? "OK" : "Internal Error", ctype, len);
	lb_write(fd, head, strlen(head));
	lb_write(fd, body, len);
}

/* xapi's HTTP 500 page (wire-protocol.md, "Errors"), quoting what. */
static void
lb_500(int fd, const char *what)
{
	char *page;

	if (asprintf(&page, "<html><body><h1>HTTP 500 internal server "
	    "error</h1>An unexpected error occurred; please wait a while and "
	    "try again.<h1> Additional information </h1>"
	    "Jsonrpc.Malformed_method_request(%s)</body></html>", what) < 0)
		return;
	lb_respond(fd, 500, "text/html", page, strlen(page));
	free(page);
}

static void
lb_json(int fd, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN);

	lb_respond(fd, 200, "application/json", s, strlen(s));
	json_object_put(o);
}

static void
lb_result(int fd, struct json_object *result, long long id)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "result", result);
	json_object_object_add(o, "id", json_object_new_int64(id));
	lb_json(fd, o);
}

/* A failure as xapi's callback1 sends it to a 2.0 request. */
static void
lb_failure(int fd, long long id, const char *code, const char *p1,
    const char *p2)
{
	struct json_object *o = json_object_new_object(),
	    *e = json_object_new_object(), *d = json_object_new_array();

	if (p1 != NULL)
		json_object_array_add(d, json_object_new_string(p1));
	if (p2 != NULL)
		json_object_array_add(d, json_object_new_string(p2));
	json_object_object_add(e, "code", json_object_new_int(1));
	json_object_object_add(e, "message", json_object_new_string(code));
	json_object_object_add(e, "data", d);
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "error", e);
	json_object_object_add(o, "id", json_object_new_int64(id));
	lb_json(fd, o);
}

static void
lb_text(int fd, const char *s)
{
	lb_respond(fd, 200, "application/json", s, strlen(s));
}

static const char *
lb_str(struct json_object *params, size_t i)
{
	struct json_object *v = json_object_array_get_idx(params, i);

	return v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : "";
}

static void
lb_login(int fd, struct json_object *params, long long id, const char *body)
{
	if (strcmp(lb_str(params, 0), "echo") == 0)
		lb_500(fd, body);
	else if (strcmp(lb_str(params, 0), "echoparam") == 0)
		lb_failure(fd, id, "SESSION_AUTHENTICATION_FAILED",
		    lb_str(params, 0), lb_str(params, 1));
	else if (strcmp(lb_str(params, 0), LB_USER) == 0 &&
	    strcmp(lb_str(params, 1), LB_PASSWORD) == 0 &&
	    strcmp(lb_str(params, 2), "1.0") == 0 &&
	    strcmp(lb_str(params, 3), "cpulevel-xapi-sync") == 0)
		lb_result(fd, json_object_new_string(LB_SESSION), id);
	else
		lb_failure(fd, id, "SESSION_AUTHENTICATION_FAILED",
		    lb_str(params, 0), "Authentication failure");
}

/* event.from(session, classes, token, timeout), as xapi types it. */
static void
lb_event_from(int fd, struct json_object *params, long long id)
{
	struct json_object *r;

	if (json_object_array_length(params) != 4 ||
	    !json_object_is_type(json_object_array_get_idx(params, 1),
	    json_type_array) ||
	    !json_object_is_type(json_object_array_get_idx(params, 2),
	    json_type_string) ||
	    !json_object_is_type(json_object_array_get_idx(params, 3),
	    json_type_double)) {
		lb_failure(fd, id, "MESSAGE_PARAMETER_COUNT_MISMATCH",
		    "event.from", NULL);
		return;
	}
	r = json_object_new_object();
	json_object_object_add(r, "events", json_object_new_array());
	json_object_object_add(r, "valid_ref_counts", json_object_new_object());
	json_object_object_add(r, "token",
	    json_object_new_string("00000000000000000042,00000000000000000007"));
	lb_result(fd, r, id);
}

static void
lb_records(int fd, const char *method, long long id)
{
	char path[4096], *text = NULL, *reply;
	size_t n = strcspn(method, ".");
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/%.*s.get_all_records.json",
	    XAPI_FIXTURES, (int)n, method);
	if ((f = fopen(path, "r")) == NULL) {
		lb_failure(fd, id, "MESSAGE_METHOD_UNKNOWN", method, NULL);
		return;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (len > 0 && (text = calloc(1, (size_t)len + 1)) != NULL &&
	    fread(text, 1, (size_t)len, f) == (size_t)len &&
	    asprintf(&reply, "{\"jsonrpc\": \"2.0\", \"result\": %s, "
	    "\"id\": %lld}", text, id) >= 0) {
		lb_text(fd, reply);
		free(reply);
	}
	free(text);
	fclose(f);
}

/* The fault a "t.*" method asks for. */
static void
lb_fault(int fd, const char *m, struct json_object *params, long long id,
    const char *body)
{
	char buf[256];
	size_t i, n;

	if (strcmp(m, "t.echo") == 0)
		lb_result(fd, json_object_get(params), id);
	else if (strcmp(m, "t.big") == 0 || strcmp(m, "t.stream") == 0) {
		n = (size_t)json_object_get_int64(
		    json_object_array_get_idx(params, 1));
		snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-Type: "
		    "application/json\r\nConnection: close\r\n");
		lb_write(fd, buf, strlen(buf));
		/* t.stream: no length, the body ends when we close. */
		snprintf(buf, sizeof(buf), "Content-Length: %zu\r\n",
		    n + 40);
		if (strcmp(m, "t.big") == 0)
			lb_write(fd, buf, strlen(buf));
		snprintf(buf, sizeof(buf), "\r\n{\"jsonrpc\":\"2.0\",\"id\":%-5lld,"
		    "\"result\":\"", id);
		lb_write(fd, buf, strlen(buf));
		memset(buf, 'x', sizeof(buf));
		for (i = 0; i < n; i += sizeof(buf))
			lb_write(fd, buf, n - i < sizeof(buf) ? n - i :
			    sizeof(buf));
		lb_write(fd, "\"}", 2);
	} else if (strcmp(m, "t.garbage") == 0)
		lb_text(fd, "{\"jsonrpc\": \"2.0\", \"result\": [1, 2");
	else if (strcmp(m, "t.notjson") == 0)
		lb_text(fd, "<html>hello</html>");
	else if (strcmp(m, "t.notobject") == 0)
		lb_text(fd, "[1, 2, 3]");
	else if (strcmp(m, "t.arrayerr") == 0)
		/* jsoncallback's Server_error handler: an array, id 0. */
		lb_text(fd, "{\"jsonrpc\":\"2.0\",\"error\":[\"HOST_IS_SLAVE\","
		    "\"192.0.2.7\"],\"id\":0}");
	else if (strcmp(m, "t.v1err") == 0) {
		snprintf(buf, sizeof(buf), "{\"result\":null,\"error\":["
		    "\"VM_BAD_POWER_STATE\",\"OpaqueRef:1\",\"halted\","
		    "\"running\"],\"id\":%lld}", id);
		lb_text(fd, buf);
	} else if (strcmp(m, "t.objerr") == 0)
		lb_failure(fd, id, "HOST_IS_SLAVE", "192.0.2.7", NULL);
	else if (strcmp(m, "t.expire") == 0)
		lb_failure(fd, id, "SESSION_INVALID", LB_SESSION, NULL);
	else if (strcmp(m, "t.wrongid") == 0)
		lb_result(fd, json_object_new_string("x"), id + 1);
	else if (strcmp(m, "t.noresult") == 0)
		lb_text(fd, "{\"jsonrpc\":\"2.0\",\"id\":1}");
	else if (strcmp(m, "t.errnomsg") == 0)
		lb_text(fd, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1},"
		    "\"id\":1}");
	else if (strcmp(m, "t.500echo") == 0)
		lb_500(fd, body);
	else if (strcmp(m, "t.short") == 0) {
		snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-Length: "
		    "100\r\n\r\n{\"jsonrpc\"");
		lb_write(fd, buf, strlen(buf));
	} else if (strcmp(m, "t.slow") == 0) {
		sleep(2);
		lb_result(fd, NULL, id);
	} else
		lb_failure(fd, id, "MESSAGE_METHOD_UNKNOWN", m, NULL);
}

static void
lb_dispatch(int fd, const char *body)
{
	struct json_object *req, *v, *mv, *params = NULL;
	const char *m;
	long long id;

	req = json_tokener_parse(body);
	if (req == NULL || !json_object_object_get_ex(req, "jsonrpc", &v) ||
	    strcmp(json_object_get_string(v), "2.0") != 0 ||
	    !json_object_object_get_ex(req, "id", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    !json_object_object_get_ex(req, "method", &mv) ||
	    (m = json_object_get_string(mv)) == NULL ||
	    !json_object_object_get_ex(req, "params", &params) ||
	    !json_object_is_type(params, json_type_array)) {
		lb_500(fd, "&quot;{jsonrpc=...,method=...,id=...}&quot;");
		json_object_put(req);
		return;
	}
	id = json_object_get_int64(v);
	if (strcmp(m, "session.login_with_password") == 0)
		lb_login(fd, params, id, body);
	else if (strcmp(lb_str(params, 0), LB_SESSION) != 0)
		lb_failure(fd, id, "SESSION_INVALID", lb_str(params, 0), NULL);
	else if (strcmp(m, "session.logout") == 0)
		lb_result(fd, json_object_new_string(""), id);
	else if (strcmp(m, "event.from") == 0)
		lb_event_from(fd, params, id);
	else if (strstr(m, ".get_all_records") != NULL)
		lb_records(fd, m, id);
	else
		lb_fault(fd, m, params, id, body);
	json_object_put(req);
}

/* One request: its head, then Content-Length bytes of body. */
static void
lb_serve_one(int fd)
{
	static char buf[LB_MAX_REQUEST + 1];
	size_t n = 0, want = 0;
	ssize_t r;
	char *end = NULL, *cl;

	for (;;) {
		if (n == LB_MAX_REQUEST)
			return;
		if ((r = read(fd, buf + n, LB_MAX_REQUEST - n)) <= 0)
			return;
		n += (size_t)r;
		buf[n] = '\0';
		/* A TLS ClientHello (a handshake record, 0x16) gets the
		 * connection closed at once, as an HTTP server does on
		 * bytes that are no request, not a wait for its end. */
		if (buf[0] == 0x16)
			return;
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			*end = '\0';
			cl = strcasestr(buf, "\r\nContent-Length:");
			want = (size_t)(end + 4 - buf) +
			    (cl ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (end != NULL && n >= want)
			break;
	}
	lb_dispatch(fd, end + 4);
}

static void
lb_serve(struct loopback *lb)
{
	struct pollfd p[2] = { { lb->tcp, POLLIN, 0 }, { lb->unx, POLLIN, 0 } };
	int i, c;

	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if (poll(p, 2, -1) == -1)
			continue;
		for (i = 0; i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			if ((c = accept(p[i].fd, NULL, NULL)) == -1)
				continue;
			lb_serve_one(c);
			close(c);
		}
	}
}

/* Listen on 127.0.0.1:ephemeral and dir/xapi, then fork the server. */
static int
lb_start(struct loopback *lb, const char *dir)
{
	struct sockaddr_in in;
	struct sockaddr_un un;
	socklen_t len = sizeof(in);

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	snprintf(lb->sock, sizeof(lb->sock), "%s/xapi", dir);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", lb->sock);
	if ((lb->tcp = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lb->tcp, (struct sockaddr *)&in, sizeof(in)) == -1 ||
	    listen(lb->tcp, 16) == -1 ||
	    getsockname(lb->tcp, (struct sockaddr *)&in, &len) == -1 ||
	    (lb->unx = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lb->unx, (struct sockaddr *)&un, sizeof(un)) == -1 ||
	    listen(lb->unx, 16) == -1)
		return -1;
	lb->port = ntohs(in.sin_port);
	fflush(stdout);
	if ((lb->pid = fork()) == -1)
		return -1;
	if (lb->pid == 0) {
		lb_serve(lb);
		_exit(0);
	}
	close(lb->tcp);
	close(lb->unx);
	return 0;
}

static void
lb_stop(struct loopback *lb)
{
	if (lb->pid > 0) {
		kill(lb->pid, SIGTERM);
		waitpid(lb->pid, NULL, 0);
		lb->pid = -1;
	}
	unlink(lb->sock);
}

#endif
