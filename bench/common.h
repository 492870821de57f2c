/*
 * What the benchmarks share beside their world (world.h): die() with
 * each program's own clean-up, and the clock and the median the timed
 * ones read.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>

/* The name die() prints before its message: each main sets it first. */
extern const char *die_prog;
/*
 * When set, die() calls it before it exits 2: what the program must not
 * leave behind (a scratch directory, servers it started).
 */
extern void (*die_cleanup)(void);

/* Print "die_prog: message", clean up, exit 2. */
void		die(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t	now_ns(void);
/* For qsort() of uint64_t and of double. */
int		cmp_u64(const void *a, const void *b);
int		cmp_double(const void *a, const void *b);
/* The median of v[0..n-1] (n > 0), which it sorts. */
double		median(double *v, int n);

#endif
