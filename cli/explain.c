/*
 * What a refusal's XenAPI params do not say, found out by the CLI after
 * it: featured's errors keep xapi's shape byte for byte (a client of
 * xapi's errors must read them unchanged), so the names a person needs,
 * the vendors of a refused join or the features a refused migrate
 * lacks, are asked of the same daemon with its read methods and put in
 * facts for errors.c's sentences.  Whatever cannot be had is left out,
 * and errors.c falls back to a sentence without it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "compat.h"
#include "cpuinfo.h"
#include "featurenames.h"
#include "jsonutil.h"
#include "rpc.h"

/* Enough for every named bit of FS_MAX_WORDS words, ", " between. */
#define NAMES_MAX	(FS_MAX_WORDS * 32 * 24)

/* A string of an object, or NULL. */
static const char *
str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* facts[fact] = obj's vendor, where method on id answers with one. */
static void
ask_vendor(const struct api_error *ae, const char *method, const char *param,
    const char *fact, struct json_object *facts)
{
	const char *id = str(ae->request, param), *vendor;
	struct json_object *r;

	if (id == NULL || (r = cli_ask(ae->url, method, param, id)) == NULL)
		return;
	if ((vendor = str(r, "vendor")) != NULL)
		json_object_object_add(facts, fact,
		    json_object_new_string(vendor));
	json_object_put(r);
}

/* HOSTS_NOT_HOMOGENEOUS ["CPUs differ"]: whose CPUs, and which. */
void
explain_vendors(const struct api_error *ae, struct json_object *facts)
{
	ask_vendor(ae, "Host.get_cpu_info", "host", "host_vendor", facts);
	ask_vendor(ae, "Pool.get_cpu_info", "pool", "pool_vendor", facts);
}

/* A featureset of an object; 0, or -1 if it has none that parses. */
static int
fs_of(struct json_object *o, const char *key, struct featureset *fs)
{
	const char *s = str(o, key);
	char err[64];

	return s ? fs_parse(s, fs, err, sizeof(err)) : -1;
}

/* The sets of a cpu_info answer, in fs; a key without one has none. */
static void
sets_of(struct json_object *o, struct compat_sets *s, struct featureset fs[4])
{
	s->pv = fs_of(o, CI_FEATURES_PV, &fs[0]) == 0 ? &fs[0] : NULL;
	s->hvm = fs_of(o, CI_FEATURES_HVM, &fs[1]) == 0 ? &fs[1] : NULL;
	s->pv_host = fs_of(o, CI_FEATURES_PV_HOST, &fs[2]) == 0 ? &fs[2] :
	    NULL;
	s->hvm_host = fs_of(o, CI_FEATURES_HVM_HOST, &fs[3]) == 0 ? &fs[3] :
	    NULL;
}

/*
 * What missing() goes on: the refusal, its VM and host, the host's
 * cpu_info (Host.get_cpu_info) as the rule sees it, and the VM the host
 * was judged for, once a finder below has found its set.
 */
struct judged {
	const struct api_error	*ae;
	const char		*vm, *host;
	struct compat_sets	 hs;
	struct compat_host	 ch;
	struct featureset	 hfs[4];
	struct compat_vm	 cv;
	struct featureset	 vfs;
	struct json_object	*held;	/* VM.get_cpu_flags's answer */
};

/* The VM's record featured holds (VM.get_cpu_flags), asked once; NULL
 * if it has none.  cv may point into it: missing() frees it. */
static struct json_object *
held(struct judged *j)
{
	if (j->held == NULL)
		j->held = cli_ask(j->ae->url, "VM.get_cpu_flags", "vm", j->vm);
	return j->held;
}

