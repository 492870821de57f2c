/*
 * Pool.check_baseline: does a pool's level offer every feature of a
 * baseline, an x86-64 psABI level ("x86-64-v3") or a featureset?  A read
 * of the stored pool record, for the operator who must know whether the
 * pool can still start a guest that needs the baseline (RHEL 10 needs
 * x86-64-v3): a VM is given the pool level of its kind when it starts,
 * so that is the set the baseline is checked against, kind by kind.
 */
#include <string.h>

#include <json.h>

#include "featured.h"
#include "featurenames.h"
#include "levels.h"

/* A level's name or a featureset, into want; INVALID_FEATURE_STRING. */
static int
baseline_parse(const char *s, struct featureset *want, struct rpc_error *err)
{
	char why[64];
	int level;

	if ((level = x86_level_by_name(s)) != 0) {
		if (x86_level_set(level, want) == 0)
			return 0;
		rpc_error_internal(err, "the Xen header this build used lacks "
		    "a bit of the x86-64 levels");
		return -1;
	}
	if (fs_parse(s, want, why, sizeof(why)) == 0)
		return 0;
	rpc_error_api(err, "INVALID_FEATURE_STRING", 1, s);
	return -1;
}

/*
 * One kind's answer: the features of want the pool level lacks, and the
 * x86-64 level it reaches ("" for none).  A kind with no level (no
 * HVM-capable member, say) lacks all of want.  *ok cleared if it lacks
 * any.
 */
static struct json_object *
kind_answer(const struct featureset *want, const struct featureset *level,
    int *ok)
{
	struct json_object *o = json_object_new_object();
	struct featureset missing;
	const char *name = x86_level_name(x86_level_of(level));

	fs_diff(want, level, &missing);
	if (!fs_is_zero(&missing))
		*ok = 0;
	json_object_object_add(o, "missing", feature_names_json(&missing));
	json_object_object_add(o, "level",
	    json_object_new_string(name ? name : ""));
	return o;
}

int
pool_check_baseline(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	struct json_object *pv, *hvm;
	struct featureset want;
	struct pool_rec p;
	char buf[FS_STRING_MAX];
	int ok = 1;

	/* The input before the lookup: a bad baseline is bad whatever
	 * the pool. */
	if (baseline_parse(rpc_param_string(params, "baseline"), &want,
	    err) == -1 ||
	    pool_load(f, rpc_param_string(params, "pool"), &p, err) == -1)
		return -1;
	pv = kind_answer(&want, &p.pv_host, &ok);
	hvm = kind_answer(&want, &p.hvm_host, &ok);
	fs_format(&want, buf);
	*result = json_object_new_object();
	json_object_object_add(*result, "ok", json_object_new_boolean(ok));
	json_object_object_add(*result, "baseline",
	    json_object_new_string(buf));
	json_object_object_add(*result, "pv", pv);
	json_object_object_add(*result, "hvm", hvm);
	return 0;
}
