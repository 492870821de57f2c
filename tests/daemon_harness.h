/*
 * The daemon harness of the integration tests and the soak: it starts
 * cpulevel-featured and cpulevel-migcheck in the test's own temporary
 * directory and stops them, speaks JSON-RPC 2.0 to them over real
 * nanomsg REQ sockets, and checks their replies as proto/README.md
 * writes them, one TAP line a check.  A struct featured whose events
 * address is "" is a daemon without a PUB socket (migcheck), started
 * with --db and --rpc and its extra arguments only.
 *
 * daemon_harness.c holds the test's directory, the processes and their
 * logs; daemon_requests.c the requests, the checks of replies and the
 * steps every story takes; daemon_run.c daemons run to their end;
 * json_helpers.c the labels and JSON.  Each test links its own copy
 * (tests/meson.build: dep_harness), so the directory and the daemons are
 * the test's.  The fc_ prefix is the harness's (it began as a featured
 * client).  Include tap.h first.
 */
#ifndef CPULEVEL_DAEMON_HARNESS_H
#define CPULEVEL_DAEMON_HARNESS_H

#include <sys/types.h>

#include <stddef.h>

#include <json.h>

#include "json_helpers.h"

#define FC_RPC_TIMEOUT_MS	5000	/* a request's, on the REQ socket */
#define FC_PATH_MAX		512
#define FC_EXTRA_MAX		4	/* a migcheck's more arguments */

struct featured {
	const char	*name;			/* in messages: "migcheck 2" */
	const char	*bin;
	char		 dir[128];		/* the test's temp directory */
	char		 db[FC_PATH_MAX];
	char		 rpc[FC_PATH_MAX];
	char		 events[FC_PATH_MAX];	/* "": no PUB (migcheck) */
	char		 log[FC_PATH_MAX];
	pid_t		 pid;			/* -1: not running */
	int		 status;		/* wait status once reaped */
	int		 req;			/* REQ socket, -1 if none */
	int		 sub;			/* SUB socket, -1 if none */
	long long	 next_id;
	long		 log_mark;		/* log bytes already shown */
	char		*last_raw;		/* text of the last reply */
	json_object	*evbuf;			/* events received, in order */
	/* featured only: --probe (NULL: none) and --local-host (NULL: no) */
	const char	*probe, *local_host;
	/* migcheck only: arguments after --db and --rpc (NULL-ended) */
	const char	*extra[FC_EXTRA_MAX + 1];
};

/* A daemon not started yet: no process, no sockets. */
#define FC_INIT		{ .pid = -1, .req = -1, .sub = -1 }

/* xapi's reasons, byte-exact, as proto/README.md lists them. */
#define R_VENDOR \
	"VM last booted on a host which had a CPU from a different vendor."
#define R_FEATURES \
	"VM last booted on a CPU with features this host's CPU does not have."
#define R_NOKEYS \
	"Host does not have new leveling feature keys - not comparing VM's flags"

/* ---- daemon_harness.c: setting up ------------------------------------ */

/*
 * Before the first daemon: SIGPIPE ignored, the test's directory made
 * (prefix-XXXXXX below $TMPDIR, or /tmp), and at exit the daemons killed
 * and the directory removed, unless a check failed.
 */
void		 fc_begin(const char *prefix);
/* The test's directory (fc_begin). */
const char	*fc_test_dir(void);
/*
 * A daemon of the test: f runs bin on db, answers on run/rpc, publishes
 * on run/events (NULL: no PUB socket, as migcheck) and logs to log, all
 * in the test's directory; name is for messages.
 */
void		 fc_add_daemon(struct featured *f, const char *name,
		    const char *bin, const char *db, const char *rpc,
		    const char *events, const char *log);
/* The environment variable name, or skip the whole test. */
const char	*fc_env(const char *name, const char *what);
/* The binary the variable name gives: unset skips, not runnable bails. */
const char	*fc_binary(const char *name, const char *what);
/*
 * The pair most tests run: featured (CPULEVEL_FEATURED) and migcheck
 * (CPULEVEL_MIGCHECK) on one database file db of the test's directory.
 */
void		 fc_add_pair(struct featured *f, struct featured *m,
		    const char *db);

/* ---- daemon_harness.c: time, processes, logs --------------------------- */

long long	 fc_now_ms(void);		/* monotonic */
void		 fc_sleep_ms(long ms);

/*
 * How to wait for a starting daemon: a try is Service.version on a fresh
 * REQ socket (an unanswered REQ would resend), with try_ms to send and
 * to receive and reconnect_ms between its attempts to connect (0:
 * nanomsg's default); pause_ms between tries, timeout_ms in all.
 */
struct fc_patience {
	long	timeout_ms;
	int	try_ms, reconnect_ms, pause_ms;
};

/*
 * Start the daemon, wait (up to timeout_ms) until it answers
 * Service.version, then connect its REQ and SUB sockets.  0 on success,
 * else -1 with a reason in why.
 */
int		 fc_start(struct featured *f, long timeout_ms, char *why,
		    size_t whylen);
/*
 * fc_start's first steps, for a caller with a pace of its own (the
 * soak): fork and exec the daemon without waiting for it; wait until it
 * answers, as p says.  0, or -1 with a reason in why.
 */
int		 fc_spawn(struct featured *f, char *why, size_t whylen);
int		 fc_wait_ready(struct featured *f, const struct fc_patience *p,
		    char *why, size_t whylen);