/* The VM as featured holds it, with the set it holds: 0, or -1. */
static int
vm_held(struct judged *j)
{
	struct json_object *vm = held(j);
	struct compat_vm *cv = &j->cv;

	memset(cv, 0, sizeof(*cv));
	if (vm == NULL || str(vm, "power_state") == NULL ||
	    str(vm, "domain_type") == NULL ||
	    power_state_parse(str(vm, "power_state"), &cv->power) == -1 ||
	    domain_type_parse(str(vm, "domain_type"), &cv->domain) == -1 ||
	    fs_of(vm, "features", &j->vfs) == -1)
		return -1;
	cv->vendor = str(vm, "vendor");
	cv->features = &j->vfs;
	return 0;
}

/*
 * The VM a refused start or import would have made, from the request
 * (featured recorded nothing): a start's --featureset, running; an
 * import's flags, landed as featured lands them (compat_import_set).
 * 0, or -1 if the request carries no set (a start at the level).
 */
static int
vm_requested(struct judged *j)
{
	const struct api_error *ae = j->ae;
	const struct compat_host *ch = &j->ch;
	struct compat_vm *cv = &j->cv;
	struct json_object *flags;
	struct featureset carried;
	const char *ps = str(ae->request, "power_state");

	memset(cv, 0, sizeof(*cv));
	if (str(ae->request, "domain_type") == NULL ||
	    domain_type_parse(str(ae->request, "domain_type"),
	    &cv->domain) == -1)
		return -1;
	cv->power = POWER_RUNNING;
	cv->vendor = ch->vendor;
	cv->features = &j->vfs;
	if (fs_of(ae->request, "featureset", &j->vfs) == 0)
		return 0;
	if (ps == NULL || power_state_parse(ps, &cv->power) == -1 ||
	    !json_object_object_get_ex(ae->request, "last_boot_CPU_flags",
	    &flags) || fs_of(flags, "features", &carried) == -1)
		return -1;
	if (str(flags, "vendor") != NULL)
		cv->vendor = str(flags, "vendor");
	if (domain_is_hvm(cv->domain) ? ch->hvm == NULL : ch->pv == NULL)
		return -1;
	compat_import_set(&carried, domain_is_hvm(cv->domain) ? ch->hvm :
	    ch->pv, &j->vfs);
	return 0;
}

/*
 * The pool of the host, as featured has it, into pool ("" standalone):
 * 0, or -1 if it cannot be had.  check-restart's answer names it
 * (plan_refusal puts it in the request, null for a standalone host);
 * else it is the host's row of Host.get_all_records, which featured
 * refuses past 2,000 hosts (then the names are left out).
 */
static int
host_pool(const struct judged *j, char *pool, size_t size)
{
	struct json_object *all, *row, *v;
	int rc = -1;

	if (json_object_object_get_ex(j->ae->request, "pool", &v)) {
		snprintf(pool, size, "%s", v ? json_object_get_string(v) : "");
		return 0;
	}
	if ((all = cli_ask(j->ae->url, "Host.get_all_records", NULL,
	    NULL)) == NULL)
		return -1;
	if (json_object_object_get_ex(all, j->host, &row) &&
	    json_object_object_get_ex(row, "pool", &v)) {
		snprintf(pool, size, "%s", v ? json_object_get_string(v) : "");
		rc = 0;
	}
	json_object_put(all);
	return rc;
}

/*
 * The VM a start at the level would have made (a reboot's, or
 * check-restart's), judged by the set featured gave it there: the set
 * of lib/compat.c's compat_start_set(), the rule of featured's
 * vm_level(), from the host's pool's level (Pool.get_cpu_info) or a
 * standalone host's own sets; the VM running, of the request's kind
 * (vm start) or else the one featured holds it as, with the host's
 * vendor.  0, or -1 if any of it cannot be had.
 */
