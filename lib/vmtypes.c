/*
 * Spellings of power states and domain types.  Each is one table: the
 * canonical names are the enum's own, the aliases are what XenAPI and
 * older clients send.
 */
#include <stddef.h>
#include <string.h>

#include "cpuinfo.h"
#include "vmtypes.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const power_names[] = {
	[POWER_HALTED] = "halted",
	[POWER_RUNNING] = "running",
	[POWER_SUSPENDED] = "suspended",
};

static const struct {
	const char		*name;
	enum power_state	 ps;
} power_aliases[] = {
	{ "Halted", POWER_HALTED },
	{ "Running", POWER_RUNNING },
	{ "Suspended", POWER_SUSPENDED },
	{ "paused", POWER_RUNNING },
	{ "Paused", POWER_RUNNING },
};

static const char *const domain_names[] = {
	[DOMAIN_PV] = "pv",
	[DOMAIN_HVM] = "hvm",
	[DOMAIN_PVH] = "pvh",
	[DOMAIN_PV_IN_PVH] = "pv_in_pvh",
};

/* The index of s in names[n], or -1. */
static int
name_index(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

int
power_state_parse(const char *s, enum power_state *out)
{
	int i;
	size_t j;

	if ((i = name_index(power_names, NELEM(power_names), s)) != -1) {
		*out = (enum power_state)i;
		return 0;
	}
	for (j = 0; s != NULL && j < NELEM(power_aliases); j++)
		if (strcmp(s, power_aliases[j].name) == 0) {
			*out = power_aliases[j].ps;
			return 0;
		}
	return -1;
}

const char *
power_state_name(enum power_state ps)
{
	return (size_t)ps < NELEM(power_names) ? power_names[ps] : "?";
}

int
domain_type_parse(const char *s, enum domain_type *out)
{
	int i;

	if ((i = name_index(domain_names, NELEM(domain_names), s)) == -1)
		return -1;
	*out = (enum domain_type)i;
	return 0;
}

const char *
domain_type_name(enum domain_type dt)
{
	return (size_t)dt < NELEM(domain_names) ? domain_names[dt] : "?";
}

int
domain_is_hvm(enum domain_type dt)
{
	return dt != DOMAIN_PV;
}

const char *
domain_max_key(enum domain_type dt)
{
	return domain_is_hvm(dt) ? CI_FEATURES_HVM : CI_FEATURES_PV;
}

const char *
domain_default_key(enum domain_type dt)
{
	return domain_is_hvm(dt) ? CI_FEATURES_HVM_HOST : CI_FEATURES_PV_HOST;
}
