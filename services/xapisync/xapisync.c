/*
 * cpulevel-xapi-sync: xapi's state into featured (issue 12, section 1;
 * README.md).  Log in, resync in full, then follow event.from; every
 * fault ends in a wait (1 s doubling to 30 s, reset by a success) and a
 * new start at the step the fault calls for.  It never exits on a fault:
 * only on a bad command line, or a signal (whose default action is kept:
 * nothing of value lives here, featured holds the state).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "config.h"
#include "log.h"
#include "strlcpy.h"
#include "sync.h"

#define BACKOFF_MIN	1
#define BACKOFF_MAX	30
#define EVENT_TIMEOUT	30.0
/* While a level mismatch waits for confirmation (alerts.c). */
#define EVENT_TIMEOUT_CHECK	3.0
#define STANDBY_RECHECK	10
#define POOL_CONF	"/etc/xensource/pool.conf"

/* What the loop does next. */
enum step { LOGIN, RESYNC, FOLLOW };

static void
usage(FILE *f)
{
	fprintf(f, "usage: cpulevel-xapi-sync [--xapi URL] [--featured URL] "
	    "[--user NAME]\n"
	    "           [--password-file FILE] [--ca FILE] [--no-alerts] "
	    "[--syslog] [-v]\n\n"
	    "Defaults: --xapi " XENAPI_DEFAULT_URL " --user root (empty "
	    "password)\n"
	    "          --featured " CPULEVEL_FEATURED_RPC_URL "\n"
	    "Follows xapi's pool, hosts and VMs into cpulevel-featured.\n");
}

