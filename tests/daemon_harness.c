/*
 * The daemon harness (daemon_harness.h): the test's directory, the
 * daemons' processes and their logs, and starting a daemon until it
 * answers.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json.h>
#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>

#include "tap.h"
#include "daemon_harness.h"

/* The test's directory (fc_begin) and its daemons there (fc_add_daemon). */
static char fc_dir[128];
static struct featured *fc_daemons[8];
static size_t fc_ndaemons;

/* ---- time ---------------------------------------------------------- */

long long
fc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
fc_sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- the daemon's log ---------------------------------------------- */

/* Show the log written since the last call as TAP diagnostics. */
void
fc_log_show(struct featured *f, const char *why)
{
	char line[1024];
	FILE *fp = fopen(f->log, "r");
	long size;
	int shown = 0;

	if (fp == NULL)
		return;
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	/* At most the last 32 KiB, so a chatty daemon cannot drown TAP. */
	if (size - f->log_mark > 32768)
		f->log_mark = size - 32768;
	fseek(fp, f->log_mark, SEEK_SET);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (!shown++)
			diag("daemon log since the last look (%s):", why);
		diag("  | %s", line);
	}
	f->log_mark = ftell(fp);
	fclose(fp);
}

/* Forget the log so far: the next fc_log_show starts here. */
void
fc_log_skip(struct featured *f)
{
	struct stat st;

	if (stat(f->log, &st) == 0)
		f->log_mark = (long)st.st_size;
}

/* How many lines of f's log hold needle (0 if there is no log). */
int
fc_log_count(const struct featured *f, const char *needle)
{
	char line[4096];
	FILE *fp = fopen(f->log, "r");
	int n = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(fp);
	return n;
}

/* ---- the daemon process -------------------------------------------- */

/* Reap the daemon if it has exited; 1 while it runs. */
int
fc_alive(struct featured *f)
{
	pid_t r;

	if (f->pid <= 0)
		return 0;
	r = waitpid(f->pid, &f->status, WNOHANG);
	if (r == 0)
		return 1;
	f->pid = -1;
	return 0;
}

void
fc_describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "wait status 0x%x", status);
}

/* Send sig and wait up to timeout_ms: 1 if it exited (f->status). */
int
fc_signal_wait(struct featured *f, int sig, long timeout_ms)
{
	long long deadline = fc_now_ms() + timeout_ms;

	if (f->pid <= 0)
		return 0;
	kill(f->pid, sig);
	while (fc_alive(f)) {
		if (fc_now_ms() > deadline)
			return 0;
		fc_sleep_ms(20);
	}
	return 1;
}

void
fc_kill_hard(struct featured *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, &f->status, 0);
		f->pid = -1;
	}
}

void
fc_close_sockets(struct featured *f)
{
	if (f->req >= 0)
		nn_close(f->req);
	if (f->sub >= 0)
		nn_close(f->sub);
	f->req = f->sub = -1;
}

/* Everything about a failure worth knowing, then stop. */
void
fc_bail(struct featured *f, const char *why)
{
	char st[64];

	if (f->pid > 0 && !fc_alive(f)) {
		fc_describe_status(f->status, st, sizeof(st));
		diag("the daemon %s", st);
	}
	fc_log_show(f, why);
	printf("Bail out! %s\n", why);
	fflush(stdout);
	fc_kill_hard(f);
	exit(1);
}

/*
 * One TAP line (for file:line) for a precondition of the test data: if it
 * does not hold, nothing after it means anything, so bail out, with f's
 * log (f NULL: no daemon yet).
 */
void
fc_require(struct featured *f, int cond, const char *file, int line,
    const char *what)
{
	static const char why[] =
	    "a precondition of the test data does not hold";

	if (tap_ok(!!cond, file, line, what))
		return;
	if (f != NULL)
		fc_bail(f, why);
	printf("Bail out! %s\n", why);
	exit(1);
}

/* ---- starting ------------------------------------------------------ */

/* f's SUB socket, subscribed to every topic; 0, or -1. */
static int
fc_sub_open(struct featured *f)
{
	int s = nn_socket(AF_SP, NN_SUB);

	if (s < 0)
		return -1;
	if (nn_setsockopt(s, NN_SUB, NN_SUB_SUBSCRIBE, "", 0) < 0 ||
	    nn_connect(s, f->events) < 0) {
		nn_close(s);
		return -1;
	}
	f->sub = s;
	return 0;
}

