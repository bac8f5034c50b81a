/*
 * kernels.c - the batch-major products and the fused gate.
 *
 * The scalar code fixes the summation order: every dot product runs k = 0..K-1
 * in one accumulator, so the native build and the scalar wasm module compute
 * the same bits (-ffp-contract=off keeps compilers from fusing a*b+c).
 * Under -msimd128 (float builds) the products run 4 outputs wide in
 * WebAssembly SIMD128 registers; each output still sums k = 0..K-1 in order,
 * so SIMD and scalar agree too.
 */
#include "internal.h"

#if defined(__wasm_simd128__) && !defined(FG_DOUBLE)
#include <wasm_simd128.h>
#define FG_SIMD 1
#endif

/* C[M,N] (+)= A[M,K] . B[N,K]^T
 * Each C[i][j] is a dot product of row i of A and row j of B. */
void fg_gemm_nt(int32_t M, int32_t N, int32_t K, const fg_real *A, const fg_real *B,
                fg_real *C, int accumulate) {
    for (int32_t i = 0; i < M; i++) {
        const fg_real *a = A + (size_t)i * K;
        fg_real *c = C + (size_t)i * N;
        for (int32_t j = 0; j < N; j++) {
            const fg_real *b = B + (size_t)j * K;
            fg_real acc = 0;
            for (int32_t k = 0; k < K; k++) acc += a[k] * b[k];
            c[j] = accumulate ? c[j] + acc : acc;
        }
    }
}

/* C[M,N] (+)= A[M,K] . B[K,N]
 * Row i of C is sum over k of A[i][k] times row k of B: runs along rows of B,
 * so every C[i][j] still sums k = 0..K-1 in order. */
void fg_gemm_nn(int32_t M, int32_t N, int32_t K, const fg_real *A, const fg_real *B,
                fg_real *C, int accumulate) {
    for (int32_t i = 0; i < M; i++) {
        const fg_real *a = A + (size_t)i * K;
        fg_real *c = C + (size_t)i * N;
        int32_t j = 0;
#ifdef FG_SIMD
        for (; j + 4 <= N; j += 4) {
            v128_t acc = wasm_f32x4_splat(0.0f);
            for (int32_t k = 0; k < K; k++)
                acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(a[k]),
                                                         wasm_v128_load(B + (size_t)k * N + j)));
            if (accumulate) acc = wasm_f32x4_add(wasm_v128_load(c + j), acc);
            wasm_v128_store(c + j, acc);
        }
#endif
        for (; j < N; j++) {
            fg_real acc = 0;
            for (int32_t k = 0; k < K; k++) acc += a[k] * B[(size_t)k * N + j];
            c[j] = accumulate ? c[j] + acc : acc;
        }
    }
}

/* C[M,N] += A[K,M]^T . B[K,N]
 * C[i][j] += sum over k of A[k][i] * B[k][j], k in order. */
void fg_gemm_tn(int32_t M, int32_t N, int32_t K, const fg_real *A, const fg_real *B,
                fg_real *C) {
    for (int32_t i = 0; i < M; i++) {
        fg_real *c = C + (size_t)i * N;
        int32_t j = 0;
#ifdef FG_SIMD
        for (; j + 4 <= N; j += 4) {
            v128_t acc = wasm_f32x4_splat(0.0f);
            for (int32_t k = 0; k < K; k++)
                acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(A[(size_t)k * M + i]),
                                                         wasm_v128_load(B + (size_t)k * N + j)));
            wasm_v128_store(c + j, wasm_f32x4_add(wasm_v128_load(c + j), acc));
        }
#endif
        for (; j < N; j++) {
            fg_real acc = 0;
            for (int32_t k = 0; k < K; k++) acc += A[(size_t)k * M + i] * B[(size_t)k * N + j];
            c[j] += acc;
        }
    }
}

/* a, z, c, h: [B, H]; bz, bh: [H]; hprev: [B, H] or NULL (h_0 = 0). */
void fg_gate_forward(int32_t B, int32_t H, const fg_real *a, const fg_real *bz,
                     const fg_real *bh, fg_real zeta, fg_real nu, const fg_real *hprev,
                     fg_real *z, fg_real *c, fg_real *h) {
    for (int32_t b = 0; b < B; b++) {
        size_t o = (size_t)b * H;
        for (int32_t j = 0; j < H; j++) {
            fg_real zz = fg_sigmoid(a[o + j] + bz[j]);
            fg_real cc = fg_tanh(a[o + j] + bh[j]);
            fg_real hp = hprev ? hprev[o + j] : (fg_real)0;
            z[o + j] = zz;
            c[o + j] = cc;
            h[o + j] = zz * hp + (zeta * ((fg_real)1 - zz) + nu) * cc;
        }
    }
}
