/*
 * Following featured's events (--events URL): the refresh a commit calls
 * for, made from the loop as soon as featured says it committed, so that
 * the next check finds the snapshot current and answers from memory.
 *
 * featured publishes after each commit (services/featured/events.c),
 * after the commit and so after sqlite's WAL index moved.  The event's
 * content does not matter: whatever arrives, view_ahead() looks at the
 * header itself and refreshes only if it moved, exactly as the next check
 * would (one rule, in view.c).  Nothing depends on an event arriving:
 * PUB/SUB drops messages when a subscriber is slow, an operator's sqlite3
 * publishes nothing, and featured may be stopped; then the next check
 * refreshes, as it did before.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "bus.h"
#include "log.h"
#include "migcheck.h"
#include "strlcpy.h"

/* Events taken a wake-up: a burst costs one refresh, and the loop turns. */
#define FOLLOW_BATCH	64

struct follow {
	struct migcheck	*m;
	int		 sock;
	struct event	*ev;
	char		 url[BUS_URL_MAX];
};

struct follow *
follow_open(const char *url, struct migcheck *m, char *err, size_t errlen)
{
	struct follow *fl;

	if ((fl = calloc(1, sizeof(*fl))) == NULL) {
		strlcpy(err, "out of memory", errlen);
		return NULL;
	}
	if ((fl->sock = bus_connect_sub(url, err, errlen)) == -1) {
		free(fl);
		return NULL;
	}
	fl->m = m;
	strlcpy(fl->url, url, sizeof(fl->url));
	return fl;
}

/* The events dropped unread: each says only "committed". */
static void
follow_wake(evutil_socket_t fd, short what, void *arg)
{
	struct follow *fl = arg;

	(void)fd;
	(void)what;
	if (bus_drain(fl->sock, FOLLOW_BATCH) == 0)
		return;
	/* A failure is the next check's to report: it will try again. */
	if (view_ahead(fl->m) == -1)
		log_debug("refresh ahead: %s", fl->m->dberr);
}

int
follow_start(struct follow *fl, struct event_base *base)
{
	char err[256];
	int fd;

	if ((fd = bus_recv_fd(fl->sock, err, sizeof(err))) == -1 ||
	    (fl->ev = event_new(base, fd, EV_READ | EV_PERSIST, follow_wake,
	    fl)) == NULL || event_add(fl->ev, NULL) == -1) {
		log_warnx("events %s: cannot follow them: %s", fl->url,
		    fd == -1 ? err : "libevent");
		return -1;
	}
	log_info("following featured's events on %s", fl->url);
	return 0;
}

void
follow_close(struct follow *fl)
{
	if (fl == NULL)
		return;
	if (fl->ev)
		event_free(fl->ev);
	bus_close(fl->sock);
	free(fl);
}
