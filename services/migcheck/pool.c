/*
 * Pool.get_level: a pool's stored levels, each as its featureset and the
 * features it names, for the HTTP front's /pool and anyone who would
 * rather read names than hex words.  featured folds the level and stores
 * it (db/0001_initial.sql): this only reads the row.
 */
#include <json.h>

#include "featurenames.h"
#include "migcheck.h"

/* {featureset, features}: the text xapi shows, and its bits named. */
static struct json_object *
level_json(const struct featureset *fs)
{
	struct json_object *o = json_object_new_object();
	char buf[FS_STRING_MAX];

	fs_format(fs, buf);
	json_object_object_add(o, "featureset", json_object_new_string(buf));
	json_object_object_add(o, "features", feature_names_json(fs));
	return o;
}

int
pool_get_level(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct migcheck *m = arg;
	const char *id = rpc_param_string(params, "pool");
	struct json_object *o, *levels;
	struct pool_rec p;
	int rc;

	if ((rc = view_pool(m, id, &p)) != 1) {
		if (rc == 0)
			rpc_error_api(err, "HANDLE_INVALID", 2, "pool", id);
		else
			rpc_error_internal(err, m->dberr);
		return -1;
	}
	o = json_object_new_object();
	json_object_object_add(o, "pool", json_object_new_string(p.id));
	json_object_object_add(o, "vendor", json_object_new_string(p.vendor));
	levels = json_object_new_object();
	/* The level VMs are given, then what any member would accept. */
	json_object_object_add(levels, "features_pv_host",
	    level_json(&p.pv_host));
	json_object_object_add(levels, "features_hvm_host",
	    level_json(&p.hvm_host));
	json_object_object_add(levels, "features_pv", level_json(&p.pv));
	json_object_object_add(levels, "features_hvm", level_json(&p.hvm));
	json_object_object_add(o, "levels", levels);
	*result = o;
	return 0;
}
