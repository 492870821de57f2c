/*
 * The sd_notify(3) datagram, written here rather than linking libsystemd:
 * the protocol is one documented, stable message on an AF_UNIX socket,
 * and dom0 builds for EL7 should not grow a dependency for it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

int
notify_ready(void)
{
	static const char msg[] = "READY=1";
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	ssize_t n;
	int s;

	if (path == NULL || *path == '\0')
		return 0;
	if ((path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	/* '@' names a socket in the abstract namespace. */
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	n = sendto(s, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&sun, len);
	close(s);
	return n == (ssize_t)(sizeof(msg) - 1) ? 0 : -1;
}
