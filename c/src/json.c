/*
 * json.c - every use of cJSON in the C core: configs, metrics,
 * normalization parameters and the safetensors header.
 *
 * Reading is strict: the whole input must be one JSON value (surrounding
 * whitespace allowed), objects must not repeat a key, and numbers must fit
 * the field they land in. Floats are written as the shortest decimal that
 * reads back (through strtod, as cJSON does) to the very same float, so
 * every float survives a round trip bit for bit and 0.001f prints as 0.001.
 */
#include <cjson/cJSON.h>

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_internal.h"

/* Largest integer every JSON reader (JavaScript included) holds exactly. */
#define TWO_POW_53 9007199254740992.0
/* Doubles of magnitude below this round to a finite float: FLT_MAX plus half
 * an ulp of FLT_MAX, i.e. (2 - 2^-24) * 2^127, exact in double. */
#define FLOAT_LIMIT ((double)FLT_MAX + 0x1p103)
/* How much of an offending value an error message quotes. */
#define QUOTE_MAX 64

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

/* Parses exactly len bytes at text (not necessarily NUL-terminated) as one
 * JSON value. Returns NULL and records FG_ERR_SERIALIZATION ("<what>: invalid
 * JSON at byte N") or FG_ERR_OUT_OF_MEMORY. */
static cJSON *parse_exact(const char *what, const char *text, size_t len) {
    if (text == NULL && len > 0) {
        fg_fail(FG_ERR_INVALID_INPUT, "%s: text is NULL with length %zu", what, len);
        return NULL;
    }
    if (len == SIZE_MAX) {
        fg_fail(FG_ERR_SERIALIZATION, "%s: text too long (%zu bytes)", what, len);
        return NULL;
    }
    char *buf = fg_alloc(len + 1, "JSON text copy");
    if (buf == NULL) return NULL;
    if (len > 0) memcpy(buf, text, len);
    buf[len] = '\0';
    const char *end = NULL;
    /* require_null_terminated: only whitespace may follow the value; the
     * end == buf + len test below also catches a NUL byte inside the text. */
    cJSON *root = cJSON_ParseWithOpts(buf, &end, 1);
    if (root == NULL || end != buf + len) {
        size_t at = (end != NULL && end >= buf && end <= buf + len) ? (size_t)(end - buf) : 0;
        cJSON_Delete(root);
        fg_free(buf);
        fg_fail(FG_ERR_SERIALIZATION, "%s: invalid JSON at byte %zu of %zu", what, at, len);
        return NULL;
    }
    fg_free(buf);
    return root;
}

/* "value" as compact JSON for an error message, cut to QUOTE_MAX chars. */
static void describe(const cJSON *item, char *buf, size_t size) {
    char *s = cJSON_PrintUnformatted(item);
    if (s == NULL) {
        snprintf(buf, size, "?");
        return;
    }
    if (strlen(s) > QUOTE_MAX) snprintf(buf, size, "%.*s...", QUOTE_MAX, s);
    else snprintf(buf, size, "%s", s);
    cJSON_free(s);
}

static int cmp_cstr(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Records `code` with "<what>: duplicate key "k"" when an object repeats a
 * key (cJSON keeps both). Sorting keeps this O(n log n) for big headers. */
static fg_status check_duplicates(const cJSON *obj, const char *what, fg_status code) {
    size_t n = 0;
    for (const cJSON *c = obj->child; c != NULL; c = c->next) n++;
    if (n < 2) return FG_OK;
    const char **keys = fg_alloc_zero(n, sizeof *keys, "JSON key list");
    if (keys == NULL) return FG_ERR_OUT_OF_MEMORY;
    size_t i = 0;
    for (const cJSON *c = obj->child; c != NULL; c = c->next)
        keys[i++] = c->string ? c->string : "";
    qsort(keys, n, sizeof *keys, cmp_cstr);
    for (i = 1; i < n; i++) {
        if (strcmp(keys[i - 1], keys[i]) == 0) {
            fg_status st = fg_fail(code, "%s: duplicate key \"%.*s\"", what, QUOTE_MAX, keys[i]);
            fg_free(keys);
            return st;
        }
    }
    fg_free(keys);
    return FG_OK;
}

/* A JSON number that rounds to a finite float. 1 and *out on success. */
static int as_float(const cJSON *item, float *out) {
    if (!cJSON_IsNumber(item)) return 0;
    double d = item->valuedouble;
    if (!isfinite(d) || d >= FLOAT_LIMIT || d <= -FLOAT_LIMIT) return 0;
    *out = (float)d;
    return 1;
}

/* A JSON number that is an integer in [lo, hi] (|lo|, |hi| <= 2^53). */
static int as_integer(const cJSON *item, double lo, double hi, int64_t *out) {
    if (!cJSON_IsNumber(item)) return 0;
    double d = item->valuedouble;
    if (!(d >= lo && d <= hi)) return 0; /* also rejects NaN */
    int64_t v = (int64_t)d;
    if ((double)v != d) return 0;
    *out = v;
    return 1;
}

/* Shortest "%.Ng" text of f that reads back exactly (9 digits always do).
 * f must be finite. buf: at least 32 chars. */
static void format_float(float f, char *buf, size_t size) {
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(buf, size, "%.*g", digits, (double)f);
        if ((float)strtod(buf, NULL) == f) break;
    }
    /* A locale with a decimal comma must not leak into JSON. */
    for (char *p = buf; *p; p++)
        if (*p == ',') *p = '.';
}

/* Adds key: <raw number text> to obj; 0 on allocation failure. */
static int add_raw(cJSON *obj, const char *key, const char *text) {
    return cJSON_AddRawToObject(obj, key, text) != NULL;
}

static int add_float(cJSON *obj, const char *key, float f) {
    if (!isfinite(f)) return cJSON_AddNullToObject(obj, key) != NULL;
    char buf[32];
    format_float(f, buf, sizeof buf);
    return add_raw(obj, key, buf);
}

