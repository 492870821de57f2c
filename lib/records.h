/*
 * The rows of the database, one record type per table, shared by both
 * daemons: struct host_rec is a row of table host, struct pool_rec of
 * pool, struct vm_rec of vm, each with the columns db/NNNN_*.sql give
 * them.  featured reads and writes whole rows; migcheck reads only the
 * columns a check needs and leaves the other fields zero.
 *
 * Reading a row out of a statement is here too, so that both daemons
 * take the same columns in the same order the same way.  A statement
 * selects one of the column lists below, or a prefix of it, starting at
 * column first; the reader is told which part it has.
 */
#ifndef CPULEVEL_RECORDS_H
#define CPULEVEL_RECORDS_H

#include <stddef.h>

#include <sqlite3.h>

#include "compat.h"
#include "cpuinfo.h"
#include "featureset.h"
#include "rpc.h"
#include "vmtypes.h"

/* An optional featureset: a cpu_info key or column may be absent. */
struct optfs {
	int			present;
	struct featureset	fs;
};

struct host_rec {
	char		id[RPC_MAX_ID + 1];
	char		pool[RPC_MAX_ID + 1];		/* "" standalone */
	char		vendor[CPUINFO_MAX_VENDOR + 1];
	int		hvm_capable;
	struct optfs	pv, hvm;			/* max sets */
	struct optfs	pv_host, hvm_host;		/* default sets */
	/* parsed from cpu_info at Host.boot (cpuinfo_parse_count) */
	long long	cpu_count, socket_count;
};

struct pool_rec {
	char		id[RPC_MAX_ID + 1];
	char		vendor[CPUINFO_MAX_VENDOR + 1];
	struct featureset pv_host, hvm_host;		/* the level */
	struct featureset pv, hvm;
	long long	cpu_count, socket_count;
};

struct vm_rec {
	char		id[RPC_MAX_ID + 1];
	char		host[RPC_MAX_ID + 1];		/* "" unknown */
	enum domain_type domain_type;
	enum power_state power_state;
	int		has_vendor;
	char		vendor[CPUINFO_MAX_VENDOR + 1];
	struct optfs	features;
	int		legacy;
};

/*
 * A featureset column of row id of table: 0 with *fs parsed and
 * *present set (unless NULL), or -1 when the stored text does not parse,
 * with err naming table, row and column (logged once: db_fs_unreadable).
 */
int	rec_column_fs(sqlite3_stmt *st, int col, const char *table,
	    const char *id, struct featureset *fs, int *present, char *err,
	    size_t errlen);

/*
 * A host's columns: first what a migration check needs, then its names,
 * then what only featured reads.  A check selects nothing it does not
 * use: sqlite copies every text column of a row into memory it
 * allocates.
 */
#define REC_HOST_CHECK_COLS	"vendor, hvm_capable, features_pv, features_hvm"
#define REC_HOST_NAME_COLS	REC_HOST_CHECK_COLS ", id, pool_id"
#define REC_HOST_COLS		REC_HOST_NAME_COLS ", features_pv_host, " \
				"features_hvm_host, cpu_count, socket_count"
#define REC_HOST_NCHECK		4

/* What rec_host_from_row() reads: the max sets to parse, the columns. */
#define REC_HOST_PV		0x01	/* parse features_pv */
#define REC_HOST_HVM		0x02	/* parse features_hvm */
#define REC_HOST_NAMES		0x04	/* REC_HOST_NAME_COLS selected */
#define REC_HOST_REST		0x08	/* REC_HOST_COLS selected */
#define REC_HOST_WHOLE		(REC_HOST_PV | REC_HOST_HVM | \
				REC_HOST_NAMES | REC_HOST_REST)

/*
 * A host's columns from column first of st into h, as what says; the
 * fields not read are left as they are (h->id must be set when the names
 * are not read: an error names the row).  Returns 0, or -1 when a stored
 * set does not parse (err as rec_column_fs).
 */
int	rec_host_from_row(sqlite3_stmt *st, int first, int what,
	    struct host_rec *h, char *err, size_t errlen);

#define REC_POOL_COLS		"id, vendor, features_pv_host, " \
				"features_hvm_host, features_pv, " \
				"features_hvm, cpu_count, socket_count"

/* REC_POOL_COLS from column 0 into p, cleared first; -1 as above. */
int	rec_pool_from_row(sqlite3_stmt *st, struct pool_rec *p, char *err,
	    size_t errlen);

/* A VM's columns: what a check needs, then its names. */
#define REC_VM_CHECK_COLS	"domain_type, power_state, vendor, features, " \
				"legacy"
#define REC_VM_COLS		REC_VM_CHECK_COLS ", id, host_id"
#define REC_VM_NCHECK		5

#define REC_VM_NAMES		0x01	/* REC_VM_COLS selected */
/*
 * A domain type or power state that does not parse (the schema's CHECKs
 * forbid it) is an error; without this flag it reads as a running HVM
 * guest, the kind with the most to check (rather than halted, which
 * would pass every check).
 */
#define REC_VM_STRICT		0x02

/* A VM's columns from column first of st into vm, as rec_host_from_row. */
int	rec_vm_from_row(sqlite3_stmt *st, int first, int what,
	    struct vm_rec *vm, char *err, size_t errlen);

/* The VM and the host as compat_judge() sees them. */
void	rec_vm_compat(const struct vm_rec *vm, struct compat_vm *out);
void	rec_host_compat(const struct host_rec *h, struct compat_host *out);
/* Their sets as compat_start_set() reads them. */
void	rec_host_sets(const struct host_rec *h, struct compat_sets *out);
void	rec_pool_sets(const struct pool_rec *p, struct compat_sets *out);

#endif
