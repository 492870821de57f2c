/*
 * cpulevel-xapi-sync's state and its parts (README.md): xapisync.c the
 * options and the loop with its faults, fdclient.c the requests to
 * featured, reconcile.c xapi's snapshots into featured, alerts.c the
 * XenAPI messages.
 */
#ifndef CPULEVEL_XAPISYNC_SYNC_H
#define CPULEVEL_XAPISYNC_SYNC_H

#include <stddef.h>

#include "records.h"
#include "xenapi.h"

struct json_object;

/* Why a step of the loop stopped: the loop's answer to each differs. */
enum sync_fault {
	SF_OK,
	SF_XAPI,	/* xapi unreachable, restarting, a bad reply */
	SF_SESSION,	/* SESSION_INVALID: log in again, resync */
	SF_TOKEN,	/* the token was refused: resync */
	SF_SLAVE,	/* HOST_IS_SLAVE: follow the master */
	SF_FEATURED	/* featured does not answer: wait, resync */
};

/* The features named in a message body, at most. */
#define SYNC_NAMES_MAX	2048

struct sync {
	/* options */
	const char	*xapi_url;	/* as given */
	const char	*featured_url;
	const char	*user;
	const char	*ca;
	char		 password[256];
	int		 alerts;

	/* xapi */
	struct xenapi	*x;
	char		 url[512];	/* the one in use: a master followed */
	char		 master[256];	/* HOST_IS_SLAVE's parameter */
	struct xr_cache	*cache;
	char		 pool_ref[128];
	char		 pool_uuid[XR_UUID_SIZE];
	char		 token[128];

	/* featured */
	int		 fd_sock;	/* REQ socket, -1 when closed */
	long long	 fd_id;

	/* alerts: the CPULEVEL_ messages xapi holds (name, obj, body) */
	struct json_object *alerted;
	int		 alerts_loaded;
	int		 rbac_logged;
	/* a cross-check mismatch seen once, confirmed when it stays */
	char		 mismatch[2 * 512];
	int		 mismatch_raised;

	/* the last fault, for the loop's log (redacted) */
	char		 fault_msg[1280];
};

/* fdclient.c: one request; 0 with *result (owned, NULL for null), 1 a
 * featured error (code in errcode, its message in msg), -1 featured
 * unreachable or broken (msg says why; the socket is closed). */
int	 fd_call(struct sync *s, const char *method, struct json_object *params,
	    struct json_object **result, char *msg, size_t msglen);
void	 fd_close(struct sync *s);

/* reconcile.c: one object into featured; 0, or -1 featured unreachable
 * (xapi's record at fault, or featured refusing it, is logged). */
int	 rc_write(struct sync *s, const char *method,
	    struct json_object *params, const char *uuid);
int	 rc_observe_pool(struct sync *s);
int	 rc_observe_host(struct sync *s, const char *ref);
int	 rc_observe_vm(struct sync *s, const char *ref, int forget_skipped);
/* featured's pool level before a change (*before owned, NULL if none)
 * and after it, with an alert for features lost */
int	 rc_level_before(struct sync *s, struct json_object **before);
int	 rc_level_after(struct sync *s, struct json_object *before);

/* full.c, batch.c */
enum sync_fault	 sync_full(struct sync *s);
enum sync_fault	 sync_batch(struct sync *s, struct json_object *events);

/* fault.c: a XenAPI error into the loop's fault (logged by the caller). */
enum sync_fault	 sync_xapi_fault(struct sync *s, const struct xenapi_error *e);

/* alerts.c */
enum sync_fault	 alerts_load(struct sync *s);
void		 alerts_free(struct sync *s);
/* Create the message unless xapi already holds the same one. */
void		 alert_raise(struct sync *s, const char *name, const char *cls,
		    const char *obj_uuid, const char *body);
/* Names of the features of a (pv_host, hvm_host) pair that b lacks:
 * 1 with names, 0 none lost, -1 unreadable. */
int		 alert_lost(const char *a_pv, const char *a_hvm,
		    const char *b_pv, const char *b_hvm, char *names,
		    size_t len);
/* The cross-check: featured's pool level against xapi's pool.cpu_info;
 * quiet: the batch was empty (a mismatch seen again then is raised). */
enum sync_fault	 alerts_crosscheck(struct sync *s, int quiet);

#endif
