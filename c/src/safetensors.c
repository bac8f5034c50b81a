/*
 * safetensors.c - saving and loading models as safetensors.
 *
 * File layout (all little-endian):
 *   [0, 8)            u64 N: length of the JSON header
 *   [8, 8 + N)        JSON header, padded with spaces so N % 8 == 0
 *   [8 + N, end)      data section: the tensors' raw values (F32; I8, U16,
 *                     U32 for quantized and sparse models, see "Stored forms")
 * The header maps each tensor name to {dtype, shape, data_offsets} (offsets
 * relative to the data section) plus "__metadata__" of string -> string:
 *   format        "fastgrnn-wasm/1"
 *   config        the model config as JSON
 *   normalization {"means": [...], "stds": [...]}   (only when known)
 *   card          the model card as JSON, without normalization (only when
 *                 the model has one; card.c)
 * Tensors are the model's tensor table, in table order (docs/design.md, "Files").
 *
 * The loader trusts nothing: every length and offset is checked against the
 * buffer before it is used, and the model it builds must match the file's
 * tensors exactly. JSON work happens in json.c (json_internal.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_internal.h"

#define ST_FORMAT        "fastgrnn-wasm/1"
#define ST_FORMAT_FAMILY "fastgrnn-wasm/"
#define ST_MAX_HEADER    100000000u /* as the reference implementation */
/* Magnitudes below this round to a finite float (FLT_MAX + half an ulp). */
#define ST_FLOAT_LIMIT 3.4028235677973366e38

/* ------------------------------------------------------------------------ */
/* Little-endian byte access, independent of the host's byte order.        */

static void put_f32_le(uint8_t *p, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(u >> (8 * i));
}

