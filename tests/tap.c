/*
 * The TAP producer's count and lines (tap.h): one count for the whole
 * test, whichever of its files (the test, the daemon harness) checks.
 */
#include <stdio.h>

#include "tap.h"

int tap_n, tap_failed;

/* A description is one TAP line: control characters are escaped. */
static void
tap_print_escaped(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
}

int
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

int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
