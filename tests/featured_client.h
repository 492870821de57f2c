/*
 * A small, independent client of cpulevel-featured for the integration
 * tests: starts and stops the daemon, speaks JSON-RPC 2.0 over a real
 * nanomsg REQ socket, listens to its PUB socket, and checks replies as
 * proto/README.md writes them.  It drives cpulevel-migcheck too: a
 * struct featured whose events address is "" is a daemon without a PUB
 * socket, started with --db and --rpc only.  JSON is built and read with
 * json-c directly: no lib/rpc codec, so a bug shared by the daemon's
 * codec and the client cannot hide itself.  Besides the client, what the
 * integration tests share: labels, the steps every story takes (start,
 * stop, Service.version, snapshots) and their setting up.  Include tap.h
 * first, and define _GNU_SOURCE before anything (nftw).
 */
#ifndef CPULEVEL_FEATURED_CLIENT_H
#define CPULEVEL_FEATURED_CLIENT_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json.h>
#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>

#define FC_RPC_TIMEOUT_MS	5000
#define FC_PATH_MAX		512

struct featured {
	const char	*name;			/* in messages: "migcheck 2" */
	const char	*bin;
	char		 dir[128];		/* the test's temp directory */
	char		 db[FC_PATH_MAX];
	char		 rpc[FC_PATH_MAX];
	char		 events[FC_PATH_MAX];	/* "": no PUB (migcheck) */
	char		 log[FC_PATH_MAX];
	pid_t		 pid;			/* -1: not running */
	int		 status;		/* wait status once reaped */
	int		 req;			/* REQ socket, -1 if none */
	int		 sub;			/* SUB socket, -1 if none */
	long long	 next_id;
	long		 log_mark;		/* log bytes already shown */
	char		*last_raw;		/* text of the last reply */
	json_object	*evbuf;			/* events received, in order */
	/* featured only: --probe (NULL: none) and --local-host (NULL: no) */
	const char	*probe, *local_host;
};

/* A daemon not started yet: no process, no sockets. */
#define FC_INIT		{ .pid = -1, .req = -1, .sub = -1 }

/* The test's directory (fc_begin) and its daemons there (fc_add_daemon). */
static char fc_dir[128] __attribute__((unused));
static struct featured *fc_daemons[8] __attribute__((unused));
static size_t fc_ndaemons __attribute__((unused));

/* xapi's reasons, byte-exact, as proto/README.md lists them. */
#define R_VENDOR \
	"VM last booted on a host which had a CPU from a different vendor."
#define R_FEATURES \
	"VM last booted on a CPU with features this host's CPU does not have."
#define R_NOKEYS \
	"Host does not have new leveling feature keys - not comparing VM's flags"

/* ---- small things -------------------------------------------------- */

/* A label for a TAP line; a few can be alive at once. */
static inline const char *
L(const char *fmt, ...)
{
	static char buf[8][512];
	static int n;
	char *b = buf[n++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(buf[0]), fmt, ap);
	va_end(ap);
	return b;
}

static inline int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* ---- time ---------------------------------------------------------- */

static inline long long
fc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void
fc_sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- JSON building and reading ------------------------------------- */

static inline json_object *
js(const char *s)
{
	return json_object_new_string(s);
}

static inline json_object *
ji(long long v)
{
	return json_object_new_int64(v);
}

static inline json_object *
jb(int v)
{
	return json_object_new_boolean(v);
}

/*
 * An object from key, value pairs ending with a NULL key; a NULL value is
 * JSON null.  Takes ownership of the values.
 */
static inline json_object *
jobj(const char *key, ...)
{
	json_object *o = json_object_new_object(), *v;
	va_list ap;

	va_start(ap, key);
	while (key != NULL) {
		v = va_arg(ap, json_object *);
		json_object_object_add(o, key, v);
		key = va_arg(ap, const char *);
	}
	va_end(ap);
	return o;
}

