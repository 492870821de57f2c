/*
 * The XenAPI client (services/xapisync/xenapi.h) against xapi stand-ins:
 * tests/xapi_loopback.h over 127.0.0.1 and a unix socket, and, where
 * openssl and python3 are, tests/xapi-fixtures/tls_server.py over
 * HTTPS.  What is checked: the addresses taken and refused; the
 * password file's rules; login, calls and their params on the wire;
 * each of xapi's reply shapes (result, the error object, the error
 * array, 1.0's), the reply bound, malformed and cut replies, HTTP
 * errors and timeouts; that TLS verification holds (an unknown CA and
 * a wrong name are refused); and that no error text, nor a failure's
 * parameters, ever holds the password or the session reference.
 */
#include <sys/stat.h>

#include <fcntl.h>

#include "tap.h"
#include "xapi_loopback.h"

#include "jsonutil.h"
#include "records.h"
#include "xenapi.h"

#ifndef XAPI_FIXTURES
#error "XAPI_FIXTURES: the fixtures' directory"
#endif

static char dir[64];
static struct loopback lb;

/* The password's JSON form, as an echo of the login request has it. */
#define PASSWORD_JSON	"pa\\\"ss w0rd"

/* No secret in err: its line, nor its parameters. */
static int
clean(const struct xenapi_error *err)
{
	size_t i;

	if (strstr(err->msg, LB_SESSION) != NULL ||
	    strstr(err->msg, LB_PASSWORD) != NULL ||
	    strstr(err->msg, PASSWORD_JSON) != NULL ||
	    strstr(err->msg, "w0rd") != NULL ||
	    strstr(err->msg, "5e55105e") != NULL)
		return 0;
	for (i = 0; i < err->nparams; i++)
		if (strstr(err->params[i], "5e55105e") != NULL ||
		    strstr(err->params[i], "w0rd") != NULL)
			return 0;
	return 1;
}

static void
test_urls(void)
{
	static const char *good[] = {
		"unix:///var/lib/xcp/xapi", "https://pool.example.org",
		"https://pool.example.org:8443/", "https://192.0.2.10",
		"https://[2001:db8::1]:443", "http://127.0.0.1:8080",
		"http://[::1]:80", "http://localhost:1", "http://LOCALHOST:65535",
	};
	static const char *bad[] = {
		"", "ftp://x", "unix://var/lib/xcp/xapi", "unix:", "file:///etc",
		"http://192.0.2.10:80", "http://127.0.0.2:80",
		"http://localhost.example.org", "http://0x7f000001",
		"https://user:pw@pool.example.org", "https://pool/jsonrpc",
		"https://pool?x=1", "https://pool:0", "https://pool:65536",
		"https://pool:8a", "https://", "https://[::1", "https://po ol",
		"HTTP://127.0.0.1", "unix:///a\nb",
	};
	struct xenapi_error err;
	struct xenapi *x;
	char what[256];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		x = xenapi_open(good[i], NULL, &err);
		snprintf(what, sizeof(what), "taken: %s", good[i]);
		ok(x != NULL, what);
		if (x == NULL)
			diag("%s", err.msg);
		xenapi_close(x);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		x = xenapi_open(bad[i], NULL, &err);
		snprintf(what, sizeof(what), "refused: %s", bad[i]);
		ok(x == NULL && err.kind == XENAPI_EURL && err.msg[0] != '\0' &&
		    strchr(err.msg, '\n') == NULL, what);
		xenapi_close(x);
	}
	x = xenapi_open("http://192.0.2.10:80", NULL, &err);
	ok(strstr(err.msg, "use https://") != NULL,
	    "plain http elsewhere: the error says why and what instead");
	x = xenapi_open("http://127.0.0.1:80", "/etc/hostname", &err);
	ok(x == NULL && err.kind == XENAPI_EURL, "--ca with http: refused");
	x = xenapi_open("https://pool", "/nonexistent/ca.pem", &err);
	ok(x == NULL && strstr(err.msg, "No such file") != NULL,
	    "--ca that cannot be read: said at open");
}

