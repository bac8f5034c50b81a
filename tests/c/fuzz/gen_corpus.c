/*
 * gen_corpus.c - writes the seed corpora of the fuzz targets.
 *
 *   fuzz_gen_corpus tests/c/fuzz/corpus
 *
 * Valid files come from the library itself (models of several shapes, with
 * and without low-rank factors, normalization, metadata, model cards); hostile ones are
 * small edits of them, one per rule the loaders enforce. The output is
 * committed; rerun this after a format change. Built on demand only
 * (cmake --build <dir> --target fuzz_gen_corpus).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "fastgrnn.h"
#define LLVMFuzzerTestOneInput fz_unused_entry
#include "fuzz_common.h"
#undef LLVMFuzzerTestOneInput

static const char *root;
static int written;

static void write_bytes(const char *target, const char *name, const void *data, size_t len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    written++;
}

static void write_text(const char *target, const char *name, const char *text) {
    write_bytes(target, name, text, strlen(text));
}

/* Config corpus entries: one selector byte (0 model, 1 training) + JSON. */
static void write_config(int training, const char *name, const char *json) {
    size_t n = strlen(json);
    char *buf = malloc(n + 1);
    buf[0] = (char)training;
    memcpy(buf + 1, json, n);
    write_bytes("config_json", name, buf, n + 1);
    free(buf);
}

/* ---- safetensors ---------------------------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t n;
} bytes;

/* compress: 0 dense, else prune to `sparsity` (when > 0) and quantize
 * (when quantize is set). */
static bytes save_compressed(const fg_model_config *cfg, int with_norm, float sparsity,
                             int quantize);

static bytes save_model(const fg_model_config *cfg, int with_norm) {
    return save_compressed(cfg, with_norm, 0.0f, 0);
}

static bytes save_compressed(const fg_model_config *cfg, int with_norm, float sparsity,
                             int quantize) {
    fg_model *m = NULL;
    if (fg_model_create(cfg, &m) != FG_OK) {
        fprintf(stderr, "model: %s\n", fg_last_error());
        exit(1);
    }
    if ((sparsity > 0.0f && fg_model_prune(m, sparsity) != FG_OK) ||
        (quantize && fg_model_quantize(m) != FG_OK)) {
        fprintf(stderr, "compress: %s\n", fg_last_error());
        exit(1);
    }
    if (with_norm) {
        float means[64], stds[64];
        for (int i = 0; i < cfg->input_dim && i < 64; i++) {
            means[i] = 0.25f * (float)i - 1.0f;
            stds[i] = 1.0f + 0.5f * (float)i;
        }
        fg_model_set_normalization(m, means, stds, cfg->input_dim);
    }
    bytes b;
    if (fg_model_save(m, &b.p, &b.n) != FG_OK) exit(1);
    fg_model_destroy(m);
    return b;
}

/* A safetensors file from a header text (padded with spaces) and data. */
static bytes assemble(const char *header, const uint8_t *data, size_t data_len) {
    size_t h = strlen(header), padded = (h + 7) & ~(size_t)7;
    bytes b;
    b.n = 8 + padded + data_len;
    b.p = malloc(b.n);
    for (int i = 0; i < 8; i++) b.p[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    memcpy(b.p + 8, header, h);
    memset(b.p + 8 + h, ' ', padded - h);
    if (data_len) memcpy(b.p + 8 + padded, data, data_len);
    return b;
}

/* The header text (padding removed) and data section of a saved file. */
static char *header_of(const bytes *b, const uint8_t **data, size_t *data_len) {
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)b->p[i] << (8 * i);
    char *h = malloc((size_t)n + 1);
    memcpy(h, b->p + 8, (size_t)n);
    h[n] = '\0';
    size_t k = (size_t)n;
    while (k > 0 && h[k - 1] == ' ') h[--k] = '\0';
    *data = b->p + 8 + n;
    *data_len = b->n - 8 - (size_t)n;
    return h;
}

/* Replaces the first occurrence of `from` in s by `to` (fresh string). */
static char *replace(const char *s, const char *from, const char *to) {
    const char *at = strstr(s, from);
    if (!at) {
        fprintf(stderr, "gen_corpus: \"%s\" not found in header\n", from);
        exit(1);
    }
    size_t a = (size_t)(at - s), nf = strlen(from), nt = strlen(to), ns = strlen(s);
    char *r = malloc(ns - nf + nt + 1);
    memcpy(r, s, a);
    memcpy(r + a, to, nt);
    memcpy(r + a + nt, at + nf, ns - a - nf + 1);
    return r;
}

/* Writes a variant of `base` whose header has `from` replaced by `to`. */
static void st_edit(const char *name, const bytes *base, const char *from, const char *to) {
    const uint8_t *data;
    size_t dl;
    char *h = header_of(base, &data, &dl);
    char *e = replace(h, from, to);
    bytes b = assemble(e, data, dl);
    write_bytes("safetensors_load", name, b.p, b.n);
    free(b.p);
    free(e);
    free(h);
}

static void st_write(const char *name, const bytes *b) {
    write_bytes("safetensors_load", name, b->p, b->n);
    /* the roundtrip target takes 4 control bytes first */
    uint8_t *p = malloc(b->n + 4);
    static uint8_t prefix_seq = 0;
    p[0] = (uint8_t)(prefix_seq * 37u);
    p[1] = (uint8_t)(3 + prefix_seq);
    p[2] = (uint8_t)(prefix_seq % 4);
    p[3] = (uint8_t)((prefix_seq % 4u) << 6 | (prefix_seq * 11u) % 64u); /* compression mode, lr */
    prefix_seq++;
    memcpy(p + 4, b->p, b->n);
    write_bytes("model_roundtrip", name, p, b->n + 4);
    free(p);
}

/* A hand-written file for the 1x1x1 model: the header is "{" + entries +
 * "}", the data section data_len bytes of 0.5f. Entries use the macro E. */
#define E(name, shape, b, e)                                                                       \
    "\"" name "\":{\"dtype\":\"F32\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"
#define TINY_W E("cell.W", "[1,1]", 0, 4)
#define TINY_U E("cell.U", "[1,1]", 4, 8)
#define TINY_REST                                                                                  \
    E("cell.bias_gate", "[1]", 8, 12)                                                              \
    "," E("cell.bias_update", "[1]", 12, 16) "," E("cell.zeta", "[1]", 16, 20) "," E(              \
        "cell.nu", "[1]", 20, 24) "," E("head.weight", "[1,1]", 24, 28) "," E("head.bias", "[1]",  \
                                                                              28, 32)

