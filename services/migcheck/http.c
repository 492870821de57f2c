/*
 * The HTTP front: read-only HTTP on a unix socket (--http unix:PATH),
 * served by libevent's evhttp from the daemon's one event loop
 * (lib/server.c's hook), for xapi's /services/plugin/cpulevel proxy and
 * the host plugin.  What each request is answered is httpapi.c's.
 *
 * Every answer is a 200 with Content-Length and Connection: close, an
 * error included: xapi's proxy copies a body only after a 200 (xen-api
 * ocaml/libs/http-lib/http_proxy.ml, Http_proxy.one).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "log.h"
#include "migcheck.h"
#include "server.h"
#include "strlcpy.h"

/*
 * Bounds: a GET needs no body and few headers (xapi's proxy sends about
 * ten); an idle or slow client is dropped after the timeout, and at most
 * HTTP_MAX_CONNS connections are open at once: past that the socket is
 * not accepted from until one closes, and clients wait in the backlog.
 */
#define HTTP_MAX_HEADERS	8192
#define HTTP_MAX_BODY		1024
#define HTTP_TIMEOUT_SECS	10
#define HTTP_MAX_CONNS		64
#define HTTP_BACKLOG		16
/* How often closed connections are counted out (conn_reap). */
#define HTTP_REAP_MS		50

#define SUN_PATH_MAX	sizeof(((struct sockaddr_un *)0)->sun_path)

struct http_front {
	struct migcheck			*m;
	char				 path[SUN_PATH_MAX];
	int				 fd;
	dev_t				 dev;	/* the socket file we made */
	ino_t				 ino;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	struct bufferevent		*conns[HTTP_MAX_CONNS];
	int				 nconn;
	int				 full;	/* not accepting */
	struct event			*reap;
};

/* --http's value: "unix:" and an absolute path a sockaddr_un holds. */
int
http_check_spec(const char *spec, char *err, size_t errlen)
{
	const char *path = spec + strlen("unix:");

	if (strncmp(spec, "unix:", 5) != 0 || path[0] != '/') {
		snprintf(err, errlen, "--http %s: give unix:PATH, PATH "
		    "absolute", spec);
		return -1;
	}
	if (strlen(path) >= SUN_PATH_MAX) {
		snprintf(err, errlen, "--http %s: the path is %zu bytes, and "
		    "a unix socket's path must be under %zu", spec,
		    strlen(path), SUN_PATH_MAX);
		return -1;
	}
	return 0;
}

/*
 * A socket file left by a migcheck that died is removed; anything else
 * at the path (a file, a link, a socket someone still serves) is not.
 */
static int
clear_stale(const char *path, struct sockaddr_un *sun, char *err,
    size_t errlen)
{
	struct stat st;
	int fd, rc, saved;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket: not "
		    "removed", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)sun, sizeof(*sun));
	saved = errno;
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s: another process serves it", path);
		return -1;
	}
	if (saved != ECONNREFUSED && saved != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		return -1;
	}
	log_info("%s: removing the socket a previous run left", path);
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "unlink %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Bound owner-only (0600): xapi, which connects, runs as root; nobody
 * else needs it.
 */
