/*
 * card.c - the model card: what a model says about itself, and the JSON of
 * a training summary.
 *
 * The card is a JSON object (its keys: fastgrnn.h, "Model card"). A model
 * holds it as validated compact text (fg_model.card, NULL while empty) in
 * one key order, without "normalization": that is the model's own, saved in
 * its own metadata entry and added by fg_model_get_card. Every way in - a
 * file's metadata (fg_card_load), fg_model_set_card, a training run
 * (fg_card_reserve) - goes through check_card, so a card in memory obeys
 * the rules and a saved card loads again. A run's summary is written by
 * summary_text, the one writer of the summary JSON, whose output obeys
 * check_training by construction (tests/c/test_card.c checks it for every
 * way a run ends).
 *
 * Messages name the field as a path: card.feature_names[3],
 * card.training.kept_epoch, card.data["source"].
 */
#include <cjson/cJSON.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_internal.h"

#define BAD(...)       return fg_fail(FG_ERR_INVALID_INPUT, __VA_ARGS__)
#define QUOTE          64        /* how much of an offending value a message quotes */
#define CARD_MAX_BYTES (1 << 24) /* the card's JSON text                        */
#define VERSION_MAX    64
#define INT32_TOP      2147483647.0

const char *fg_version(void) { return FG_VERSION; }

/* Keys in the order the card is kept and printed. */
static const char *const CARD_KEYS[] = {"library_version", "feature_names", "label_name",
                                        "class_names",     "timesteps",     "normalization",
                                        "training",        "data"};
static const char *const TRAINING_KEYS[] = {"epochs_run",  "kept_epoch",    "kept_reason",
                                            "stop_reason", "train_samples", "validation_samples",
                                            "final"};
static const char *const FINAL_KEYS[] = {"train_loss", "train_accuracy", "val_loss",
                                         "val_accuracy"};
/* Indexed by fg_stop_reason and fg_kept_reason. */
static const char *const STOP_NAMES[] = {"completed",   "early_stopping", "stopped_by_callback",
                                         "interrupted", "cancelled",      "diverged"};
static const char *const KEPT_NAMES[] = {"best_validation_loss", "best_training_loss",
                                         "last_epoch"};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int find_name(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

/* An item as short JSON text for messages; a number beyond double range
 * (which JSON text can hold, as 1e999) is "a non-finite number", not the
 * "null" cJSON would print. */
static void describe_value(const cJSON *item, char *buf, size_t size) {
    if (cJSON_IsNumber(item) && !isfinite(item->valuedouble))
        snprintf(buf, size, "a non-finite number");
    else fg_json_describe(item, buf, size);
}

/* ------------------------------------------------------------------------ */
/* Strings                                                                  */

/* Offset of the first byte of s[0..n) that is not valid UTF-8 or starts a
 * control character (U+0000-U+001F, U+007F-U+009F), or SIZE_MAX when there
 * is none. *cp: that control character, or UINT32_MAX for bad UTF-8. */
static size_t first_bad_char(const unsigned char *s, size_t n, uint32_t *cp) {
    size_t i = 0;
    while (i < n) {
        uint32_t c = s[i], min;
        size_t len;
        if (c < 0x80) {
            len = 1;
            min = 0;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            c &= 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            c &= 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            c &= 0x07;
            min = 0x10000;
        } else {
            *cp = UINT32_MAX;
            return i;
        }
        if (len > n - i) {
            *cp = UINT32_MAX;
            return i;
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                *cp = UINT32_MAX;
                return i;
            }
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            *cp = UINT32_MAX;
            return i;
        }
        if (c < 0x20 || (c >= 0x7F && c < 0xA0)) {
            *cp = c;
            return i;
        }
        i += len;
    }
    return SIZE_MAX;
}

/* A card string: non-empty, at most max bytes, UTF-8 without control
 * characters. path names it in messages. */
static fg_status check_text(const char *s, const char *path, size_t max) {
    size_t n = strlen(s);
    if (n == 0) BAD("card.%s is empty", path);
    if (n > max) BAD("card.%s is %zu bytes long; the limit is %zu", path, n, max);
    uint32_t cp;
    size_t at = first_bad_char((const unsigned char *)s, n, &cp);
    if (at == SIZE_MAX) return FG_OK;
    if (cp == UINT32_MAX) BAD("card.%s is not valid UTF-8 (byte %zu)", path, at);
    BAD("card.%s holds the control character U+%04" PRIX32 " at byte %zu", path, cp, at);
}

