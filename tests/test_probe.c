/*
 * The probes: procinfo_fill on fixtures, the CPUID backend on this
 * machine, the Xen backend's "not here" path, and probe_host's dispatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "featurenames.h"
#include "probe.h"
#include "tap.h"

#if defined(__i386__) || defined(__x86_64__)
#define X86	1
#else
#define X86	0
#endif

/* Two sockets of two, listed interleaved as Linux does with SMT. */
static const char two_sockets[] =
    "processor\t: 0\n"
    "vendor_id\t: GenuineIntel\n"
    "cpu family\t: 6\n"
    "model\t\t: 85\n"
    "model name\t: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz\n"
    "stepping\t: 4\n"
    "cpu MHz\t\t: 2095.078\n"
    "physical id\t: 0\n"
    "flags\t\t: fpu vme de pse tsc\n"
    "power management:\n"
    "\n"
    "processor\t: 1\n"
    "cpu family\t: 7\n"
    "model\t\t: 86\n"
    "model name\t: Second Block CPU\n"
    "stepping\t: 5\n"
    "cpu MHz\t\t: 1200.000\n"
    "physical id\t: 1\n"
    "flags\t\t: fpu\n"
    "\n"
    "processor\t: 2\n"
    "physical id\t: 0\n"
    "\n"
    "processor\t: 3\n"
    "physical id\t: 1\n"
    "\n";

/* Three vCPUs and no topology, as in some guests. */
static const char no_physid[] =
    "processor\t: 0\n"
    "model name\t: QEMU Virtual CPU\n"
    "\n"
    "processor\t: 1\n"
    "\n"
    "processor\t: 2\n";

static void
write_fixture(char *path, const char *text)
{
	size_t len = strlen(text);
	int fd;

	strcpy(path, "/tmp/test_probe.XXXXXX");
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, text, len) != (ssize_t)len || close(fd) == -1) {
		printf("Bail out! cannot write fixture %s\n", path);
		exit(1);
	}
}

/* procinfo_fill on text; its return value. */
static int
fill_from(const char *text, struct cpuinfo *ci)
{
	char path[64];
	int rc;

	write_fixture(path, text);
	cpuinfo_init(ci);
	rc = procinfo_fill(path, ci);
	unlink(path);
	return rc;
}

static void
test_procinfo_sockets(void)
{
	struct cpuinfo ci;

	is_int(fill_from(two_sockets, &ci), 0, "procinfo: two sockets");
	is_str(cpuinfo_get(&ci, CI_MODELNAME),
	    "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz",
	    "procinfo: modelname from the first block");
	is_str(cpuinfo_get(&ci, CI_SPEED), "2095.078", "procinfo: speed");
	is_str(cpuinfo_get(&ci, CI_FAMILY), "6", "procinfo: family");
	is_str(cpuinfo_get(&ci, CI_MODEL), "85", "procinfo: model");
	is_str(cpuinfo_get(&ci, CI_STEPPING), "4", "procinfo: stepping");
	is_str(cpuinfo_get(&ci, CI_FLAGS), "fpu vme de pse tsc",
	    "procinfo: flags");
	is_str(cpuinfo_get(&ci, CI_CPU_COUNT), "4", "procinfo: cpu_count");
	is_str(cpuinfo_get(&ci, CI_SOCKET_COUNT), "2",
	    "procinfo: distinct physical ids, not runs of them");
	ok(cpuinfo_get(&ci, CI_VENDOR) == NULL,
	    "procinfo: vendor is not its key");
	is_int(ci.n, 8, "procinfo: nothing else set");
	cpuinfo_free(&ci);
}

