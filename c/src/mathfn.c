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
    if (m > 1.4142135623730951) { m *= 0.5; e += 1; }
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

/* float exp on [-80, 80] (clamped): same reduction, Taylor to r^7 (relative
 * error < 1e-8 + rounding). */
float fg_expf(float x) {
    if (x != x) return x;
    /* [-80, 80]: results stay normal floats (subnormals are slow on most
     * hardware, and sigmoid/tanh need nothing beyond this range) */
    if (x > 80.0f) x = 80.0f;
    if (x < -80.0f) x = -80.0f;
    float kf = (float)(int32_t)(x * 1.44269504f + (x >= 0 ? 0.5f : -0.5f));
    float r = (x - kf * 0.693145752f) - kf * 1.42860677e-06f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    uint32_t bits = (uint32_t)((int32_t)kf + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

float fg_logf(float x) { return (float)fg_log((double)x); }

/* expm1 for |x| <= 0.5 by Taylor (no cancellation near 0), else exp - 1. */
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
    if (x > -0.5f && x < 0.5f) {
        /* x + x^2/2 + ... + x^8/8!: error < 0.5^9/9! = 5e-9 relative */
        float p = 1.0f / 40320.0f;
        p = p * x + 1.0f / 5040.0f;
        p = p * x + 1.0f / 720.0f;
        p = p * x + 1.0f / 120.0f;
        p = p * x + 1.0f / 24.0f;
        p = p * x + 1.0f / 6.0f;
        p = p * x + 0.5f;
        p = p * x + 1.0f;
        return p * x;
    }
    return fg_expf(x) - 1.0f;
#endif
}

fg_real fg_sigmoid(fg_real x) {
#ifdef FG_DOUBLE
    return 1.0 / (1.0 + fg_exp(-x));
#else
    return 1.0f / (1.0f + fg_expf(-x));
#endif
}

/* tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|)), sign restored. */
fg_real fg_tanh(fg_real x) {
    fg_real ax = x < 0 ? -x : x;
    if (ax > (fg_real)20) return x < 0 ? (fg_real)-1 : (fg_real)1;
    fg_real e = expm1_real((fg_real)-2 * ax);
    fg_real t = -e / ((fg_real)2 + e);
    return x < 0 ? -t : t;
}