static fg_status check_string(const cJSON *item, const char *path, size_t max) {
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        char got[QUOTE + 8];
        describe_value(item, got, sizeof got);
        BAD("card.%s must be a string, got %s", path, got);
    }
    return check_text(item->valuestring, path, max);
}

/* ------------------------------------------------------------------------ */
/* Fields                                                                   */

typedef struct {
    const char *s;
    size_t at;
} name_at;

static int cmp_name_at(const void *a, const void *b) {
    const name_at *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    return c != 0 ? c : (x->at < y->at ? -1 : x->at > y->at);
}

/* A list of `expected` distinct names (why: what fixes the count). */
static fg_status check_names(const cJSON *arr, const char *key, size_t expected, const char *why) {
    char path[64];
    if (!cJSON_IsArray(arr)) {
        char got[QUOTE + 8];
        describe_value(arr, got, sizeof got);
        BAD("card.%s must be an array of strings, got %s", key, got);
    }
    size_t n = 0;
    for (const cJSON *c = arr->child; c != NULL; c = c->next) n++;
    if (n != expected) BAD("card.%s has %zu names; %s", key, n, why);
    size_t i = 0;
    fg_status st;
    for (const cJSON *c = arr->child; c != NULL; c = c->next, i++) {
        snprintf(path, sizeof path, "%s[%zu]", key, i);
        if ((st = check_string(c, path, FG_CARD_NAME_MAX))) return st;
    }
    if (n < 2) return FG_OK;
    name_at *sorted = fg_alloc_zero(n, sizeof *sorted, "card name list");
    if (sorted == NULL) return FG_ERR_OUT_OF_MEMORY;
    i = 0;
    for (const cJSON *c = arr->child; c != NULL; c = c->next, i++)
        sorted[i] = (name_at){c->valuestring, i};
    qsort(sorted, n, sizeof *sorted, cmp_name_at);
    st = FG_OK;
    for (i = 1; i < n && st == FG_OK; i++)
        if (strcmp(sorted[i - 1].s, sorted[i].s) == 0)
            st = fg_fail(FG_ERR_INVALID_INPUT,
                         "card.%s has \"%.*s\" twice (at %zu and %zu); names must be distinct", key,
                         QUOTE, sorted[i].s, sorted[i - 1].at, sorted[i].at);
    fg_free(sorted);
    return st;
}

/* An integer in [lo, hi]. */
static fg_status check_int(const cJSON *item, const char *prefix, const char *key, double lo,
                           double hi, int64_t *out) {
    if (fg_json_as_integer(item, lo, hi, out)) return FG_OK;
    char got[QUOTE + 8];
    describe_value(item, got, sizeof got);
    BAD("%s.%s must be an integer in [%.0f, %.0f], got %s", prefix, key, lo, hi, got);
}

/* The "final" metrics: finite numbers (accuracies in [0, 1]) or null (not
 * finite when measured); the validation ones null when there is no
 * validation set. */
static fg_status check_final(const cJSON *obj, const char *prefix, int64_t nval) {
    char got[QUOTE + 8];
    if (!cJSON_IsObject(obj)) {
        describe_value(obj, got, sizeof got);
        BAD("%s.final must be an object, got %s", prefix, got);
    }
    char what[64];
    snprintf(what, sizeof what, "%s.final", prefix);
    fg_status st = fg_json_check_duplicates(obj, what, FG_ERR_INVALID_INPUT);
    if (st) return st;
    for (const cJSON *c = obj->child; c != NULL; c = c->next)
        if (find_name(FINAL_KEYS, COUNT(FINAL_KEYS), c->string) < 0)
            BAD("%s.final: unknown key \"%.*s\"", prefix, QUOTE, c->string);
    for (int k = 0; k < COUNT(FINAL_KEYS); k++) {
        const char *key = FINAL_KEYS[k];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
        int val = key[0] == 'v', accuracy = strstr(key, "accuracy") != NULL;
        if (v == NULL) BAD("%s.final.%s is missing", prefix, key);
        if (val && nval == 0) {
            if (cJSON_IsNull(v)) continue;
            describe_value(v, got, sizeof got);
            BAD("%s.final.%s must be null without validation samples, got %s", prefix, key, got);
        }
        float f;
        if (cJSON_IsNull(v)) continue;
        if (!fg_json_as_float(v, &f) || (accuracy && !(f >= 0 && f <= 1))) {
            describe_value(v, got, sizeof got);
            BAD("%s.final.%s must be null or a finite number%s, got %s", prefix, key,
                accuracy ? " in [0, 1]" : "", got);
        }
    }
    return FG_OK;
}

