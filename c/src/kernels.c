/*
 * kernels.c - the batch-major products and the fused gate.
 *
 * Products: C[M,N] (+)= op(A)[M,K] . B[K,N], B row-major, op(A) either A
 * [M,K] or A^T for A [K,M]. C is computed in register blocks of up to 4
 * rows x 8 (or 4) columns; every output C[i][j] has its own accumulator that starts at 0 and
 * sums k = 0..K-1 in order, then is added to C when accumulating. That order
 * is the same in the plain C (which compilers vectorize across j without
 * reassociating anything), in the SIMD128 code and in the scalar remainder
 * loops, so native, scalar-wasm and SIMD-wasm builds compute the same bits
 * (with -ffp-contract=off: no fused multiply-add anywhere).
 *
 * Gate: sigmoid/tanh from mathfn.c; the SIMD128 version repeats the scalar
 * operations lane by lane (same constants, same order), so it agrees bit for
 * bit with fg_sigmoid/fg_tanh.
 */
#include <string.h>

#include "internal.h"

#if defined(__wasm_simd128__) && !defined(FG_DOUBLE)
#include <wasm_simd128.h>
#define FG_SIMD 1
/* a * b + c. The relaxed-SIMD module (dist/fastgrnn-relaxed.wasm, built with
 * -mrelaxed-simd) uses f32x4.relaxed_madd, which the engine may fuse into one
 * rounding (FMA) or not, depending on the CPU: that module is deterministic
 * on one engine and machine, not across them. Every other build keeps the
 * separate multiply and add (the same bits everywhere). */
#ifdef __wasm_relaxed_simd__
#define MADD(a, b, c)   wasm_f32x4_relaxed_madd(a, b, c)
#define MACC(acc, a, b) wasm_f32x4_relaxed_madd(a, b, acc)
#else
#define MADD(a, b, c)   wasm_f32x4_add(wasm_f32x4_mul(a, b), c)
#define MACC(acc, a, b) wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)) /* acc + a * b */
#endif
#endif

/* One output element, k in order: the reference every block reproduces. */
static inline fg_real dot_at(int32_t K, const fg_real *A, size_t ars, size_t acs, int32_t i,
                             const fg_real *B, int32_t N, int32_t j) {
    fg_real acc = 0;
    for (int32_t k = 0; k < K; k++) acc += A[i * ars + k * acs] * B[(size_t)k * N + j];
    return acc;
}

#if defined(__GNUC__) || defined(__clang__)
#define INLINE static inline __attribute__((always_inline))
#else
#define INLINE static inline
#endif

/* A block of R rows (i..i+R-1) x W columns (j..j+W-1) of C, R <= 4, W 4 or
 * 8; R and W are constants at every call, so the loops unroll and the
 * accumulators stay in registers. */
