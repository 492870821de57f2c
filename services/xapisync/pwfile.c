/*
 * The password file (--password-file), and wiping secrets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "log.h"

#include "xenapi.h"

/*
 * memset through a volatile pointer: a plain memset of memory that is
 * freed or goes out of scope next may be dropped by the compiler.
 * explicit_bzero would do, but EL7's glibc (2.17) has none.
 */
void
xenapi_wipe(void *p, size_t len)
{
	volatile unsigned char *v = p;

	while (len-- > 0)
		*v++ = 0;
}

static int
fail(const char *path, char *err, size_t errlen, const char *why)
{
	char esc[LOG_ESC_SIZE(128)];

	snprintf(err, errlen, "--password-file %s: %s",
	    log_esc(path, esc, sizeof(esc)), why);
	return -1;
}

/* Whether the line goes on past a full buffer: one more byte says. */
static int
line_goes_on(int fd)
{
	ssize_t r;
	char c;

	while ((r = read(fd, &c, 1)) == -1 && errno == EINTR)
		;
	return r == 1 && c != '\n';
}

/* The file's first line into buf: its bytes, up to a newline or EOF. */
static int
first_line(int fd, const char *path, char *buf, size_t len, char *err,
    size_t errlen)
{
	size_t n = 0;
	ssize_t r;
	char *nl;

	for (;;) {
		if (n == len - 1) {
			if (line_goes_on(fd)) {
				xenapi_wipe(buf, len);
				return fail(path, err, errlen, "the password "
				    "is too long");
			}
			break;
		}
		if ((r = read(fd, buf + n, len - 1 - n)) == -1) {
			if (errno == EINTR)
				continue;
			xenapi_wipe(buf, len);
			return fail(path, err, errlen, strerror(errno));
		}
		if (r == 0)
			break;
		if ((nl = memchr(buf + n, '\n', (size_t)r)) != NULL) {
			n = (size_t)(nl - buf);
			break;
		}
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		xenapi_wipe(buf, len);
		return fail(path, err, errlen, "the password holds a NUL byte");
	}
	return 0;
}

int
xenapi_read_password(const char *path, char *buf, size_t len, char *err,
    size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (len == 0)
		return fail(path, err, errlen, "no room");
	buf[0] = '\0';
	/* O_NOFOLLOW: the checks below are of the file itself, not of
	 * a link someone could point elsewhere. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return fail(path, err, errlen, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
	/* fstat on what was opened: no race with a rename. */
	if (fstat(fd, &st) == -1) {
		rc = fail(path, err, errlen, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fail(path, err, errlen, "not a regular file");
		goto out;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		rc = fail(path, err, errlen, "readable by group or others "
		    "(chmod go-r)");
		goto out;
	}
	rc = first_line(fd, path, buf, len, err, errlen);
out:
	close(fd);
	return rc;
}
