/*
 * checkpoint.c - the state of a streaming run as bytes, and back
 * (docs/design.md, "Checkpoints").
 *
 * A checkpoint is a safetensors file:
 *   __metadata__  format           "fastgrnn-wasm-checkpoint/1"
 *                 model_config     the trainer's model config (JSON)
 *                 training_config  the trainer's training config (JSON)
 *                 state            the run's scalars (JSON, below)
 *                 history          the metrics so far (fg_metrics_to_json)
 *                 source           the caller's text (position in its source)
 *   model         U8 [len]          the model being trained (fg_model_save)
 *   adam.m1       F32 [np]          Adam moments
 *   adam.m2       F32 [np]
 *   best          F32 [np]          best weights so far (when there are)
 *   buffer.x/.y/.soft  F32 [k, T*D] / [k] / [k, S]   the shuffle buffer
 *   batch.x/.y/.soft   F32 [b, T*D] / [b] / [b, S]   the partial batch
 * Reading trusts nothing: the exact key and tensor sets, dtypes, shapes,
 * ranges inside the data and covering it, every number's range, the model
 * through fg_model_load, configs equal to the resuming trainer's.
 */
#include <cjson/cJSON.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_internal.h"

#define CK_FORMAT     "fastgrnn-wasm-checkpoint/1"
#define CK_MAX_SOURCE (64 * 1024)
#define CK_MAX_HEADER ((uint64_t)1 << 28)
#define CK_MAX_PARTS  9

#define BAD(...)     return fg_fail(FG_ERR_INVALID_INPUT, __VA_ARGS__)
#define CORRUPT(...) fg_fail(FG_ERR_SERIALIZATION, "checkpoint: " __VA_ARGS__)

typedef struct {
    const char *name;
    const char *dtype; /* "F32" or "U8"                                 */
    int ndim;
    uint64_t shape[2];
    const void *data; /* save: the bytes to write                       */
    uint64_t bytes;
} ck_part;

/* fg_real values as little-endian float32 (the wasm and x86 byte order). */
static float *to_f32(const fg_real *src, size_t n) {
    float *dst = fg_alloc(n ? n * sizeof(float) : 1, "checkpoint");
    if (dst)
        for (size_t i = 0; i < n; i++) dst[i] = (float)src[i];
    return dst;
}

static int add_double(cJSON *o, const char *key, double v) {
    if (!isfinite(v)) return cJSON_AddNullToObject(o, key) != NULL;
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    return cJSON_AddItemToObject(o, key, cJSON_CreateRaw(buf));
}

static char *state_json(const fg_trainer *tr) {
    cJSON *o = cJSON_CreateObject();
    char rng[24];
    snprintf(rng, sizeof rng, "%" PRIu64, tr->rng.s);
    int ok = o != NULL && fg_json_add_i64(o, "timesteps", tr->T) &&
             fg_json_add_i64(o, "shuffle_buffer", tr->buf_cap) &&
             fg_json_add_i64(o, "soft_targets", tr->has_soft) &&
             fg_json_add_i64(o, "raw_inputs", tr->raw) &&
             fg_json_add_i64(o, "num_params", (int64_t)tr->np) &&
             fg_json_add_i64(o, "epoch", tr->epoch) &&
             fg_json_add_i64(o, "epoch_open", tr->epoch_open) &&
             fg_json_add_float(o, "learning_rate", tr->lr) &&
             fg_json_add_i64(o, "step", tr->step) && add_double(o, "beta1_t", tr->beta1_t) &&
             add_double(o, "beta2_t", tr->beta2_t) && cJSON_AddStringToObject(o, "rng", rng) &&
             add_double(o, "loss_sum", tr->loss_sum) && fg_json_add_i64(o, "seen", tr->seen) &&
             fg_json_add_i64(o, "correct", tr->correct) &&
             fg_json_add_i64(o, "rows_in", tr->rows_in) &&
             fg_json_add_i64(o, "val_rows", tr->val_rows) &&
             add_double(o, "val_loss_sum", tr->val_loss_sum) &&
             fg_json_add_i64(o, "val_correct", tr->val_correct) &&
             add_double(o, "best_loss", tr->best_loss) &&
             fg_json_add_i64(o, "bad_epochs", tr->bad_epochs) &&
             fg_json_add_i64(o, "have_best", tr->have_best) &&
             fg_json_add_i64(o, "best_epoch", tr->best_epoch) &&
             fg_json_add_i64(o, "ended", tr->ended) && fg_json_add_i64(o, "ntrain", tr->ntrain) &&
             fg_json_add_i64(o, "nval", tr->nval) && fg_json_add_i64(o, "buffered", tr->buf_n) &&
             fg_json_add_i64(o, "batched", tr->bat_n);
    char *text = NULL;
    if (!ok || fg_json_print(o, "checkpoint state", &text, NULL)) {
        if (!ok) cJSON_Delete(o);
        return NULL;
    }
    return text;
}