static float get_f32_le(const uint8_t *p) {
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Re-records the last error as FG_ERR_SERIALIZATION with a prefix (keeps
 * FG_ERR_OUT_OF_MEMORY as it is). */
static fg_status as_serialization(fg_status st, const char *prefix) {
    if (st == FG_ERR_OUT_OF_MEMORY) return st;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", fg_last_error());
    return fg_fail(FG_ERR_SERIALIZATION, "%s: %s", prefix, msg);
}

/* ------------------------------------------------------------------------ */
/* Stored forms                                                             */

/* A model's tensors are stored by the table, tensor by tensor:
 *   dense float        NAME            F32 [shape]
 *   quantized weight   NAME            I8  [shape]  + NAME.scale F32 [1]
 *   sparse cell matrix NAME.indices    U16 (tensor size <= 65536) or U32 [nnz]
 *                                      (flat row-major positions, ascending)
 *                    + NAME.values     F32 or I8 (quantized) [nnz]
 *                                    (+ NAME.scale F32 [1] when quantized)
 * A sparse model (one with a mask) stores every cell matrix sparse; a
 * quantized model stores every weight matrix (cell and head) as I8 + scale.
 * Biases, zeta and nu are always F32. The data section is exactly
 * fg_model_size_bytes() long. */

#define ST_MAX_ENTRIES (3 * FG_MAX_TENSORS)
#define ST_NAME_MAX    (FG_TENSOR_NAME_MAX + 16)

static int sparse_tensor(const fg_model *m, const fg_tensor *t) {
    return m->mask != NULL && fg_tensor_is_cell_matrix(t);
}

static int quantized_tensor(const fg_model *m, const fg_tensor *t) {
    return m->quantized && t->is_weight;
}

/* ------------------------------------------------------------------------ */
/* Save                                                                     */

static void put_u16_le(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32_le(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Checks what a save relies on: float32-representable values, pruned entries
 * at zero, quantized weights exactly q * scale. */
static fg_status check_savable(const fg_model *m) {
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        for (size_t j = 0; j < t->size; j++) {
            double v = (double)m->params[t->offset + j];
            if (!(v > -ST_FLOAT_LIMIT && v < ST_FLOAT_LIMIT))
                return fg_fail(FG_ERR_INVALID_INPUT, "save: %s[%zu] = %g is not a finite float32",
                               t->name, j, v);
            if (m->mask != NULL && !m->mask[t->offset + j] && v != 0.0)
                return fg_fail(FG_ERR_INVALID_INPUT,
                               "save: %s[%zu] = %g is pruned (masked) but not zero", t->name, j, v);
        }
        if (!quantized_tensor(m, t)) continue;
        float s = m->scale[i];
        if (!(s > 0.0f) || !isfinite(s))
            return fg_fail(FG_ERR_INVALID_INPUT,
                           "save: %s has int8 scale %g; it must be finite and > 0", t->name,
                           (double)s);
        for (size_t j = 0; j < t->size; j++) {
            int8_t q;
            float v = (float)m->params[t->offset + j];
            if ((double)v != (double)m->params[t->offset + j] || !fg_int8_of(v, s, &q))
                return fg_fail(
                    FG_ERR_INVALID_INPUT,
                    "save: quantized %s[%zu] = %g is not an int8 multiple of its scale %g", t->name,
                    j, (double)m->params[t->offset + j], (double)s);
        }
    }
    return FG_OK;
}

/* bytes_out: 8 + N + fg_model_size_bytes(m) bytes, fg_alloc'd. */
fg_status fg_model_save(const fg_model *m, uint8_t **bytes_out, size_t *len_out) {
    if (m == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "save: model is NULL");
    if (bytes_out == NULL || len_out == NULL)
        return fg_fail(FG_ERR_INVALID_INPUT, "save: output pointer is NULL");
    fg_status st = check_savable(m);
    if (st != FG_OK) return st;

    /* Header entries in table order (per tensor: data or indices + values,
     * then the scale), data packed back to back. */
    static char dtype_f32[] = "F32", dtype_i8[] = "I8", dtype_u16[] = "U16", dtype_u32[] = "U32";
    char names[ST_MAX_ENTRIES][ST_NAME_MAX];
    fg_st_tensor entries[ST_MAX_ENTRIES];
    int source[ST_MAX_ENTRIES]; /* tensor index of each entry             */
    char kind[ST_MAX_ENTRIES];  /* 'd' data, 'i' indices, 'v' values, 's' scale */
    size_t ne = 0;
    uint64_t pos = 0;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        int sparse = sparse_tensor(m, t), quant = quantized_tensor(m, t);
        size_t nnz = fg_tensor_nnz(m, t);
        const char *kinds = sparse ? (quant ? "ivs" : "iv") : (quant ? "ds" : "d");
        for (const char *k = kinds; *k; k++) {
            fg_st_tensor *e = &entries[ne];
            memset(e, 0, sizeof *e);
            const char *suffix = *k == 'i'   ? ".indices"
                                 : *k == 'v' ? ".values"
                                 : *k == 's' ? ".scale"
                                             : "";
            snprintf(names[ne], ST_NAME_MAX, "%s%s", t->name, suffix);
            e->name = names[ne];
            uint64_t elem;
            if (*k == 'd') {
                e->ndim = t->cols == 0 ? 1 : 2;
                e->shape[0] = (uint64_t)t->rows;
                e->shape[1] = (uint64_t)t->cols;
                e->dtype = quant ? dtype_i8 : dtype_f32;
                elem = quant ? 1 : 4;
            } else if (*k == 's') {
                e->ndim = 1;
                e->shape[0] = 1;
                e->dtype = dtype_f32;
                elem = 4;
            } else {
                e->ndim = 1;
                e->shape[0] = (uint64_t)nnz;
                if (*k == 'i') {
                    elem = (uint64_t)fg_sparse_index_bytes(t->size);
                    e->dtype = elem == 2 ? dtype_u16 : dtype_u32;
                } else {
                    e->dtype = quant ? dtype_i8 : dtype_f32;
                    elem = quant ? 1 : 4;
                }
            }
            uint64_t count = 1;
            for (int d = 0; d < e->ndim; d++) count *= e->shape[d];
            e->begin = pos;
            pos += elem * count;
            e->end = pos;
            source[ne] = i;
            kind[ne] = *k;
            ne++;
        }
    }

    /* Metadata: format, config, normalization. */
    char *config = NULL, *norm = NULL, *header = NULL;
    size_t header_len = 0;
    st = fg_model_config_to_json(&m->cfg, &config);
    if (st == FG_OK && m->norm_means != NULL)
        st = fg_normalization_to_json(m->norm_means, m->norm_stds, m->norm_dim, &norm);
    if (st == FG_OK) {
        static char k_format[] = "format", k_config[] = "config", k_norm[] = "normalization",
                    k_card[] = "card";
        static char v_format[] = ST_FORMAT;
        fg_st_meta meta[4] = {{k_format, v_format}, {k_config, config}};
        size_t nmeta = 2;
        if (norm) meta[nmeta++] = (fg_st_meta){k_norm, norm};
        if (m->card) meta[nmeta++] = (fg_st_meta){k_card, m->card};
        st = fg_st_header_build(entries, ne, meta, nmeta, &header, &header_len);
    }
    fg_free(config);
    fg_free(norm);
    if (st != FG_OK) return st;

    /* [u64 N][header + spaces][data] */
    size_t padded = (header_len + 7) & ~(size_t)7;
    size_t data_len = fg_model_size_bytes(m), total = 0;
    if (padded < header_len || pos > SIZE_MAX || data_len != (size_t)pos ||
        padded > SIZE_MAX - 8 - data_len) {
        fg_free(header);
        return fg_fail(FG_ERR_OUT_OF_MEMORY, "save: model too large to serialize");
    }
    total = 8 + padded + data_len;
    uint8_t *buf = fg_alloc(total, "safetensors bytes");
    if (buf == NULL) {
        fg_free(header);
        return FG_ERR_OUT_OF_MEMORY;
    }
    fg_put_u64_le(buf, (uint64_t)padded);
    memcpy(buf + 8, header, header_len);
    memset(buf + 8 + header_len, ' ', padded - header_len);
    fg_free(header);
    uint8_t *data = buf + 8 + padded;
    for (size_t e = 0; e < ne; e++) {
        int i = source[e];
        const fg_tensor *t = &m->tensors[i];
        const fg_real *w = m->params + t->offset;
        const uint8_t *keep = m->mask != NULL ? m->mask + t->offset : NULL;
        int quant = quantized_tensor(m, t);
        float s = m->scale[i];
        uint8_t *dst = data + entries[e].begin;
        int8_t q = 0;
        switch (kind[e]) {
            case 's':
                put_f32_le(dst, s);
                break;
            case 'd':
                for (size_t j = 0; j < t->size; j++) {
                    if (quant) {
                        fg_int8_of((float)w[j], s, &q); /* representable: check_savable */
                        dst[j] = (uint8_t)q;
                    } else {
                        put_f32_le(dst + 4 * j, (float)w[j]);
                    }
                }
                break;
            case 'i': {
                int ib = fg_sparse_index_bytes(t->size);
                for (size_t j = 0; j < t->size; j++) {
                    if (!keep[j]) continue;
                    if (ib == 2) put_u16_le(dst, (uint32_t)j);
                    else put_u32_le(dst, (uint32_t)j);
                    dst += ib;
                }
                break;
            }
            default: /* 'v' */
                for (size_t j = 0; j < t->size; j++) {
                    if (!keep[j]) continue;
                    if (quant) {
                        fg_int8_of((float)w[j], s, &q);
                        *dst++ = (uint8_t)q;
                    } else {
                        put_f32_le(dst, (float)w[j]);
                        dst += 4;
                    }
                }
                break;
        }
    }
    *bytes_out = buf;
    *len_out = total;
    return FG_OK;
}

fg_status fg_model_save_file(const fg_model *m, const char *path) {
    if (path == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "save: path is NULL");
    uint8_t *bytes = NULL;
    size_t len = 0;
    fg_status st = fg_model_save(m, &bytes, &len);
    if (st != FG_OK) return st;
    st = fg_write_file(path, bytes, len);
    fg_free(bytes);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Load: format rules                                                       */

typedef struct {
    uint64_t begin, end;
    size_t index;
} st_range;

static int cmp_range(const void *a, const void *b) {
    const st_range *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Bytes per element of the dtypes this library stores (0: not supported). */
static uint64_t dtype_size(const char *dtype) {
    if (strcmp(dtype, "F32") == 0 || strcmp(dtype, "U32") == 0) return 4;
    if (strcmp(dtype, "U16") == 0) return 2;
    if (strcmp(dtype, "I8") == 0) return 1;
    return 0;
}

/* The format's own rules on every tensor: a dtype we store (F32, I8, U16,
 * U32; which tensor may have which is checked later), shape product * dtype
 * size == range length, ranges in bounds, and the ranges sorted by begin
 * tile [0, data_len) exactly. */
static fg_status check_ranges(const fg_st_header *h, uint64_t data_len) {
    for (size_t i = 0; i < h->num_tensors; i++) {
        const fg_st_tensor *t = &h->tensors[i];
        uint64_t elem = dtype_size(t->dtype);
        if (elem == 0)
            return fg_fail(
                FG_ERR_SERIALIZATION,
                "tensor \"%.64s\" has dtype \"%.16s\"; only F32, I8, U16 and U32 are supported",
                t->name, t->dtype);
        uint64_t count = 1;
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] != 0 && count > UINT64_MAX / 4 / t->shape[d])
                return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%.64s\": shape product overflows",
                               t->name);
            count *= t->shape[d];
        }
        if (t->end < t->begin)
            return fg_fail(FG_ERR_SERIALIZATION,
                           "tensor \"%.64s\": data_offsets [%" PRIu64 ", %" PRIu64
                           "] end before begin",
                           t->name, t->begin, t->end);
        if (t->end > data_len)
            return fg_fail(FG_ERR_SERIALIZATION,
                           "tensor \"%.64s\": data_offsets [%" PRIu64 ", %" PRIu64
                           "] out of bounds of the %" PRIu64 "-byte data section",
                           t->name, t->begin, t->end, data_len);
        if (t->end - t->begin != count * elem)
            return fg_fail(FG_ERR_SERIALIZATION,
                           "tensor \"%.64s\": data_offsets span %" PRIu64
                           " bytes but its shape holds %" PRIu64 " %s values (%" PRIu64 " bytes)",
                           t->name, t->end - t->begin, count, t->dtype, count * elem);
    }
    if (h->num_tensors == 0) {
        if (data_len != 0)
            return fg_fail(FG_ERR_SERIALIZATION, "no tensors, but a %" PRIu64 "-byte data section",
                           data_len);
        return FG_OK;
    }
    st_range *r = fg_alloc_zero(h->num_tensors, sizeof *r, "safetensors ranges");
    if (r == NULL) return FG_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < h->num_tensors; i++) {
        r[i].begin = h->tensors[i].begin;
        r[i].end = h->tensors[i].end;
        r[i].index = i;
    }
    qsort(r, h->num_tensors, sizeof *r, cmp_range);
    fg_status st = FG_OK;
    uint64_t pos = 0;
    for (size_t i = 0; i < h->num_tensors && st == FG_OK; i++) {
        if (r[i].begin != pos)
            st = fg_fail(FG_ERR_SERIALIZATION,
                         "tensor \"%.64s\" starts at byte %" PRIu64
                         " of the data section, expected %" PRIu64
                         " (ranges must be contiguous, without gaps or overlaps)",
                         h->tensors[r[i].index].name, r[i].begin, pos);
        pos = r[i].end;
    }
    if (st == FG_OK && pos != data_len)
        st = fg_fail(FG_ERR_SERIALIZATION,
                     "tensors cover %" PRIu64 " bytes but the data section has %" PRIu64, pos,
                     data_len);
    fg_free(r);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Load: our rules (the tensor set and shapes of one FastGRNN model)        */

