/*
 * The insides of a plan (plan.c loads it, planjudge.c judges it): the
 * classes its VMs and hosts are sorted into, and the memo of verdicts.
 * featured.h gives the rest of featured struct plan and its functions.
 */
#ifndef FEATURED_PLAN_H
#define FEATURED_PLAN_H

#include <stdint.h>

#include "featured.h"

/* What compat_judge() reads of a VM, made comparable byte for byte. */
struct plan_vmkey {
	int			hvm, has_vendor, has_features;
	char			vendor[CPUINFO_MAX_VENDOR + 1];
	struct featureset	features;
};

/* What it reads of a host. */
struct plan_hostkey {
	int			hvm_capable, has_pv, has_hvm;
	char			vendor[CPUINFO_MAX_VENDOR + 1];
	struct featureset	pv, hvm;
};

/* The verdict of a (VM class, host class) pair. */
struct plan_memo {
	int			 done;
	struct compat_verdict	 v;
	struct json_object	*names;		/* v.missing named, or NULL */
	size_t			 names_len;	/* its text's, 0: not yet */
	struct json_object	*err;		/* its error, vm "", or NULL */
};

/* A VM row's class by the text of its columns: parsed once a text. */
struct plan_text {
	uint32_t		 hash;
	int			 hvm, cls;
	int			 vlen, flen;	/* -1: the column is NULL */
	char			*text;		/* vendor, then features */
};

/* The memo no longer fits the classes (one was added): forget it. */
void	plan_forget(struct plan *pl);

#endif