/* An array of strings, ending with NULL. */
static inline json_object *
jstrs(const char *s, ...)
{
	json_object *a = json_object_new_array();
	va_list ap;

	va_start(ap, s);
	while (s != NULL) {
		json_object_array_add(a, js(s));
		s = va_arg(ap, const char *);
	}
	va_end(ap);
	return a;
}

static inline const char *
jtext(json_object *o)
{
	return o == NULL ? "null" :
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* Member key of o; *present says whether it exists (it may be null). */
static inline json_object *
jget(json_object *o, const char *key, int *present)
{
	json_object *v = NULL;
	int p = 0;

	if (o != NULL && json_object_is_type(o, json_type_object))
		p = json_object_object_get_ex(o, key, &v);
	if (present != NULL)
		*present = p;
	return p ? v : NULL;
}

/* A dot-separated path of member names: "params.hvm.old". */
static inline json_object *
jpath(json_object *o, const char *path, int *present)
{
	char key[128];
	const char *dot;
	size_t n;
	int p = 1;

	while (o != NULL && *path != '\0') {
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			n = sizeof(key) - 1;
		memcpy(key, path, n);
		key[n] = '\0';
		o = jget(o, key, &p);
		if (!p)
			break;
		path = dot != NULL ? dot + 1 : path + strlen(path);
	}
	if (*path != '\0')
		p = 0;
	if (present != NULL)
		*present = p;
	return p ? o : NULL;
}

static inline const char *
jstr(json_object *o, const char *path)
{
	json_object *v = jpath(o, path, NULL);

	return v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static inline int
jis_null(json_object *o, const char *path)
{
	int present;
	json_object *v = jpath(o, path, &present);

	return present && v == NULL;
}

/* 1 true, 0 false, -1 missing or not a boolean. */
static inline int
jbool(json_object *o, const char *path)
{
	json_object *v = jpath(o, path, NULL);

	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

static inline size_t
jlen(json_object *a)
{
	if (a == NULL || !json_object_is_type(a, json_type_array))
		return 0;
	return (size_t)json_object_array_length(a);
}

static inline json_object *
jidx(json_object *a, size_t i)
{
	if (i >= jlen(a))
		return NULL;
	return json_object_array_get_idx(a, (int)i);
}

static inline size_t
jkeys(json_object *o)
{
	size_t n = 0;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return 0;
	{
		json_object_object_foreach(o, k, v) {
			(void)k;
			(void)v;
			n++;
		}
	}
	return n;
}

/* Deep equality (json_object_equal is newer than json-c 0.11). */
static inline int
jequal(json_object *a, json_object *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (json_object_get_type(a) != json_object_get_type(b))
		return 0;
	switch (json_object_get_type(a)) {
	case json_type_boolean:
		return !json_object_get_boolean(a) ==
		    !json_object_get_boolean(b);
	case json_type_int:
		return json_object_get_int64(a) == json_object_get_int64(b);
	case json_type_double:
		return json_object_get_double(a) == json_object_get_double(b);
	case json_type_string:
		return strcmp(json_object_get_string(a),
		    json_object_get_string(b)) == 0;
	case json_type_array:
		if (jlen(a) != jlen(b))
			return 0;
		for (i = 0; i < jlen(a); i++)
			if (!jequal(jidx(a, i), jidx(b, i)))
				return 0;
		return 1;
	case json_type_object:
		if (jkeys(a) != jkeys(b))
			return 0;
		{
			json_object_object_foreach(a, k, v) {
				int present;
				json_object *w = jget(b, k, &present);

				if (!present || !jequal(v, w))
					return 0;
			}
		}
		return 1;
	default:
		return 1;
	}
}

/* Parse exactly one JSON text of len bytes; NULL if it is not one. */
static inline json_object *
jparse(const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t off;

	if (tok == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	off = (size_t)tok->char_offset;
	if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		o = json_tokener_parse_ex(tok, "", -1);
	json_tokener_free(tok);
	if (o != NULL) {
		while (off < len && strchr(" \t\r\n", buf[off]) != NULL)
			off++;
		if (off < len) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

/* ---- the daemon's log ---------------------------------------------- */

/* Show the log written since the last call as TAP diagnostics. */
static inline void
fc_log_show(struct featured *f, const char *why)
{
	char line[1024];
	FILE *fp = fopen(f->log, "r");
	long size;
	int shown = 0;

	if (fp == NULL)
		return;
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	/* At most the last 32 KiB, so a chatty daemon cannot drown TAP. */
	if (size - f->log_mark > 32768)
		f->log_mark = size - 32768;
	fseek(fp, f->log_mark, SEEK_SET);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (!shown++)
			diag("daemon log since the last look (%s):", why);
		diag("  | %s", line);
	}
	f->log_mark = ftell(fp);
	fclose(fp);
}

/* Forget the log so far: the next fc_log_show starts here. */
static inline void
fc_log_skip(struct featured *f)
{
	struct stat st;

	if (stat(f->log, &st) == 0)
		f->log_mark = (long)st.st_size;
}

/* ---- the daemon process -------------------------------------------- */

/* Reap the daemon if it has exited; 1 while it runs. */
static inline int
fc_alive(struct featured *f)
{
	pid_t r;

	if (f->pid <= 0)
		return 0;
	r = waitpid(f->pid, &f->status, WNOHANG);
	if (r == 0)
		return 1;
	f->pid = -1;
	return 0;
}

static inline void
fc_describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "wait status 0x%x", status);
}

/* Send sig and wait up to timeout_ms: 1 if it exited (f->status). */
static inline int
fc_signal_wait(struct featured *f, int sig, long timeout_ms)
{
	long long deadline = fc_now_ms() + timeout_ms;

	if (f->pid <= 0)
		return 0;
	kill(f->pid, sig);
	while (fc_alive(f)) {
		if (fc_now_ms() > deadline)
			return 0;
		fc_sleep_ms(20);
	}
	return 1;
}

static inline void
fc_kill_hard(struct featured *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, &f->status, 0);
		f->pid = -1;
	}
}

static inline void
fc_close_sockets(struct featured *f)
{
	if (f->req >= 0)
		nn_close(f->req);
	if (f->sub >= 0)
		nn_close(f->sub);
	f->req = f->sub = -1;
}

/* Everything about a failure worth knowing, then stop. */
static inline void
fc_bail(struct featured *f, const char *why)
{
	char st[64];

	if (f->pid > 0 && !fc_alive(f)) {
		fc_describe_status(f->status, st, sizeof(st));
		diag("the daemon %s", st);
	}
	fc_log_show(f, why);
	printf("Bail out! %s\n", why);
	fflush(stdout);
	fc_kill_hard(f);
	exit(1);
}

/*
 * One TAP line (for file:line) for a precondition of the test data: if it
 * does not hold, nothing after it means anything, so bail out, with f's
 * log (f NULL: no daemon yet).
 */
static inline void
fc_require(struct featured *f, int cond, const char *file, int line,
    const char *what)
{
	static const char why[] =
	    "a precondition of the test data does not hold";

	if (tap_ok(!!cond, file, line, what))
		return;
	if (f != NULL)
		fc_bail(f, why);
	printf("Bail out! %s\n", why);
	exit(1);
}

static inline int
fc_req_socket(const char *url, int rcv_ms, int snd_ms)
{
	int s = nn_socket(AF_SP, NN_REQ);

	if (s < 0)
		return -1;
	if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &rcv_ms,
	    sizeof(rcv_ms)) < 0 ||
	    nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &snd_ms,
	    sizeof(snd_ms)) < 0 ||
	    nn_connect(s, url) < 0) {
		nn_close(s);
		return -1;
	}
	return s;
}

