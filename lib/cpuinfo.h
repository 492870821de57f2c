/*
 * A host's cpu_info: XenAPI's Host.cpu_info map, string to string.
 * Kept sorted by key so that printing and storing it is deterministic.
 */
#ifndef CPULEVEL_CPUINFO_H
#define CPULEVEL_CPUINFO_H

#include <stddef.h>

#include "featureset.h"

struct json_object;

/* The keys xapi fills, and the ones this project adds. */
#define CI_VENDOR		"vendor"
#define CI_FEATURES_PV		"features_pv"		/* max: migration */
#define CI_FEATURES_HVM		"features_hvm"
#define CI_FEATURES_PV_HOST	"features_pv_host"	/* default: level */
#define CI_FEATURES_HVM_HOST	"features_hvm_host"
#define CI_FEATURES		"features"		/* Xen's host set */
#define CI_FEATURES_RAW		"features_raw"
#define CI_CPU_COUNT		"cpu_count"
#define CI_SOCKET_COUNT		"socket_count"
#define CI_SPEED		"speed"
#define CI_MODELNAME		"modelname"
#define CI_FAMILY		"family"
#define CI_MODEL		"model"
#define CI_STEPPING		"stepping"
#define CI_FLAGS		"flags"
#define CI_PROBE		"probe"		/* which backend filled it */
#define CI_PROBE_NOTE		"probe_note"

/* Bounds on what a peer or a file may hand us. */
#define CPUINFO_MAX_KEYS	64
#define CPUINFO_MAX_KEY		64
#define CPUINFO_MAX_VALUE	8192
/* A CPUID vendor is 12 characters; room for odd ones, none for garbage. */
#define CPUINFO_MAX_VENDOR	64

struct cpuinfo_kv {
	char	*key;
	char	*value;
};

struct cpuinfo {
	size_t			 n;
	struct cpuinfo_kv	 kv[CPUINFO_MAX_KEYS];
};

void		 cpuinfo_init(struct cpuinfo *ci);
void		 cpuinfo_free(struct cpuinfo *ci);
/* Copies both strings; replaces an existing key.  -1 on a bound or ENOMEM. */
int		 cpuinfo_set(struct cpuinfo *ci, const char *key,
		    const char *value);
int		 cpuinfo_setf(struct cpuinfo *ci, const char *key,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
int		 cpuinfo_set_fs(struct cpuinfo *ci, const char *key,
		    const struct featureset *fs);
const char	*cpuinfo_get(const struct cpuinfo *ci, const char *key);
/*
 * The featureset under key: 0 and *fs filled, 1 if the key is absent,
 * -1 with err naming the key and value if it does not parse.
 */
int		 cpuinfo_get_fs(const struct cpuinfo *ci, const char *key,
		    struct featureset *fs, char *err, size_t errlen);

/*
 * A count (cpu_count, socket_count: "32"): what is not a plain decimal
 * number from 0 to CPUINFO_MAX_COUNT counts as 0, as does NULL.  Parsed
 * once, at Host.boot, and stored; migration 0002 parses the counts of
 * hosts an older cpulevel stored with the same function.
 */
#define CPUINFO_MAX_COUNT	(1LL << 24)
long long	 cpuinfo_parse_count(const char *s);
/* The count under key, 0 when absent. */
long long	 cpuinfo_get_count(const struct cpuinfo *ci, const char *key);

struct json_object *cpuinfo_to_json(const struct cpuinfo *ci);
/* Only an object of strings within the bounds above is accepted. */
int		 cpuinfo_from_json(struct cpuinfo *ci, struct json_object *obj,
		    char *err, size_t errlen);

#endif
