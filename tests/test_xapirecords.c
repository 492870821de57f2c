/*
 * xapi's records into featured's state (services/xapisync/records.c),
 * from tests/xapi-fixtures/ (get_all_records results shaped as xapi's
 * JSON-RPC sends them), and the reference cache that resolves
 * resident_on, master and "del" events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "jsonutil.h"
#include "records.h"
#include "tap.h"

#ifndef XAPI_FIXTURES
#error "XAPI_FIXTURES: the fixtures' directory"
#endif

#define H1	"0e4d6a9c-2b7f-4e5a-8c3d-1f2e3d4c5b61"
#define H2	"7f1a2b3c-4d5e-4f60-9172-8394a5b6c7d8"
#define POOL	"5e1c9a70-3b2d-4c8e-a1f4-9d8c7b6a5f40"
#define VMREF(n) "OpaqueRef:11111111-aaaa-4aaa-8aaa-00000000000" #n

#define HOST_PREFIX "{\"host\":\"" H1 "\",\"pool\":\"" POOL "\",\"cpu_info\":{"

static struct json_object *pools, *hosts, *vms, *mets;
static struct xr_cache *cache;
static char err[512];

static struct json_object *
load(const char *cls)
{
	char path[4096], *buf;
	struct json_object *o;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s.get_all_records.json",
	    XAPI_FIXTURES, cls);
	if ((f = fopen(path, "r")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	if ((o = json_parse_one(buf, (size_t)n, err, sizeof(err))) == NULL) {
		printf("Bail out! %s: %s\n", path, err);
		exit(1);
	}
	free(buf);
	return o;
}

static struct json_object *
rec(struct json_object *all, const char *ref)
{
	struct json_object *r = NULL;

	json_object_object_get_ex(all, ref, &r);
	return r;
}

/* Every record of a class into the cache, as a resync does. */
static void
note_all(struct json_object *all, enum xr_class cls)
{
	json_object_object_foreach(all, ref, r)
		if (xr_cache_note(cache, cls, ref, r, err, sizeof(err)) == -1)
			printf("# note %s: %s\n", ref, err);
}

static void
test_pool_and_hosts(void)
{
	struct xr_pool p;
	struct xr_host h;
	const char *href1 = "OpaqueRef:a1b7f8c2-0f4e-4c1b-8d0e-6f1f5e4c2a11";
	const char *href2 = "OpaqueRef:b2c8e9d3-1a5f-4d2c-9e1f-7a2a6f5d3b22";
	struct json_object *prec = NULL, *o;

	json_object_object_foreach(pools, pref, r) {
		(void)pref;
		prec = r;
	}
	ok(xr_pool_from(cache, prec, &p, err, sizeof(err)) == 0,
	    "the pool record converts");
	is_str(p.uuid, POOL, "pool: its uuid");
	is_str(p.master, H1, "pool: master, the host's uuid through the cache");
	is_str(cpuinfo_get(&p.cpu_info, "vendor"), "GenuineIntel",
	    "pool: cpu_info as xapi stores it");
	is_int(p.cpu_info.n, 5, "pool: all of its cpu_info keys");
	o = xr_pool_params(&p);
	is_str(json_compact(o), "{\"pool\":\"" POOL "\",\"master\":\"" H1
	    "\"}", "Pool.observe params");
	json_object_put(o);
	cpuinfo_free(&p.cpu_info);

	ok(xr_host_from(rec(hosts, href1), p.uuid, &h, err,
	    sizeof(err)) == 0, "host 1 converts");
	is_str(h.uuid, H1, "host 1: uuid");
	is_str(h.pool, POOL, "host 1: its pool");
	ok(h.hvm_capable, "host 1: HVM-capable ('hvm' in a capability)");
	is_int(h.cpu_info.n, 15, "host 1: every cpu_info key kept");
	is_str(cpuinfo_get(&h.cpu_info, "features_hvm_host"),
	    "078bfbfd-17fa3203-28100800-00000001-00000000-00000fb9-00000000-"
	    "00000000-00000000-00000000-00000000-00000000-00000000-00000000-"
	    "00000000-00000000-00000000-00000000-00000000",
	    "host 1: a featureset, byte for byte");
	o = xr_host_params(&h);
	ok(strncmp(json_compact(o), HOST_PREFIX, strlen(HOST_PREFIX)) == 0 &&
	    strstr(json_compact(o), "\"hvm_capable\":true}") != NULL,
	    "Host.observe params");
	json_object_put(o);
	cpuinfo_free(&h.cpu_info);

	ok(xr_host_from(rec(hosts, href2), p.uuid, &h, err,
	    sizeof(err)) == 0, "host 2 converts");
	ok(!h.hvm_capable, "host 2: PV-only capabilities, not HVM-capable");
	is_str(cpuinfo_get(&h.cpu_info, "vendor"), "AuthenticAMD",
	    "host 2: its vendor");
	cpuinfo_free(&h.cpu_info);
	ok(xr_host_from(rec(hosts, href2), "not-a-uuid", &h, err,
	    sizeof(err)) == -1, "a host without a pool uuid is refused");
}

