/*
 * Logging for the daemons: to stderr (the journal, under systemd) or to
 * syslog.  Errors are logged once, where they are handled.
 *
 * A log line is read by people and by tools that split the journal at
 * newlines, so a value a peer or a file supplied (a vendor, the dbg id,
 * a cpu_info key, a method name that is no method's) is never logged as
 * it came: it goes through log_esc().  Ids are not escaped: the
 * dispatcher lets through only [A-Za-z0-9._:-] (rpc_valid_id()).
 */
#ifndef CPULEVEL_LOG_H
#define CPULEVEL_LOG_H

#include <stddef.h>

void	log_init(const char *name, int use_syslog, int verbose);
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	log_verbose(void);

/* A buffer that holds any n bytes escaped whole: "\xNN" for each. */
#define LOG_ESC_SIZE(n)	(4 * (n) + 1)

/*
 * s, fit for a log line, in buf (len bytes), which is returned, to be
 * given to a "%s".  Control bytes (C0, DEL, and the C1 controls U+0080
 * to U+009F, which some terminals obey), the backslash, and every byte
 * of a sequence that is not well-formed UTF-8 are written \xNN (lower
 * case hex), so "\x0a" in a log line can only be an escaped newline;
 * well-formed UTF-8 is kept as it is.  What does not fit in len - 1
 * bytes is cut after a whole character or escape and marked "...".
 * NULL is "(null)".
 */
const char *log_esc(const char *s, char *buf, size_t len);

#endif
