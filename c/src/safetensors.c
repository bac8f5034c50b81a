/*
 * safetensors.c - saving and loading models as safetensors.
 *
 * File layout (all little-endian):
 *   [0, 8)            u64 N: length of the JSON header
 *   [8, 8 + N)        JSON header, padded with spaces so N % 8 == 0
 *   [8 + N, end)      data section: the tensors' raw float32 values
 * The header maps each tensor name to {dtype, shape, data_offsets} (offsets
 * relative to the data section) plus "__metadata__" of string -> string:
 *   format        "fastgrnn-wasm/1"
 *   config        the model config as JSON
 *   normalization {"means": [...], "stds": [...]}   (only when known)
 * Tensors are the model's tensor table, in table order (see DESIGN.md).
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

#define ST_FORMAT "fastgrnn-wasm/1"
#define ST_FORMAT_FAMILY "fastgrnn-wasm/"
#define ST_MAX_HEADER 100000000u   /* as the reference implementation */
/* Magnitudes below this round to a finite float (FLT_MAX + half an ulp). */
#define ST_FLOAT_LIMIT 3.4028235677973366e38

/* ------------------------------------------------------------------------ */
/* Little-endian byte access, independent of the host's byte order.        */

static void put_u64_le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64_le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_f32_le(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(u >> (8 * i));
}

static float get_f32_le(const uint8_t *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Re-records the last error as FG_ERR_SERIALIZATION with a prefix (keeps
 * FG_ERR_OUT_OF_MEMORY as it is). */
static fg_status as_serialization(fg_status st, const char *prefix)
{
    if (st == FG_ERR_OUT_OF_MEMORY) return st;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", fg_last_error());
    return fg_fail(FG_ERR_SERIALIZATION, "%s: %s", prefix, msg);
}

/* ------------------------------------------------------------------------ */
/* Save                                                                     */

/* bytes_out: 8 + N + 4 * num_params bytes, fg_alloc'd. */
fg_status fg_model_save(const fg_model *m, uint8_t **bytes_out, size_t *len_out)
{
    if (m == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "save: model is NULL");
    if (bytes_out == NULL || len_out == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "save: output pointer is NULL");

    /* Float32 must hold every parameter (only a FG_DOUBLE build can fail). */
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        for (size_t j = 0; j < t->size; j++) {
            double v = (double)m->params[t->offset + j];
            if (!(v > -ST_FLOAT_LIMIT && v < ST_FLOAT_LIMIT))
                return fg_fail(FG_ERR_INVALID_INPUT, "save: %s[%zu] = %g is not a finite float32", t->name, j, v);
        }
    }

    /* Header entries in table order, data packed back to back. */
    char names[FG_MAX_TENSORS][FG_TENSOR_NAME_MAX];
    static char dtype_f32[] = "F32";
    fg_st_tensor entries[FG_MAX_TENSORS];
    uint64_t pos = 0;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        fg_st_tensor *e = &entries[i];
        memset(e, 0, sizeof *e);
        memcpy(names[i], t->name, FG_TENSOR_NAME_MAX);
        names[i][FG_TENSOR_NAME_MAX - 1] = '\0';
        e->name = names[i];
        e->dtype = dtype_f32;
        e->ndim = t->cols == 0 ? 1 : 2;
        e->shape[0] = (uint64_t)t->rows;
        e->shape[1] = (uint64_t)t->cols;
        e->begin = pos;
        pos += 4 * (uint64_t)t->size;
        e->end = pos;
    }

    /* Metadata: format, config, normalization. */
    char *config = NULL, *norm = NULL, *header = NULL;
    size_t header_len = 0;
    fg_status st = fg_model_config_to_json(&m->cfg, &config);
    if (st == FG_OK && m->norm_means != NULL)
        st = fg_normalization_to_json(m->norm_means, m->norm_stds, m->norm_dim, &norm);
    if (st == FG_OK) {
        static char k_format[] = "format", k_config[] = "config", k_norm[] = "normalization";
        static char v_format[] = ST_FORMAT;
        fg_st_meta meta[3] = {{k_format, v_format}, {k_config, config}, {k_norm, norm}};
        st = fg_st_header_build(entries, (size_t)m->num_tensors, meta, norm ? 3 : 2, &header, &header_len);
    }
    fg_free(config);
    fg_free(norm);
    if (st != FG_OK) return st;

    /* [u64 N][header + spaces][data] */
    size_t padded = (header_len + 7) & ~(size_t)7;
    size_t data_len = 0, total = 0;
    if (padded < header_len || pos > SIZE_MAX || !fg_mul_ok(m->num_params, 4, &data_len) ||
        data_len != (size_t)pos || padded > SIZE_MAX - 8 - data_len) {
        fg_free(header);
        return fg_fail(FG_ERR_OUT_OF_MEMORY, "save: model too large to serialize");
    }
    total = 8 + padded + data_len;
    uint8_t *buf = fg_alloc(total, "safetensors bytes");
    if (buf == NULL) {
        fg_free(header);
        return FG_ERR_OUT_OF_MEMORY;
    }
    put_u64_le(buf, (uint64_t)padded);
    memcpy(buf + 8, header, header_len);
    memset(buf + 8 + header_len, ' ', padded - header_len);
    fg_free(header);
    uint8_t *data = buf + 8 + padded;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        uint8_t *dst = data + entries[i].begin;
        for (size_t j = 0; j < t->size; j++) put_f32_le(dst + 4 * j, (float)m->params[t->offset + j]);
    }
    *bytes_out = buf;
    *len_out = total;
    return FG_OK;
}