static void tiny_file(const char *name, const char *entries, size_t data_len) {
    size_t n = strlen(entries);
    char *h = malloc(n + 3);
    h[0] = '{';
    memcpy(h + 1, entries, n);
    h[n + 1] = '}';
    h[n + 2] = '\0';
    uint8_t *d = malloc(data_len + 1);
    for (size_t i = 0; i + 4 <= data_len; i += 4) {
        d[i] = 0;
        d[i + 1] = 0;
        d[i + 2] = 0;
        d[i + 3] = 0x3f;
    }
    bytes b = assemble(h, d, data_len);
    st_write(name, &b);
    free(b.p);
    free(d);
    free(h);
}

static void gen_tiny_files(void) {
    tiny_file("valid_handwritten.safetensors", TINY_W "," TINY_U "," TINY_REST, 32);
    tiny_file("valid_reordered.safetensors", TINY_REST "," TINY_U "," TINY_W, 32);
    tiny_file("valid_metadata_other.safetensors",
              "\"__metadata__\":{\"author\":\"someone\",\"format\":\"pt\"}," TINY_W "," TINY_U
              "," TINY_REST,
              32);
    tiny_file("bad_empty_header.safetensors", "", 0);
    tiny_file("bad_missing_tensor.safetensors",
              TINY_W "," TINY_U "," E("cell.bias_gate", "[1]", 8, 12) "," E(
                  "cell.bias_update", "[1]", 12,
                  16) "," E("cell.zeta", "[1]", 16, 20) "," E("head.weight", "[1,1]", 20,
                                                              24) "," E("head.bias", "[1]", 24, 28),
              28);
    tiny_file("bad_offsets_gap.safetensors",
              E("cell.W", "[1,1]", 0, 4) "," E("cell.U", "[1,1]", 8, 12) "," E(
                  "cell.bias_gate", "[1]", 12,
                  16) "," E("cell.bias_update", "[1]", 16,
                            20) "," E("cell.zeta", "[1]", 20,
                                      24) "," E("cell.nu", "[1]", 24,
                                                28) "," E("head.weight", "[1,1]", 28,
                                                          32) "," E("head.bias", "[1]", 32, 36),
              36);
    tiny_file("bad_metadata_not_object.safetensors",
              "\"__metadata__\":[\"fastgrnn-wasm/1\"]," TINY_W "," TINY_U "," TINY_REST, 32);
    tiny_file("bad_metadata_nested.safetensors",
              "\"__metadata__\":{\"config\":{\"input_dim\":1}}," TINY_W "," TINY_U "," TINY_REST,
              32);
    tiny_file("bad_both_full_and_factors.safetensors",
              TINY_W "," TINY_U "," TINY_REST "," E("cell.W1", "[1,1]", 32, 36), 36);
    tiny_file(
        "bad_factor_rank.safetensors",
        E("cell.W1", "[1,1]", 0, 4) "," E("cell.W2", "[1,1]", 32, 36) "," TINY_U "," TINY_REST, 36);
    tiny_file("bad_weight_1d.safetensors", E("cell.W", "[1]", 0, 4) "," TINY_U "," TINY_REST, 32);
    tiny_file("bad_zero_dim.safetensors",
              TINY_W
              "," TINY_U
              "," E("cell.bias_gate", "[1]", 8, 12) "," E("cell.bias_update", "[1]", 12, 16) "," E(
                  "cell.zeta", "[1]", 16, 20) "," E("cell.nu", "[1]", 20,
                                                    24) "," E("head.weight", "[0,1]", 24,
                                                              24) "," E("head.bias", "[1]", 24, 28),
              28);
    tiny_file("bad_bias_shape.safetensors",
              TINY_W
              "," TINY_U
              "," E("cell.bias_gate", "[2]", 8, 16) "," E("cell.bias_update", "[1]", 16, 20) "," E(
                  "cell.zeta", "[1]", 20, 24) "," E("cell.nu", "[1]", 24,
                                                    28) "," E("head.weight", "[1,1]", 28,
                                                              32) "," E("head.bias", "[1]", 32, 36),
              36);
    tiny_file("bad_u_columns.safetensors",
              TINY_W "," E("cell.U", "[1,2]", 4, 12) "," E("cell.bias_gate", "[1]", 12, 16) "," E(
                  "cell.bias_update", "[1]", 16,
                  20) "," E("cell.zeta", "[1]", 20,
                            24) "," E("cell.nu", "[1]", 24, 28) "," E("head.weight", "[1,1]", 28,
                                                                      32) "," E("head.bias", "[1]",
                                                                                32, 36),
              36);
    tiny_file("bad_dtype_number.safetensors",
              "\"cell.W\":{\"dtype\":32,\"shape\":[1,1],\"data_offsets\":[0,4]}," TINY_U
              "," TINY_REST,
              32);
    tiny_file("bad_entry_missing_shape.safetensors",
              "\"cell.W\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}," TINY_U "," TINY_REST, 32);
    tiny_file("bad_offsets_float.safetensors",
              "\"cell.W\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4.5]}," TINY_U
              "," TINY_REST,
              32);
    tiny_file("bad_tensor_not_object.safetensors", "\"cell.W\":[1]," TINY_U "," TINY_REST, 32);
    tiny_file("bad_no_tensors_some_data.safetensors", "\"__metadata__\":{}", 4);
    tiny_file("bad_no_w.safetensors",
              E("cell.U", "[1,1]", 0, 4) "," E("cell.bias_gate", "[1]", 4, 8) "," E(
                  "cell.bias_update", "[1]", 8,
                  12) "," E("cell.zeta", "[1]", 12,
                            16) "," E("cell.nu", "[1]", 16, 20) "," E("head.weight", "[1,1]", 20,
                                                                      24) "," E("head.bias", "[1]",
                                                                                24, 28),
              28);
    tiny_file("bad_w_rows.safetensors",
              E("cell.W", "[2,1]", 0, 8) "," E("cell.U", "[1,1]", 8, 12) "," E(
                  "cell.bias_gate", "[1]", 12,
                  16) "," E("cell.bias_update", "[1]", 16,
                            20) "," E("cell.zeta", "[1]", 20,
                                      24) "," E("cell.nu", "[1]", 24,
                                                28) "," E("head.weight", "[1,1]", 28,
                                                          32) "," E("head.bias", "[1]", 32, 36),
              36);
}