/*
 * Receive one message on s (its own NN_RCVTIMEO applies); the text is
 * kept in f->last_raw.  -1 on timeout or error (errno).
 */
static inline int
fc_recv_text(struct featured *f, int s)
{
	void *buf = NULL;
	int n = nn_recv(s, &buf, NN_MSG, 0);

	if (n < 0)
		return -1;
	free(f->last_raw);
	f->last_raw = malloc((size_t)n + 1);
	if (f->last_raw == NULL)
		abort();
	memcpy(f->last_raw, buf, (size_t)n);
	f->last_raw[n] = '\0';
	nn_freemsg(buf);
	return n;
}

/* How many lines of f's log hold needle (0 if there is no log). */
static inline int
fc_log_count(const struct featured *f, const char *needle)
{
	char line[4096];
	FILE *fp = fopen(f->log, "r");
	int n = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(fp);
	return n;
}

/*
 * Send len raw bytes on s and return the parsed reply, or NULL (no reply
 * in time: *timed_out is set; or a reply that is not JSON).
 */
static inline json_object *
fc_exchange(struct featured *f, int s, const void *msg, size_t len,
    int *timed_out)
{
	int n;

	*timed_out = 0;
	if (nn_send(s, msg, len, 0) < 0) {
		*timed_out = 1;
		return NULL;
	}
	n = fc_recv_text(f, s);
	if (n < 0) {
		*timed_out = 1;
		return NULL;
	}
	return jparse(f->last_raw, (size_t)n);
}