static void
test_procinfo_no_physid(void)
{
	struct cpuinfo ci;

	is_int(fill_from(no_physid, &ci), 0, "procinfo: no physical id");
	is_str(cpuinfo_get(&ci, CI_CPU_COUNT), "3",
	    "procinfo: no physical id: cpu_count");
	is_str(cpuinfo_get(&ci, CI_SOCKET_COUNT), "1",
	    "procinfo: no physical id: one socket");
	is_str(cpuinfo_get(&ci, CI_MODELNAME), "QEMU Virtual CPU",
	    "procinfo: no physical id: modelname");
	ok(cpuinfo_get(&ci, CI_FLAGS) == NULL &&
	    cpuinfo_get(&ci, CI_SPEED) == NULL,
	    "procinfo: fields not found are not set");
	is_int(ci.n, 3, "procinfo: no physical id: three keys");
	cpuinfo_free(&ci);
}

/* A flags line of n 'x's followed by a model line. */
static char *
long_flags(size_t n)
{
	const char head[] = "processor\t: 0\nflags\t\t: ";
	const char tail[] = "\nmodel\t\t: 1\n";
	char *s;

	if ((s = malloc(sizeof(head) + n + sizeof(tail))) == NULL) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	strcpy(s, head);
	memset(s + strlen(head), 'x', n);
	strcpy(s + strlen(head) + n, tail);
	return s;
}

static void
test_procinfo_long_lines(void)
{
	struct cpuinfo ci;
	const char *v;
	char *text;

	/* Today's flags lines are about 2 KiB: they must come through. */
	text = long_flags(3000);
	is_int(fill_from(text, &ci), 0, "procinfo: 3000-byte flags");
	v = cpuinfo_get(&ci, CI_FLAGS);
	ok(v != NULL && strlen(v) == 3000 && strspn(v, "x") == 3000,
	    "procinfo: 3000-byte flags kept whole");
	cpuinfo_free(&ci);
	free(text);

	/* Too long to store: skipped, and the rest still read. */
	text = long_flags(CPUINFO_MAX_VALUE + 10);
	is_int(fill_from(text, &ci), 0, "procinfo: oversized flags line");
	ok(cpuinfo_get(&ci, CI_FLAGS) == NULL,
	    "procinfo: oversized flags line skipped");
	is_str(cpuinfo_get(&ci, CI_MODEL), "1",
	    "procinfo: lines after an oversized one still read");
	cpuinfo_free(&ci);
	free(text);
}

static void
test_procinfo_missing(void)
{
	struct cpuinfo ci;

	cpuinfo_init(&ci);
	is_int(procinfo_fill("/nonexistent/test_probe/cpuinfo", &ci), 0,
	    "procinfo: missing file is not an error");
	is_int(ci.n, 0, "procinfo: missing file sets nothing");
}

/* The value of a /proc/cpuinfo field of the first block, or NULL. */
static const char *
proc_field(const char *name, char *buf, size_t len)
{
	FILE *f;
	char line[CPUINFO_MAX_VALUE + 128], *colon, *p;
	size_t n = strlen(name);

	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, n) != 0 ||
		    (colon = strchr(line, ':')) == NULL ||
		    strspn(line + n, " \t") != (size_t)(colon - line - n))
			continue;
		for (p = colon + 1; *p == ' '; p++)
			continue;
		p[strcspn(p, "\n")] = '\0';
		snprintf(buf, len, "%s", p);
		fclose(f);
		return buf;
	}
	fclose(f);
	return NULL;
}

/* Where /proc/cpuinfo has the field, CPUID must agree with Linux. */
static void
agrees_with_linux(const struct cpuinfo *ci, const char *key,
    const char *proc)
{
	char buf[CPUINFO_MAX_VALUE + 1], what[128];

	snprintf(what, sizeof(what), "cpuid: %s agrees with /proc/cpuinfo "
	    "'%s'", key, proc);
	if (proc_field(proc, buf, sizeof(buf)) == NULL) {
		diag("/proc/cpuinfo has no '%s'", proc);
		return;
	}
	is_str(cpuinfo_get(ci, key), buf, what);
}