INLINE void block(const int R, const int W, int32_t K, const fg_real *A, size_t ars, size_t acs,
                  const fg_real *B, int32_t N, fg_real *C, int32_t i, int32_t j, int accumulate) {
    const fg_real *a0 = A + (size_t)i * ars;
#ifdef FG_SIMD
    v128_t acc[4][2];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < W / 4; v++) acc[r][v] = wasm_f32x4_splat(0.0f);
    /* pointers stepped by hand: the build disables LLVM's loop strength
     * reduction, which would otherwise leave two multiplies per k */
    const fg_real *ak[4], *b = B + j;
    for (int r = 0; r < R; r++) ak[r] = a0 + (size_t)r * ars;
    for (int32_t k = 0; k < K; k++) {
        v128_t bv[2];
        for (int v = 0; v < W / 4; v++) bv[v] = wasm_v128_load(b + 4 * v);
        b += N;
        for (int r = 0; r < R; r++) {
            v128_t av = wasm_v128_load32_splat(ak[r]);
            ak[r] += acs;
            for (int v = 0; v < W / 4; v++) acc[r][v] = MACC(acc[r][v], av, bv[v]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < W / 4; v++) {
            fg_real *c = C + (size_t)(i + r) * N + j + 4 * v;
            v128_t out = accumulate ? wasm_f32x4_add(wasm_v128_load(c), acc[r][v]) : acc[r][v];
            wasm_v128_store(c, out);
        }
#else
    fg_real acc[4][8];
    for (int r = 0; r < R; r++)
        for (int q = 0; q < W; q++) acc[r][q] = 0;
    const fg_real *ak[4], *b = B + j;
    for (int r = 0; r < R; r++) ak[r] = a0 + (size_t)r * ars;
    for (int32_t k = 0; k < K; k++) {
        for (int r = 0; r < R; r++) {
            fg_real av = *ak[r];
            ak[r] += acs;
            for (int q = 0; q < W; q++) acc[r][q] += av * b[q];
        }
        b += N;
    }
    for (int r = 0; r < R; r++) {
        fg_real *c = C + (size_t)(i + r) * N + j;
        for (int q = 0; q < W; q++) c[q] = accumulate ? c[q] + acc[r][q] : acc[r][q];
    }
#endif
}

/* R rows starting at i: 8-wide blocks, a 4-wide block, then single columns. */
INLINE void rows(const int R, int32_t N, int32_t K, const fg_real *A, size_t ars, size_t acs,
                 const fg_real *B, fg_real *C, int32_t i, int accumulate) {
    int32_t j = 0;
    for (; j + 8 <= N; j += 8) block(R, 8, K, A, ars, acs, B, N, C, i, j, accumulate);
    if (j + 4 <= N) {
        block(R, 4, K, A, ars, acs, B, N, C, i, j, accumulate);
        j += 4;
    }
    for (; j < N; j++)
        for (int r = 0; r < R; r++) {
            fg_real acc = dot_at(K, A, ars, acs, i + r, B, N, j);
            fg_real *c = C + (size_t)(i + r) * N + j;
            *c = accumulate ? *c + acc : acc;
        }
}

/* C[M,N] (+)= A' . B with A'(i,k) = A[i * ars + k * acs]. */
static void gemm(int32_t M, int32_t N, int32_t K, const fg_real *A, size_t ars, size_t acs,
                 const fg_real *B, fg_real *C, int accumulate) {
    int32_t i = 0;
    for (; i + 4 <= M; i += 4) rows(4, N, K, A, ars, acs, B, C, i, accumulate);
    for (; i < M; i++) rows(1, N, K, A, ars, acs, B, C, i, accumulate);
}

void fg_gemm_nn(int32_t M, int32_t N, int32_t K, const fg_real *A, const fg_real *B, fg_real *C,
                int accumulate) {
    gemm(M, N, K, A, (size_t)K, 1, B, C, accumulate);
}

void fg_gemm_tn(int32_t M, int32_t N, int32_t K, const fg_real *A, const fg_real *B, fg_real *C) {
    gemm(M, N, K, A, 1, (size_t)M, B, C, 1);
}

/* out[cols, rows] = in[rows, cols]^T */
void fg_transpose(int32_t rows, int32_t cols, const fg_real *in, fg_real *out) {
    for (int32_t r = 0; r < rows; r++)
        for (int32_t c = 0; c < cols; c++) out[(size_t)c * rows + r] = in[(size_t)r * cols + c];
}

#ifdef FG_SIMD
/* Lane-wise copies of exp_parts, fg_expf, fg_expm1f, fg_sigmoid and fg_tanh
 * (mathfn.c): the same operations in the same order. */
static inline v128_t exp_parts4(v128_t x, v128_t *s_out) {
    /* pmin/pmax (minps/maxps) rather than min/max, whose NaN rules cost V8
     * several instructions; with the constant second: x > 80 ? 80 : x, NaN
     * kept, exactly as the scalar code */
    x = wasm_f32x4_pmin(x, wasm_f32x4_splat(80.0f));
    x = wasm_f32x4_pmax(x, wasm_f32x4_splat(-80.0f));
    const v128_t magic = wasm_f32x4_splat(12582912.0f);
    v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504f)), magic);
    v128_t kf = wasm_f32x4_sub(t, magic);
    v128_t k = wasm_i32x4_sub(t, magic);
    v128_t r = wasm_f32x4_sub(wasm_f32x4_sub(x, wasm_f32x4_mul(kf, wasm_f32x4_splat(0.693145752f))),
                              wasm_f32x4_mul(kf, wasm_f32x4_splat(1.42860677e-06f)));
    v128_t p = wasm_f32x4_splat(1.0f / 5040.0f);
    p = MADD(p, r, wasm_f32x4_splat(1.0f / 720.0f));
    p = MADD(p, r, wasm_f32x4_splat(1.0f / 120.0f));
    p = MADD(p, r, wasm_f32x4_splat(1.0f / 24.0f));
    p = MADD(p, r, wasm_f32x4_splat(1.0f / 6.0f));
    p = MADD(p, r, wasm_f32x4_splat(0.5f));
    p = MADD(p, r, wasm_f32x4_splat(1.0f));
    *s_out = wasm_i32x4_shl(wasm_i32x4_add(k, wasm_i32x4_splat(127)), 23);
    return wasm_f32x4_mul(p, r);
}