fg_status fg_trainer_checkpoint(const fg_trainer *tr, const char *source, uint8_t **bytes_out,
                                size_t *len_out) {
    fg_status s;
    if (!tr) BAD("trainer is NULL");
    if (!bytes_out || !len_out) BAD("checkpoint: output pointer is NULL");
    if (!tr->running || !tr->streaming)
        BAD("checkpoint: the trainer is not running a streaming run");
    if (tr->pending)
        BAD("checkpoint: a batch waits for its chunks' gradients: call fg_trainer_apply_chunks");
    if (!source) source = "";
    if (strlen(source) > CK_MAX_SOURCE)
        BAD("checkpoint: source text is %zu bytes, at most %d", strlen(source), CK_MAX_SOURCE);

    uint8_t *model = NULL;
    size_t model_len = 0;
    char *mcfg = NULL, *tcfg = NULL, *state = NULL, *hist = NULL;
    float *m1 = NULL, *m2 = NULL, *best = NULL;
    char *header = NULL;
    size_t header_len = 0;
    if ((s = fg_model_save(tr->model, &model, &model_len))) return s;
    if ((s = fg_model_config_to_json(&tr->mcfg, &mcfg)) ||
        (s = fg_training_config_to_json(&tr->cfg, &tcfg)) ||
        (s = fg_metrics_to_json(tr->hist, tr->nhist, &hist)))
        goto done;
    state = state_json(tr);
    m1 = to_f32(tr->m1, tr->np);
    m2 = to_f32(tr->m2, tr->np);
    best = tr->have_best ? to_f32(tr->best, tr->np) : NULL;
    if (!state || !m1 || !m2 || (tr->have_best && !best)) {
        s = FG_ERR_OUT_OF_MEMORY;
        goto done;
    }

    ck_part parts[CK_MAX_PARTS];
    int np = 0;
    uint64_t row = (uint64_t)tr->row, sw = (uint64_t)tr->sw, P = (uint64_t)tr->np;
    parts[np++] = (ck_part){"model", "U8", 1, {model_len, 0}, model, model_len};
    parts[np++] = (ck_part){"adam.m1", "F32", 1, {P, 0}, m1, 4 * P};
    parts[np++] = (ck_part){"adam.m2", "F32", 1, {P, 0}, m2, 4 * P};
    if (best) parts[np++] = (ck_part){"best", "F32", 1, {P, 0}, best, 4 * P};
    if (tr->buf_n > 0) {
        uint64_t k = (uint64_t)tr->buf_n;
        parts[np++] = (ck_part){"buffer.x", "F32", 2, {k, row}, tr->buf_x, 4 * k * row};
        parts[np++] = (ck_part){"buffer.y", "F32", 1, {k, 0}, tr->buf_y, 4 * k};
        if (tr->has_soft)
            parts[np++] = (ck_part){"buffer.soft", "F32", 2, {k, sw}, tr->buf_soft, 4 * k * sw};
    }
    if (tr->bat_n > 0) {
        uint64_t b = (uint64_t)tr->bat_n;
        parts[np++] = (ck_part){"batch.x", "F32", 2, {b, row}, tr->bat_x, 4 * b * row};
        parts[np++] = (ck_part){"batch.y", "F32", 1, {b, 0}, tr->by, 4 * b};
        if (tr->has_soft)
            parts[np++] = (ck_part){"batch.soft", "F32", 2, {b, sw}, tr->bsoft, 4 * b * sw};
    }
    fg_st_tensor entries[CK_MAX_PARTS];
    uint64_t pos = 0;
    for (int i = 0; i < np; i++) {
        memset(&entries[i], 0, sizeof entries[i]);
        entries[i].name = (char *)parts[i].name;
        entries[i].dtype = (char *)parts[i].dtype;
        entries[i].ndim = parts[i].ndim;
        entries[i].shape[0] = parts[i].shape[0];
        entries[i].shape[1] = parts[i].shape[1];
        entries[i].begin = pos;
        entries[i].end = pos + parts[i].bytes;
        pos += parts[i].bytes;
    }
    fg_st_meta meta[6] = {{"format", CK_FORMAT},     {"model_config", mcfg},
                          {"training_config", tcfg}, {"state", state},
                          {"history", hist},         {"source", (char *)source}};
    if ((s = fg_st_header_build(entries, (size_t)np, meta, 6, &header, &header_len))) goto done;
    size_t padded = (header_len + 7) & ~(size_t)7;
    size_t total = 8 + padded + (size_t)pos;
    uint8_t *out = fg_alloc(total, "checkpoint");
    if (!out) {
        s = FG_ERR_OUT_OF_MEMORY;
        goto done;
    }
    fg_put_u64_le(out, padded);
    memcpy(out + 8, header, header_len);
    memset(out + 8 + header_len, ' ', padded - header_len);
    uint8_t *p = out + 8 + padded;
    for (int i = 0; i < np; i++) {
        /* float32 is stored little-endian: the byte order of every target */
        memcpy(p, parts[i].data, (size_t)parts[i].bytes);
        p += parts[i].bytes;
    }
    *bytes_out = out;
    *len_out = total;
    s = FG_OK;
done:
    fg_free(model);
    fg_free(mcfg);
    fg_free(tcfg);
    fg_free(state);
    fg_free(hist);
    fg_free(m1);
    fg_free(m2);
    fg_free(best);
    fg_free(header);
    return s;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */

typedef struct {
    int64_t timesteps, shuffle_buffer, soft_targets, raw_inputs, num_params, epoch, epoch_open,
        step, seen, correct, rows_in, val_rows, val_correct, bad_epochs, have_best, best_epoch,
        ended, ntrain, nval, buffered, batched;
    float learning_rate;
    double beta1_t, beta2_t, loss_sum, val_loss_sum, best_loss;
    uint64_t rng;
} ck_state;

static fg_status get_int(const cJSON *o, const char *key, int64_t lo, int64_t hi, int64_t *out) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!it || !fg_json_as_integer(it, (double)lo, (double)hi, out))
        return CORRUPT("state \"%s\" must be an integer in [%lld, %lld]", key, (long long)lo,
                       (long long)hi);
    return FG_OK;
}

