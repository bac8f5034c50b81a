/*
 * mathfn.c - exp, log, sigmoid and tanh of our own.
 *
 * Two libms (glibc natively, musl in wasm) round differently; these use only
 * +, -, *, / and exact bit manipulation, so native and wasm builds compute
 * the same bits. exp: Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, then
 * a Taylor polynomial of r. log: x = m 2^e, m in [sqrt(1/2), sqrt(2)),
 * log m = 2 atanh(s), s = (m - 1)/(m + 1).
 */
#include <string.h>

#include "internal.h"

static const double LN2_HI = 6.93147180369123816490e-01;
static const double LN2_LO = 1.90821492927058770002e-10;
static const double LOG2E = 1.44269504088896338700e+00;

/* 2^k for integer k in the normal range, by building the exponent bits. */
static double pow2i(int k) {
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static double round_half_away(double x) {
    double t = (double)(int64_t)(x + (x >= 0 ? 0.5 : -0.5));
    return t;
}

double fg_exp(double x) {
    if (x != x) return x;
    if (x > 709.0) x = 709.0;
    if (x < -745.0) return 0.0;
    double kd = round_half_away(x * LOG2E);
    int k = (int)kd;
    double r = (x - kd * LN2_HI) - kd * LN2_LO;
    /* Taylor to r^13 / 13!: |error| < 4e-18 for |r| <= 0.3466 */
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    if (k < -1021) return p * pow2i(k + 600) * pow2i(-600);
    return p * pow2i(k);
}

double fg_log(double x) {
    if (!(x > 0.0)) return x == 0.0 ? -1.0 / 0.0 : 0.0 / 0.0;
    if (x > 1.7976931348623157e308) return x;
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 52) & 0x7FF);
    if (e == 0) { /* subnormal: scale up by 2^64 */
        x *= 18446744073709551616.0;
        memcpy(&bits, &x, sizeof bits);
        e = (int)((bits >> 52) & 0x7FF) - 64;
    }
    e -= 1023;
    bits = (bits & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL;
    double m;
    memcpy(&m, &bits, sizeof m);
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e += 1;
    }
    double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    /* 2 (s + s^3/3 + ... + s^21/21): |s| <= 0.1716 */
    double p = 1.0 / 21.0;
    p = p * s2 + 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    return 2.0 * s * p + (double)e * LN2_LO + (double)e * LN2_HI;
}

/* The float exponential in two parts, for x clamped to [-80, 80] (results
 * stay normal floats: subnormals are slow on most hardware, and sigmoid/tanh
 * need nothing beyond this range):
 *   x = k ln2 + r,  k = x log2(e) rounded to nearest (adding 1.5 * 2^23,
 *   where the float spacing is 1, rounds it: no float-to-int conversion),
 *   q = e^r - 1 = r + r^2/2 + ... + r^7/7!  (|r| <= 0.35: error < 5e-9 |r|)
 *   s = 2^k built from its exponent bits
 * so that exp(x) = s q + s and expm1(x) = s q + (s - 1) (exact for k = 0,
 * hence accurate near 0). The SIMD128 gate in kernels.c repeats these steps
 * lane by lane. */
static float exp_parts(float x, float *s_out) {
    if (x > 80.0f) x = 80.0f;
    if (x < -80.0f) x = -80.0f;
    const float magic = 12582912.0f; /* 1.5 * 2^23 */
    float t = x * 1.44269504f + magic;
    float kf = t - magic;
    int32_t tb, mb;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&mb, &magic, sizeof mb);
    int32_t k = tb - mb;
    float r = (x - kf * 0.693145752f) - kf * 1.42860677e-06f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    uint32_t bits = (uint32_t)(k + 127) << 23;
    memcpy(s_out, &bits, sizeof *s_out);
    return p * r;
}

float fg_expf(float x) {
    if (x != x) return x;
    float s, q = exp_parts(x, &s);
    return s * q + s;
}

float fg_expm1f(float x) {
    if (x != x) return x;
    float s, q = exp_parts(x, &s);
    return s * q + (s - 1.0f);
}

/* float log: x = m 2^e, m in [sqrt(1/2), sqrt(2)), s = (m - 1)/(m + 1),
 * log m = 2 (s + s^3/3 + ... + s^9/9): |s| <= 0.1716, error < 3e-10. */
float fg_logf(float x) {
    if (!(x > 0.0f)) return x == 0.0f ? -1.0f / 0.0f : 0.0f / 0.0f;
    if (x > 3.4028234663852886e38f) return x;
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 23) & 0xFF);
    if (e == 0) { /* subnormal: scale up by 2^24 */
        x *= 16777216.0f;
        memcpy(&bits, &x, sizeof bits);
        e = (int)((bits >> 23) & 0xFF) - 24;
    }
    e -= 127;
    bits = (bits & 0x007FFFFFu) | 0x3F800000u;
    float m;
    memcpy(&m, &bits, sizeof m);
    if (m > 1.41421356f) {
        m *= 0.5f;
        e += 1;
    }
    float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    float p = 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = p * s2 + 1.0f;
    return 2.0f * s * p + (float)e * 1.42860677e-06f + (float)e * 0.693145752f;
}

/* expm1 in fg_real: float as above; double by Taylor near 0, else exp - 1. */
static fg_real expm1_real(fg_real x) {
#ifdef FG_DOUBLE
    if (x > -0.5 && x < 0.5) {
        /* sum_{k=1..17} x^k / k!: error < 0.5^18/18! */
        double inv_fact[18];
        inv_fact[0] = 1.0;
        for (int k = 1; k <= 17; k++) inv_fact[k] = inv_fact[k - 1] / (double)k;
        double p = inv_fact[17];
        for (int k = 16; k >= 1; k--) p = p * x + inv_fact[k];
        return p * x;
    }
    return fg_exp(x) - 1.0;
#else
    return fg_expm1f(x);
#endif
}

fg_real fg_exp_real(fg_real x) {
#ifdef FG_DOUBLE
    return fg_exp(x);
#else
    return fg_expf(x);
#endif
}

fg_real fg_log_real(fg_real x) {
#ifdef FG_DOUBLE
    return fg_log(x);
#else
    return fg_logf(x);
#endif
}

fg_real fg_sigmoid(fg_real x) { return (fg_real)1 / ((fg_real)1 + fg_exp_real(-x)); }

/* tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|)), sign restored. */
fg_real fg_tanh(fg_real x) {
    fg_real ax = x < 0 ? -x : x;
    if (ax > (fg_real)20) return x < 0 ? (fg_real)-1 : (fg_real)1;
    fg_real e = expm1_real((fg_real)-2 * ax);
    fg_real t = -e / ((fg_real)2 + e);
    return x < 0 ? -t : t;
}
