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

struct bus_msg {
	char	*body;		/* nanomsg-allocated, not NUL-terminated */
	size_t	 len;
	void	*control;	/* the routing header, nanomsg-allocated */
};

/* Server side: -1 with a one-line err on failure. */
int	bus_listen_rep(const char *url, char *err, size_t errlen);
int	bus_listen_pub(const char *url, char *err, size_t errlen);
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
/* Send req and wait for the reply (malloc'd, NUL-terminated). */
int	bus_call(int sock, const char *req, char **reply, size_t *len,
	    char *err, size_t errlen);
void	bus_close(int sock);

#endif
