/*
 * XenAPI messages (issue 12, section 3), names starting CPULEVEL_:
 *
 *   CPULEVEL_HOST_FEATURES_LOST	class Host: a host's default sets
 *					lost features (a reboot with TSX
 *					removed: "hle, rtm")
 *   CPULEVEL_POOL_LEVEL_DROPPED	class Pool: the pool level lost
 *					features
 *   CPULEVEL_LEVEL_MISMATCH		class Pool: featured's pool level
 *					is not xapi's pool.cpu_info
 *
 * One message an event, not one a resync: the memory of what was raised
 * is xapi's own message table.  At each login the CPULEVEL_ messages xapi
 * holds are read (message.get_all_records), and a message whose name,
 * object and body equal one of them is not created again.  So neither a
 * resync nor a restart of the sync repeats an alert, and an alert an
 * administrator dismissed (destroyed) can be raised again when the same
 * thing happens again.  Detection itself compares featured's previous
 * state with xapi's new one, and featured's state survives a restart of
 * the sync.
 */
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "featurenames.h"
#include "featureset.h"
#include "log.h"
#include "strlcpy.h"
#include "sync.h"

#define ALERT_PREFIX	"CPULEVEL_"
/* xapi's priorities run from 1 (data loss) to 5 (information): 3 is
 * "service degraded". */
#define ALERT_PRIORITY	3

static void
alert_key(const char *name, const char *obj, const char *body, char *buf,
    size_t len)
{
	snprintf(buf, len, "%s\n%s\n%s", name, obj, body);
}