static const char *const KNOWN_TENSORS[] = {
    "cell.W",         "cell.W1",          "cell.W2",   "cell.U",  "cell.U1",     "cell.U2",
    "cell.bias_gate", "cell.bias_update", "cell.zeta", "cell.nu", "head.weight", "head.bias",
};

/* The weight matrices: they may be quantized (NAME.scale); the first six,
 * the cell matrices, may also be stored sparse (NAME.indices, NAME.values). */
static const char *const WEIGHT_TENSORS[] = {
    "cell.W", "cell.W1", "cell.W2", "cell.U", "cell.U1", "cell.U2", "head.weight",
};
#define NUM_CELL_MATRICES 6

static const fg_st_tensor *find(const fg_st_header *h, const char *name) {
    for (size_t i = 0; i < h->num_tensors; i++)
        if (strcmp(h->tensors[i].name, name) == 0) return &h->tensors[i];
    return NULL;
}

/* find(h, base + suffix) */
static const fg_st_tensor *find_part(const fg_st_header *h, const char *base, const char *suffix) {
    char name[ST_NAME_MAX];
    snprintf(name, sizeof name, "%s%s", base, suffix);
    return find(h, name);
}

/* 1 when `name` is base + suffix. */
static int is_part(const char *name, const char *base, const char *suffix) {
    size_t n = strlen(base);
    return strncmp(name, base, n) == 0 && strcmp(name + n, suffix) == 0;
}

