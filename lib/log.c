#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

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
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
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