/* A finite double, or (null_ok) null for +infinity. */
static fg_status get_double(const cJSON *o, const char *key, double lo, double hi, int null_inf,
                            double *out) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    if (it && null_inf && cJSON_IsNull(it)) {
        *out = INFINITY;
        return FG_OK;
    }
    if (!it || !cJSON_IsNumber(it) || !isfinite(it->valuedouble) ||
        !(it->valuedouble >= lo && it->valuedouble <= hi))
        return CORRUPT("state \"%s\" must be a number in [%g, %g]", key, lo, hi);
    *out = it->valuedouble;
    return FG_OK;
}

static fg_status parse_state(const char *text, ck_state *st) {
    static const char *const KEYS[] = {
        "timesteps",   "shuffle_buffer", "soft_targets", "raw_inputs", "num_params", "epoch",
        "epoch_open",  "learning_rate",  "step",         "beta1_t",    "beta2_t",    "rng",
        "loss_sum",    "seen",           "correct",      "rows_in",    "val_rows",   "val_loss_sum",
        "val_correct", "best_loss",      "bad_epochs",   "have_best",  "best_epoch", "ended",
        "ntrain",      "nval",           "buffered",     "batched"};
    const size_t nkeys = sizeof KEYS / sizeof KEYS[0];
    cJSON *o = fg_json_parse("checkpoint state", text, strlen(text));
    if (!o)
        return fg_last_status() == FG_ERR_OUT_OF_MEMORY ? FG_ERR_OUT_OF_MEMORY
                                                        : CORRUPT("state is not valid JSON");
    fg_status s = FG_OK;
    if (!cJSON_IsObject(o)) {
        s = CORRUPT("state is not a JSON object");
        goto out;
    }
    if ((s = fg_json_check_duplicates(o, "checkpoint state", FG_ERR_SERIALIZATION))) goto out;
    size_t count = 0;
    for (const cJSON *c = o->child; c; c = c->next, count++) {
        size_t k = 0;
        while (k < nkeys && strcmp(KEYS[k], c->string) != 0) k++;
        if (k == nkeys) {
            s = CORRUPT("state has an unknown key \"%.40s\"", c->string);
            goto out;
        }
    }
    if (count != nkeys) {
        s = CORRUPT("state has %zu keys, expected %zu", count, nkeys);
        goto out;
    }
    const int64_t I32 = INT32_MAX, BIG = (int64_t)1 << 53;
    if ((s = get_int(o, "timesteps", 1, I32, &st->timesteps)) ||
        (s = get_int(o, "shuffle_buffer", 0, 1 << 24, &st->shuffle_buffer)) ||
        (s = get_int(o, "soft_targets", 0, 1, &st->soft_targets)) ||
        (s = get_int(o, "raw_inputs", 0, 1, &st->raw_inputs)) ||
        (s = get_int(o, "num_params", 1, (int64_t)FG_MAX_PARAMS, &st->num_params)) ||
        (s = get_int(o, "epoch", 0, I32, &st->epoch)) ||
        (s = get_int(o, "epoch_open", 0, 2, &st->epoch_open)) ||
        (s = get_int(o, "step", 0, BIG, &st->step)) ||
        (s = get_int(o, "seen", 0, BIG, &st->seen)) ||
        (s = get_int(o, "correct", 0, BIG, &st->correct)) ||
        (s = get_int(o, "rows_in", 0, BIG, &st->rows_in)) ||
        (s = get_int(o, "val_rows", 0, BIG, &st->val_rows)) ||
        (s = get_int(o, "val_correct", 0, BIG, &st->val_correct)) ||
        (s = get_int(o, "bad_epochs", 0, I32, &st->bad_epochs)) ||
        (s = get_int(o, "have_best", 0, 1, &st->have_best)) ||
        (s = get_int(o, "best_epoch", -1, I32, &st->best_epoch)) ||
        (s = get_int(o, "ended", -1, FG_STOP_DIVERGED, &st->ended)) ||
        (s = get_int(o, "ntrain", 0, I32, &st->ntrain)) ||
        (s = get_int(o, "nval", 0, I32, &st->nval)) ||
        (s = get_int(o, "buffered", 0, 1 << 24, &st->buffered)) ||
        (s = get_int(o, "batched", 0, I32, &st->batched)) ||
        (s = get_double(o, "beta1_t", 0, 1, 0, &st->beta1_t)) ||
        (s = get_double(o, "beta2_t", 0, 1, 0, &st->beta2_t)) ||
        (s = get_double(o, "loss_sum", 0, INFINITY, 0, &st->loss_sum)) ||
        (s = get_double(o, "val_loss_sum", 0, INFINITY, 0, &st->val_loss_sum)) ||
        (s = get_double(o, "best_loss", 0, INFINITY, 1, &st->best_loss)))
        goto out;
    const cJSON *lr = cJSON_GetObjectItemCaseSensitive(o, "learning_rate");
    if (!fg_json_as_float(lr, &st->learning_rate) || !(st->learning_rate > 0)) {
        s = CORRUPT("state \"learning_rate\" must be a finite number > 0");
        goto out;
    }
    const cJSON *rng = cJSON_GetObjectItemCaseSensitive(o, "rng");
    char *end = NULL;
    if (!cJSON_IsString(rng) || rng->valuestring[0] < '0' || rng->valuestring[0] > '9' ||
        strlen(rng->valuestring) > 20) {
        s = CORRUPT("state \"rng\" must be a decimal string");
        goto out;
    }
    unsigned long long v = strtoull(rng->valuestring, &end, 10);
    if (*end != '\0') {
        s = CORRUPT("state \"rng\" must be a decimal string");
        goto out;
    }
    st->rng = (uint64_t)v;
out:
    cJSON_Delete(o);
    return s;
}

