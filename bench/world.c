/*
 * The benchmarks' world (world.h): its generator, its featuresets, its
 * database and its requests.
 */
#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "world.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

/* splitmix64: deterministic, so two runs measure the same requests. */
static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

size_t
rng_below(size_t n)
{
	return (size_t)(rng() % n);
}

void
make_uuid(char out[UUID_LEN + 1])
{
	uint64_t a = rng(), b = rng();

	snprintf(out, UUID_LEN + 1, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned int)(a >> 32), (unsigned int)(a >> 16) & 0xffff,
	    (unsigned int)a & 0xfff,
	    0x8000 | ((unsigned int)(b >> 48) & 0x3fff),
	    (unsigned long long)(b & 0xffffffffffffULL));
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		die("out of memory");
	return p;
}

size_t
parse_size(const char *s, const char *what, size_t min)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || v < min || v > 100000000ULL)
		die("%s: '%s' is not a number from %zu", what, s, min);
	return (size_t)v;
}

void
make_tmpdir(char *dir, size_t len, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, len, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp %s: %s", dir, strerror(errno));
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------- the database */

/*
 * Featuresets in Xen's 19-word layout, shaped like the max sets of a
 * Cascade Lake and an EPYC Milan host.  An "old" host of a pool lacks a
 * few bits (TSX and AVX-512 after a microcode update; a few AMD leaf 7
 * bits): VMs that booted before such a host joined keep the full set and
 * may not move to it.  PV sets lack a bit or two of the HVM ones.
 */
const struct vendor_sets vendors[NVENDORS] = {
	{ "GenuineIntel", "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz",
	    { 0x078bfbff, 0x77fa3203, 0x2c100800, 0x00000121, 0x00000007,
	      0xd19f4fb9, 0x00000800, 0, 0, 0x84000000 },
	    { [5] = 0x00000810 | 0xd0030000, [6] = 0x00000800 } },
	{ "AuthenticAMD", "AMD EPYC 7543 32-Core Processor",
	    { 0x078bfbff, 0x76da3203, 0x2e500800, 0x000003f5, 0x0000000f,
	      0x219c07a9, 0x0040000c, 0, 0x0100d205, 0x00000010 },
	    { [5] = 0x00000600, [6] = 0x00000008, [8] = 0x01000000 } },
};

static const uint32_t pv_clear[NWORDS] = { [1] = 0x00200000, [5] = 0x2 };

char set_text[NVENDORS][NSETS][FS_STRING_MAX];

/* The set a VM carries, or a host offers a VM of its kind. */
int
set_index(int full, int pv)
{
	if (full)
		return pv ? SET_FULL_PV : SET_FULL_HVM;
	return pv ? SET_OLD_PV : SET_OLD_HVM;
}

void
make_sets(void)
{
	struct featureset fs;
	uint32_t w[NWORDS];
	int v, s, i;

	for (v = 0; v < NVENDORS; v++)
		for (s = 0; s < NSETS; s++) {
			for (i = 0; i < NWORDS; i++) {
				w[i] = vendors[v].full[i];
				if (s == SET_OLD_HVM || s == SET_OLD_PV)
					w[i] &= ~vendors[v].old_clear[i];
				if (s == SET_FULL_PV || s == SET_OLD_PV)
					w[i] &= ~pv_clear[i];
			}
			if (fs_from_words(&fs, w, NWORDS) == -1)
				die("fs_from_words");
			fs_format(&fs, set_text[v][s]);
		}
}


int
host_vendor(size_t h)
{
	return (int)((h / POOL_SIZE) % NVENDORS);
}

size_t
pool_first(size_t p)
{
	return p * POOL_SIZE;
}

size_t
pool_len(const struct world *w, size_t p)
{
	size_t n = w->nhosts - pool_first(p);

	return n < POOL_SIZE ? n : POOL_SIZE;
}

void
world_free(struct world *w)
{
	free(w->host_id);
	free(w->pool_id);
	free(w->vm_id);
	free(w->host_old);
	free(w->vm_full);
	free(w->vm_pv);
	free(w->vm_host);
	memset(w, 0, sizeof(*w));
}

static void
sql_ok(sqlite3 *db, int rc, int want, const char *what)
{
	if (rc != want)
		die("filling the database: %s: %s", what, sqlite3_errmsg(db));
}

static void
bind_text(sqlite3 *db, sqlite3_stmt *st, int col, const char *s)
{
	sql_ok(db, s ? sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC) :
	    sqlite3_bind_null(st, col), SQLITE_OK, "bind");
}

