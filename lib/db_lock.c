/*
 * One cpulevel-featured per database: two writers would each keep their
 * own view of what they last published, and their transactions would
 * interleave.  The lock lives in "<db>.lock", not on the database:
 * sqlite locks the database with POSIX fcntl() locks, which belong to
 * the process, not to a descriptor, so a lock of ours on the same file
 * would merge with sqlite's, be dropped when sqlite closes any of its
 * descriptors of the file, and could be dropped by sqlite's unlocking.
 * flock() on a file of its own stays out of sqlite's way, holds for as
 * long as the descriptor is open, and goes with the process however it
 * dies.  The file is never removed: unlinking it would let a third
 * process lock a new file while a second one still waits on the old.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

/* The holder's pid, as it wrote it; 0 if the file does not say. */
static long
lock_holder(int fd)
{
	char buf[32];
	ssize_t n;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int
db_lock(const char *path, const char *who, char *err, size_t errlen)
{
	char lockpath[4096], pid[32];
	long holder;
	int fd, n;

	if ((size_t)snprintf(lockpath, sizeof(lockpath), "%s.lock", path) >=
	    sizeof(lockpath)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		/* The lock comes first: say what db_open() would have. */
		if (errno == ENOENT)
			db_describe_errno(path, 1, errno, err, errlen);
		else
			snprintf(err, errlen, "cannot open lock file %s: %s",
			    lockpath, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			if ((holder = lock_holder(fd)) > 0)
				snprintf(err, errlen, "%s is in use by another "
				    "%s (pid %ld)", path, who, holder);
			else
				snprintf(err, errlen, "%s is in use by another "
				    "%s", path, who);
		} else
			snprintf(err, errlen, "cannot lock %s: %s", lockpath,
			    strerror(errno));
		close(fd);
		return -1;
	}
	/* For the next one's message only: the lock is the flock. */
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, pid, (size_t)n, 0) != n) {
		snprintf(err, errlen, "cannot write lock file %s: %s",
		    lockpath, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
