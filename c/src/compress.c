/*
 * compress.c - pruning, sparsity masks, INT8 quantization and stored size.
 *
 * Pruning zeroes the smallest-magnitude entries of the cell matrices (W, U or
 * their factors) and records a mask over the flat parameter buffer; training
 * keeps masked entries at zero (masked gradients, so Adam never moves them).
 * Quantization maps each weight matrix to int8 with one symmetric scale,
 * s = max|w| / 127, q = round(w / s), and keeps w = q * s in the parameter
 * buffer, so every forward pass computes with the int8 weights exactly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int fg_tensor_is_cell_matrix(const fg_tensor *t) {
    return t->is_weight && !strncmp(t->name, "cell.", 5);
}

int fg_sparse_index_bytes(size_t size) { return size <= 65536 ? 2 : 4; }

size_t fg_tensor_nnz(const fg_model *m, const fg_tensor *t) {
    if (!m->mask) return t->size;
    size_t nnz = 0;
    for (size_t k = 0; k < t->size; k++) nnz += m->mask[t->offset + k];
    return nnz;
}

static int cmp_desc(const void *a, const void *b) {
    fg_real x = *(const fg_real *)a, y = *(const fg_real *)b;
    return (x < y) - (x > y);
}

void fg_top_k_mask(const fg_real *w, size_t n, size_t k, uint8_t *keep, fg_real *scratch) {
    if (k >= n) {
        memset(keep, 1, n);
        return;
    }
    memset(keep, 0, n);
    if (k == 0) return;
    for (size_t i = 0; i < n; i++) scratch[i] = w[i] < 0 ? -w[i] : w[i];
    qsort(scratch, n, sizeof *scratch, cmp_desc);
    fg_real thr = scratch[k - 1]; /* the k-th largest magnitude */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if ((w[i] < 0 ? -w[i] : w[i]) > thr) {
            keep[i] = 1;
            kept++;
        }
    for (size_t i = 0; i < n && kept < k; i++)
        if ((w[i] < 0 ? -w[i] : w[i]) == thr) {
            keep[i] = 1;
            kept++;
        }
}

fg_status fg_model_prune(fg_model *m, float sparsity) {
    if (!m) return fg_fail(FG_ERR_INVALID_INPUT, "model is NULL");
    if (!(sparsity >= 0.0f && sparsity < 1.0f))
        return fg_fail(FG_ERR_INVALID_INPUT, "sparsity must be in [0, 1), got %g",
                       (double)sparsity);
    if (m->quantized)
        return fg_fail(FG_ERR_INVALID_INPUT, "model is quantized: prune before quantize()");
    size_t biggest = 1;
    for (int i = 0; i < m->num_tensors; i++)
        if (fg_tensor_is_cell_matrix(&m->tensors[i]) && m->tensors[i].size > biggest)
            biggest = m->tensors[i].size;
    uint8_t *mask = fg_alloc(m->num_params, "model mask");
    fg_real *scratch = mask ? fg_alloc(biggest * sizeof(fg_real), "pruning scratch") : NULL;
    if (!scratch) {
        fg_free(mask);
        return FG_ERR_OUT_OF_MEMORY;
    }
    memset(mask, 1, m->num_params);
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        if (!fg_tensor_is_cell_matrix(t)) continue;
        /* (1 + 2^-23) absorbs float's representation error: 0.7f * 80 prunes 56 */
        double pruned = floor((double)sparsity * (double)t->size * (1.0 + 0x1p-23));
        size_t keep = pruned >= (double)t->size ? 0 : t->size - (size_t)pruned;
        size_t have = fg_tensor_nnz(m, t);
        if (keep > have) keep = have; /* pruning never revives entries */
        /* masked entries are 0, so they sort last and stay out */
        fg_top_k_mask(m->params + t->offset, t->size, keep, mask + t->offset, scratch);
    }
    for (size_t i = 0; i < m->num_params; i++)
        if (!mask[i]) m->params[i] = 0;
    fg_free(scratch);
    fg_free(m->mask);
    m->mask = mask;
    return FG_OK;
}

float fg_model_sparsity(const fg_model *m) {
    if (!m || !m->mask) return 0.0f;
    size_t total = 0, zero = 0;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        if (!fg_tensor_is_cell_matrix(t)) continue;
        total += t->size;
        zero += t->size - fg_tensor_nnz(m, t);
    }
    return total ? (float)((double)zero / (double)total) : 0.0f;
}

