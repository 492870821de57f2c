/*
 * What the XenAPI client's files share (xenapi.c: the calls over curl;
 * url.c: the addresses; reply.c: replies, errors and redaction;
 * pwfile.c: the password file).  Not for the client's users.
 */
#ifndef CPULEVEL_XENAPI_INT_H
#define CPULEVEL_XENAPI_INT_H

#include <stdarg.h>
#include <stddef.h>

#include <sys/un.h>

#include "xenapi.h"

enum xenapi_scheme {
	XS_UNIX,	/* http over xapi's unix socket */
	XS_HTTPS,
	XS_HTTP		/* loopback only */
};

struct xenapi_addr {
	enum xenapi_scheme	 scheme;
	/* The unix socket's path, "" for the others. */
	char			 sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	/* What curl is asked for: "http://localhost/jsonrpc" over the
	 * socket, else the address's scheme and authority + "/jsonrpc". */
	char			 endpoint[320];
};

/* An opaque reference is "OpaqueRef:" and a uuid; room to spare. */
#define XENAPI_REF_SIZE		128

struct xenapi {
	void			*curl;		/* CURL * */
	void			*headers;	/* struct curl_slist * */
	int			 global;	/* curl_global_init() done */
	struct xenapi_addr	 addr;
	char			*ca;
	char			 session[XENAPI_REF_SIZE];	/* "" if none */
	/* The password, and its JSON-escaped form, while a login is on. */
	const char		*password;
	char			*password_json;
	long long		 next_id;
	/* The reply being read, and its bound. */
	char			*buf;
	size_t			 len, cap, max;
	int			 too_big;
	char			 curl_err[256];	/* CURL_ERROR_SIZE */
};

int	xenapi_parse_url(const char *url, struct xenapi_addr *a, char *err,
	    size_t errlen);

/*
 * The reply in buf[0..len) to the call with id: 0 with *result, or -1
 * with err (XENAPI_EMALFORMED or XENAPI_EFAILURE), its text about
 * method.
 */
int	xenapi_parse_reply(struct xenapi *x, const char *method,
	    const char *buf, size_t len, long long id,
	    struct json_object **result, struct xenapi_error *err);

/* Fill err: kind, and msg from fmt, redacted and escaped. */
void	xenapi_seterr(const struct xenapi *x, struct xenapi_error *err,
	    enum xenapi_errkind kind, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
void	xenapi_clearerr(struct xenapi_error *err);

/* s, redacted, in a new string (NULL without memory). */
char	*xenapi_redact_alloc(const struct xenapi *x, const char *s);

#endif
