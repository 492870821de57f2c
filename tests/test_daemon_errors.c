/*
 * Daemons that say why they will not run, with the real programs: an ipc
 * path too long for a unix socket (nanomsg would abort: exit 134), a
 * second featured on a database another one serves, a probe spec or a
 * cpu_info file that is wrong.  Each is one line and an exit status:
 * 2 for bad usage, 1 for what the situation refuses.
 */
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "tap.h"
#include "daemon_harness.h"

static struct featured F = FC_INIT, F2 = FC_INIT, M = FC_INIT;
static const char *fbin, *mbin, *cli;
static char label[1024];

/* Exactly one line of output. */
static int
one_line(const char *out)
{
	const char *nl = strchr(out, '\n');

	return nl != NULL && nl[1] == '\0';
}

/* An ipc:// URL in the test's directory whose path is n bytes long. */
static const char *
long_url(char *buf, size_t len, size_t n)
{
	int used;

	used = snprintf(buf, len, "ipc://%s/run/", fc_test_dir());
	while ((size_t)used - strlen("ipc://") < n - 5 &&
	    (size_t)used < len - 7)
		buf[used++] = 'p';
	snprintf(buf + used, len - (size_t)used, ".sock");
	return buf;
}

/*
 * featured's arguments for a run of its own on db, at run/NAME.sock and
 * run/NAME-ev.sock (rpc and ev, FC_PATH_MAX bytes each), probing none.
 */
static size_t
featured_args(const char **args, const char *db, const char *name,
    char *rpc, char *ev)
{
	snprintf(rpc, FC_PATH_MAX, "ipc://%s/run/%s.sock", fc_test_dir(),
	    name);
	snprintf(ev, FC_PATH_MAX, "ipc://%s/run/%s-ev.sock", fc_test_dir(),
	    name);
	return fc_daemon_args(args, db, rpc, ev);
}

/* The daemon is refused url (at --rpc, or --events) with exit 2. */
static void
refuses_long(const char *bin, const char *who, const char *opt, size_t n)
{
	char url[FC_PATH_MAX], ok_url[FC_PATH_MAX], db[FC_PATH_MAX];
	char out[2048], limit[32];
	const char *args[12];
	int rc;

	snprintf(limit, sizeof(limit), "%zu",
	    sizeof(((struct sockaddr_un *)0)->sun_path));
	snprintf(db, sizeof(db), "%s/long.db", fc_test_dir());
	snprintf(ok_url, sizeof(ok_url), "ipc://%s/run/long-ok.sock",
	    fc_test_dir());
	long_url(url, sizeof(url), n);
	fc_daemon_args(args, db, strcmp(opt, "--rpc") == 0 ? url : ok_url,
	    bin != fbin ? NULL : strcmp(opt, "--events") == 0 ? url : ok_url);
	rc = fc_run_for(bin, args, 5000, out, sizeof(out));
	snprintf(label, sizeof(label), "%s %s with a %zu-byte ipc path: exit "
	    "2 and one line naming the path and the limit %s, not an abort",
	    who, opt, n, limit);
	if (!ok(rc == 2 && one_line(out) && strstr(out, url + 6) != NULL &&
	    strstr(out, limit) != NULL, label))
		diag("exit %d, said: %s", rc, out);
}

static void
long_paths(void)
{
	char url[FC_PATH_MAX], out[2048];
	const char *args[6];
	int rc;

	refuses_long(fbin, "featured", "--rpc", 108);
	refuses_long(fbin, "featured", "--rpc", 200);
	refuses_long(fbin, "featured", "--events", 108);
	refuses_long(mbin, "migcheck", "--rpc", 108);
	refuses_long(mbin, "migcheck", "--rpc", 200);
	if (cli == NULL)
		return;
	/* The CLI's exit status is its own table's: only not an abort. */
	args[0] = "migrate-check";
	args[1] = "vm1";
	args[2] = "h1";
	args[3] = "--connect";
	args[4] = long_url(url, sizeof(url), 108);
	args[5] = NULL;
	rc = fc_run_for(cli, args, 5000, out, sizeof(out));
	if (!ok(rc >= 1 && rc <= 4 && strstr(out, url + 6) != NULL &&
	    strstr(out, "108") != NULL, "the CLI --connect with a 108-byte "
	    "ipc path: an error naming it and the limit, not an abort"))
		diag("exit %d, said: %s", rc, out);
}

/* Service.version answers on f. */
static void
answers(struct featured *f, const char *what)
{
	json_object *r = fc_call(f, "Service.version", NULL);

	expect_result(r, what, NULL);
	json_object_put(r);
}

