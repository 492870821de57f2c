/*
 * cpulevel-featured end to end, as a client sees it: the daemon binary
 * (CPULEVEL_FEATURED) is started on a fresh database, driven over its
 * real nanomsg sockets through the story of a pool of non-identical
 * hosts, restarted (cleanly and with kill -9), fed broken requests and
 * stopped.  Every expectation is computed from the input (realistic
 * featuresets from ../shared/data/cpu-models.json, combined with the
 * featureset library) or taken from proto/README.md, never from the code
 * under test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json.h>
#include <nanomsg/nn.h>

#include "featurenames.h"
#include "featureset.h"
#include "tap.h"
#include "daemon_harness.h"
#include "models.h"

static struct featured F = FC_INIT;

/* h2 as it first booted (H1, H2, H3, A1: models.h). */
static struct host H2_orig;

/* Levels of p1 as the story goes, for the history. */
static struct level L_h1, L_h1h2, L_3, L_4;

/* ---- small things ---------------------------------------------------- */

#define require(cond, what) fc_require(&F, (cond), __FILE__, __LINE__, (what))

static unsigned int
bit_of(const char *name)
{
	const struct feature_desc *d = feature_by_name(name);

	if (d == NULL) {
		printf("Bail out! Xen's header names no feature '%s'\n", name);
		exit(1);
	}
	return d->index;
}

static void
clear_named(struct featureset *fs, const char *name)
{
	clear_bit(fs, bit_of(name));
}

/*
 * The compatibility rule's feature part: every bit of vm's set is in the
 * host's max set, both zero-extended (no bit is exempt).
 */
static int
compatible(const struct featureset *vm, const struct featureset *hostmax)
{
	struct featureset d;

	fs_diff(vm, hostmax, &d);
	return fs_is_zero(&d);
}

static int
levels_differ(const struct level *a, const struct level *b)
{
	return !fs_is_equal(&a->fs[PV_HOST], &b->fs[PV_HOST]) ||
	    !fs_is_equal(&a->fs[HVM_HOST], &b->fs[HVM_HOST]);
}

/* ---- events -------------------------------------------------------- */

/*
 * What featured publishes, on the SUB socket fc_start opened: f->evbuf
 * (emptied by every start) keeps each event received, in order.
 */

/* Drop the events received so far and any waiting on the socket. */
static void
events_reset(struct featured *f)
{
	void *buf;

	while (f->sub >= 0 && nn_recv(f->sub, &buf, NN_MSG, NN_DONTWAIT) >= 0)
		nn_freemsg(buf);
	if (f->evbuf != NULL)
		json_object_put(f->evbuf);
	f->evbuf = json_object_new_array();
}

/*
 * Receive one event into f->evbuf as {"topic", "raw", "msg"} ("msg" is
 * null when the text after the topic line is not JSON, "topic" null
 * when there is no newline).  0 on timeout.
 */
static int
event_recv(struct featured *f, int timeout_ms)
{
	void *buf = NULL;
	char *text, *nl;
	json_object *e;
	int n;

	if (timeout_ms < 1)
		timeout_ms = 1;
	nn_setsockopt(f->sub, NN_SOL_SOCKET, NN_RCVTIMEO, &timeout_ms,
	    sizeof(timeout_ms));
	n = nn_recv(f->sub, &buf, NN_MSG, 0);
	if (n < 0)
		return 0;
	text = malloc((size_t)n + 1);
	if (text == NULL)
		abort();
	memcpy(text, buf, (size_t)n);
	text[n] = '\0';
	nn_freemsg(buf);
	nl = memchr(text, '\n', (size_t)n);
	e = json_object_new_object();
	json_object_object_add(e, "raw", json_object_new_string_len(text, n));
	if (nl != NULL) {
		json_object_object_add(e, "topic",
		    json_object_new_string_len(text, (int)(nl - text)));
		json_object_object_add(e, "msg",
		    jparse(nl + 1, (size_t)(n - (nl + 1 - text))));
	} else {
		json_object_object_add(e, "topic", NULL);
		json_object_object_add(e, "msg", NULL);
	}
	json_object_array_add(f->evbuf, e);
	free(text);
	return 1;
}

/*
 * The first event of topic whose params.host is host (any when NULL),
 * received since the last events_reset, waiting up to timeout_ms for
 * it.  Returns the whole event {"topic", "raw", "msg"}, borrowed.
 */
static json_object *
event_wait(struct featured *f, const char *topic, const char *host,
    long timeout_ms)
{
	long long deadline = fc_now_ms() + timeout_ms, left;
	size_t i = 0;
	json_object *e;
	const char *t, *h;

	for (;;) {
		for (; i < jlen(f->evbuf); i++) {
			e = jidx(f->evbuf, i);
			t = jstr(e, "topic");
			h = jstr(e, "msg.params.host");
			if (t != NULL && strcmp(t, topic) == 0 &&
			    (host == NULL || (h != NULL &&
			    strcmp(h, host) == 0)))
				return e;
		}
		left = deadline - fc_now_ms();
		if (left <= 0)
			break;
		event_recv(f, (int)left);
	}
	return NULL;
}

/* The events received so far, as diagnostics. */
static void
events_show(struct featured *f)
{
	size_t i;

	diag("%zu event(s) received:", jlen(f->evbuf));
	for (i = 0; i < jlen(f->evbuf); i++)
		diag("  %.400s", jstr(jidx(f->evbuf, i), "raw"));
}

/* ---- checks ---------------------------------------------------------- */

/* A featureset in the reply is want, in canonical form. */
static int
check_fs(const char *file, int line, const char *got,
    const struct featureset *want, const char *what)
{
	struct featureset g, d;
	char err[256];

	if (tap_ok(got != NULL && strcmp(got, fmt(want)) == 0, file, line,
	    what))
		return 1;
	diag("  got  '%s'", got ? got : "(not a string)");
	diag("  want '%s'", fmt(want));
	if (got != NULL && fs_parse(got, &g, err, sizeof(err)) == 0) {
		if (fs_is_equal(&g, want)) {
			diag("  (the same set, not in canonical form)");
		} else {
			fs_diff(want, &g, &d);
			diag("  missing: %s", names(&d));
			fs_diff(&g, want, &d);
			diag("  extra:   %s", names(&d));
		}
	}
	return 0;
}
#define is_fs(got, want, what) check_fs(__FILE__, __LINE__, (got), (want), (what))

/* A JSON array of feature names names exactly the bits of want. */
static int
check_names(const char *file, int line, json_object *arr,
    const struct featureset *want, const char *what)
{
	struct featureset got;
	char why[256];
	/* Xen names, the events section says: wNbM for any bit is fine. */
	int good = names_to_set(arr, 0, &got, why, sizeof(why)) &&
	    fs_is_equal(&got, want);

	if (!tap_ok(good, file, line, what)) {
		if (why[0] != '\0')
			diag("  %s", why);
		diag("  got  %s", arr ? jtext(arr) : "(missing)");
		diag("  want %s", names(want));
	}
	return good;
}
#define is_names(arr, want, what) \
	check_names(__FILE__, __LINE__, (arr), (want), (what))

static json_object *
call(const char *method, json_object *params)
{
	return fc_call(&F, method, params);
}

/* Call, expect a success whose result is null. */
static void
call_null(const char *method, json_object *params, const char *what)
{
	json_object *r = call(method, params);

	expect_null(r, what);
	json_object_put(r);
}

/* Host.get_cpu_info returns the map Host.boot stored. */
static void
check_host_info(const struct host *h)
{
	json_object *r = call("Host.get_cpu_info", jobj("host", js(h->id),
	    NULL)), *res;
	int k;

	if (!expect_result(r, L("Host.get_cpu_info %s", h->id), &res))
		goto out;
	is_str(jstr(res, "vendor"), h->vendor, L("%s: vendor", h->id));
	is_str(jstr(res, "cpu_count"), h->cpu_count,
	    L("%s: cpu_count", h->id));
	is_str(jstr(res, "socket_count"), h->socket_count,
	    L("%s: socket_count", h->id));
	for (k = 0; k < NKEYS; k++)
		ok(fs_str_equal(jstr(res, keys[k]), &h->fs[k]),
		    L("%s: %s is the set it booted with", h->id, keys[k]));
	is_int(jkeys(res), 3 + NKEYS, L("%s: no other keys", h->id));
out:
	json_object_put(r);
}

/* Pool.get_cpu_info is the level of members, counts summed. */
static void
check_pool(const char *pool, const struct host *const *m, size_t n)
{
	json_object *r = call("Pool.get_cpu_info", jobj("pool", js(pool),
	    NULL)), *res;
	struct level lv;
	int k;

	level_of(m, n, &lv);
	if (!expect_result(r, L("Pool.get_cpu_info %s", pool), &res))
		goto out;
	is_str(jstr(res, "vendor"), m[0]->vendor, L("%s: vendor", pool));
	is_str(jstr(res, "cpu_count"), L("%ld", lv.cpus),
	    L("%s: cpu_count summed", pool));
	is_str(jstr(res, "socket_count"), L("%ld", lv.sockets),
	    L("%s: socket_count summed", pool));
	for (k = 0; k < NKEYS; k++)
		is_fs(jstr(res, keys[k]), &lv.fs[k],
		    L("%s: %s is the intersection of the members'", pool,
		    keys[k]));
out:
	json_object_put(r);
}

/* VM.get_cpu_flags; NULL arguments are not checked, legacy < 0 neither. */
static void
check_vm(const char *vm, const char *power, const char *host,
    const char *dtype, const char *vendor, const struct featureset *fs,
    int legacy)
{
	json_object *r = call("VM.get_cpu_flags", jobj("vm", js(vm), NULL));
	json_object *res;

	if (!expect_result(r, L("VM.get_cpu_flags %s", vm), &res))
		goto out;
	if (power != NULL)
		is_str(jstr(res, "power_state"), power,
		    L("%s: power_state %s", vm, power));
	if (host != NULL)
		is_str(jstr(res, "host"), host, L("%s: host %s", vm, host));
	if (dtype != NULL)
		is_str(jstr(res, "domain_type"), dtype,
		    L("%s: domain_type %s", vm, dtype));
	if (vendor != NULL)
		is_str(jstr(res, "vendor"), vendor,
		    L("%s: vendor %s", vm, vendor));
	if (fs != NULL)
		is_fs(jstr(res, "features"), fs, L("%s: features", vm));
	if (legacy >= 0)
		is_int(jbool(res, "legacy"), legacy,
		    L("%s: legacy %s", vm, legacy ? "true" : "false"));
out:
	json_object_put(r);
}

/* VM.start (or VM.reboot, host NULL) gives vendor and want. */
static void
vm_start(const char *vm, const char *host, const char *dtype,
    const char *vendor, const struct featureset *want, const char *why)
{
	json_object *r, *res;

	if (host != NULL)
		r = call("VM.start", jobj("vm", js(vm), "host", js(host),
		    "domain_type", js(dtype), NULL));
	else
		r = call("VM.reboot", jobj("vm", js(vm), NULL));
	if (expect_result(r, host ? L("VM.start %s on %s %s", vm, host, dtype)
	    : L("VM.reboot %s", vm), &res)) {
		is_str(jstr(res, "vendor"), vendor, L("%s: vendor", vm));
		is_fs(jstr(res, "features"), want, L("%s: features %s", vm,
		    why));
	}
	json_object_put(r);
}