/* A training summary (prefix: "card.training" or "training summary"). */
static fg_status check_training(const cJSON *t, const char *prefix) {
    char got[QUOTE + 8];
    if (!cJSON_IsObject(t)) {
        describe_value(t, got, sizeof got);
        BAD("%s must be an object, got %s", prefix, got);
    }
    fg_status st = fg_json_check_duplicates(t, prefix, FG_ERR_INVALID_INPUT);
    if (st) return st;
    for (const cJSON *c = t->child; c != NULL; c = c->next)
        if (find_name(TRAINING_KEYS, COUNT(TRAINING_KEYS), c->string) < 0)
            BAD("%s: unknown key \"%.*s\"", prefix, QUOTE, c->string);
    for (int k = 0; k < COUNT(TRAINING_KEYS); k++)
        if (cJSON_GetObjectItemCaseSensitive(t, TRAINING_KEYS[k]) == NULL)
            BAD("%s.%s is missing", prefix, TRAINING_KEYS[k]);
#define ITEM(k) cJSON_GetObjectItemCaseSensitive(t, k)
    int64_t epochs, kept = -1, ntrain, nval;
    if ((st = check_int(ITEM("epochs_run"), prefix, "epochs_run", 0, INT32_TOP, &epochs)))
        return st;
    if ((st = check_int(ITEM("train_samples"), prefix, "train_samples", 1, INT32_TOP, &ntrain)))
        return st;
    if ((st = check_int(ITEM("validation_samples"), prefix, "validation_samples", 0, INT32_TOP,
                        &nval)))
        return st;
    const cJSON *ke = ITEM("kept_epoch");
    if (!cJSON_IsNull(ke)) {
        if (epochs == 0) {
            describe_value(ke, got, sizeof got);
            BAD("%s.kept_epoch must be null when epochs_run is 0, got %s", prefix, got);
        }
        if ((st = check_int(ke, prefix, "kept_epoch", 0, (double)(epochs - 1), &kept))) return st;
    }
    int reasons[2] = {-1, -1};
    const char *rkeys[2] = {"kept_reason", "stop_reason"};
    for (int r = 0; r < 2; r++) {
        const cJSON *v = ITEM(rkeys[r]);
        reasons[r] = cJSON_IsString(v)
                         ? (r == 0 ? find_name(KEPT_NAMES, COUNT(KEPT_NAMES), v->valuestring)
                                   : find_name(STOP_NAMES, COUNT(STOP_NAMES), v->valuestring))
                         : -1;
        if (reasons[r] < 0) {
            describe_value(v, got, sizeof got);
            BAD("%s.%s must be one of %s, got %s", prefix, rkeys[r],
                r == 0 ? "\"best_validation_loss\", \"best_training_loss\", \"last_epoch\""
                       : "\"completed\", \"early_stopping\", \"stopped_by_callback\", "
                         "\"interrupted\", \"cancelled\", \"diverged\"",
                got);
        }
    }
    const cJSON *final = ITEM("final");
#undef ITEM
    int kept_reason = reasons[0], stop_reason = reasons[1];
    if (kept_reason != FG_KEPT_LAST_EPOCH && kept < 0)
        BAD("%s.kept_reason \"%s\" needs a kept_epoch, got null", prefix, KEPT_NAMES[kept_reason]);
    if (kept_reason == FG_KEPT_BEST_VALIDATION_LOSS && nval == 0)
        BAD("%s.kept_reason \"best_validation_loss\" needs validation samples, but "
            "validation_samples is 0",
            prefix);
    if (kept_reason == FG_KEPT_BEST_TRAINING_LOSS && nval > 0)
        BAD("%s.kept_reason \"best_training_loss\" is for runs without validation samples, but "
            "validation_samples is %" PRId64,
            prefix, nval);
    if (kept_reason == FG_KEPT_LAST_EPOCH && kept >= 0 && kept != epochs - 1)
        BAD("%s.kept_epoch %" PRId64 " is not the last of epochs_run %" PRId64
            " (kept_reason \"last_epoch\")",
            prefix, kept, epochs);
    if (stop_reason == FG_STOP_EARLY_STOPPING && epochs == 0)
        BAD("%s.stop_reason \"early_stopping\" needs at least one epoch, but epochs_run is 0",
            prefix);
    if (kept < 0) {
        if (cJSON_IsNull(final)) return FG_OK;
        describe_value(final, got, sizeof got);
        BAD("%s.final must be null when kept_epoch is null, got %s", prefix, got);
    }
    if (cJSON_IsNull(final))
        BAD("%s.final must be an object when kept_epoch is set, got null", prefix);
    return check_final(final, prefix, nval);
}