/* A VM converted; its metrics from the cache's link, as the sync does. */
static int
vm(const char *ref, struct xr_vm *v)
{
	struct json_object *r = rec(vms, ref);
	const char *m = xr_cache_link(cache, ref, XR_VM);

	return xr_vm_from(cache, r, m ? rec(mets, m) : NULL, v, err,
	    sizeof(err));
}

static void
test_vms(void)
{
	struct xr_vm v;
	struct json_object *o;

	ok(vm(VMREF(1), &v) == 0, "vm1 converts");
	is_str(json_compact(o = xr_vm_params(&v)),
	    "{\"vm\":\"c5db1298-3e97-53bb-4f97-bd039ca8c201\","
	    "\"power_state\":\"running\",\"host\":\"" H1 "\","
	    "\"domain_type\":\"pvh\",\"last_boot_CPU_flags\":{"
	    "\"features\":\"078bfbfd-17fa3203-28100800-00000001-00000000-"
	    "000007a9-00000000-00000000-00000000-00000000-00000000-00000000-"
	    "00000000-00000000-00000000-00000000-00000000-00000000-00000000\","
	    "\"vendor\":\"GenuineIntel\"}}",
	    "vm1: VM.observe params; running: current_domain_type wins");
	json_object_put(o);
	cpuinfo_free(&v.flags);

	ok(vm(VMREF(2), &v) == 0, "vm2 converts");
	ok(v.power == POWER_HALTED && v.host[0] == '\0' &&
	    v.domain_type == DOMAIN_PV && v.flags.n == 0,
	    "vm2: halted, nowhere, VM.domain_type (not the metrics'), {}");
	o = xr_vm_params(&v);
	ok(strstr(json_compact(o), "\"host\":null") != NULL,
	    "vm2: host null in the params");
	json_object_put(o);
	cpuinfo_free(&v.flags);

	ok(vm(VMREF(3), &v) == 0, "vm3 converts");
	ok(v.power == POWER_SUSPENDED && v.domain_type == DOMAIN_PV_IN_PVH,
	    "vm3: suspended takes current_domain_type, as xapi's rule");
	cpuinfo_free(&v.flags);

	ok(vm(VMREF(4), &v) == 0, "vm4 converts");
	ok(v.power == POWER_RUNNING && strcmp(v.host, H2) == 0,
	    "vm4: Paused is running, resident on host 2");
	is_str(cpuinfo_get(&v.flags, "vendor"), "AuthenticAMD",
	    "vm4: flags as xapi recorded them");
	cpuinfo_free(&v.flags);

	ok(vm(VMREF(5), &v) == 0 && v.has_domain_type &&
	    v.domain_type == DOMAIN_PV,
	    "vm5: unspecified, HVM_boot_policy \"\": pv, as xapi derives it");

	is_int(vm(VMREF(6), &v), 1, "vm6: a template is not followed");
	is_int(vm(VMREF(7), &v), 1, "vm7: a snapshot is not followed");
	is_int(vm(VMREF(8), &v), 1, "vm8: dom0 is not followed");

	ok(vm(VMREF(9), &v) == 0 && v.domain_type == DOMAIN_HVM,
	    "vm9: metrics unspecified: VM.domain_type");
	ok(cpuinfo_get(&v.flags, "features") == NULL && v.flags.n == 1,
	    "vm9: flags without features stay without");
	cpuinfo_free(&v.flags);

	ok(xr_vm_from(cache, rec(vms, VMREF(1)), NULL, &v, err,
	    sizeof(err)) == 0 && v.domain_type == DOMAIN_HVM,
	    "a running VM without its metrics at hand: VM.domain_type");
	cpuinfo_free(&v.flags);
}

/* A copy of VM n's record with field set to v (NULL: removed). */
static int
vm_with(int n, const char *field, struct json_object *val)
{
	char ref[64];
	struct json_object *r, *c = NULL;
	struct xr_vm v;
	int rc;

	snprintf(ref, sizeof(ref), "OpaqueRef:11111111-aaaa-4aaa-8aaa-"
	    "00000000000%d", n);
	r = rec(vms, ref);
	c = json_tokener_parse(json_compact(r));
	if (val != NULL)
		json_object_object_add(c, field, val);
	else
		json_object_object_del(c, field);
	rc = xr_vm_from(cache, c, NULL, &v, err, sizeof(err));
	if (rc == 0)
		cpuinfo_free(&v.flags);
	json_object_put(c);
	return rc;
}

