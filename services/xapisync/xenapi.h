/*
 * A XenAPI client: JSON-RPC 2.0 over HTTP, through libcurl, to xapi's
 * /jsonrpc handler.  Three kinds of address:
 *
 *   unix:///var/lib/xcp/xapi	xapi's local socket (dom0; root logs in
 *				with an empty password there)
 *   https://HOST[:PORT]	off-host; the peer and its name are always
 *				verified, against the system store or
 *				the --ca file, never skipped
 *   http://127.0.0.1:PORT	loopback only (a test xapi): also
 *   http://[::1]:PORT		http://localhost:PORT; plain http to
 *				anything else is refused
 *
 * One request at a time, blocking.  The session reference and the
 * password are secrets: no error text this client writes holds either
 * (xenapi_redact()), so an error may be logged as it is.
 */
#ifndef CPULEVEL_XENAPI_H
#define CPULEVEL_XENAPI_H

#include <stddef.h>

struct json_object;
struct xenapi;

/* xapi's local socket: the default address on a dom0. */
#define XENAPI_DEFAULT_URL	"unix:///var/lib/xcp/xapi"

/*
 * The largest reply read.  VM.get_all_records is the big one: xapi
 * sends every field of every VM (about a hundred of them, a few KiB of
 * JSON a VM; more with many VBDs, VIFs or other_config keys), so a
 * pool of a few thousand VMs answers with tens of MiB.  64 MiB leaves
 * room for that, and still stops a peer that streams without end
 * before the parse (json-c needs several times the text's size) runs
 * the daemon out of memory.
 */
#define XENAPI_MAX_REPLY	(64u << 20)
/* Seconds to connect, and for a whole call but event.from's. */
#define XENAPI_CONNECT_TIMEOUT	10
#define XENAPI_CALL_TIMEOUT	120
/* event.from's own timeout plus this is its call's limit. */
#define XENAPI_EVENT_MARGIN	30

enum xenapi_errkind {
	XENAPI_OK,
	XENAPI_EURL,		/* an address or option refused */
	XENAPI_ESYS,		/* out of memory, curl would not start */
	XENAPI_ETRANSPORT,	/* connect, TLS, timeout, connection lost */
	XENAPI_EHTTP,		/* an HTTP status other than 200 */
	XENAPI_ETOOBIG,		/* a reply over the bound */
	XENAPI_EMALFORMED,	/* a reply that is not a JSON-RPC reply */
	XENAPI_EFAILURE		/* a XenAPI failure: code and params */
};

#define XENAPI_MAX_PARAMS	8
#define XENAPI_PARAM_SIZE	256

struct xenapi_error {
	enum xenapi_errkind	 kind;
	long			 http_status;	/* XENAPI_EHTTP */
	/* XENAPI_EFAILURE: xapi's code ("SESSION_INVALID") and its
	 * parameters, the first XENAPI_MAX_PARAMS, each cut to fit on a
	 * whole UTF-8 character; the session reference and the password
	 * are replaced by "(redacted)". */
	char			 code[64];
	size_t			 nparams;
	char			 params[XENAPI_MAX_PARAMS][XENAPI_PARAM_SIZE];
	/* One line for a log: redacted, control bytes escaped. */
	char			 msg[512];
};

/*
 * Check url (and ca, which only an https address takes; NULL for the
 * system store) and prepare a client.  Nothing is sent yet.  NULL with
 * err filled (XENAPI_EURL for a refused address).
 */
struct xenapi	*xenapi_open(const char *url, const char *ca,
		    struct xenapi_error *err);
/* Frees the client; the session, if any, is left to expire. */
void		 xenapi_close(struct xenapi *x);

/*
 * session.login_with_password: the session is kept inside (and a
 * previous one forgotten).  The password is only used for this call
 * and wiped from the buffers that carried it.  0, or -1 with err
 * (XENAPI_EFAILURE SESSION_AUTHENTICATION_FAILED, HOST_IS_SLAVE
 * [master], ...).
 */
int		 xenapi_login(struct xenapi *x, const char *user,
		    const char *password, struct xenapi_error *err);
/* session.logout, if logged in; the session is forgotten either way. */
int		 xenapi_logout(struct xenapi *x, struct xenapi_error *err);
int		 xenapi_logged_in(const struct xenapi *x);

/*
 * Call method with the session and then params (a JSON array, or NULL
 * for none; borrowed).  0 with *result (a new reference, the caller
 * puts it; NULL for JSON null), or -1 with err.  timeout is the whole
 * call's, in seconds.  Without a session the call is not sent and err
 * is SESSION_INVALID, as xapi would answer: one path logs in again.
 */
int		 xenapi_call(struct xenapi *x, const char *method,
		    struct json_object *params, struct json_object **result,
		    struct xenapi_error *err);
int		 xenapi_call_timeout(struct xenapi *x, const char *method,
		    struct json_object *params, long timeout,
		    struct json_object **result, struct xenapi_error *err);
/*
 * event.from(classes, token, timeout): the call's own limit is timeout
 * plus XENAPI_EVENT_MARGIN, so xapi's empty answer at the timeout is
 * not taken for a dead connection.  classes is a JSON array (borrowed).
 */
int		 xenapi_event_from(struct xenapi *x, struct json_object *classes,
		    const char *token, double timeout,
		    struct json_object **result, struct xenapi_error *err);

/* Lower the reply bound (tests); 0 restores XENAPI_MAX_REPLY. */
void		 xenapi_set_max_reply(struct xenapi *x, size_t max);

/* Whether err is XenAPI failure code. */
int		 xenapi_is_failure(const struct xenapi_error *err,
		    const char *code);

/*
 * Copy in to out (len bytes), each occurrence of the client's session
 * reference, or of the password while a login is under way, replaced
 * by "(redacted)"; cut on a whole character if it does not fit.  For
 * any text from a peer or curl that is about to be shown.
 */
void		 xenapi_redact(const struct xenapi *x, const char *in,
		    char *out, size_t len);

/*
 * The password file: opened without following a symbolic link, and
 * refused unless it is a regular file that neither group nor others
 * may read.  Its first line (at most len - 1 bytes, the newline and a
 * CR before it stripped) goes to buf; an empty password is one.  0, or
 * -1 with err naming the file and the fault, never its content.
 */
int		 xenapi_read_password(const char *path, char *buf, size_t len,
		    char *err, size_t errlen);
/* Zero len bytes at p, in a way the compiler keeps. */
void		 xenapi_wipe(void *p, size_t len);

#endif
