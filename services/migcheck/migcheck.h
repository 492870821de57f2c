/*
 * cpulevel-migcheck: answers migration-safety questions from featured's
 * database, opened read-only.  It never writes, and keeps answering while
 * featured is stopped or restarting.
 *
 * Methods are rows of the table in methods.c; VM.* handlers are in vm.c,
 * Host.* in host.c.  They answer from a snapshot of the database in
 * memory (mem.c), which view.c keeps exact: before each answer it looks
 * whether anything was committed since, and if so load.c reads what
 * changed, in one read transaction.  follow.c makes that same refresh
 * ahead, when featured's events say it committed.
 */
#ifndef MIGCHECK_H
#define MIGCHECK_H

#include <stdint.h>

#include <sqlite3.h>

#include "compat.h"
#include "cpuinfo.h"
#include "featureset.h"
#include "mem.h"
#include "records.h"
#include "rpc.h"

/* load.c's statements. */
enum load_stmt {
	LOAD_BEGIN,
	LOAD_END,
	LOAD_LOG,
	LOAD_LAST,
	LOAD_VMS,
	LOAD_HOSTS,
	LOAD_POOLS,
	LOAD_VM,
	LOAD_HOST,
	LOAD_POOL,
	LOAD_NSTMTS
};
#define LOAD_KIND_VM	0
#define LOAD_KIND_HOST	1
#define LOAD_KIND_POOL	2

/* The wal-index header's first copy (view.c), 48 bytes. */
#define VIEW_MARK_WORDS	12

struct migcheck {
	const char	*db_path;
	sqlite3		*db;		/* NULL until the database exists */
	sqlite3_stmt	*stmt[LOAD_NSTMTS];
	char		 dberr[512];
	long long	 checked;	/* when the file was last checked, s */
	/* the snapshot (mem.c) and where it stands (load.c) */
	struct mem	 mem;
	int		 loaded;	/* 0: read it all at the next request */
	long long	 seen_seq;	/* the last change log entry applied */
	char		 seen_tbl[8];
	char		 seen_id[256];
	unsigned long long loads, refreshes;	/* for the log and tests */
	/* view.c's refreshes: those a check made, those made ahead of one */
	unsigned long long refreshed_on_check, refreshed_ahead;
	/* sqlite's wal-index header, shared with every writer (view.c) */
	const volatile uint32_t *walhdr;	/* NULL: refresh every time */
	uint32_t	 mark[VIEW_MARK_WORDS];	/* as of the last refresh */
	int		 ignore_commits;	/* test builds only */
};

extern const struct rpc_method migcheck_methods[];

/* load.c: the snapshot brought up to date; -1 error (m->dberr). */
int	load_prepare(struct migcheck *m);
void	load_finalize(struct migcheck *m);
int	load_refresh(struct migcheck *m);

/* view.c: 1 found, 0 not found, -1 error (reason in m->dberr). */
int	view_open(struct migcheck *m);
void	view_close(struct migcheck *m);
/* The next check's refresh, made now (follow.c); 0, or -1 (m->dberr). */
int	view_ahead(struct migcheck *m);
int	view_vm(struct migcheck *m, const char *id, struct vm_rec *vm);
/*
 * A VM and a host in one read: -1 error, else VIEW_FOUND_VM and/or
 * VIEW_FOUND_HOST.  Only what a check needs is read: the host set of the
 * VM's kind, and neither the VM's host nor the host's pool ("" both),
 * nor what only featured reads (zero).
 */
#define VIEW_FOUND_VM	1
#define VIEW_FOUND_HOST	2
int	view_pair(struct migcheck *m, const char *vm_id, const char *host_id,
	    struct vm_rec *vm, struct host_rec *h);
int	view_host(struct migcheck *m, const char *id, struct host_rec *h);
int	view_pool_hosts(struct migcheck *m, const char *pool,
	    int (*fn)(const struct host_rec *, void *), void *arg);
int	view_pool(struct migcheck *m, const char *id, struct pool_rec *p);

/*
 * follow.c: --events URL, featured's PUB socket.  Each event (any topic:
 * each is sent after a commit) wakes view_ahead() from the loop, so that
 * the refresh a commit calls for is made before the next check, not
 * inside it.  A hint only: PUB/SUB may drop it, and other writers send
 * none, so view.c still looks before every answer.
 */
struct follow;
struct event_base;
struct follow *follow_open(const char *url, struct migcheck *m, char *err,
	    size_t errlen);
int	follow_start(struct follow *fl, struct event_base *base);
void	follow_close(struct follow *fl);

/* vm.c: lib/compat.c's rule on a VM and a host as migcheck reads them. */
void	judge(const struct vm_rec *vm, const struct host_rec *h,
	    struct compat_verdict *out);
int	vm_assert_can_migrate(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);
int	vm_check_migrate(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);
int	vm_get_possible_hosts(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);

/* host.c */
int	host_assert_vm_is_compatible(void *, struct json_object *,
	    struct json_object **, struct rpc_error *);

/* pool.c */
int	pool_get_level(void *, struct json_object *, struct json_object **,
	    struct rpc_error *);

/*
 * http.c: the HTTP front (--http unix:PATH).  http_listen() binds the
 * socket before the loop exists, so that a bad path stops the daemon at
 * once; the hook serves it from server.c's loop.
 */
struct http_front;
struct server_hook;
int	http_check_spec(const char *spec, char *err, size_t errlen);
struct http_front *http_listen(const char *spec, struct migcheck *m,
	    char *err, size_t errlen);
void	http_hook(struct http_front *h, struct server_hook *hook);

/* httpapi.c: a request's answer (malloc'd) and its log line. */
struct evhttp_uri;
char	*http_answer(struct migcheck *m, int is_get,
	    const struct evhttp_uri *uri, int *code);
void	http_log_uri(const struct evhttp_uri *uri, char *buf, size_t len);

#endif