fg_status fg_model_save_file(const fg_model *m, const char *path)
{
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

static int cmp_range(const void *a, const void *b)
{
    const st_range *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The format's own rules on every tensor: dtype F32 (ours: float models
 * only), shape product * 4 == range length, ranges in bounds, and the ranges
 * sorted by begin tile [0, data_len) exactly. */
static fg_status check_ranges(const fg_st_header *h, uint64_t data_len)
{
    for (size_t i = 0; i < h->num_tensors; i++) {
        const fg_st_tensor *t = &h->tensors[i];
        if (strcmp(t->dtype, "F32") != 0)
            return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%.64s\" has dtype \"%.16s\"; only F32 is supported",
                           t->name, t->dtype);
        uint64_t count = 1;
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] != 0 && count > UINT64_MAX / 4 / t->shape[d])
                return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%.64s\": shape product overflows", t->name);
            count *= t->shape[d];
        }
        if (t->end < t->begin)
            return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%.64s\": data_offsets [%" PRIu64 ", %" PRIu64 "] end before begin",
                           t->name, t->begin, t->end);
        if (t->end > data_len)
            return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%.64s\": data_offsets [%" PRIu64 ", %" PRIu64
                           "] out of bounds of the %" PRIu64 "-byte data section",
                           t->name, t->begin, t->end, data_len);
        if (t->end - t->begin != count * 4)
            return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%.64s\": data_offsets span %" PRIu64
                           " bytes but its shape holds %" PRIu64 " F32 values (%" PRIu64 " bytes)",
                           t->name, t->end - t->begin, count, count * 4);
    }
    if (h->num_tensors == 0) {
        if (data_len != 0)
            return fg_fail(FG_ERR_SERIALIZATION, "no tensors, but a %" PRIu64 "-byte data section", data_len);
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
            st = fg_fail(FG_ERR_SERIALIZATION, "tensor \"%.64s\" starts at byte %" PRIu64 " of the data section, expected %" PRIu64
                         " (ranges must be contiguous, without gaps or overlaps)",
                         h->tensors[r[i].index].name, r[i].begin, pos);
        pos = r[i].end;
    }
    if (st == FG_OK && pos != data_len)
        st = fg_fail(FG_ERR_SERIALIZATION, "tensors cover %" PRIu64 " bytes but the data section has %" PRIu64,
                     pos, data_len);
    fg_free(r);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Load: our rules (the tensor set and shapes of one FastGRNN model)        */

