#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/reqrep.h>

#include "bus.h"
#include "strlcpy.h"

#define IPC_PREFIX	"ipc://"
/* A REQ client adds 4 bytes of request id; each device between, 4 more. */
#define BUS_HEADER_ROOM	64
#define BUS_MAX_LISTENERS	8

/*
 * What it takes to listen again on a socket bus_listen_*() made: the
 * accept guard (lib/server.c) stops a listener and restarts it later.
 */
static struct listener {
	int	sock;		/* -1: a free slot */
	int	eid;		/* nn_bind's endpoint; -1 while paused */
	int	flags;
	char	url[BUS_URL_MAX];
} listeners[BUS_MAX_LISTENERS] = {
	{ -1, -1, 0, "" }, { -1, -1, 0, "" }, { -1, -1, 0, "" },
	{ -1, -1, 0, "" }, { -1, -1, 0, "" }, { -1, -1, 0, "" },
	{ -1, -1, 0, "" }, { -1, -1, 0, "" }
};

/*
 * tcp:// and ws:// have no authentication: whoever reaches the port may
 * change the pool's levels.  Only a loopback address is as private as
 * the machine; for any other the operator must say, by an option whose
 * name says so, that he knows.  "*", a host name or an interface name
 * cannot be shown to be loopback, so they count as network addresses.
 */
static const char *const network_schemes[] = { "tcp://", "ws://" };

static int
is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strcmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/*
 * nanomsg asserts (and so aborts the process) when an ipc:// path does
 * not fit a sockaddr_un, on bind and on connect alike: check it first.
 */
int
bus_check_ipc_path(const char *url, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	const char *path;
	size_t len;

	if (strncmp(url, IPC_PREFIX, strlen(IPC_PREFIX)) != 0)
		return 0;
	path = url + strlen(IPC_PREFIX);
	len = strlen(path);
	if (len < sizeof(sun.sun_path))
		return 0;
	snprintf(err, errlen, "socket path '%s' is %zu bytes long: a unix "
	    "socket's path must be shorter than %zu bytes (choose a shorter "
	    "directory)", path, len, sizeof(sun.sun_path));
	return -1;
}

int
bus_check_listen_url(const char *url, int flags, char *err, size_t errlen)
{
	char host[256], *colon;
	const char *p, *end;
	size_t i, n;

	if (bus_check_ipc_path(url, err, errlen) == -1)
		return -1;
	for (i = 0; i < sizeof(network_schemes) / sizeof(*network_schemes);
	    i++)
		if (strncmp(url, network_schemes[i],
		    strlen(network_schemes[i])) == 0)
			break;
	if (i == sizeof(network_schemes) / sizeof(*network_schemes))
		return 0;
	/* HOST:PORT, then a path for ws:// */
	p = url + strlen(network_schemes[i]);
	end = p + strcspn(p, "/");
	n = (size_t)(end - p);
	if (n >= sizeof(host))
		n = sizeof(host) - 1;
	memcpy(host, p, n);
	host[n] = '\0';
	if ((colon = strrchr(host, ':')) != NULL)
		*colon = '\0';
	if (host[0] == '[' && (n = strlen(host)) > 1 && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	if (is_loopback(host) || (flags & BUS_UNAUTHENTICATED_TCP))
		return 0;
	snprintf(err, errlen, "refusing to listen on '%s': it is not a "
	    "loopback address and %s has no authentication (anyone who "
	    "reaches it could change the pool's state); pass "
	    "--unauthenticated-tcp to listen there all the same", url,
	    network_schemes[i]);
	return -1;
}

/*
 * Any process that can connect to an ipc socket is trusted, and nanomsg
 * aborts the whole process on some malformed frames (unless built with
 * packaging/rpm's patch): so the directory of the socket must let nobody
 * else in.  We create it 0700; one that exists
 * must be ours and owner-only, group included (the units ask systemd for
 * RuntimeDirectoryMode=0700).
 */
static int
ipc_dir_ready(const char *url, char *err, size_t errlen)
{
	char dir[4096], *slash;
	struct stat st;

	if (strncmp(url, IPC_PREFIX, strlen(IPC_PREFIX)) != 0)
		return 0;
	strlcpy(dir, url + strlen(IPC_PREFIX), sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create socket directory '%s': "
		    "%s", dir, strerror(errno));
		return -1;
	}
	/* lstat: a symbolic link would let whoever may replace it choose
	 * where our socket goes, whatever the mode of its target. */
	if (lstat(dir, &st) == -1) {
		snprintf(err, errlen, "socket directory '%s': %s", dir,
		    strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "socket directory '%s' is a symbolic "
		    "link: give the directory itself", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen, "socket directory '%s' must be a "
		    "directory of ours that nobody else can enter (mode %03o, "
		    "owner %u; want 0700)", dir,
		    (unsigned int)(st.st_mode & 0777),
		    (unsigned int)st.st_uid);
		return -1;
	}
	return 0;
}

