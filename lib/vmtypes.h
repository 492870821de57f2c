/*
 * XenAPI's VM power states and domain types, as enums.  Text becomes an
 * enum once, where it enters (an RPC parameter, a database column), and
 * every rule after that compares enums, never spellings.
 */
#ifndef CPULEVEL_VMTYPES_H
#define CPULEVEL_VMTYPES_H

enum power_state {
	POWER_HALTED,
	POWER_RUNNING,
	POWER_SUSPENDED
};

enum domain_type {
	DOMAIN_PV,
	DOMAIN_HVM,
	DOMAIN_PVH,
	DOMAIN_PV_IN_PVH
};

/*
 * The wire and database spelling ("running"), and XenAPI's capitalised
 * one ("Running").  A paused VM ("Paused", "paused") is a running one:
 * xapi checks a paused VM exactly like a running one, and featured has
 * no rule that tells them apart.  0, or -1 for anything else.
 */
int		 power_state_parse(const char *s, enum power_state *out);
const char	*power_state_name(enum power_state ps);

/* "pv", "hvm", "pvh", "pv_in_pvh"; 0, or -1 for anything else. */
int		 domain_type_parse(const char *s, enum domain_type *out);
const char	*domain_type_name(enum domain_type dt);

/* pv is its own kind; hvm, pvh and pv_in_pvh all run in HVM containers. */
int		 domain_is_hvm(enum domain_type dt);
/* The cpu_info keys of the kind: max (migration) and default (level). */
const char	*domain_max_key(enum domain_type dt);
const char	*domain_default_key(enum domain_type dt);

#endif