static int
bind_socket(struct http_front *h, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, h->path, sizeof(sun.sun_path));
	if (clear_stale(h->path, &sun, err, errlen) == -1)
		return -1;
	if ((h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0177);
	rc = bind(h->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || listen(h->fd, HTTP_BACKLOG) == -1 ||
	    stat(h->path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", h->path, strerror(errno));
		return -1;
	}
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	return 0;
}

struct http_front *
http_listen(const char *spec, struct migcheck *m, char *err, size_t errlen)
{
	struct http_front *h;

	if (http_check_spec(spec, err, errlen) == -1)
		return NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->m = m;
	h->fd = -1;
	strlcpy(h->path, spec + strlen("unix:"), sizeof(h->path));
	if (bind_socket(h, err, errlen) == -1) {
		if (h->fd != -1)
			close(h->fd);
		free(h);
		return NULL;
	}
	return h;
}

static void
answer(struct evhttp_request *req, void *arg)
{
	struct http_front *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evhttp_request_get_output_buffer(req);
	char line[1024], len[32], *body;
	int code;

	body = http_answer(h->m, evhttp_request_get_command(req) ==
	    EVHTTP_REQ_GET, uri, &code);
	http_log_uri(uri, line, sizeof(line));
	if (code != 0 && code != RPC_API_ERROR)
		log_info("http %s: error %d", line, code);
	else if (log_verbose())
		log_debug("http %s: %s", line, code ? "refused" : "ok");
	if (body == NULL)
		log_warnx("http %s: out of memory for the answer", line);
	else
		evbuffer_add(buf, body, strlen(body));
	free(body);
	/*
	 * Content-Length always: evhttp leaves it out of an HTTP/1.0
	 * answer, which xapi's proxy could then not copy (http_proxy.ml
	 * copies content_length bytes).  evhttp closes the connection
	 * after an answer saying Connection: close.
	 */
	snprintf(len, sizeof(len), "%zu", evbuffer_get_length(buf));
	evhttp_add_header(out, "Content-Type", "application/json");
	evhttp_add_header(out, "Content-Length", len);
	evhttp_add_header(out, "Connection", "close");
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

static void
set_accepting(struct http_front *h, int on)
{
	struct evconnlistener *l = evhttp_bound_socket_get_listener(h->bound);

	if (on)
		evconnlistener_enable(l);
	else
		evconnlistener_disable(l);
	h->full = !on;
}

/*
 * libevent 2.1 tells nobody when evhttp closes a connection.  Each one's
 * bufferevent is ours (conn_new), with a reference kept: when evhttp
 * frees it, bufferevent_free() clears its callbacks (2.1.12's
 * bufferevent.c; evhttp keeps at least its error callback set while it
 * uses one, http.c), and the reference keeps it readable until this
 * pass drops it, closing the socket (evhttp has already shut it down for
 * writing, so the client has its answer and its end of file).  A
 * connection counted out early would only be counted out early: our
 * reference is all this pass ever touches.
 */
static void
conn_reap(evutil_socket_t fd, short what, void *arg)
{
	struct http_front *h = arg;
	bufferevent_data_cb r, w;
	bufferevent_event_cb e;
	int i;

	(void)fd;
	(void)what;
	for (i = 0; i < h->nconn; i++) {
		bufferevent_getcb(h->conns[i], &r, &w, &e, NULL);
		if (r || w || e)
			continue;
		bufferevent_decref(h->conns[i]);
		h->conns[i--] = h->conns[--h->nconn];
	}
	if (h->full && h->nconn < HTTP_MAX_CONNS) {
		log_info("http: accepting connections again");
		set_accepting(h, 1);
	}
	if (h->nconn == 0)
		event_del(h->reap);
}

/* evhttp asks for each accepted connection's bufferevent here. */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct http_front *h = arg;
	struct timeval tv = { 0, HTTP_REAP_MS * 1000 };
	struct bufferevent *bev;

	/* Not reached: the listener stops at the limit. */
	if (h->nconn == HTTP_MAX_CONNS)
		return NULL;
	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	bufferevent_incref(bev);
	h->conns[h->nconn++] = bev;
	if (h->nconn == 1)
		event_add(h->reap, &tv);
	if (h->nconn == HTTP_MAX_CONNS) {
		log_warnx("http: %d connections open: accepting no more "
		    "until one closes", HTTP_MAX_CONNS);
		set_accepting(h, 0);
	}
	return bev;
}

static int
http_start(struct event_base *base, void *arg)
{
	struct http_front *h = arg;

	if ((h->http = evhttp_new(base)) == NULL ||
	    (h->reap = event_new(base, -1, EV_PERSIST, conn_reap, h)) ==
	    NULL) {
		log_warnx("http: cannot set the HTTP front up");
		return -1;
	}
	evhttp_set_max_headers_size(h->http, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(h->http, HTTP_MAX_BODY);
	evhttp_set_timeout(h->http, HTTP_TIMEOUT_SECS);
	/* Every method reaches answer(), which refuses all but GET. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->http, answer, h);
	evhttp_set_bevcb(h->http, conn_new, h);
	if ((h->bound = evhttp_accept_socket_with_handle(h->http,
	    h->fd)) == NULL) {
		log_warnx("http: cannot serve %s", h->path);
		evhttp_free(h->http);
		return -1;
	}
	h->fd = -1;		/* evhttp closes it */
	log_info("serving HTTP on unix:%s", h->path);
	return 0;
}

/* The socket file goes too, if it is still the one we made. */
static void
http_stop(void *arg)
{
	struct http_front *h = arg;
	struct stat st;
	int i;

	evhttp_free(h->http);
	for (i = 0; i < h->nconn; i++)
		bufferevent_decref(h->conns[i]);
	event_free(h->reap);
	if (stat(h->path, &st) == 0 && st.st_dev == h->dev &&
	    st.st_ino == h->ino)
		unlink(h->path);
	free(h);
}

void
http_hook(struct http_front *h, struct server_hook *hook)
{
	hook->start = http_start;
	hook->stop = http_stop;
	hook->arg = h;
}