static struct listener *
listener_of(int sock)
{
	size_t i;

	for (i = 0; i < BUS_MAX_LISTENERS; i++)
		if (listeners[i].sock == sock)
			return &listeners[i];
	return NULL;
}

static int
bind_to(struct listener *l, char *err, size_t errlen)
{
	if (ipc_dir_ready(l->url, err, errlen) == -1)
		return -1;
	if ((l->eid = nn_bind(l->sock, l->url)) < 0) {
		snprintf(err, errlen, "cannot listen on '%s': %s", l->url,
		    nn_strerror(nn_errno()));
		l->eid = -1;
		return -1;
	}
	return 0;
}

static int
listen_on(int domain, int proto, const char *url, int flags, char *err,
    size_t errlen)
{
	struct listener *l;
	int s, max = BUS_MAX_MESSAGE + BUS_HEADER_ROOM;

	if (bus_check_listen_url(url, flags, err, errlen) == -1)
		return -1;
	if (strlen(url) >= BUS_URL_MAX) {
		snprintf(err, errlen, "address too long: '%.64s...'", url);
		return -1;
	}
	if ((l = listener_of(-1)) == NULL) {
		snprintf(err, errlen, "too many listening sockets");
		return -1;
	}
	if ((s = nn_socket(domain, proto)) < 0) {
		snprintf(err, errlen, "nn_socket: %s", nn_strerror(nn_errno()));
		return -1;
	}
	/* Bound what a peer can make us allocate.  nanomsg counts the
	 * REQ/REP routing header in the size, so it gets some room and
	 * bus_recv_request() holds the body to the protocol's limit. */
	if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &max,
	    sizeof(max)) < 0) {
		snprintf(err, errlen, "cannot listen on '%s': %s", url,
		    nn_strerror(nn_errno()));
		nn_close(s);
		return -1;
	}
	l->sock = s;
	l->flags = flags;
	strlcpy(l->url, url, sizeof(l->url));
	if (bind_to(l, err, errlen) == -1) {
		l->sock = -1;
		nn_close(s);
		return -1;
	}
	return s;
}

int
bus_listen_rep(const char *url, int flags, char *err, size_t errlen)
{
	return listen_on(AF_SP_RAW, NN_REP, url, flags, err, errlen);
}

int
bus_listen_pub(const char *url, int flags, char *err, size_t errlen)
{
	return listen_on(AF_SP, NN_PUB, url, flags, err, errlen);
}

size_t
bus_listening(int *socks, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < BUS_MAX_LISTENERS && n < max; i++)
		if (listeners[i].sock != -1)
			socks[n++] = listeners[i].sock;
	return n;
}

const char *
bus_url(int sock)
{
	struct listener *l = listener_of(sock);

	return l ? l->url : "?";
}

int
bus_pause(int sock)
{
	struct listener *l = listener_of(sock);

	if (l == NULL || l->eid == -1)
		return 0;
	if (nn_shutdown(sock, l->eid) < 0)
		return -1;
	l->eid = -1;
	return 0;
}

int
bus_resume(int sock, char *err, size_t errlen)
{
	struct listener *l = listener_of(sock);

	if (l == NULL || l->eid != -1)
		return 0;
	return bind_to(l, err, errlen);
}

int
bus_recv_fd(int sock, char *err, size_t errlen)
{
	size_t sz;
	int fd;

	sz = sizeof(fd);
	if (nn_getsockopt(sock, NN_SOL_SOCKET, NN_RCVFD, &fd, &sz) < 0) {
		snprintf(err, errlen, "NN_RCVFD: %s", nn_strerror(nn_errno()));
		return -1;
	}
	return fd;
}

int
bus_recv_request(int sock, struct bus_msg *m)
{
	struct nn_msghdr hdr;
	struct nn_iovec iov;
	int n;

	memset(m, 0, sizeof(*m));
	memset(&hdr, 0, sizeof(hdr));
	iov.iov_base = &m->body;
	iov.iov_len = NN_MSG;
	hdr.msg_iov = &iov;
	hdr.msg_iovlen = 1;
	hdr.msg_control = &m->control;
	hdr.msg_controllen = NN_MSG;
	if ((n = nn_recvmsg(sock, &hdr, NN_DONTWAIT)) < 0) {
		memset(m, 0, sizeof(*m));
		if (nn_errno() == EAGAIN)
			return 0;
		errno = nn_errno();
		return -1;
	}
	m->len = (size_t)n;
	/* Over the protocol's limit: dropped unanswered, as nanomsg drops
	 * what is over its own. */
	if (m->len > BUS_MAX_MESSAGE) {
		bus_msg_free(m);
		return 0;
	}
	return 1;
}

