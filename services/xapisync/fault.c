/*
 * Which fault a XenAPI call ended in, and so what the loop does next
 * (sync.h's enum sync_fault; services/xapisync/README.md has the whole
 * table of faults).  One table, read by every file that calls xapi;
 * it calls nothing of theirs.
 */
#include <stddef.h>

#include "strlcpy.h"
#include "sync.h"

/* xapi's failure codes that are more than "try again later". */
static const struct {
	const char	*code;
	enum sync_fault	 fault;
} failures[] = {
	{ "SESSION_INVALID",			SF_SESSION },
	{ "EVENT_FROM_TOKEN_PARSE_FAILURE",	SF_TOKEN },
	{ "HOST_IS_SLAVE",			SF_SLAVE },
};

enum sync_fault
sync_xapi_fault(struct sync *s, const struct xenapi_error *e)
{
	size_t i;

	if (e->kind != XENAPI_EFAILURE)
		return SF_XAPI;
	for (i = 0; i < sizeof(failures) / sizeof(failures[0]); i++)
		if (xenapi_is_failure(e, failures[i].code))
			break;
	if (i == sizeof(failures) / sizeof(failures[0]))
		return SF_XAPI;
	/* HOST_IS_SLAVE [master address]: where to log in instead. */
	if (failures[i].fault == SF_SLAVE)
		strlcpy(s->master, e->nparams > 0 ? e->params[0] : "",
		    sizeof(s->master));
	return failures[i].fault;
}
