/*
 * Minimal TAP producer for meson's 'tap' protocol.  Each check prints one
 * "ok"/"not ok" line with the file and line of the check, so a failure
 * points at its assertion.  Header-only: every test is one C file.
 */
#ifndef CPULEVEL_TAP_H
#define CPULEVEL_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

/* A description is one TAP line: control characters are escaped. */
static void __attribute__((unused))
tap_print_escaped(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
}

static int __attribute__((unused))
tap_ok(int cond, const char *file, int line, const char *what)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	tap_print_escaped(what);
	printf(" (%s:%d)\n", file, line);
	fflush(stdout);
	return cond;
}

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

static int __attribute__((unused))
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
