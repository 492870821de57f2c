/*
 * cpulevel-featured: set up the database and sockets, then run the event
 * loop until SIGTERM or SIGINT.  The loop only dispatches: requests go to
 * lib/server.c, and from there to the handlers in methods.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "combine.h"
#include "config.h"
#include "db.h"
#include "featured.h"
#include "log.h"
#include "probe.h"
#include "rpc_client.h"
#include "server.h"
#include "strlcpy.h"

struct options {
	const char	*db;
	const char	*rpc;
	const char	*events;
	const char	*local_host;
	const char	*probe;
	int		 use_syslog;
	int		 verbose;
	int		 listen_flags;	/* BUS_UNAUTHENTICATED_TCP */
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: cpulevel-featured [--db PATH] [--rpc URL] "
	    "[--events URL]\n"
	    "           [--local-host UUID] [--probe auto|xen|cpuid|"
	    "file:PATH|none]\n"
	    "           [--unauthenticated-tcp] [--syslog] [-v]\n\n"
	    "Defaults: --db " CPULEVEL_DEFAULT_DB "\n"
	    "          --rpc " CPULEVEL_FEATURED_RPC_URL "\n"
	    "          --events " CPULEVEL_FEATURED_EVENTS_URL "\n"
	    "--local-host records a Host.boot for this host with the "
	    "featuresets\nthe probe reads at start.\n"
	    "A tcp:// (or ws://) address must be loopback: nanomsg has no "
	    "authentication,\nso anyone who reaches a network address could "
	    "change the pool's state.\n--unauthenticated-tcp listens on "
	    "one all the same.\n");
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "db",		required_argument,	NULL, 'd' },
		{ "rpc",	required_argument,	NULL, 'r' },
		{ "events",	required_argument,	NULL, 'e' },
		{ "local-host",	required_argument,	NULL, 'l' },
		{ "probe",	required_argument,	NULL, 'p' },
		{ "syslog",	no_argument,		NULL, 's' },
		{ "unauthenticated-tcp", no_argument,	NULL, 'u' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	char err[512];
	int c;

	memset(o, 0, sizeof(*o));
	o->db = CPULEVEL_DEFAULT_DB;
	o->rpc = CPULEVEL_FEATURED_RPC_URL;
	o->events = CPULEVEL_FEATURED_EVENTS_URL;
	o->probe = "auto";
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->db = optarg; break;
		case 'r': o->rpc = optarg; break;
		case 'e': o->events = optarg; break;
		case 'l': o->local_host = optarg; break;
		case 'p': o->probe = optarg; break;
		case 's': o->use_syslog = 1; break;
		case 'u': o->listen_flags |= BUS_UNAUTHENTICATED_TCP; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cpulevel-featured: unexpected argument "
		    "'%s'\n", argv[optind]);
		return -1;
	}
	if (bus_check_listen_url(o->rpc, o->listen_flags, err,
	    sizeof(err)) == -1 || bus_check_listen_url(o->events,
	    o->listen_flags, err, sizeof(err)) == -1) {
		fprintf(stderr, "cpulevel-featured: %s\n", err);
		return -1;
	}
	/* Checked even without --local-host: a typo is not to wait for
	 * the day it is used. */
	if (strcmp(o->probe, "none") != 0 &&
	    probe_check_spec(o->probe, err, sizeof(err)) == -1) {
		fprintf(stderr, "cpulevel-featured: --probe: %s, or none\n",
		    err);
		return -1;
	}
	if (o->local_host && !rpc_valid_id(o->local_host)) {
		fprintf(stderr, "cpulevel-featured: --local-host '%s' is not "
		    "a valid id\n", o->local_host);
		return -1;
	}
	return 0;
}

/* The state directory of the default path may not exist on first start. */
static void
make_state_dir(const char *db)
{
	char dir[4096], *slash;

	strlcpy(dir, db, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		log_warnx("cannot create %s: %s", dir, strerror(errno));
}

/*
 * --local-host: report this host's fresh sets through the same path as
 * any client's Host.boot, so the daemon has one way in for data.
 */
static int
boot_local_host(struct featured *f, const struct options *o)
{
	struct json_object *params, *ci;
	struct featureset hvm;
	struct cpuinfo info;
	struct rpc_outcome out;
	char err[512], *req, *reply;
	int hvm_capable;

	if (strcmp(o->probe, "none") == 0) {
		log_warnx("--local-host needs a probe, not --probe none");
		return -1;
	}
	if (probe_host(o->probe, &info, err, sizeof(err)) != PROBE_OK) {
		log_warnx("probe of the local host: %s", err);
		return -1;
	}
	/*
	 * A Xen built without HVM offers no HVM set, and one on a CPU
	 * without VT-x or SVM an empty one: such a host runs no HVM guest,
	 * and says so as xapi would (its capabilities lack hvm).
	 */
	hvm_capable = cpuinfo_get_fs(&info, CI_FEATURES_HVM, &hvm, err,
	    sizeof(err)) == 0 && !fs_is_zero(&hvm);
	ci = cpuinfo_to_json(&info);
	cpuinfo_free(&info);
	params = json_object_new_object();
	json_object_object_add(params, "host",
	    json_object_new_string(o->local_host));
	json_object_object_add(params, "cpu_info", ci);
	json_object_object_add(params, "hvm_capable",
	    json_object_new_boolean(hvm_capable));
	json_object_object_add(params, "dbg",
	    json_object_new_string("featured-start"));
	req = rpc_request_new(0, "Host.boot", params);
	json_object_put(params);
	memset(&out, 0, sizeof(out));
	out.code = RPC_INTERNAL_ERROR;	/* if there is no reply at all */
	reply = req ? rpc_dispatch(featured_methods, &featured_txn, f, req,
	    strlen(req), &out) : NULL;
	free(req);
	free(reply);
	if (out.code != 0) {
		log_warnx("Host.boot of the local host %s failed: %d %s",
		    o->local_host, out.code, out.message);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct featured f;
	struct options o;
	char err[512];
	int rep = -1, lock, status = 1;

	if (parse_options(argc, argv, &o) == -1)
		return 2;
	log_init("cpulevel-featured", o.use_syslog, o.verbose);
	/* Before anything folds a level: the platform's combine, if any. */
	log_info("levelling by %s", combine_lookup());
	/* Sockets and the database are ours alone. */
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	memset(&f, 0, sizeof(f));
	f.pub = -1;
	make_state_dir(o.db);
	/* Before the database and the sockets: a second featured must
	 * neither migrate the one nor take over the other. */
	if ((lock = db_lock(o.db, "cpulevel-featured", err,
	    sizeof(err))) == -1) {
		log_warnx("%s", err);
		return 1;
	}
	if (db_open(o.db, DB_READWRITE, &f.db, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 1;
	}
	if ((rep = bus_listen_rep(o.rpc, o.listen_flags, err, sizeof(err))) == -1 ||
	    (f.pub = bus_listen_pub(o.events, o.listen_flags, err, sizeof(err))) == -1) {
		log_warnx("%s", err);
		goto done;
	}
	if (o.local_host && boot_local_host(&f, &o) == -1)
		goto done;
	log_info("%s: serving %s, events on %s, database %s",
	    CPULEVEL_VERSION, o.rpc, o.events, o.db);
	if (server_run(rep, featured_methods, &featured_txn, &f,
	    SERVER_LOG_ALL) == 0)
		status = 0;
done:
	if (f.pub != -1)
		bus_close(f.pub);
	if (rep != -1)
		bus_close(rep);
	db_close(f.db);
	close(lock);
	return status;
}
