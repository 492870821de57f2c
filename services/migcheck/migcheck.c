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
	    "[--unauthenticated-tcp]\n"
	    "           [--http unix:PATH] [--syslog] [-v]\n\n"
	    "Defaults: --db " CPULEVEL_DEFAULT_DB "\n"
	    "          --rpc " CPULEVEL_MIGCHECK_RPC_URL "\n"
	    "Answers migration checks from cpulevel-featured's database, "
	    "read-only.\n"
	    "A tcp:// (or ws://) address must be loopback: nanomsg has no "
	    "authentication.\n--unauthenticated-tcp listens on a network "
	    "address all the same.\n--http unix:PATH also serves "
	    "read-only HTTP on that unix socket\n(for xapi's "
	    "/services/plugin/cpulevel: /var/lib/xcp/plugin/cpulevel).\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db",		required_argument,	NULL, 'd' },
		{ "rpc",	required_argument,	NULL, 'r' },
		{ "http",	required_argument,	NULL, 'H' },
		{ "syslog",	no_argument,		NULL, 's' },
		{ "unauthenticated-tcp", no_argument,	NULL, 'u' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *rpc = CPULEVEL_MIGCHECK_RPC_URL, *http = NULL;
	struct http_front *front = NULL;
	struct server_hook hook;
	struct migcheck m;
	char err[512];
	int c, rep = -1, rc = 1, use_syslog = 0, verbose = 0, flags = 0;

	memset(&m, 0, sizeof(m));
	m.db_path = CPULEVEL_DEFAULT_DB;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': m.db_path = optarg; break;
		case 'r': rpc = optarg; break;
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
	log_info("%s: serving %s from database %s; levelling by %s",
	    CPULEVEL_VERSION, rpc, m.db_path, combine_lookup());
	/* No transaction hooks: every method reads (methods.c). */
	if (front)
		http_hook(front, &hook);
	if (server_run_hooked(rep, migcheck_methods, NULL, &m,
	    SERVER_LOG_FAULTS, front ? &hook : NULL) == 0)
		rc = 0;
done:
	if (rep != -1)
		bus_close(rep);
	view_close(&m);
	return rc;
}