static const char *const KNOWN_TENSORS[] = {
    "cell.W", "cell.W1", "cell.W2", "cell.U", "cell.U1", "cell.U2", "cell.bias_gate",
    "cell.bias_update", "cell.zeta", "cell.nu", "head.weight", "head.bias",
};

static const fg_st_tensor *find(const fg_st_header *h, const char *name)
{
    for (size_t i = 0; i < h->num_tensors; i++)
        if (strcmp(h->tensors[i].name, name) == 0) return &h->tensors[i];
    return NULL;
}

/* A tensor that must exist as a matrix with positive int32 dimensions. */
static fg_status matrix(const fg_st_header *h, const char *name, int32_t *rows, int32_t *cols)
{
    const fg_st_tensor *t = find(h, name);
    if (t == NULL) return fg_fail(FG_ERR_SERIALIZATION, "missing tensor \"%s\"", name);
    if (t->ndim != 2)
        return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" has %d dimensions; expected 2", name, t->ndim);
    if (t->shape[0] == 0 || t->shape[1] == 0 || t->shape[0] > INT32_MAX || t->shape[1] > INT32_MAX)
        return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" has shape [%" PRIu64 ", %" PRIu64 "]; dimensions must be in [1, 2^31)",
                       name, t->shape[0], t->shape[1]);
    *rows = (int32_t)t->shape[0];
    *cols = (int32_t)t->shape[1];
    return FG_OK;
}

/* A weight stored full as `full` [rows, cols] or as factors f1 [rows, r] +
 * f2 [r, cols] with 1 <= r < min(rows, cols). *rank_out: 0 (full) or r. The
 * caller knows rows; *cols_out gets cols. */
static fg_status weight_shape(const fg_st_header *h, const char *full, const char *f1,
                              const char *f2, int32_t rows, int32_t *cols_out, int32_t *rank_out)
{
    int has_full = find(h, full) != NULL, has_f1 = find(h, f1) != NULL, has_f2 = find(h, f2) != NULL;
    int32_t r0, c0, r1, c1;
    fg_status st;
    if (has_full && (has_f1 || has_f2))
        return fg_fail(FG_ERR_SERIALIZATION, "both \"%s\" and its factors \"%s\"/\"%s\" are present", full, f1, f2);
    if (has_full) {
        if ((st = matrix(h, full, &r0, &c0)) != FG_OK) return st;
        if (r0 != rows)
            return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" has %" PRId32 " rows; head.weight implies hidden_dim %" PRId32,
                           full, r0, rows);
        *cols_out = c0;
        *rank_out = 0;
        return FG_OK;
    }
    if (!has_f1 && !has_f2)
        return fg_fail(FG_ERR_SERIALIZATION, "missing tensor \"%s\" (or its factors \"%s\" and \"%s\")", full, f1, f2);
    if ((st = matrix(h, f1, &r0, &c0)) != FG_OK) return st;
    if ((st = matrix(h, f2, &r1, &c1)) != FG_OK) return st;
    if (r0 != rows)
        return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" has %" PRId32 " rows; head.weight implies hidden_dim %" PRId32,
                       f1, r0, rows);
    if (r1 != c0)
        return fg_fail(FG_ERR_SERIALIZATION, "factor shapes disagree: \"%s\" is [%" PRId32 ", %" PRId32 "] but \"%s\" is [%" PRId32 ", %" PRId32 "]",
                       f1, r0, c0, f2, r1, c1);
    int32_t min_dim = rows < c1 ? rows : c1;
    if (c0 >= min_dim)
        return fg_fail(FG_ERR_SERIALIZATION, "factors \"%s\"/\"%s\" have rank %" PRId32 ", not below min(%" PRId32 ", %" PRId32
                       "); such a matrix is stored full as \"%s\"",
                       f1, f2, c0, rows, c1, full);
    *cols_out = c1;
    *rank_out = c0;
    return FG_OK;
}

static int32_t rank_for(int32_t specific, int32_t rank)
{
    return specific != FG_RANK_NONE ? specific : rank;
}

/* The model config the tensors imply, checked against the metadata config
 * when there is one (it then supplies nu, zeta, seed and the ranks as given). */