static void gen_safetensors(void) {
    fg_model_config c = fg_model_config_default(); /* D5 H8 O1 rank 4 */
    bytes def = save_model(&c, 0);
    st_write("valid_default.safetensors", &def);

    fg_model_config full = c;
    full.rank = FG_RANK_NONE;
    full.input_dim = 3;
    full.hidden_dim = 4;
    bytes b = save_model(&full, 1);
    st_write("valid_full_rank_norm.safetensors", &b);
    free(b.p);

    fg_model_config spec = c; /* the spec's example */
    spec.hidden_dim = 16;
    spec.rank = 8;
    spec.nu = 0.8f;
    spec.zeta = 1.2f;
    b = save_model(&spec, 1);
    st_write("valid_spec_example.safetensors", &b);
    free(b.p);

    fg_model_config multi = c;
    multi.output_dim = 3;
    multi.input_dim = 2;
    multi.hidden_dim = 3;
    multi.rank = FG_RANK_NONE;
    multi.u_rank = 1;
    b = save_model(&multi, 0);
    st_write("valid_multiclass_u_rank.safetensors", &b);
    free(b.p);

    fg_model_config tiny = c;
    tiny.input_dim = tiny.hidden_dim = tiny.output_dim = 1;
    tiny.rank = FG_RANK_NONE;
    bytes tb = save_model(&tiny, 1);
    st_write("valid_tiny.safetensors", &tb);

    /* no metadata at all: shapes alone define the model */
    const uint8_t *data;
    size_t dl;
    char *h = header_of(&tb, &data, &dl);
    const char *after = strstr(h, "},\"cell.");
    char stripped[4096];
    snprintf(stripped, sizeof stripped, "{%s", after + 2);
    b = assemble(stripped, data, dl);
    st_write("valid_no_metadata.safetensors", &b);
    free(b.p);
    free(h);

    /* hostile variants (SerializationError each) */
    uint8_t small[7] = {1, 2, 3, 4, 5, 6, 7};
    write_bytes("safetensors_load", "bad_short.safetensors", small, sizeof small);
    b.n = def.n;
    b.p = malloc(b.n);
    memcpy(b.p, def.p, def.n);
    b.p[0] = 0xff;
    b.p[1] = 0xff;
    b.p[2] = 0xff;
    b.p[3] = 0x00; /* beyond the file */
    write_bytes("safetensors_load", "bad_header_len_beyond_file.safetensors", b.p, b.n);
    b.p[0] = 0x00;
    b.p[1] = 0x00;
    b.p[2] = 0x00;
    b.p[3] = 0x10; /* 256 MB > limit */
    write_bytes("safetensors_load", "bad_header_len_limit.safetensors", b.p, b.n);
    memcpy(b.p, def.p, def.n);
    b.p[8] = '[';
    write_bytes("safetensors_load", "bad_not_object.safetensors", b.p, b.n);
    free(b.p);
    st_edit("bad_invalid_json.safetensors", &def, "\"dtype\":\"F32\"", "\"dtype\":F32");
    st_edit("bad_dtype_f16.safetensors", &def, "\"dtype\":\"F32\"", "\"dtype\":\"F16\"");
    st_edit("bad_dtype_i8.safetensors", &def, "\"dtype\":\"F32\"", "\"dtype\":\"I8\"");
    st_edit("bad_shape_mismatch.safetensors", &tb, "\"shape\":[1,1]", "\"shape\":[1,2]");
    st_edit("bad_shape_overflow.safetensors", &tb, "\"shape\":[1,1]",
            "\"shape\":[9007199254740992,9007199254740992]");
    st_edit("bad_shape_negative.safetensors", &tb, "\"shape\":[1,1]", "\"shape\":[-1,1]");
    st_edit("bad_shape_3d.safetensors", &tb, "\"shape\":[1,1]", "\"shape\":[1,1,1]");
    st_edit("bad_offsets_beyond.safetensors", &tb, "\"data_offsets\":[0,4]",
            "\"data_offsets\":[0,400]");
    st_edit("bad_offsets_reversed.safetensors", &tb, "\"data_offsets\":[0,4]",
            "\"data_offsets\":[4,0]");
    st_edit("bad_offsets_overlap.safetensors", &tb, "\"data_offsets\":[4,8]",
            "\"data_offsets\":[0,4]");
    st_edit("bad_offsets_three.safetensors", &tb, "\"data_offsets\":[0,4]",
            "\"data_offsets\":[0,4,8]");
    st_edit("bad_extra_tensor.safetensors", &tb, "\"cell.nu\"", "\"cell.extra\"");
    st_edit("bad_duplicate_tensor.safetensors", &tb, "\"cell.nu\"", "\"cell.zeta\"");
    st_edit("bad_metadata_number.safetensors", &def, "\"format\":\"fastgrnn-wasm/1\"",
            "\"format\":1");
    st_edit("bad_format_version.safetensors", &def, "fastgrnn-wasm/1", "fastgrnn-wasm/2");
    st_edit("bad_config_disagrees.safetensors", &def, "\\\"hidden_dim\\\":8",
            "\\\"hidden_dim\\\":9");
    st_edit("bad_config_json.safetensors", &def, "\\\"hidden_dim\\\":8", "\\\"hidden_dim\\\":");
    st_edit("bad_normalization_dim.safetensors", &tb, "\\\"means\\\":[", "\\\"means\\\":[1,");
    st_edit("bad_normalization_std.safetensors", &tb, "\\\"stds\\\":[", "\\\"stds\\\":[-");
    st_edit("bad_entry_unknown_key.safetensors", &tb, "\"dtype\":\"F32\"",
            "\"dtype\":\"F32\",\"x\":1");

    /* a non-finite weight: NaN and +inf in the data section */
    h = header_of(&tb, &data, &dl);
    uint8_t *d2 = malloc(dl);
    memcpy(d2, data, dl);
    d2[0] = 0x00;
    d2[1] = 0x00;
    d2[2] = 0xc0;
    d2[3] = 0x7f;
    b = assemble(h, d2, dl);
    write_bytes("safetensors_load", "bad_nan_weight.safetensors", b.p, b.n);
    free(b.p);
    d2[dl - 4] = 0x00;
    d2[dl - 3] = 0x00;
    d2[dl - 2] = 0x80;
    d2[dl - 1] = 0x7f;
    b = assemble(h, d2, dl);
    write_bytes("safetensors_load", "bad_inf_weight.safetensors", b.p, b.n);
    free(b.p);
    /* trailing byte after the data */
    uint8_t *d3 = malloc(dl + 1);
    memcpy(d3, data, dl);
    d3[dl] = 0;
    b = assemble(h, d3, dl + 1);
    write_bytes("safetensors_load", "bad_trailing_data.safetensors", b.p, b.n);
    free(b.p);
    free(d3);
    free(d2);
    free(h);
    free(def.p);
    free(tb.p);
}