/* The "data" object: at most FG_CARD_DATA_MAX string -> string entries. */
static fg_status check_data(const cJSON *obj) {
    char got[QUOTE + 8], path[QUOTE + 16];
    if (!cJSON_IsObject(obj)) {
        describe_value(obj, got, sizeof got);
        BAD("card.data must be an object of strings, got %s", got);
    }
    fg_status st = fg_json_check_duplicates(obj, "card.data", FG_ERR_INVALID_INPUT);
    if (st) return st;
    size_t n = 0;
    for (const cJSON *c = obj->child; c != NULL; c = c->next, n++) {
        if (n == FG_CARD_DATA_MAX) BAD("card.data has more than %d entries", FG_CARD_DATA_MAX);
        if ((st = check_text(c->string, "data key", FG_CARD_NAME_MAX))) return st;
        snprintf(path, sizeof path, "data[\"%.*s\"]", QUOTE, c->string);
        if ((st = check_string(c, path, FG_CARD_VALUE_MAX))) return st;
    }
    return FG_OK;
}

static fg_status check_version(const cJSON *v) {
    fg_status st = check_string(v, "library_version", VERSION_MAX);
    if (st) return st;
    for (const char *p = v->valuestring; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              *p == '.' || *p == '-' || *p == '+'))
            BAD("card.library_version \"%.*s\" is not a version (digits, letters, '.', '-', '+')",
                QUOTE, v->valuestring);
    return FG_OK;
}

/* A whole card for a model of D inputs and O outputs (O = 1: binary).
 * "normalization" is never part of a stored card. */
static fg_status check_card(const cJSON *card, int32_t D, int32_t O) {
    fg_status st = fg_json_check_duplicates(card, "card", FG_ERR_INVALID_INPUT);
    if (st) return st;
    char why[96];
    for (const cJSON *c = card->child; c != NULL; c = c->next) {
        const char *key = c->string;
        int k = find_name(CARD_KEYS, COUNT(CARD_KEYS), key);
        if (k < 0) BAD("card: unknown key \"%.*s\"", QUOTE, key);
        if (strcmp(key, "library_version") == 0) {
            st = check_version(c);
        } else if (strcmp(key, "feature_names") == 0) {
            snprintf(why, sizeof why, "input_dim is %" PRId32, D);
            st = check_names(c, key, (size_t)D, why);
        } else if (strcmp(key, "class_names") == 0) {
            if (O == 1) snprintf(why, sizeof why, "output_dim 1 (binary) has 2 classes");
            else snprintf(why, sizeof why, "output_dim is %" PRId32, O);
            st = check_names(c, key, O == 1 ? 2 : (size_t)O, why);
        } else if (strcmp(key, "label_name") == 0) {
            st = check_string(c, "label_name", FG_CARD_NAME_MAX);
        } else if (strcmp(key, "timesteps") == 0) {
            int64_t T;
            st = check_int(c, "card", "timesteps", 1, INT32_TOP, &T);
            if (st == FG_OK && (uint64_t)T * (uint64_t)D > ((uint64_t)1 << 31))
                st = fg_fail(FG_ERR_INVALID_INPUT,
                             "card.timesteps %" PRId64 " x input_dim %" PRId32
                             " exceeds 2^31 values per sample",
                             T, D);
        } else if (strcmp(key, "normalization") == 0) {
            st = fg_fail(FG_ERR_INVALID_INPUT,
                         "card.normalization is read-only: it is the model's normalization "
                         "(set with fg_model_set_normalization, saved in its own metadata entry)");
        } else if (strcmp(key, "training") == 0) {
            st = check_training(c, "card.training");
        } else {
            st = check_data(c);
        }
        if (st) return st;
    }
    return FG_OK;
}