static const fg_st_tensor *find_entry(const fg_st_header *h, const char *name) {
    for (size_t i = 0; i < h->num_tensors; i++)
        if (strcmp(h->tensors[i].name, name) == 0) return &h->tensors[i];
    return NULL;
}

/* The entry `name` exists with dtype and shape [r] (c = 0) or [r, c] and
 * its bytes lie inside the data section; *out points at them. */
static fg_status expect(const fg_st_header *h, const uint8_t *data, uint64_t data_len,
                        const char *name, const char *dtype, uint64_t r, uint64_t c,
                        const uint8_t **out) {
    const fg_st_tensor *t = find_entry(h, name);
    if (!t) return CORRUPT("tensor \"%s\" is missing", name);
    if (strcmp(t->dtype, dtype) != 0)
        return CORRUPT("tensor \"%s\" has dtype %.16s, expected %s", name, t->dtype, dtype);
    int ndim = c == 0 ? 1 : 2;
    if (t->ndim != ndim || t->shape[0] != r || (ndim == 2 && t->shape[1] != c))
        return CORRUPT("tensor \"%s\" has the wrong shape", name);
    uint64_t elem = dtype[0] == 'F' ? 4 : 1;
    uint64_t bytes = elem * r * (c ? c : 1);
    if (t->begin > t->end || t->end > data_len || t->end - t->begin != bytes)
        return CORRUPT("tensor \"%s\" has data_offsets outside the data or of the wrong length",
                       name);
    *out = data + t->begin;
    return FG_OK;
}