static void
one_writer(void)
{
	char out[2048], want[FC_PATH_MAX + 128], rpc[FC_PATH_MAX];
	char ev[FC_PATH_MAX];
	const char *args[10];
	int rc;

	fc_start_checked(&F, "featured");
	featured_args(args, F.db, "second", rpc, ev);
	rc = fc_run_for(fbin, args, 5000, out, sizeof(out));
	snprintf(want, sizeof(want), "%s is in use by another "
	    "cpulevel-featured (pid %ld)", F.db, (long)F.pid);
	if (!ok(rc == 1 && strstr(out, want) != NULL,
	    "a second featured on the same database exits 1, naming the "
	    "database and the first one's pid"))
		diag("exit %d, said: %s", rc, out);
	ok(access(rpc + 6, F_OK) == -1, "... before making its socket");
	answers(&F, "the first featured still answers");

	fc_start_checked(&M, "migcheck beside featured, on its database");
	answers(&M, "migcheck answers beside featured");
	fc_stop_checked(&M, "migcheck");

	fc_stop_checked(&F, "the first featured");
	fc_start_checked(&F2, "another featured once the first has gone");
	fc_stop_checked(&F2, "the other featured");

	/* A featured killed outright leaves no lock behind. */
	fc_start_checked(&F, "featured again");
	fc_kill_hard(&F);
	fc_close_sockets(&F);
	fc_start_checked(&F2, "another featured after one was killed");
	fc_stop_checked(&F2, "the other featured");
}

/* The lock is taken first, and still says what db_open() would. */
static void
missing_dir(void)
{
	char out[2048], db[FC_PATH_MAX], rpc[FC_PATH_MAX], ev[FC_PATH_MAX];
	const char *args[10];
	int rc;

	snprintf(db, sizeof(db), "%s/no/such/dir.db", fc_test_dir());
	featured_args(args, db, "dir", rpc, ev);
	rc = fc_run_for(fbin, args, 5000, out, sizeof(out));
	if (!ok(rc == 1 && strstr(out, db) != NULL &&
	    strstr(out, "directory to create it in does not exist") != NULL,
	    "featured on a database whose directory is missing: exit 1, "
	    "saying so"))
		diag("exit %d, said: %s", rc, out);
}

static void
bad_probes(void)
{
	char out[2048], db[FC_PATH_MAX], rpc[FC_PATH_MAX], ev[FC_PATH_MAX];
	char spec[FC_PATH_MAX + 8], file[FC_PATH_MAX];
	const char *args[12];
	FILE *f;
	int rc;

	snprintf(db, sizeof(db), "%s/probe.db", fc_test_dir());
	featured_args(args, db, "probe", rpc, ev);
	args[7] = "bogus";	/* --probe's */
	rc = fc_run_for(fbin, args, 5000, out, sizeof(out));
	if (!ok(rc == 2 && one_line(out) && strstr(out, "'bogus'") != NULL &&
	    strstr(out, "auto, xen, cpuid or file:PATH") != NULL &&
	    strstr(out, "none") != NULL, "featured --probe bogus: exit 2, "
	    "one line listing the valid forms"))
		diag("exit %d, said: %s", rc, out);

	snprintf(file, sizeof(file), "%s/ci.json", fc_test_dir());
	if ((f = fopen(file, "w")) != NULL) {
		fputs("{\"vendor\":\"GenuineIntel\",\"features_pv\":\"zz\"}\n",
		    f);
		fclose(f);
	}
	snprintf(spec, sizeof(spec), "file:%s", file);
	args[7] = spec;
	args[8] = "--local-host"; args[9] = "h1"; args[10] = NULL;
	rc = fc_run_for(fbin, args, 5000, out, sizeof(out));
	if (!ok(rc == 1 && strstr(out, file) != NULL &&
	    strstr(out, "features_pv") != NULL && strstr(out, "'zz'"),
	    "featured --local-host with a cpu_info file whose features_pv "
	    "does not parse: exit 1, naming the file and the key"))
		diag("exit %d, said: %s", rc, out);
	unlink(file);
}

int
main(void)
{
	fbin = fc_binary("CPULEVEL_FEATURED", "the featured binary");
	mbin = fc_binary("CPULEVEL_MIGCHECK", "the migcheck binary");
	cli = getenv("CPULEVEL_CLI");
	fc_begin("cpulevel-errors");
	fc_add_daemon(&F, "featured", fbin, "cpulevel.db", "featured.sock",
	    "events.sock", "featured.log");
	fc_add_daemon(&F2, "featured 2", fbin, "cpulevel.db", "featured2.sock",
	    "events2.sock", "featured2.log");
	fc_add_daemon(&M, "migcheck", mbin, "cpulevel.db", "migcheck.sock",
	    NULL, "migcheck.log");

	diag("ipc paths too long for a unix socket");
	long_paths();
	diag("one featured per database");
	one_writer();
	missing_dir();
	diag("probe specs and cpu_info files");
	bad_probes();
	return done_testing();
}