static int
vm_started(struct judged *j)
{
	struct json_object *answer = NULL;
	const struct featureset *set;
	struct featureset pfs[4];
	struct compat_sets ps;
	const char *kind = str(j->ae->request, "domain_type");
	enum domain_type dt;
	char pool[RPC_MAX_ID + 1];

	if (kind == NULL && held(j) != NULL)
		kind = str(j->held, "domain_type");
	if (kind == NULL || domain_type_parse(kind, &dt) == -1 ||
	    host_pool(j, pool, sizeof(pool)) == -1)
		return -1;
	if (pool[0] != '\0') {
		if ((answer = cli_ask(j->ae->url, "Pool.get_cpu_info", "pool",
		    pool)) == NULL)
			return -1;
		sets_of(answer, &ps, pfs);
	}
	if ((set = compat_start_set(dt, pool[0] ? &ps : NULL, &j->hs)) !=
	    NULL)
		j->vfs = *set;
	json_object_put(answer);
	if (set == NULL)
		return -1;
	memset(&j->cv, 0, sizeof(j->cv));
	j->cv.power = POWER_RUNNING;
	j->cv.domain = dt;
	j->cv.vendor = j->ch.vendor;
	j->cv.features = &j->vfs;
	return 0;
}

/* A start's set: the one it named, else the level it would be given. */
static int
vm_start_set(struct judged *j)
{
	return vm_requested(j) == 0 ? 0 : vm_started(j);
}

/*
 * Which of the VM's sets featured judged, by the method it refused: a
 * start or a reboot the set it would give (VM.check_restart_on's
 * refusal is VM.start's), an import the set it lands with; any other
 * (a migrate, a resume) the set the VM holds.
 */
static const struct finder {
	const char	*method;
	int		(*find)(struct judged *);
} finders[] = {
	{ "VM.start",	vm_start_set },
	{ "VM.reboot",	vm_started },
	{ "VM.import",	vm_requested },
};
#define NFINDERS	(sizeof(finders) / sizeof(finders[0]))

static int
judged_set(struct judged *j)
{
	size_t i;

	for (i = 0; i < NFINDERS; i++)
		if (j->ae->method != NULL &&
		    strcmp(finders[i].method, j->ae->method) == 0)
			return finders[i].find(j);
	return vm_held(j);
}

/*
 * The VM's features the host lacks, by lib/compat.c's rule, the one
 * featured applied, on the host's max sets (Host.get_cpu_info) and the
 * set featured judged.  Only for a refusal over features: a wrong
 * vendor or a host without the keys is what the reason says.
 */
static int
missing(const struct api_error *ae, const char *vid, const char *hid,
    struct json_object *host, struct featureset *out)
{
	struct compat_verdict v;
	struct judged j;
	int rc;

	memset(&j, 0, sizeof(j));
	j.ae = ae;
	j.vm = vid;
	j.host = hid;
	sets_of(host, &j.hs, j.hfs);
	j.ch.vendor = str(host, "vendor");
	j.ch.hvm_capable = 1;	/* the features are the question here */
	j.ch.pv = j.hs.pv;
	j.ch.hvm = j.hs.hvm;
	if ((rc = judged_set(&j)) == 0)
		compat_judge(&j.cv, &j.ch, &v);
	json_object_put(j.held);
	if (rc == -1 || v.code != COMPAT_FEATURES || fs_is_zero(&v.missing))
		return -1;
	*out = v.missing;
	return 0;
}

/* VM_INCOMPATIBLE_WITH_THIS_HOST [vm, host, reason]: which features. */
void
explain_missing(const struct api_error *ae, struct json_object *facts)
{
	static char names[NAMES_MAX];
	struct json_object *host;
	const char *vid, *hid;
	struct featureset m;

	if (!json_object_is_type(ae->data, json_type_array) ||
	    json_object_array_length(ae->data) < 2 ||
	    (vid = json_object_get_string(json_object_array_get_idx(ae->data,
	    0))) == NULL ||
	    (hid = json_object_get_string(json_object_array_get_idx(ae->data,
	    1))) == NULL ||
	    (host = cli_ask(ae->url, "Host.get_cpu_info", "host", hid)) ==
	    NULL)
		return;
	if (missing(ae, vid, hid, host, &m) == 0 &&
	    feature_names_join(&m, ", ", names, sizeof(names)) == 0)
		json_object_object_add(facts, "missing",
		    json_object_new_string(names));
	json_object_put(host);
}
