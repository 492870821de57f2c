/*
 * The nanomsg bus: sockets as proto/README.md describes them.
 *
 * Servers use a raw REP socket: a cooked one drops the request in flight
 * when it receives again, while a raw one hands each request over with
 * its routing header, so a reply can go back to the right client whenever
 * it is ready.
 */
#ifndef CPULEVEL_BUS_H
#define CPULEVEL_BUS_H

#include <stddef.h>
#include <stdint.h>

#define BUS_URL_MAX		512
/* The largest message body, proto/README.md's 1 MiB (NN_RCVMAXSIZE). */
#define BUS_MAX_MESSAGE		(1024 * 1024)
/* Listen on a tcp:// or ws:// address that is not loopback. */
#define BUS_UNAUTHENTICATED_TCP	0x1

struct bus_msg {
	char	*body;		/* nanomsg-allocated, not NUL-terminated */
	size_t	 len;
	void	*control;	/* the routing header, nanomsg-allocated */
};

/*
 * Server side: -1 with a one-line err on failure.  An ipc:// socket's
 * directory must be a real directory (not a link), ours, mode 0700; a
 * tcp:// or ws:// address must be loopback unless flags has
 * BUS_UNAUTHENTICATED_TCP.
 */
int	bus_listen_rep(const char *url, int flags, char *err, size_t errlen);
int	bus_listen_pub(const char *url, int flags, char *err, size_t errlen);
/*
 * An ipc:// path must fit a sockaddr_un's sun_path with its NUL (108
 * bytes on Linux); nanomsg would abort on a longer one.  Both sides
 * check it; -1 with err naming the path and the limit.
 */
int	bus_check_ipc_path(const char *url, char *err, size_t errlen);
/* The check bus_listen_*() make of url alone, for option parsing. */
int	bus_check_listen_url(const char *url, int flags, char *err,
	    size_t errlen);
/*
 * The accept guard (lib/server.c): the sockets bus_listen_*() made and
 * not closed, their addresses, and stopping a listener (which closes
 * every connection it accepted) and starting it again.
 */
size_t	bus_listening(int *socks, size_t max);
const char *bus_url(int sock);
int	bus_pause(int sock);
int	bus_resume(int sock, char *err, size_t errlen);
/* The fd that is readable while messages wait (watch level-triggered). */
int	bus_recv_fd(int sock, char *err, size_t errlen);
/* 1 a request was taken, 0 none is waiting, -1 error (errno set). */
int	bus_recv_request(int sock, struct bus_msg *m);
/* Sends the reply to m's sender and frees m; -1 if it could not. */
int	bus_send_reply(int sock, struct bus_msg *m, const char *reply,
	    size_t len);
void	bus_msg_free(struct bus_msg *m);
/* "topic\n" + json; never blocks (a slow subscriber loses events). */
int	bus_publish(int sock, const char *topic, const char *json);

/* Client side. */
int	bus_connect_req(const char *url, int timeout_ms, char *err,
	    size_t errlen);
/* A SUB socket following every topic of url (connected lazily). */
int	bus_connect_sub(const char *url, char *err, size_t errlen);
/* Up to max messages waiting on sock taken and dropped: how many. */
int	bus_drain(int sock, int max);
/* Send req and wait for the reply (malloc'd, NUL-terminated). */
int	bus_call(int sock, const char *req, char **reply, size_t *len,
	    char *err, size_t errlen);
void	bus_close(int sock);

#endif