static int
pwfile(const char *name, const char *content, size_t len, mode_t mode,
    char *buf, size_t buflen, char *err, size_t errlen)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, content, len) != (ssize_t)len || fchmod(fd, mode) == -1)
		return -2;
	close(fd);
	return xenapi_read_password(path, buf, buflen, err, errlen);
}

#define PW(name, s, mode)	pwfile(name, s, strlen(s), mode, pw, \
				    sizeof(pw), err, sizeof(err))

static void
test_password_file(void)
{
	char pw[64], err[256], path[128], link[128];
	char big[100];

	is_int(PW("p1", "s3cret\n", 0600), 0, "0600, a line: read");
	is_str(pw, "s3cret", "the newline stripped");
	is_int(PW("p2", "s3cret\r\nsecond line\n", 0400), 0, "0400: read");
	is_str(pw, "s3cret", "CRLF stripped, only the first line");
	is_int(PW("p3", "", 0600), 0, "an empty file: read");
	is_str(pw, "", "an empty password (dom0's root over the socket)");
	is_int(PW("p4", "nonl", 0600), 0, "no newline at the end: read");
	is_str(pw, "nonl", "the whole content");
	is_int(PW("p5", "s3cret\n", 0640), -1, "group-readable: refused");
	ok(strstr(err, "readable by group or others") != NULL &&
	    strstr(err, "s3cret") == NULL, "the error says why, not what");
	is_int(PW("p6", "s3cret\n", 0604), -1, "other-readable: refused");
	is_int(PW("p7", "s3cret\n", 0620), 0,
	    "group-writable but not readable: read");
	memset(big, 'a', sizeof(big));
	is_int(pwfile("p8", big, sizeof(big), 0600, pw, sizeof(pw), err,
	    sizeof(err)), -1, "a line longer than the buffer: refused");
	ok(strstr(err, "too long") != NULL && strstr(err, "aaaa") == NULL,
	    "said so, without the content");
	is_int(pwfile("p9", big, sizeof(pw) - 1, 0600, pw, sizeof(pw), err,
	    sizeof(err)), 0, "a line of exactly the buffer's room: read");
	is_int(pwfile("p10", "a\0b\n", 4, 0600, pw, sizeof(pw), err,
	    sizeof(err)), -1, "a NUL in the password: refused");
	snprintf(path, sizeof(path), "%s/p1", dir);
	snprintf(link, sizeof(link), "%s/plink", dir);
	ok(symlink(path, link) == 0 &&
	    xenapi_read_password(link, pw, sizeof(pw), err, sizeof(err)) ==
	    -1 && strstr(err, "symbolic link") != NULL,
	    "a symbolic link: refused");
	ok(xenapi_read_password(dir, pw, sizeof(pw), err, sizeof(err)) == -1,
	    "a directory: refused");
	ok(xenapi_read_password("/nonexistent/pw", pw, sizeof(pw), err,
	    sizeof(err)) == -1 && strstr(err, "No such file") != NULL,
	    "a missing file: refused, with the reason");
}

/* A client on url, logged in; NULL (and a failed check) if not. */
static struct xenapi *
login(const char *url)
{
	struct xenapi_error err;
	struct xenapi *x;

	if ((x = xenapi_open(url, NULL, &err)) == NULL) {
		diag("%s", err.msg);
		return NULL;
	}
	if (!ok(xenapi_login(x, LB_USER, LB_PASSWORD, &err) == 0 &&
	    xenapi_logged_in(x), "login"))
		diag("%s", err.msg);
	return x;
}

/* Call method with no params: 0 or -1, err filled, result dropped. */
static int
call(struct xenapi *x, const char *method, struct xenapi_error *err)
{
	struct json_object *r = NULL;
	int rc = xenapi_call(x, method, NULL, &r, err);

	json_object_put(r);
	return rc;
}