static int finite_f32(const uint8_t *p, uint64_t n, int nonneg) {
    for (uint64_t i = 0; i < n; i++) {
        float f;
        memcpy(&f, p + 4 * i, 4);
        if (!isfinite(f) || (nonneg && f < 0)) return 0;
    }
    return 1;
}

static fg_status check_labels(const uint8_t *p, uint64_t n, int32_t O, const char *name) {
    for (uint64_t i = 0; i < n; i++) {
        float y;
        memcpy(&y, p + 4 * i, 4);
        if (fg_check_label(y, O, name, (int64_t)i)) return CORRUPT("%s", fg_last_error());
    }
    return FG_OK;
}

static fg_status check_soft(const uint8_t *p, uint64_t n, const char *name) {
    for (uint64_t i = 0; i < n; i++) {
        float v;
        memcpy(&v, p + 4 * i, 4);
        if (!isfinite(v) || v < 0 || v > 1)
            return CORRUPT("%s[%" PRIu64 "] is not a probability", name, i);
    }
    return FG_OK;
}

static void copy_f32(fg_real *dst, const uint8_t *src, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float f;
        memcpy(&f, src + 4 * i, 4);
        dst[i] = (fg_real)f;
    }
}

/* The data section is covered exactly by the entries, without overlap. */
static fg_status check_cover(const fg_st_header *h, uint64_t data_len) {
    uint64_t sum = 0;
    for (size_t i = 0; i < h->num_tensors; i++) {
        const fg_st_tensor *a = &h->tensors[i];
        sum += a->end - a->begin;
        for (size_t j = i + 1; j < h->num_tensors; j++) {
            const fg_st_tensor *b = &h->tensors[j];
            if (a->begin < b->end && b->begin < a->end)
                return CORRUPT("tensors \"%s\" and \"%s\" overlap", a->name, b->name);
        }
    }
    if (sum != data_len) return CORRUPT("the tensors do not cover the data section exactly");
    return FG_OK;
}

static fg_status same_config(const char *stored, const char *mine, const char *what) {
    if (strcmp(stored, mine) != 0)
        return fg_fail(FG_ERR_INVALID_INPUT,
                       "checkpoint was written with another %s: %.300s (this trainer: %.300s)",
                       what, stored, mine);
    return FG_OK;
}

