/*
 * Preloaded into featured by tests/test_groupcommit.c: the disk's flush
 * under the test's control.  Every fsync() and fdatasync() adds a byte
 * to the file CPULEVEL_TEST_SYNC_COUNT (so the test counts flushes);
 * while the file CPULEVEL_TEST_SYNC_FAIL exists, it fails with EIO and
 * flushes nothing, as a failing disk; while CPULEVEL_TEST_SYNC_SLOW
 * exists, it first creates "<that file>.in" (so the test knows a flush
 * has begun) and takes half a second, as a slow disk, during which
 * requests pile up at the daemon's socket.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define SLOW_MS	500

static int
exists(const char *var)
{
	const char *p = getenv(var);

	return p != NULL && access(p, F_OK) == 0;
}

/* 0 to go on and flush, or -1 (errno EIO) to fail. */
static int
before_sync(void)
{
	const char *count = getenv("CPULEVEL_TEST_SYNC_COUNT");
	struct timespec ts = { 0, SLOW_MS * 1000000L };
	char in[4096];
	int fd, saved = errno;

	if (count != NULL &&
	    (fd = open(count, O_WRONLY | O_APPEND | O_CREAT, 0600)) >= 0) {
		(void)write(fd, "s", 1);
		close(fd);
	}
	if (exists("CPULEVEL_TEST_SYNC_FAIL")) {
		errno = EIO;
		return -1;
	}
	if (exists("CPULEVEL_TEST_SYNC_SLOW")) {
		snprintf(in, sizeof(in), "%s.in",
		    getenv("CPULEVEL_TEST_SYNC_SLOW"));
		if ((fd = open(in, O_WRONLY | O_CREAT, 0600)) >= 0)
			close(fd);
		nanosleep(&ts, NULL);
	}
	errno = saved;
	return 0;
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (before_sync() == -1)
		return -1;
	if (real == NULL && (real = (int (*)(int))dlsym(RTLD_NEXT,
	    "fsync")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd);
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	if (before_sync() == -1)
		return -1;
	if (real == NULL && (real = (int (*)(int))dlsym(RTLD_NEXT,
	    "fdatasync")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd);
}
