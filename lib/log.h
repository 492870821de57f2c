/*
 * Logging for the daemons: to stderr (the journal, under systemd) or to
 * syslog.  Errors are logged once, where they are handled.
 */
#ifndef CPULEVEL_LOG_H
#define CPULEVEL_LOG_H

void	log_init(const char *name, int use_syslog, int verbose);
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	log_verbose(void);

#endif
