#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "jsonutil.h"
#include "log.h"

static const char *log_name = "cpulevel";
static int log_syslog;
static int log_level_verbose;

void
log_init(const char *name, int use_syslog, int verbose)
{
	log_name = name;
	log_syslog = use_syslog;
	log_level_verbose = verbose;
	if (use_syslog)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
log_verbose(void)
{
	return log_level_verbose;
}

static void
vlog(int pri, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n;
	int len;

	if (log_syslog) {
		vsyslog(pri, fmt, ap);
		return;
	}
	/* One write a line: stderr is unbuffered, and lines of daemons
	 * sharing a journal must not interleave. */
	len = snprintf(line, sizeof(line), "%s: ", log_name);
	n = len > 0 ? (size_t)len : 0;
	if (n < sizeof(line) - 1) {
		len = vsnprintf(line + n, sizeof(line) - 1 - n, fmt, ap);
		n += len > 0 ? (size_t)len : 0;
	}
	/* A line cut short ends on a whole character: a journal reader
	 * shows a line that is not UTF-8 as a blob. */
	if (n > sizeof(line) - 2)
		n = utf8_cut(line, sizeof(line) - 2);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) == -1)
		return;		/* nowhere left to say so */
}

#define LOG_FN(fn, pri, cond)				\
void							\
fn(const char *fmt, ...)				\
{							\
	va_list ap;					\
							\
	if (!(cond))					\
		return;					\
	va_start(ap, fmt);				\
	vlog(pri, fmt, ap);				\
	va_end(ap);					\
}

LOG_FN(log_warnx, LOG_WARNING, 1)
LOG_FN(log_info, LOG_INFO, 1)
LOG_FN(log_debug, LOG_DEBUG, log_level_verbose)

/* One character's bytes are escaped together, or none: see log.h. */
static int
needs_escape(const unsigned char *u, size_t n)
{
	if (n == 1)
		return u[0] < 0x20 || u[0] == 0x7f || u[0] == '\\';
	return n == 2 && u[0] == 0xc2 && u[1] < 0xa0;
}

const char *
log_esc(const char *s, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u;
	size_t at = 0, room = 0, n, w, k;
	int esc;

	if (len == 0)
		return "";
	if (s == NULL)
		s = "(null)";
	u = (const unsigned char *)s;
	while (*u != '\0') {
		/* An ill-formed byte is escaped alone; the next may start a
		 * well-formed character. */
		if ((n = utf8_seq((const char *)u, SIZE_MAX)) == 0) {
			n = 1;
			esc = 1;
		} else
			esc = needs_escape(u, n);
		w = esc ? 4 * n : n;
		if (w > len - 1 - at) {
			/* Cut: back to where "..." still fits. */
			if (len - 1 >= 3) {
				memcpy(buf + room, "...", 3);
				at = room + 3;
			}
			break;
		}
		for (k = 0; k < n; k++) {
			if (!esc) {
				buf[at++] = (char)u[k];
				continue;
			}
			buf[at++] = '\\';
			buf[at++] = 'x';
			buf[at++] = hex[u[k] >> 4];
			buf[at++] = hex[u[k] & 0xf];
		}
		u += n;
		/* The end of the last whole unit that leaves room for the
		 * mark. */
		if (at + 3 <= len - 1)
			room = at;
	}
	buf[at] = '\0';
	return buf;
}