static int add_i64(cJSON *obj, const char *key, int64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return add_raw(obj, key, buf);
}

static int append_float(cJSON *arr, float f) {
    char buf[32];
    format_float(f, buf, sizeof buf);
    cJSON *item = cJSON_CreateRaw(buf);
    return item != NULL && cJSON_AddItemToArray(arr, item);
}

static int append_u64(cJSON *arr, uint64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    cJSON *item = cJSON_CreateRaw(buf);
    return item != NULL && cJSON_AddItemToArray(arr, item);
}

/* Prints root compactly into a fg_alloc'd string and deletes root. */
static fg_status print_to(cJSON *root, const char *what, char **json_out, size_t *len_out) {
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (s == NULL) return fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory printing %s", what);
    size_t n = strlen(s);
    char *copy = fg_alloc(n + 1, what);
    if (copy == NULL) {
        cJSON_free(s);
        return FG_ERR_OUT_OF_MEMORY;
    }
    memcpy(copy, s, n + 1);
    cJSON_free(s);
    *json_out = copy;
    if (len_out) *len_out = n;
    return FG_OK;
}

static fg_status out_of_memory_building(cJSON *root, const char *what) {
    cJSON_Delete(root);
    return fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building %s", what);
}

/* Writes text plus a final newline to path. */
static fg_status save_text(const char *path, const char *text) {
    size_t n = strlen(text);
    char *buf = fg_alloc(n + 2, "file text");
    if (buf == NULL) return FG_ERR_OUT_OF_MEMORY;
    memcpy(buf, text, n);
    buf[n] = '\n';
    buf[n + 1] = '\0';
    fg_status st = fg_write_file(path, buf, n + 1);
    fg_free(buf);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */

#ifdef FG_NO_FILES
fg_status fg_write_file(const char *path, const void *data, size_t len) {
    (void)data;
    (void)len;
    return fg_fail(FG_ERR_IO, "cannot write '%s': this build has no file access",
                   path ? path : "(null)");
}

fg_status fg_read_file(const char *path, uint8_t **data_out, size_t *len_out) {
    (void)data_out;
    (void)len_out;
    return fg_fail(FG_ERR_IO, "cannot read '%s': this build has no file access",
                   path ? path : "(null)");
}
#else
fg_status fg_write_file(const char *path, const void *data, size_t len) {
    if (path == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "path is NULL");
    if (data == NULL && len > 0) return fg_fail(FG_ERR_INVALID_INPUT, "data is NULL");
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return fg_fail(FG_ERR_IO, "cannot open '%s' for writing: %s", path, strerror(errno));
    size_t written = len > 0 ? fwrite(data, 1, len, f) : 0;
    int write_errno = errno;
    int close_rc = fclose(f);
    if (written != len)
        return fg_fail(FG_ERR_IO, "cannot write '%s': %s", path, strerror(write_errno));
    if (close_rc != 0) return fg_fail(FG_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    return FG_OK;
}

/* Reads in growing chunks, so pipes and files whose size changes work too. */
fg_status fg_read_file(const char *path, uint8_t **data_out, size_t *len_out) {
    if (path == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "path is NULL");
    if (data_out == NULL || len_out == NULL)
        return fg_fail(FG_ERR_INVALID_INPUT, "output pointer is NULL");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return fg_fail(FG_ERR_IO, "cannot open '%s' for reading: %s", path, strerror(errno));
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t new_cap = cap ? cap * 2 : 65536;
            if (new_cap < cap) {
                fg_free(buf);
                fclose(f);
                return fg_fail(FG_ERR_IO, "cannot read '%s': file too large", path);
            }
            uint8_t *bigger = fg_alloc(new_cap, "file contents");
            if (bigger == NULL) {
                fg_free(buf);
                fclose(f);
                return FG_ERR_OUT_OF_MEMORY;
            }
            if (len > 0) memcpy(bigger, buf, len);
            fg_free(buf);
            buf = bigger;
            cap = new_cap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int failed = ferror(f);
    int read_errno = errno;
    fclose(f);
    if (failed) {
        fg_free(buf);
        return fg_fail(FG_ERR_IO, "cannot read '%s': %s", path, strerror(read_errno));
    }
    if (len == 0) {
        fg_free(buf);
        buf = NULL;
    }
    *data_out = buf;
    *len_out = len;
    return FG_OK;
}
#endif

/* ------------------------------------------------------------------------ */
/* Configs: one table of fields per struct drives both directions.         */

typedef enum {
    FIELD_INT,     /* int32                                                 */
    FIELD_OPT_INT, /* int32, or null <-> the field's `none` value           */
    FIELD_FLOAT,   /* float                                                 */
    FIELD_BOOL,    /* int32 0/1 <-> false/true                              */
    FIELD_SEED     /* uint64 in [0, 2^53]                                   */
} field_kind;

typedef struct {
    const char *key;
    field_kind kind;
    size_t offset;
    int32_t none; /* FIELD_OPT_INT only */
} config_field;

#define MF(name, kind, none)                                                                       \
    { #name, kind, offsetof(fg_model_config, name), none }
static const config_field MODEL_FIELDS[] = {
    MF(input_dim, FIELD_INT, 0),
    MF(hidden_dim, FIELD_INT, 0),
    MF(output_dim, FIELD_INT, 0),
    MF(nu, FIELD_FLOAT, 0),
    MF(zeta, FIELD_FLOAT, 0),
    MF(rank, FIELD_OPT_INT, FG_RANK_NONE),
    MF(w_rank, FIELD_OPT_INT, FG_RANK_NONE),
    MF(u_rank, FIELD_OPT_INT, FG_RANK_NONE),
    MF(seed, FIELD_SEED, 0),
};
#undef MF

#define TF(name, kind, none)                                                                       \
    { #name, kind, offsetof(fg_training_config, name), none }
static const config_field TRAINING_FIELDS[] = {
    TF(learning_rate, FIELD_FLOAT, 0),
    TF(batch_size, FIELD_INT, 0),
    TF(epochs, FIELD_INT, 0),
    TF(validation_split, FIELD_FLOAT, 0),
    TF(early_stopping_patience, FIELD_OPT_INT, FG_PATIENCE_NONE),
    TF(lr_decay, FIELD_FLOAT, 0),
    TF(lr_decay_step, FIELD_INT, 0),
    TF(grad_clip, FIELD_FLOAT, 0),
    TF(adam_beta1, FIELD_FLOAT, 0),
    TF(adam_beta2, FIELD_FLOAT, 0),
    TF(adam_epsilon, FIELD_FLOAT, 0),
    TF(l2_reg, FIELD_FLOAT, 0),
    TF(enable_distillation, FIELD_BOOL, 0),
    TF(distillation_temperature, FIELD_FLOAT, 0),
    TF(distillation_alpha, FIELD_FLOAT, 0),
    TF(seed, FIELD_SEED, 0),
    TF(shuffle, FIELD_BOOL, 0),
    TF(restore_best_weights, FIELD_BOOL, 0),
    TF(sparsity_w, FIELD_FLOAT, 0),
    TF(sparsity_u, FIELD_FLOAT, 0),
};
#undef TF

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Stores item into the field of cfg; FG_ERR_INVALID_INPUT naming key and
 * value when it does not fit. */
static fg_status set_field(const char *what, const config_field *f, const cJSON *item, void *cfg) {
    char *p = (char *)cfg + f->offset;
    const char *expect = "";
    int64_t v = 0;
    float x = 0.0f;
    switch (f->kind) {
        case FIELD_OPT_INT:
            if (cJSON_IsNull(item)) {
                *(int32_t *)p = f->none;
                return FG_OK;
            }
            /* fall through */
        case FIELD_INT:
            if (as_integer(item, (double)INT32_MIN, (double)INT32_MAX, &v)) {
                *(int32_t *)p = (int32_t)v;
                return FG_OK;
            }
            expect = f->kind == FIELD_OPT_INT ? "an integer or null" : "an integer";
            break;
        case FIELD_FLOAT:
            if (as_float(item, &x)) {
                *(float *)p = x;
                return FG_OK;
            }
            expect = "a number in float range";
            break;
        case FIELD_BOOL:
            if (cJSON_IsBool(item)) {
                *(int32_t *)p = cJSON_IsTrue(item) ? 1 : 0;
                return FG_OK;
            }
            expect = "true or false";
            break;
        case FIELD_SEED:
            if (as_integer(item, 0.0, TWO_POW_53, &v)) {
                *(uint64_t *)p = (uint64_t)v;
                return FG_OK;
            }
            expect = "an integer in [0, 2^53]";
            break;
    }
    char value[QUOTE_MAX + 8];
    describe(item, value, sizeof value);
    return fg_fail(FG_ERR_INVALID_INPUT, "%s: \"%s\" must be %s, got %s", what, f->key, expect,
                   value);
}

/* Applies the keys of a JSON object onto cfg (already holding defaults). */
static fg_status config_from_json(const char *what, const config_field *fields, size_t nfields,
                                  const char *json, size_t len, void *cfg) {
    cJSON *root = parse_exact(what, json, len);
    if (root == NULL) return fg_last_status();
    fg_status st = FG_OK;
    if (!cJSON_IsObject(root)) {
        st = fg_fail(FG_ERR_SERIALIZATION, "%s: not a JSON object", what);
        goto done;
    }
    st = check_duplicates(root, what, FG_ERR_INVALID_INPUT);
    if (st != FG_OK) goto done;
    for (const cJSON *c = root->child; c != NULL; c = c->next) {
        const config_field *f = NULL;
        for (size_t i = 0; i < nfields; i++)
            if (strcmp(fields[i].key, c->string) == 0) f = &fields[i];
        if (f == NULL) {
            char value[QUOTE_MAX + 8];
            describe(c, value, sizeof value);
            st = fg_fail(FG_ERR_INVALID_INPUT, "%s: unknown key \"%.*s\" (value %s)", what,
                         QUOTE_MAX, c->string, value);
            goto done;
        }
        st = set_field(what, f, c, cfg);
        if (st != FG_OK) goto done;
    }
done:
    cJSON_Delete(root);
    return st;
}

static fg_status config_to_json(const char *what, const config_field *fields, size_t nfields,
                                const void *cfg, char **json_out) {
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) return out_of_memory_building(root, what);
    for (size_t i = 0; i < nfields; i++) {
        const config_field *f = &fields[i];
        const char *p = (const char *)cfg + f->offset;
        int ok = 0;
        switch (f->kind) {
            case FIELD_INT:
                ok = add_i64(root, f->key, *(const int32_t *)p);
                break;
            case FIELD_OPT_INT:
                if (*(const int32_t *)p == f->none)
                    ok = cJSON_AddNullToObject(root, f->key) != NULL;
                else ok = add_i64(root, f->key, *(const int32_t *)p);
                break;
            case FIELD_FLOAT:
                ok = add_float(root, f->key, *(const float *)p);
                break;
            case FIELD_BOOL:
                ok = cJSON_AddBoolToObject(root, f->key, *(const int32_t *)p != 0) != NULL;
                break;
            case FIELD_SEED: {
                char buf[32];
                snprintf(buf, sizeof buf, "%" PRIu64, *(const uint64_t *)p);
                ok = add_raw(root, f->key, buf);
                break;
            }
        }
        if (!ok) return out_of_memory_building(root, what);
    }
    return print_to(root, what, json_out, NULL);
}

fg_status fg_model_config_from_json(const char *json, size_t len, fg_model_config *out) {
    if (out == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "model config: out is NULL");
    fg_model_config cfg = fg_model_config_default();
    fg_status st =
        config_from_json("model config", MODEL_FIELDS, COUNT(MODEL_FIELDS), json, len, &cfg);
    if (st != FG_OK) return st;
    st = fg_model_config_validate(&cfg);
    if (st != FG_OK) return st;
    *out = cfg;
    return FG_OK;
}

/* {"input_dim":5,"hidden_dim":8,"output_dim":1,"nu":1,"zeta":1,"rank":4,
 *  "w_rank":null,"u_rank":null,"seed":42} */
fg_status fg_model_config_to_json(const fg_model_config *cfg, char **json_out) {
    if (cfg == NULL || json_out == NULL)
        return fg_fail(FG_ERR_INVALID_INPUT, "model config to JSON: %s is NULL",
                       cfg ? "json_out" : "cfg");
    fg_status st = fg_model_config_validate(cfg);
    if (st != FG_OK) return st;
    return config_to_json("model config", MODEL_FIELDS, COUNT(MODEL_FIELDS), cfg, json_out);
}

fg_status fg_training_config_from_json(const char *json, size_t len, fg_training_config *out) {
    if (out == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "training config: out is NULL");
    fg_training_config cfg = fg_training_config_default();
    fg_status st = config_from_json("training config", TRAINING_FIELDS, COUNT(TRAINING_FIELDS),
                                    json, len, &cfg);
    if (st != FG_OK) return st;
    st = fg_training_config_validate(&cfg);
    if (st != FG_OK) return st;
    *out = cfg;
    return FG_OK;
}

fg_status fg_training_config_to_json(const fg_training_config *cfg, char **json_out) {
    if (cfg == NULL || json_out == NULL)
        return fg_fail(FG_ERR_INVALID_INPUT, "training config to JSON: %s is NULL",
                       cfg ? "json_out" : "cfg");
    fg_status st = fg_training_config_validate(cfg);
    if (st != FG_OK) return st;
    return config_to_json("training config", TRAINING_FIELDS, COUNT(TRAINING_FIELDS), cfg,
                          json_out);
}

/* ------------------------------------------------------------------------ */
/* Metrics: [{"epoch":0,"train_loss":0.69,"val_loss":null,...}, ...]       */

static const char *const METRIC_KEYS[6] = {
    "epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "learning_rate",
};

static float *metric_float(fg_training_metrics *m, int key) {
    switch (key) {
        case 1:
            return &m->train_loss;
        case 2:
            return &m->val_loss;
        case 3:
            return &m->train_accuracy;
        case 4:
            return &m->val_accuracy;
        default:
            return &m->learning_rate;
    }
}

fg_status fg_metrics_to_json(const fg_training_metrics *m, size_t count, char **json_out) {
    if (json_out == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "metrics to JSON: json_out is NULL");
    if (m == NULL && count > 0)
        return fg_fail(FG_ERR_INVALID_INPUT, "metrics to JSON: metrics is NULL with count %zu",
                       count);
    for (size_t i = 0; i < count; i++)
        if (m[i].epoch < 0)
            return fg_fail(FG_ERR_INVALID_INPUT,
                           "metrics to JSON: record %zu has epoch %" PRId32 " (must be >= 0)", i,
                           m[i].epoch);
    cJSON *root = cJSON_CreateArray();
    if (root == NULL) return out_of_memory_building(root, "metrics JSON");
    for (size_t i = 0; i < count; i++) {
        fg_training_metrics rec = m[i];
        cJSON *obj = cJSON_CreateObject();
        if (obj == NULL || !cJSON_AddItemToArray(root, obj)) {
            cJSON_Delete(obj);
            return out_of_memory_building(root, "metrics JSON");
        }
        int ok = add_i64(obj, METRIC_KEYS[0], rec.epoch);
        for (int k = 1; k < 6 && ok; k++)
            ok = add_float(obj, METRIC_KEYS[k], *metric_float(&rec, k));
        if (!ok) return out_of_memory_building(root, "metrics JSON");
    }
    return print_to(root, "metrics JSON", json_out, NULL);
}

/* Reads one record; FG_ERR_SERIALIZATION naming record i on anything off. */
static fg_status metric_from_json(const cJSON *obj, size_t i, fg_training_metrics *rec) {
    if (!cJSON_IsObject(obj))
        return fg_fail(FG_ERR_SERIALIZATION, "metrics: record %zu is not an object", i);
    char what[48];
    snprintf(what, sizeof what, "metrics: record %zu", i);
    fg_status st = check_duplicates(obj, what, FG_ERR_SERIALIZATION);
    if (st != FG_OK) return st;
    int seen[6] = {0};
    for (const cJSON *c = obj->child; c != NULL; c = c->next) {
        int k = -1;
        for (int j = 0; j < 6; j++)
            if (strcmp(c->string, METRIC_KEYS[j]) == 0) k = j;
        char value[QUOTE_MAX + 8];
        if (k < 0) {
            describe(c, value, sizeof value);
            return fg_fail(FG_ERR_SERIALIZATION,
                           "metrics: record %zu has unknown key \"%.*s\" (value %s)", i, QUOTE_MAX,
                           c->string, value);
        }
        seen[k] = 1;
        int64_t v;
        if (k == 0 && as_integer(c, 0.0, (double)INT32_MAX, &v)) {
            rec->epoch = (int32_t)v;
        } else if (k == 0) {
            describe(c, value, sizeof value);
            return fg_fail(FG_ERR_SERIALIZATION,
                           "metrics: record %zu: \"epoch\" must be a non-negative integer, got %s",
                           i, value);
        } else if (cJSON_IsNull(c)) {
            *metric_float(rec, k) = NAN;
        } else if (!as_float(c, metric_float(rec, k))) {
            describe(c, value, sizeof value);
            return fg_fail(
                FG_ERR_SERIALIZATION,
                "metrics: record %zu: \"%s\" must be a number in float range or null, got %s", i,
                METRIC_KEYS[k], value);
        }
    }
    for (int k = 0; k < 6; k++)
        if (!seen[k])
            return fg_fail(FG_ERR_SERIALIZATION, "metrics: record %zu lacks \"%s\"", i,
                           METRIC_KEYS[k]);
    return FG_OK;
}

/* *out: count records (fg_free them), NULL when the array is empty. */
fg_status fg_metrics_from_json(const char *json, size_t len, fg_training_metrics **out,
                               size_t *count_out) {
    if (out == NULL || count_out == NULL)
        return fg_fail(FG_ERR_INVALID_INPUT, "metrics from JSON: output pointer is NULL");
    cJSON *root = parse_exact("metrics", json, len);
    if (root == NULL) return fg_last_status();
    fg_status st = FG_OK;
    fg_training_metrics *recs = NULL;
    size_t n = 0;
    if (!cJSON_IsArray(root)) {
        st = fg_fail(FG_ERR_SERIALIZATION, "metrics: not a JSON array");
        goto done;
    }
    for (const cJSON *c = root->child; c != NULL; c = c->next) n++;
    if (n > 0) {
        recs = fg_alloc_zero(n, sizeof *recs, "metrics records");
        if (recs == NULL) {
            st = FG_ERR_OUT_OF_MEMORY;
            goto done;
        }
    }
    size_t i = 0;
    for (const cJSON *c = root->child; c != NULL; c = c->next, i++) {
        st = metric_from_json(c, i, &recs[i]);
        if (st != FG_OK) goto done;
    }
done:
    cJSON_Delete(root);
    if (st != FG_OK) {
        fg_free(recs);
        return st;
    }
    *out = recs;
    *count_out = n;
    return FG_OK;
}

fg_status fg_trainer_save_metrics(const fg_trainer *tr, const char *path) {
    if (tr == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "save metrics: trainer is NULL");
    if (path == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "save metrics: path is NULL");
    char *json = NULL;
    fg_status st = fg_metrics_to_json(fg_trainer_metrics(tr), fg_trainer_metrics_count(tr), &json);
    if (st != FG_OK) return st;
    st = save_text(path, json);
    fg_free(json);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Normalization: {"means":[...],"stds":[...]}                              */

fg_status fg_normalization_to_json(const float *means, const float *stds, int32_t dim,
                                   char **json_out) {
    if (json_out == NULL)
        return fg_fail(FG_ERR_INVALID_INPUT, "normalization to JSON: json_out is NULL");
    if (dim <= 0)
        return fg_fail(FG_ERR_INVALID_INPUT, "normalization: dim must be > 0, got %" PRId32, dim);
    if (means == NULL || stds == NULL)
        return fg_fail(FG_ERR_INVALID_INPUT, "normalization: %s is NULL", means ? "stds" : "means");
    for (int32_t i = 0; i < dim; i++) {
        if (!isfinite(means[i]))
            return fg_fail(FG_ERR_INVALID_INPUT,
                           "normalization: means[%" PRId32 "] = %g is not finite", i,
                           (double)means[i]);
        if (!isfinite(stds[i]) || !(stds[i] > 0.0f))
            return fg_fail(FG_ERR_INVALID_INPUT,
                           "normalization: stds[%" PRId32 "] = %g must be finite and > 0", i,
                           (double)stds[i]);
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *jm = cJSON_AddArrayToObject(root, "means");
    cJSON *js = cJSON_AddArrayToObject(root, "stds");
    if (root == NULL || jm == NULL || js == NULL)
        return out_of_memory_building(root, "normalization JSON");
    for (int32_t i = 0; i < dim; i++)
        if (!append_float(jm, means[i]) || !append_float(js, stds[i]))
            return out_of_memory_building(root, "normalization JSON");
    return print_to(root, "normalization JSON", json_out, NULL);
}

/* Reads one array of finite floats; *values_out fg_alloc'd, *n_out > 0. */
static fg_status float_array(const cJSON *arr, const char *key, float **values_out, size_t *n_out) {
    if (!cJSON_IsArray(arr))
        return fg_fail(FG_ERR_SERIALIZATION, "normalization: \"%s\" is not an array", key);
    size_t n = 0;
    for (const cJSON *c = arr->child; c != NULL; c = c->next) n++;
    if (n == 0) return fg_fail(FG_ERR_SERIALIZATION, "normalization: \"%s\" is empty", key);
    if (n > (size_t)INT32_MAX)
        return fg_fail(FG_ERR_SERIALIZATION, "normalization: \"%s\" has %zu values (too many)", key,
                       n);
    float *v = fg_alloc(n * sizeof *v, "normalization values");
    if (v == NULL) return FG_ERR_OUT_OF_MEMORY;
    size_t i = 0;
    for (const cJSON *c = arr->child; c != NULL; c = c->next, i++) {
        if (!as_float(c, &v[i])) {
            char value[QUOTE_MAX + 8];
            describe(c, value, sizeof value);
            fg_free(v);
            return fg_fail(FG_ERR_SERIALIZATION,
                           "normalization: %s[%zu] must be a finite number in float range, got %s",
                           key, i, value);
        }
    }
    *values_out = v;
    *n_out = n;
    return FG_OK;
}

fg_status fg_normalization_from_json(const char *json, size_t len, float **means_out,
                                     float **stds_out, int32_t *dim_out) {
    if (means_out == NULL || stds_out == NULL || dim_out == NULL)
        return fg_fail(FG_ERR_INVALID_INPUT, "normalization from JSON: output pointer is NULL");
    cJSON *root = parse_exact("normalization", json, len);
    if (root == NULL) return fg_last_status();
    fg_status st = FG_OK;
    float *means = NULL, *stds = NULL;
    size_t nm = 0, ns = 0;
    const cJSON *jm = NULL, *js = NULL;
    if (!cJSON_IsObject(root)) {
        st = fg_fail(FG_ERR_SERIALIZATION, "normalization: not a JSON object");
        goto done;
    }
    st = check_duplicates(root, "normalization", FG_ERR_SERIALIZATION);
    if (st != FG_OK) goto done;
    for (const cJSON *c = root->child; c != NULL; c = c->next) {
        if (strcmp(c->string, "means") == 0) jm = c;
        else if (strcmp(c->string, "stds") == 0) js = c;
        else {
            st = fg_fail(FG_ERR_SERIALIZATION, "normalization: unknown key \"%.*s\"", QUOTE_MAX,
                         c->string);
            goto done;
        }
    }
    if (jm == NULL || js == NULL) {
        st = fg_fail(FG_ERR_SERIALIZATION, "normalization: missing \"%s\"", jm ? "stds" : "means");
        goto done;
    }
    st = float_array(jm, "means", &means, &nm);
    if (st != FG_OK) goto done;
    st = float_array(js, "stds", &stds, &ns);
    if (st != FG_OK) goto done;
    if (nm != ns) {
        st = fg_fail(FG_ERR_SERIALIZATION, "normalization: %zu means but %zu stds", nm, ns);
        goto done;
    }
    for (size_t i = 0; i < ns; i++) {
        if (!(stds[i] > 0.0f)) {
            st = fg_fail(FG_ERR_SERIALIZATION, "normalization: stds[%zu] = %g must be > 0", i,
                         (double)stds[i]);
            goto done;
        }
    }
done:
    cJSON_Delete(root);
    if (st != FG_OK) {
        fg_free(means);
        fg_free(stds);
        return st;
    }
    *means_out = means;
    *stds_out = stds;
    *dim_out = (int32_t)nm;
    return FG_OK;
}

fg_status fg_save_normalization(const char *path, const float *means, const float *stds,
                                int32_t dim) {
    if (path == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "save normalization: path is NULL");
    char *json = NULL;
    fg_status st = fg_normalization_to_json(means, stds, dim, &json);
    if (st != FG_OK) return st;
    st = save_text(path, json);
    fg_free(json);
    return st;
}

/* ------------------------------------------------------------------------ */
/* safetensors header                                                       */

static char *dup_string(const char *s) {
    size_t n = strlen(s);
    char *copy = fg_alloc(n + 1, "safetensors header string");
    if (copy != NULL) memcpy(copy, s, n + 1);
    return copy;
}

/* Reads an array of at most max_len non-negative integers <= 2^53. Returns
 * the count, -1 if arr is not such an array, -2 if it is longer. */
static int uint_array(const cJSON *arr, uint64_t *vals, int max_len) {
    if (!cJSON_IsArray(arr)) return -1;
    int n = 0;
    for (const cJSON *c = arr->child; c != NULL; c = c->next) {
        int64_t v;
        if (!as_integer(c, 0.0, TWO_POW_53, &v)) return -1;
        if (n == max_len) return -2;
        vals[n++] = (uint64_t)v;
    }
    return n;
}

/* One tensor entry: {"dtype": "F32", "shape": [..], "data_offsets": [b, e]} */
static fg_status parse_tensor(const cJSON *entry, fg_st_tensor *t) {
    const char *name = entry->string;
    char what[QUOTE_MAX + 48];
    snprintf(what, sizeof what, "safetensors header: tensor \"%.*s\"", QUOTE_MAX, name);
    t->name = dup_string(name);
    if (t->name == NULL) return FG_ERR_OUT_OF_MEMORY;
    if (!cJSON_IsObject(entry))
        return fg_fail(FG_ERR_SERIALIZATION, "%s: entry is not an object", what);
    fg_status st = check_duplicates(entry, what, FG_ERR_SERIALIZATION);
    if (st != FG_OK) return st;
    const cJSON *dtype = NULL, *shape = NULL, *offsets = NULL;
    for (const cJSON *c = entry->child; c != NULL; c = c->next) {
        if (strcmp(c->string, "dtype") == 0) dtype = c;
        else if (strcmp(c->string, "shape") == 0) shape = c;
        else if (strcmp(c->string, "data_offsets") == 0) offsets = c;
        else
            return fg_fail(FG_ERR_SERIALIZATION, "%s: unknown key \"%.*s\"", what, QUOTE_MAX,
                           c->string);
    }
    if (dtype == NULL || shape == NULL || offsets == NULL)
        return fg_fail(FG_ERR_SERIALIZATION, "%s: missing \"%s\"", what,
                       dtype == NULL   ? "dtype"
                       : shape == NULL ? "shape"
                                       : "data_offsets");
    char value[QUOTE_MAX + 8];
    if (!cJSON_IsString(dtype)) {
        describe(dtype, value, sizeof value);
        return fg_fail(FG_ERR_SERIALIZATION, "%s: dtype must be a string, got %s", what, value);
    }
    t->dtype = dup_string(dtype->valuestring);
    if (t->dtype == NULL) return FG_ERR_OUT_OF_MEMORY;
    int n = uint_array(shape, t->shape, FG_ST_MAX_DIMS);
    if (n == -2)
        return fg_fail(FG_ERR_SERIALIZATION, "%s: shape has more than %d dimensions", what,
                       FG_ST_MAX_DIMS);
    if (n < 0) {
        describe(shape, value, sizeof value);
        return fg_fail(FG_ERR_SERIALIZATION,
                       "%s: shape must be an array of non-negative integers, got %s", what, value);
    }
    t->ndim = n;
    uint64_t be[2];
    if (uint_array(offsets, be, 2) != 2) {
        describe(offsets, value, sizeof value);
        return fg_fail(FG_ERR_SERIALIZATION,
                       "%s: data_offsets must be [begin, end] non-negative integers, got %s", what,
                       value);
    }
    t->begin = be[0];
    t->end = be[1];
    return FG_OK;
}

/* __metadata__: an object of string -> string. */
static fg_status parse_metadata(const cJSON *obj, fg_st_header *h) {
    h->has_meta = 1;
    if (!cJSON_IsObject(obj))
        return fg_fail(FG_ERR_SERIALIZATION, "safetensors header: __metadata__ is not an object");
    fg_status st = check_duplicates(obj, "safetensors header: __metadata__", FG_ERR_SERIALIZATION);
    if (st != FG_OK) return st;
    size_t n = 0;
    for (const cJSON *c = obj->child; c != NULL; c = c->next) n++;
    if (n == 0) return FG_OK;
    h->meta = fg_alloc_zero(n, sizeof *h->meta, "safetensors metadata");
    if (h->meta == NULL) return FG_ERR_OUT_OF_MEMORY;
    for (const cJSON *c = obj->child; c != NULL; c = c->next) {
        if (!cJSON_IsString(c)) {
            char value[QUOTE_MAX + 8];
            describe(c, value, sizeof value);
            return fg_fail(
                FG_ERR_SERIALIZATION,
                "safetensors header: __metadata__ value of \"%.*s\" must be a string, got %s",
                QUOTE_MAX, c->string, value);
        }
        fg_st_meta *m = &h->meta[h->num_meta++];
        m->key = dup_string(c->string);
        m->value = dup_string(c->valuestring);
        if (m->key == NULL || m->value == NULL) return FG_ERR_OUT_OF_MEMORY;
    }
    return FG_OK;
}

fg_status fg_st_header_parse(const char *json, size_t len, fg_st_header *out) {
    fg_st_header h;
    memset(&h, 0, sizeof h);
    memset(out, 0, sizeof *out);
    cJSON *root = parse_exact("safetensors header", json, len);
    if (root == NULL) return fg_last_status();
    fg_status st = FG_OK;
    if (!cJSON_IsObject(root)) {
        st = fg_fail(FG_ERR_SERIALIZATION, "safetensors header: not a JSON object");
        goto done;
    }
    st = check_duplicates(root, "safetensors header", FG_ERR_SERIALIZATION);
    if (st != FG_OK) goto done;
    size_t n = 0;
    for (const cJSON *c = root->child; c != NULL; c = c->next)
        if (strcmp(c->string, "__metadata__") != 0) n++;
    if (n > 0) {
        h.tensors = fg_alloc_zero(n, sizeof *h.tensors, "safetensors tensor list");
        if (h.tensors == NULL) {
            st = FG_ERR_OUT_OF_MEMORY;
            goto done;
        }
    }
    for (const cJSON *c = root->child; c != NULL; c = c->next) {
        if (strcmp(c->string, "__metadata__") == 0) st = parse_metadata(c, &h);
        else st = parse_tensor(c, &h.tensors[h.num_tensors++]);
        if (st != FG_OK) goto done;
    }
done:
    cJSON_Delete(root);
    if (st != FG_OK) {
        fg_st_header_free(&h);
        return st;
    }
    *out = h;
    return FG_OK;
}

void fg_st_header_free(fg_st_header *h) {
    if (h == NULL) return;
    for (size_t i = 0; i < h->num_tensors; i++) {
        fg_free(h->tensors[i].name);
        fg_free(h->tensors[i].dtype);
    }
    for (size_t i = 0; i < h->num_meta; i++) {
        fg_free(h->meta[i].key);
        fg_free(h->meta[i].value);
    }
    fg_free(h->tensors);
    fg_free(h->meta);
    memset(h, 0, sizeof *h);
}

const char *fg_st_header_meta(const fg_st_header *h, const char *key) {
    for (size_t i = 0; i < h->num_meta; i++)
        if (strcmp(h->meta[i].key, key) == 0) return h->meta[i].value;
    return NULL;
}

fg_status fg_st_header_build(const fg_st_tensor *tensors, size_t num_tensors,
                             const fg_st_meta *meta, size_t num_meta, char **json_out,
                             size_t *len_out) {
    const char *what = "safetensors header";
    cJSON *root = cJSON_CreateObject();
    if (root == NULL) return out_of_memory_building(root, what);
    if (num_meta > 0) {
        cJSON *jm = cJSON_AddObjectToObject(root, "__metadata__");
        if (jm == NULL) return out_of_memory_building(root, what);
        for (size_t i = 0; i < num_meta; i++)
            if (cJSON_AddStringToObject(jm, meta[i].key, meta[i].value) == NULL)
                return out_of_memory_building(root, what);
    }
    for (size_t i = 0; i < num_tensors; i++) {
        const fg_st_tensor *t = &tensors[i];
        cJSON *entry = cJSON_AddObjectToObject(root, t->name);
        if (entry == NULL || cJSON_AddStringToObject(entry, "dtype", t->dtype) == NULL)
            return out_of_memory_building(root, what);
        cJSON *shape = cJSON_AddArrayToObject(entry, "shape");
        if (shape == NULL) return out_of_memory_building(root, what);
        for (int d = 0; d < t->ndim; d++)
            if (!append_u64(shape, t->shape[d])) return out_of_memory_building(root, what);
        cJSON *offsets = cJSON_AddArrayToObject(entry, "data_offsets");
        if (offsets == NULL || !append_u64(offsets, t->begin) || !append_u64(offsets, t->end))
            return out_of_memory_building(root, what);
    }
    return print_to(root, what, json_out, len_out);
}

/* ------------------------------------------------------------------------ */
/* The helpers above, for card.c (json_internal.h)                          */

struct cJSON *fg_json_parse(const char *what, const char *text, size_t len) {
    return parse_exact(what, text, len);
}

fg_status fg_json_check_duplicates(const struct cJSON *obj, const char *what, fg_status code) {
    return check_duplicates(obj, what, code);
}

void fg_json_describe(const struct cJSON *item, char *buf, size_t size) {
    describe(item, buf, size);
}

int fg_json_as_float(const struct cJSON *item, float *out) { return as_float(item, out); }

int fg_json_as_integer(const struct cJSON *item, double lo, double hi, int64_t *out) {
    return as_integer(item, lo, hi, out);
}

int fg_json_add_float(struct cJSON *obj, const char *key, float f) {
    return add_float(obj, key, f);
}

int fg_json_add_i64(struct cJSON *obj, const char *key, int64_t v) { return add_i64(obj, key, v); }

fg_status fg_json_print(struct cJSON *root, const char *what, char **json_out, size_t *len_out) {
    return print_to(root, what, json_out, len_out);
}

void fg_json_format_float(float f, char *buf, size_t size) { format_float(f, buf, size); }

/* ------------------------------------------------------------------------ */
/* Evaluation report (evaluate.c computes, this writes)                     */

/* {"samples":n,"loss":f,"accuracy":f,"num_classes":K,"confusion_matrix":[[..]..],
 *  "classes":[{"index":i,"precision":f|null,"recall":f|null,"f1":f|null,
 *  "support":n}..],"roc_auc":f|null} */
fg_status fg_evaluation_to_json(const fg_evaluation *e, char **json_out) {
    const char *what = "evaluation report";
    if (e == NULL || json_out == NULL)
        return fg_fail(FG_ERR_INVALID_INPUT, "%s: argument is NULL", what);
    int32_t K = e->num_classes;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL || !add_i64(root, "samples", e->samples) ||
        !add_float(root, "loss", e->loss) || !add_float(root, "accuracy", e->accuracy) ||
        !add_i64(root, "num_classes", K))
        return out_of_memory_building(root, what);
    cJSON *matrix = cJSON_AddArrayToObject(root, "confusion_matrix");
    if (matrix == NULL) return out_of_memory_building(root, what);
    for (int32_t t = 0; t < K; t++) {
        cJSON *r = cJSON_CreateArray();
        if (r == NULL || !cJSON_AddItemToArray(matrix, r)) {
            cJSON_Delete(r);
            return out_of_memory_building(root, what);
        }
        for (int32_t p = 0; p < K; p++) {
            char buf[32];
            snprintf(buf, sizeof buf, "%" PRId64, e->confusion[(size_t)t * K + p]);
            cJSON *item = cJSON_CreateRaw(buf);
            if (item == NULL || !cJSON_AddItemToArray(r, item)) {
                cJSON_Delete(item);
                return out_of_memory_building(root, what);
            }
        }
    }
    cJSON *classes = cJSON_AddArrayToObject(root, "classes");
    if (classes == NULL) return out_of_memory_building(root, what);
    for (int32_t k = 0; k < K; k++) {
        cJSON *c = cJSON_CreateObject();
        if (c == NULL || !cJSON_AddItemToArray(classes, c)) {
            cJSON_Delete(c);
            return out_of_memory_building(root, what);
        }
        if (!add_i64(c, "index", k) || !add_float(c, "precision", e->precision[k]) ||
            !add_float(c, "recall", e->recall[k]) || !add_float(c, "f1", e->f1[k]) ||
            !add_i64(c, "support", e->support[k]))
            return out_of_memory_building(root, what);
    }
    if (!add_float(root, "roc_auc", e->roc_auc)) return out_of_memory_building(root, what);
    return print_to(root, what, json_out, NULL);
}

/* ------------------------------------------------------------------------ */
/* Config limits (limits.c holds them)                                      */

/* A bound as exact JSON: %.17g reads back to the same double. */
static int add_bound(cJSON *obj, const char *key, double v) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    for (char *p = buf; *p; p++)
        if (*p == ',') *p = '.';
    return add_raw(obj, key, buf);
}

static int add_limits(cJSON *root, const char *name, const fg_limit *table, size_t count) {
    cJSON *group = cJSON_AddObjectToObject(root, name);
    if (group == NULL) return 0;
    for (size_t i = 0; i < count; i++) {
        const fg_limit *l = &table[i];
        cJSON *o = cJSON_AddObjectToObject(group, l->key);
        if (o == NULL || !add_bound(o, "min", l->min) || !add_bound(o, "max", l->max) ||
            cJSON_AddBoolToObject(o, "min_open", l->min_open) == NULL ||
            cJSON_AddBoolToObject(o, "max_open", l->max_open) == NULL ||
            cJSON_AddBoolToObject(o, "integer", l->integer) == NULL ||
            cJSON_AddBoolToObject(o, "nullable", l->nullable) == NULL)
            return 0;
    }
    return 1;
}

/* {"model":{"input_dim":{"min":1,"max":16777216,"min_open":false,
 *  "max_open":false,"integer":true,"nullable":false},...},
 *  "training":{...},"max_parameters":268435456} */
fg_status fg_config_limits_json(char **json_out) {
    const char *what = "config limits";
    if (json_out == NULL) return fg_fail(FG_ERR_INVALID_INPUT, "%s: json_out is NULL", what);
    cJSON *root = cJSON_CreateObject();
    if (root == NULL || !add_limits(root, "model", fg_model_limits, FG_NUM_MODEL_LIMITS) ||
        !add_limits(root, "training", fg_training_limits, FG_NUM_TRAINING_LIMITS) ||
        !add_i64(root, "max_parameters", (int64_t)FG_MAX_PARAMS))
        return out_of_memory_building(root, what);
    return print_to(root, what, json_out, NULL);
}