static void
step_reset(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	sql_ok(db, sqlite3_step(st), SQLITE_DONE, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/*
 * What featured would have written: pools of POOL_SIZE hosts (the last
 * one possibly smaller), every third host of a pool "old"; VMs running on
 * random hosts, 60% of them with the full set of their host's vendor
 * (booted before an old host joined: always on a full host), the others
 * with the pool level; one in five PV.
 */
void
world_fill(const char *path, struct world *w)
{
	static const char *const ins_pool = "INSERT INTO pool (id, vendor, "
	    "features_pv_host, features_hvm_host, features_pv, features_hvm, "
	    "cpu_count, socket_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	static const char *const ins_host = "INSERT INTO host (id, pool_id, "
	    "vendor, hvm_capable, cpu_info, features_pv, features_hvm, "
	    "features_pv_host, features_hvm_host, booted_at) "
	    "VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, '2026-01-05T08:00:00Z')";
	static const char *const ins_vm = "INSERT INTO vm (id, host_id, "
	    "domain_type, power_state, vendor, features, legacy) "
	    "VALUES (?, ?, ?, 'running', ?, ?, 0)";
	sqlite3_stmt *sp = NULL, *sh = NULL, *sv = NULL;
	sqlite3 *db = NULL;
	char err[512], info[4096];
	size_t p, h, v, first, n;
	int vend, pv, set;

	w->npools = (w->nhosts + POOL_SIZE - 1) / POOL_SIZE;
	w->host_id = xcalloc(w->nhosts, sizeof(*w->host_id));
	w->pool_id = xcalloc(w->npools, sizeof(*w->pool_id));
	w->vm_id = xcalloc(w->nvms, sizeof(*w->vm_id));
	w->host_old = xcalloc(w->nhosts, 1);
	w->vm_full = xcalloc(w->nvms, 1);
	w->vm_pv = xcalloc(w->nvms, 1);
	w->vm_host = xcalloc(w->nvms, sizeof(*w->vm_host));

	if (db_open(path, DB_READWRITE, &db, err, sizeof(err)) == -1)
		die("%s", err);
	if (db_prepare(db, ins_pool, &sp, err, sizeof(err)) == -1 ||
	    db_prepare(db, ins_host, &sh, err, sizeof(err)) == -1 ||
	    db_prepare(db, ins_vm, &sv, err, sizeof(err)) == -1 ||
	    db_begin(db, err, sizeof(err)) == -1)
		die("%s", err);
	for (p = 0; p < w->npools; p++) {
		first = pool_first(p);
		n = pool_len(w, p);
		vend = host_vendor(first);
		make_uuid(w->pool_id[p]);
		/* With an old member the level is the old set. */
		set = n > 2 ? SET_OLD_PV : SET_FULL_PV;
		bind_text(db, sp, 1, w->pool_id[p]);
		bind_text(db, sp, 2, vendors[vend].vendor);
		bind_text(db, sp, 3, set_text[vend][set]);
		bind_text(db, sp, 4, set_text[vend][set - 1]);
		bind_text(db, sp, 5, set_text[vend][set]);
		bind_text(db, sp, 6, set_text[vend][set - 1]);
		sql_ok(db, sqlite3_bind_int64(sp, 7, (sqlite3_int64)n * 64),
		    SQLITE_OK, "bind");
		sql_ok(db, sqlite3_bind_int64(sp, 8, (sqlite3_int64)n * 2),
		    SQLITE_OK, "bind");
		step_reset(db, sp, "insert pool");
		for (h = first; h < first + n; h++) {
			const char *hvm, *pvs;

			make_uuid(w->host_id[h]);
			w->host_old[h] = (h - first) % 3 == 2;
			hvm = set_text[vend][set_index(!w->host_old[h], 0)];
			pvs = set_text[vend][set_index(!w->host_old[h], 1)];
			/* The cpu_info map as xapi's host.cpu_info has it. */
			snprintf(info, sizeof(info), "{\"cpu_count\":\"64\","
			    "\"socket_count\":\"2\",\"vendor\":\"%s\","
			    "\"speed\":\"2494.140\",\"modelname\":\"%s\","
			    "\"family\":\"%s\",\"model\":\"%s\","
			    "\"stepping\":\"%s\",\"flags\":\"fpu de tsc msr "
			    "pae mce cx8 apic sep mca cmov pat clflush acpi "
			    "mmx fxsr sse sse2 ht syscall nx lm constant_tsc "
			    "rep_good nopl nonstop_tsc cpuid pni pclmulqdq "
			    "monitor est ssse3 fma cx16 sse4_1 sse4_2 movbe "
			    "popcnt aes xsave avx f16c rdrand hypervisor "
			    "lahf_lm abm 3dnowprefetch fsgsbase bmi1 avx2 "
			    "bmi2 erms rdseed adx clflushopt xsaveopt xsavec "
			    "xgetbv1\",\"features_pv\":\"%s\","
			    "\"features_hvm\":\"%s\",\"features_pv_host\":"
			    "\"%s\",\"features_hvm_host\":\"%s\"}",
			    vendors[vend].vendor, vendors[vend].model,
			    vend ? "25" : "6", vend ? "1" : "85",
			    vend ? "1" : "7", pvs, hvm, pvs, hvm);
			bind_text(db, sh, 1, w->host_id[h]);
			bind_text(db, sh, 2, w->pool_id[p]);
			bind_text(db, sh, 3, vendors[vend].vendor);
			bind_text(db, sh, 4, info);
			bind_text(db, sh, 5, pvs);
			bind_text(db, sh, 6, hvm);
			bind_text(db, sh, 7, pvs);
			bind_text(db, sh, 8, hvm);
			step_reset(db, sh, "insert host");
		}
	}
	for (v = 0; v < w->nvms; v++) {
		make_uuid(w->vm_id[v]);
		w->vm_full[v] = rng_below(10) < 6;
		pv = w->vm_pv[v] = rng_below(5) == 0;
		do
			h = rng_below(w->nhosts);
		while (w->vm_full[v] && w->host_old[h]);
		w->vm_host[v] = h;
		vend = host_vendor(h);
		set = set_index(w->vm_full[v], pv);
		bind_text(db, sv, 1, w->vm_id[v]);
		bind_text(db, sv, 2, w->host_id[h]);
		bind_text(db, sv, 3, pv ? "pv" : "hvm");
		bind_text(db, sv, 4, vendors[vend].vendor);
		bind_text(db, sv, 5, set_text[vend][set]);
		step_reset(db, sv, "insert vm");
	}
	if (db_commit(db, err, sizeof(err)) == -1)
		die("%s", err);
	sqlite3_finalize(sp);
	sqlite3_finalize(sh);
	sqlite3_finalize(sv);
	db_close(db);
}

void
world_fill_tmp(const char *name, char *dir, size_t dirlen, char *db,
    size_t dblen, struct world *w)
{
	make_tmpdir(dir, dirlen, name);
	snprintf(db, dblen, "%s/cpulevel.db", dir);
	make_sets();
	world_fill(db, w);
}

/* --------------------------------------------------------- requests */


/*
 * Random migrations within the pool of the VM's host, formatted once so
 * that client-side formatting is not measured.
 */
void
make_reqs(const struct world *w, size_t n, struct reqs *r)
{
	char buf[512];
	size_t i, p, h, v, bad = 0;
	int len;

	r->n = n;
	r->text = xcalloc(n, sizeof(*r->text));
	r->len = xcalloc(n, sizeof(*r->len));
	r->incompat = xcalloc(n, 1);
	r->vm = xcalloc(n, sizeof(*r->vm));
	r->host = xcalloc(n, sizeof(*r->host));
	for (i = 0; i < n; i++) {
		v = rng_below(w->nvms);
		p = w->vm_host[v] / POOL_SIZE;
		h = pool_first(p) + rng_below(pool_len(w, p));
		len = snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\","
		    "\"id\":%zu,\"method\":\"VM.assert_can_migrate\","
		    "\"params\":{\"vm\":\"%s\",\"host\":\"%s\"}}", i + 1,
		    w->vm_id[v], w->host_id[h]);
		if ((r->text[i] = strdup(buf)) == NULL)
			die("out of memory");
		r->len[i] = (size_t)len;
		r->vm[i] = v;
		r->host[i] = h;
		r->incompat[i] = w->vm_full[v] && w->host_old[h];
		bad += r->incompat[i];
	}
	r->incompat_share = n ? (double)bad / (double)n : 0;
}

void
reqs_free(struct reqs *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->text[i]);
	free(r->text);
	free(r->len);
	free(r->incompat);
	free(r->vm);
	free(r->host);
	memset(r, 0, sizeof(*r));
}