static void
test_login(char *url)
{
	struct xenapi_error err;
	struct xenapi *x;

	x = xenapi_open(url, NULL, &err);
	ok(call(x, "t.echo", &err) == -1 &&
	    xenapi_is_failure(&err, "SESSION_INVALID"),
	    "a call before login: SESSION_INVALID, as xapi says it");
	ok(xenapi_login(x, LB_USER, "wrong", &err) == -1 &&
	    xenapi_is_failure(&err, "SESSION_AUTHENTICATION_FAILED") &&
	    err.nparams == 2 && strcmp(err.params[0], LB_USER) == 0,
	    "a wrong password: SESSION_AUTHENTICATION_FAILED [user, ...]");
	ok(xenapi_login(x, "echo", LB_PASSWORD, &err) == -1 &&
	    err.kind == XENAPI_EHTTP && err.http_status == 500,
	    "a login answered by a 500 page that quotes the request");
	ok(clean(&err), "its error holds no form of the password");
	diag("%s", err.msg);
	ok(xenapi_login(x, "echoparam", LB_PASSWORD, &err) == -1 &&
	    err.nparams == 2 && strcmp(err.params[1], "(redacted)") == 0 &&
	    clean(&err), "a failure naming the password: redacted");
	diag("%s", err.msg);
	ok(xenapi_login(x, LB_USER, LB_PASSWORD, &err) == 0,
	    "the right password: logged in");
	is_int(xenapi_logout(x, &err), 0, "logout");
	ok(!xenapi_logged_in(x), "logged out");
	xenapi_close(x);
}

static void
test_calls(struct xenapi *x)
{
	struct xenapi_error err;
	struct json_object *r = NULL, *p, *classes;

	p = json_object_new_array();
	json_object_array_add(p, json_object_new_string("OpaqueRef:NULL"));
	json_object_array_add(p, json_object_new_int(7));
	ok(xenapi_call(x, "t.echo", p, &r, &err) == 0, "a call");
	is_str(json_compact(r), "[\"" LB_SESSION "\",\"OpaqueRef:NULL\",7]",
	    "its params: the session first, then the caller's");
	json_object_put(r);
	json_object_put(p);

	classes = json_object_new_array();
	json_object_array_add(classes, json_object_new_string("vm"));
	ok(xenapi_event_from(x, classes, "", 30.0, &r, &err) == 0 &&
	    json_object_object_get_ex(r, "token", NULL),
	    "event.from(classes, token, 30.0), typed as xapi wants");
	if (err.kind != XENAPI_OK)
		diag("%s", err.msg);
	json_object_put(r);
	json_object_put(classes);

	ok(xenapi_call(x, "VM.get_all_records", NULL, &r, &err) == 0 &&
	    json_object_object_length(r) == 9,
	    "VM.get_all_records: the fixture's nine VMs");
	json_object_put(r);
}

static void
test_failures(struct xenapi *x)
{
	struct xenapi_error err;

	ok(call(x, "t.objerr", &err) == -1 &&
	    xenapi_is_failure(&err, "HOST_IS_SLAVE") && err.nparams == 1 &&
	    strcmp(err.params[0], "192.0.2.7") == 0,
	    "the error object: code HOST_IS_SLAVE, params [master]");
	is_str(err.msg, "xapi: t.objerr: HOST_IS_SLAVE [192.0.2.7]",
	    "its line");
	ok(call(x, "t.arrayerr", &err) == -1 &&
	    xenapi_is_failure(&err, "HOST_IS_SLAVE") && err.nparams == 1,
	    "the error array with id 0 (xapi's Server_error path)");
	ok(call(x, "t.v1err", &err) == -1 &&
	    xenapi_is_failure(&err, "VM_BAD_POWER_STATE") &&
	    err.nparams == 3 && strcmp(err.params[2], "running") == 0,
	    "a 1.0 reply's error array beside result null");
	ok(call(x, "t.expire", &err) == -1 &&
	    xenapi_is_failure(&err, "SESSION_INVALID") &&
	    strcmp(err.params[0], "(redacted)") == 0 && clean(&err),
	    "SESSION_INVALID [session]: the reference redacted");
	ok(call(x, "t.500echo", &err) == -1 && err.kind == XENAPI_EHTTP &&
	    strstr(err.msg, "HTTP 500") != NULL &&
	    strstr(err.msg, "Malformed_method_request") != NULL &&
	    strstr(err.msg, "(redacted)") != NULL && clean(&err),
	    "a 500 page quoting the request: shown, the session redacted");
	diag("%s", err.msg);
	ok(call(x, "t.nosuch", &err) == -1 &&
	    xenapi_is_failure(&err, "MESSAGE_METHOD_UNKNOWN"),
	    "an unknown method: xapi's failure passed on");
}

