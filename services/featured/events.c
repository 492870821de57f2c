/*
 * Events: hints to subscribers that state changed.  PUB/SUB may drop
 * them, so they only ever say what the database already holds.
 */
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "featured.h"
#include "featurenames.h"
#include "log.h"

void
events_queue(struct featured *f, const char *topic, const char *method,
    struct json_object *params)
{
	struct json_object *n;

	if (f->nevents - f->event_mark >= FEATURED_MAX_EVENTS ||
	    f->nevents == FEATURED_TXN_EVENTS) {
		log_warnx("event %s dropped: too many in one request", topic);
		json_object_put(params);
		return;
	}
	n = json_object_new_object();
	json_object_object_add(n, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(n, "method", json_object_new_string(method));
	json_object_object_add(n, "params", params);
	f->events[f->nevents][0] = strdup(topic);
	f->events[f->nevents][1] = strdup(json_compact(n));
	f->nevents++;
	json_object_put(n);
}

void
events_discard_from(struct featured *f, int first)
{
	int i;

	for (i = first; i < f->nevents; i++) {
		free(f->events[i][0]);
		free(f->events[i][1]);
	}
	if (first < f->nevents)
		f->nevents = first;
}

void
events_discard(struct featured *f)
{
	events_discard_from(f, 0);
	f->event_mark = 0;
}

/*
 * After every commit that changed a row, whatever it changed (a repeat
 * that changed nothing publishes nothing): cpulevel-migcheck refreshes
 * its snapshot when this arrives (services/migcheck/follow.c), before
 * its next check would.  Constant, so it costs featured one send.
 */
#define EVENTS_COMMITTED_TOPIC	"db.committed"
#define EVENTS_COMMITTED \
	"{\"jsonrpc\":\"2.0\",\"method\":\"Db.committed\",\"params\":{}}"

void
events_flush(struct featured *f)
{
	int i;

	for (i = 0; i < f->nevents; i++) {
		if (f->pub == -1 || f->events[i][0] == NULL ||
		    f->events[i][1] == NULL)
			continue;
		if (bus_publish(f->pub, f->events[i][0], f->events[i][1]) == -1)
			log_info("event %s not published", f->events[i][0]);
	}
	if (f->pub != -1 && sqlite3_total_changes(f->db) != f->changes_begun &&
	    bus_publish(f->pub, EVENTS_COMMITTED_TOPIC, EVENTS_COMMITTED) == -1)
		log_debug("event " EVENTS_COMMITTED_TOPIC " not published");
	events_discard(f);
}

/* {old, new, lost: [names], gained: [names]} for one featureset. */
struct json_object *
events_set_change(const struct featureset *old, const struct featureset *new)
{
	struct json_object *o = json_object_new_object();
	struct featureset d;
	char buf[FS_STRING_MAX];

	fs_format(old, buf);
	json_object_object_add(o, "old", json_object_new_string(buf));
	fs_format(new, buf);
	json_object_object_add(o, "new", json_object_new_string(buf));
	fs_diff(old, new, &d);
	json_object_object_add(o, "lost", feature_names_json(&d));
	fs_diff(new, old, &d);
	json_object_object_add(o, "gained", feature_names_json(&d));
	return o;
}