/* ------------------------------------------------------------------------ */
/* Parsing and printing                                                     */

/* text as a JSON object (FG_ERR_SERIALIZATION otherwise), at most
 * CARD_MAX_BYTES. */
static cJSON *parse_object(const char *text, size_t len) {
    if (len > CARD_MAX_BYTES) {
        fg_fail(FG_ERR_SERIALIZATION, "card is %zu bytes of JSON; the limit is %d", len,
                CARD_MAX_BYTES);
        return NULL;
    }
    cJSON *root = fg_json_parse("card", text, len);
    if (root == NULL) return NULL;
    if (!cJSON_IsObject(root)) {
        char got[QUOTE + 8];
        describe_value(root, got, sizeof got);
        cJSON_Delete(root);
        fg_fail(FG_ERR_SERIALIZATION, "card must be a JSON object, got %s", got);
        return NULL;
    }
    return root;
}

/* Moves key (when present) from one object to the end of another; 0 on
 * allocation failure (the item is then freed). */
static int move_key(cJSON *from, cJSON *to, const char *key) {
    cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(from, key);
    if (item == NULL) return 1;
    if (cJSON_AddItemToObject(to, key, item)) return 1;
    cJSON_Delete(item);
    return 0;
}

/* The same object with its keys in `keys` order (others dropped); deletes
 * obj. NULL on allocation failure. */
static cJSON *reorder(cJSON *obj, const char *const *keys, int nkeys) {
    cJSON *out = cJSON_CreateObject();
    int ok = out != NULL;
    for (int k = 0; ok && k < nkeys; k++) ok = move_key(obj, out, keys[k]);
    cJSON_Delete(obj);
    if (ok) return out;
    cJSON_Delete(out);
    return NULL;
}

/* Prints a validated card in key order (training and final too) into a
 * fg_alloc'd string; deletes card. */
static fg_status print_card(cJSON *card, char **out) {
    cJSON *t = cJSON_GetObjectItemCaseSensitive(card, "training");
    if (cJSON_IsObject(t)) {
        cJSON *f = cJSON_DetachItemFromObjectCaseSensitive(t, "final");
        if (cJSON_IsObject(f)) f = reorder(f, FINAL_KEYS, COUNT(FINAL_KEYS));
        if (f == NULL || !cJSON_AddItemToObject(t, "final", f)) {
            cJSON_Delete(f);
            cJSON_Delete(card);
            return fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building the card");
        }
        cJSON *sorted =
            reorder(cJSON_DetachItemViaPointer(card, t), TRAINING_KEYS, COUNT(TRAINING_KEYS));
        if (sorted == NULL || !cJSON_AddItemToObject(card, "training", sorted)) {
            cJSON_Delete(sorted);
            cJSON_Delete(card);
            return fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building the card");
        }
    }
    card = reorder(card, CARD_KEYS, COUNT(CARD_KEYS));
    if (card == NULL) return fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building the card");
    return fg_json_print(card, "card JSON", out, NULL);
}

/* The model's stored card as an object (an empty one when it has none). */
static cJSON *stored_card(const fg_model *m) {
    if (m->card == NULL) {
        cJSON *c = cJSON_CreateObject();
        if (c == NULL) fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building the card");
        return c;
    }
    return fg_json_parse("stored card", m->card, strlen(m->card));
}

