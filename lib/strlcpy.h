/*
 * strlcpy(3), as OpenBSD has it: copy a string into a buffer of size
 * bytes, always NUL-terminated, truncated if it must be; returns
 * strlen(src), so truncation is "returned >= size".  glibc has it from
 * 2.38; for older ones (EL7's 2.17, Debian 12's 2.36) lib/strlcpy.c does.
 */
#ifndef CPULEVEL_STRLCPY_H
#define CPULEVEL_STRLCPY_H

#include <string.h>

#include "config.h"

#ifndef HAVE_STRLCPY
size_t	strlcpy(char *dst, const char *src, size_t size);
#endif

#endif