static void
pause_s(int seconds)
{
	struct timespec ts = { seconds, 0 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* On a dom0, pool.conf says "master" or "slave:ADDRESS". */
static int
dom0_is_supporter(const struct sync *s)
{
	const char *path = getenv("CPULEVEL_POOL_CONF");
	char buf[16] = "";
	FILE *f;

	if (strncmp(s->url, "unix:", 5) != 0)
		return 0;
	if ((f = fopen(path ? path : POOL_CONF, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strncmp(buf, "slave", 5) == 0;
}

/* HOST_IS_SLAVE's address as a URL of the same scheme: xapi gives an
 * address without a port, a stand-in one with its port. */
static int
follow_master(struct sync *s)
{
	const char *scheme = strncmp(s->url, "https:", 6) == 0 ?
	    "https://" : "http://";
	char url[sizeof(s->url)];

	if (s->master[0] == '\0' || strncmp(s->url, "unix:", 5) == 0)
		return -1;
	snprintf(url, sizeof(url), "%s%s", scheme, s->master);
	if (strcmp(url, s->url) == 0)
		return -1;
	log_info("following the pool master to %s", url);
	strlcpy(s->url, url, sizeof(s->url));
	return 0;
}

static void
disconnect(struct sync *s)
{
	xenapi_close(s->x);
	s->x = NULL;
}

static enum sync_fault
login(struct sync *s)
{
	struct xenapi_error e;

	if (s->x == NULL && (s->x = xenapi_open(s->url, s->ca, &e)) == NULL) {
		snprintf(s->fault_msg, sizeof(s->fault_msg), "%s", e.msg);
		return SF_XAPI;
	}
	if (xenapi_login(s->x, s->user, s->password, &e) == -1) {
		snprintf(s->fault_msg, sizeof(s->fault_msg), "%s", e.msg);
		return sync_xapi_fault(s, &e);
	}
	return alerts_load(s);
}

/* One event.from and its batch applied. */
static enum sync_fault
follow(struct sync *s)
{
	struct json_object *classes, *res, *ev, *tok;
	struct xenapi_error e;
	enum sync_fault f;
	const char *t;
	double timeout;

	timeout = s->mismatch[0] != '\0' && !s->mismatch_raised ?
	    EVENT_TIMEOUT_CHECK : EVENT_TIMEOUT;
	classes = json_object_new_array();
	json_object_array_add(classes, json_object_new_string("pool"));
	json_object_array_add(classes, json_object_new_string("host"));
	json_object_array_add(classes, json_object_new_string("VM"));
	json_object_array_add(classes, json_object_new_string("VM_metrics"));
	if (xenapi_event_from(s->x, classes, s->token, timeout, &res,
	    &e) == -1) {
		json_object_put(classes);
		snprintf(s->fault_msg, sizeof(s->fault_msg), "%s", e.msg);
		return sync_xapi_fault(s, &e);
	}
	json_object_put(classes);
	if (!json_object_object_get_ex(res, "events", &ev) ||
	    !json_object_is_type(ev, json_type_array) ||
	    !json_object_object_get_ex(res, "token", &tok) ||
	    (t = json_object_get_string(tok)) == NULL ||
	    strlen(t) >= sizeof(s->token)) {
		json_object_put(res);
		snprintf(s->fault_msg, sizeof(s->fault_msg),
		    "event.from: not an event batch");
		return SF_TOKEN;
	}
	if ((f = sync_batch(s, ev)) == SF_OK)
		strlcpy(s->token, t, sizeof(s->token));
	json_object_put(res);
	return f;
}

/* The step after a fault; the fault is logged once an episode. */
static enum step
on_fault(struct sync *s, enum sync_fault f, enum sync_fault *episode)
{
	if (*episode != f)
		log_warnx("%s; retrying", s->fault_msg);
	else
		log_debug("%s", s->fault_msg);
	*episode = f;
	switch (f) {
	case SF_SLAVE:
		if (follow_master(s) == 0) {
			disconnect(s);
			return LOGIN;
		}
		/* FALLTHROUGH */
	case SF_XAPI:
		/* back to the address given: it names the master now */
		strlcpy(s->url, s->xapi_url, sizeof(s->url));
		disconnect(s);
		return LOGIN;
	case SF_SESSION:
		return LOGIN;
	case SF_TOKEN:
	case SF_FEATURED:
	default:
		return RESYNC;
	}
}

static void
run(struct sync *s)
{
	enum sync_fault f, episode = SF_OK;
	enum step step = LOGIN;
	int backoff = BACKOFF_MIN, standby = 0;

	for (;;) {
		if (step != FOLLOW && dom0_is_supporter(s)) {
			if (!standby)
				log_info("this host is a pool supporter: "
				    "standing by");
			standby = 1;
			disconnect(s);
			step = LOGIN;
			pause_s(STANDBY_RECHECK);
			continue;
		}
		if (standby)
			log_info("this host is the pool master: following it");
		standby = 0;
		switch (step) {
		case LOGIN:
			if ((f = login(s)) == SF_OK)
				step = RESYNC;
			break;
		case RESYNC:
			if ((f = sync_full(s)) == SF_OK) {
				log_info("in step with xapi at %s (pool %s)",
				    s->url, s->pool_uuid);
				step = FOLLOW;
			}
			break;
		default:
			if ((f = follow(s)) == SF_OK && dom0_is_supporter(s))
				step = LOGIN;
			break;
		}
		if (f == SF_OK) {
			if (episode != SF_OK && step == FOLLOW)
				log_info("recovered");
			if (step == FOLLOW) {
				episode = SF_OK;
				backoff = BACKOFF_MIN;
			}
			continue;
		}
		step = on_fault(s, f, &episode);
		pause_s(backoff);
		backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
	}
}

static int
read_password(struct sync *s, const char *file)
{
	char err[512];

	if (file == NULL)
		return 0;
	if (xenapi_read_password(file, s->password, sizeof(s->password), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "cpulevel-xapi-sync: %s\n", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "xapi",	   required_argument,	NULL, 'x' },
		{ "featured",	   required_argument,	NULL, 'f' },
		{ "user",	   required_argument,	NULL, 'u' },
		{ "password-file", required_argument,	NULL, 'p' },
		{ "ca",		   required_argument,	NULL, 'c' },
		{ "no-alerts",	   no_argument,		NULL, 'n' },
		{ "syslog",	   no_argument,		NULL, 's' },
		{ "verbose",	   no_argument,		NULL, 'v' },
		{ "help",	   no_argument,		NULL, 'h' },
		{ NULL,		   0,			NULL, 0 }
	};
	static struct sync s;
	struct xenapi_error e;
	const char *pwfile = NULL;
	int c, use_syslog = 0, verbose = 0;

	s.xapi_url = XENAPI_DEFAULT_URL;
	s.featured_url = CPULEVEL_FEATURED_RPC_URL;
	s.user = "root";
	s.alerts = 1;
	s.fd_sock = -1;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case 'x': s.xapi_url = optarg; break;
		case 'f': s.featured_url = optarg; break;
		case 'u': s.user = optarg; break;
		case 'p': pwfile = optarg; break;
		case 'c': s.ca = optarg; break;
		case 'n': s.alerts = 0; break;
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
	/* the address and the CA are checked now, not at the first try */
	if ((s.x = xenapi_open(s.xapi_url, s.ca, &e)) == NULL) {
		fprintf(stderr, "cpulevel-xapi-sync: %s\n", e.msg);
		return 2;
	}
	if (read_password(&s, pwfile) == -1)
		return 2;
	strlcpy(s.url, s.xapi_url, sizeof(s.url));
	log_init("cpulevel-xapi-sync", use_syslog, verbose);
	signal(SIGPIPE, SIG_IGN);
	if ((s.cache = xr_cache_new()) == NULL) {
		log_warnx("out of memory");
		return 1;
	}
	run(&s);
	return 1;
}