/* data_offsets [b, e) of tensor `name` in a header we wrote (keys in the
 * order dtype, shape, data_offsets). */
static void entry_range(const char *header, const char *name, size_t *b, size_t *e) {
    char key[96];
    snprintf(key, sizeof key, "\"%s\":{", name);
    const char *at = strstr(header, key);
    const char *off = at ? strstr(at, "\"data_offsets\":[") : NULL;
    unsigned long long lb, le;
    if (!off || sscanf(off + strlen("\"data_offsets\":["), "%llu,%llu", &lb, &le) != 2) {
        fprintf(stderr, "gen_corpus: no data_offsets for %s\n", name);
        exit(1);
    }
    *b = (size_t)lb;
    *e = (size_t)le;
}

/* Writes base with `len` bytes at data offset `at` of tensor `name` replaced. */
static void st_poke(const char *fname, const bytes *base, const char *name, size_t at,
                    const void *val, size_t len) {
    const uint8_t *data;
    size_t dl, b, e;
    char *h = header_of(base, &data, &dl);
    entry_range(h, name, &b, &e);
    uint8_t *d = malloc(dl);
    memcpy(d, data, dl);
    memcpy(d + b + at, val, len);
    bytes out = assemble(h, d, dl);
    write_bytes("safetensors_load", fname, out.p, out.n);
    free(out.p);
    free(d);
    free(h);
}

/* Writes base without tensor `drop` (its bytes removed, the other ranges
 * moved up so the data stays contiguous). */
static void st_drop(const char *fname, const bytes *base, const char *drop) {
    const uint8_t *data;
    size_t dl;
    char *h = header_of(base, &data, &dl);
    cJSON *root = cJSON_Parse(h);
    if (!root) exit(1);
    cJSON_DeleteItemFromObjectCaseSensitive(root, drop);
    uint8_t *d = malloc(dl);
    size_t pos = 0;
    for (size_t start = 0; start < dl;) { /* walk the ranges in data order */
        cJSON *hit = NULL;
        for (cJSON *e = root->child; e; e = e->next) {
            cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
            if (off && (size_t)cJSON_GetArrayItem(off, 0)->valuedouble == start) hit = e;
        }
        size_t end = start;
        if (hit) {
            cJSON *off = cJSON_GetObjectItemCaseSensitive(hit, "data_offsets");
            end = (size_t)cJSON_GetArrayItem(off, 1)->valuedouble;
            memcpy(d + pos, data + start, end - start);
            cJSON_ReplaceItemInArray(off, 0, cJSON_CreateNumber((double)pos));
            cJSON_ReplaceItemInArray(off, 1, cJSON_CreateNumber((double)(pos + end - start)));
            pos += end - start;
        } else { /* the dropped tensor's bytes: find the next range */
            size_t next = dl;
            for (cJSON *e = root->child; e; e = e->next) {
                cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
                size_t b = off ? (size_t)cJSON_GetArrayItem(off, 0)->valuedouble : dl;
                if (off && b > start && b < next) next = b;
            }
            end = next;
        }
        start = end;
    }
    char *text = cJSON_PrintUnformatted(root);
    bytes out = assemble(text, d, pos);
    write_bytes("safetensors_load", fname, out.p, out.n);
    free(out.p);
    cJSON_free(text);
    cJSON_Delete(root);
    free(d);
    free(h);
}

/* ---- model cards ---------------------------------------------------------- */

/* s with '"' and '\' escaped as inside a JSON string (fresh string). */
static char *json_escaped(const char *s) {
    char *r = malloc(2 * strlen(s) + 1), *o = r;
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') *o++ = '\\';
        *o++ = *s;
    }
    *o = '\0';
    return r;
}

/* A variant of `base` whose card text has `from` replaced by `to` (both as
 * the card's own JSON: escaped here for the header). */
static void card_edit(const char *name, const bytes *base, const char *from, const char *to) {
    char *f = json_escaped(from), *t = json_escaped(to);
    st_edit(name, base, f, t);
    free(f);
    free(t);
}

static bytes save_carded(fg_model *m, const char *card) {
    if (card && fg_model_set_card(m, card, strlen(card)) != FG_OK) {
        fprintf(stderr, "card: %s\n", fg_last_error());
        exit(1);
    }
    bytes b;
    if (fg_model_save(m, &b.p, &b.n) != FG_OK) exit(1);
    return b;
}