int fg_model_is_sparse(const fg_model *m) { return m && m->mask != NULL; }
int fg_model_is_quantized(const fg_model *m) { return m && m->quantized; }

float fg_model_tensor_scale(const fg_model *m, int index) {
    if (!m || !m->quantized || index < 0 || index >= m->num_tensors) return 0.0f;
    return m->scale[index];
}

fg_status fg_model_get_mask(const fg_model *m, uint8_t *out, size_t count) {
    if (!m || !out) return fg_fail(FG_ERR_INVALID_INPUT, "model or out is NULL");
    if (count != m->num_params)
        return fg_fail(FG_ERR_INVALID_INPUT, "count must equal the model's %zu parameters, got %zu",
                       m->num_params, count);
    if (m->mask) memcpy(out, m->mask, count);
    else memset(out, 1, count);
    return FG_OK;
}

fg_status fg_model_quantize(fg_model *m) {
    if (!m) return fg_fail(FG_ERR_INVALID_INPUT, "model is NULL");
    if (m->quantized) return FG_OK;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        if (!t->is_weight) continue;
        fg_real *w = m->params + t->offset;
        double mx = 0;
        for (size_t k = 0; k < t->size; k++) mx = fmax(mx, fabs((double)w[k]));
        float s = mx > 0 ? (float)(mx / 127.0) : 1.0f;
        if (!(s > 0.0f)) s = 0x1p-149f;                        /* mx / 127 underflowed */
        while (!isfinite(127.0f * s)) s = nextafterf(s, 0.0f); /* q * s must stay finite */
        m->scale[i] = s;
        for (size_t k = 0; k < t->size; k++) {
            /* ties to even; + 0.0 turns -0 into +0, as a loaded int8 0 is */
            double q = nearbyint((double)w[k] / (double)s) + 0.0;
            if (q > 127) q = 127;
            if (q < -127) q = -127;
            w[k] = (fg_real)((float)q * s);
        }
    }
    m->quantized = 1;
    return FG_OK;
}

int fg_int8_of(float v, float scale, int8_t *q_out) {
    if (!(scale > 0.0f) || !isfinite(scale) || !isfinite(v)) return 0;
    double q = nearbyint((double)v / (double)scale);
    if (!(q >= -127.0 && q <= 127.0)) return 0;
    if ((float)q * scale != v) return 0;
    *q_out = (int8_t)q;
    return 1;
}

fg_status fg_model_tensor_int8(const fg_model *m, int index, int8_t *out, size_t count) {
    if (!m || !out) return fg_fail(FG_ERR_INVALID_INPUT, "model or out is NULL");
    if (index < 0 || index >= m->num_tensors)
        return fg_fail(FG_ERR_INVALID_INPUT, "tensor index must be in [0, %d), got %d",
                       m->num_tensors, index);
    const fg_tensor *t = &m->tensors[index];
    if (!m->quantized || !t->is_weight)
        return fg_fail(FG_ERR_INVALID_INPUT, "tensor %s is not quantized (int8)", t->name);
    if (count != t->size)
        return fg_fail(FG_ERR_INVALID_INPUT, "count must equal %s's %zu entries, got %zu", t->name,
                       t->size, count);
    for (size_t k = 0; k < t->size; k++)
        if (!fg_int8_of((float)m->params[t->offset + k], m->scale[index], &out[k]))
            return fg_fail(FG_ERR_INVALID_INPUT,
                           "%s[%zu] = %g is not an int8 multiple of its scale %g", t->name, k,
                           (double)m->params[t->offset + k], (double)m->scale[index]);
    return FG_OK;
}

/* Data bytes fg_model_save writes, tensor by tensor. */
size_t fg_model_size_bytes(const fg_model *m) {
    if (!m) return 0;
    size_t bytes = 0;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        size_t value = m->quantized && t->is_weight ? 1 : 4;
        if (m->quantized && t->is_weight) bytes += 4; /* scale */
        if (m->mask && fg_tensor_is_cell_matrix(t)) {
            size_t nnz = fg_tensor_nnz(m, t);
            bytes += nnz * (value + (size_t)fg_sparse_index_bytes(t->size));
        } else {
            bytes += t->size * value;
        }
    }
    return bytes;
}
