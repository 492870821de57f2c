/*
 * Readiness for systemd (Type=notify): one datagram "READY=1" to the
 * socket named by $NOTIFY_SOCKET, once the daemon's sockets are bound.
 * A no-op when not started by systemd.
 */
#ifndef CPULEVEL_NOTIFY_H
#define CPULEVEL_NOTIFY_H

int	notify_ready(void);

#endif