/* Reap the daemon if it has exited; 1 while it runs. */
int		 fc_alive(struct featured *f);
/* A wait status in words: "exited with status 1". */
void		 fc_describe_status(int status, char *buf, size_t len);
/* Send sig and wait up to timeout_ms: 1 if it exited (f->status). */
int		 fc_signal_wait(struct featured *f, int sig, long timeout_ms);
void		 fc_kill_hard(struct featured *f);	/* SIGKILL, reaped */
void		 fc_close_sockets(struct featured *f);

/* Show the log written since the last look as TAP diagnostics. */
void		 fc_log_show(struct featured *f, const char *why);
/* Forget the log so far: the next fc_log_show starts here. */
void		 fc_log_skip(struct featured *f);
/* How many lines of f's log hold needle (0 if there is no log). */
int		 fc_log_count(const struct featured *f, const char *needle);

/* Everything about a failure worth knowing (f's log), then bail out. */
void		 fc_bail(struct featured *f, const char *why)
		    __attribute__((noreturn));
/*
 * One TAP line (for file:line) for a precondition of the test data: if
 * it does not hold, bail out, with f's log (f NULL: no daemon yet).
 */
void		 fc_require(struct featured *f, int cond, const char *file,
		    int line, const char *what);
/*
 * One step of a story: its name as a diagnostic, then fn; if fn failed
 * a check, the log each daemon wrote meanwhile is shown.
 */
void		 fc_run(const char *step, void (*fn)(void));

/* ---- daemon_requests.c: sockets and requests --------------------------- */

/* A REQ socket connected to url with these timeouts, or -1. */
int		 fc_req_socket(const char *url, int rcv_ms, int snd_ms);
/* One message on s into f->last_raw: its length, or -1 (errno). */
int		 fc_recv_text(struct featured *f, int s);
/*
 * Send len raw bytes on s and return the parsed reply, or NULL (no reply
 * in time: *timed_out is set; or a reply that is not JSON).
 */
json_object	*fc_exchange(struct featured *f, int s, const void *msg,
		    size_t len, int *timed_out);
/*
 * Raw bytes as a request on f's REQ socket: the parsed reply, or NULL
 * (no reply in time, or not JSON: diagnosed).  A dead daemon bails out.
 */
json_object	*fc_call_raw(struct featured *f, const void *msg, size_t len);
/*
 * A JSON-RPC request, params (owned; NULL: omitted) by name: the parsed
 * reply, whose jsonrpc and id are checked (a TAP line if wrong).
 */
json_object	*fc_call(struct featured *f, const char *method,
		    json_object *params);
/* A GenuineIntel host's cpu_info, 8 CPUs in a socket, set in all 4 keys. */
json_object	*fc_cpu_info(const char *set);

/* ---- daemon_requests.c: checking replies, one TAP line each ------------ */

/* A success; *res (if not NULL) gets the result, borrowed from reply. */
int		 fc_expect_result(json_object *reply, const char *file,
		    int line, const char *what, json_object **res);
#define expect_result(reply, what, res)					\
	fc_expect_result((reply), __FILE__, __LINE__, (what), (res))
/*
 * The error code/message whose data is the NULL-terminated array of
 * strings given; message NULL: neither it nor data is checked.
 */
int		 fc_expect_error(json_object *reply, const char *file,
		    int line, const char *what, int code,
		    const char *message, ...);
#define expect_error(reply, what, code, ...)				\
	fc_expect_error((reply), __FILE__, __LINE__, (what), (code),	\
	    __VA_ARGS__, NULL)
/* -32602 whose data names param (not checked if NULL). */
int		 fc_expect_invalid_params(json_object *reply,
		    const char *file, int line, const char *what,
		    const char *param);
#define expect_invalid_params(reply, what, param)			\
	fc_expect_invalid_params((reply), __FILE__, __LINE__, (what), (param))
/* A success whose result is null. */
int		 fc_expect_null(json_object *r, const char *file, int line,
		    const char *what);
#define expect_null(r, what) fc_expect_null((r), __FILE__, __LINE__, (what))
/*
 * fc_call whose reply must be a success, as expect_result checks it (one
 * TAP line); the reply is the caller's to put.
 */
json_object	*fc_call_ok(struct featured *f, const char *file, int line,
		    const char *what, const char *method, json_object *params,
		    json_object **res);
#define call_checked(f, what, method, params, res)			\
	fc_call_ok((f), __FILE__, __LINE__, (what), (method), (params), (res))

/* ---- daemon_run.c: a daemon that must refuse to start --------------- */

/*
 * A daemon's arguments: --db db --rpc rpc, and for featured (events not
 * NULL) --events events --probe none; NULL-ended, the count returned.
 * args has room for 9.
 */
size_t		 fc_daemon_args(const char **args, const char *db,
		    const char *rpc, const char *events);
/*
 * Run bin with args (NULL-ended, at most 14) for at most ms: its exit
 * status, 128 + the signal that ended it, or -1 if it was still running
 * (then killed); stdout and stderr together in out.  -2 if its output
 * file could not be made.
 */
int		 fc_run_for(const char *bin, const char *const *args, long ms,
		    char *out, size_t outlen);

/* ---- daemon_requests.c: steps of a story ------------------------------- */

/* Start the daemon, or bail out; one TAP line once it answers. */
void		 fc_start_checked(struct featured *f, const char *who);
/* SIGTERM: two TAP lines, it exits within 5 s, with status 0. */
void		 fc_stop_checked(struct featured *f, const char *who);
/*
 * Service.version is {api: 1, build: a string}, and takes a dbg string:
 * four TAP lines, their labels after prefix ("" or "migcheck: ").
 */
void		 fc_check_version(struct featured *f, const char *prefix,
		    const char *dbg);
/* Add to snap, under name, f's result (or error) for method, params. */
void		 fc_take(struct featured *f, json_object *snap,
		    const char *name, const char *method, json_object *params);

#endif
