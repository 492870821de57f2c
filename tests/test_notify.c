/* notify_ready(): the systemd readiness datagram. */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdlib.h>
#include <unistd.h>

#include "notify.h"
#include "tap.h"

int
main(void)
{
	char dir[] = "/tmp/cpulevel-notify.XXXXXX", path[64], buf[64];
	struct sockaddr_un sun;
	struct timeval tv = { 2, 0 };
	ssize_t n;
	int s;

	unsetenv("NOTIFY_SOCKET");
	is_int(notify_ready(), 0, "without NOTIFY_SOCKET it does nothing");
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	is_int(notify_ready(), -1, "a relative NOTIFY_SOCKET is refused");

	if (mkdtemp(dir) == NULL)
		skip_all("mkdtemp failed");
	snprintf(path, sizeof(path), "%s/notify", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	ok(s != -1 && bind(s, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "a datagram socket stands in for systemd");
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setenv("NOTIFY_SOCKET", path, 1);
	is_int(notify_ready(), 0, "notify_ready succeeds");
	n = recv(s, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "READY=1", "systemd receives READY=1");
	close(s);
	unlink(path);
	rmdir(dir);
	is_int(notify_ready(), -1, "a socket nobody listens on is an error");
	return done_testing();
}