fg_status fg_trainer_resume(fg_trainer *tr, const uint8_t *bytes, size_t len, fg_model **model_out,
                            char **source_out) {
    if (!tr) BAD("trainer is NULL");
    if (!model_out || !source_out) BAD("resume: output pointer is NULL");
    if (tr->running) BAD("resume: trainer is already running");
    if (!bytes && len) BAD("resume: bytes is NULL");
    if (len < 8) return CORRUPT("%zu bytes is too short to be a checkpoint", len);
    uint64_t hlen = fg_get_u64_le(bytes);
    if (hlen > CK_MAX_HEADER || hlen > len - 8)
        return CORRUPT("header length %" PRIu64 " exceeds the file", hlen);
    if (hlen == 0 || bytes[8] != '{') return CORRUPT("not a checkpoint (no JSON header)");
    fg_st_header h;
    fg_status s = fg_st_header_parse((const char *)bytes + 8, (size_t)hlen, &h);
    if (s) return s == FG_ERR_OUT_OF_MEMORY ? s : CORRUPT("%s", fg_last_error());
    const uint8_t *data = bytes + 8 + hlen;
    uint64_t data_len = len - 8 - hlen;
    fg_model *model = NULL;
    char *mine = NULL, *source = NULL;
    fg_training_metrics *hist = NULL;
    size_t nhist = 0;
    ck_state st;
    memset(&st, 0, sizeof st);

    static const char *const META[] = {"format", "model_config", "training_config",
                                       "state",  "history",      "source"};
    const char *format = fg_st_header_meta(&h, "format");
    if (!format || strcmp(format, CK_FORMAT) != 0) {
        s = CORRUPT("format is \"%.64s\", expected \"%s\": not a checkpoint of this library",
                    format ? format : "(none)", CK_FORMAT);
        goto fail;
    }
    if (h.num_meta != 6) {
        s = CORRUPT("metadata must hold exactly format, model_config, training_config, state, "
                    "history and source");
        goto fail;
    }
    for (size_t i = 0; i < 6; i++)
        if (!fg_st_header_meta(&h, META[i])) {
            s = CORRUPT("metadata \"%s\" is missing", META[i]);
            goto fail;
        }

    const char *src = fg_st_header_meta(&h, "source");
    if (strlen(src) > CK_MAX_SOURCE) {
        s = CORRUPT("source text is longer than %d bytes", CK_MAX_SOURCE);
        goto fail;
    }

    /* configs: parsed (validated), then compared with this trainer's */
    fg_model_config mc;
    fg_training_config tc;
    const char *mtext = fg_st_header_meta(&h, "model_config"),
               *ttext = fg_st_header_meta(&h, "training_config");
    if (fg_model_config_from_json(mtext, strlen(mtext), &mc) ||
        fg_training_config_from_json(ttext, strlen(ttext), &tc)) {
        s = fg_last_status() == FG_ERR_OUT_OF_MEMORY ? FG_ERR_OUT_OF_MEMORY
                                                     : CORRUPT("config: %s", fg_last_error());
        goto fail;
    }
    if ((s = fg_model_config_to_json(&tr->mcfg, &mine))) goto fail;
    if ((s = same_config(mtext, mine, "model config"))) goto fail;
    fg_free(mine);
    mine = NULL;
    if ((s = fg_training_config_to_json(&tr->cfg, &mine))) goto fail;
    if ((s = same_config(ttext, mine, "training config"))) goto fail;

    if ((s = parse_state(fg_st_header_meta(&h, "state"), &st))) goto fail;
    const char *htext = fg_st_header_meta(&h, "history");
    if (fg_metrics_from_json(htext, strlen(htext), &hist, &nhist)) {
        s = fg_last_status() == FG_ERR_OUT_OF_MEMORY ? FG_ERR_OUT_OF_MEMORY
                                                     : CORRUPT("history: %s", fg_last_error());
        goto fail;
    }
    /* the state must describe a run of this trainer that is still going */
    const fg_training_config *c = &tr->cfg;
    if (st.epoch >= c->epochs || (int64_t)nhist != st.epoch || st.ended != -1 ||
        (st.have_best && (st.best_epoch < 0 || st.best_epoch >= st.epoch)) ||
        (!st.have_best && st.best_epoch != -1) || st.correct > st.seen ||
        st.val_correct > st.val_rows || st.seen > st.rows_in || st.buffered > st.shuffle_buffer ||
        st.batched >= c->batch_size ||
        (st.epoch_open == 0 &&
         (st.rows_in || st.seen || st.val_rows || st.buffered || st.batched)) ||
        (st.epoch_open == 2 && (st.buffered || st.batched)) ||
        (st.epoch_open != 2 && st.val_rows) || (st.soft_targets == 0 && c->enable_distillation) ||
        (c->shuffle == 0 && st.shuffle_buffer != 0) || st.shuffle_buffer == 1 ||
        st.seen + st.buffered + st.batched != st.rows_in) {
        s = CORRUPT("the run's state is inconsistent");
        goto fail;
    }
    for (size_t i = 0; i < nhist; i++)
        if (hist[i].epoch != (int32_t)i) {
            s = CORRUPT("history record %zu is for epoch %d", i, hist[i].epoch);
            goto fail;
        }

    /* tensors */
    size_t expected = 3 + (size_t)st.have_best + (st.buffered ? 2 + (size_t)st.soft_targets : 0) +
                      (st.batched ? 2 + (size_t)st.soft_targets : 0);
    if (h.num_tensors != expected) {
        s = CORRUPT("%zu tensors, expected %zu", h.num_tensors, expected);
        goto fail;
    }
    if ((s = check_cover(&h, data_len))) goto fail;
    const fg_st_tensor *mt = find_entry(&h, "model");
    if (!mt || mt->ndim != 1) {
        s = CORRUPT("tensor \"model\" is missing");
        goto fail;
    }
    const uint8_t *mbytes, *m1, *m2, *best = NULL, *bx = NULL, *by = NULL, *bs = NULL, *ax = NULL,
                                     *ay = NULL, *as = NULL;
    if ((s = expect(&h, data, data_len, "model", "U8", mt->shape[0], 0, &mbytes))) goto fail;
    if (fg_model_load(mbytes, (size_t)mt->shape[0], &model)) {
        s = fg_last_status() == FG_ERR_OUT_OF_MEMORY ? FG_ERR_OUT_OF_MEMORY
                                                     : CORRUPT("model: %s", fg_last_error());
        goto fail;
    }
    if (fg_train_check_model(tr, model) || (int64_t)model->num_params != st.num_params) {
        s = CORRUPT("the model does not belong to this trainer's config");
        goto fail;
    }
    uint64_t P = (uint64_t)st.num_params, row = (uint64_t)st.timesteps * (uint64_t)model->D;
    uint64_t sw = model->O == 1 ? 1 : (uint64_t)model->O;
    if ((s = expect(&h, data, data_len, "adam.m1", "F32", P, 0, &m1)) ||
        (s = expect(&h, data, data_len, "adam.m2", "F32", P, 0, &m2)) ||
        (st.have_best && (s = expect(&h, data, data_len, "best", "F32", P, 0, &best))))
        goto fail;
    if (!finite_f32(m1, P, 0) || !finite_f32(m2, P, 1) || (best && !finite_f32(best, P, 0))) {
        s = CORRUPT(
            "optimizer state or best weights are not finite (or a second moment is negative)");
        goto fail;
    }
    if (st.buffered) {
        uint64_t k = (uint64_t)st.buffered;
        if ((s = expect(&h, data, data_len, "buffer.x", "F32", k, row, &bx)) ||
            (s = expect(&h, data, data_len, "buffer.y", "F32", k, 0, &by)) ||
            (st.soft_targets && (s = expect(&h, data, data_len, "buffer.soft", "F32", k, sw, &bs))))
            goto fail;
        if (!finite_f32(bx, k * row, 0)) {
            s = CORRUPT("buffer.x is not finite");
            goto fail;
        }
        if ((s = check_labels(by, k, model->O, "buffer.y")) ||
            (bs && (s = check_soft(bs, k * sw, "buffer.soft"))))
            goto fail;
    }
    if (st.batched) {
        uint64_t b = (uint64_t)st.batched;
        if ((s = expect(&h, data, data_len, "batch.x", "F32", b, row, &ax)) ||
            (s = expect(&h, data, data_len, "batch.y", "F32", b, 0, &ay)) ||
            (st.soft_targets && (s = expect(&h, data, data_len, "batch.soft", "F32", b, sw, &as))))
            goto fail;
        if (!finite_f32(ax, b * row, 0)) {
            s = CORRUPT("batch.x is not finite");
            goto fail;
        }
        if ((s = check_labels(ay, b, model->O, "batch.y")) ||
            (as && (s = check_soft(as, b * sw, "batch.soft"))))
            goto fail;
    }
    size_t srclen = strlen(src);
    source = fg_alloc(srclen + 1, "checkpoint source");
    if (!source) {
        s = FG_ERR_OUT_OF_MEMORY;
        goto fail;
    }
    memcpy(source, src, srclen + 1);

    /* everything checked: start the run and put the state in place */
    if ((s = fg_trainer_stream_begin(tr, model, (int32_t)st.timesteps, (int32_t)st.shuffle_buffer,
                                     (int32_t)((st.soft_targets ? FG_STREAM_SOFT_TARGETS : 0) |
                                               (st.raw_inputs ? FG_STREAM_RAW_INPUTS : 0)))))
        goto fail;
    if (tr->buf_cap != (int32_t)st.shuffle_buffer) {
        fg_trainer_cancel(tr);
        s = CORRUPT("shuffle_buffer %lld does not match the training config",
                    (long long)st.shuffle_buffer);
        goto fail;
    }
    copy_f32(tr->m1, m1, (size_t)P);
    copy_f32(tr->m2, m2, (size_t)P);
    if (best) copy_f32(tr->best, best, (size_t)P);
    tr->step = st.step;
    tr->beta1_t = st.beta1_t;
    tr->beta2_t = st.beta2_t;
    tr->lr = st.learning_rate;
    tr->rng.s = st.rng;
    tr->epoch = (int32_t)st.epoch;
    tr->epoch_open = (int)st.epoch_open;
    tr->loss_sum = st.loss_sum;
    tr->seen = st.seen;
    tr->correct = st.correct;
    tr->rows_in = st.rows_in;
    tr->pos = st.rows_in > INT32_MAX ? INT32_MAX : (int32_t)st.rows_in;
    tr->val_rows = st.val_rows;
    tr->val_loss_sum = st.val_loss_sum;
    tr->val_correct = st.val_correct;
    tr->best_loss = st.best_loss;
    tr->bad_epochs = (int32_t)st.bad_epochs;
    tr->have_best = (int)st.have_best;
    tr->best_epoch = (int32_t)st.best_epoch;
    tr->ntrain = (int32_t)st.ntrain;
    tr->nval = (int32_t)st.nval;
    if (nhist) memcpy(tr->hist, hist, nhist * sizeof *hist);
    tr->nhist = nhist;
    if (fg_sparse_training(c) &&
        (tr->epoch > tr->phase3 || (tr->epoch == tr->phase3 && tr->epoch_open != 0))) {
        /* the support was fixed before this checkpoint: it is the model's mask */
        fg_free(tr->new_mask);
        tr->new_mask = NULL;
    }
    tr->buf_n = (int32_t)st.buffered;
    if (st.buffered) {
        memcpy(tr->buf_x, bx, (size_t)(4 * st.buffered * (int64_t)row));
        memcpy(tr->buf_y, by, (size_t)(4 * st.buffered));
        if (bs) memcpy(tr->buf_soft, bs, (size_t)(4 * st.buffered * (int64_t)sw));
    }
    tr->bat_n = (int32_t)st.batched;
    if (st.batched) {
        memcpy(tr->bat_x, ax, (size_t)(4 * st.batched * (int64_t)row));
        memcpy(tr->by, ay, (size_t)(4 * st.batched));
        if (as) memcpy(tr->bsoft, as, (size_t)(4 * st.batched * (int64_t)sw));
    }
    fg_free(mine);
    fg_free(hist);
    fg_st_header_free(&h);
    *model_out = model;
    *source_out = source;
    return FG_OK;
fail:
    fg_model_destroy(model);
    fg_free(mine);
    fg_free(source);
    fg_free(hist);
    fg_st_header_free(&h);
    return s;
}