static void
host_boot(const struct host *h, const char *pool, int changed)
{
	json_object *r = call("Host.boot", jobj("host", js(h->id),
	    "cpu_info", cpu_info(h), NULL)), *res;

	if (!expect_result(r, L("Host.boot %s (%s)", h->id, h->model), &res))
		goto out;
	if (pool == NULL)
		ok(jis_null(res, "pool"), L("%s: pool is null", h->id));
	else
		is_str(jstr(res, "pool"), pool, L("%s: pool %s", h->id, pool));
	is_int(jbool(res, "pool_level_changed"), changed,
	    L("%s: pool_level_changed %s", h->id, changed ? "true" : "false"));
out:
	json_object_put(r);
}

/* changed < 0: only that it is a boolean. */
static void
pool_join(const char *pool, const char *host, int changed)
{
	json_object *r = call("Pool.join", jobj("pool", js(pool),
	    "host", js(host), NULL)), *res;

	if (!expect_result(r, L("Pool.join %s %s", pool, host), &res))
		goto out;
	if (changed < 0)
		ok(jbool(res, "pool_level_changed") >= 0,
		    L("Pool.join %s: pool_level_changed is a boolean", host));
	else
		is_int(jbool(res, "pool_level_changed"), changed,
		    L("Pool.join %s: pool_level_changed %s", host,
		    changed ? "true" : "false"));
out:
	json_object_put(r);
}

/* A notification as the events section writes it. */
static void
check_notification(json_object *ev, const char *topic, const char *method)
{
	json_object *msg = jget(ev, "msg", NULL);
	int has_id;

	ok(msg != NULL && json_object_is_type(msg, json_type_object),
	    L("%s: the text after the topic line is a JSON object", topic));
	is_str(jstr(msg, "jsonrpc"), "2.0", L("%s: jsonrpc 2.0", topic));
	is_str(jstr(msg, "method"), method, L("%s: method %s", topic, method));
	jget(msg, "id", &has_id);
	ok(!has_id, L("%s: a notification, no id", topic));
}

/* pool.level_changed from old to new caused by event of host. */
static void
check_level_event(const char *pool, const char *event, const char *host,
    const struct level *old, const struct level *new)
{
	static const struct { const char *kind; int key; } kinds[] = {
		{ "pv", PV_HOST }, { "hvm", HVM_HOST }
	};
	json_object *ev = event_wait(&F, "pool.level_changed", host, 3000);
	json_object *p;
	struct featureset d;
	size_t i;

	if (!ok(ev != NULL, L("a pool.level_changed event for %s %s arrives",
	    event, host))) {
		events_show(&F);
		return;
	}
	check_notification(ev, "pool.level_changed", "Pool.level_changed");
	p = jpath(ev, "msg.params", NULL);
	is_str(jstr(p, "pool"), pool, L("level_changed: pool %s", pool));
	is_str(jstr(p, "event"), event, L("level_changed: event %s", event));
	for (i = 0; i < 2; i++) {
		const char *k = kinds[i].kind;
		json_object *kp = jget(p, k, NULL);

		is_fs(jstr(kp, "old"), &old->fs[kinds[i].key],
		    L("level_changed: %s.old is the previous level", k));
		is_fs(jstr(kp, "new"), &new->fs[kinds[i].key],
		    L("level_changed: %s.new is the new level", k));
		fs_diff(&old->fs[kinds[i].key], &new->fs[kinds[i].key], &d);
		is_names(jget(kp, "lost", NULL), &d,
		    L("level_changed: %s.lost names old minus new", k));
		fs_diff(&new->fs[kinds[i].key], &old->fs[kinds[i].key], &d);
		is_names(jget(kp, "gained", NULL), &d,
		    L("level_changed: %s.gained names new minus old", k));
	}
}

/* One entry of Pool.get_level_history. */
static void
check_history_entry(json_object *e, const char *event, const char *host,
    const struct level *old, const struct level *new)
{
	const char *at = jstr(e, "at");
	int good_at = at != NULL && strlen(at) == 20;
	size_t i;

	for (i = 0; good_at && i < 20; i++) {
		if (i == 4 || i == 7)
			good_at = at[i] == '-';
		else if (i == 10)
			good_at = at[i] == 'T';
		else if (i == 13 || i == 16)
			good_at = at[i] == ':';
		else if (i == 19)
			good_at = at[i] == 'Z';
		else
			good_at = at[i] >= '0' && at[i] <= '9';
	}
	is_str(jstr(e, "event"), event, L("history: event %s", event));
	is_str(jstr(e, "host"), host, L("history %s: host %s", event, host));
	if (!ok(good_at, L("history %s %s: at is YYYY-MM-DDTHH:MM:SSZ", event,
	    host)))
		diag("  at: %s", at ? at : "(not a string)");
	if (old != NULL) {
		is_fs(jstr(e, "features_pv_host_old"), &old->fs[PV_HOST],
		    L("history %s %s: features_pv_host_old", event, host));
		is_fs(jstr(e, "features_hvm_host_old"), &old->fs[HVM_HOST],
		    L("history %s %s: features_hvm_host_old", event, host));
	}
	is_fs(jstr(e, "features_pv_host_new"), &new->fs[PV_HOST],
	    L("history %s %s: features_pv_host_new", event, host));
	is_fs(jstr(e, "features_hvm_host_new"), &new->fs[HVM_HOST],
	    L("history %s %s: features_hvm_host_new", event, host));
}

/*
 * What a client can read of the state: results (or errors) of the read
 * methods, by a name for each.
 */
static json_object *
snapshot(void)
{
	static const char *const vms[] = { "vm1", "vm2", "vm3", "vm5",
	    "vm9", "vm11", "vm13" };
	static const char *const hosts[] = { "h1", "h2", "h3", "a1" };
	json_object *s = json_object_new_object();
	size_t i;

	fc_take(&F, s, "Pool.get_cpu_info p1", "Pool.get_cpu_info",
	    jobj("pool", js("p1"), NULL));
	fc_take(&F, s, "Pool.get_level_history p1", "Pool.get_level_history",
	    jobj("pool", js("p1"), NULL));
	for (i = 0; i < sizeof(vms) / sizeof(vms[0]); i++)
		fc_take(&F, s, L("VM.get_cpu_flags %s", vms[i]),
		    "VM.get_cpu_flags", jobj("vm", js(vms[i]), NULL));
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		fc_take(&F, s, L("Host.get_cpu_info %s", hosts[i]),
		    "Host.get_cpu_info", jobj("host", js(hosts[i]), NULL));
	return s;
}

static void
check_unchanged(json_object *before, json_object *after, const char *when)
{
	json_object_object_foreach(before, k, v) {
		json_object *w = jget(after, k, NULL);

		if (!ok(jequal(v, w), L("%s: %s unchanged", when, k))) {
			diag("  before: %.500s", jtext(v));
			diag("  after:  %.500s", jtext(w));
		}
	}
}

/* ---- the test data ---------------------------------------------------- */

static void
setup_data(void)
{
	unsigned int rtm, hle;
	int k;

	load_hosts();
	H3.upper = 1;		/* the daemon must read any case */
	H2_orig = H2;

	/* The relations the story rests on, checked on the data. */
	for (k = 0; k < NKEYS; k++) {
		require(fs_is_strict_subset(&H3.fs[k], &H2.fs[k]) &&
		    fs_is_strict_subset(&H2.fs[k], &H1.fs[k]),
		    L("data: %s %s ⊊ %s ⊊ %s", keys[k], H3.model, H2.model,
		    H1.model));
		require(!fs_is_zero(&A1.fs[k]), L("data: %s %s is not empty",
		    A1.model, keys[k]));
	}
	rtm = bit_of("rtm");
	hle = bit_of("hle");
	require(fs_test_bit(&H3.fs[HVM_HOST], rtm) &&
	    fs_test_bit(&H3.fs[PV_HOST], rtm) && fs_test_bit(&H3.fs[HVM], hle),
	    L("data: %s has TSX (rtm by default, hle at most)", H3.model));
	require(fs_is_strict_subset(&H1.fs[HVM_HOST], &H1.fs[HVM]),
	    "data: default HVM sets are smaller than max ones");
}

/* ---- the story --------------------------------------------------------- */

static void
step0_start(void)
{
	json_object *r;
	struct stat st;
	char dir[FC_PATH_MAX];

	fc_start_checked(&F, "the daemon (first start)");
	fc_check_version(&F, "", "test-task-1");
	r = call("Service.version", jobj(NULL));
	expect_result(r, "Service.version with params {}", NULL);
	json_object_put(r);

	snprintf(dir, sizeof(dir), "%s/run", F.dir);
	if (ok(stat(dir, &st) == 0 && S_ISDIR(st.st_mode),
	    "the daemon created the socket directory"))
		ok((st.st_mode & 077) == 0, L("the socket directory is owner-only"
		    " (mode %03o)", (unsigned int)(st.st_mode & 0777)));
}

/* 1. Two strong hosts boot standalone, then form p1. */
static void
step1_pool(void)
{
	const struct host *m1[] = { &H1 }, *m2[] = { &H1, &H2 };
	json_object *r;

	host_boot(&H1, NULL, 0);
	host_boot(&H2, NULL, 0);
	check_host_info(&H1);
	check_host_info(&H2);

	level_of(m1, 1, &L_h1);
	level_of(m2, 2, &L_h1h2);
	require(levels_differ(&L_h1, &L_h1h2),
	    "data: h2 joining lowers h1's level");
	pool_join("p1", "h1", -1);
	pool_join("p1", "h2", 1);
	pool_join("p1", "h2", 0);	/* its own pool again: a no-op */

	r = call("Pool.join", jobj("pool", js("p2"), "host", js("h2"), NULL));
	expect_error(r, "Pool.join p2 h2 (a member of p1)", 1,
	    "HOST_ALREADY_IN_POOL", "h2", "p1");
	json_object_put(r);

	/* A member boots again with the same sets: nothing changes. */
	host_boot(&H1, "p1", 0);
	check_pool("p1", m2, 2);
}

static struct featureset vm1_set;

/* 2. A VM starts at the pool level. */
static void
step2_vm_start(void)
{
	vm1_set = L_h1h2.fs[HVM_HOST];
	vm_start("vm1", "h1", "hvm", H1.vendor, &vm1_set,
	    "is p1's HVM level");
	check_vm("vm1", "running", "h1", "hvm", H1.vendor, &vm1_set, 0);
}

/* 3. A weaker host joins: the level drops, an event says so. */
static void
step3_weak_join(void)
{
	const struct host *m3[] = { &H1, &H2, &H3 };

	level_of(m3, 3, &L_3);
	require(levels_differ(&L_h1h2, &L_3), "data: h3 lowers the level");
	events_reset(&F);
	host_boot(&H3, NULL, 0);
	check_host_info(&H3);
	pool_join("p1", "h3", 1);
	check_level_event("p1", "Pool.join", "h3", &L_h1h2, &L_3);
	check_pool("p1", m3, 3);
}

