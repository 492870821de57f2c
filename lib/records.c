/*
 * Rows of the database into records, the same way for both daemons.  A
 * stored featureset that does not parse is refused, never read as
 * empty: an empty set constrains nothing, and "incompatible" would
 * become "compatible".
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "records.h"

int
rec_column_fs(sqlite3_stmt *st, int col, const char *table, const char *id,
    struct featureset *fs, int *present, char *err, size_t errlen)
{
	int rc = db_column_fs(st, col, fs);

	if (rc == -1) {
		db_fs_unreadable(st, col, table, id, err, errlen);
		return -1;
	}
	if (present != NULL)
		*present = rc;
	return 0;
}

static int
host_optfs(sqlite3_stmt *st, int col, const struct host_rec *h,
    struct optfs *o, char *err, size_t errlen)
{
	return rec_column_fs(st, col, "host", h->id, &o->fs, &o->present, err,
	    errlen);
}

int
rec_host_from_row(sqlite3_stmt *st, int first, int what, struct host_rec *h,
    char *err, size_t errlen)
{
	int names = first + REC_HOST_NCHECK, rest = names + 2;

	/* First the names: an unreadable set's error names the row. */
	if (what & (REC_HOST_NAMES | REC_HOST_REST)) {
		db_column_text(st, names, h->id, sizeof(h->id));
		db_column_text(st, names + 1, h->pool, sizeof(h->pool));
	}
	db_column_text(st, first, h->vendor, sizeof(h->vendor));
	h->hvm_capable = sqlite3_column_int(st, first + 1);
	if ((what & REC_HOST_PV) &&
	    host_optfs(st, first + 2, h, &h->pv, err, errlen) == -1)
		return -1;
	if ((what & REC_HOST_HVM) &&
	    host_optfs(st, first + 3, h, &h->hvm, err, errlen) == -1)
		return -1;
	if (!(what & REC_HOST_REST))
		return 0;
	if (host_optfs(st, rest, h, &h->pv_host, err, errlen) == -1 ||
	    host_optfs(st, rest + 1, h, &h->hvm_host, err, errlen) == -1)
		return -1;
	h->cpu_count = sqlite3_column_int64(st, rest + 2);
	h->socket_count = sqlite3_column_int64(st, rest + 3);
	return 0;
}

int
rec_pool_from_row(sqlite3_stmt *st, struct pool_rec *p, char *err,
    size_t errlen)
{
	int rc;

	memset(p, 0, sizeof(*p));
	db_column_text(st, 0, p->id, sizeof(p->id));
	db_column_text(st, 1, p->vendor, sizeof(p->vendor));
	rc = rec_column_fs(st, 2, "pool", p->id, &p->pv_host, NULL, err,
	    errlen) == -1 ||
	    rec_column_fs(st, 3, "pool", p->id, &p->hvm_host, NULL, err,
	    errlen) == -1 ||
	    rec_column_fs(st, 4, "pool", p->id, &p->pv, NULL, err,
	    errlen) == -1 ||
	    rec_column_fs(st, 5, "pool", p->id, &p->hvm, NULL, err,
	    errlen) == -1 ? -1 : 0;
	p->cpu_count = sqlite3_column_int64(st, 6);
	p->socket_count = sqlite3_column_int64(st, 7);
	return rc;
}

int
rec_vm_from_row(sqlite3_stmt *st, int first, int what, struct vm_rec *vm,
    char *err, size_t errlen)
{
	int bad = 0;

	if (what & REC_VM_NAMES) {
		db_column_text(st, first + REC_VM_NCHECK, vm->id,
		    sizeof(vm->id));
		db_column_text(st, first + REC_VM_NCHECK + 1, vm->host,
		    sizeof(vm->host));
	}
	if (domain_type_parse((const char *)sqlite3_column_text(st, first),
	    &vm->domain_type) == -1) {
		vm->domain_type = DOMAIN_HVM;
		bad = 1;
	}
	if (power_state_parse((const char *)sqlite3_column_text(st,
	    first + 1), &vm->power_state) == -1) {
		vm->power_state = POWER_RUNNING;
		bad = 1;
	}
	if (bad && (what & REC_VM_STRICT)) {
		snprintf(err, errlen, "vm %s: stored domain type or power "
		    "state unreadable", vm->id);
		return -1;
	}
	vm->has_vendor = sqlite3_column_type(st, first + 2) != SQLITE_NULL;
	db_column_text(st, first + 2, vm->vendor, sizeof(vm->vendor));
	vm->legacy = sqlite3_column_int(st, first + 4);
	return rec_column_fs(st, first + 3, "vm", vm->id, &vm->features.fs,
	    &vm->features.present, err, errlen);
}

static const struct featureset *
optfs_set(const struct optfs *o)
{
	return o->present ? &o->fs : NULL;
}

void
rec_vm_compat(const struct vm_rec *vm, struct compat_vm *out)
{
	out->power = vm->power_state;
	out->domain = vm->domain_type;
	out->vendor = vm->has_vendor ? vm->vendor : NULL;
	out->features = vm->features.present ? &vm->features.fs : NULL;
}

void
rec_host_compat(const struct host_rec *h, struct compat_host *out)
{
	/* The column is NOT NULL: a row always has a vendor. */
	out->vendor = h->vendor;
	out->hvm_capable = h->hvm_capable;
	out->pv = optfs_set(&h->pv);
	out->hvm = optfs_set(&h->hvm);
}

void
rec_host_sets(const struct host_rec *h, struct compat_sets *out)
{
	out->pv = optfs_set(&h->pv);
	out->hvm = optfs_set(&h->hvm);
	out->pv_host = optfs_set(&h->pv_host);
	out->hvm_host = optfs_set(&h->hvm_host);
}

/* A pool's sets are always there; an empty one is none (compat.h). */
void
rec_pool_sets(const struct pool_rec *p, struct compat_sets *out)
{
	out->pv = &p->pv;
	out->hvm = &p->hvm;
	out->pv_host = &p->pv_host;
	out->hvm_host = &p->hvm_host;
}
