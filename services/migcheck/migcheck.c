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

#include <event2/event.h>

#include "bus.h"
#include "config.h"
#include "log.h"
#include "notify.h"
#include "migcheck.h"
#include "server.h"

#define DEFAULT_DB	"/var/lib/cpulevel/cpulevel.db"
#define DEFAULT_RPC	"ipc:///run/cpulevel/migcheck.sock"

static void
usage(FILE *f)
{
	fprintf(f, "usage: cpulevel-migcheck [--db PATH] [--rpc URL] "
	    "[--syslog] [-v]\n\n"
	    "Defaults: --db " DEFAULT_DB "\n"
	    "          --rpc " DEFAULT_RPC "\n"
	    "Answers migration checks from cpulevel-featured's database, "
	    "read-only.\n");
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db",		required_argument,	NULL, 'd' },
		{ "rpc",	required_argument,	NULL, 'r' },
		{ "syslog",	no_argument,		NULL, 's' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct event *sigterm = NULL, *sigint = NULL;
	struct event_base *base = NULL;
	struct server *srv = NULL;
	const char *rpc = DEFAULT_RPC;
	struct migcheck m;
	char err[512];
	int c, rep = -1, rc = 1, use_syslog = 0, verbose = 0;

	memset(&m, 0, sizeof(m));
	m.db_path = DEFAULT_DB;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': m.db_path = optarg; break;
		case 'r': rpc = optarg; break;
		case 's': use_syslog = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("cpulevel-migcheck", use_syslog, verbose);
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	if (view_open(&m) == -1)
		log_warnx("%s: answering \"no database\" until it exists",
		    m.dberr);
	if ((rep = bus_listen_rep(rpc, err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		goto done;
	}
	if ((base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		goto done;
	}
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm,
	    NULL) == -1 || evsignal_add(sigint, NULL) == -1) {
		log_warnx("cannot watch signals");
		goto done;
	}
	if ((srv = server_new(base, rep, migcheck_methods, &m, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto done;
	}
	/* The sockets are bound: clients may connect from now on. */
	if (notify_ready() == -1)
		log_warnx("cannot tell systemd we are ready");
	log_info("%s: serving %s from database %s", CPULEVEL_VERSION, rpc,
	    m.db_path);
	if (event_base_dispatch(base) == -1)
		log_warnx("event loop failed");
	else
		rc = 0;
done:
	server_free(srv);
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	if (base)
		event_base_free(base);
	if (rep != -1)
		bus_close(rep);
	view_close(&m);
	return rc;
}