static void gen_cards(void) {
    fg_model_config c = fg_model_config_default();
    c.input_dim = 3;
    c.hidden_dim = 4;
    c.rank = FG_RANK_NONE;
    fg_model *m = NULL;
    if (fg_model_create(&c, &m) != FG_OK) exit(1);
    float means[3] = {0.5f, -1, 2}, stds[3] = {1, 0.25f, 3};
    fg_model_set_normalization(m, means, stds, 3);
    bytes full = save_carded(
        m,
        "{\"feature_names\":[\"temp\",\"humidity\",\"wind\"],\"class_names\":[\"dry\",\"rain\"],"
        "\"label_name\":\"weather\",\"timesteps\":4,\"data\":{\"source\":\"weather.csv\"},"
        "\"training\":{\"epochs_run\":3,\"kept_epoch\":1,\"kept_reason\":\"best_validation_loss\","
        "\"stop_reason\":\"early_stopping\",\"train_samples\":80,\"validation_samples\":20,"
        "\"final\":{\"train_loss\":0.5,\"train_accuracy\":0.75,\"val_loss\":0.625,\"val_accuracy\":"
        "0.7}}}");
    st_write("valid_card_full.safetensors", &full);
    fg_model_destroy(m);

    /* a card written by a real (interrupted) training run, unicode names */
    c.input_dim = 2;
    c.hidden_dim = 3;
    if (fg_model_create(&c, &m) != FG_OK) exit(1);
    float x[32], y[16];
    for (int i = 0; i < 16; i++) {
        x[2 * i] = (float)(i % 4) - 1.5f;
        x[2 * i + 1] = (float)(i % 3) - 1.0f;
        y[i] = (float)(i % 2);
    }
    fg_dataset *ds = NULL;
    fg_training_config tc = fg_training_config_default();
    tc.epochs = 5;
    tc.batch_size = 4;
    fg_trainer *tr = NULL;
    int32_t ev;
    if (fg_dataset_create(x, y, 16, 1, 2, 1, &ds) != FG_OK ||
        fg_trainer_create(&c, &tc, &tr) != FG_OK || fg_trainer_begin(tr, m, ds) != FG_OK ||
        fg_trainer_step(tr, 100, &ev) != FG_OK || fg_trainer_step(tr, 100, &ev) != FG_OK ||
        fg_trainer_step(tr, 1, &ev) != FG_OK || fg_trainer_interrupt(tr) != FG_OK) {
        fprintf(stderr, "training: %s\n", fg_last_error());
        exit(1);
    }
    bytes trained = save_carded(m, "{\"feature_names\":[\"\\u00e9t\\u00e9\",\"\\u65e5\\u672c\"],"
                                   "\"class_names\":[\"non\",\"oui\"]}");
    st_write("valid_card_trained.safetensors", &trained);
    free(trained.p);
    fg_trainer_destroy(tr);
    fg_dataset_destroy(ds);
    fg_model_destroy(m);

    /* multi-class, low rank, pruned: class names for output_dim 3 */
    fg_model_config mc = fg_model_config_default();
    mc.input_dim = 4;
    mc.hidden_dim = 6;
    mc.output_dim = 3;
    mc.rank = 2;
    if (fg_model_create(&mc, &m) != FG_OK || fg_model_prune(m, 0.5f) != FG_OK) exit(1);
    bytes multi = save_carded(m, "{\"class_names\":[\"walk\",\"run\",\"sit\"],\"timesteps\":16,"
                                 "\"data\":{\"source\":\"imu\",\"rate\":\"50 Hz\"}}");
    st_write("valid_card_multiclass_sparse.safetensors", &multi);
    free(multi.p);
    fg_model_destroy(m);

    /* hostile cards: SerializationError naming the field */
    card_edit("bad_card_timesteps_0.safetensors", &full, "\"timesteps\":4", "\"timesteps\":0");
    card_edit("bad_card_timesteps_string.safetensors", &full, "\"timesteps\":4",
              "\"timesteps\":\"4\"");
    card_edit("bad_card_feature_names_short.safetensors", &full, "\"temp\",", "");
    card_edit("bad_card_feature_names_duplicate.safetensors", &full, "\"humidity\"", "\"temp\"");
    card_edit("bad_card_feature_name_empty.safetensors", &full, "\"wind\"", "\"\"");
    card_edit("bad_card_feature_name_number.safetensors", &full, "\"wind\"", "7");
    card_edit("bad_card_feature_name_escape.safetensors", &full, "\"wind\"", "\"\\u001b[2Jwind\"");
    card_edit("bad_card_feature_name_not_utf8.safetensors", &full, "\"wind\"", "\"w\xff\xfe\"");
    card_edit("bad_card_feature_name_long.safetensors", &full, "\"wind\"",
              "\"wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"
              "wwwwwwwwwwwwwwwwwwwwwwwwwwww"
              "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"
              "wwwwwwwwwwwwwwwwwwwwwwwww"
              "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"
              "wwwwwwwwwwwwww\"");
    card_edit("bad_card_class_names_three.safetensors", &full, "\"rain\"]", "\"rain\",\"snow\"]");
    card_edit("bad_card_label_name_array.safetensors", &full, "\"weather\"", "[\"weather\"]");
    card_edit("bad_card_unknown_key.safetensors", &full, "\"label_name\"", "\"label\"");
    card_edit("bad_card_normalization.safetensors", &full, "\"timesteps\":4",
              "\"timesteps\":4,\"normalization\":{\"means\":[0,0,0],\"stds\":[1,1,1]}");
    card_edit("bad_card_no_version.safetensors", &full, "\"library_version\":\"0.2.0\",", "");
    card_edit("bad_card_version_spaces.safetensors", &full, "\"0.2.0\"", "\"0.2.0 beta\"");
    card_edit("bad_card_stop_reason.safetensors", &full, "\"early_stopping\"", "\"tired\"");
    card_edit("bad_card_kept_epoch_beyond.safetensors", &full, "\"kept_epoch\":1",
              "\"kept_epoch\":3");
    card_edit("bad_card_negative_samples.safetensors", &full, "\"validation_samples\":20",
              "\"validation_samples\":-20");
    card_edit("bad_card_best_without_validation.safetensors", &full, "\"validation_samples\":20",
              "\"validation_samples\":0");
    card_edit("bad_card_loss_overflow.safetensors", &full, "\"train_loss\":0.5",
              "\"train_loss\":1e999");
    card_edit("bad_card_accuracy_above_1.safetensors", &full, "\"val_accuracy\":0.7",
              "\"val_accuracy\":7");
    card_edit("bad_card_final_missing.safetensors", &full,
              ",\"final\":{\"train_loss\":0.5,\"train_accuracy\":0.75,"
              "\"val_loss\":0.625,\"val_accuracy\":0.7}",
              "");
    card_edit("bad_card_data_number.safetensors", &full, "\"weather.csv\"", "12");
    card_edit("bad_card_duplicate_key.safetensors", &full, "\"label_name\":\"weather\"",
              "\"label_name\":\"weather\",\"label_name\":\"other\"");
    card_edit("bad_card_not_json.safetensors", &full, "\"library_version\":\"0.2.0\"",
              "\"library_version\":");
    free(full.p);
}