/* What a tensor name can be: 0 unknown, 1 a table tensor, 2 a sparse part
 * (.indices / .values of a cell matrix), 3 a scale (.scale of a weight). */
static int name_kind(const char *name) {
    for (size_t k = 0; k < sizeof KNOWN_TENSORS / sizeof KNOWN_TENSORS[0]; k++)
        if (strcmp(name, KNOWN_TENSORS[k]) == 0) return 1;
    for (size_t k = 0; k < sizeof WEIGHT_TENSORS / sizeof WEIGHT_TENSORS[0]; k++) {
        if (k < NUM_CELL_MATRICES && (is_part(name, WEIGHT_TENSORS[k], ".indices") ||
                                      is_part(name, WEIGHT_TENSORS[k], ".values")))
            return 2;
        if (is_part(name, WEIGHT_TENSORS[k], ".scale")) return 3;
    }
    return 0;
}

/* The storage the file uses: sparse when any cell matrix is stored as
 * indices + values, quantized when any weight has a scale or I8 values. The
 * per-tensor rules (match_table) then demand that form throughout. */
static void file_forms(const fg_st_header *h, int *sparse, int *quant) {
    *sparse = *quant = 0;
    for (size_t i = 0; i < h->num_tensors; i++) {
        const char *name = h->tensors[i].name;
        int kind = name_kind(name), i8 = strcmp(h->tensors[i].dtype, "I8") == 0, weight = 0;
        for (size_t k = 0; k < sizeof WEIGHT_TENSORS / sizeof WEIGHT_TENSORS[0]; k++)
            if (strcmp(name, WEIGHT_TENSORS[k]) == 0 || is_part(name, WEIGHT_TENSORS[k], ".values"))
                weight = 1;
        if (kind == 2) *sparse = 1;
        if (kind == 3 || (i8 && weight)) *quant = 1;
    }
}

/* A tensor that must exist as a matrix with positive int32 dimensions. */
static fg_status matrix(const fg_st_header *h, const char *name, int32_t *rows, int32_t *cols) {
    const fg_st_tensor *t = find(h, name);
    if (t == NULL) return fg_fail(FG_ERR_SERIALIZATION, "missing tensor \"%s\"", name);
    if (t->ndim != 2)
        return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" has %d dimensions; expected 2", name,
                       t->ndim);
    if (t->shape[0] == 0 || t->shape[1] == 0 || t->shape[0] > INT32_MAX || t->shape[1] > INT32_MAX)
        return fg_fail(FG_ERR_SERIALIZATION,
                       "tensor \"%s\" has shape [%" PRIu64 ", %" PRIu64
                       "]; dimensions must be in [1, 2^31)",
                       name, t->shape[0], t->shape[1]);
    *rows = (int32_t)t->shape[0];
    *cols = (int32_t)t->shape[1];
    return FG_OK;
}

/* A weight stored full as `full` [rows, cols] or as factors f1 [rows, r] +
 * f2 [r, cols] with 1 <= r < min(rows, cols). *rank_out: 0 (full) or r. The
 * caller knows rows; *cols_out gets cols. */
