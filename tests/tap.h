/*
 * Minimal TAP producer for meson's 'tap' protocol.  Each check prints one
 * "ok"/"not ok" line with the file and line of the check, so a failure
 * points at its assertion.  The count lives in tap.c, linked into every
 * test (dep_tap), so that a test and the daemon harness it links number
 * their lines as one.
 */
#ifndef CPULEVEL_TAP_H
#define CPULEVEL_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lines printed so far, and how many of them said "not ok". */
extern int tap_n, tap_failed;

/* One TAP line for cond, described by what, at file:line; returns cond. */
int	tap_ok(int cond, const char *file, int line, const char *what);

/* The plan, "1..N", at the end; the exit status: 1 if a check failed. */
int	done_testing(void);

#define ok(cond, what)	tap_ok(!!(cond), __FILE__, __LINE__, (what))
#define is_int(got, want, what) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!ok(g_ == w_, (what)))					\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)
#define is_str(got, want, what) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!ok(g_ != NULL && strcmp(g_, w_) == 0, (what)))		\
		printf("#   got '%s', want '%s'\n",			\
		    g_ ? g_ : "(null)", w_);				\
} while (0)
#define diag(...)	(printf("# " __VA_ARGS__), printf("\n"))

/* Skip the whole file: meson counts it as skipped, not passed. */
#define skip_all(...) do {						\
	printf("1..0 # SKIP " __VA_ARGS__);				\
	printf("\n");							\
	exit(0);							\
} while (0)

#endif