static void gen_compressed(void) {
    fg_model_config c = fg_model_config_default(); /* W1/W2, U1/U2 low rank */
    bytes sp = save_compressed(&c, 0, 0.5f, 0);
    st_write("valid_sparse.safetensors", &sp);
    bytes q = save_compressed(&c, 1, 0.0f, 1);
    st_write("valid_quantized.safetensors", &q);
    fg_model_config spec = c;
    spec.hidden_dim = 16;
    spec.rank = 8;
    bytes sq = save_compressed(&spec, 1, 0.75f, 1);
    st_write("valid_sparse_quantized.safetensors", &sq);
    fg_model_config big = c; /* > 65536 entries: U32 indices */
    big.input_dim = 256;
    big.hidden_dim = 257;
    big.rank = FG_RANK_NONE;
    bytes b32 = save_compressed(&big, 0, 0.995f, 0);
    write_bytes("safetensors_load", "valid_sparse_u32.safetensors", b32.p, b32.n);
    free(b32.p);

    /* sparse: indices out of range, not ascending, repeated; values NaN */
    uint16_t big_index = 65535, zero = 0;
    st_poke("bad_sparse_index_range.safetensors", &sp, "cell.U1.indices", 0, &big_index, 2);
    st_poke("bad_sparse_index_order.safetensors", &sp, "cell.U1.indices", 2, &zero, 2);
    uint8_t nan_bits[4] = {0x00, 0x00, 0xc0, 0x7f};
    st_poke("bad_sparse_value_nan.safetensors", &sp, "cell.W2.values", 0, nan_bits, 4);
    st_edit("bad_sparse_index_dtype.safetensors", &sp, "\"dtype\":\"U16\"", "\"dtype\":\"U32\"");
    st_edit("bad_sparse_missing_values.safetensors", &sp, "\"cell.U2.values\"",
            "\"cell.U2.valuez\"");
    st_edit("bad_sparse_and_dense.safetensors", &sp, "\"cell.U2.indices\"", "\"cell.U2\"");
    /* a sparse file without its config metadata */
    const uint8_t *data;
    size_t dl;
    char *h = header_of(&sp, &data, &dl);
    const char *after = strstr(h, "},\"cell.");
    char *stripped = malloc(strlen(h) + 2);
    snprintf(stripped, strlen(h) + 2, "{%s", after + 2);
    bytes nb = assemble(stripped, data, dl);
    write_bytes("safetensors_load", "bad_sparse_no_config.safetensors", nb.p, nb.n);
    free(nb.p);
    free(stripped);
    free(h);

    /* quantized: scale 0, NaN, huge; int8 -128; a scale missing; I8 bias */
    float s0 = 0.0f, s_nan = NAN, s_huge = 3e38f;
    st_poke("bad_quant_scale_zero.safetensors", &q, "cell.W1.scale", 0, &s0, 4);
    st_poke("bad_quant_scale_nan.safetensors", &q, "head.weight.scale", 0, &s_nan, 4);
    st_poke("bad_quant_scale_huge.safetensors", &q, "cell.U2.scale", 0, &s_huge, 4);
    int8_t m128 = -128;
    st_poke("bad_quant_int8_min.safetensors", &q, "cell.U1", 3, &m128, 1);
    st_edit("bad_quant_missing_scale.safetensors", &q, "\"head.weight.scale\"",
            "\"head.weight.scalf\"");
    st_edit("bad_quant_scale_shape.safetensors", &q, "\"shape\":[1],\"data_offsets\"",
            "\"shape\":[1,1],\"data_offsets\"");
    st_edit("bad_quant_f32_weight.safetensors", &q, "\"dtype\":\"I8\"", "\"dtype\":\"F32\"");
    st_drop("bad_sparse_no_values.safetensors", &sp, "cell.U2.values");
    st_drop("bad_quant_no_scale.safetensors", &q, "cell.U1.scale");
    st_drop("bad_no_head_bias.safetensors", &sp, "head.bias");
    free(sp.p);
    free(q.p);
    free(sq.p);
}

/* ---- JSON ----------------------------------------------------------------- */