/* Sets key to item in obj (replacing it); item is consumed. 0 on failure. */
static int put(cJSON *obj, const char *key, cJSON *item) {
    if (item == NULL) return 0;
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (cJSON_AddItemToObject(obj, key, item)) return 1;
    cJSON_Delete(item);
    return 0;
}

static fg_status make_reservation(const fg_model *m, const char *card_text, int32_t T,
                                  fg_card_reservation *out);

/* Validates the merged card, then stores it in m (deletes card), and
 * rebuilds the reservation of a running training run from it. */
static fg_status store(fg_model *m, cJSON *card) {
    if (!put(card, "library_version", cJSON_CreateString(FG_VERSION))) {
        cJSON_Delete(card);
        return fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building the card");
    }
    fg_status st = check_card(card, m->D, m->O);
    if (st) {
        cJSON_Delete(card);
        return st;
    }
    char *text = NULL;
    if ((st = print_card(card, &text))) return st;
    fg_card_reservation r = {0};
    if (m->run_card.text != NULL && (st = make_reservation(m, text, m->run_card.timesteps, &r))) {
        fg_free(text);
        return st;
    }
    fg_free(m->card);
    m->card = text;
    if (r.text != NULL) {
        fg_card_release(m);
        m->run_card = r;
    }
    return FG_OK;
}

/* ------------------------------------------------------------------------ */
/* Public and internal entry points                                         */

/* Keys a caller may not set. */
static fg_status check_writable(const cJSON *in) {
    for (const cJSON *c = in->child; c != NULL; c = c->next) {
        if (find_name(CARD_KEYS, COUNT(CARD_KEYS), c->string) < 0)
            BAD("card: unknown key \"%.*s\"", QUOTE, c->string);
        if (strcmp(c->string, "library_version") == 0)
            BAD("card.library_version is read-only: the library writes its own version");
    }
    return FG_OK;
}

fg_status fg_model_set_card(fg_model *m, const char *json, size_t len) {
    if (m == NULL) BAD("set card: model is NULL");
    cJSON *in = parse_object(json, len);
    if (in == NULL) return fg_last_status();
    fg_status st = fg_json_check_duplicates(in, "card", FG_ERR_INVALID_INPUT);
    if (st == FG_OK) st = check_writable(in);
    cJSON *card = st == FG_OK ? stored_card(m) : NULL;
    if (st == FG_OK && card == NULL) st = fg_last_status();
    /* merge: each key replaces the card's; null removes it */
    for (cJSON *c = in->child, *next; st == FG_OK && c != NULL; c = next) {
        next = c->next;
        cJSON_DeleteItemFromObjectCaseSensitive(card, c->string);
        if (cJSON_IsNull(c)) continue;
        cJSON *item = cJSON_DetachItemViaPointer(in, c);
        if (!cJSON_AddItemToObject(card, item->string, item)) {
            cJSON_Delete(item);
            st = fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building the card");
        }
    }
    cJSON_Delete(in);
    if (st) {
        cJSON_Delete(card);
        return st;
    }
    return store(m, card);
}

fg_status fg_card_validate(const char *json, size_t len, int32_t input_dim, int32_t output_dim) {
    if (input_dim <= 0) BAD("card: input_dim must be > 0, got %" PRId32, input_dim);
    if (output_dim <= 0) BAD("card: output_dim must be > 0, got %" PRId32, output_dim);
    cJSON *in = parse_object(json, len);
    if (in == NULL) return fg_last_status();
    fg_status st = fg_json_check_duplicates(in, "card", FG_ERR_INVALID_INPUT);
    if (st == FG_OK) st = check_writable(in);
    if (st == FG_OK) {
        /* null removes a key: nothing to check */
        for (cJSON *c = in->child, *next; c != NULL; c = next) {
            next = c->next;
            if (cJSON_IsNull(c)) cJSON_Delete(cJSON_DetachItemViaPointer(in, c));
        }
        st = check_card(in, input_dim, output_dim);
    }
    cJSON_Delete(in);
    return st;
}