static fg_status weight_shape(const fg_st_header *h, const char *full, const char *f1,
                              const char *f2, int32_t rows, int32_t *cols_out, int32_t *rank_out) {
    int has_full = find(h, full) != NULL, has_f1 = find(h, f1) != NULL,
        has_f2 = find(h, f2) != NULL;
    int32_t r0, c0, r1, c1;
    fg_status st;
    if (has_full && (has_f1 || has_f2))
        return fg_fail(FG_ERR_SERIALIZATION,
                       "both \"%s\" and its factors \"%s\"/\"%s\" are present", full, f1, f2);
    if (has_full) {
        if ((st = matrix(h, full, &r0, &c0)) != FG_OK) return st;
        if (r0 != rows)
            return fg_fail(FG_ERR_SERIALIZATION,
                           "tensor \"%s\" has %" PRId32
                           " rows; head.weight implies hidden_dim %" PRId32,
                           full, r0, rows);
        *cols_out = c0;
        *rank_out = 0;
        return FG_OK;
    }
    if (!has_f1 && !has_f2)
        return fg_fail(FG_ERR_SERIALIZATION,
                       "missing tensor \"%s\" (or its factors \"%s\" and \"%s\")", full, f1, f2);
    if ((st = matrix(h, f1, &r0, &c0)) != FG_OK) return st;
    if ((st = matrix(h, f2, &r1, &c1)) != FG_OK) return st;
    if (r0 != rows)
        return fg_fail(FG_ERR_SERIALIZATION,
                       "tensor \"%s\" has %" PRId32
                       " rows; head.weight implies hidden_dim %" PRId32,
                       f1, r0, rows);
    if (r1 != c0)
        return fg_fail(FG_ERR_SERIALIZATION,
                       "factor shapes disagree: \"%s\" is [%" PRId32 ", %" PRId32
                       "] but \"%s\" is [%" PRId32 ", %" PRId32 "]",
                       f1, r0, c0, f2, r1, c1);
    int32_t min_dim = rows < c1 ? rows : c1;
    if (c0 >= min_dim)
        return fg_fail(FG_ERR_SERIALIZATION,
                       "factors \"%s\"/\"%s\" have rank %" PRId32 ", not below min(%" PRId32
                       ", %" PRId32 "); such a matrix is stored full as \"%s\"",
                       f1, f2, c0, rows, c1, full);
    *cols_out = c1;
    *rank_out = c0;
    return FG_OK;
}

static int32_t rank_for(int32_t specific, int32_t rank) {
    return specific != FG_RANK_NONE ? specific : rank;
}

/* The model config the tensors imply, checked against the metadata config
 * when there is one (it then supplies nu, zeta, seed and the ranks as given).
 * A sparse file does not hold the dense shapes of its cell matrices: the
 * metadata config is required and defines the model; match_table then checks
 * every tensor against it. */
static fg_status infer_config(const fg_st_header *h, int sparse, fg_model_config *cfg_out) {
    for (size_t i = 0; i < h->num_tensors; i++)
        if (name_kind(h->tensors[i].name) == 0)
            return fg_fail(FG_ERR_SERIALIZATION, "unexpected tensor \"%.64s\"", h->tensors[i].name);
    if (sparse) {
        const char *json = fg_st_header_meta(h, "config");
        if (json == NULL)
            return fg_fail(
                FG_ERR_SERIALIZATION,
                "sparse tensors (NAME.indices + NAME.values) need the \"config\" metadata: "
                "it gives the dense shapes, and this file has none");
        fg_model_config cfg;
        fg_status st = fg_model_config_from_json(json, strlen(json), &cfg);
        if (st != FG_OK) return as_serialization(st, "metadata config");
        *cfg_out = cfg;
        return FG_OK;
    }
    int32_t O, H, D, H2, wr, ur;
    fg_status st = matrix(h, "head.weight", &O, &H);
    if (st == FG_OK) st = weight_shape(h, "cell.W", "cell.W1", "cell.W2", H, &D, &wr);
    if (st == FG_OK) st = weight_shape(h, "cell.U", "cell.U1", "cell.U2", H, &H2, &ur);
    if (st != FG_OK) return st;
    if (H2 != H)
        return fg_fail(FG_ERR_SERIALIZATION,
                       "cell.U (or cell.U2) has %" PRId32 " columns; expected hidden_dim %" PRId32,
                       H2, H);

    fg_model_config cfg = fg_model_config_default();
    const char *json = fg_st_header_meta(h, "config");
    if (json != NULL) {
        st = fg_model_config_from_json(json, strlen(json), &cfg);
        if (st != FG_OK) return as_serialization(st, "metadata config");
        int32_t cfg_wr = fg_effective_rank(rank_for(cfg.w_rank, cfg.rank), H, D);
        int32_t cfg_ur = fg_effective_rank(rank_for(cfg.u_rank, cfg.rank), H, H);
        if (cfg.input_dim != D || cfg.hidden_dim != H || cfg.output_dim != O || cfg_wr != wr ||
            cfg_ur != ur)
            return fg_fail(
                FG_ERR_SERIALIZATION,
                "metadata config disagrees with the tensors: config has input_dim %" PRId32
                ", hidden_dim %" PRId32 ", output_dim %" PRId32 ", W rank %" PRId32
                ", U rank %" PRId32 "; tensors have %" PRId32 ", %" PRId32 ", %" PRId32 ", %" PRId32
                ", %" PRId32 " (rank 0 = full)",
                cfg.input_dim, cfg.hidden_dim, cfg.output_dim, cfg_wr, cfg_ur, D, H, O, wr, ur);
    } else {
        cfg.input_dim = D;
        cfg.hidden_dim = H;
        cfg.output_dim = O;
        cfg.rank = FG_RANK_NONE;
        cfg.w_rank = wr > 0 ? wr : FG_RANK_NONE;
        cfg.u_rank = ur > 0 ? ur : FG_RANK_NONE;
    }
    *cfg_out = cfg;
    return FG_OK;
}