static void gen_json(void) {
    /* metrics */
    fg_training_metrics m[3] = {
        {0, 0.693f, 0.7f, 0.5f, 0.45f, 0.001f},
        {1, 0.5f, NAN, 0.75f, NAN, 0.0005f},
        {2, 1e-7f, 3e38f, 1.0f, 0.0f, 1e-30f},
    };
    char *j = NULL;
    fg_metrics_to_json(m, 3, &j);
    write_text("metrics_json", "valid_three.json", j);
    fg_free(j);
    write_text("metrics_json", "valid_empty.json", "[]");
    write_text("metrics_json", "valid_spaced.json",
               " [ {\"epoch\": 0, \"train_loss\": 1, \"val_loss\": null, \"train_accuracy\": 0.5,\n"
               "    \"val_accuracy\": null, \"learning_rate\": 1e-3} ]\n");
    write_text(
        "metrics_json", "bad_missing_key.json",
        "[{\"epoch\":0,\"train_loss\":1,\"val_loss\":1,\"train_accuracy\":1,\"val_accuracy\":1}]");
    write_text(
        "metrics_json", "bad_extra_key.json",
        "[{\"epoch\":0,\"train_loss\":1,\"val_loss\":1,\"train_accuracy\":1,\"val_accuracy\":1,"
        "\"learning_rate\":1,\"loss\":2}]");
    write_text("metrics_json", "bad_epoch_negative.json",
               "[{\"epoch\":-1,\"train_loss\":1,\"val_loss\":1,\"train_accuracy\":1,\"val_"
               "accuracy\":1,\"learning_rate\":1}]");
    write_text("metrics_json", "bad_epoch_fraction.json",
               "[{\"epoch\":0.5,\"train_loss\":1,\"val_loss\":1,\"train_accuracy\":1,\"val_"
               "accuracy\":1,\"learning_rate\":1}]");
    write_text("metrics_json", "bad_loss_string.json",
               "[{\"epoch\":0,\"train_loss\":\"1\",\"val_loss\":1,\"train_accuracy\":1,\"val_"
               "accuracy\":1,\"learning_rate\":1}]");
    write_text("metrics_json", "bad_loss_overflow.json",
               "[{\"epoch\":0,\"train_loss\":1e39,\"val_loss\":1,\"train_accuracy\":1,\"val_"
               "accuracy\":1,\"learning_rate\":1}]");
    write_text("metrics_json", "bad_duplicate.json",
               "[{\"epoch\":0,\"epoch\":1,\"train_loss\":1,\"val_loss\":1,\"train_accuracy\":1,"
               "\"val_accuracy\":1,\"learning_rate\":1}]");
    write_text("metrics_json", "bad_not_array.json", "{\"epoch\":0}");
    write_text("metrics_json", "bad_record_number.json", "[1,2]");
    write_text("metrics_json", "bad_truncated.json", "[{\"epoch\":0,\"train_loss\":");
    write_text("metrics_json", "bad_trailing.json", "[] []");
    write_bytes("metrics_json", "bad_nul_inside.json", "[]\0", 3);
    write_text("metrics_json", "bad_deep.json",
               "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");

    /* normalization */
    float means[3] = {0.5f, -1.25f, 1e-20f}, stds[3] = {1.0f, 2.5f, 3e38f};
    fg_normalization_to_json(means, stds, 3, &j);
    write_text("normalization_json", "valid_three.json", j);
    fg_free(j);
    write_text("normalization_json", "valid_one.json", "{\"stds\":[1],\"means\":[0]}");
    write_text("normalization_json", "bad_lengths.json", "{\"means\":[0,1],\"stds\":[1]}");
    write_text("normalization_json", "bad_std_zero.json", "{\"means\":[0],\"stds\":[0]}");
    write_text("normalization_json", "bad_std_negative.json", "{\"means\":[0],\"stds\":[-1]}");
    write_text("normalization_json", "bad_empty.json", "{\"means\":[],\"stds\":[]}");
    write_text("normalization_json", "bad_missing.json", "{\"means\":[0]}");
    write_text("normalization_json", "bad_extra.json", "{\"means\":[0],\"stds\":[1],\"dim\":1}");
    write_text("normalization_json", "bad_overflow.json", "{\"means\":[1e39],\"stds\":[1]}");
    write_text("normalization_json", "bad_string.json", "{\"means\":[\"0\"],\"stds\":[1]}");
    write_text("normalization_json", "bad_duplicate.json",
               "{\"means\":[0],\"means\":[0],\"stds\":[1]}");
    write_text("normalization_json", "bad_array.json", "[[0],[1]]");
    write_text("normalization_json", "bad_null.json", "{\"means\":null,\"stds\":[1]}");

    /* configs */
    fg_model_config mc = fg_model_config_default();
    fg_model_config_to_json(&mc, &j);
    write_config(0, "model_default.json", j);
    fg_free(j);
    write_config(0, "model_empty.json", "{}");
    write_config(0, "model_spec.json",
                 "{\"input_dim\":5,\"hidden_dim\":16,\"output_dim\":1,\"nu\":0.8,\"zeta\":1.2,"
                 "\"rank\":8,\"seed\":42}");
    write_config(0, "model_ranks.json",
                 "{\"rank\":null,\"w_rank\":2,\"u_rank\":3,\"output_dim\":4}");
    write_config(0, "model_bad_unknown.json", "{\"hidden\":8}");
    write_config(0, "model_bad_type.json", "{\"hidden_dim\":\"8\"}");
    write_config(0, "model_bad_zero.json", "{\"input_dim\":0}");
    write_config(0, "model_bad_fraction.json", "{\"input_dim\":2.5}");
    write_config(0, "model_bad_huge.json", "{\"hidden_dim\":16777217}");
    write_config(0, "model_bad_seed.json", "{\"seed\":9007199254740994}");
    write_config(0, "model_bad_nu.json", "{\"nu\":1e39}");
    write_config(0, "model_bad_array.json", "[1]");
    write_config(0, "model_big.json", "{\"input_dim\":16777216,\"hidden_dim\":16777216}");
    fg_training_config tc = fg_training_config_default();
    fg_training_config_to_json(&tc, &j);
    write_config(1, "train_default.json", j);
    fg_free(j);
    write_config(1, "train_empty.json", "{}");
    write_config(
        1, "train_distill.json",
        "{\"enable_distillation\":true,\"distillation_temperature\":2,\"distillation_alpha\":0.7,"
        "\"early_stopping_patience\":null,\"shuffle\":false}");
    write_config(1, "train_bad_lr.json", "{\"learning_rate\":0}");
    write_config(1, "train_bad_split.json", "{\"validation_split\":1}");
    write_config(1, "train_bad_bool.json", "{\"shuffle\":1}");
    write_config(1, "train_bad_patience.json", "{\"early_stopping_patience\":0}");
    write_config(1, "train_bad_decay.json", "{\"lr_decay\":1.5}");
    write_config(1, "train_bad_dup.json", "{\"epochs\":1,\"epochs\":2}");
    write_config(1, "train_bad_text.json", "{\"epochs\":1");
}

/* ---- datasets --------------------------------------------------------------- */

