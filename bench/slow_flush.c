/*
 * Preloaded into the daemons by bench_featured --flush-us N: every
 * fsync() and fdatasync() flushes as it would, then takes N microseconds
 * more (CPULEVEL_BENCH_FLUSH_US), as on a disk whose flush is that much
 * dearer than this machine's.  This VM's virtual disk flushes in 120 to
 * 230 us; a dom0's local disks without a write cache, or a SAN, take
 * milliseconds.  Group commit saves flushes, so what it is worth depends
 * on what a flush costs: the bench prints both.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int
slower(int rc)
{
	const char *us = getenv("CPULEVEL_BENCH_FLUSH_US");
	struct timespec ts;
	int saved = errno;
	long n;

	if (us != NULL && (n = strtol(us, NULL, 10)) > 0) {
		ts.tv_sec = n / 1000000;
		ts.tv_nsec = n % 1000000 * 1000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	errno = saved;	/* the flush's own */
	return rc;
}

int
fsync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	return slower(real(fd));
}

int
fdatasync(int fd)
{
	static int (*real)(int);

	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	return slower(real(fd));
}
