#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

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
	if (log_syslog) {
		vsyslog(pri, fmt, ap);
		return;
	}
	fprintf(stderr, "%s: ", log_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
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