static void put16(uint8_t *p, int v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void dataset_seed(const char *name, uint8_t flags, int n, int T, int D, int O, int batch,
                         uint8_t ratio, uint8_t lr, uint32_t seed, size_t nvals) {
    uint8_t buf[4096];
    memset(buf, 0, sizeof buf);
    buf[0] = flags;
    put16(buf + 1, n);
    put16(buf + 3, T);
    put16(buf + 5, D);
    put16(buf + 7, O);
    put16(buf + 9, batch);
    buf[11] = ratio;
    buf[12] = lr;
    for (int i = 0; i < 4; i++) buf[13 + i] = (uint8_t)(seed >> (8 * i));
    size_t len = 17 + nvals;
    if (len > sizeof buf) len = sizeof buf;
    for (size_t i = 17; i < len; i++) buf[i] = (uint8_t)(i * 97u + 13u);
    write_bytes("dataset", name, buf, len);
}

static void gen_datasets(void) {
    /* flags: feature mode | label mode << 2 | 16 soft | 32 train | 64 shuffle | 128 NULL */
    dataset_seed("binary_train.bin", 1 | 3 << 2 | 32 | 64, 12, 1, 3, 1, 4, 9, 20, 0x10, 200);
    dataset_seed("binary_soft_distill.bin", 1 | 3 << 2 | 16 | 32, 8, 2, 2, 1, 3, 0, 20, 0x0c, 200);
    dataset_seed("multiclass_train.bin", 1 | 3 << 2 | 32 | 64, 10, 3, 2, 3, 4, 1, 30, 0x21, 300);
    dataset_seed("multiclass_soft.bin", 1 | 3 << 2 | 16 | 32, 6, 1, 2, 4, 2, 1, 0, 0x3, 300);
    dataset_seed("awkward_values.bin", 2 | 3 << 2 | 32, 6, 1, 3, 1, 2, 2, 0, 0x0, 100);
    dataset_seed("raw_bits.bin", 0 | 0 << 2, 4, 1, 2, 1, 2, 3, 0, 0x1, 64);
    dataset_seed("diverge.bin", 1 | 3 << 2 | 32, 16, 1, 2, 1, 4, 0, 1, 0x0, 200);
    dataset_seed("diverge_big_values.bin", 3 | 3 << 2 | 32, 16, 1, 2, 1, 4, 0, 2, 0x20, 200);
    dataset_seed("empty.bin", 0, 0, 1, 2, 1, 4, 0, 0, 0, 16);
    dataset_seed("negative_dims.bin", 0, 3, -1, 2, 1, 4, 0, 0, 0, 16);
    dataset_seed("overflow_shape.bin", 0, 32767, 32767, 32767, 1, 4, 0, 0, 0, 16);
    dataset_seed("null_features.bin", 128 | 1 | 3 << 2, 2, 1, 2, 1, 1, 0, 0, 1, 16);
    dataset_seed("null_labels.bin", 128 | 1 | 3 << 2, 2, 1, 2, 1, 1, 0, 0, 2, 16);
    dataset_seed("bad_batch.bin", 1 | 3 << 2, 5, 1, 1, 1, -3, 4, 0, 0, 32);
    dataset_seed("split_nan.bin", 1 | 3 << 2 | 64, 5, 1, 1, 1, 2, 6, 0, 0, 32);
    dataset_seed("split_all_val.bin", 1 | 3 << 2 | 32, 3, 1, 1, 1, 2, 3, 0, 4, 32);
    dataset_seed("long_sequence.bin", 1 | 3 << 2 | 32, 2, 40, 3, 2, 1, 0, 10, 0, 400);
    dataset_seed("wide.bin", 1 | 3 << 2 | 32, 3, 1, 200, 1, 2, 0, 10, 0, 800);
    dataset_seed("label_out_of_range.bin", 1 | 0 << 2, 3, 1, 1, 2, 2, 0, 0, 0, 32);
    /* seed bit 6: fg_dataset_adopt */
    dataset_seed("adopt_train.bin", 1 | 3 << 2 | 32 | 64, 12, 1, 3, 1, 4, 9, 20, 0x50, 200);
    dataset_seed("adopt_nan.bin", 2 | 3 << 2, 6, 1, 3, 1, 2, 2, 0, 0x40, 100);
    dataset_seed("adopt_null_labels.bin", 128 | 1 | 3 << 2, 2, 1, 2, 1, 1, 0, 0, 0x42, 16);
}

/* Checkpoints of the fuzz_checkpoint trainers at several points of a run:
 * mid-epoch with a full shuffle buffer, at an epoch boundary, while
 * validating, in the fixed-support phase. Selector byte + checkpoint. */
/* corpus/checkpoint/<name>: the selector byte `kind`, then the checkpoint. */
static void checkpoint_seed(const fg_trainer *tr, int kind, const char *source, const char *name) {
    uint8_t *ck = NULL;
    size_t len = 0;
    if (fg_trainer_checkpoint(tr, source, &ck, &len) != FG_OK) return;
    uint8_t *buf = malloc(len + 1);
    buf[0] = (uint8_t)kind;
    memcpy(buf + 1, ck, len);
    write_bytes("checkpoint", name, buf, len + 1);
    free(buf);
    fg_free(ck);
}

static void gen_checkpoints(void) {
    for (int kind = 0; kind < 2; kind++) {
        fg_model_config mc;
        fg_training_config tc;
        int32_t T, K, flags;
        fz_checkpoint_configs(kind, &mc, &tc, &T, &K, &flags);
        fg_model *m = NULL;
        fg_trainer *tr = NULL;
        fg_model_create(&mc, &m);
        if (kind == 1) {
            float mu[2] = {1, -1}, sd[2] = {2, 0.5f};
            fg_model_set_normalization(m, mu, sd, 2);
        }
        fg_trainer_create(&mc, &tc, &tr);
        fg_trainer_stream_begin(tr, m, T, K, flags);
        float x[9 * 3 * 2], y[9], soft[9 * 3];
        for (int i = 0; i < 9 * 3 * 2; i++) x[i] = (float)((i * 5) % 7) * 0.5f - 1.5f;
        for (int i = 0; i < 9; i++) y[i] = (float)(i % (kind == 0 ? 2 : 3));
        for (int i = 0; i < 27; i++) soft[i] = kind == 0 ? 0.25f : 1.0f / 3.0f;
        int shot = 0;
        for (int epoch = 0; epoch < 6; epoch++) {
            fg_trainer_stream_push(tr, x, y, soft, 9);
            if (epoch == 0 || epoch == 5) {
                char name[64];
                snprintf(name, sizeof name, "valid_kind%d_mid_%d.ckpt", kind, shot++);
                checkpoint_seed(tr, kind, "{\"pos\":9}", name);
            }
            fg_trainer_stream_validate(tr, x, y, 3);
            int32_t ev;
            if (fg_trainer_stream_end_epoch(tr, &ev) || ev == FG_EVENT_DONE) break;
            if (epoch == 1 || epoch == 3) {
                char name[64];
                snprintf(name, sizeof name, "valid_kind%d_epoch_%d.ckpt", kind, epoch + 1);
                checkpoint_seed(tr, kind, "{\"pos\":0}", name);
            }
        }
        fg_trainer_destroy(tr);
        fg_model_destroy(m);
    }
    write_bytes("checkpoint", "bad_empty.ckpt", "\0", 1);
    write_text("checkpoint", "bad_not_checkpoint.ckpt", "\001{\"format\":\"x\"}");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    root = argv[1];
    mkdir(root, 0755);
    gen_safetensors();
    gen_tiny_files();
    gen_compressed();
    gen_json();
    gen_datasets();
    gen_cards();
    gen_checkpoints();
    printf("gen_corpus: wrote %d files under %s\n", written, root);
    return 0;
}