fg_status fg_model_get_card(const fg_model *m, char **json_out) {
    if (m == NULL) BAD("get card: model is NULL");
    if (json_out == NULL) BAD("get card: json_out is NULL");
    cJSON *card = stored_card(m);
    if (card == NULL) return fg_last_status();
    int ok = cJSON_GetObjectItemCaseSensitive(card, "library_version") != NULL ||
             put(card, "library_version", cJSON_CreateString(FG_VERSION));
    if (ok && m->norm_means != NULL) {
        char *norm = NULL;
        fg_status st = fg_normalization_to_json(m->norm_means, m->norm_stds, m->norm_dim, &norm);
        if (st) {
            cJSON_Delete(card);
            return st;
        }
        ok = put(card, "normalization", cJSON_CreateRaw(norm));
        fg_free(norm);
    }
    if (!ok) {
        cJSON_Delete(card);
        return fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building the card");
    }
    return print_card(card, json_out);
}

fg_status fg_card_load(fg_model *m, const char *text, size_t len) {
    cJSON *card = parse_object(text, len);
    if (card == NULL) return fg_last_status();
    fg_status st = check_card(card, m->D, m->O);
    if (st == FG_OK && cJSON_GetObjectItemCaseSensitive(card, "library_version") == NULL)
        st = fg_fail(FG_ERR_INVALID_INPUT, "card.library_version is missing");
    if (st) {
        cJSON_Delete(card);
        if (st != FG_ERR_INVALID_INPUT) return st;
        char msg[512];
        snprintf(msg, sizeof msg, "%s", fg_last_error());
        return fg_fail(FG_ERR_SERIALIZATION, "%s", msg);
    }
    char *stored = NULL;
    if ((st = print_card(card, &stored))) return st;
    fg_free(m->card);
    m->card = stored;
    return FG_OK;
}

/* ------------------------------------------------------------------------ */
/* Training summary                                                         */

/* s as compact JSON into buf (cap >= FG_SUMMARY_TEXT_MAX); allocates
 * nothing. Returns the length, or -1 (error recorded) for reasons or a
 * kept_epoch no summary can have. */
static int summary_text(const fg_training_summary *s, char *buf, size_t cap) {
    if (s->stop_reason < 0 || s->stop_reason >= COUNT(STOP_NAMES)) {
        fg_fail(FG_ERR_INVALID_INPUT,
                "training summary.stop_reason %" PRId32 " is not a fg_stop_reason", s->stop_reason);
        return -1;
    }
    if (s->kept_reason < 0 || s->kept_reason >= COUNT(KEPT_NAMES)) {
        fg_fail(FG_ERR_INVALID_INPUT,
                "training summary.kept_reason %" PRId32 " is not a fg_kept_reason", s->kept_reason);
        return -1;
    }
    if (s->kept_epoch < -1) {
        fg_fail(FG_ERR_INVALID_INPUT,
                "training summary.kept_epoch must be -1 (none) or >= 0, got %" PRId32,
                s->kept_epoch);
        return -1;
    }
    char kept[16] = "null", final[192] = "null", f[4][32];
    if (s->kept_epoch >= 0) {
        const float v[4] = {s->kept.train_loss, s->kept.train_accuracy, s->kept.val_loss,
                            s->kept.val_accuracy};
        for (int i = 0; i < 4; i++) {
            if (isfinite(v[i])) fg_json_format_float(v[i], f[i], sizeof f[i]);
            else snprintf(f[i], sizeof f[i], "null");
        }
        snprintf(kept, sizeof kept, "%" PRId32, s->kept_epoch);
        snprintf(final, sizeof final,
                 "{\"train_loss\":%s,\"train_accuracy\":%s,\"val_loss\":%s,\"val_accuracy\":%s}",
                 f[0], f[1], f[2], f[3]);
    }
    int n =
        snprintf(buf, cap,
                 "{\"epochs_run\":%" PRId32
                 ",\"kept_epoch\":%s,\"kept_reason\":\"%s\",\"stop_reason\":\"%s\","
                 "\"train_samples\":%" PRId32 ",\"validation_samples\":%" PRId32 ",\"final\":%s}",
                 s->epochs_run, kept, KEPT_NAMES[s->kept_reason], STOP_NAMES[s->stop_reason],
                 s->train_samples, s->validation_samples, final);
    if (n < 0 || (size_t)n >= cap) {
        fg_fail(FG_ERR_INVALID_INPUT, "training summary: text longer than %zu bytes", cap);
        return -1;
    }
    return n;
}

