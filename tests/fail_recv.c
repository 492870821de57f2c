/*
 * Preloaded into a daemon by tests/test_transport.c: while the file named
 * by CPULEVEL_TEST_RECV_FAIL exists, nn_recvmsg() fails with ENOMEM and
 * takes nothing, as a lasting receive error would, so the notification
 * fd stays readable.  Otherwise it is nanomsg's own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <nanomsg/nn.h>

int
nn_recvmsg(int s, struct nn_msghdr *hdr, int flags)
{
	static int (*real)(int, struct nn_msghdr *, int);
	const char *flag = getenv("CPULEVEL_TEST_RECV_FAIL");

	if (flag != NULL && access(flag, F_OK) == 0) {
		errno = ENOMEM;
		return -1;
	}
	if (real == NULL &&
	    (real = (int (*)(int, struct nn_msghdr *, int))dlsym(RTLD_NEXT,
	    "nn_recvmsg")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real(s, hdr, flags);
}