static void
test_cpuid_featuresets(const struct cpuinfo *ci)
{
	static const char *const keys[] = {
		CI_FEATURES_RAW, CI_FEATURES, CI_FEATURES_PV,
		CI_FEATURES_HVM, CI_FEATURES_PV_HOST, CI_FEATURES_HVM_HOST,
	};
	struct featureset fs;
	const char *raw = cpuinfo_get(ci, CI_FEATURES_RAW), *v;
	char err[FS_STRING_MAX + 128];
	size_t i;

	ok(raw != NULL && fs_parse(raw, &fs, err, sizeof(err)) == 0,
	    "cpuid: features_raw parses");
	if (raw == NULL)
		return;
	ok(fs_test_bit(&fs, 0), "cpuid: FPU (bit 0) set");
	ok(fs_test_bit(&fs, 26), "cpuid: SSE2 (bit 26) set");
	is_int(fs.len, featureset_nr_words, "cpuid: one word per header word");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = cpuinfo_get(ci, keys[i]);
		ok(v != NULL && strcmp(v, raw) == 0,
		    "cpuid: featureset key equals features_raw");
		if (v == NULL)
			diag("missing %s", keys[i]);
	}
}

static void
test_cpuid(void)
{
	struct cpuinfo ci;
	const char *v;
	char err[256] = "", buf[64];
	int rc;

	rc = probe_cpuid(&ci, err, sizeof(err));
	if (!X86) {
		is_int(rc, PROBE_UNAVAILABLE, "cpuid: unavailable off x86");
		diag("not x86: skipping the CPUID checks");
		return;
	}
	is_int(rc, PROBE_OK, "cpuid: PROBE_OK on x86");
	if (rc != PROBE_OK) {
		diag("cpuid: %s", err);
		return;
	}
	v = cpuinfo_get(&ci, CI_VENDOR);
	ok(v != NULL && strlen(v) == 12, "cpuid: vendor is 12 characters");
	agrees_with_linux(&ci, CI_VENDOR, "vendor_id");
	agrees_with_linux(&ci, CI_FAMILY, "cpu family");
	agrees_with_linux(&ci, CI_MODEL, "model");
	agrees_with_linux(&ci, CI_STEPPING, "stepping");
	agrees_with_linux(&ci, CI_MODELNAME, "model name");
	/* Only /proc/cpuinfo knows these; cpu MHz moves between reads. */
	agrees_with_linux(&ci, CI_FLAGS, "flags");
	ok(cpuinfo_get(&ci, CI_SPEED) != NULL ||
	    proc_field("cpu MHz", buf, sizeof(buf)) == NULL,
	    "cpuid: speed from /proc/cpuinfo");
	test_cpuid_featuresets(&ci);
	is_str(cpuinfo_get(&ci, CI_PROBE), "cpuid", "cpuid: probe key");
	v = cpuinfo_get(&ci, CI_PROBE_NOTE);
	ok(v != NULL && strstr(v, "bare-metal") != NULL,
	    "cpuid: probe_note says bare-metal");
	v = cpuinfo_get(&ci, CI_FAMILY);
	ok(v != NULL && atoi(v) > 0, "cpuid: family is a positive number");
	v = cpuinfo_get(&ci, CI_CPU_COUNT);
	ok(v != NULL && atoi(v) >= 1, "cpuid: cpu_count at least 1");
	ok(cpuinfo_get(&ci, CI_SOCKET_COUNT) != NULL, "cpuid: socket_count");
	cpuinfo_free(&ci);
}

static int
on_xen(void)
{
	struct stat st;

	return stat("/proc/xen/privcmd", &st) == 0 ||
	    stat("/dev/xen/privcmd", &st) == 0;
}

/* Runs probe_host(spec) with fd 2 sent to a temp file; its size in *nerr. */
static int
probe_quietly(const char *spec, struct cpuinfo *ci, char *err, size_t errlen,
    off_t *nerr)
{
	char path[64];
	struct stat st;
	int fd, saved, rc;

	write_fixture(path, "");
	fflush(stderr);
	if ((fd = open(path, O_WRONLY)) == -1 || (saved = dup(2)) == -1 ||
	    dup2(fd, 2) == -1) {
		printf("Bail out! cannot redirect stderr: %s\n",
		    strerror(errno));
		exit(1);
	}
	rc = probe_host(spec, ci, err, errlen);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	*nerr = stat(path, &st) == 0 ? st.st_size : -1;
	unlink(path);
	return rc;
}

