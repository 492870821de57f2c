/*
 * A stand-in for the two functions XenServer's libxenguest patch adds,
 * for test_platform.c: loaded with dlopen(RTLD_GLOBAL), it is what
 * combine_lookup() must find.  It implements the patch's documented
 * semantics simply, and deliberately not the whole of fs_combine (no '|'
 * bits, no deep dependencies), so a test can tell whose answer it got;
 * and it counts its calls.
 *
 * Built three ways: whole, -DONLY_COMBINE and -DONLY_COMPATIBLE, the last
 * two a half-patched library that must not be used.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The header's own enum: XEN_X86_FEATURE_ARCH_CAPS and so on. */
#include CPUFEATURESET_H

#define HAS(fs, f)	(((fs)[(f) / 32] >> ((f) % 32)) & 1)
#define SET(fs, f)	((fs)[(f) / 32] |= 1u << ((f) % 32))
#define CLR(fs, f)	((fs)[(f) / 32] &= ~(1u << ((f) % 32)))

unsigned int	fake_combine_calls, fake_compatible_calls;
size_t		fake_last_len;
/* 0 or 1: answer that, whatever the sets, to show whose answer counts. */
int		fake_compatible_says = -1;

#ifndef ONLY_COMPATIBLE
void	xc_combine_cpu_featuresets(const uint32_t *, const uint32_t *,
	    uint32_t *, size_t);

/* AND, then RSBA/RRSBA: RRSBA with EIBRS, else RSBA, if either had one. */
void
xc_combine_cpu_featuresets(const uint32_t *p1, const uint32_t *p2,
    uint32_t *out, size_t len)
{
	const unsigned int caps = XEN_X86_FEATURE_ARCH_CAPS;
	const unsigned int eibrs = XEN_X86_FEATURE_EIBRS;
	const unsigned int rsba = XEN_X86_FEATURE_RSBA;
	const unsigned int rrsba = XEN_X86_FEATURE_RRSBA;
	size_t i;
	int any;

	fake_combine_calls++;
	fake_last_len = len;
	for (i = 0; i < len; i++)
		out[i] = p1[i] & p2[i];
	if (len <= rrsba / 32 || !HAS(out, caps))
		return;
	any = HAS(p1, rsba) || HAS(p1, rrsba) || HAS(p2, rsba) ||
	    HAS(p2, rrsba);
	if (!any)
		return;
	CLR(out, rsba);
	CLR(out, rrsba);
	if (HAS(out, eibrs))
		SET(out, rrsba);
	else
		SET(out, rsba);
}
#endif

#ifndef ONLY_COMBINE
const char *xc_cpu_featuresets_are_compatible(const uint32_t *,
	    const uint32_t *, size_t, char[128]);

/* NULL if every bit of vm is in host, else the missing bits, named. */
const char *
xc_cpu_featuresets_are_compatible(const uint32_t *vm, const uint32_t *host,
    size_t len, char err[128])
{
	size_t i, n = 0;
	unsigned int b;
	int missing = 0;

	fake_compatible_calls++;
	fake_last_len = len;
	err[0] = '\0';
	for (i = 0; i < len; i++)
		for (b = 0; b < 32; b++) {
			if (!((vm[i] & ~host[i]) >> b & 1))
				continue;
			missing = 1;
			if (n < 128)
				n += (size_t)snprintf(err + n, 128 - n,
				    " w%zub%u", i, b);
		}
	if (fake_compatible_says != -1) {
		snprintf(err, 128, "told to say so");
		return fake_compatible_says ? NULL : err;
	}
	/* Past the leading space, as the patch's own message reads. */
	return missing ? err + 1 : NULL;
}
#endif
