/*
 * cpulevel-migcheck: open the request socket, then run the event loop
 * until SIGTERM or SIGINT.  The database is opened read-only, lazily.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "combine.h"
#include "config.h"
#include "log.h"
#include "migcheck.h"
#include "server.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: cpulevel-migcheck [--db PATH] [--rpc URL] "
	    "[--events URL]\n"
	    "           [--unauthenticated-tcp] [--http unix:PATH] "
	    "[--syslog] [-v]\n\n"
	    "Defaults: --db " CPULEVEL_DEFAULT_DB "\n"
	    "          --rpc " CPULEVEL_MIGCHECK_RPC_URL "\n"
	    "          --events " CPULEVEL_FEATURED_EVENTS_URL "\n"
	    "Answers migration checks from cpulevel-featured's database, "
	    "read-only.\n"
	    "A tcp:// (or ws://) address must be loopback: nanomsg has no "
	    "authentication.\n--unauthenticated-tcp listens on a network "
	    "address all the same.\n--http unix:PATH also serves "
	    "read-only HTTP on that unix socket\n(for xapi's "
	    "/services/plugin/cpulevel: /var/lib/xcp/plugin/cpulevel).\n"
	    "Featured's events (--events; \"none\": not followed) each "
	    "tell of a commit:\nmigcheck refreshes then, before the next "
	    "check asks.\n");
}

/*
 * What the loop serves beside the requests: featured's events, followed
 * (a failure only logged: answers are exact without them), and the
 * HTTP front (a failure stops the daemon, as it always did).
 */
struct extras {
	struct follow		*follow;
	struct server_hook	 http;	/* start NULL: no front */
};

static int
extras_start(struct event_base *base, void *arg)
{
	struct extras *x = arg;

	if (x->follow && follow_start(x->follow, base) == -1) {
		follow_close(x->follow);
		x->follow = NULL;
	}
	if (x->http.start && x->http.start(base, x->http.arg) == -1) {
		x->http.start = NULL;
		return -1;
	}
	return 0;
}

static void
extras_stop(void *arg)
{
	struct extras *x = arg;

	if (x->http.start)
		x->http.stop(x->http.arg);
	follow_close(x->follow);
	x->follow = NULL;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db",		required_argument,	NULL, 'd' },
		{ "rpc",	required_argument,	NULL, 'r' },
		{ "events",	required_argument,	NULL, 'e' },
		{ "http",	required_argument,	NULL, 'H' },
		{ "syslog",	no_argument,		NULL, 's' },
		{ "unauthenticated-tcp", no_argument,	NULL, 'u' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *rpc = CPULEVEL_MIGCHECK_RPC_URL, *http = NULL;
	const char *events = CPULEVEL_FEATURED_EVENTS_URL;
	struct http_front *front = NULL;
	struct server_hook hook = { extras_start, extras_stop, NULL };
	struct extras x;
	struct migcheck m;
	char err[512];
	int c, rep = -1, rc = 1, use_syslog = 0, verbose = 0, flags = 0;

	memset(&m, 0, sizeof(m));
	memset(&x, 0, sizeof(x));
	hook.arg = &x;
	m.db_path = CPULEVEL_DEFAULT_DB;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': m.db_path = optarg; break;
		case 'r': rpc = optarg; break;
		case 'e': events = optarg; break;
		case 'H': http = optarg; break;
		case 's': use_syslog = 1; break;
		case 'u': flags |= BUS_UNAUTHENTICATED_TCP; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (bus_check_listen_url(rpc, flags, err, sizeof(err)) == -1) {
		fprintf(stderr, "cpulevel-migcheck: %s\n", err);
		return 2;
	}
	if (http && http_check_spec(http, err, sizeof(err)) == -1) {
		fprintf(stderr, "cpulevel-migcheck: %s\n", err);
		return 2;
	}
	if (strcmp(events, "none") == 0)
		events = NULL;
	if (events && bus_check_ipc_path(events, err, sizeof(err)) == -1) {
		fprintf(stderr, "cpulevel-migcheck: --events: %s\n", err);
		return 2;
	}
	log_init("cpulevel-migcheck", use_syslog, verbose);
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	if (view_open(&m) == -1)
		log_warnx("%s: answering \"no database\" until it exists",
		    m.dberr);
	if ((rep = bus_listen_rep(rpc, flags, err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		goto done;
	}
	if (http && (front = http_listen(http, &m, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto done;
	}
	/* nanomsg connects in the background: featured may be down. */
	if (events && (x.follow = follow_open(events, &m, err,
	    sizeof(err))) == NULL)
		log_warnx("%s: refreshing on the checks only", err);
	log_info("%s: serving %s from database %s; levelling by %s",
	    CPULEVEL_VERSION, rpc, m.db_path, combine_lookup());
	/* No transaction hooks: every method reads (methods.c). */
	if (front)
		http_hook(front, &x.http);
	if (server_run_hooked(rep, migcheck_methods, NULL, &m,
	    SERVER_LOG_FAULTS, &hook) == 0)
		rc = 0;
done:
	follow_close(x.follow);
	if (rep != -1)
		bus_close(rep);
	view_close(&m);
	return rc;
}
