/*
 * Is anything listening at a daemon's URL?  nanomsg's connect never
 * fails: with no daemon, a request waits for its whole timeout and then
 * says little.  One plain connect() first answers at once, and lets the
 * error name the daemon.  It is closed at once; the daemon sees a
 * connection that ends before its handshake, and forgets it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* How long a tcp:// or ws:// connect may take before "no daemon". */
#define REACH_TCP_TIMEOUT_MS	1000

static enum outcome_kind
unreachable(const char *daemon, const char *url, const char *why)
{
	if (why != NULL)
		cli_error("cannot reach %s at %s: %s", daemon, url, why);
	else
		cli_error("cannot reach %s at %s: is it running?", daemon,
		    url);
	return OC_UNREACHABLE;
}

static enum outcome_kind
reach_ipc(const char *daemon, const char *url, const char *path)
{
	struct sockaddr_un sun;
	int s, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		cli_error("%s: the socket's path is %zu bytes, it must be "
		    "under %zu", url, strlen(path), sizeof(sun.sun_path));
		return OC_USAGE;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return OC_YES;	/* nanomsg will say what is wrong */
	rc = connect(s, (struct sockaddr *)&sun, sizeof(sun));
	close(s);
	if (rc == 0)
		return OC_YES;
	if (errno == ENOENT || errno == ECONNREFUSED)
		return unreachable(daemon, url, NULL);
	return unreachable(daemon, url, strerror(errno));
}

/* A nonblocking connect, waited for at most REACH_TCP_TIMEOUT_MS. */
static int
tcp_connects(const struct addrinfo *ai)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int s, soerr = 0, ok = 0;

	s = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (s == -1)
		return 0;
	if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0)
		ok = 1;
	else if (errno == EINPROGRESS) {
		pfd.fd = s;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, REACH_TCP_TIMEOUT_MS) == 1 &&
		    getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
		    soerr == 0)
			ok = 1;
	}
	close(s);
	return ok;
}

/* "tcp://[iface;]host:port" or "ws://host:port/path". */
static enum outcome_kind
reach_tcp(const char *daemon, const char *url, const char *rest)
{
	struct addrinfo hints, *res, *ai;
	char host[256], *port, *end;
	const char *semi = strchr(rest, ';');
	int ok = 0;

	snprintf(host, sizeof(host), "%s", semi ? semi + 1 : rest);
	if ((end = strchr(host, '/')) != NULL)
		*end = '\0';
	if ((port = strrchr(host, ':')) == NULL)
		return OC_YES;	/* nanomsg refuses it, and says why */
	*port++ = '\0';
	if (host[0] == '[' && (end = strchr(host, ']')) != NULL) {
		*end = '\0';
		memmove(host, host + 1, strlen(host));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return OC_YES;
	for (ai = res; ai != NULL && !ok; ai = ai->ai_next)
		ok = tcp_connects(ai);
	freeaddrinfo(res);
	return ok ? OC_YES : unreachable(daemon, url, NULL);
}

enum outcome_kind
cli_reach(const char *daemon, const char *url)
{
	if (strncmp(url, "ipc://", 6) == 0)
		return reach_ipc(daemon, url, url + 6);
	if (strncmp(url, "tcp://", 6) == 0)
		return reach_tcp(daemon, url, url + 6);
	if (strncmp(url, "ws://", 5) == 0)
		return reach_tcp(daemon, url, url + 5);
	return OC_YES;
}
