/*
 * strlcpy(3): lib/strlcpy.c where libc has none (glibc before 2.38), else
 * libc's own.  Either way the daemons rely on these properties: the copy
 * is always terminated, never writes past size, and the return value
 * tells truncation apart.
 */
#include <stdio.h>
#include <string.h>

#include "strlcpy.h"
#include "tap.h"

static const struct {
	const char	*src;
	size_t		 size;
	const char	*want;		/* what dst holds after */
} cases[] = {
	{ "", 8, "" },
	{ "abc", 8, "abc" },
	{ "abcdefg", 8, "abcdefg" },	/* 7 + NUL: exactly fits */
	{ "abcdefgh", 8, "abcdefg" },	/* one too many: truncated */
	{ "abcdefghijklmnop", 8, "abcdefg" },
	{ "abc", 1, "" },		/* room for the NUL only */
};

int
main(void)
{
	char buf[16], what[96];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'X', sizeof(buf));
		n = strlcpy(buf, cases[i].src, cases[i].size);
		snprintf(what, sizeof(what), "strlcpy(\"%s\", %zu): the copy",
		    cases[i].src, cases[i].size);
		is_str(buf, cases[i].want, what);
		snprintf(what, sizeof(what), "strlcpy(\"%s\", %zu): returns "
		    "strlen(src)", cases[i].src, cases[i].size);
		is_int((int)n, (int)strlen(cases[i].src), what);
		snprintf(what, sizeof(what), "strlcpy(\"%s\", %zu): nothing "
		    "written past size", cases[i].src, cases[i].size);
		ok(buf[cases[i].size] == 'X', what);
	}
	/* size 0 writes nothing, and still says how long src is. */
	memset(buf, 'X', sizeof(buf));
	is_int((int)strlcpy(buf, "abc", 0), 3, "strlcpy with size 0: length");
	ok(buf[0] == 'X', "strlcpy with size 0 writes nothing");
	return done_testing();
}
