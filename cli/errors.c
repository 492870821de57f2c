/*
 * XenAPI errors as sentences, from one table: "cpulevel: CODE: sentence",
 * the code kept for scripts and searches, the sentence for a person.
 *
 * A row's text names what it says: {0}, {1}... the error's params, as
 * featured and migcheck send them (proto/README.md, "Errors"); {name} a
 * fact its explain hook found out from the daemon after the refusal, or
 * else the request's param of that name.  Rows of one code are tried in
 * order and the first whose every name has a non-empty value is printed,
 * so a code's later rows say less when a fact cannot be had.  A code no
 * row phrases is printed as it came: "CODE: param, param".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonutil.h"

#define SENTENCE_MAX	8192

static const struct phrase {
	const char	*code;
	const char	*text;
	void		(*explain)(const struct api_error *,
			    struct json_object *);
} phrases[] = {
	{ "HANDLE_INVALID",	"no such {0} '{1}'", NULL },
	{ "UUID_INVALID",	"no such {0} '{1}'", NULL },
	{ "INVALID_FEATURE_STRING",
	  "'{0}' is not a featureset (hex words joined by '-')", NULL },
	{ "VM_BAD_POWER_STATE",	"{0} is {2}, expected {1}", NULL },
	{ "HOSTS_NOT_HOMOGENEOUS",
	  "{host} is {host_vendor}, the pool is {pool_vendor} "
	  "(use --force to join anyway)", explain_vendors },
	{ "HOSTS_NOT_HOMOGENEOUS",
	  "{host}'s CPU vendor is not pool {pool}'s "
	  "(use --force to join anyway)", NULL },
	{ "HOST_ALREADY_IN_POOL", "{0} is already a member of pool {1}", NULL },
	{ "HOST_NOT_IN_POOL",	"{0} is not a member of pool {1}", NULL },
	{ "HOST_HAS_RESIDENT_VMS",
	  "{0} has running VMs (shut them down or move them first)", NULL },
	{ "JOINING_HOST_CANNOT_HAVE_RUNNING_VMS",
	  "{host} has running VMs and cannot join a pool", NULL },
	{ "HOST_MISSING_CPU_INFO", "{0} has no {1} in its cpu_info", NULL },
	{ "VM_HVM_REQUIRED",
	  "{0} is an HVM guest and {host} cannot run HVM guests", NULL },
	{ "VM_HVM_REQUIRED",
	  "{0} is an HVM guest: it needs a host that runs them", NULL },
	{ "VM_INCOMPATIBLE_WITH_THIS_HOST",
	  "{0} cannot run on {1}, which lacks {missing}", explain_missing },
	{ "VM_INCOMPATIBLE_WITH_THIS_HOST",
	  "{0} cannot run on {1}: {2}", NULL },
};
#define NPHRASES	(sizeof(phrases) / sizeof(phrases[0]))

/* The value a row names: a param by number, else a fact, else the
 * request's; NULL if it has none or an empty one. */
static const char *
lookup(const struct api_error *ae, struct json_object *facts,
    const char *name, size_t len)
{
	struct json_object *v = NULL;
	char key[64];
	const char *s;

	if (len == 0 || len >= sizeof(key))
		return NULL;
	snprintf(key, sizeof(key), "%.*s", (int)len, name);
	if (strspn(key, "0123456789") == len) {
		if (json_object_is_type(ae->data, json_type_array))
			v = json_object_array_get_idx(ae->data,
			    (size_t)atoi(key));
	} else if (!json_object_object_get_ex(facts, key, &v))
		json_object_object_get_ex(ae->request, key, &v);
	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return *s != '\0' ? s : NULL;
}

/* The row's text with its names filled in: 0, or -1 if one has none. */
static int
render(const struct phrase *p, const struct api_error *ae,
    struct json_object *facts, char *buf, size_t size)
{
	const char *t = p->text, *end, *v;
	size_t len = 0;

	buf[0] = '\0';
	while (*t != '\0' && len < size) {
		if (*t != '{' || (end = strchr(t, '}')) == NULL) {
			buf[len++] = *t++;
			continue;
		}
		if ((v = lookup(ae, facts, t + 1, (size_t)(end - t - 1))) ==
		    NULL)
			return -1;
		len += (size_t)snprintf(buf + len, size - len, "%s", v);
		t = end + 1;
	}
	buf[len < size ? len : size - 1] = '\0';
	return 0;
}

/* "CODE: a, b": the error as it came. */
static const char *
plain_text(const struct api_error *ae, char *buf, size_t size)
{
	size_t i, n, len;

	len = (size_t)snprintf(buf, size, "%s", ae->code);
	if (json_object_is_type(ae->data, json_type_array)) {
		n = json_object_array_length(ae->data);
		for (i = 0; i < n && len < size; i++)
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
			    i ? ", " : ": ", cmd_value_text(
			    json_object_array_get_idx(ae->data, i)));
	} else if (ae->data != NULL && len < size)
		snprintf(buf + len, size - len, ": %s",
		    cmd_value_text(ae->data));
	return buf;
}

/* "CODE: sentence" by the first row of the code that renders. */
static const char *
sentence_text(const struct api_error *ae, char *buf, size_t size)
{
	static char sentence[SENTENCE_MAX];
	struct json_object *facts;
	size_t i;
	int done = 0;

	if ((facts = json_object_new_object()) == NULL)
		return plain_text(ae, buf, size);
	for (i = 0; i < NPHRASES && !done; i++) {
		if (strcmp(phrases[i].code, ae->code) != 0)
			continue;
		if (phrases[i].explain)
			phrases[i].explain(ae, facts);
		done = render(&phrases[i], ae, facts, sentence,
		    sizeof(sentence)) == 0;
	}
	json_object_put(facts);
	if (!done)
		return plain_text(ae, buf, size);
	snprintf(buf, size, "%s: %s", ae->code, sentence);
	return buf;
}

const char *
cli_api_error_text(const struct api_error *ae, int plain)
{
	static char text[2 * SENTENCE_MAX];

	return plain ? plain_text(ae, text, sizeof(text)) :
	    sentence_text(ae, text, sizeof(text));
}

void
cli_print_api_error(const struct api_error *ae, int plain)
{
	fprintf(stderr, "cpulevel: %s\n", cli_api_error_text(ae, plain));
}