static void
test_malformed(void)
{
	ok(vm_with(1, "power_state", NULL) == -1 &&
	    strstr(err, "power_state: missing") != NULL,
	    "a VM without power_state: refused, naming it");
	ok(vm_with(1, "power_state", json_object_new_string("Crashed")) ==
	    -1, "a power state xapi does not have: refused");
	ok(vm_with(1, "resident_on", json_object_new_string(
	    "OpaqueRef:00000000-dead-4bad-8bad-000000000000")) == -1 &&
	    strstr(err, "no host known") != NULL,
	    "resident_on an unknown host: refused");
	ok(vm_with(1, "uuid", json_object_new_string("c5db1298")) == -1,
	    "a uuid that is not one: refused");
	ok(vm_with(1, "is_a_template", json_object_new_string("false")) ==
	    -1, "a boolean as a string: refused");
	ok(vm_with(1, "last_boot_CPU_flags", json_object_new_int(1)) == -1,
	    "last_boot_CPU_flags not a map: refused");
	ok(vm_with(2, "domain_type", json_object_new_string("hvm")) == 0,
	    "the same record, well-formed, converts");
}

static void
test_cache(void)
{
	struct json_object *r;
	char ref[64];
	int i;

	is_int(xr_cache_count(cache, XR_HOST), 2, "cache: 2 hosts");
	is_int(xr_cache_count(cache, XR_VM), 9, "cache: 9 VMs");
	is_int(xr_cache_count(cache, XR_VM_METRICS), 9, "cache: 9 metrics");
	is_str(xr_cache_uuid(cache, VMREF(1), XR_VM),
	    "c5db1298-3e97-53bb-4f97-bd039ca8c201", "cache: a VM's uuid");
	ok(xr_cache_uuid(cache, VMREF(1), XR_HOST) == NULL,
	    "cache: a VM's ref is no host's");
	is_str(xr_cache_link(cache,
	    "OpaqueRef:f0000003-0000-4000-8000-000000000003", XR_VM_METRICS),
	    VMREF(3), "cache: metrics link back to their VM");
	r = xr_cache_record(cache, VMREF(1), XR_VM);
	ok(r == rec(vms, VMREF(1)), "cache: the last snapshot is kept");
	/* A del event without a snapshot: the uuid comes from the cache. */
	is_str(xr_cache_uuid(cache, VMREF(2), XR_VM),
	    "c5db1298-3e97-53bb-4f97-bd039ca8c202", "del: uuid resolved");
	r = xr_forget_params(XR_VM, xr_cache_uuid(cache, VMREF(2), XR_VM));
	is_str(json_compact(r),
	    "{\"vm\":\"c5db1298-3e97-53bb-4f97-bd039ca8c202\"}",
	    "VM.forget params");
	json_object_put(r);
	is_int(xr_cache_forget(cache, VMREF(2)), 0, "del: forgotten");
	is_int(xr_cache_forget(cache, VMREF(2)), 1, "del twice: unknown");
	ok(xr_cache_uuid(cache, VMREF(2), XR_VM) == NULL, "del: gone");
	is_int(xr_cache_count(cache, XR_VM), 8, "cache: 8 VMs left");

	r = json_object_new_object();
	ok(xr_cache_note(cache, XR_HOST, "OpaqueRef:x", r, err,
	    sizeof(err)) == -1, "a record without uuid is not noted");
	json_object_put(r);
	for (i = 0; i < 5000; i++) {
		snprintf(ref, sizeof(ref), "OpaqueRef:bulk-%d", i);
		r = json_object_new_object();
		json_object_object_add(r, "uuid", json_object_new_string(
		    "00000000-0000-4000-8000-000000000000"));
		xr_cache_note(cache, XR_VM_METRICS, ref, r, err, sizeof(err));
		json_object_put(r);
	}
	is_int(xr_cache_count(cache, XR_VM_METRICS), 5009,
	    "cache: 5,000 more entries (the table grows)");
	is_str(xr_cache_uuid(cache, VMREF(1), XR_VM),
	    "c5db1298-3e97-53bb-4f97-bd039ca8c201", "cache: found after growth");
	xr_cache_clear(cache);
	is_int(xr_cache_count(cache, XR_VM), 0, "cache: cleared");
}

int
main(void)
{
	enum xr_class c;

	pools = load("pool");
	hosts = load("host");
	vms = load("VM");
	mets = load("VM_metrics");
	ok((cache = xr_cache_new()) != NULL, "a cache");
	ok(xr_class_parse("vm_metrics", &c) == 0 && c == XR_VM_METRICS &&
	    xr_class_parse("VM", &c) == -1, "classes as event.from names them");
	note_all(hosts, XR_HOST);
	note_all(vms, XR_VM);
	note_all(mets, XR_VM_METRICS);
	note_all(pools, XR_POOL);
	test_pool_and_hosts();
	test_vms();
	test_malformed();
	test_cache();
	xr_cache_free(cache);
	json_object_put(pools);
	json_object_put(hosts);
	json_object_put(vms);
	json_object_put(mets);
	return done_testing();
}
