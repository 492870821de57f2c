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
#include "featurenames.h"
#include "jsonutil.h"

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

/* The host as the rule sees it: its vendor and max sets. */
static void
host_of(struct json_object *host, struct compat_host *ch,
    struct featureset *pv, struct featureset *hvm)
{
	memset(ch, 0, sizeof(*ch));
	ch->vendor = str(host, "vendor");
	ch->hvm_capable = 1;	/* the features are the question here */
	ch->pv = fs_of(host, "features_pv", pv) == 0 ? pv : NULL;
	ch->hvm = fs_of(host, "features_hvm", hvm) == 0 ? hvm : NULL;
}

/* The VM featured holds (VM.get_cpu_flags): 0, or -1. */
static int
vm_held(struct json_object *vm, struct compat_vm *cv, struct featureset *fs)
{
	memset(cv, 0, sizeof(*cv));
	if (str(vm, "power_state") == NULL || str(vm, "domain_type") == NULL ||
	    power_state_parse(str(vm, "power_state"), &cv->power) == -1 ||
	    domain_type_parse(str(vm, "domain_type"), &cv->domain) == -1 ||
	    fs_of(vm, "features", fs) == -1)
		return -1;
	cv->vendor = str(vm, "vendor");
	cv->features = fs;
	return 0;
}

/*
 * The VM a refused start or import would have made, from the request
 * (featured recorded nothing): a start's --featureset, running; an
 * import's flags, landed as featured lands them (compat_import_set).
 * 0, or -1 if the request carries no set (a start at the pool level).
 */
static int
vm_requested(const struct api_error *ae, const struct compat_host *ch,
    struct compat_vm *cv, struct featureset *fs)
{
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
	cv->features = fs;
	if (fs_of(ae->request, "featureset", fs) == 0)
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
	    ch->pv, fs);
	return 0;
}

/*
 * The VM's features the host lacks, by lib/compat.c's rule, the one
 * featured applied, on the host's max sets (Host.get_cpu_info).  Only
 * for a refusal over features: a wrong vendor or a host without the
 * keys is what the reason says.
 */
static int
missing(const struct api_error *ae, const char *vid, struct json_object *host,
    struct featureset *out)
{
	struct featureset vfs, pv, hvm;
	struct json_object *vm = NULL;
	struct compat_verdict v;
	struct compat_host ch;
	struct compat_vm cv;
	int rc;

	host_of(host, &ch, &pv, &hvm);
	if ((rc = vm_requested(ae, &ch, &cv, &vfs)) == -1 &&
	    (vm = cli_ask(ae->url, "VM.get_cpu_flags", "vm", vid)) != NULL)
		rc = vm_held(vm, &cv, &vfs);
	if (rc == 0)
		compat_judge(&cv, &ch, &v);
	json_object_put(vm);
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
	if (missing(ae, vid, host, &m) == 0 &&
	    feature_names_join(&m, ", ", names, sizeof(names)) == 0)
		json_object_object_add(facts, "missing",
		    json_object_new_string(names));
	json_object_put(host);
}