void
bus_msg_free(struct bus_msg *m)
{
	if (m->body)
		nn_freemsg(m->body);
	if (m->control)
		nn_freemsg(m->control);
	memset(m, 0, sizeof(*m));
}

int
bus_send_reply(int sock, struct bus_msg *m, const char *reply, size_t len)
{
	struct nn_msghdr hdr;
	struct nn_iovec iov;
	int rc;

	memset(&hdr, 0, sizeof(hdr));
	iov.iov_base = (void *)reply;
	iov.iov_len = len;
	hdr.msg_iov = &iov;
	hdr.msg_iovlen = 1;
	/* nanomsg takes the header back (and frees it) on success. */
	hdr.msg_control = &m->control;
	hdr.msg_controllen = NN_MSG;
	rc = nn_sendmsg(sock, &hdr, NN_DONTWAIT);
	if (rc >= 0)
		m->control = NULL;
	else
		errno = nn_errno();
	bus_msg_free(m);
	return rc < 0 ? -1 : 0;
}

int
bus_publish(int sock, const char *topic, const char *json)
{
	size_t tl = strlen(topic), jl = strlen(json);
	char *buf;
	int rc;

	if ((buf = malloc(tl + 1 + jl)) == NULL)
		return -1;
	memcpy(buf, topic, tl);
	buf[tl] = '\n';
	memcpy(buf + tl + 1, json, jl);
	rc = nn_send(sock, buf, tl + 1 + jl, NN_DONTWAIT);
	free(buf);
	return rc < 0 ? -1 : 0;
}

int
bus_connect_req(const char *url, int timeout_ms, char *err, size_t errlen)
{
	int s;

	if (bus_check_ipc_path(url, err, errlen) == -1)
		return -1;
	if ((s = nn_socket(AF_SP, NN_REQ)) < 0) {
		snprintf(err, errlen, "nn_socket: %s", nn_strerror(nn_errno()));
		return -1;
	}
	if (nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout_ms,
	    sizeof(timeout_ms)) < 0 ||
	    nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout_ms,
	    sizeof(timeout_ms)) < 0 || nn_connect(s, url) < 0) {
		snprintf(err, errlen, "cannot connect to '%s': %s", url,
		    nn_strerror(nn_errno()));
		nn_close(s);
		return -1;
	}
	return s;
}

/*
 * A subscriber to every topic of url.  nanomsg connects in the
 * background, and again whenever the publisher comes back, so one not
 * running yet is no error.
 */
int
bus_connect_sub(const char *url, char *err, size_t errlen)
{
	int s;

	if (bus_check_ipc_path(url, err, errlen) == -1)
		return -1;
	if ((s = nn_socket(AF_SP, NN_SUB)) < 0) {
		snprintf(err, errlen, "nn_socket: %s", nn_strerror(nn_errno()));
		return -1;
	}
	if (nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) < 0 ||
	    nn_connect(s, url) < 0) {
		snprintf(err, errlen, "cannot subscribe to '%s': %s", url,
		    nn_strerror(nn_errno()));
		nn_close(s);
		return -1;
	}
	return s;
}

int
bus_drain(int sock, int max)
{
	void *buf;
	int n;

	for (n = 0; n < max; n++) {
		if (nn_recv(sock, &buf, NN_MSG, NN_DONTWAIT) < 0)
			break;
		nn_freemsg(buf);
	}
	return n;
}

int
bus_call(int sock, const char *req, char **reply, size_t *len, char *err,
    size_t errlen)
{
	char *buf = NULL;
	int n;

	*reply = NULL;
	if (nn_send(sock, req, strlen(req), 0) < 0 ||
	    (n = nn_recv(sock, &buf, NN_MSG, 0)) < 0) {
		strlcpy(err, nn_errno() == ETIMEDOUT ?
		    "no answer (is the daemon running?)" :
		    nn_strerror(nn_errno()), errlen);
		return -1;
	}
	if ((*reply = malloc((size_t)n + 1)) == NULL) {
		nn_freemsg(buf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(*reply, buf, (size_t)n);
	(*reply)[n] = '\0';
	*len = (size_t)n;
	nn_freemsg(buf);
	return 0;
}

void
bus_close(int sock)
{
	struct listener *l = listener_of(sock);

	if (l != NULL) {
		l->sock = l->eid = -1;
		l->url[0] = '\0';
	}
	nn_close(sock);
}