static void
test_malformed(struct xenapi *x)
{
	static const char *bad[] = {
		"t.garbage", "t.notjson", "t.notobject", "t.wrongid",
		"t.noresult", "t.errnomsg",
	};
	struct xenapi_error err;
	struct json_object *p, *r = NULL;
	char what[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(what, sizeof(what), "%s: malformed, said once",
		    bad[i]);
		ok(call(x, bad[i], &err) == -1 &&
		    err.kind == XENAPI_EMALFORMED && clean(&err), what);
		diag("%s", err.msg);
	}
	ok(call(x, "t.short", &err) == -1 && err.kind == XENAPI_ETRANSPORT,
	    "a reply cut short of its Content-Length: a transport error");
	ok(xenapi_call_timeout(x, "t.slow", NULL, 1, &r, &err) == -1 &&
	    err.kind == XENAPI_ETRANSPORT, "no answer in time: timed out");

	xenapi_set_max_reply(x, 1 << 20);
	p = json_object_new_array();
	json_object_array_add(p, json_object_new_int(900 << 10));
	ok(xenapi_call(x, "t.big", p, &r, &err) == 0 &&
	    json_object_get_string_len(r) == 900 << 10,
	    "a reply under the bound: read");
	json_object_put(r);
	json_object_put(p);
	p = json_object_new_array();
	json_object_array_add(p, json_object_new_int(2 << 20));
	ok(xenapi_call(x, "t.big", p, &r, &err) == -1 &&
	    err.kind == XENAPI_ETOOBIG, "over the bound, with a length");
	diag("%s", err.msg);
	ok(xenapi_call(x, "t.stream", p, &r, &err) == -1 &&
	    err.kind == XENAPI_ETOOBIG, "over the bound, streamed to close");
	json_object_put(p);
	xenapi_set_max_reply(x, 0);
	ok(call(x, "t.echo", &err) == 0, "and the next call goes through");
}

static void
test_records_over_the_wire(struct xenapi *x)
{
	struct json_object *hosts = NULL, *vms = NULL;
	struct xenapi_error err;
	struct xr_cache *c = xr_cache_new();
	struct xr_vm v;
	char e[256];
	int n = 0;

	xenapi_call(x, "host.get_all_records", NULL, &hosts, &err);
	xenapi_call(x, "VM.get_all_records", NULL, &vms, &err);
	json_object_object_foreach(hosts, href, h)
		xr_cache_note(c, XR_HOST, href, h, e, sizeof(e));
	json_object_object_foreach(vms, vref, vr) {
		(void)vref;
		if (xr_vm_from(c, vr, NULL, &v, e, sizeof(e)) == 0) {
			n++;
			cpuinfo_free(&v.flags);
		}
	}
	is_int(n, 6, "records fetched over the wire: six VMs followed");
	xr_cache_free(c);
	json_object_put(hosts);
	json_object_put(vms);
}

static void
test_transport_errors(void)
{
	struct xenapi_error err;
	struct xenapi *x;
	char url[128];

	snprintf(url, sizeof(url), "unix://%s/none", dir);
	x = xenapi_open(url, NULL, &err);
	ok(xenapi_login(x, LB_USER, LB_PASSWORD, &err) == -1 &&
	    err.kind == XENAPI_ETRANSPORT && clean(&err),
	    "no xapi on the socket: a transport error");
	diag("%s", err.msg);
	xenapi_close(x);
	/* Plain HTTP where TLS is expected fails, never falls back. */
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", lb.port);
	x = xenapi_open(url, NULL, &err);
	ok(xenapi_login(x, LB_USER, LB_PASSWORD, &err) == -1 &&
	    err.kind == XENAPI_ETRANSPORT && clean(&err),
	    "https:// to a plain HTTP server: refused");
	xenapi_close(x);
}