static const char *
field(struct json_object *rec, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(rec, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

void
alerts_free(struct sync *s)
{
	json_object_put(s->alerted);
	s->alerted = NULL;
}

enum sync_fault
alerts_load(struct sync *s)
{
	struct json_object *msgs;
	struct xenapi_error e;
	char key[SYNC_NAMES_MAX * 2];
	const char *name;

	if (!s->alerts)
		return SF_OK;
	if (xenapi_call(s->x, "message.get_all_records", NULL, &msgs,
	    &e) == -1) {
		snprintf(s->fault_msg, sizeof(s->fault_msg),
		    "message.get_all_records: %s", e.msg);
		return sync_xapi_fault(s, &e);
	}
	alerts_free(s);
	s->alerted = json_object_new_object();
	if (json_object_is_type(msgs, json_type_object)) {
		json_object_object_foreach(msgs, ref, rec) {
			(void)ref;
			name = field(rec, "name");
			if (strncmp(name, ALERT_PREFIX,
			    strlen(ALERT_PREFIX)) != 0)
				continue;
			alert_key(name, field(rec, "obj_uuid"),
			    field(rec, "body"), key, sizeof(key));
			json_object_object_add(s->alerted, key,
			    json_object_new_boolean(1));
		}
	}
	json_object_put(msgs);
	return SF_OK;
}

static void
alert_failed(struct sync *s, const char *name, const struct xenapi_error *e)
{
	if (xenapi_is_failure(e, "RBAC_PERMISSION_DENIED")) {
		if (!s->rbac_logged)
			log_warnx("alerts off: this session may not create "
			    "messages (%s); use --no-alerts or a pool-operator "
			    "account", e->msg);
		s->rbac_logged = 1;
		return;
	}
	log_warnx("message.create %s: %s", name, e->msg);
}

void
alert_raise(struct sync *s, const char *name, const char *cls,
    const char *obj_uuid, const char *body)
{
	struct json_object *args, *res;
	struct xenapi_error e;
	char key[SYNC_NAMES_MAX * 2];

	if (!s->alerts || s->alerted == NULL)
		return;
	alert_key(name, obj_uuid, body, key, sizeof(key));
	if (json_object_object_get_ex(s->alerted, key, NULL)) {
		log_debug("%s for %s: raised before", name, obj_uuid);
		return;
	}
	args = json_object_new_array();
	json_object_array_add(args, json_object_new_string(name));
	json_object_array_add(args, json_object_new_int(ALERT_PRIORITY));
	json_object_array_add(args, json_object_new_string(cls));
	json_object_array_add(args, json_object_new_string(obj_uuid));
	json_object_array_add(args, json_object_new_string(body));
	if (xenapi_call(s->x, "message.create", args, &res, &e) == -1)
		alert_failed(s, name, &e);
	else {
		log_info("raised %s for %s %s", name, cls, obj_uuid);
		s->rbac_logged = 0;
		json_object_object_add(s->alerted, key,
		    json_object_new_boolean(1));
		json_object_put(res);
	}
	json_object_put(args);
}

/* A featureset, a missing one being the empty set. */
static int
parse(const char *str, struct featureset *fs)
{
	char err[256];

	return fs_parse(str == NULL ? "" : str, fs, err, sizeof(err));
}

int
alert_lost(const char *a_pv, const char *a_hvm, const char *b_pv,
    const char *b_hvm, char *names, size_t len)
{
	struct featureset a, b, lost_pv, lost_hvm, lost;

	if (b_pv == NULL && b_hvm == NULL)
		return 0;	/* xapi has not filled the map yet */
	if (parse(a_pv, &a) == -1 || parse(b_pv, &b) == -1)
		return -1;
	fs_diff(&a, &b, &lost_pv);
	if (parse(a_hvm, &a) == -1 || parse(b_hvm, &b) == -1)
		return -1;
	fs_diff(&a, &b, &lost_hvm);
	fs_union(&lost_pv, &lost_hvm, &lost);
	if (fs_is_zero(&lost))
		return 0;
	if (feature_names_join(&lost, ", ", names, len) == -1)
		strlcpy(names + len - 4, "...", 4);
	return 1;
}

static int
same_set(const char *a, const char *b)
{
	struct featureset x, y;

	if (parse(a, &x) == -1 || parse(b, &y) == -1)
		return a != NULL && b != NULL && strcmp(a, b) == 0;
	return fs_is_equal(&x, &y);
}

/* xapi's pool.cpu_info, as the cache holds the pool's record. */
static const char *
xapi_level(struct sync *s, const char *key)
{
	struct json_object *rec, *ci, *v;

	rec = xr_cache_record(s->cache, s->pool_ref, XR_POOL);
	if (rec == NULL || !json_object_object_get_ex(rec, "cpu_info", &ci) ||
	    !json_object_object_get_ex(ci, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * xapi writes pool.cpu_info after the host records that change it, so a
 * batch may hold one and not yet the other: a difference is only raised
 * when it is still there after a batch with no events.
 */
enum sync_fault
alerts_crosscheck(struct sync *s, int quiet)
{
	struct json_object *p, *fd;
	const char *xpv, *xhvm, *fpv, *fhvm;
	char msg[512], key[sizeof(s->mismatch)];
	int rc;

	if (s->pool_uuid[0] == '\0')
		return SF_OK;
	p = json_object_new_object();
	json_object_object_add(p, "pool", json_object_new_string(s->pool_uuid));
	rc = fd_call(s, "Pool.get_cpu_info", p, &fd, msg, sizeof(msg));
	json_object_put(p);
	if (rc == -1) {
		snprintf(s->fault_msg, sizeof(s->fault_msg),
		    "Pool.get_cpu_info: %s", msg);
		return SF_FEATURED;
	}
	xpv = xapi_level(s, "features_pv_host");
	xhvm = xapi_level(s, "features_hvm_host");
	fpv = rc == 0 ? field(fd, "features_pv_host") : "";
	fhvm = rc == 0 ? field(fd, "features_hvm_host") : "";
	if (rc != 0 || (same_set(xpv, fpv) && same_set(xhvm, fhvm))) {
		json_object_put(fd);
		s->mismatch[0] = '\0';
		s->mismatch_raised = 0;
		return SF_OK;
	}
	snprintf(key, sizeof(key), "xapi's pool.cpu_info features_pv_host "
	    "%s features_hvm_host %s; cpulevel's features_pv_host %s "
	    "features_hvm_host %s", xpv ? xpv : "(none)", xhvm ? xhvm :
	    "(none)", fpv, fhvm);
	json_object_put(fd);
	if (strcmp(key, s->mismatch) != 0) {
		strlcpy(s->mismatch, key, sizeof(s->mismatch));
		s->mismatch_raised = 0;
		log_debug("pool %s: levels differ, checking again",
		    s->pool_uuid);
	} else if (quiet && !s->mismatch_raised) {
		log_warnx("pool %s: the pool level differs from xapi's: %s",
		    s->pool_uuid, key);
		alert_raise(s, "CPULEVEL_LEVEL_MISMATCH", "Pool", s->pool_uuid,
		    key);
		s->mismatch_raised = 1;
	}
	return SF_OK;
}