static inline v128_t sigmoid4(v128_t x) {
    v128_t one = wasm_f32x4_splat(1.0f), s;
    v128_t q = exp_parts4(wasm_f32x4_neg(x), &s);
    v128_t e = MADD(s, q, s);
    return wasm_f32x4_div(one, wasm_f32x4_add(one, e));
}

static inline v128_t tanh4(v128_t x) {
    v128_t ax = wasm_f32x4_abs(x), s;
    v128_t q = exp_parts4(wasm_f32x4_mul(wasm_f32x4_splat(-2.0f), ax), &s);
    v128_t e = MADD(s, q, wasm_f32x4_sub(s, wasm_f32x4_splat(1.0f)));
    v128_t t = wasm_f32x4_div(wasm_f32x4_neg(e), wasm_f32x4_add(wasm_f32x4_splat(2.0f), e));
    t = wasm_v128_bitselect(wasm_f32x4_splat(1.0f), t, wasm_f32x4_gt(ax, wasm_f32x4_splat(20.0f)));
    /* restore the sign: copy x's sign bit onto t (t >= 0) */
    return wasm_v128_or(t, wasm_v128_and(x, wasm_i32x4_splat((int32_t)0x80000000)));
}
#endif

/* a, z, c, h: [B, H]; bz, bh: [H]; hprev: [B, H] or NULL (h_0 = 0). */
void fg_gate_forward(int32_t B, int32_t H, const fg_real *a, const fg_real *bz, const fg_real *bh,
                     fg_real zeta, fg_real nu, const fg_real *hprev, fg_real *z, fg_real *c,
                     fg_real *h) {
    for (int32_t b = 0; b < B; b++) {
        size_t o = (size_t)b * H;
        int32_t j = 0;
#ifdef FG_SIMD
        v128_t vz = wasm_f32x4_splat(zeta), vn = wasm_f32x4_splat(nu), one = wasm_f32x4_splat(1.0f);
        for (; j + 4 <= H; j += 4) {
            v128_t av = wasm_v128_load(a + o + j);
            v128_t zz = sigmoid4(wasm_f32x4_add(av, wasm_v128_load(bz + j)));
            v128_t cc = tanh4(wasm_f32x4_add(av, wasm_v128_load(bh + j)));
            v128_t hp = hprev ? wasm_v128_load(hprev + o + j) : wasm_f32x4_splat(0.0f);
            v128_t g = MADD(vz, wasm_f32x4_sub(one, zz), vn);
            wasm_v128_store(z + o + j, zz);
            wasm_v128_store(c + o + j, cc);
            wasm_v128_store(h + o + j,
                            wasm_f32x4_add(wasm_f32x4_mul(zz, hp), wasm_f32x4_mul(g, cc)));
        }
#endif
        for (; j < H; j++) {
            fg_real zz = fg_sigmoid(a[o + j] + bz[j]);
            fg_real cc = fg_tanh(a[o + j] + bh[j]);
            fg_real hp = hprev ? hprev[o + j] : (fg_real)0;
            z[o + j] = zz;
            c[o + j] = cc;
            h[o + j] = zz * hp + (zeta * ((fg_real)1 - zz) + nu) * cc;
        }
    }
}