static void
test_xen_unavailable(void)
{
	struct cpuinfo ci;
	char err[256] = "";
	off_t nerr;
	int rc;

	if (on_xen()) {
		diag("this host has a Xen privcmd: skipping the no-Xen checks");
		return;
	}
	rc = probe_quietly("xen", &ci, err, sizeof(err), &nerr);
	is_int(rc, PROBE_UNAVAILABLE, "xen: unavailable without Xen");
	ok(err[0] != '\0' && strchr(err, '\n') == NULL,
	    "xen: err is one non-empty line");
	diag("xen: %s", err);
	is_int(ci.n, 0, "xen: no keys when unavailable");
	is_int(nerr, 0, "xen: nothing written to stderr");
	cpuinfo_free(&ci);
}

static void
test_auto(void)
{
	struct cpuinfo ci;
	char err[256] = "";
	off_t nerr;
	int rc;

	if (!X86 || on_xen()) {
		diag("not x86 without Xen: skipping probe auto");
		return;
	}
	rc = probe_quietly("auto", &ci, err, sizeof(err), &nerr);
	if (probe_on_xen("/sys/hypervisor/type")) {
		/* A Xen guest, or a chroot on a Xen host: no privcmd, and
		 * CPUID would describe a domain, not the host. */
		is_int(rc, PROBE_ERROR, "auto on Xen without privcmd: an "
		    "error, not CPUID");
		ok(strstr(err, "runs on Xen") != NULL, "auto on Xen: err "
		    "says why");
	} else {
		is_int(rc, PROBE_OK, "auto: PROBE_OK without Xen");
		if (rc != PROBE_OK)
			diag("auto: %s", err);
		is_str(cpuinfo_get(&ci, CI_PROBE), "cpuid",
		    "auto: falls back to cpuid");
	}
	is_int(nerr, 0, "auto: nothing written to stderr");
	cpuinfo_free(&ci);
}

/* auto's guard: which hypervisor /sys/hypervisor/type names. */
static void
test_on_xen(void)
{
	static const struct {
		const char	*text;		/* NULL: no file */
		int		 want;
	} cases[] = {
		{ "xen\n", 1 }, { "xen", 1 }, { "kvm\n", 0 }, { "", 0 },
		{ "xenish\n", 0 }, { NULL, 0 },
	};
	char dir[] = "/tmp/test_probe.XXXXXX", path[64], label[96];
	size_t i;
	FILE *f;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/type", dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unlink(path);
		if (cases[i].text && ((f = fopen(path, "w")) == NULL ||
		    fputs(cases[i].text, f) == EOF || fclose(f) == EOF)) {
			ok(0, "write the hypervisor type file");
			continue;
		}
		snprintf(label, sizeof(label), "probe_on_xen with %s%s%s: %d",
		    cases[i].text ? "'" : "", cases[i].text ? cases[i].text :
		    "no file", cases[i].text ? "'" : "", cases[i].want);
		is_int(probe_on_xen(path), cases[i].want, label);
	}
	unlink(path);
	rmdir(dir);
}

static void
test_bogus(void)
{
	struct cpuinfo ci;
	char err[256] = "";

	is_int(probe_host("bogus", &ci, err, sizeof(err)), PROBE_ERROR,
	    "bogus: an error");
	ok(strstr(err, "'bogus'") != NULL, "bogus: err names it");
	is_int(ci.n, 0, "bogus: no keys");
}

int
main(void)
{
	test_procinfo_sockets();
	test_procinfo_no_physid();
	test_procinfo_long_lines();
	test_procinfo_missing();
	test_cpuid();
	test_xen_unavailable();
	test_auto();
	test_on_xen();
	test_bogus();
	return done_testing();
}