static fg_status infer_config(const fg_st_header *h, fg_model_config *cfg_out)
{
    for (size_t i = 0; i < h->num_tensors; i++) {
        int known = 0;
        for (size_t k = 0; k < sizeof KNOWN_TENSORS / sizeof KNOWN_TENSORS[0]; k++)
            if (strcmp(h->tensors[i].name, KNOWN_TENSORS[k]) == 0) known = 1;
        if (!known) return fg_fail(FG_ERR_SERIALIZATION, "unexpected tensor \"%.64s\"", h->tensors[i].name);
    }
    int32_t O, H, D, H2, wr, ur;
    fg_status st = matrix(h, "head.weight", &O, &H);
    if (st == FG_OK) st = weight_shape(h, "cell.W", "cell.W1", "cell.W2", H, &D, &wr);
    if (st == FG_OK) st = weight_shape(h, "cell.U", "cell.U1", "cell.U2", H, &H2, &ur);
    if (st != FG_OK) return st;
    if (H2 != H)
        return fg_fail(FG_ERR_SERIALIZATION, "cell.U (or cell.U2) has %" PRId32 " columns; expected hidden_dim %" PRId32, H2, H);

    fg_model_config cfg = fg_model_config_default();
    const char *json = fg_st_header_meta(h, "config");
    if (json != NULL) {
        st = fg_model_config_from_json(json, strlen(json), &cfg);
        if (st != FG_OK) return as_serialization(st, "metadata config");
        int32_t cfg_wr = fg_effective_rank(rank_for(cfg.w_rank, cfg.rank), H, D);
        int32_t cfg_ur = fg_effective_rank(rank_for(cfg.u_rank, cfg.rank), H, H);
        if (cfg.input_dim != D || cfg.hidden_dim != H || cfg.output_dim != O || cfg_wr != wr || cfg_ur != ur)
            return fg_fail(FG_ERR_SERIALIZATION,
                           "metadata config disagrees with the tensors: config has input_dim %" PRId32 ", hidden_dim %" PRId32
                           ", output_dim %" PRId32 ", W rank %" PRId32 ", U rank %" PRId32 "; tensors have %" PRId32 ", %" PRId32
                           ", %" PRId32 ", %" PRId32 ", %" PRId32 " (rank 0 = full)",
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

/* The file's tensors must be exactly the allocated model's table. */
static fg_status match_table(const fg_st_header *h, const fg_model *m)
{
    if (h->num_tensors != (size_t)m->num_tensors) {
        for (size_t i = 0; i < h->num_tensors; i++)
            if (fg_model_find_tensor(m, h->tensors[i].name) == NULL)
                return fg_fail(FG_ERR_SERIALIZATION, "unexpected tensor \"%.64s\" for this model", h->tensors[i].name);
    }
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        const fg_st_tensor *f = find(h, t->name);
        if (f == NULL) return fg_fail(FG_ERR_SERIALIZATION, "missing tensor \"%s\"", t->name);
        int ndim = t->cols == 0 ? 1 : 2;
        int same = f->ndim == ndim && f->shape[0] == (uint64_t)t->rows && (ndim == 1 || f->shape[1] == (uint64_t)t->cols);
        if (!same) {
            char got[96] = "[", want[48];
            for (int d = 0; d < f->ndim; d++) {
                size_t n = strlen(got);
                snprintf(got + n, sizeof got - n, "%s%" PRIu64, d ? ", " : "", f->shape[d]);
            }
            strncat(got, "]", sizeof got - strlen(got) - 1);
            if (ndim == 1) snprintf(want, sizeof want, "[%" PRId32 "]", t->rows);
            else snprintf(want, sizeof want, "[%" PRId32 ", %" PRId32 "]", t->rows, t->cols);
            return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" has shape %s; this model needs %s", t->name, got, want);
        }
    }
    if (h->num_tensors != (size_t)m->num_tensors)
        return fg_fail(FG_ERR_SERIALIZATION, "the file has %zu tensors; this model has %d", h->num_tensors, m->num_tensors);
    return FG_OK;
}

/* Copies each tensor's float32 values into m->params, refusing non-finite ones. */
static fg_status copy_data(const fg_st_header *h, const uint8_t *data, fg_model *m)
{
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        const fg_st_tensor *f = find(h, t->name);
        const uint8_t *src = data + f->begin;   /* in bounds: check_ranges */
        for (size_t j = 0; j < t->size; j++) {
            float v = get_f32_le(src + 4 * j);
            if (!isfinite(v))
                return fg_fail(FG_ERR_SERIALIZATION, "tensor \"%s\" holds a non-finite value at index %zu", t->name, j);
            m->params[t->offset + j] = (fg_real)v;
        }
    }
    return FG_OK;
}