/* Backward of fg_gate_forward for one step, with dh = dL/dh_t [B, H]:
 *   dc = dh g,  dz = dh (h_{t-1} - zeta c)
 *   da_z = dz z (1 - z),  da_c = dc (1 - c^2),  da = da_z + da_c
 *   dh_prev = dh z      (the path through U is added by the caller)
 * and per column j, summed over b in order:
 *   gbz[j] += da_z,  gbh[j] += da_c,  szeta[j] += dh (1 - z) c,  snu[j] += dh c
 * (zeta and nu are scalars; their column sums are reduced once at the end,
 * which keeps the order the same in scalar and SIMD code). */
void fg_gate_backward(int32_t B, int32_t H, const fg_real *dh, const fg_real *z, const fg_real *c,
                      const fg_real *hprev, fg_real zeta, fg_real nu, fg_real *da, fg_real *dh_prev,
                      fg_real *gbz, fg_real *gbh, fg_real *szeta, fg_real *snu) {
    for (int32_t b = 0; b < B; b++) {
        size_t o = (size_t)b * H;
        int32_t j = 0;
#ifdef FG_SIMD
        v128_t vz = wasm_f32x4_splat(zeta), vn = wasm_f32x4_splat(nu), one = wasm_f32x4_splat(1.0f);
        for (; j + 4 <= H; j += 4) {
            v128_t d = wasm_v128_load(dh + o + j), zz = wasm_v128_load(z + o + j);
            v128_t cc = wasm_v128_load(c + o + j);
            v128_t hp = hprev ? wasm_v128_load(hprev + o + j) : wasm_f32x4_splat(0.0f);
            v128_t omz = wasm_f32x4_sub(one, zz);
            v128_t g = MADD(vz, omz, vn);
            v128_t dc = wasm_f32x4_mul(d, g);
            v128_t dz = wasm_f32x4_mul(d, wasm_f32x4_sub(hp, wasm_f32x4_mul(vz, cc)));
            wasm_v128_store(szeta + j, wasm_f32x4_add(wasm_v128_load(szeta + j),
                                                      wasm_f32x4_mul(wasm_f32x4_mul(d, omz), cc)));
            wasm_v128_store(snu + j,
                            wasm_f32x4_add(wasm_v128_load(snu + j), wasm_f32x4_mul(d, cc)));
            v128_t daz = wasm_f32x4_mul(wasm_f32x4_mul(dz, zz), omz);
            v128_t dac = wasm_f32x4_mul(dc, wasm_f32x4_sub(one, wasm_f32x4_mul(cc, cc)));
            wasm_v128_store(gbz + j, wasm_f32x4_add(wasm_v128_load(gbz + j), daz));
            wasm_v128_store(gbh + j, wasm_f32x4_add(wasm_v128_load(gbh + j), dac));
            wasm_v128_store(da + o + j, wasm_f32x4_add(daz, dac));
            wasm_v128_store(dh_prev + o + j, wasm_f32x4_mul(d, zz));
        }
#endif
        for (; j < H; j++) {
            size_t i = o + j;
            fg_real d = dh[i], zz = z[i], cc = c[i];
            fg_real hp = hprev ? hprev[i] : (fg_real)0;
            fg_real omz = (fg_real)1 - zz;
            fg_real g = zeta * omz + nu;
            fg_real dc = d * g;
            fg_real dz = d * (hp - zeta * cc);
            szeta[j] += d * omz * cc;
            snu[j] += d * cc;
            fg_real daz = dz * zz * omz;
            fg_real dac = dc * ((fg_real)1 - cc * cc);
            gbz[j] += daz;
            gbh[j] += dac;
            da[i] = daz + dac;
            dh_prev[i] = d * zz;
        }
    }
}