/* 4. The running VM keeps its set: it may move, but not to h3. */
static void
step4_migrate(void)
{
	json_object *r;

	check_vm("vm1", "running", "h1", "hvm", H1.vendor, &vm1_set, 0);
	require(compatible(&vm1_set, &H2.fs[HVM]) &&
	    !compatible(&vm1_set, &H3.fs[HVM]),
	    "data: vm1's set fits h2 but not h3");
	call_null("VM.migrate", jobj("vm", js("vm1"), "host", js("h2"), NULL),
	    "VM.migrate vm1 to h2");
	check_vm("vm1", "running", "h2", "hvm", H1.vendor, &vm1_set, 0);
	r = call("VM.migrate", jobj("vm", js("vm1"), "host", js("h3"), NULL));
	expect_error(r, "VM.migrate vm1 to h3: refused", 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", "vm1", "h3", R_FEATURES);
	json_object_put(r);
	check_vm("vm1", "running", "h2", "hvm", H1.vendor, &vm1_set, 0);
}

/* 5. Suspend and resume keep the set; resume checks the host. */
static void
step5_suspend(void)
{
	json_object *r;

	call_null("VM.suspend", jobj("vm", js("vm1"), NULL),
	    "VM.suspend vm1");
	check_vm("vm1", "suspended", NULL, "hvm", H1.vendor, &vm1_set, 0);
	r = call("VM.migrate", jobj("vm", js("vm1"), "host", js("h1"), NULL));
	expect_error(r, "VM.migrate of a suspended VM", 1,
	    "VM_BAD_POWER_STATE", "vm1", "running", "suspended");
	json_object_put(r);
	r = call("VM.resume", jobj("vm", js("vm1"), "host", js("h3"), NULL));
	expect_error(r, "VM.resume vm1 on h3: refused", 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", "vm1", "h3", R_FEATURES);
	json_object_put(r);
	check_vm("vm1", "suspended", NULL, NULL, NULL, &vm1_set, -1);
	call_null("VM.resume", jobj("vm", js("vm1"), "host", js("h1"), NULL),
	    "VM.resume vm1 on h1");
	check_vm("vm1", "running", "h1", "hvm", H1.vendor, &vm1_set, 0);
	r = call("VM.start", jobj("vm", js("vm1"), "host", js("h1"),
	    "domain_type", js("hvm"), NULL));
	expect_error(r, "VM.start of a running VM", 1, "VM_BAD_POWER_STATE",
	    "vm1", "halted", "running");
	json_object_put(r);
	r = call("VM.resume", jobj("vm", js("vm1"), "host", js("h1"), NULL));
	expect_error(r, "VM.resume of a running VM", 1, "VM_BAD_POWER_STATE",
	    "vm1", "suspended", "running");
	json_object_put(r);
	check_vm("vm1", "running", "h1", "hvm", H1.vendor, &vm1_set, 0);
}

/* 6. A fresh start takes the lowered level; then h3 is fine. */
static void
step6_restart_vm(void)
{
	call_null("VM.shutdown", jobj("vm", js("vm1"), NULL),
	    "VM.shutdown vm1");
	/* The flags are kept for the record while halted. */
	check_vm("vm1", "halted", NULL, NULL, H1.vendor, &vm1_set, -1);
	vm1_set = L_3.fs[HVM_HOST];
	vm_start("vm1", "h1", "hvm", H1.vendor, &vm1_set,
	    "is the lowered level");
	check_vm("vm1", "running", "h1", "hvm", H1.vendor, &vm1_set, 0);
	require(compatible(&vm1_set, &H3.fs[HVM]), "data: the level fits h3");
	call_null("VM.migrate", jobj("vm", js("vm1"), "host", js("h3"), NULL),
	    "VM.migrate vm1 to h3 after its restart");
	check_vm("vm1", "running", "h3", "hvm", H1.vendor, &vm1_set, 0);
}

/* 7. PV VMs, reboot, an explicit featureset. */
static void
step7_reboot(void)
{
	json_object *r, *data;
	const char *reason;

	vm_start("vm2", "h1", "pv", H1.vendor, &L_3.fs[PV_HOST],
	    "is p1's PV level");
	check_vm("vm2", "running", "h1", "pv", H1.vendor, &L_3.fs[PV_HOST], 0);
	vm_start("vm2", NULL, NULL, H1.vendor, &L_3.fs[PV_HOST],
	    "after reboot is the current PV level");
	check_vm("vm2", "running", "h1", "pv", H1.vendor, &L_3.fs[PV_HOST], 0);

	/* An explicit set within the host's max set is taken as it is. */
	r = call("VM.start", jobj("vm", js("vm3"), "host", js("h3"),
	    "domain_type", js("hvm"), "featureset", js(fmt(&H3.fs[HVM])),
	    NULL));
	if (expect_result(r, "VM.start vm3 on h3 with h3's max set", NULL))
		is_fs(jstr(jget(r, "result", NULL), "features"), &H3.fs[HVM],
		    "vm3: features are the explicit set");
	json_object_put(r);
	check_vm("vm3", "running", "h3", "hvm", H3.vendor, &H3.fs[HVM], 0);
	/*
	 * Not within it: refused.  The doc does not say which reason; it
	 * must be one of the three it lists.
	 */
	r = call("VM.start", jobj("vm", js("vm4"), "host", js("h3"),
	    "domain_type", js("hvm"), "featureset", js(fmt(&H1.fs[HVM])),
	    NULL));
	data = jpath(r, "error.data", NULL);
	reason = jstr(jidx(data, 2), "");
	if (!ok(jpath(r, "error.code", NULL) != NULL &&
	    json_object_get_int64(jpath(r, "error.code", NULL)) == 1 &&
	    streq(jstr(r, "error.message"), "VM_INCOMPATIBLE_WITH_THIS_HOST") &&
	    jlen(data) == 3 && streq(jstr(jidx(data, 0), ""), "vm4") &&
	    streq(jstr(jidx(data, 1), ""), "h3") &&
	    (streq(reason, R_VENDOR) || streq(reason, R_FEATURES) ||
	    streq(reason, R_NOKEYS)),
	    "VM.start vm4 on h3 with h1's max set: "
	    "VM_INCOMPATIBLE_WITH_THIS_HOST [vm4, h3, a documented reason]"))
		diag("  reply: %s", jtext(r));
	json_object_put(r);

	call_null("VM.shutdown", jobj("vm", js("vm3"), NULL),
	    "VM.shutdown vm3");
	r = call("VM.reboot", jobj("vm", js("vm3"), NULL));
	expect_error(r, "VM.reboot of a halted VM", 1, "VM_BAD_POWER_STATE",
	    "vm3", "running", "halted");
	json_object_put(r);
}

/* 8. VMs from an older toolstack. */
static void
step8_import(void)
{
	struct featureset want, given;
	const struct featureset *h2max = &H2.fs[HVM], *h3max = &H3.fs[HVM];
	json_object *r, *res;
	char old4[64], err[256];
	size_t i;

	/* No flags at all: the landing host's max set. */
	r = call("VM.import", jobj("vm", js("vm9"), "host", js("h2"),
	    "domain_type", js("hvm"), "power_state", js("running"), NULL));
	if (expect_result(r, "VM.import vm9 running, no flags", &res)) {
		is_str(jstr(res, "vendor"), H2.vendor, "vm9: vendor is h2's");
		is_fs(jstr(res, "features"), h2max,
		    "vm9: features are h2's max HVM set");
		is_int(jbool(res, "legacy"), 1, "vm9: legacy true");
	}
	json_object_put(r);
	check_vm("vm9", "running", "h2", "hvm", H2.vendor, h2max, 1);

	/* The old 4-word format, reordered, then h2's words. */
	require(h3max->w[0] != h3max->w[1] && h3max->w[2] != h3max->w[3],
	    "data: the old words differ pairwise (a missing swap shows)");
	snprintf(old4, sizeof(old4), "%08x-%08x-%08x-%08x",
	    (unsigned int)h3max->w[1], (unsigned int)h3max->w[0],
	    (unsigned int)h3max->w[3], (unsigned int)h3max->w[2]);
	want = *h2max;
	for (i = 0; i < 4; i++)
		want.w[i] = h3max->w[i];
	require(!fs_is_equal(&want, h2max) && !fs_is_zero(&want) &&
	    want.len > 4, "data: vm10's expected set is neither h2's nor h3's");
	r = call("VM.import", jobj("vm", js("vm10"), "host", js("h2"),
	    "domain_type", js("hvm"), "power_state", js("running"),
	    "last_boot_CPU_flags", jobj("vendor", js("GenuineIntel"),
	    "features", js(old4), NULL), NULL));
	if (expect_result(r, L("VM.import vm10 with the old format %s", old4),
	    &res)) {
		is_fs(jstr(res, "features"), &want,
		    "vm10: old words reordered, then h2's from the fifth");
		is_int(jbool(res, "legacy"), 1, "vm10: legacy true");
	}
	json_object_put(r);
	check_vm("vm10", "running", "h2", "hvm", H2.vendor, &want, 1);
	call_null("VM.destroy", jobj("vm", js("vm10"), NULL),
	    "VM.destroy vm10");
	r = call("VM.get_cpu_flags", jobj("vm", js("vm10"), NULL));
	expect_error(r, "vm10 is forgotten", 1, "HANDLE_INVALID", "VM",
	    "vm10");
	json_object_put(r);

	/*
	 * A shorter v2 set (more than 4 words): zero-extended, nothing taken
	 * from h2, not legacy (xenopsd's upgrade_featureset zero-pads).
	 */
	fs_from_words(&given, h3max->w, 8);
	want = given;
	for (i = 8; i < h2max->len && h2max->w[i] == 0; i++)
		;
	require(i < h2max->len, "data: h2's set has non-zero words past the "
	    "eighth (filling from the host would show)");
	r = call("VM.import", jobj("vm", js("vm11"), "host", js("h2"),
	    "domain_type", js("hvm"), "power_state", js("Suspended"),
	    "last_boot_CPU_flags", jobj("features", js(fmt(&given)), NULL),
	    NULL));
	if (expect_result(r, "VM.import vm11 Suspended with 8 words", &res)) {
		is_str(jstr(res, "vendor"), H2.vendor,
		    "vm11: missing vendor taken from h2");
		is_fs(jstr(res, "features"), &want,
		    "vm11: its 8 words, nothing of h2's");
		is_int(jbool(res, "legacy"), 0, "vm11: legacy false");
	}
	json_object_put(r);
	check_vm("vm11", "suspended", "h2", "hvm", H2.vendor, &want, 0);

	/*
	 * A longer set than the host's, with features in the words past
	 * the host's: the host cannot run it, and a running VM may not land.
	 */
	given = H3.fs[PV];
	require(given.len + 2 <= FS_MAX_WORDS && given.len == H2.fs[PV].len,
	    "data: room for two more words");
	given.w[given.len++] = 0x1;
	given.w[given.len++] = 0x2;
	r = call("VM.import", jobj("vm", js("vm12"), "host", js("h2"),
	    "domain_type", js("pv"), "power_state", js("running"),
	    "last_boot_CPU_flags", jobj("vendor", js("GenuineIntel"),
	    "features", js(fmt(&given)), NULL), NULL));
	expect_error(r, "VM.import vm12 running with bits past h2's words: "
	    "refused", 1, "VM_INCOMPATIBLE_WITH_THIS_HOST", "vm12", "h2",
	    R_FEATURES);
	json_object_put(r);
	/* Longer only by words of zeros: it fits, and is kept. */
	given.w[given.len - 2] = given.w[given.len - 1] = 0;
	r = call("VM.import", jobj("vm", js("vm12"), "host", js("h2"),
	    "domain_type", js("pv"), "power_state", js("running"),
	    "last_boot_CPU_flags", jobj("vendor", js("GenuineIntel"),
	    "features", js(fmt(&given)), NULL), NULL));
	if (expect_result(r, L("VM.import vm12 pv with %zu words (h2 has %zu)",
	    given.len, H2.fs[PV].len), &res)) {
		const char *s = jstr(res, "features");
		int good = s != NULL && fs_parse(s, &want, err,
		    sizeof(err)) == 0 && want.len >= given.len;

		for (i = 0; good && i < want.len; i++)
			good = want.w[i] == (i < given.len ? given.w[i] : 0);
		if (!ok(good, "vm12: the longer set is kept (zero-extended "
		    "at most)"))
			diag("  got '%s'\n#   want '%s'", s ? s : "(none)",
			    fmt(&given));
		/*
		 * Whether a VM that took nothing from its landing host is
		 * "legacy", the doc leaves open: only that it says.
		 */
		ok(jbool(res, "legacy") >= 0, "vm12: legacy is a boolean");
	}
	json_object_put(r);
	call_null("VM.destroy", jobj("vm", js("vm12"), NULL),
	    "VM.destroy vm12");

	/* A halted VM is just recorded, with the flags it brought. */
	r = call("VM.import", jobj("vm", js("vm13"), "host", js("h3"),
	    "domain_type", js("hvm"), "power_state", js("Halted"),
	    "last_boot_CPU_flags", jobj("vendor", js("GenuineIntel"),
	    "features", js(fmt(h3max)), NULL), NULL));
	expect_result(r, "VM.import vm13 Halted", NULL);
	json_object_put(r);
	check_vm("vm13", "halted", NULL, "hvm", "GenuineIntel", h3max, -1);
	vm_start("vm13", "h1", "hvm", H1.vendor, &L_3.fs[HVM_HOST],
	    "is the level once started");
	call_null("VM.shutdown", jobj("vm", js("vm13"), NULL),
	    "VM.shutdown vm13");

	/* The legacy VM carries h2's max set: not to h3, but to h1. */
	require(!compatible(h2max, h3max) && compatible(h2max, &H1.fs[HVM]),
	    "data: h2's max set fits h1, not h3");
	r = call("VM.migrate", jobj("vm", js("vm9"), "host", js("h3"), NULL));
	expect_error(r, "VM.migrate legacy vm9 to h3: refused", 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", "vm9", "h3", R_FEATURES);
	json_object_put(r);
	call_null("VM.migrate", jobj("vm", js("vm9"), "host", js("h1"), NULL),
	    "VM.migrate legacy vm9 to h1");
	check_vm("vm9", "running", "h1", "hvm", H2.vendor, h2max, 1);
	call_null("VM.shutdown", jobj("vm", js("vm9"), NULL),
	    "VM.shutdown vm9");
	vm_start("vm9", "h2", "hvm", H2.vendor, &L_3.fs[HVM_HOST],
	    "is the pool level once restarted");
	check_vm("vm9", "running", "h2", "hvm", H2.vendor, &L_3.fs[HVM_HOST],
	    0);
}

/* 9. An AMD host cannot join an Intel pool, nor take Intel VMs. */
static void
step9_vendor(void)
{
	const struct host *ma[] = { &A1 };
	json_object *before, *after, *r;

	host_boot(&A1, NULL, 0);
	r = call("Pool.get_cpu_info", jobj("pool", js("p1"), NULL));
	before = json_object_get(jget(r, "result", NULL));
	json_object_put(r);

	r = call("Pool.join", jobj("pool", js("p1"), "host", js("a1"), NULL));
	expect_error(r, "Pool.join p1 a1 (AMD)", 1, "HOSTS_NOT_HOMOGENEOUS",
	    "CPUs differ");
	json_object_put(r);
	r = call("Pool.get_cpu_info", jobj("pool", js("p1"), NULL));
	after = jget(r, "result", NULL);
	if (!ok(before != NULL && jequal(before, after),
	    "p1 is unchanged by the refused join")) {
		diag("  before: %s", jtext(before));
		diag("  after:  %s", jtext(after));
	}
	json_object_put(r);
	json_object_put(before);
	r = call("Pool.eject", jobj("pool", js("p1"), "host", js("a1"), NULL));
	expect_error(r, "Pool.eject p1 a1 (not a member)", 1,
	    "HOST_NOT_IN_POOL", "a1", "p1");
	json_object_put(r);

	r = call("VM.migrate", jobj("vm", js("vm1"), "host", js("a1"), NULL));
	expect_error(r, "VM.migrate Intel vm1 to AMD a1: refused", 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", "vm1", "a1", R_VENDOR);
	json_object_put(r);
	check_vm("vm1", "running", "h3", "hvm", H1.vendor, &vm1_set, 0);

	/*
	 * Its own pool (joined before a VM runs there: xapi refuses a
	 * joining host that runs VMs); a pool of one gives its member's own
	 * default set.  Not ejected (nor destroyed) while vm5 runs.
	 */
	pool_join("p2", "a1", -1);
	check_pool("p2", ma, 1);
	vm_start("vm5", "a1", "hvm", A1.vendor, &A1.fs[HVM_HOST],
	    "is a1's own default HVM set");
	r = call("VM.migrate", jobj("vm", js("vm5"), "host", js("h1"), NULL));
	expect_error(r, "VM.migrate AMD vm5 to Intel h1: refused", 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", "vm5", "h1", R_VENDOR);
	json_object_put(r);
	r = call("Pool.eject", jobj("pool", js("p2"), "host", js("a1"), NULL));
	expect_error(r, "Pool.eject p2 a1 while vm5 runs there", 1,
	    "HOST_HAS_RESIDENT_VMS", "a1");
	json_object_put(r);
	r = call("Host.destroy", jobj("host", js("a1"), NULL));
	expect_error(r, "Host.destroy a1 while vm5 runs there", 1,
	    "HOST_HAS_RESIDENT_VMS", "a1");
	json_object_put(r);
	call_null("VM.shutdown", jobj("vm", js("vm5"), NULL),
	    "VM.shutdown vm5");
	r = call("Pool.eject", jobj("pool", js("p2"), "host", js("a1"), NULL));
	expect_result(r, "Pool.eject p2 a1", NULL);
	json_object_put(r);
	r = call("Pool.get_cpu_info", jobj("pool", js("p2"), NULL));
	expect_error(r, "p2, left empty, is deleted", 1, "HANDLE_INVALID",
	    "pool", "p2");
	json_object_put(r);
	r = call("Pool.get_level_history", jobj("pool", js("p2"), NULL));
	ok(jget(r, "result", NULL) != NULL &&
	    json_object_is_type(jget(r, "result", NULL), json_type_array),
	    "a deleted pool's history is still returned");
	json_object_put(r);
	r = call("Pool.get_level_history", jobj("pool", js("never"), NULL));
	ok(jget(r, "result", NULL) != NULL &&
	    json_object_is_type(jget(r, "result", NULL), json_type_array) &&
	    jlen(jget(r, "result", NULL)) == 0,
	    "the history of a pool that never existed is empty");
	json_object_put(r);
	/* a1 stays (standalone) for the restarts; vm5 keeps its flags. */
	check_vm("vm5", "halted", NULL, "hvm", A1.vendor, &A1.fs[HVM_HOST], -1);
}

/* 10. h2 reboots without TSX (a microcode update). */
static void
step10_host_lost(void)
{
	const struct host *m4[] = { &H1, &H2, &H3 };
	struct host h2new = H2;
	struct featureset d;
	json_object *ev, *sets;
	int k, shrunk = 0;

	call_null("VM.shutdown", jobj("vm", js("vm9"), NULL),
	    "VM.shutdown vm9 (h2 is about to reboot)");
	for (k = 0; k < NKEYS; k++) {
		clear_named(&h2new.fs[k], "hle");
		clear_named(&h2new.fs[k], "rtm");
	}
	H2 = h2new;
	level_of(m4, 3, &L_4);
	require(levels_differ(&L_3, &L_4) &&
	    fs_test_bit(&L_3.fs[HVM_HOST], bit_of("rtm")),
	    "data: p1's level had rtm, h2 without TSX lowers it");

	events_reset(&F);
	host_boot(&H2, "p1", 1);
	check_host_info(&H2);

	ev = event_wait(&F, "host.features_lost", "h2", 3000);
	if (ok(ev != NULL, "a host.features_lost event for h2 arrives")) {
		check_notification(ev, "host.features_lost",
		    "Host.features_lost");
		is_str(jstr(ev, "msg.params.pool"), "p1",
		    "features_lost: pool p1");
		sets = jpath(ev, "msg.params.sets", NULL);
		for (k = 0; k < NKEYS; k++) {
			fs_diff(&H2_orig.fs[k], &H2.fs[k], &d);
			if (fs_is_zero(&d))
				continue;
			shrunk++;
			is_fs(jstr(sets, L("%s.old", keys[k])), &H2_orig.fs[k],
			    L("features_lost: %s.old", keys[k]));
			is_fs(jstr(sets, L("%s.new", keys[k])), &H2.fs[k],
			    L("features_lost: %s.new", keys[k]));
			is_names(jpath(sets, L("%s.lost", keys[k]), NULL), &d,
			    L("features_lost: %s.lost (%s)", keys[k],
			    names(&d)));
		}
		is_int(jkeys(sets), shrunk,
		    "features_lost: one entry per shrunk key");
	} else {
		events_show(&F);
	}
	check_level_event("p1", "Host.boot", "h2", &L_3, &L_4);
	check_pool("p1", m4, 3);
	ok(!fs_test_bit(&L_4.fs[HVM_HOST], bit_of("rtm")),
	    "p1's level has no rtm any more");

	/* vm1 keeps its TSX set: it can no longer go to h2. */
	require(!compatible(&vm1_set, &H2.fs[HVM]),
	    "data: vm1's set does not fit h2 without TSX");
	check_vm("vm1", "running", "h3", "hvm", H1.vendor, &vm1_set, 0);
	{
		json_object *r = call("VM.migrate", jobj("vm", js("vm1"),
		    "host", js("h2"), NULL));

		expect_error(r, "VM.migrate vm1 to h2 without TSX: refused", 1,
		    "VM_INCOMPATIBLE_WITH_THIS_HOST", "vm1", "h2", R_FEATURES);
		json_object_put(r);
	}
	/* vm2 too, until it reboots. */
	check_vm("vm2", "running", "h1", "pv", H1.vendor, &L_3.fs[PV_HOST], 0);
	vm_start("vm2", NULL, NULL, H1.vendor, &L_4.fs[PV_HOST],
	    "after reboot is the new PV level");
	check_vm("vm2", "running", "h1", "pv", H1.vendor, &L_4.fs[PV_HOST], 0);
}

/* 11. The level's history, newest first. */
static void
step11_history(void)
{
	static const struct { const char *event, *host; } want[] = {
		{ "Host.boot", "h2" }, { "Pool.join", "h3" },
		{ "Pool.join", "h2" }, { "Pool.join", "h1" }
	};
	const struct level *lv[][2] = {
		{ &L_3, &L_4 }, { &L_h1h2, &L_3 }, { &L_h1, &L_h1h2 },
		{ NULL, &L_h1 }
	};
	json_object *r, *res, *e, *seq;
	long long prev = 0;
	size_t i, n;
	int good = 1;

	r = call("Pool.get_level_history", jobj("pool", js("p1"), NULL));
	if (!expect_result(r, "Pool.get_level_history p1", &res))
		goto out;
	n = jlen(res);
	/* Whether creating the pool is a change of level, the doc leaves. */
	if (!ok(n == 3 || n == 4, L("p1's history has the 3 level changes "
	    "(and maybe the creation): %zu entries", n)))
		diag("  %s", jtext(res));
	for (i = 0; i < n && i < 4; i++) {
		e = jidx(res, i);
		seq = jget(e, "seq", NULL);
		if (seq == NULL || !json_object_is_type(seq, json_type_int) ||
		    (i > 0 && json_object_get_int64(seq) >= prev))
			good = 0;
		if (seq != NULL)
			prev = json_object_get_int64(seq);
		check_history_entry(e, want[i].event, want[i].host,
		    lv[i][0], lv[i][1]);
	}
	ok(good, "history: seq are integers, decreasing (newest first)");
	json_object_put(r);

	r = call("Pool.get_level_history", jobj("pool", js("p1"),
	    "limit", ji(1), NULL));
	if (expect_result(r, "Pool.get_level_history p1 limit 1", &res)) {
		is_int(jlen(res), 1, "limit 1: one entry");
		is_str(jstr(jidx(res, 0), "event"), "Host.boot",
		    "limit 1: the newest");
	}
	json_object_put(r);
	r = call("Pool.get_level_history", jobj("pool", js("p1"),
	    "limit", ji(0), NULL));
	expect_invalid_params(r, "history limit 0", "limit");
	json_object_put(r);
	r = call("Pool.get_level_history", jobj("pool", js("p1"),
	    "limit", ji(1001), NULL));
	expect_invalid_params(r, "history limit 1001", "limit");
	json_object_put(r);
	return;
out:
	json_object_put(r);
}

/* 12. State survives a clean stop, and an acknowledged change kill -9. */
static void
step12_durability(void)
{
	json_object *before, *after, *r, *res;
	struct featureset got;
	char err[256];
	const char *s;

	before = snapshot();
	fc_stop_checked(&F, "the daemon");
	fc_start_checked(&F, "the daemon (after SIGTERM)");
	after = snapshot();
	check_unchanged(before, after, "after a restart");
	json_object_put(after);

	/* Acknowledged, then killed at once. */
	call_null("VM.destroy", jobj("vm", js("vm11"), NULL),
	    "VM.destroy vm11");
	r = call("VM.start", jobj("vm", js("vm20"), "host", js("h1"),
	    "domain_type", js("hvm"), NULL));
	fc_kill_hard(&F);
	if (expect_result(r, "VM.start vm20 (then kill -9)", &res))
		is_fs(jstr(res, "features"), &L_4.fs[HVM_HOST],
		    "vm20: features are the level");
	s = jstr(res, "features");
	if (s == NULL || fs_parse(s, &got, err, sizeof(err)) != 0)
		got = L_4.fs[HVM_HOST];
	json_object_put(r);
	fc_start_checked(&F, "the daemon (after kill -9)");
	check_vm("vm20", "running", "h1", "hvm", H1.vendor, &got, 0);
	r = call("VM.get_cpu_flags", jobj("vm", js("vm11"), NULL));
	expect_error(r, "vm11's destruction survived kill -9", 1,
	    "HANDLE_INVALID", "VM", "vm11");
	json_object_put(r);
	json_object_object_del(before, "VM.get_cpu_flags vm11");
	after = snapshot();
	json_object_object_del(after, "VM.get_cpu_flags vm11");
	check_unchanged(before, after, "after kill -9");
	json_object_put(after);
	json_object_put(before);
}

/* A raw request: the error code, and whether the id must be null. */
static void
bad_raw(const char *msg, size_t len, int code, int id_null, const char *what)
{
	json_object *r = fc_call_raw(&F, msg, len);

	expect_error(r, L("%s: %d", what, code), code, NULL);
	if (id_null)
		ok(jis_null(r, "id"), L("%s: reply id null", what));
	if (code == -32700 || code == -32600)
		ok(jstr(r, "error.data") != NULL,
		    L("%s: data is a string", what));
	json_object_put(r);
}

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* 13. Broken requests: the right error, and nothing changes. */
static void
step13_bad_input(void)
{
	static const char garbage[] = "\x00\xffgarbage";
	json_object *before, *after, *r, *ci;
	char *big, *msg;
	size_t i, n;
	int s, t;

	before = snapshot();

	bad_raw(garbage, sizeof(garbage) - 1, -32700, 1, "garbage bytes");
	bad_raw("", 0, -32700, 1, "an empty message");
#define RAW(s) (s), sizeof(s) - 1
	bad_raw(RAW("{\"jsonrpc\":\"2.0\",\"id\":1,"), -32700, 1,
	    "truncated JSON");
	bad_raw(RAW("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"Service.version"
	    "\"}{}"), -32700, 1, "two JSON texts");
	bad_raw(RAW("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"Service.version\"}]"), -32600, 1, "a batch");
	bad_raw(RAW("\"Service.version\""), -32600, 1, "a JSON string");
	bad_raw(RAW("{\"id\":2,\"method\":\"Service.version\"}"), -32600, 0,
	    "no jsonrpc");
	bad_raw(RAW("{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":"
	    "\"Service.version\"}"), -32600, 0, "jsonrpc 1.0");
	bad_raw(RAW("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":"
	    "\"Service.version\"}"), -32600, 1, "id null");
	bad_raw(RAW("{\"jsonrpc\":\"2.0\",\"method\":\"Service.version\"}"),
	    -32600, 1, "no id");
	bad_raw(RAW("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":"
	    "\"Service.version\"}"), -32600, 1, "id an object");
	bad_raw(RAW("{\"jsonrpc\":\"2.0\",\"id\":[4],\"method\":"
	    "\"Service.version\"}"), -32600, 1, "id an array");
	bad_raw(RAW("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":7}"), -32600, 0,
	    "method not a string");
	bad_raw(RAW("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":"
	    "\"Host.get_cpu_info\",\"params\":[\"h1\"]}"), -32602, 0,
	    "params an array");

	/* A string id is echoed. */
	r = fc_call_raw(&F, RAW("{\"jsonrpc\":\"2.0\",\"id\":\"OpaqueRef:x\","
	    "\"method\":\"Service.version\"}"));
	expect_result(r, "a string id is fine", NULL);
	is_str(jstr(r, "id"), "OpaqueRef:x", "a string id is echoed");
	json_object_put(r);
#undef RAW

	r = call("Host.nope", jobj("host", js("h1"), NULL));
	expect_error(r, "unknown method", -32601, NULL);
	is_str(jstr(r, "error.data"), "Host.nope",
	    "-32601: data is the method");
	json_object_put(r);

	r = call("Host.get_cpu_info", jobj("host", ji(5), NULL));
	expect_invalid_params(r, "host: 5", "host");
	json_object_put(r);
	r = call("Host.get_cpu_info", jobj("host", js("h1"),
	    "hots", js("h2"), NULL));
	expect_invalid_params(r, "an unknown parameter is named", "hots");
	json_object_put(r);
	r = call("Host.get_cpu_info", NULL);
	expect_invalid_params(r, "a missing parameter is named", "host");
	json_object_put(r);
	r = call("Service.version", jobj("dbg", ji(5), NULL));
	expect_invalid_params(r, "dbg: 5", "dbg");
	json_object_put(r);
	big = repeat('d', 257);
	r = call("Service.version", jobj("dbg", js(big), NULL));
	expect_invalid_params(r, "dbg of 257 characters", "dbg");
	json_object_put(r);
	big[256] = '\0';
	r = call("Service.version", jobj("dbg", js(big), NULL));
	expect_result(r, "dbg of 256 characters is fine", NULL);
	json_object_put(r);
	free(big);

	/* Ids. */
	big = repeat('h', 100 * 1024);
	r = call("Host.get_cpu_info", jobj("host", js(big), NULL));
	expect_invalid_params(r, "a 100 KiB host id", "host");
	json_object_put(r);
	big[65] = '\0';
	r = call("Host.get_cpu_info", jobj("host", js(big), NULL));
	expect_invalid_params(r, "a 65-character host id", "host");
	json_object_put(r);
	big[64] = '\0';
	r = call("Host.get_cpu_info", jobj("host", js(big), NULL));
	expect_error(r, "a 64-character host id is an id", 1,
	    "HANDLE_INVALID", "host", big);
	json_object_put(r);
	free(big);
	r = call("Host.get_cpu_info", jobj("host", js("OpaqueRef:a1_b2.c-3"),
	    NULL));
	expect_error(r, "every id character class is an id", 1,
	    "HANDLE_INVALID", "host", "OpaqueRef:a1_b2.c-3");
	json_object_put(r);
	r = call("Host.get_cpu_info", jobj("host", js("a b"), NULL));
	expect_invalid_params(r, "host id 'a b'", "host");
	json_object_put(r);
	r = call("Host.get_cpu_info", jobj("host", js("h/1"), NULL));
	expect_invalid_params(r, "host id 'h/1'", "host");
	json_object_put(r);
	r = call("VM.get_cpu_flags", jobj("vm", js(""), NULL));
	expect_invalid_params(r, "vm id ''", "vm");
	json_object_put(r);
	r = call("Pool.get_cpu_info", jobj("pool", js("p\xc3\xa9"), NULL));
	expect_invalid_params(r, "a non-ASCII pool id", "pool");
	json_object_put(r);

	r = call("Host.get_cpu_info", jobj("host", js("nope"), NULL));
	expect_error(r, "unknown host", 1, "HANDLE_INVALID", "host", "nope");
	json_object_put(r);
	r = call("Pool.get_cpu_info", jobj("pool", js("nope"), NULL));
	expect_error(r, "unknown pool", 1, "HANDLE_INVALID", "pool", "nope");
	json_object_put(r);
	r = call("VM.get_cpu_flags", jobj("vm", js("nope"), NULL));
	expect_error(r, "unknown VM", 1, "HANDLE_INVALID", "VM", "nope");
	json_object_put(r);
	r = call("VM.migrate", jobj("vm", js("vm1"), "host", js("nope"),
	    NULL));
	expect_error(r, "VM.migrate to an unknown host", 1, "HANDLE_INVALID",
	    "host", "nope");
	json_object_put(r);
	r = call("Pool.join", jobj("pool", js("p1"), "host", js("nope"),
	    NULL));
	expect_error(r, "Pool.join of an unknown host", 1, "HANDLE_INVALID",
	    "host", "nope");
	json_object_put(r);

	/* Values. */
	r = call("VM.start", jobj("vm", js("vm30"), "host", js("h1"),
	    "domain_type", js("xen"), NULL));
	expect_invalid_params(r, "domain_type 'xen'", "domain_type");
	json_object_put(r);
	r = call("VM.import", jobj("vm", js("vm30"), "host", js("h1"),
	    "domain_type", js("hvm"), "power_state", js("PAUSED"), NULL));
	expect_invalid_params(r, "power_state 'PAUSED'", "power_state");
	json_object_put(r);
	r = call("VM.start", jobj("vm", js("vm30"), "host", js("h1"),
	    "domain_type", js("hvm"), "featureset", js("123456789"), NULL));
	expect_error(r, "a 9-digit featureset word", 1,
	    "INVALID_FEATURE_STRING", "123456789");
	json_object_put(r);
	r = call("VM.get_cpu_flags", jobj("vm", js("vm30"), NULL));
	expect_error(r, "refused requests created no vm30", 1,
	    "HANDLE_INVALID", "VM", "vm30");
	json_object_put(r);

	ci = cpu_info(&H1);
	json_object_object_add(ci, "features_hvm", js("xyz"));
	r = call("Host.boot", jobj("host", js("hbad"), "cpu_info", ci, NULL));
	expect_error(r, "Host.boot with features_hvm 'xyz'", 1,
	    "INVALID_FEATURE_STRING", "xyz");
	json_object_put(r);
	r = call("Host.get_cpu_info", jobj("host", js("hbad"), NULL));
	expect_error(r, "the refused host was not registered", 1,
	    "HANDLE_INVALID", "host", "hbad");
	json_object_put(r);
	ci = cpu_info(&H1);
	json_object_object_add(ci, "features_pv_host", js("1-2-zz"));
	r = call("Host.boot", jobj("host", js("h1"), "cpu_info", ci, NULL));
	expect_error(r, "Host.boot h1 with features_pv_host '1-2-zz'", 1,
	    "INVALID_FEATURE_STRING", "1-2-zz");
	json_object_put(r);
	/* 65 words. */
	msg = repeat('0', 65 * 2 - 1);
	for (i = 1; i < 65 * 2 - 1; i += 2)
		msg[i] = '-';
	ci = cpu_info(&H1);
	json_object_object_add(ci, "features_hvm", js(msg));
	r = call("Host.boot", jobj("host", js("h1"), "cpu_info", ci, NULL));
	expect_error(r, "Host.boot h1 with a 65-word featureset", 1,
	    "INVALID_FEATURE_STRING", msg);
	json_object_put(r);
	free(msg);
	ci = cpu_info(&H1);
	json_object_object_add(ci, "cpu_count", ji(8));
	r = call("Host.boot", jobj("host", js("h1"), "cpu_info", ci, NULL));
	expect_invalid_params(r, "cpu_info with a non-string value",
	    "cpu_info");
	json_object_put(r);
	ci = cpu_info(&H1);
	json_object_object_del(ci, "vendor");
	r = call("Host.boot", jobj("host", js("hnovendor"), "cpu_info", ci,
	    NULL));
	/*
	 * The doc has two readings: HOST_MISSING_CPU_INFO [host, "vendor"]
	 * (its table) or -32602 naming cpu_info (a bad parameter value).
	 */
	if (streq(jstr(r, "error.message"), "HOST_MISSING_CPU_INFO"))
		expect_error(r, "Host.boot without a vendor", 1,
		    "HOST_MISSING_CPU_INFO", "hnovendor", "vendor");
	else
		expect_invalid_params(r, "Host.boot without a vendor",
		    "cpu_info");
	json_object_put(r);
	r = call("Host.get_cpu_info", jobj("host", js("hnovendor"), NULL));
	expect_error(r, "the vendorless host was not registered", 1,
	    "HANDLE_INVALID", "host", "hnovendor");
	json_object_put(r);

	/* 2 MiB: dropped by nanomsg, never answered; the daemon goes on. */
	n = 2 * 1024 * 1024;
	big = repeat('h', n);
	msg = malloc(n + 128);
	if (msg == NULL)
		abort();
	t = snprintf(msg, n + 128, "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":"
	    "\"Host.get_cpu_info\",\"params\":{\"host\":\"%s\"}}", big);
	s = fc_req_socket(F.rpc, 2000, 2000);
	if (ok(s >= 0, "a second REQ socket")) {
		void *buf = NULL;
		int sent = nn_send(s, msg, (size_t)t, 0), got;

		if (sent < 0)
			diag("  sending 2 MiB: %s", nn_strerror(nn_errno()));
		got = nn_recv(s, &buf, NN_MSG, 0);
		if (!ok(got < 0, "a 2 MiB request gets no reply"))
			nn_freemsg(buf);
		nn_close(s);
	}
	free(msg);
	free(big);
	ok(fc_alive(&F), "the daemon survives a 2 MiB request");

	r = call("Service.version", NULL);
	expect_result(r, "Service.version still answers after it all", NULL);
	json_object_put(r);
	after = snapshot();
	check_unchanged(before, after, "after the bad requests");
	json_object_put(after);
	json_object_put(before);
}

/* 14. SIGTERM: a clean exit. */
/*
 * 14. Placements the rules forbid, which an independent review found let
 * through: each is refused with a clear error and changes nothing.  New
 * hosts, pools and VMs, apart from the story's.
 */
static void
step14_forbidden(void)
{
	struct host full = H1, nokeys = H1, amd = A1, intel = H3, gone = H1;
	json_object *r, *res, *ev, *sets;
	int k;

	/* A pool member without HVM keys cannot start the pool's level. */
	full.id = "fx";
	nokeys.id = "fn";
	nokeys.has[HVM] = nokeys.has[HVM_HOST] = 0;
	host_boot(&full, NULL, 0);
	host_boot(&nokeys, NULL, 0);
	pool_join("px", "fx", 1);
	pool_join("px", "fn", 0);
	r = call("VM.start", jobj("vm", js("vx1"), "host", js("fn"),
	    "domain_type", js("hvm"), NULL));
	expect_error(r, "VM.start hvm on a member without HVM keys: refused",
	    1, "VM_INCOMPATIBLE_WITH_THIS_HOST", "vx1", "fn", R_NOKEYS);
	json_object_put(r);
	r = call("VM.get_cpu_flags", jobj("vm", js("vx1"), NULL));
	expect_error(r, "the refused VM was not recorded", 1, "HANDLE_INVALID",
	    "VM", "vx1");
	json_object_put(r);
	vm_start("vx1", "fx", "hvm", H1.vendor, &H1.fs[HVM_HOST],
	    "on the member with keys: the level");

	/*
	 * A member that boots with the other vendor's CPU: a boot is a fact,
	 * so it is recorded; the pool now mixes vendors, as a forced join
	 * would have made it, and keeps its vendor while a member has it.
	 */
	amd.id = "fn";
	r = call("Host.boot", jobj("host", js("fn"), "cpu_info",
	    cpu_info(&amd), NULL));
	if (expect_result(r, "Host.boot of px's member fn with an AMD CPU: "
	    "recorded", &res))
		is_str(jstr(res, "pool"), "px", "fn is still in px");
	json_object_put(r);
	r = call("Host.get_cpu_info", jobj("host", js("fn"), NULL));
	if (expect_result(r, "Host.get_cpu_info fn", &res))
		is_str(jstr(res, "vendor"), A1.vendor, "fn's record is its "
		    "new CPU's");
	json_object_put(r);
	r = call("Pool.get_cpu_info", jobj("pool", js("px"), NULL));
	if (expect_result(r, "Pool.get_cpu_info px", &res))
		is_str(jstr(res, "vendor"), H1.vendor, "px keeps its vendor: "
		    "fx still has it");
	json_object_put(r);
	r = call("VM.migrate", jobj("vm", js("vx1"), "host", js("fn"), NULL));
	expect_error(r, "VM.migrate vx1 (Intel) to fn (now AMD): refused", 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", "vx1", "fn", R_VENDOR);
	json_object_put(r);

	/*
	 * A pool's vendor is its members', not its founder's: with the
	 * founder gone, a pool forced to mix takes its first member's.
	 */
	{
		struct host hygon = A1;

		hygon.id = "qh";
		hygon.vendor = "HygonGenuine";
		intel.id = "qi";
		amd.id = "qa";
		host_boot(&intel, NULL, 0);
		host_boot(&amd, NULL, 0);
		host_boot(&hygon, NULL, 0);
		pool_join("pq", "qi", 1);
		r = call("Pool.join", jobj("pool", js("pq"), "host", js("qa"),
		    "force", jb(1), NULL));
		expect_result(r, "Pool.join pq qa (AMD) with force", NULL);
		json_object_put(r);
		r = call("Pool.join", jobj("pool", js("pq"), "host", js("qh"),
		    "force", jb(1), NULL));
		expect_result(r, "Pool.join pq qh (Hygon) with force", NULL);
		json_object_put(r);
		r = call("Pool.eject", jobj("pool", js("pq"), "host", js("qi"),
		    NULL));
		expect_result(r, "Pool.eject pq qi: no Intel member is left",
		    NULL);
		json_object_put(r);
		r = call("Pool.get_cpu_info", jobj("pool", js("pq"), NULL));
		if (expect_result(r, "Pool.get_cpu_info pq", &res))
			is_str(jstr(res, "vendor"), A1.vendor,
			    "pq's vendor is its first member's (qa, AMD)");
		json_object_put(r);
		r = call("Pool.join", jobj("pool", js("pq"), "host", js("qi"),
		    NULL));
		expect_error(r, "Pool.join pq qi (Intel) without force: "
		    "refused", 1, "HOSTS_NOT_HOMOGENEOUS", "CPUs differ");
		json_object_put(r);
	}

	/* A set that vanishes at a boot is reported lost, all of it. */
	gone.id = "fg";
	host_boot(&gone, NULL, 0);
	gone.has[HVM] = gone.has[HVM_HOST] = 0;
	events_reset(&F);
	host_boot(&gone, NULL, 0);
	ev = event_wait(&F, "host.features_lost", "fg", 3000);
	if (ok(ev != NULL, "a host.features_lost event for fg arrives")) {
		sets = jpath(ev, "msg.params.sets", NULL);
		for (k = HVM; k <= HVM_HOST; k += HVM_HOST - HVM) {
			is_fs(jstr(sets, L("%s.old", keys[k])), &H1.fs[k],
			    L("fg: %s.old", keys[k]));
			is_str(jstr(sets, L("%s.new", keys[k])), "",
			    L("fg: %s.new is empty", keys[k]));
			is_names(jpath(sets, L("%s.lost", keys[k]), NULL),
			    &H1.fs[k], L("fg: all of %s is lost", keys[k]));
		}
		is_int(jkeys(sets), 2, "fg: only the two HVM sets");
	} else
		events_show(&F);

	/* A host must name its vendor; a VM's empty vendor is its host's. */
	{
		struct host novendor = H1;

		novendor.id = "fv";
		novendor.vendor = "";
		r = call("Host.boot", jobj("host", js("fv"), "cpu_info",
		    cpu_info(&novendor), NULL));
		expect_invalid_params(r, "Host.boot with vendor \"\"",
		    "cpu_info");
		json_object_put(r);
	}
	/* An empty vendor is copied as it is, and judged (xapi's import). */
	r = call("VM.import", jobj("vm", js("vx2"), "host", js("fx"),
	    "domain_type", js("hvm"), "power_state", js("running"),
	    "last_boot_CPU_flags", jobj("vendor", js(""), NULL), NULL));
	expect_error(r, "VM.import vx2 running with vendor \"\": reason 1", 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", "vx2", "fx", R_VENDOR);
	json_object_put(r);

	/* An empty default set is none, standalone as in a pool. */
	{
		struct host e = H1;

		e.id = "fe";
		fs_clear(&e.fs[HVM_HOST]);
		host_boot(&e, NULL, 0);
		r = call("VM.start", jobj("vm", js("vx4"), "host", js("fe"),
		    "domain_type", js("hvm"), NULL));
		expect_error(r, "VM.start hvm on a host whose default HVM set "
		    "is \"\"", 1, "HOST_MISSING_CPU_INFO", "fe",
		    "features_hvm_host");
		json_object_put(r);
	}

	/* A count is digits only: " 8" and "+8" count as none. */
	{
		struct host c1 = H1, c2 = H1, c3 = H1;

		c1.id = "fc1";
		c1.cpu_count = "+8";
		c2.id = "fc2";
		c2.cpu_count = " 8";
		c3.id = "fc3";
		c3.cpu_count = "16";
		host_boot(&c1, NULL, 0);
		host_boot(&c2, NULL, 0);
		host_boot(&c3, NULL, 0);
		pool_join("pc", "fc1", 1);
		pool_join("pc", "fc2", 0);
		pool_join("pc", "fc3", 0);
		r = call("Pool.get_cpu_info", jobj("pool", js("pc"), NULL));
		if (expect_result(r, "Pool.get_cpu_info pc", &res))
			is_str(jstr(res, "cpu_count"), "16",
			    "pc's cpu_count: \"+8\" and \" 8\" count as 0");
		json_object_put(r);
	}

	/* A running VM from another vendor may not land. */
	r = call("VM.import", jobj("vm", js("vx3"), "host", js("fx"),
	    "domain_type", js("hvm"), "power_state", js("running"),
	    "last_boot_CPU_flags", jobj("vendor", js(A1.vendor), "features",
	    js(fmt(&A1.fs[HVM])), NULL), NULL));
	expect_error(r, "VM.import vx3 running from an AMD host onto fx: "
	    "refused", 1, "VM_INCOMPATIBLE_WITH_THIS_HOST", "vx3", "fx",
	    R_VENDOR);
	json_object_put(r);
}

/* ---- 16. levelling exactly as xapi and XCP-ng ------------------------ */

/* h's four sets with the named feature set (on) or cleared (off). */
static void
host_set_named(struct host *h, const char *name, int on)
{
	int k;

	for (k = 0; k < NKEYS; k++) {
		if (on)
			set_bit(&h->fs[k], bit_of(name));
		else
			clear_named(&h->fs[k], name);
	}
}

/* Host.boot h with hvm_capable as given. */
static void
host_boot_hvm(const struct host *h, int hvm_capable)
{
	json_object *r = call("Host.boot", jobj("host", js(h->id), "cpu_info",
	    cpu_info(h), "hvm_capable", jb(hvm_capable), NULL));

	expect_result(r, L("Host.boot %s hvm_capable=%d", h->id, hvm_capable),
	    NULL);
	json_object_put(r);
}

/*
 * The pool level is Xen's combine: a pool whose members both have
 * ARCH_CAPS and EIBRS, one of them RRSBA, keeps RRSBA in its level (its
 * VMs must be told retpoline is unsafe somewhere in the pool); a member
 * without EIBRS turns it into RSBA.  The expectation is the rule as
 * proto/README.md states it, by ref_combine (models.h).
 */
static void
levelling_rsba(void)
{
	struct host r1 = H1, r2 = H1, r3 = H1;
	const struct host *m[3] = { &r1, &r2, &r3 };
	struct featureset and;
	struct level lv;
	unsigned int rrsba = bit_of("rrsba"), rsba = bit_of("rsba");
	size_t i;

	r1.id = "xr1";
	r2.id = "xr2";
	r3.id = "xr3";
	for (i = 0; i < 3; i++) {
		struct host *h = (struct host *)m[i];

		host_set_named(h, "arch-caps", 1);
		host_set_named(h, "ibrsb", 1);
		host_set_named(h, "eibrs", 1);
		/*
		 * As libxenguest fakes up an Intel host's HVM max set: any VM
		 * that saw RSBA or RRSBA elsewhere may arrive.
		 */
		set_bit(&h->fs[HVM], rsba);
		set_bit(&h->fs[HVM], rrsba);
	}
	set_bit(&r1.fs[HVM_HOST], rrsba);
	set_bit(&r1.fs[PV_HOST], rrsba);
	host_boot(&r1, NULL, 0);
	host_boot(&r2, NULL, 0);
	pool_join("xr", "xr1", 1);
	pool_join("xr", "xr2", -1);
	level_of(m, 2, &lv);
	ok(fs_test_bit(&lv.fs[HVM_HOST], rrsba) &&
	    !fs_test_bit(&lv.fs[HVM_HOST], rsba), "ref: EIBRS everywhere, "
	    "one RRSBA member: the level has RRSBA");
	fs_intersect(&r1.fs[HVM_HOST], &r2.fs[HVM_HOST], &and);
	ok(!fs_test_bit(&and, rrsba), "a plain intersection would have "
	    "lost RRSBA (the bug this guards against)");
	check_pool("xr", m, 2);
	vm_start("xrv", "xr2", "hvm", H1.vendor, &lv.fs[HVM_HOST],
	    "the combined level, RRSBA included");
	call_null("VM.shutdown", jobj("vm", js("xrv"), NULL),
	    "VM.shutdown xrv");
	/* A member without EIBRS: the level says RSBA instead. */
	host_set_named(&r3, "eibrs", 0);
	host_boot(&r3, NULL, 0);
	pool_join("xr", "xr3", -1);
	level_of(m, 3, &lv);
	ok(fs_test_bit(&lv.fs[HVM_HOST], rsba) &&
	    !fs_test_bit(&lv.fs[HVM_HOST], rrsba), "ref: a member without "
	    "EIBRS: the level has RSBA, not RRSBA");
	check_pool("xr", m, 3);
}

/*
 * Deep dependencies: a member that lacks AVX (but, inconsistently,
 * reports AVX2 and AVX-512) takes them all out of the level.
 */
static void
levelling_deep_deps(void)
{
	struct host d1 = H1, d2 = H1;
	const struct host *m[2] = { &d1, &d2 };
	struct level lv;

	d1.id = "xd1";
	d2.id = "xd2";
	host_set_named(&d1, "avx", 0);
	host_boot(&d1, NULL, 0);
	host_boot(&d2, NULL, 0);
	pool_join("xd", "xd1", 1);
	pool_join("xd", "xd2", -1);
	level_of(m, 2, &lv);
	ok(fs_test_bit(&H1.fs[HVM_HOST], bit_of("avx2")) &&
	    fs_test_bit(&d1.fs[HVM_HOST], bit_of("avx2")) &&
	    !fs_test_bit(&lv.fs[HVM_HOST], bit_of("avx2")) &&
	    !fs_test_bit(&lv.fs[HVM_HOST], bit_of("fma")) &&
	    !fs_test_bit(&lv.fs[HVM_HOST], bit_of("avx512f")),
	    "ref: both report AVX2, one lacks AVX: no AVX2, FMA, AVX512F");
	check_pool("xd", m, 2);
}

/* Edge case 1: the host is looked up first (reason 3, whatever the VM). */
static void
levelling_host_first(void)
{
	struct host nk = H1;
	json_object *r;

	nk.id = "xk";
	nk.has[HVM] = 0;
	host_boot(&nk, NULL, 0);
	/* A VM without flags, from another vendor: still reason 3. */
	r = call("VM.import", jobj("vm", js("xk1"), "host", js("xk"),
	    "domain_type", js("hvm"), "power_state", js("running"),
	    "last_boot_CPU_flags", jobj("vendor", js(A1.vendor), NULL),
	    NULL));
	expect_error(r, "VM.import onto a host without features_hvm, another "
	    "vendor: reason 3 first", 1, "VM_INCOMPATIBLE_WITH_THIS_HOST",
	    "xk1", "xk", R_NOKEYS);
	json_object_put(r);
	r = call("VM.import", jobj("vm", js("xk2"), "host", js("xk"),
	    "domain_type", js("hvm"), "power_state", js("suspended"), NULL));
	expect_error(r, "VM.import of a VM with no flags onto a host without "
	    "features_hvm: reason 3", 1, "VM_INCOMPATIBLE_WITH_THIS_HOST",
	    "xk2", "xk", R_NOKEYS);
	json_object_put(r);
}

/* Edge case 2: a present but empty set is compatible anywhere. */
static void
levelling_empty_set(void)
{
	struct featureset none;
	json_object *r, *res;

	fs_clear(&none);
	r = call("VM.start", jobj("vm", js("xe1"), "host", js("h3"),
	    "domain_type", js("hvm"), "featureset", js(""), NULL));
	if (expect_result(r, "VM.start with the empty featureset", &res))
		is_str(jstr(res, "features"), "", "xe1: features \"\"");
	json_object_put(r);
	call_null("VM.migrate", jobj("vm", js("xe1"), "host", js("h1"), NULL),
	    "VM.migrate xe1 (empty set) to h1: compatible");
	check_vm("xe1", "running", "h1", "hvm", H1.vendor, &none, 0);
	call_null("VM.shutdown", jobj("vm", js("xe1"), NULL),
	    "VM.shutdown xe1");
}

/*
 * Edge case 3: a v2 set shorter than the host's is zero-extended, not
 * filled from the host; only a missing or <= 4-word set inherits.
 */
static void
levelling_short_import(void)
{
	struct featureset nine = H1.fs[HVM], four, want;
	json_object *r, *res;
	size_t i;

	nine.len = 9;
	r = call("VM.import", jobj("vm", js("xs9"), "host", js("h1"),
	    "domain_type", js("hvm"), "power_state", js("running"),
	    "last_boot_CPU_flags", jobj("vendor", js(H1.vendor), "features",
	    js(fmt(&nine)), NULL), NULL));
	if (expect_result(r, "VM.import of a 9-word set", &res)) {
		is_fs(jstr(res, "features"), &nine, "xs9: its 9 words, "
		    "nothing taken from the host");
		is_int(jbool(res, "legacy"), 0, "xs9: not legacy");
	}
	json_object_put(r);
	/* 5 words: v2 already. */
	four = H1.fs[HVM];
	four.len = 5;
	r = call("VM.import", jobj("vm", js("xs5"), "host", js("h1"),
	    "domain_type", js("hvm"), "power_state", js("running"),
	    "last_boot_CPU_flags", jobj("vendor", js(H1.vendor), "features",
	    js(fmt(&four)), NULL), NULL));
	if (expect_result(r, "VM.import of a 5-word set", &res)) {
		is_fs(jstr(res, "features"), &four, "xs5: its 5 words");
		is_int(jbool(res, "legacy"), 0, "xs5: not legacy");
	}
	json_object_put(r);
	/* 3 words: pre-Dundee, the rest from the host. */
	four.len = 3;
	want = H1.fs[HVM];
	for (i = 0; i < 3; i++)
		want.w[i] = four.w[i];
	r = call("VM.import", jobj("vm", js("xs3"), "host", js("h1"),
	    "domain_type", js("hvm"), "power_state", js("running"),
	    "last_boot_CPU_flags", jobj("vendor", js(H1.vendor), "features",
	    js(fmt(&four)), NULL), NULL));
	if (expect_result(r, "VM.import of a 3-word set", &res)) {
		is_fs(jstr(res, "features"), &want, "xs3: its 3 words, the "
		    "host's from the fourth on");
		is_int(jbool(res, "legacy"), 1, "xs3: legacy");
	}
	json_object_put(r);
	for (i = 0; i < 3; i++) {
		const char *vm = i == 0 ? "xs9" : i == 1 ? "xs5" : "xs3";

		call_null("VM.shutdown", jobj("vm", js(vm), NULL),
		    L("VM.shutdown %s", vm));
	}
}

/*
 * Edge case 4: the CPU check comes before the HVM check.  A host that
 * runs no HVM guest and lacks the VM's features: reason 2; one that has
 * them: VM_HVM_REQUIRED.
 */
static void
levelling_cpu_before_hvm(void)
{
	struct host weak = H3, strong = H1, home = H1;
	json_object *r;

	weak.id = "xw";
	strong.id = "xst";
	home.id = "xhome";
	host_boot_hvm(&weak, 0);
	host_boot_hvm(&strong, 0);
	host_boot(&home, NULL, 0);
	vm_start("xh1", "xhome", "hvm", H1.vendor, &H1.fs[HVM_HOST],
	    "standalone xhome's own set");
	ok(!compatible(&H1.fs[HVM_HOST], &H3.fs[HVM]), "data: h1's set does "
	    "not fit a Haswell");
	r = call("VM.migrate", jobj("vm", js("xh1"), "host", js("xw"), NULL));
	expect_error(r, "VM.migrate to a non-HVM host lacking its features: "
	    "reason 2, not VM_HVM_REQUIRED", 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", "xh1", "xw", R_FEATURES);
	json_object_put(r);
	r = call("VM.migrate", jobj("vm", js("xh1"), "host", js("xst"),
	    NULL));
	expect_error(r, "VM.migrate to a non-HVM host with its features: "
	    "VM_HVM_REQUIRED", 1, "VM_HVM_REQUIRED", "xh1");
	json_object_put(r);
	call_null("VM.shutdown", jobj("vm", js("xh1"), NULL),
	    "VM.shutdown xh1");
}

/*
 * Edge cases 6 and 7: a joining host may not run VMs; a suspended VM is
 * resident nowhere, so it blocks neither a join, an eject nor a destroy,
 * and its fixed set goes with it.
 */
static void
levelling_resident(void)
{
	struct host j = H1, k = H1;
	json_object *r;

	j.id = "xj";
	k.id = "xj2";
	host_boot(&j, NULL, 0);
	host_boot(&k, NULL, 0);
	pool_join("xjp", "xj2", 1);
	vm_start("xjv", "xj", "hvm", H1.vendor, &H1.fs[HVM_HOST],
	    "standalone xj's own set");
	r = call("Pool.join", jobj("pool", js("xjp"), "host", js("xj"),
	    NULL));
	expect_error(r, "Pool.join of a host running a VM: refused", 1,
	    "JOINING_HOST_CANNOT_HAVE_RUNNING_VMS");
	json_object_put(r);
	call_null("VM.suspend", jobj("vm", js("xjv"), NULL),
	    "VM.suspend xjv");
	pool_join("xjp", "xj", -1);
	r = call("Pool.eject", jobj("pool", js("xjp"), "host", js("xj"),
	    NULL));
	expect_result(r, "Pool.eject of a host with only a suspended VM",
	    NULL);
	json_object_put(r);
	call_null("Host.destroy", jobj("host", js("xj"), NULL),
	    "Host.destroy of a host with only a suspended VM");
	call_null("VM.resume", jobj("vm", js("xjv"), "host", js("xj2"),
	    NULL), "VM.resume xjv elsewhere");
	check_vm("xjv", "running", "xj2", "hvm", H1.vendor, &H1.fs[HVM_HOST],
	    0);
	r = call("VM.import", jobj("vm", js("xjp1"), "host", js("xj2"),
	    "domain_type", js("hvm"), "power_state", js("Paused"),
	    "last_boot_CPU_flags", jobj("vendor", js(H1.vendor), "features",
	    js(fmt(&H1.fs[HVM_HOST])), NULL), NULL));
	expect_result(r, "VM.import of a Paused VM", NULL);
	json_object_put(r);
	check_vm("xjp1", "running", "xj2", "hvm", H1.vendor, NULL, 0);
	/* A paused VM is a running one: its host cannot join a pool. */
	{
		struct host p = H1;

		p.id = "xjpz";
		host_boot(&p, NULL, 0);
		r = call("VM.import", jobj("vm", js("xjpz1"), "host",
		    js("xjpz"), "domain_type", js("hvm"), "power_state",
		    js("Paused"), "last_boot_CPU_flags", jobj("vendor",
		    js(H1.vendor), "features", js(fmt(&H1.fs[HVM_HOST])),
		    NULL), NULL));
		expect_result(r, "VM.import of a Paused VM on xjpz", NULL);
		json_object_put(r);
		r = call("Pool.join", jobj("pool", js("xjp"), "host",
		    js("xjpz"), NULL));
		expect_error(r, "Pool.join of a host with a paused VM: "
		    "refused", 1, "JOINING_HOST_CANNOT_HAVE_RUNNING_VMS");
		json_object_put(r);
	}
	r = call("Pool.eject", jobj("pool", js("xjp"), "host", js("xj2"),
	    NULL));
	expect_error(r, "Pool.eject of a host running VMs: refused", 1,
	    "HOST_HAS_RESIDENT_VMS", "xj2");
	json_object_put(r);
}

/* The first feature the header marks '|' (accumulated), or NULL. */
static const struct feature_desc *
first_accumulated(void)
{
	size_t i;

	for (i = 0; i < feature_table_len; i++)
		if (feature_table[i].flags & FEAT_ACCUMULATE)
			return &feature_table[i];
	return NULL;
}

/*
 * Bits the header marks '|' (XCP-ng 8.3's: NO_LMSL, MD_CLEAR, FB_CLEAR,
 * RFDS_CLEAR) are OR-ed into the level, yet a VM that has one may not
 * move to a host that lacks it: no exemption in the compatibility rule.
 * Debian's header marks none; scripts/dev test also builds against a
 * header marked as XCP-ng's is, where this runs.
 */
static void
levelling_accumulated(void)
{
	const struct feature_desc *d = first_accumulated();
	struct host o1 = H1, o2 = H1;
	const struct host *m[2] = { &o1, &o2 };
	struct level lv;
	json_object *r;
	int k;

	if (d == NULL) {
		diag("the header marks no feature '|': nothing accumulates "
		    "(Debian's 4.17 header); the XCP-ng-marked build tests it");
		return;
	}
	diag("'|' feature: %s", d->name);
	o1.id = "xo1";
	o2.id = "xo2";
	for (k = 0; k < NKEYS; k++) {
		set_bit(&o1.fs[k], d->index);
		clear_bit(&o2.fs[k], d->index);
	}
	host_boot(&o1, NULL, 0);
	host_boot(&o2, NULL, 0);
	pool_join("xo", "xo1", 1);
	pool_join("xo", "xo2", -1);
	level_of(m, 2, &lv);
	ok(fs_test_bit(&lv.fs[HVM_HOST], d->index), L("ref: %s, which one "
	    "member has, is in the level", d->name));
	check_pool("xo", m, 2);
	vm_start("xov", "xo1", "hvm", H1.vendor, &lv.fs[HVM_HOST],
	    L("the level, %s OR-ed in", d->name));
	r = call("VM.migrate", jobj("vm", js("xov"), "host", js("xo2"), NULL));
	expect_error(r, L("VM.migrate of a VM with %s to a host without it: "
	    "reason 2, no exemption", d->name), 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", "xov", "xo2", R_FEATURES);
	json_object_put(r);
	call_null("VM.shutdown", jobj("vm", js("xov"), NULL),
	    "VM.shutdown xov");
}

static void
step16_levelling(void)
{
	levelling_rsba();
	levelling_accumulated();
	levelling_deep_deps();
	levelling_host_first();
	levelling_empty_set();
	levelling_short_import();
	levelling_cpu_before_hvm();
	levelling_resident();
}

/*
 * 15. --local-host on a host that runs no HVM guest (a CPU without VT-x
 * or SVM: Xen offers empty HVM sets): it registers itself so, and an HVM
 * VM is refused there rather than given an empty set.
 */
static struct featured F2 = FC_INIT;

static void
step15_local_no_hvm(void)
{
	struct host h = H1;
	char path[FC_PATH_MAX];
	json_object *r, *ci;
	FILE *fp;
	int k, written;

	for (k = 0; k < NKEYS; k++)
		if (k == HVM || k == HVM_HOST)
			fs_clear(&h.fs[k]);
	snprintf(path, sizeof(path), "%s/nohvm.json", F.dir);
	/* jtext() lends the object's text: the object is ours to put. */
	ci = cpu_info(&h);
	written = (fp = fopen(path, "w")) != NULL &&
	    fputs(jtext(ci), fp) != EOF;
	if (fp != NULL && fclose(fp) == EOF)
		written = 0;
	json_object_put(ci);
	if (!written) {
		ok(0, L("write %s", path));
		return;
	}
	F2.probe = L("file:%s", path);
	F2.local_host = "lh";
	fc_start_checked(&F2, "a second daemon with --local-host lh");
	r = fc_call(&F2, "VM.start", jobj("vm", js("vl"), "host", js("lh"),
	    "domain_type", js("hvm"), NULL));
	expect_error(r, "VM.start hvm on the local host without HVM: "
	    "VM_HVM_REQUIRED", 1, "VM_HVM_REQUIRED", "vl");
	json_object_put(r);
	r = fc_call(&F2, "VM.start", jobj("vm", js("vl"), "host", js("lh"),
	    "domain_type", js("pv"), NULL));
	expect_result(r, "VM.start pv on the local host: fine", NULL);
	json_object_put(r);
	fc_stop_checked(&F2, "the second daemon");
}

/*
 * 17. A peer's text in the log (issue 10, defect 5): a vendor is the
 * peer's, and a newline in it must not forge a log line.  A member that
 * reboots with a forged vendor is logged twice (the pool mixes vendors;
 * then, alone in its pool, the pool's vendor changes): neither may begin
 * a line of its own.
 */
static void
step17_log_escape(void)
{
	struct host a = H1, b = H1, forged = H1;
	json_object *r;
	int escaped;

	a.id = "la";
	b.id = "lb";
	host_boot(&a, NULL, 0);
	host_boot(&b, NULL, 0);
	pool_join("pl", "la", 1);
	pool_join("pl", "lb", 0);
	forged.id = "lb";
	forged.vendor = "Evil\nforged-line: host lb\rx\x1b[2J";
	r = call("Host.boot", jobj("host", js("lb"), "cpu_info",
	    cpu_info(&forged), NULL));
	expect_result(r, "Host.boot lb with a vendor holding a newline", NULL);
	json_object_put(r);
	r = call("Pool.eject", jobj("pool", js("pl"), "host", js("la"),
	    NULL));
	expect_result(r, "Pool.eject pl la: lb is alone", NULL);
	json_object_put(r);
	escaped = fc_log_count(&F, "Evil\\x0aforged-line: host lb\\x0dx\\x1b[2J");
	ok(escaped > 0, "the vendor is logged escaped: \\x0a, \\x0d, \\x1b");
	/* A forged line would hold the text without the escaped newline. */
	is_int(fc_log_count(&F, "forged-line"), escaped, "no log line holds "
	    "the text after the vendor's newline but as part of the vendor");
}

static void
step18_stop(void)
{
	fc_stop_checked(&F, "the daemon (final)");
}

int
main(void)
{
	const char *bin = fc_binary("CPULEVEL_FEATURED",
	    "the path of the cpulevel-featured binary to test");

	setup_data();
	fc_begin("cpulevel-featured");
	fc_add_daemon(&F, "featured", bin, "featured.db", "featured.sock",
	    "featured-events.sock", "featured.log");
	fc_add_daemon(&F2, "featured 2", bin, "featured2.db", "featured2.sock",
	    "featured2-events.sock", "featured2.log");

	fc_run("0. start", step0_start);
	fc_run("1. two hosts form p1", step1_pool);
	fc_run("2. a VM starts at the level", step2_vm_start);
	fc_run("3. a weaker host joins", step3_weak_join);
	fc_run("4. migration after the level dropped", step4_migrate);
	fc_run("5. suspend and resume", step5_suspend);
	fc_run("6. a restart takes the new level", step6_restart_vm);
	fc_run("7. PV, reboot, explicit featuresets", step7_reboot);
	fc_run("8. legacy imports", step8_import);
	fc_run("9. vendors", step9_vendor);
	fc_run("10. a host loses features", step10_host_lost);
	fc_run("11. level history", step11_history);
	fc_run("12. durability", step12_durability);
	fc_run("13. bad input", step13_bad_input);
	fc_run("14. placements the rules forbid", step14_forbidden);
	fc_run("15. --local-host without HVM", step15_local_no_hvm);
	fc_run("16. levelling as xapi and XCP-ng", step16_levelling);
	fc_run("17. a peer's text in the log", step17_log_escape);
	fc_run("18. stop", step18_stop);
	return done_testing();
}