/* Shape text "[a, b]" of a file tensor, for messages. */
static void shape_text(const fg_st_tensor *f, char *buf, size_t cap) {
    snprintf(buf, cap, "[");
    for (int d = 0; d < f->ndim; d++) {
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%s%" PRIu64, d ? ", " : "", f->shape[d]);
    }
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "]");
}

/* 1 when the model, stored in the given forms, has a tensor called name. */
static int expects(const fg_model *m, int sparse, int quant, const char *name) {
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        int sp = sparse && fg_tensor_is_cell_matrix(t);
        if (!sp && strcmp(name, t->name) == 0) return 1;
        if (sp && (is_part(name, t->name, ".indices") || is_part(name, t->name, ".values")))
            return 1;
        if (quant && t->is_weight && is_part(name, t->name, ".scale")) return 1;
    }
    return 0;
}

/* A 1-d part of a stored tensor (indices, values, scale) of a given dtype. */
static fg_status check_part(const fg_st_tensor *f, const char *dtype, const char *why) {
    if (f->ndim != 1) {
        char got[96];
        shape_text(f, got, sizeof got);
        return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" has shape %s; it must be 1-dimensional",
                       f->name, got);
    }
    if (strcmp(f->dtype, dtype) != 0)
        return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" has dtype %s; expected %s (%s)",
                       f->name, f->dtype, dtype, why);
    return FG_OK;
}

/* The file's tensors must be exactly the allocated model's table, each in
 * the file's storage form: dense or (cell matrices of a sparse file) indices +
 * values, F32 or (weights of a quantized file) I8 + scale. */
static fg_status match_table(const fg_st_header *h, const fg_model *m, int sparse, int quant) {
    size_t expected = 0;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        expected += (sparse && fg_tensor_is_cell_matrix(t)) ? 2 : 1;
        expected += quant && t->is_weight;
    }
    if (h->num_tensors != expected) {
        for (size_t i = 0; i < h->num_tensors; i++)
            if (!expects(m, sparse, quant, h->tensors[i].name))
                return fg_fail(FG_ERR_SERIALIZATION, "unexpected tensor \"%.64s\" for this model",
                               h->tensors[i].name);
    }
    fg_status st;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        int sp = sparse && fg_tensor_is_cell_matrix(t), qt = quant && t->is_weight;
        const fg_st_tensor *f = find(h, t->name);
        const char *value_dtype = qt ? "I8" : "F32";
        const char *value_why =
            qt             ? "the weights of a quantized model are int8"
            : t->is_weight ? "an I8 weight needs a NAME.scale tensor; float weights are F32"
                           : "biases, zeta and nu are float32";
        if (sp) {
            if (f != NULL)
                return fg_fail(
                    FG_ERR_SERIALIZATION,
                    "tensor \"%s\" is stored dense, but this file is sparse: every cell matrix "
                    "is stored as \"%s.indices\" + \"%s.values\"",
                    t->name, t->name, t->name);
            const fg_st_tensor *idx = find_part(h, t->name, ".indices"),
                               *val = find_part(h, t->name, ".values");
            if (idx == NULL || val == NULL)
                return fg_fail(FG_ERR_SERIALIZATION,
                               "missing tensor \"%s%s\" (this file is sparse: every cell matrix is "
                               "stored as indices + values)",
                               t->name, idx == NULL ? ".indices" : ".values");
            const char *index_dtype = fg_sparse_index_bytes(t->size) == 2 ? "U16" : "U32";
            if ((st = check_part(idx, index_dtype,
                                 t->size <= 65536
                                     ? "indices into a matrix of at most 65536 entries are U16"
                                     : "indices into a matrix of over 65536 entries are U32")) !=
                FG_OK)
                return st;
            if ((st = check_part(val, value_dtype, value_why)) != FG_OK) return st;
            if (idx->shape[0] != val->shape[0])
                return fg_fail(FG_ERR_SERIALIZATION,
                               "length mismatch: \"%s.indices\" has %" PRIu64
                               " entries but \"%s.values\" has %" PRIu64,
                               t->name, idx->shape[0], t->name, val->shape[0]);
            if (idx->shape[0] > (uint64_t)t->size)
                return fg_fail(FG_ERR_SERIALIZATION,
                               "\"%s.indices\" has %" PRIu64
                               " entries, more than the %zu of the [%" PRId32 ", %" PRId32
                               "] matrix",
                               t->name, idx->shape[0], t->size, t->rows, t->cols);
        } else {
            if (f == NULL) return fg_fail(FG_ERR_SERIALIZATION, "missing tensor \"%s\"", t->name);
            int ndim = t->cols == 0 ? 1 : 2;
            int same = f->ndim == ndim && f->shape[0] == (uint64_t)t->rows &&
                       (ndim == 1 || f->shape[1] == (uint64_t)t->cols);
            if (!same) {
                char got[96], want[48];
                shape_text(f, got, sizeof got);
                if (ndim == 1) snprintf(want, sizeof want, "[%" PRId32 "]", t->rows);
                else snprintf(want, sizeof want, "[%" PRId32 ", %" PRId32 "]", t->rows, t->cols);
                return fg_fail(FG_ERR_SERIALIZATION,
                               "tensor \"%s\" has shape %s; this model needs %s", t->name, got,
                               want);
            }
            if (strcmp(f->dtype, value_dtype) != 0)
                return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" has dtype %s; expected %s (%s)",
                               t->name, f->dtype, value_dtype, value_why);
        }
        if (qt) {
            const fg_st_tensor *sc = find_part(h, t->name, ".scale");
            if (sc == NULL)
                return fg_fail(
                    FG_ERR_SERIALIZATION,
                    "missing tensor \"%s.scale\" (this file is quantized: every weight matrix is "
                    "int8 with a float32 scale)",
                    t->name);
            if ((st = check_part(sc, "F32", "a scale is float32")) != FG_OK) return st;
            if (sc->shape[0] != 1)
                return fg_fail(FG_ERR_SERIALIZATION,
                               "tensor \"%s\" has %" PRIu64 " values; a scale has 1", sc->name,
                               sc->shape[0]);
        }
    }
    if (h->num_tensors != expected)
        return fg_fail(FG_ERR_SERIALIZATION, "the file has %zu tensors; this model has %zu",
                       h->num_tensors, expected);
    return FG_OK;
}

