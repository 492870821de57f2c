/*
 * Requests to featured over its nanomsg REQ socket, as the CLI makes
 * them (lib/bus.h, lib/rpc_client.h).  One socket is kept while featured
 * answers; after a failure it is closed, so that the next request starts
 * on a fresh one and a reply to an abandoned request is never taken for
 * the answer to a new one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "bus.h"
#include "rpc.h"
#include "rpc_client.h"
#include "sync.h"

/* featured commits before it answers: a few seconds is already slow. */
#define FD_TIMEOUT_MS	5000

void
fd_close(struct sync *s)
{
	if (s->fd_sock != -1)
		bus_close(s->fd_sock);
	s->fd_sock = -1;
}

static int
fd_open(struct sync *s, char *msg, size_t msglen)
{
	if (s->fd_sock != -1)
		return 0;
	s->fd_sock = bus_connect_req(s->featured_url, FD_TIMEOUT_MS, msg,
	    msglen);
	return s->fd_sock == -1 ? -1 : 0;
}

int
fd_call(struct sync *s, const char *method, struct json_object *params,
    struct json_object **result, char *msg, size_t msglen)
{
	struct rpc_error e;
	char *req, *reply;
	size_t len;
	long long id;
	int rc;

	*result = NULL;
	if (fd_open(s, msg, msglen) == -1)
		return -1;
	id = ++s->fd_id;
	if ((req = rpc_request_new(id, method, params)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	rc = bus_call(s->fd_sock, req, &reply, &len, msg, msglen);
	free(req);
	if (rc == -1) {
		fd_close(s);
		return -1;
	}
	memset(&e, 0, sizeof(e));
	rc = rpc_reply_parse(reply, len, id, result, &e);
	free(reply);
	if (rc == 1)
		snprintf(msg, msglen, "%s%s%s", e.message, e.data ? " " : "",
		    e.data ? json_object_to_json_string(e.data) : "");
	else if (rc == -1) {
		snprintf(msg, msglen, "bad reply to %s: %s", method, e.data ?
		    json_object_get_string(e.data) : e.message);
		fd_close(s);
	}
	rpc_error_clear(&e);
	return rc;
}
