/*
 * adam.c - gradient clipping by global norm and the Adam update, over the
 * flat parameter buffer (the tensor table gives every tensor the same
 * offsets in params, grad and both moments).
 *
 *   m <- b1 m + (1 - b1) g          v <- b2 v + (1 - b2) g^2
 *   p <- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 */
#include <math.h>

#include "internal.h"

#if defined(__wasm_simd128__) && !defined(FG_DOUBLE)
#include <wasm_simd128.h>
#define FG_SIMD 1
#endif

#ifdef FG_DOUBLE
#define SQRT sqrt
#else
#define SQRT sqrtf /* correctly rounded everywhere: same bits in every build */
#endif

double fg_clip_grad(fg_real *grad, size_t n, double max_norm) {
    double sq = 0;
    for (size_t i = 0; i < n; i++) sq += (double)grad[i] * (double)grad[i];
    double norm = sqrt(sq);
    if (max_norm > 0 && norm > max_norm && isfinite(norm)) {
        fg_real scale = (fg_real)(max_norm / norm);
        for (size_t i = 0; i < n; i++) grad[i] *= scale;
    }
    return norm;
}

/* One Adam step; t is the 1-based step count after this update. */
void fg_adam_update(fg_real *params, const fg_real *grad, fg_real *m1, fg_real *m2, size_t n,
                    double lr, double beta1, double beta2, double eps, double beta1_t,
                    double beta2_t) {
    fg_real b1 = (fg_real)beta1, b2 = (fg_real)beta2;
    fg_real c1 = (fg_real)(1.0 / (1.0 - beta1_t)), c2 = (fg_real)(1.0 / (1.0 - beta2_t));
    fg_real step = (fg_real)lr, e = (fg_real)eps;
    size_t i = 0;
#ifdef FG_SIMD
    v128_t vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2), one = wasm_f32x4_splat(1.0f);
    v128_t vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2);
    v128_t vstep = wasm_f32x4_splat(step), ve = wasm_f32x4_splat(e);
    for (; i + 4 <= n; i += 4) {
        v128_t g = wasm_v128_load(grad + i);
        v128_t a = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m1 + i)),
                                  wasm_f32x4_mul(wasm_f32x4_sub(one, vb1), g));
        v128_t v = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(m2 + i)),
                                  wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_sub(one, vb2), g), g));
        wasm_v128_store(m1 + i, a);
        wasm_v128_store(m2 + i, v);
        v128_t upd = wasm_f32x4_div(wasm_f32x4_mul(vstep, wasm_f32x4_mul(a, vc1)),
                                    wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_mul(v, vc2)), ve));
        wasm_v128_store(params + i, wasm_f32x4_sub(wasm_v128_load(params + i), upd));
    }
#endif
    for (; i < n; i++) {
        fg_real g = grad[i];
        m1[i] = b1 * m1[i] + ((fg_real)1 - b1) * g;
        m2[i] = b2 * m2[i] + ((fg_real)1 - b2) * g * g;
        fg_real mhat = m1[i] * c1, vhat = m2[i] * c2;
        params[i] -= step * mhat / (SQRT(vhat) + e);
    }
}