/* One stored value: F32 (finite) or I8 in [-127, 127] times the scale. */
static fg_status read_value(const uint8_t *src, size_t j, int qt, float scale, const char *name,
                            size_t at, fg_real *out) {
    if (qt) {
        int v = (int)(int8_t)src[j];
        if (v < -127)
            return fg_fail(FG_ERR_SERIALIZATION,
                           "tensor \"%s\" holds the int8 value %d at index %zu; quantized weights "
                           "are in [-127, 127]",
                           name, v, j);
        *out = (fg_real)((float)v * scale);
        return FG_OK;
    }
    float v = get_f32_le(src + 4 * j);
    if (!isfinite(v))
        return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" holds a non-finite value at index %zu",
                       name, at);
    *out = (fg_real)v;
    return FG_OK;
}

/* Copies each tensor's values into m->params (refusing non-finite ones) and,
 * for a sparse or quantized file, sets the model's mask and scales. */
static fg_status copy_data(const fg_st_header *h, const uint8_t *data, fg_model *m, int sparse,
                           int quant) {
    if (sparse) {
        m->mask = fg_alloc(m->num_params, "model mask");
        if (m->mask == NULL) return FG_ERR_OUT_OF_MEMORY;
        memset(m->mask, 1, m->num_params);
    }
    fg_status st;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        int sp = sparse && fg_tensor_is_cell_matrix(t), qt = quant && t->is_weight;
        fg_real *w = m->params + t->offset;
        float s = 0.0f;
        if (qt) { /* every range is in bounds and sized: check_ranges, match_table */
            const fg_st_tensor *sc = find_part(h, t->name, ".scale");
            s = get_f32_le(data + sc->begin);
            if (!isfinite(s) || !(s > 0.0f))
                return fg_fail(FG_ERR_SERIALIZATION,
                               "tensor \"%s\" is %g; a scale must be finite and > 0", sc->name,
                               (double)s);
            if (!isfinite(127.0f * s))
                return fg_fail(FG_ERR_SERIALIZATION,
                               "tensor \"%s\" is %g; 127 times it overflows float32", sc->name,
                               (double)s);
            m->scale[i] = s;
        }
        if (!sp) {
            const fg_st_tensor *f = find(h, t->name);
            for (size_t j = 0; j < t->size; j++)
                if ((st = read_value(data + f->begin, j, qt, s, t->name, j, &w[j])) != FG_OK)
                    return st;
            continue;
        }
        const fg_st_tensor *idx = find_part(h, t->name, ".indices"),
                           *val = find_part(h, t->name, ".values");
        char vname[ST_NAME_MAX];
        snprintf(vname, sizeof vname, "%s.values", t->name);
        int ib = fg_sparse_index_bytes(t->size);
        size_t nnz = (size_t)idx->shape[0]; /* <= t->size: match_table */
        uint8_t *keep = m->mask + t->offset;
        memset(keep, 0, t->size);
        const uint8_t *src = data + idx->begin;
        uint64_t prev = 0;
        for (size_t k = 0; k < nnz; k++) {
            uint64_t j = ib == 2
                             ? (uint64_t)src[2 * k] | (uint64_t)src[2 * k + 1] << 8
                             : (uint64_t)src[4 * k] | (uint64_t)src[4 * k + 1] << 8 |
                                   (uint64_t)src[4 * k + 2] << 16 | (uint64_t)src[4 * k + 3] << 24;
            if (j >= (uint64_t)t->size)
                return fg_fail(FG_ERR_SERIALIZATION,
                               "tensor \"%s.indices\" holds %" PRIu64
                               " at position %zu, out of range for the %zu entries of \"%s\"",
                               t->name, j, k, t->size, t->name);
            if (k > 0 && j <= prev)
                return fg_fail(FG_ERR_SERIALIZATION,
                               "tensor \"%s.indices\" is not strictly ascending: %" PRIu64
                               " follows %" PRIu64 " at position %zu",
                               t->name, j, prev, k);
            prev = j;
            keep[j] = 1;
            if ((st = read_value(data + val->begin, k, qt, s, vname, k, &w[j])) != FG_OK) return st;
        }
    }
    m->quantized = quant;
    return FG_OK;
}

