/*
 * rng.c - the one seeded generator: splitmix64, uniform, normal, shuffles.
 * Everything random in the library (initialisation, splits, shuffles) comes
 * from here, so a seed fixes every bit of a run.
 */
#include <math.h>

#include "internal.h"

void fg_rng_seed(fg_rng *r, uint64_t seed) { r->s = seed; }

uint64_t fg_rng_next(fg_rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double fg_rng_uniform(fg_rng *r) { return (double)(fg_rng_next(r) >> 11) * 0x1.0p-53; }

uint32_t fg_rng_below(fg_rng *r, uint32_t n) {
    /* rejection sampling on 32-bit draws: unbiased */
    uint32_t limit = (uint32_t)(0x100000000ULL - (0x100000000ULL % n));
    for (;;) {
        uint32_t x = (uint32_t)(fg_rng_next(r) >> 32);
        if (limit == 0 || x < limit) return x % n;
    }
}

/* Marsaglia's polar method: needs only log and sqrt (sqrt is exact IEEE). */
double fg_rng_normal(fg_rng *r) {
    for (;;) {
        double u = 2.0 * fg_rng_uniform(r) - 1.0;
        double v = 2.0 * fg_rng_uniform(r) - 1.0;
        double s = u * u + v * v;
        if (s > 0.0 && s < 1.0) return u * sqrt(-2.0 * fg_log(s) / s);
    }
}

void fg_rng_permutation(fg_rng *r, int32_t *idx, int32_t n) {
    for (int32_t i = 0; i < n; i++) idx[i] = i;
    fg_rng_shuffle(r, idx, n);
}

void fg_rng_shuffle(fg_rng *r, int32_t *idx, int32_t n) {
    for (int32_t i = n - 1; i > 0; i--) {
        int32_t j = (int32_t)fg_rng_below(r, (uint32_t)i + 1);
        int32_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}