/* Metadata: an optional format marker and normalization for D inputs. */
static fg_status apply_metadata(const fg_st_header *h, fg_model *m)
{
    const char *format = fg_st_header_meta(h, "format");
    if (format != NULL && strncmp(format, ST_FORMAT_FAMILY, strlen(ST_FORMAT_FAMILY)) == 0 &&
        strcmp(format, ST_FORMAT) != 0)
        return fg_fail(FG_ERR_SERIALIZATION, "unsupported format \"%.64s\" (this library reads \"%s\")", format, ST_FORMAT);
    const char *json = fg_st_header_meta(h, "normalization");
    if (json == NULL) return FG_OK;
    float *means = NULL, *stds = NULL;
    int32_t dim = 0;
    fg_status st = fg_normalization_from_json(json, strlen(json), &means, &stds, &dim);
    if (st != FG_OK) return as_serialization(st, "metadata normalization");
    if (dim != m->D)
        st = fg_fail(FG_ERR_SERIALIZATION, "metadata normalization has %" PRId32 " features; the model has input_dim %" PRId32,
                     dim, m->D);
    else if ((st = fg_model_set_normalization(m, means, stds, dim)) != FG_OK)
        st = as_serialization(st, "metadata normalization");
    fg_free(means);
    fg_free(stds);
    return st;
}

fg_status fg_model_load(const uint8_t *bytes, size_t len, fg_model **out)
{
    if (out == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "load: out is NULL");
    if (bytes == NULL && len > 0) return fg_fail(FG_ERR_INVALID_INPUT, "load: bytes is NULL with length %zu", len);
    if (len < 8)
        return fg_fail(FG_ERR_SERIALIZATION, "safetensors data is %zu bytes; it must start with an 8-byte header length", len);
    uint64_t n = get_u64_le(bytes);
    if (n > ST_MAX_HEADER)
        return fg_fail(FG_ERR_SERIALIZATION, "header length %" PRIu64 " exceeds the %u-byte limit", n, ST_MAX_HEADER);
    if (n > (uint64_t)(len - 8))
        return fg_fail(FG_ERR_SERIALIZATION, "header length %" PRIu64 " exceeds the %zu bytes after the length field", n, len - 8);
    if (n == 0 || bytes[8] != '{') return fg_fail(FG_ERR_SERIALIZATION, "header does not start with '{'");

    fg_st_header h;
    fg_status st = fg_st_header_parse((const char *)bytes + 8, (size_t)n, &h);
    if (st != FG_OK) return st;
    const uint8_t *data = bytes + 8 + n;
    uint64_t data_len = (uint64_t)(len - 8 - (size_t)n);
    fg_model_config cfg;
    fg_model *m = NULL;
    st = check_ranges(&h, data_len);
    if (st == FG_OK) st = infer_config(&h, &cfg);
    if (st == FG_OK) {
        st = fg_model_alloc(&cfg, &m);
        if (st != FG_OK) {
            m = NULL;
            st = as_serialization(st, "cannot build a model from these tensors");
        }
    }
    if (st == FG_OK) st = match_table(&h, m);
    if (st == FG_OK) st = copy_data(&h, data, m);
    if (st == FG_OK) st = apply_metadata(&h, m);
    fg_st_header_free(&h);
    if (st != FG_OK) {
        fg_model_destroy(m);
        return st;
    }
    *out = m;
    return FG_OK;
}

fg_status fg_model_load_file(const char *path, fg_model **out)
{
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