/* Metadata: an optional format marker, normalization for D inputs and
 * model card (card.c validates it for the model's dims). */
static fg_status apply_metadata(const fg_st_header *h, fg_model *m) {
    const char *format = fg_st_header_meta(h, "format");
    if (format != NULL && strncmp(format, ST_FORMAT_FAMILY, strlen(ST_FORMAT_FAMILY)) == 0 &&
        strcmp(format, ST_FORMAT) != 0)
        return fg_fail(FG_ERR_SERIALIZATION,
                       "unsupported format \"%.64s\" (this library reads \"%s\")", format,
                       ST_FORMAT);
    const char *card = fg_st_header_meta(h, "card");
    if (card != NULL) {
        fg_status st = fg_card_load(m, card, strlen(card));
        if (st != FG_OK) return as_serialization(st, "metadata card");
    }
    const char *json = fg_st_header_meta(h, "normalization");
    if (json == NULL) return FG_OK;
    float *means = NULL, *stds = NULL;
    int32_t dim = 0;
    fg_status st = fg_normalization_from_json(json, strlen(json), &means, &stds, &dim);
    if (st != FG_OK) return as_serialization(st, "metadata normalization");
    if (dim != m->D)
        st = fg_fail(FG_ERR_SERIALIZATION,
                     "metadata normalization has %" PRId32
                     " features; the model has input_dim %" PRId32,
                     dim, m->D);
    else if ((st = fg_model_set_normalization(m, means, stds, dim)) != FG_OK)
        st = as_serialization(st, "metadata normalization");
    fg_free(means);
    fg_free(stds);
    return st;
}

fg_status fg_model_load(const uint8_t *bytes, size_t len, fg_model **out) {
    if (out == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "load: out is NULL");
    if (bytes == NULL && len > 0)
        return fg_fail(FG_ERR_INVALID_INPUT, "load: bytes is NULL with length %zu", len);
    if (len < 8)
        return fg_fail(FG_ERR_SERIALIZATION,
                       "safetensors data is %zu bytes; it must start with an 8-byte header length",
                       len);
    uint64_t n = fg_get_u64_le(bytes);
    if (n > ST_MAX_HEADER)
        return fg_fail(FG_ERR_SERIALIZATION, "header length %" PRIu64 " exceeds the %u-byte limit",
                       n, ST_MAX_HEADER);
    if (n > (uint64_t)(len - 8))
        return fg_fail(FG_ERR_SERIALIZATION,
                       "header length %" PRIu64 " exceeds the %zu bytes after the length field", n,
                       len - 8);
    if (n == 0 || bytes[8] != '{')
        return fg_fail(FG_ERR_SERIALIZATION, "header does not start with '{'");

    fg_st_header h;
    fg_status st = fg_st_header_parse((const char *)bytes + 8, (size_t)n, &h);
    if (st != FG_OK) return st;
    const uint8_t *data = bytes + 8 + n;
    uint64_t data_len = (uint64_t)(len - 8 - (size_t)n);
    fg_model_config cfg;
    fg_model *m = NULL;
    int sparse = 0, quant = 0;
    st = check_ranges(&h, data_len);
    if (st == FG_OK) {
        file_forms(&h, &sparse, &quant);
        st = infer_config(&h, sparse, &cfg);
    }
    if (st == FG_OK) {
        st = fg_model_alloc(&cfg, &m);
        if (st != FG_OK) {
            m = NULL;
            st = as_serialization(st, "cannot build a model from these tensors");
        }
    }
    if (st == FG_OK) st = match_table(&h, m, sparse, quant);
    if (st == FG_OK) st = copy_data(&h, data, m, sparse, quant);
    if (st == FG_OK) st = apply_metadata(&h, m);
    fg_st_header_free(&h);
    if (st != FG_OK) {
        fg_model_destroy(m);
        return st;
    }
    *out = m;
    return FG_OK;
}

fg_status fg_model_load_file(const char *path, fg_model **out) {
    if (path == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "load: path is NULL");
    if (out == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "load: out is NULL");
    uint8_t *bytes = NULL;
    size_t len = 0;
    fg_status st = fg_read_file(path, &bytes, &len);
    if (st != FG_OK) return st;
    st = fg_model_load(bytes, len, out);
    fg_free(bytes);
    if (st == FG_ERR_SERIALIZATION) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", fg_last_error());
        st = fg_fail(FG_ERR_SERIALIZATION, "'%s': %s", path, msg);
    }
    return st;
}