static void
skip(const char *what, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_n, what, why);
	fflush(stdout);
}

/* A self-signed certificate for name, and its key, in dir. */
static int
mkcert(const char *name, const char *cn, const char *san)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=%s "
	    "-addext subjectAltName=%s -keyout %s/%s.key -out %s/%s.pem "
	    ">/dev/null 2>&1", cn, san, dir, name, dir, name);
	return system(cmd) == 0;
}

/* tls_server.py with certificate name: its port, or -1. */
static int
tls_start(const char *name, pid_t *pid)
{
	char cert[128], key[128], line[32];
	int p[2], port = -1;
	FILE *f;

	snprintf(cert, sizeof(cert), "%s/%s.pem", dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", dir, name);
	fflush(stdout);
	if (pipe(p) == -1 || (*pid = fork()) == -1)
		return -1;
	if (*pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		execlp("python3", "python3", XAPI_FIXTURES "/tls_server.py",
		    cert, key, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if ((f = fdopen(p[0], "r")) != NULL && fgets(line, sizeof(line), f))
		port = atoi(line);
	if (f != NULL)
		fclose(f);
	return port > 0 ? port : -1;
}

static void
tls_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* Login over https to port, with ca: its error's kind. */
static enum xenapi_errkind
tls_login(const char *host, int port, const char *ca)
{
	struct xenapi_error err;
	struct xenapi *x;
	char url[128], cafile[128];

	snprintf(url, sizeof(url), "https://%s:%d", host, port);
	snprintf(cafile, sizeof(cafile), "%s/%s.pem", dir, ca ? ca : "");
	if ((x = xenapi_open(url, ca ? cafile : NULL, &err)) == NULL)
		return err.kind;
	xenapi_login(x, LB_USER, LB_PASSWORD, &err);
	if (err.kind != XENAPI_OK)
		diag("%s", err.msg);
	xenapi_close(x);
	return err.kind;
}

static void
test_tls(void)
{
	pid_t pid;
	int port;

	if (!mkcert("good", "localhost", "DNS:localhost,IP:127.0.0.1") ||
	    !mkcert("other", "elsewhere.example", "DNS:elsewhere.example") ||
	    (port = tls_start("good", &pid)) == -1) {
		skip("https: verification", "no openssl or python3 here");
		return;
	}
	is_int(tls_login("127.0.0.1", port, NULL), XENAPI_ETRANSPORT,
	    "https, a CA the system does not trust: refused");
	is_int(tls_login("127.0.0.1", port, "good"), XENAPI_OK,
	    "https with --ca of that CA: logged in");
	is_int(tls_login("localhost", port, "good"), XENAPI_OK,
	    "https://localhost with --ca: logged in");
	tls_stop(pid);
	if ((port = tls_start("other", &pid)) == -1) {
		skip("https: the name", "tls_server.py did not start");
		return;
	}
	is_int(tls_login("127.0.0.1", port, "other"), XENAPI_ETRANSPORT,
	    "https, a trusted certificate for another name: refused");
	tls_stop(pid);
}

int
main(void)
{
	char url[160];
	struct xenapi *x;

	snprintf(dir, sizeof(dir), "/tmp/test_xenapi.XXXXXX");
	if (mkdtemp(dir) == NULL || lb_start(&lb, dir) == -1) {
		printf("Bail out! cannot set up in /tmp\n");
		return 1;
	}
	test_urls();
	test_password_file();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", lb.port);
	test_login(url);
	if ((x = login(url)) != NULL) {
		test_calls(x);
		test_failures(x);
		test_malformed(x);
		test_records_over_the_wire(x);
	}
	xenapi_close(x);
	snprintf(url, sizeof(url), "unix://%s", lb.sock);
	if ((x = login(url)) != NULL)
		test_calls(x);
	xenapi_close(x);
	test_transport_errors();
	test_tls();
	lb_stop(&lb);
	if (fork() == 0)
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
	wait(NULL);
	return done_testing();
}