fg_status fg_training_summary_to_json(const fg_training_summary *s, char **json_out) {
    if (s == NULL || json_out == NULL) BAD("training summary to JSON: summary or json_out is NULL");
    char text[FG_SUMMARY_TEXT_MAX];
    int n = summary_text(s, text, sizeof text);
    if (n < 0) return fg_last_status();
    cJSON *o = fg_json_parse("training summary", text, (size_t)n);
    if (o == NULL) return fg_last_status();
    fg_status st = check_training(o, "training summary");
    cJSON_Delete(o);
    if (st) return st;
    char *copy = fg_alloc((size_t)n + 1, "training summary JSON");
    if (copy == NULL) return FG_ERR_OUT_OF_MEMORY;
    memcpy(copy, text, (size_t)n + 1);
    *json_out = copy;
    return FG_OK;
}

/* ------------------------------------------------------------------------ */
/* The card a training run leaves                                          */

/* The reservation for `card_text` (NULL: an empty card) and T: that card
 * with this library's version, "timesteps" T and a one-byte placeholder
 * for "training" (a control character: no JSON string holds one raw), which
 * is then cut out, leaving its offset. */
static fg_status make_reservation(const fg_model *m, const char *card_text, int32_t T,
                                  fg_card_reservation *out) {
    cJSON *card = card_text ? fg_json_parse("stored card", card_text, strlen(card_text))
                            : cJSON_CreateObject();
    if (card == NULL)
        return card_text ? fg_last_status()
                         : fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building the card");
    cJSON_DeleteItemFromObjectCaseSensitive(card, "training");
    if (!put(card, "library_version", cJSON_CreateString(FG_VERSION)) ||
        !put(card, "timesteps", cJSON_CreateNumber((double)T))) {
        cJSON_Delete(card);
        return fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building the card");
    }
    fg_status st = check_card(card, m->D, m->O);
    if (st) {
        cJSON_Delete(card);
        return st;
    }
    if (!put(card, "training", cJSON_CreateRaw("\x01"))) {
        cJSON_Delete(card);
        return fg_fail(FG_ERR_OUT_OF_MEMORY, "out of memory building the card");
    }
    char *text = NULL;
    if ((st = print_card(card, &text))) return st;
    size_t len = strlen(text);
    const char *mark = memchr(text, '\x01', len);
    char *buf = mark ? fg_alloc(len + FG_SUMMARY_TEXT_MAX, "training run card") : NULL;
    if (buf == NULL) {
        fg_free(text);
        return mark ? FG_ERR_OUT_OF_MEMORY
                    : fg_fail(FG_ERR_INVALID_INPUT, "card: no place for the training summary");
    }
    size_t at = (size_t)(mark - text);
    memcpy(buf, text, at);
    memcpy(buf + at, text + at + 1, len - at); /* the rest and its NUL */
    fg_free(text);
    out->text = buf;
    out->len = len - 1;
    out->at = at;
    out->timesteps = T;
    return FG_OK;
}

fg_status fg_card_reserve(fg_model *m, int32_t timesteps) {
    fg_card_reservation r;
    fg_status st = make_reservation(m, m->card, timesteps, &r);
    if (st) return st;
    fg_card_release(m);
    m->run_card = r;
    return FG_OK;
}

void fg_card_commit(fg_model *m, const fg_training_summary *s) {
    fg_card_reservation *r = &m->run_card;
    char text[FG_SUMMARY_TEXT_MAX];
    int n = r->text ? summary_text(s, text, sizeof text) : -1;
    if (n < 0) { /* no reservation, or a summary no run makes */
        fg_card_release(m);
        return;
    }
    memmove(r->text + r->at + n, r->text + r->at, r->len - r->at + 1);
    memcpy(r->text + r->at, text, (size_t)n);
    fg_free(m->card);
    m->card = r->text;
    memset(r, 0, sizeof *r);
}

void fg_card_release(fg_model *m) {
    fg_free(m->run_card.text);
    memset(&m->run_card, 0, sizeof m->run_card);
}
