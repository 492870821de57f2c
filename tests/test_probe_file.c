/*
 * What the probe spec parser and the file: backend say when they refuse:
 * the valid forms for a spec they do not know, and for a bad cpu_info
 * file what is wrong with it (missing, empty, not JSON at which line and
 * column, not an object, a missing key, a featureset that does not parse).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char dir[256];
static char label[512];

static void
test_specs(void)
{
	static const char *const good[] = {
		"auto", "xen", "cpuid", "file:/x.json", "file:relative",
	};
	static const char *const bad[] = {
		"bogus", "file:", "", "Auto", "file", "cpuid ", "none",
	};
	char err[512];
	size_t i;

	for (i = 0; i < NELEM(good); i++) {
		snprintf(label, sizeof(label), "probe spec '%s' is valid",
		    good[i]);
		ok(probe_check_spec(good[i], err, sizeof(err)) == 0, label);
	}
	for (i = 0; i < NELEM(bad); i++) {
		err[0] = '\0';
		snprintf(label, sizeof(label), "probe spec '%s' is refused, "
		    "naming it and listing the valid forms", bad[i]);
		if (!ok(probe_check_spec(bad[i], err, sizeof(err)) == -1 &&
		    strstr(err, "auto, xen, cpuid or file:PATH") != NULL &&
		    (bad[i][0] == '\0' || strstr(err, bad[i]) != NULL) &&
		    strchr(err, '\n') == NULL, label))
			diag("err: %s", err);
	}
}

/* probe_host("file:" + a file holding text): the error, or "" if OK. */
static const char *
probe_text(const char *text, char *path, size_t pathlen)
{
	static char err[1024];
	char spec[600];
	struct cpuinfo ci;
	FILE *f;

	snprintf(path, pathlen, "%s/ci.json", dir);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) == EOF) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	snprintf(spec, sizeof(spec), "file:%s", path);
	err[0] = '\0';
	if (probe_host(spec, &ci, err, sizeof(err)) == PROBE_OK) {
		cpuinfo_free(&ci);
		err[0] = '\0';
	} else if (ci.n != 0)
		snprintf(err, sizeof(err), "(the map was left with keys)");
	unlink(path);
	return err;
}

static void
test_missing(void)
{
	struct cpuinfo ci;
	char spec[400], err[600];

	snprintf(spec, sizeof(spec), "file:%s/absent.json", dir);
	err[0] = '\0';
	if (!ok(probe_host(spec, &ci, err, sizeof(err)) == PROBE_ERROR &&
	    strstr(err, spec + strlen("file:")) != NULL &&
	    strstr(err, strerror(ENOENT)) != NULL,
	    "file: a missing file: refused, naming it and why"))
		diag("err: %s", err);
}

static void
test_files(void)
{
	static const struct {
		const char	*text;
		const char	*what;
		const char	*says[3];
	} cases[] = {
		{ "", "an empty file", { "is empty" } },
		{ " \n\t\n", "a file of spaces", { "is empty" } },
		{ "not json\n", "not JSON",
		    { "is not JSON", "line 1, column 2" } },
		{ "{\n  \"vendor\": \"x\",\n  \"a\": tru\n}\n",
		    "a bad literal on line 3", { "is not JSON",
		    "line 3, column 11" } },
		{ "{\"vendor\":\"x\"}\n\n  junk\n", "garbage after the object",
		    { "is not JSON", "line 3, column 3" } },
		{ "{\"vendor\":", "truncated JSON", { "is not JSON",
		    "truncated" } },
		{ "[\"vendor\",\"x\"]\n", "an array", { "JSON array",
		    "not an object" } },
		{ "{\"features_pv\":\"1-2\"}\n", "no vendor",
		    { "missing key \"vendor\"" } },
		{ "{\"vendor\":\"x\",\"cpu_count\":8}\n", "a number",
		    { "'cpu_count'", "must be a string" } },
		{ "{\"vendor\":\"GenuineIntel\",\"features_hvm\":\"zz-1\"}\n",
		    "a featureset that does not parse",
		    { "features_hvm", "'zz-1'" } },
		{ "{\"vendor\":\"GenuineIntel\",\"features_pv\":\"1-2\","
		    "\"features_pv_host\":\"1-\"}\n",
		    "a host featureset that does not parse",
		    { "features_pv_host", "'1-'" } },
	};
	char path[400];
	const char *err;
	size_t i, j;
	int good;

	for (i = 0; i < NELEM(cases); i++) {
		err = probe_text(cases[i].text, path, sizeof(path));
		good = err[0] != '\0' && strstr(err, path) != NULL &&
		    strchr(err, '\n') == NULL;
		for (j = 0; j < NELEM(cases[i].says) && cases[i].says[j]; j++)
			good = good && strstr(err, cases[i].says[j]) != NULL;
		snprintf(label, sizeof(label), "file: %s: refused, naming "
		    "the file and saying \"%s\"", cases[i].what,
		    cases[i].says[0]);
		if (!ok(good, label))
			diag("err: %s", err);
	}
	err = probe_text("{\"vendor\":\"GenuineIntel\",\"features_pv\":"
	    "\"1-2\",\"features_hvm\":\"3\"}\n", path, sizeof(path));
	if (!ok(err[0] == '\0', "file: a good cpu_info is read"))
		diag("err: %s", err);

	test_missing();
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test_probe_file.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	test_specs();
	test_files();
	ok(rmdir(dir) == 0, "nothing is left in the temporary directory");
	return done_testing();
}