static inline int
fc_sub_open(struct featured *f)
{
	int s = nn_socket(AF_SP, NN_SUB);

	if (s < 0)
		return -1;
	if (nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) < 0 ||
	    nn_connect(s, f->events) < 0) {
		nn_close(s);
		return -1;
	}
	f->sub = s;
	return 0;
}

/*
 * Start the daemon on f's database and addresses, and wait (up to
 * timeout_ms) until it answers Service.version.  Then connect the REQ
 * and SUB sockets.  0 on success, else -1 with a reason in why.
 */
static inline int
fc_start(struct featured *f, long timeout_ms, char *why, size_t whylen)
{
	static const char ping[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"Service.version\"}";
	long long deadline;
	json_object *r;
	int fd, s, to;
	pid_t pid;

	fc_close_sockets(f);
	fd = open(f->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0) {
		snprintf(why, whylen, "open %.300s: %s", f->log, strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (pid == 0) {
		char *argv[] = { (char *)f->bin, "--db", f->db, "--rpc",
		    f->rpc, "--events", f->events, "--probe",
		    (char *)(f->probe ? f->probe : "none"), NULL, NULL, NULL };
		int nul = open("/dev/null", O_RDONLY);

		if (f->local_host) {
			argv[9] = "--local-host";
			argv[10] = (char *)f->local_host;
		}
		if (f->events[0] == '\0')
			argv[5] = NULL;		/* migcheck: --db, --rpc */

		/* stdout is TAP: the daemon writes only to its log. */
		if (nul >= 0)
			dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(f->bin, argv);
		dprintf(2, "execv %s: %s\n", f->bin, strerror(errno));
		_exit(127);
	}
	close(fd);
	f->pid = pid;

	deadline = fc_now_ms() + timeout_ms;
	for (;;) {
		if (!fc_alive(f)) {
			char st[64];

			fc_describe_status(f->status, st, sizeof(st));
			snprintf(why, whylen, "the daemon %s while starting",
			    st);
			return -1;
		}
		if (fc_now_ms() > deadline) {
			snprintf(why, whylen, "no answer to Service.version "
			    "on %.200s within %ld ms", f->rpc, timeout_ms);
			return -1;
		}
		/* A fresh socket a try: an unanswered REQ would resend. */
		s = fc_req_socket(f->rpc, 250, 250);
		if (s >= 0) {
			int t;

			r = fc_exchange(f, s, ping, sizeof(ping) - 1, &t);
			nn_close(s);
			if (r != NULL) {
				json_object_put(r);
				break;
			}
		}
		fc_sleep_ms(50);
	}

	to = FC_RPC_TIMEOUT_MS;
	f->req = fc_req_socket(f->rpc, to, to);
	if (f->req < 0 || (f->events[0] != '\0' && fc_sub_open(f) < 0)) {
		snprintf(why, whylen, "nanomsg sockets: %s",
		    nn_strerror(nn_errno()));
		return -1;
	}
	if (f->evbuf != NULL)
		json_object_put(f->evbuf);
	f->evbuf = json_object_new_array();
	/* PUB/SUB slow joiner: let the subscription reach the daemon. */
	if (f->sub >= 0)
		fc_sleep_ms(250);
	return 0;
}

/* ---- requests ------------------------------------------------------ */

/*
 * Send raw bytes as a request on the main REQ socket; the parsed reply,
 * or NULL when no reply came in time (the daemon must still be alive, or
 * the test bails out) or the reply is not JSON (diagnosed).
 */
static inline json_object *
fc_call_raw(struct featured *f, const void *msg, size_t len)
{
	json_object *r;
	int timed_out;

	r = fc_exchange(f, f->req, msg, len, &timed_out);
	if (timed_out) {
		if (!fc_alive(f))
			fc_bail(f, "the daemon died during a request");
		diag("no reply within %d ms (%s)", FC_RPC_TIMEOUT_MS,
		    nn_strerror(nn_errno()));
		return NULL;
	}
	if (r == NULL)
		diag("reply is not one JSON text: %.300s", f->last_raw);
	return r;
}

/*
 * A JSON-RPC request; params (owned, NULL: omitted) by name.  Returns the
 * parsed reply, whose id is checked against the request's.
 */
static inline json_object *
fc_call(struct featured *f, const char *method, json_object *params)
{
	json_object *req = json_object_new_object(), *r, *id;
	const char *text;
	long long myid = ++f->next_id;
	int present;

	json_object_object_add(req, "jsonrpc", js("2.0"));
	json_object_object_add(req, "id", ji(myid));
	json_object_object_add(req, "method", js(method));
	if (params != NULL)
		json_object_object_add(req, "params", params);
	text = jtext(req);
	r = fc_call_raw(f, text, strlen(text));
	if (r != NULL) {
		id = jget(r, "id", &present);
		if (!present || id == NULL ||
		    !json_object_is_type(id, json_type_int) ||
		    json_object_get_int64(id) != myid ||
		    jstr(r, "jsonrpc") == NULL ||
		    strcmp(jstr(r, "jsonrpc"), "2.0") != 0) {
			tap_ok(0, __FILE__, __LINE__,
			    "reply to a request is JSON-RPC 2.0 with its id");
			diag("request: %.300s", jtext(req));
			diag("reply:   %.300s", f->last_raw);
		}
	}
	json_object_put(req);
	return r;
}

/* ---- events -------------------------------------------------------- */

/* Drop the events received so far and any waiting on the socket. */
static inline void
fc_events_reset(struct featured *f)
{
	void *buf;

	while (f->sub >= 0 && nn_recv(f->sub, &buf, NN_MSG, NN_DONTWAIT) >= 0)
		nn_freemsg(buf);
	if (f->evbuf != NULL)
		json_object_put(f->evbuf);
	f->evbuf = json_object_new_array();
}

/*
 * Receive one event into f->evbuf as {"topic", "raw", "msg"} ("msg" is
 * null when the text after the topic line is not JSON, "topic" null
 * when there is no newline).  0 on timeout.
 */
static inline int
fc_event_recv(struct featured *f, int timeout_ms)
{
	void *buf = NULL;
	char *text, *nl;
	json_object *e;
	int n;

	if (timeout_ms < 1)
		timeout_ms = 1;
	nn_setsockopt(f->sub, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout_ms,
	    sizeof(timeout_ms));
	n = nn_recv(f->sub, &buf, NN_MSG, 0);
	if (n < 0)
		return 0;
	text = malloc((size_t)n + 1);
	if (text == NULL)
		abort();
	memcpy(text, buf, (size_t)n);
	text[n] = '\0';
	nn_freemsg(buf);
	nl = memchr(text, '\n', (size_t)n);
	e = json_object_new_object();
	json_object_object_add(e, "raw", json_object_new_string_len(text, n));
	if (nl != NULL) {
		json_object_object_add(e, "topic",
		    json_object_new_string_len(text, (int)(nl - text)));
		json_object_object_add(e, "msg",
		    jparse(nl + 1, (size_t)(n - (nl + 1 - text))));
	} else {
		json_object_object_add(e, "topic", NULL);
		json_object_object_add(e, "msg", NULL);
	}
	json_object_array_add(f->evbuf, e);
	free(text);
	return 1;
}

/*
 * The first event of topic whose params.host is host (any when NULL),
 * received since the last fc_events_reset, waiting up to timeout_ms for
 * it.  Returns the whole event {"topic", "raw", "msg"}, borrowed.
 */
static inline json_object *
fc_event_wait(struct featured *f, const char *topic, const char *host,
    long timeout_ms)
{
	long long deadline = fc_now_ms() + timeout_ms, left;
	size_t i = 0;
	json_object *e;
	const char *t, *h;

	for (;;) {
		for (; i < jlen(f->evbuf); i++) {
			e = jidx(f->evbuf, i);
			t = jstr(e, "topic");
			h = jstr(e, "msg.params.host");
			if (t != NULL && strcmp(t, topic) == 0 &&
			    (host == NULL || (h != NULL &&
			    strcmp(h, host) == 0)))
				return e;
		}
		left = deadline - fc_now_ms();
		if (left <= 0)
			break;
		fc_event_recv(f, (int)left);
	}
	return NULL;
}

static inline void
fc_events_show(struct featured *f)
{
	size_t i;

	diag("%zu event(s) received:", jlen(f->evbuf));
	for (i = 0; i < jlen(f->evbuf); i++)
		diag("  %.400s", jstr(jidx(f->evbuf, i), "raw"));
}

/* ---- checking replies ----------------------------------------------- */

/*
 * One TAP line: the reply is a success.  *res gets the result (borrowed
 * from reply; NULL for JSON null or on failure).
 */
static inline int
fc_expect_result(json_object *reply, const char *file, int line,
    const char *what, json_object **res)
{
	int has_result, has_error, good;
	json_object *r = jget(reply, "result", &has_result);

	jget(reply, "error", &has_error);
	good = reply != NULL && has_result && !has_error;
	if (res != NULL)
		*res = good ? r : NULL;
	if (!tap_ok(good, file, line, what))
		diag("  reply: %.600s", reply ? jtext(reply) : "(none)");
	return good;
}
#define expect_result(reply, what, res)					\
	fc_expect_result((reply), __FILE__, __LINE__, (what), (res))

/*
 * One TAP line: the reply is the error code/message whose data is the
 * array of strings given (NULL-terminated).  message NULL: not checked
 * (JSON-RPC errors), and then data is not checked either.
 */
static inline int
fc_expect_error(json_object *reply, const char *file, int line,
    const char *what, int code, const char *message, ...)
{
	json_object *err = jget(reply, "error", NULL), *data, *c;
	const char *want, *got;
	va_list ap;
	size_t i = 0;
	int good = err != NULL && jget(reply, "result", NULL) == NULL;

	c = jget(err, "code", NULL);
	if (c == NULL || !json_object_is_type(c, json_type_int) ||
	    json_object_get_int64(c) != code)
		good = 0;
	if (message != NULL) {
		got = jstr(err, "message");
		if (got == NULL || strcmp(got, message) != 0)
			good = 0;
		data = jget(err, "data", NULL);
		if (data == NULL || !json_object_is_type(data, json_type_array))
			good = 0;
		va_start(ap, message);
		while ((want = va_arg(ap, const char *)) != NULL) {
			got = jstr(jidx(data, i), "");
			if (got == NULL || strcmp(got, want) != 0)
				good = 0;
			i++;
		}
		va_end(ap);
		if (jlen(data) != i)
			good = 0;
	}
	if (!tap_ok(good, file, line, what)) {
		diag("  want code %d%s%s", code, message ? " message " : "",
		    message ? message : "");
		diag("  reply: %.600s", reply ? jtext(reply) : "(none)");
	}
	return good;
}
#define expect_error(reply, what, code, ...)				\
	fc_expect_error((reply), __FILE__, __LINE__, (what), (code),	\
	    __VA_ARGS__, NULL)

/* One TAP line: -32602 whose data names param (not checked if NULL). */
static inline int
fc_expect_invalid_params(json_object *reply, const char *file, int line,
    const char *what, const char *param)
{
	json_object *err = jget(reply, "error", NULL);
	json_object *c = jget(err, "code", NULL);
	const char *p = jstr(err, "data.param");
	int good = c != NULL && json_object_is_type(c, json_type_int) &&
	    json_object_get_int64(c) == -32602 &&
	    jstr(err, "data.reason") != NULL &&
	    (param == NULL || (p != NULL && strcmp(p, param) == 0));

	if (!tap_ok(good, file, line, what)) {
		diag("  want -32602 with data {\"param\": \"%s\", \"reason\": "
		    "...}", param ? param : "*");
		diag("  reply: %.600s", reply ? jtext(reply) : "(none)");
	}
	return good;
}
#define expect_invalid_params(reply, what, param)			\
	fc_expect_invalid_params((reply), __FILE__, __LINE__, (what), (param))

/* One TAP line: a success whose result is null. */
static inline int
fc_expect_null(json_object *r, const char *file, int line, const char *what)
{
	int has_result, has_error;
	json_object *res = jget(r, "result", &has_result);
	int good;

	jget(r, "error", &has_error);
	good = r != NULL && has_result && res == NULL && !has_error;
	if (!tap_ok(good, file, line, what))
		diag("  want result null; reply: %.600s",
		    r ? jtext(r) : "(none)");
	return good;
}
#define expect_null(r, what) fc_expect_null((r), __FILE__, __LINE__, (what))

/* ---- steps of a story ----------------------------------------------- */

/* Start the daemon, or bail out; one TAP line once it answers. */
static inline void
fc_start_checked(struct featured *f, const char *who)
{
	char err[512];

	if (fc_start(f, 5000, err, sizeof(err)) != 0) {
		diag("%s", err);
		fc_bail(f, L("could not start %s", who));
	}
	ok(1, L("%s answers Service.version", who));
}

/* SIGTERM: two TAP lines, it exits within 5 s, with status 0. */
static inline void
fc_stop_checked(struct featured *f, const char *who)
{
	char st[64];

	if (!ok(fc_signal_wait(f, SIGTERM, 5000),
	    L("SIGTERM: %s exits within 5 s", who)))
		fc_kill_hard(f);
	fc_describe_status(f->status, st, sizeof(st));
	ok(WIFEXITED(f->status) && WEXITSTATUS(f->status) == 0,
	    L("SIGTERM: %s exits with status 0 (%s)", who, st));
	fc_close_sockets(f);
}

/*
 * Service.version is {api: 1, build: a string}, and takes a dbg string:
 * four TAP lines, their labels after prefix ("" or "migcheck: ").
 */
static inline void
fc_check_version(struct featured *f, const char *prefix, const char *dbg)
{
	json_object *r, *res, *api;

	r = fc_call(f, "Service.version", NULL);
	if (expect_result(r, L("%sService.version", prefix), &res)) {
		api = jget(res, "api", NULL);
		ok(api != NULL && json_object_is_type(api, json_type_int) &&
		    json_object_get_int64(api) == 1,
		    L("%sService.version: api 1", prefix));
		ok(jstr(res, "build") != NULL && *jstr(res, "build") != '\0',
		    L("%sService.version: build is a string", prefix));
	}
	json_object_put(r);
	r = fc_call(f, "Service.version", jobj("dbg", js(dbg), NULL));
	expect_result(r, L("%sService.version with a dbg string", prefix),
	    NULL);
	json_object_put(r);
}

/*
 * Add to snap, under name, what f answers to method with params: the
 * result, or the error.  A snapshot of what a client can read.
 */
static inline void
fc_take(struct featured *f, json_object *snap, const char *name,
    const char *method, json_object *params)
{
	json_object *r = fc_call(f, method, params), *v;

	v = jget(r, "result", NULL);
	if (v == NULL)
		v = jget(r, "error", NULL);
	json_object_object_add(snap, name, json_object_get(v));
	json_object_put(r);
}

/*
 * One step of a story: its name as a diagnostic, then fn; if fn failed a
 * check, the log each daemon wrote meanwhile is shown, else passed over.
 */
static inline void
fc_run(const char *step, void (*fn)(void))
{
	int failed = tap_failed;
	size_t i;

	diag("%s", step);
	fn();
	for (i = 0; i < fc_ndaemons; i++) {
		if (tap_failed > failed)
			fc_log_show(fc_daemons[i], L("%s, %s", step,
			    fc_daemons[i]->name));
		else
			fc_log_skip(fc_daemons[i]);
	}
}

/* ---- setting up and cleaning up ------------------------------------- */

/* The environment variable name, or skip the whole test. */
static inline const char *
fc_env(const char *name, const char *what)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0')
		skip_all("%s is not set (%s)", name, what);
	return v;
}

/*
 * The binary the environment variable name gives: if unset, the test is
 * skipped; if it cannot be run, the test bails out.
 */
static inline const char *
fc_binary(const char *name, const char *what)
{
	const char *bin = fc_env(name, what);

	if (access(bin, X_OK) != 0) {
		printf("Bail out! %s=%s: %s\n", name, bin, strerror(errno));
		exit(1);
	}
	return bin;
}

/*
 * A daemon of the test: f runs bin on db, answers on run/rpc, publishes
 * on run/events (NULL: no PUB socket, as migcheck) and logs to log, all
 * in the test's directory; name is for messages.
 */
static inline void
fc_add_daemon(struct featured *f, const char *name, const char *bin,
    const char *db, const char *rpc, const char *events, const char *log)
{
	if (fc_ndaemons == sizeof(fc_daemons) / sizeof(fc_daemons[0]))
		abort();
	fc_daemons[fc_ndaemons++] = f;
	f->name = name;
	f->bin = bin;
	snprintf(f->dir, sizeof(f->dir), "%s", fc_dir);
	snprintf(f->db, sizeof(f->db), "%s/%s", fc_dir, db);
	snprintf(f->rpc, sizeof(f->rpc), "ipc://%s/run/%s", fc_dir, rpc);
	if (events != NULL)
		snprintf(f->events, sizeof(f->events), "ipc://%s/run/%s",
		    fc_dir, events);
	else
		f->events[0] = '\0';
	snprintf(f->log, sizeof(f->log), "%s/%s", fc_dir, log);
}

static inline int
fc_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * At exit: kill the daemons still running, close their sockets, and
 * remove the test's directory, unless a check failed (then it stays).
 */
static inline void
fc_cleanup(void)
{
	size_t i;

	for (i = 0; i < fc_ndaemons; i++) {
		fc_kill_hard(fc_daemons[i]);
		fc_close_sockets(fc_daemons[i]);
	}
	if (fc_dir[0] == '\0')
		return;
	if (tap_failed == 0)
		nftw(fc_dir, fc_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		diag("kept the test's directory %s", fc_dir);
}

/*
 * Before the first daemon: SIGPIPE ignored (a daemon that dies must not
 * take the test with it), the test's directory made, prefix-XXXXXX below
 * $TMPDIR (ipc paths must fit in sun_path: a long $TMPDIR gives way to
 * /tmp), and fc_cleanup to run at exit.
 */
static inline void
fc_begin(const char *prefix)
{
	const char *tmp = getenv("TMPDIR");

	signal(SIGPIPE, SIG_IGN);
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(fc_dir, sizeof(fc_dir), "%s/%s-XXXXXX", tmp, prefix);
	if (mkdtemp(fc_dir) == NULL) {
		printf("Bail out! mkdtemp %s: %s\n", fc_dir, strerror(errno));
		exit(1);
	}
	atexit(fc_cleanup);
}

#endif