/*
 * Fork and exec f's daemon on its database and addresses, its output to
 * its log, without waiting for it.  0, or -1 with a reason in why.
 */
int
fc_spawn(struct featured *f, char *why, size_t whylen)
{
	int fd;
	pid_t pid;

	fc_close_sockets(f);
	fd = open(f->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0) {
		snprintf(why, whylen, "open %.300s: %s", f->log, strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (pid == 0) {
		char *argv[] = { (char *)f->bin, "--db", f->db, "--rpc",
		    f->rpc, "--events", f->events, "--probe",
		    (char *)(f->probe ? f->probe : "none"), NULL, NULL, NULL };
		int nul = open("/dev/null", O_RDONLY), i;

		if (f->local_host) {
			argv[9] = "--local-host";
			argv[10] = (char *)f->local_host;
		}
		if (f->events[0] == '\0') {
			/* migcheck: --db, --rpc, and f->extra */
			for (i = 0; i < FC_EXTRA_MAX && f->extra[i]; i++)
				argv[5 + i] = (char *)f->extra[i];
			argv[5 + i] = NULL;
		}

		/* stdout is TAP: the daemon writes only to its log. */
		if (nul >= 0)
			dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(f->bin, argv);
		dprintf(2, "execv %s: %s\n", f->bin, strerror(errno));
		_exit(127);
	}
	close(fd);
	f->pid = pid;
	return 0;
}

/* One try: 1 if f answers Service.version on a fresh REQ socket. */
static int
fc_answers(struct featured *f, const struct fc_patience *p)
{
	static const char ping[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"Service.version\"}";
	json_object *r;
	int s, t;

	s = fc_req_socket(f->rpc, p->try_ms, p->try_ms);
	if (s < 0)
		return 0;
	if (p->reconnect_ms > 0)
		nn_setsockopt(s, NN_SOL_SOCKET, NN_RECONNECT_IVL,
		    &p->reconnect_ms, sizeof(p->reconnect_ms));
	r = fc_exchange(f, s, ping, sizeof(ping) - 1, &t);
	nn_close(s);
	if (r == NULL)
		return 0;
	json_object_put(r);
	return 1;
}

int
fc_wait_ready(struct featured *f, const struct fc_patience *p, char *why,
    size_t whylen)
{
	long long deadline = fc_now_ms() + p->timeout_ms;
	char st[64];

	for (;;) {
		if (!fc_alive(f)) {
			fc_describe_status(f->status, st, sizeof(st));
			snprintf(why, whylen, "the daemon %s while starting",
			    st);
			return -1;
		}
		if (fc_now_ms() > deadline) {
			snprintf(why, whylen, "no answer to Service.version "
			    "on %.200s within %ld ms", f->rpc, p->timeout_ms);
			return -1;
		}
		if (fc_answers(f, p))
			return 0;
		if (p->pause_ms > 0)
			fc_sleep_ms(p->pause_ms);
	}
}

/*
 * Start the daemon, wait until it answers, then connect the REQ and SUB
 * sockets.
 */
int
fc_start(struct featured *f, long timeout_ms, char *why, size_t whylen)
{
	struct fc_patience p = { timeout_ms, 250, 0, 50 };
	int to = FC_RPC_TIMEOUT_MS;

	if (fc_spawn(f, why, whylen) != 0 ||
	    fc_wait_ready(f, &p, why, whylen) != 0)
		return -1;
	f->req = fc_req_socket(f->rpc, to, to);
	if (f->req < 0 || (f->events[0] != '\0' && fc_sub_open(f) < 0)) {
		snprintf(why, whylen, "nanomsg sockets: %s",
		    nn_strerror(nn_errno()));
		return -1;
	}
	if (f->evbuf != NULL)
		json_object_put(f->evbuf);
	f->evbuf = json_object_new_array();
	/* PUB/SUB slow joiner: let the subscription reach the daemon. */
	if (f->sub >= 0)
		fc_sleep_ms(250);
	return 0;
}

/* ---- steps of a story ----------------------------------------------- */

/*
 * One step of a story: its name as a diagnostic, then fn; if fn failed a
 * check, the log each daemon wrote meanwhile is shown, else passed over.
 */
void
fc_run(const char *step, void (*fn)(void))
{
	int failed = tap_failed;
	size_t i;

	diag("%s", step);
	fn();
	for (i = 0; i < fc_ndaemons; i++) {
		if (tap_failed > failed)
			fc_log_show(fc_daemons[i], L("%s, %s", step,
			    fc_daemons[i]->name));
		else
			fc_log_skip(fc_daemons[i]);
	}
}

/* ---- setting up and cleaning up ------------------------------------- */

const char *
fc_test_dir(void)
{
	return fc_dir;
}

/* The environment variable name, or skip the whole test. */
const char *
fc_env(const char *name, const char *what)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0')
		skip_all("%s is not set (%s)", name, what);
	return v;
}

/*
 * The binary the environment variable name gives: if unset, the test is
 * skipped; if it cannot be run, the test bails out.
 */
const char *
fc_binary(const char *name, const char *what)
{
	const char *bin = fc_env(name, what);

	if (access(bin, X_OK) != 0) {
		printf("Bail out! %s=%s: %s\n", name, bin, strerror(errno));
		exit(1);
	}
	return bin;
}

/*
 * A daemon of the test: f runs bin on db, answers on run/rpc, publishes
 * on run/events (NULL: no PUB socket, as migcheck) and logs to log, all
 * in the test's directory; name is for messages.
 */
void
fc_add_pair(struct featured *f, struct featured *m, const char *db)
{
	fc_add_daemon(f, "featured", fc_binary("CPULEVEL_FEATURED",
	    "the path of the cpulevel-featured binary"), db, "featured.sock",
	    "featured-events.sock", "featured.log");
	fc_add_daemon(m, "migcheck", fc_binary("CPULEVEL_MIGCHECK",
	    "the path of the cpulevel-migcheck binary"), db, "migcheck.sock",
	    NULL, "migcheck.log");
}

void
fc_add_daemon(struct featured *f, const char *name, const char *bin,
    const char *db, const char *rpc, const char *events, const char *log)
{
	if (fc_ndaemons == sizeof(fc_daemons) / sizeof(fc_daemons[0]))
		abort();
	fc_daemons[fc_ndaemons++] = f;
	f->name = name;
	f->bin = bin;
	snprintf(f->dir, sizeof(f->dir), "%s", fc_dir);
	snprintf(f->db, sizeof(f->db), "%s/%s", fc_dir, db);
	snprintf(f->rpc, sizeof(f->rpc), "ipc://%s/run/%s", fc_dir, rpc);
	if (events != NULL)
		snprintf(f->events, sizeof(f->events), "ipc://%s/run/%s",
		    fc_dir, events);
	else
		f->events[0] = '\0';
	snprintf(f->log, sizeof(f->log), "%s/%s", fc_dir, log);
}

static int
fc_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * At exit: kill the daemons still running, close their sockets, and
 * remove the test's directory, unless a check failed (then it stays).
 */
static void
fc_cleanup(void)
{
	size_t i;

	for (i = 0; i < fc_ndaemons; i++) {
		fc_kill_hard(fc_daemons[i]);
		fc_close_sockets(fc_daemons[i]);
	}
	if (fc_dir[0] == '\0')
		return;
	if (tap_failed == 0)
		nftw(fc_dir, fc_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		diag("kept the test's directory %s", fc_dir);
}

/*
 * Before the first daemon: SIGPIPE ignored (a daemon that dies must not
 * take the test with it), the test's directory made, prefix-XXXXXX below
 * $TMPDIR (ipc paths must fit in sun_path: a long $TMPDIR gives way to
 * /tmp), and fc_cleanup to run at exit.
 */
void
fc_begin(const char *prefix)
{
	const char *tmp = getenv("TMPDIR");

	signal(SIGPIPE, SIG_IGN);
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(fc_dir, sizeof(fc_dir), "%s/%s-XXXXXX", tmp, prefix);
	if (mkdtemp(fc_dir) == NULL) {
		printf("Bail out! mkdtemp %s: %s\n", fc_dir, strerror(errno));
		exit(1);
	}
	atexit(fc_cleanup);
}
