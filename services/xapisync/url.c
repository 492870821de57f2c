/*
 * The addresses the XenAPI client takes (xenapi.h), checked before
 * curl sees them: curl would take far more (other schemes, a user and
 * password in the address, redirections), and plain http would carry
 * the password and the session across a network in clear.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "strlcpy.h"

#include "xenapi_int.h"

#define URL_FORMS	"unix:///PATH, https://HOST[:PORT] or " \
			"http://127.0.0.1:PORT"

/* The hosts plain http may go to: this machine's loopback. */
static const char *const loopback[] = { "127.0.0.1", "[::1]", "localhost" };

static int
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int
is_v6_char(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	    (c >= '0' && c <= '9') || c == ':' || c == '.';
}

/* ":PORT" at s, up to end: 1 to 65535, digits only. */
static int
port_ok(const char *s, const char *end)
{
	long port = 0;

	if (s == end)
		return 1;
	if (*s++ != ':' || s == end || end - s > 5)
		return 0;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		port = port * 10 + (*s - '0');
	}
	return port >= 1 && port <= 65535;
}

/*
 * The authority "HOST[:PORT]" in s[0..n): a DNS name or address, or an
 * IPv6 address in brackets.  *hostlen gets the host's length.
 */
static int
authority_ok(const char *s, size_t n, size_t *hostlen)
{
	const char *end = s + n, *p = s;

	if (n == 0)
		return 0;
	if (*p == '[') {
		for (p++; p < end && is_v6_char(*p); p++)
			;
		if (p == end || *p != ']' || p == s + 1)
			return 0;
		p++;
	} else {
		for (; p < end && is_name_char(*p); p++)
			;
		if (p == s)
			return 0;
	}
	*hostlen = (size_t)(p - s);
	return port_ok(p, end);
}

static int
parse_unix(const char *path, struct xenapi_addr *a, char *err, size_t errlen)
{
	const char *p;

	if (path[0] != '/') {
		snprintf(err, errlen, "unix: address: the socket's path must "
		    "be absolute (unix:///var/lib/xcp/xapi)");
		return -1;
	}
	for (p = path; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "unix: address: a control "
			    "character in the socket's path");
			return -1;
		}
	}
	if (strlcpy(a->sock, path, sizeof(a->sock)) >= sizeof(a->sock)) {
		snprintf(err, errlen, "unix: address: the socket's path is "
		    "longer than %zu bytes", sizeof(a->sock) - 1);
		return -1;
	}
	a->scheme = XS_UNIX;
	/* xapi reads the Host header of a local call no more than curl
	 * needs one: any name does. */
	strlcpy(a->endpoint, "http://localhost/jsonrpc", sizeof(a->endpoint));
	return 0;
}

static int
is_loopback(const char *host, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
		if (strlen(loopback[i]) == n &&
		    strncasecmp(host, loopback[i], n) == 0)
			return 1;
	return 0;
}

static int
parse_http(const char *scheme, const char *rest, struct xenapi_addr *a,
    char *err, size_t errlen)
{
	size_t n, hostlen;
	const char *tail;

	n = strcspn(rest, "/?#");
	tail = rest + n;
	if (memchr(rest, '@', n) != NULL) {
		snprintf(err, errlen, "%s:// address: a user or password in "
		    "the address is not taken: use --user and "
		    "--password-file", scheme);
		return -1;
	}
	if (!authority_ok(rest, n, &hostlen)) {
		snprintf(err, errlen, "%s:// address: HOST[:PORT] expected "
		    "(a name, an IPv4 address or an [IPv6] one; a port from "
		    "1 to 65535)", scheme);
		return -1;
	}
	if (strcmp(tail, "") != 0 && strcmp(tail, "/") != 0) {
		snprintf(err, errlen, "%s:// address: no path, query or "
		    "fragment is taken (the client posts to /jsonrpc)",
		    scheme);
		return -1;
	}
	if (strcmp(scheme, "http") == 0 && !is_loopback(rest, hostlen)) {
		snprintf(err, errlen, "http:// address: plain http only to "
		    "127.0.0.1, [::1] or localhost (it would carry the "
		    "password and session in clear): use https://");
		return -1;
	}
	if (snprintf(a->endpoint, sizeof(a->endpoint), "%s://%.*s/jsonrpc",
	    scheme, (int)n, rest) >= (int)sizeof(a->endpoint)) {
		snprintf(err, errlen, "%s:// address: too long", scheme);
		return -1;
	}
	a->scheme = strcmp(scheme, "https") == 0 ? XS_HTTPS : XS_HTTP;
	a->sock[0] = '\0';
	return 0;
}

int
xenapi_parse_url(const char *url, struct xenapi_addr *a, char *err,
    size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (url == NULL || *url == '\0') {
		snprintf(err, errlen, "no xapi address: use %s", URL_FORMS);
		return -1;
	}
	if (strncmp(url, "unix://", 7) == 0)
		return parse_unix(url + 7, a, err, errlen);
	if (strncmp(url, "https://", 8) == 0)
		return parse_http("https", url + 8, a, err, errlen);
	if (strncmp(url, "http://", 7) == 0)
		return parse_http("http", url + 7, a, err, errlen);
	snprintf(err, errlen, "unsupported xapi address: use %s", URL_FORMS);
	return -1;
}
