/*
 * test_card.c - the model card and the training summary.
 *
 * 1. Card round trips: set -> get -> save -> load -> get gives the same
 *    card; clone copies it; null removes a key; normalization comes from the
 *    model; a file without a card loads with an empty one.
 * 2. Every hostile card value, once through fg_model_set_card
 *    (InvalidInput) and once inside a file (SerializationError): the
 *    message names the field, nothing changes.
 * 3. The training summary for every way a run ends (completed, early
 *    stopping, callback stop, interrupt, cancel, divergence): stop reason,
 *    kept epoch and why, the kept epoch's metrics, the card it leaves (and
 *    that this card loads again).
 * 4. Interrupt restores the best weights (and, without restore, keeps the
 *    weights as they are); a card set during a run survives its end.
 * 5. fg_training_summary_to_json rejects summaries no run can have.
 *
 *   test_card --markdown F   also writes the hostile-card rows of
 *                            docs/bad-inputs.md, with the messages observed
 */
#include <cjson/cJSON.h>

#include "check.h"

#define SENTINEL ((fg_model *)(uintptr_t)0x5EED)

static FILE *md; /* --markdown: the table rows */
static int md_row;

/* s for a markdown table cell: | escaped, control bytes and non-ASCII as
 * \xNN, cut at 200 bytes. */
static void md_cell(const char *s) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n < 200; p++, n++) {
        if (*p == '|') fputs("\\|", md);
        else if (*p < 0x20 || *p >= 0x7f) fprintf(md, "\\x%02x", *p);
        else fputc(*p, md);
    }
    if (strlen(s) > 200) fputs("...", md);
}

static void md_line(const char *bad, const char *set_msg, const char *load_msg) {
    if (!md) return;
    fprintf(md, "| K%d | `", ++md_row);
    md_cell(bad);
    fputs("` | ", md);
    md_cell(set_msg ? set_msg : "-");
    fputs(" | ", md);
    md_cell(load_msg ? load_msg : "-");
    fputs(" |\n", md);
}

/* ---- helpers --------------------------------------------------------------- */

static fg_model *make_model(int32_t D, int32_t H, int32_t O) {
    fg_model_config c = fg_model_config_default();
    c.input_dim = D;
    c.hidden_dim = H;
    c.output_dim = O;
    c.rank = FG_RANK_NONE;
    c.seed = 7;
    fg_model *m = NULL;
    if (fg_model_create(&c, &m) != FG_OK) {
        printf("model create failed: %s\n", fg_last_error());
        exit(2);
    }
    return m;
}

static char *card_of(const fg_model *m) {
    char *json = NULL;
    if (fg_model_get_card(m, &json) != FG_OK) {
        printf("get card failed: %s\n", fg_last_error());
        exit(2);
    }
    return json;
}

static uint8_t *save(const fg_model *m, size_t *len) {
    uint8_t *b = NULL;
    if (fg_model_save(m, &b, len) != FG_OK) {
        printf("save failed: %s\n", fg_last_error());
        exit(2);
    }
    return b;
}

/* The card's JSON equals `want` (both compact). */
static int card_is(const fg_model *m, const char *want) {
    char *got = card_of(m);
    int same = strcmp(got, want) == 0;
    if (!same) printf("     card: %s\n     want: %s\n", got, want);
    fg_free(got);
    return same;
}

static void set_ok(fg_model *m, const char *json, const char *what) {
    CHECK_STATUS(fg_model_set_card(m, json, strlen(json)), FG_OK, what);
}

/* A copy of a saved model whose __metadata__ "card" is card_text (NULL:
 * removed), header re-padded. */
static uint8_t *with_card(const uint8_t *bytes, size_t len, const char *card_text,
                          size_t *out_len) {
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)bytes[i] << (8 * i);
    char *hdr = malloc(n + 1);
    memcpy(hdr, bytes + 8, n);
    hdr[n] = 0;
    cJSON *root = cJSON_Parse(hdr);
    free(hdr);
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "card");
    if (card_text) cJSON_AddStringToObject(meta, "card", card_text);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    size_t tl = strlen(text), padded = (tl + 7) & ~(size_t)7, data = len - 8 - n;
    uint8_t *out = malloc(8 + padded + data);
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    memcpy(out + 8, text, tl);
    memset(out + 8 + tl, ' ', padded - tl);
    memcpy(out + 8 + padded, bytes + 8 + n, data);
    free(text);
    *out_len = 8 + padded + data;
    return out;
}

/* The "card" metadata string of a saved model (malloc'd), or NULL. */
static char *card_meta(const uint8_t *bytes) {
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)bytes[i] << (8 * i);
    cJSON *root = cJSON_ParseWithLength((const char *)bytes + 8, (size_t)n);
    const cJSON *card = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "__metadata__"), "card");
    char *out = NULL;
    if (cJSON_IsString(card)) {
        out = malloc(strlen(card->valuestring) + 1);
        strcpy(out, card->valuestring);
    }
    cJSON_Delete(root);
    return out;
}

/* ---- 1. round trips ----------------------------------------------------------- */

static void test_roundtrip(void) {
    check_section("card round trips");
    fg_model *m = make_model(3, 4, 1);
    CHECK(strcmp(fg_version(), FG_VERSION) == 0 && strcmp(FG_VERSION, "0.2.0") == 0,
          "fg_version() is \"0.2.0\"");
    CHECK(card_is(m, "{\"library_version\":\"0.2.0\"}"),
          "a new model's card has the library version only");

    set_ok(m,
           "{\"feature_names\":[\"temp\",\"humidity\",\"wind "
           "\\u00e9\"],\"class_names\":[\"dry\",\"rain\"],"
           "\"label_name\":\"weather\",\"timesteps\":4,\"data\":{\"source\":\"weather.csv\","
           "\"rows\":\"1200\"}}",
           "set every writable field");
    const char *full =
        "{\"library_version\":\"0.2.0\",\"feature_names\":[\"temp\",\"humidity\",\"wind "
        "\xc3\xa9\"],"
        "\"label_name\":\"weather\",\"class_names\":[\"dry\",\"rain\"],\"timesteps\":4,"
        "\"data\":{\"source\":\"weather.csv\",\"rows\":\"1200\"}}";
    CHECK(card_is(m, full), "get gives every field back, in the card's key order");

    float means[3] = {1, 2, 3}, stds[3] = {0.5f, 1, 2};
    if (fg_model_set_normalization(m, means, stds, 3) != FG_OK) exit(2);
    char *with_norm = card_of(m);
    CHECK(strstr(with_norm, "\"normalization\":{\"means\":[1,2,3],\"stds\":[0.5,1,2]}") != NULL,
          "normalization comes from the model: %s", with_norm);

    size_t len = 0;
    uint8_t *bytes = save(m, &len);
    fg_model *back = NULL;
    CHECK_STATUS(fg_model_load(bytes, len, &back), FG_OK, "load a carded file");
    char *loaded = card_of(back);
    CHECK(strcmp(loaded, with_norm) == 0, "save -> load keeps the card");
    size_t len2 = 0;
    uint8_t *bytes2 = save(back, &len2);
    CHECK(len == len2 && memcmp(bytes, bytes2, len) == 0,
          "save -> load -> save gives the same bytes");
    char *meta = card_meta(bytes);
    CHECK(meta && strstr(meta, "means") == NULL &&
              strstr(meta, "\"library_version\":\"0.2.0\"") != NULL,
          "the saved card (%s) has no normalization of its own", meta);
    free(meta);

    fg_model *clone = NULL;
    if (fg_model_clone(m, &clone) != FG_OK) exit(2);
    char *cloned = card_of(clone);
    CHECK(strcmp(cloned, with_norm) == 0, "clone copies the card");

    set_ok(m, "{\"label_name\":null,\"data\":null,\"timesteps\":2}",
           "null removes keys, others replace");
    char *after = card_of(m);
    CHECK(strstr(after, "label_name") == NULL && strstr(after, "\"data\"") == NULL &&
              strstr(after, "\"timesteps\":2") && strstr(after, "\"feature_names\""),
          "label_name and data gone, timesteps 2, feature_names kept: %s", after);
    char *still = card_of(clone);
    CHECK(strcmp(still, with_norm) == 0, "the clone's card is its own");
    set_ok(m, "{\"label_name\":null}", "removing an absent key is fine");
    set_ok(m, "{\"label_name\":\"\xf0\x9f\x8c\xa7 rain\"}", "a 4-byte UTF-8 character is fine");
    char *emoji = card_of(m);
    CHECK(strstr(emoji, "\"label_name\":\"\xf0\x9f\x8c\xa7 rain\"") != NULL, "  and comes back: %s",
          emoji);
    fg_free(emoji);
    set_ok(m, "{\"label_name\":null}", "removed again");
    set_ok(m, "{}", "an empty update is fine");

    /* a file without a card (as saved before cards) */
    size_t plain_len = 0;
    uint8_t *plain = with_card(bytes, len, NULL, &plain_len);
    fg_model *old = NULL;
    CHECK_STATUS(fg_model_load(plain, plain_len, &old), FG_OK, "a file without a card loads");
    char *old_card = card_of(old);
    CHECK(strcmp(old_card, "{\"library_version\":\"0.2.0\",\"normalization\":{\"means\":[1,2,3],"
                           "\"stds\":[0.5,1,2]}}") == 0,
          "its card: library_version and normalization: %s", old_card);
    size_t ol = 0;
    uint8_t *ob = save(old, &ol);
    CHECK(strstr((const char *)ob + 8, "\"card\"") == NULL,
          "and it saves without a card, as it came");

    /* multi-class: class_names has output_dim names */
    fg_model *mc = make_model(2, 3, 4);
    set_ok(mc, "{\"class_names\":[\"a\",\"b\",\"c\",\"d\"]}", "4 class names for output_dim 4");
    const char *two = "{\"class_names\":[\"a\",\"b\"]}";
    CHECK_STATUS(fg_card_validate(two, strlen(two), 2, 1), FG_OK,
                 "fg_card_validate: 2 names, binary");
    CHECK_STATUS(fg_card_validate("{}", 2, 0, 1), FG_ERR_INVALID_INPUT,
                 "fg_card_validate: input_dim 0");

    fg_free(with_norm);
    fg_free(loaded);
    fg_free(cloned);
    fg_free(after);
    fg_free(still);
    fg_free(old_card);
    fg_free(bytes);
    fg_free(bytes2);
    fg_free(ob);
    free(plain);
    fg_model_destroy(m);
    fg_model_destroy(back);
    fg_model_destroy(clone);
    fg_model_destroy(old);
    fg_model_destroy(mc);
}

/* ---- 2. hostile values -------------------------------------------------------- */

typedef struct {
    const char *what;
    const char *card;  /* the fields (no library_version) */
    const char *named; /* the message must contain this  */
} hostile;

#define LONG300                                                                                    \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
    "xxxxxxx"                                                                                      \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
    "xxxxxxxx"                                                                                     \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
    "xxxxxxxx"
#define TRAIN(fields) "\"training\":{" fields "}"
#define T_OK_HEAD                                                                                  \
    "\"epochs_run\":3,\"kept_reason\":\"best_validation_loss\",\"stop_reason\":\"completed\","     \
    "\"train_samples\":8,"
#define FINAL_OK                                                                                   \
    "\"final\":{\"train_loss\":0.5,\"train_accuracy\":0.75,\"val_loss\":0.6,\"val_accuracy\":0.5}"

static const hostile HOSTILE[] = {
    {"truncated UTF-8", "{\"label_name\":\"\xc3\"}", "card.label_name is not valid UTF-8 (byte 0)"},
    {"bad UTF-8 continuation", "{\"label_name\":\"a\xc3\x41\"}",
     "card.label_name is not valid UTF-8 (byte 1)"},
    {"training: final a number",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":2,\"validation_samples\":2,\"final\":5") "}",
     "card.training.final must be an object, got 5"},
    {"training: final with an unknown key",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":2,\"validation_samples\":2,\"final\":{\"f1\":1}") "}",
     "card.training.final: unknown key \"f1\""},
    {"unknown key", "{\"colour\":\"red\"}", "card: unknown key \"colour\""},
    {"duplicate key", "{\"label_name\":\"a\",\"label_name\":\"b\"}",
     "duplicate key \"label_name\""},
    {"normalization in the card", "{\"normalization\":{\"means\":[0,0,0],\"stds\":[1,1,1]}}",
     "card.normalization is read-only"},
    {"feature_names a string", "{\"feature_names\":\"a,b,c\"}",
     "card.feature_names must be an array of strings"},
    {"feature_names: 2 for input_dim 3", "{\"feature_names\":[\"a\",\"b\"]}",
     "card.feature_names has 2 names; input_dim is 3"},
    {"feature_names: 4 for input_dim 3", "{\"feature_names\":[\"a\",\"b\",\"c\",\"d\"]}",
     "card.feature_names has 4 names"},
    {"feature name a number", "{\"feature_names\":[\"a\",7,\"c\"]}",
     "card.feature_names[1] must be a string, got 7"},
    {"feature name null", "{\"feature_names\":[\"a\",\"b\",null]}",
     "card.feature_names[2] must be a string, got null"},
    {"empty feature name", "{\"feature_names\":[\"\",\"b\",\"c\"]}",
     "card.feature_names[0] is empty"},
    {"duplicate feature name", "{\"feature_names\":[\"a\",\"b\",\"a\"]}",
     "card.feature_names has \"a\" twice (at 0 and 2)"},
    {"over-long feature name", "{\"feature_names\":[\"a\",\"b\",\"x" LONG300 "\"]}",
     "card.feature_names[2] is 300 bytes long; the limit is 256"},
    {"control character (ESC)", "{\"feature_names\":[\"a\",\"\\u001b[31mred\",\"c\"]}",
     "card.feature_names[1] holds the control character U+001B"},
    {"invalid UTF-8", "{\"feature_names\":[\"a\",\"b\",\"\xff\xfe\"]}",
     "card.feature_names[2] is not valid UTF-8"},
    {"lone surrogate", "{\"label_name\":\"\xed\xa0\x80\"}", "card.label_name is not valid UTF-8"},
    {"class_names: 3 for a binary model", "{\"class_names\":[\"a\",\"b\",\"c\"]}",
     "card.class_names has 3 names; output_dim 1 (binary) has 2 classes"},
    {"class_names: 1 for a binary model", "{\"class_names\":[\"a\"]}",
     "card.class_names has 1 names"},
    {"duplicate class name", "{\"class_names\":[\"yes\",\"yes\"]}",
     "card.class_names has \"yes\" twice"},
    {"empty class name", "{\"class_names\":[\"yes\",\"\"]}", "card.class_names[1] is empty"},
    {"label_name a number", "{\"label_name\":1}", "card.label_name must be a string, got 1"},
    {"empty label_name", "{\"label_name\":\"\"}", "card.label_name is empty"},
    {"timesteps 0", "{\"timesteps\":0}",
     "card.timesteps must be an integer in [1, 2147483647], got 0"},
    {"timesteps -3", "{\"timesteps\":-3}",
     "card.timesteps must be an integer in [1, 2147483647], got -3"},
    {"timesteps 1.5", "{\"timesteps\":1.5}", "card.timesteps must be an integer"},
    {"timesteps \"4\"", "{\"timesteps\":\"4\"}", "card.timesteps must be an integer"},
    {"timesteps 2^31", "{\"timesteps\":2147483648}",
     "card.timesteps must be an integer in [1, 2147483647]"},
    {"timesteps x input_dim over 2^31", "{\"timesteps\":1000000000}",
     "card.timesteps 1000000000 x input_dim 3 exceeds 2^31"},
    {"data an array", "{\"data\":[\"a\"]}", "card.data must be an object of strings"},
    {"data value a number", "{\"data\":{\"rows\":12}}",
     "card.data[\"rows\"] must be a string, got 12"},
    {"data key empty", "{\"data\":{\"\":\"x\"}}", "card.data key is empty"},
    {"data value with a newline", "{\"data\":{\"source\":\"a\\nb\"}}",
     "card.data[\"source\"] holds the control character U+000A"},
    {"training a string", "{\"training\":\"done\"}", "card.training must be an object"},
    {"training: unknown key",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":2,\"validation_samples\":2,\"loss\":1," FINAL_OK) "}",
     "card.training: unknown key \"loss\""},
    {"training: missing key", "{" TRAIN(T_OK_HEAD "\"kept_epoch\":2," FINAL_OK) "}",
     "card.training.validation_samples is missing"},
    {"training: epochs_run -1",
     "{" TRAIN("\"epochs_run\":-1,\"kept_epoch\":null,\"kept_reason\":\"last_epoch\",\"stop_"
               "reason\":\"completed\","
               "\"train_samples\":8,\"validation_samples\":0,\"final\":null") "}",
     "card.training.epochs_run must be an integer in [0, 2147483647], got -1"},
    {"training: kept_epoch = epochs_run",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":3,\"validation_samples\":2," FINAL_OK) "}",
     "card.training.kept_epoch must be an integer in [0, 2], got 3"},
    {"training: kept_epoch -1",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":-1,\"validation_samples\":2," FINAL_OK) "}",
     "card.training.kept_epoch must be an integer in [0, 2], got -1"},
    {"training: kept_epoch with no epochs",
     "{" TRAIN("\"epochs_run\":0,\"kept_epoch\":0,\"kept_reason\":\"last_epoch\",\"stop_reason\":"
               "\"completed\","
               "\"train_samples\":8,\"validation_samples\":0,\"final\":null") "}",
     "card.training.kept_epoch must be null when epochs_run is 0"},
    {"training: unknown stop_reason",
     "{" TRAIN(
         "\"epochs_run\":3,\"kept_reason\":\"best_validation_loss\",\"stop_reason\":\"bored\","
         "\"train_samples\":8,\"kept_epoch\":2,\"validation_samples\":2," FINAL_OK) "}",
     "card.training.stop_reason must be one of"},
    {"training: unknown kept_reason",
     "{" TRAIN("\"epochs_run\":3,\"kept_reason\":\"luck\",\"stop_reason\":\"completed\","
               "\"train_samples\":8,\"kept_epoch\":2,\"validation_samples\":2," FINAL_OK) "}",
     "card.training.kept_reason must be one of"},
    {"training: train_samples 0",
     "{" TRAIN(
         "\"epochs_run\":3,\"kept_reason\":\"best_validation_loss\",\"stop_reason\":\"completed\","
         "\"train_samples\":0,\"kept_epoch\":2,\"validation_samples\":2," FINAL_OK) "}",
     "card.training.train_samples must be an integer in [1, 2147483647], got 0"},
    {"training: validation_samples -4",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":2,\"validation_samples\":-4," FINAL_OK) "}",
     "card.training.validation_samples must be an integer in [0, 2147483647], got -4"},
    {"training: best_validation_loss without validation",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":2,\"validation_samples\":0," FINAL_OK) "}",
     "needs validation samples, but validation_samples is 0"},
    {"training: best_training_loss with validation",
     "{" TRAIN(
         "\"epochs_run\":3,\"kept_reason\":\"best_training_loss\",\"stop_reason\":\"completed\","
         "\"train_samples\":8,\"kept_epoch\":2,\"validation_samples\":2," FINAL_OK) "}",
     "\"best_training_loss\" is for runs without validation samples"},
    {"training: best epoch null",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":null,\"validation_samples\":2,\"final\":null") "}",
     "card.training.kept_reason \"best_validation_loss\" needs a kept_epoch"},
    {"training: last_epoch not the last",
     "{" TRAIN("\"epochs_run\":3,\"kept_reason\":\"last_epoch\",\"stop_reason\":\"completed\","
               "\"train_samples\":8,\"kept_epoch\":1,\"validation_samples\":2," FINAL_OK) "}",
     "card.training.kept_epoch 1 is not the last of epochs_run 3"},
    {"training: early stopping at epoch 0",
     "{" TRAIN(
         "\"epochs_run\":0,\"kept_reason\":\"last_epoch\",\"stop_reason\":\"early_stopping\","
         "\"train_samples\":8,\"kept_epoch\":null,\"validation_samples\":2,\"final\":null") "}",
     "\"early_stopping\" needs at least one epoch"},
    {"training: final without kept epoch",
     "{" TRAIN("\"epochs_run\":3,\"kept_reason\":\"last_epoch\",\"stop_reason\":\"cancelled\","
               "\"train_samples\":8,\"kept_epoch\":null,\"validation_samples\":2," FINAL_OK) "}",
     "card.training.final must be null when kept_epoch is null"},
    {"training: final null with a kept epoch",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":2,\"validation_samples\":2,\"final\":null") "}",
     "card.training.final must be an object when kept_epoch is set"},
    {"training: train_loss 1e999",
     "{" TRAIN(T_OK_HEAD
               "\"kept_epoch\":2,\"validation_samples\":2,\"final\":{\"train_loss\":1e999,"
               "\"train_accuracy\":0.75,\"val_loss\":0.6,\"val_accuracy\":0.5}") "}",
     "card.training.final.train_loss must be null or a finite number, got a non-finite number"},
    {"training: val_loss 1e39 (beyond float)",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":2,\"validation_samples\":2,\"final\":{\"train_loss\":0.5,"
                         "\"train_accuracy\":0.75,\"val_loss\":1e39,\"val_accuracy\":0.5}") "}",
     "card.training.final.val_loss must be null or a finite number"},
    {"training: accuracy 1.5",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":2,\"validation_samples\":2,\"final\":{\"train_loss\":0.5,"
                         "\"train_accuracy\":1.5,\"val_loss\":0.6,\"val_accuracy\":0.5}") "}",
     "card.training.final.train_accuracy must be null or a finite number in [0, 1], got 1.5"},
    {"training: val metrics without validation",
     "{" TRAIN(
         "\"epochs_run\":3,\"kept_reason\":\"best_training_loss\",\"stop_reason\":\"completed\","
         "\"train_samples\":8,\"kept_epoch\":2,\"validation_samples\":0," FINAL_OK) "}",
     "card.training.final.val_loss must be null without validation samples, got 0.6"},
    {"training: final missing a metric",
     "{" TRAIN(T_OK_HEAD "\"kept_epoch\":2,\"validation_samples\":2,\"final\":{\"train_loss\":0.5,"
                         "\"train_accuracy\":0.75,\"val_loss\":0.6}") "}",
     "card.training.final.val_accuracy is missing"},
};

/* The same fields with "library_version" first, as a file holds them. */
static char *file_card(const char *fields) {
    size_t n = strlen(fields);
    char *s = malloc(n + 64);
    if (strcmp(fields, "{}") == 0) snprintf(s, n + 64, "{\"library_version\":\"0.2.0\"}");
    else snprintf(s, n + 64, "{\"library_version\":\"0.2.0\",%s", fields + 1);
    return s;
}

static char load_msg[1024];

static void expect_load_fail(const uint8_t *base, size_t base_len, const char *card,
                             const char *named, const char *what) {
    size_t len = 0;
    uint8_t *bytes = with_card(base, base_len, card, &len);
    fg_model *out = SENTINEL;
    fg_status st = fg_model_load(bytes, len, &out);
    CHECK(st == FG_ERR_SERIALIZATION && out == SENTINEL && strstr(fg_last_error(), named) != NULL,
          "load, %s -> %s \"%s\"", what, fg_status_name(st), fg_last_error());
    snprintf(load_msg, sizeof load_msg, "%s", fg_last_error());
    free(bytes);
}

/* One row: the same hostile value through set (when set_st) and load. */
static void row_load_only(const uint8_t *base, size_t base_len, const char *card, const char *named,
                          const char *what) {
    expect_load_fail(base, base_len, card, named, what);
    md_line(card, NULL, load_msg);
}

static void test_hostile(void) {
    check_section("hostile card values: set (InvalidInput) and load (SerializationError)");
    fg_model *m = make_model(3, 4, 1);
    set_ok(m, "{\"feature_names\":[\"p\",\"q\",\"r\"],\"label_name\":\"y\"}", "a card to keep");
    char *before = card_of(m);
    size_t base_len = 0;
    uint8_t *base = save(m, &base_len);
    for (size_t i = 0; i < sizeof HOSTILE / sizeof HOSTILE[0]; i++) {
        const hostile *h = &HOSTILE[i];
        fg_status st = fg_model_set_card(m, h->card, strlen(h->card));
        char set_msg[1024];
        snprintf(set_msg, sizeof set_msg, "%s", fg_last_error());
        char *now = card_of(m);
        CHECK(st == FG_ERR_INVALID_INPUT && strstr(fg_last_error(), h->named) != NULL &&
                  strcmp(now, before) == 0,
              "set, %s -> %s \"%s\", card unchanged", h->what, fg_status_name(st), fg_last_error());
        fg_free(now);
        char *fc = file_card(h->card);
        expect_load_fail(base, base_len, fc, h->named, h->what);
        md_line(h->card, set_msg, load_msg);
        free(fc);
    }

    /* only in a file, or only through set */
    row_load_only(base, base_len, "{\"label_name\":\"y\"}", "card.library_version is missing",
                  "no library_version");
    row_load_only(base, base_len, "{\"library_version\":2}",
                  "card.library_version must be a string, got 2", "library_version 2");
    row_load_only(base, base_len, "{\"library_version\":\"0.2.0; rm -rf\"}", "is not a version",
                  "library_version with spaces");
    row_load_only(base, base_len, "{\"library_version\":\"0.2.0\"", "card: invalid JSON at byte",
                  "card not JSON");
    row_load_only(base, base_len, "[\"library_version\"]", "card must be a JSON object, got [",
                  "card an array");
    row_load_only(base, base_len, "", "card: invalid JSON at byte 0", "card empty");
    char ser[1100];
    const char *ro = "{\"library_version\":\"9.9.9\"}";
    fg_status st = fg_model_set_card(m, ro, strlen(ro));
    CHECK(st == FG_ERR_INVALID_INPUT &&
              strstr(fg_last_error(), "card.library_version is read-only"),
          "set library_version -> %s \"%s\"", fg_status_name(st), fg_last_error());
    md_line(ro, fg_last_error(), NULL);
    st = fg_model_set_card(m, "[1]", 3);
    CHECK(st == FG_ERR_SERIALIZATION && strstr(fg_last_error(), "card must be a JSON object"),
          "set a JSON array -> %s \"%s\"", fg_status_name(st), fg_last_error());
    snprintf(ser, sizeof ser, "(SerializationError) %s", fg_last_error());
    md_line("[1]", ser, NULL);
    st = fg_model_set_card(m, "{\"label_name\":", 14);
    CHECK(st == FG_ERR_SERIALIZATION && strstr(fg_last_error(), "invalid JSON"),
          "set truncated JSON -> %s \"%s\"", fg_status_name(st), fg_last_error());
    snprintf(ser, sizeof ser, "(SerializationError) %s", fg_last_error());
    md_line("{\"label_name\":", ser, NULL);
    size_t big = (1u << 24) + 1;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    st = fg_model_set_card(m, huge, big);
    CHECK(st == FG_ERR_SERIALIZATION && strstr(fg_last_error(), "the limit is 16777216"),
          "set a 16 MiB + 1 byte card -> %s \"%s\"", fg_status_name(st), fg_last_error());
    snprintf(ser, sizeof ser, "(SerializationError) %s", fg_last_error());
    md_line("(16 MiB + 1 byte of JSON)", ser, NULL);
    free(huge);
    /* data: too many entries, over-long value */
    char data[8192];
    size_t at = (size_t)snprintf(data, sizeof data, "{\"data\":{");
    for (int i = 0; i <= FG_CARD_DATA_MAX; i++)
        at += (size_t)snprintf(data + at, sizeof data - at, "%s\"k%d\":\"v\"", i ? "," : "", i);
    snprintf(data + at, sizeof data - at, "}}");
    st = fg_model_set_card(m, data, strlen(data));
    CHECK(st == FG_ERR_INVALID_INPUT &&
              strstr(fg_last_error(), "card.data has more than 64 entries"),
          "set 65 data entries -> %s \"%s\"", fg_status_name(st), fg_last_error());
    md_line("{\"data\":{\"k0\":\"v\", ... \"k64\":\"v\"}} (65 entries)", fg_last_error(), NULL);
    at = (size_t)snprintf(data, sizeof data, "{\"data\":{\"source\":\"");
    memset(data + at, 'v', FG_CARD_VALUE_MAX + 1);
    snprintf(data + at + FG_CARD_VALUE_MAX + 1, sizeof data - at - FG_CARD_VALUE_MAX - 1, "\"}}");
    st = fg_model_set_card(m, data, strlen(data));
    CHECK(
        st == FG_ERR_INVALID_INPUT &&
            strstr(fg_last_error(), "card.data[\"source\"] is 4097 bytes long; the limit is 4096"),
        "set a 4097-byte data value -> %s \"%s\"", fg_status_name(st), fg_last_error());
    md_line("{\"data\":{\"source\":\"vvv...\"}} (4097 bytes)", fg_last_error(), NULL);
    char *after = card_of(m);
    CHECK(strcmp(after, before) == 0, "after all of them the card is as it was");
    /* the fields that need dims, for a multi-class model */
    fg_model *mc = make_model(2, 3, 3);
    st = fg_model_set_card(mc, "{\"class_names\":[\"a\",\"b\"]}", 25);
    CHECK(st == FG_ERR_INVALID_INPUT &&
              strstr(fg_last_error(), "card.class_names has 2 names; output_dim is 3"),
          "2 class names for output_dim 3 -> %s \"%s\"", fg_status_name(st), fg_last_error());
    fg_model_destroy(mc);
    fg_free(after);
    fg_free(before);
    fg_free(base);
    fg_model_destroy(m);
}

/* ---- 3. summaries -------------------------------------------------------------- */

static fg_dataset *make_data(int32_t n, int32_t T, int32_t D, uint64_t seed) {
    test_rng r = {seed};
    float *x = alloc_floats((size_t)n * T * D), *y = alloc_floats((size_t)n);
    for (int32_t i = 0; i < n; i++) {
        double s = 0;
        for (int32_t k = 0; k < T * D; k++) {
            float v = (float)trng_range(&r, -1, 1);
            x[(size_t)i * T * D + k] = v;
            s += v;
        }
        y[i] = s > 0 ? 1.0f : 0.0f;
    }
    fg_dataset *ds = NULL;
    if (fg_dataset_create(x, y, n, T, D, 1, &ds) != FG_OK) exit(2);
    free(x);
    free(y);
    return ds;
}

static fg_training_config tconfig(int epochs, float val, int patience, int restore) {
    fg_training_config c = fg_training_config_default();
    c.epochs = epochs;
    c.batch_size = 8;
    c.learning_rate = 0.02f;
    c.validation_split = val;
    c.early_stopping_patience = patience;
    c.restore_best_weights = restore;
    return c;
}

static fg_trainer *make_trainer(const fg_model *m, const fg_training_config *c) {
    fg_trainer *tr = NULL;
    if (fg_trainer_create(fg_model_get_config(m), c, &tr) != FG_OK) exit(2);
    return tr;
}

static fg_training_summary summary_of(const fg_trainer *tr) {
    fg_training_summary s;
    memset(&s, 0xAB, sizeof s);
    if (fg_trainer_summary(tr, &s) != FG_OK) {
        printf("summary failed: %s\n", fg_last_error());
        exit(2);
    }
    return s;
}

/* The epoch of the lowest monitored loss (validation, else training). */
static int best_epoch(const fg_trainer *tr, int from) {
    const fg_training_metrics *h = fg_trainer_metrics(tr);
    int n = (int)fg_trainer_metrics_count(tr), b = -1;
    for (int i = from; i < n; i++) {
        float l = isnan(h[i].val_loss) ? h[i].train_loss : h[i].val_loss;
        float bl = b < 0 ? INFINITY : (isnan(h[b].val_loss) ? h[b].train_loss : h[b].val_loss);
        if (l < bl) b = i;
    }
    return b;
}

/* The card's training entry is this summary's JSON, and the card loads again. */
static void card_has_summary(const fg_model *m, const fg_training_summary *s, int32_t T,
                             const char *what) {
    char *want = NULL;
    CHECK_STATUS(fg_training_summary_to_json(s, &want), FG_OK, "summary to JSON");
    char *card = card_of(m);
    char needle[64];
    snprintf(needle, sizeof needle, "\"timesteps\":%d", T);
    CHECK(want && strstr(card, want) != NULL && strstr(card, needle) != NULL,
          "%s: the card holds the summary and timesteps %d: %s", what, T, card);
    size_t len = 0;
    uint8_t *b = save(m, &len);
    fg_model *back = NULL;
    fg_status st = fg_model_load(b, len, &back);
    char *again = st == FG_OK ? card_of(back) : NULL;
    CHECK(st == FG_OK && strcmp(again, card) == 0, "%s: save -> load keeps that card (%s)", what,
          st ? fg_last_error() : "ok");
    fg_free(again);
    fg_model_destroy(back);
    fg_free(b);
    fg_free(want);
    fg_free(card);
}

static int stop_after_2(const fg_training_metrics *mt, void *u) {
    (void)u;
    return mt->epoch == 1;
}

static void test_summary_completed_and_early(void) {
    check_section("summary: completed, early stopping, callback stop");
    fg_dataset *ds = make_data(60, 2, 3, 11);

    /* completed, best by validation loss */
    fg_model *m = make_model(3, 6, 1);
    fg_training_config c = tconfig(6, 0.25f, FG_PATIENCE_NONE, 1);
    fg_trainer *tr = make_trainer(m, &c);
    fg_training_summary s;
    CHECK_STATUS(fg_trainer_summary(tr, &s), FG_ERR_INVALID_INPUT, "summary before any run");
    CHECK(strstr(fg_last_error(), "no training run has ended yet") != NULL, "  says so: %s",
          fg_last_error());
    CHECK_STATUS(fg_trainer_train(tr, m, ds, NULL, NULL), FG_OK, "train 6 epochs");
    s = summary_of(tr);
    int b = best_epoch(tr, 0);
    const fg_training_metrics *h = fg_trainer_metrics(tr);
    CHECK(s.stop_reason == FG_STOP_COMPLETED && s.epochs_run == 6 && s.kept_epoch == b &&
              s.kept_reason == FG_KEPT_BEST_VALIDATION_LOSS && s.train_samples == 45 &&
              s.validation_samples == 15,
          "completed: stop %d, epochs %d, kept %d (best %d), reason %d, samples %d + %d",
          s.stop_reason, s.epochs_run, s.kept_epoch, b, s.kept_reason, s.train_samples,
          s.validation_samples);
    CHECK(memcmp(&s.kept, &h[b], sizeof s.kept) == 0, "  kept metrics are those of epoch %d", b);
    card_has_summary(m, &s, 2, "completed");
    char *json = NULL;
    fg_training_summary_to_json(&s, &json);
    char want[160];
    snprintf(
        want, sizeof want,
        "{\"epochs_run\":6,\"kept_epoch\":%d,\"kept_reason\":\"best_validation_loss\","
        "\"stop_reason\":\"completed\",\"train_samples\":45,\"validation_samples\":15,\"final\":{",
        b);
    CHECK(json && strncmp(json, want, strlen(want)) == 0, "  JSON: %s", json);
    fg_free(json);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);

    /* no validation set: best by training loss */
    m = make_model(3, 6, 1);
    c = tconfig(4, 0, FG_PATIENCE_NONE, 1);
    tr = make_trainer(m, &c);
    CHECK_STATUS(fg_trainer_train(tr, m, ds, NULL, NULL), FG_OK, "train without validation");
    s = summary_of(tr);
    CHECK(s.kept_reason == FG_KEPT_BEST_TRAINING_LOSS && s.kept_epoch == best_epoch(tr, 0) &&
              s.validation_samples == 0 && isnan(s.kept.val_loss),
          "no validation: kept by training loss, epoch %d", s.kept_epoch);
    card_has_summary(m, &s, 2, "no validation");
    char *card = card_of(m);
    CHECK(strstr(card, "\"val_loss\":null,\"val_accuracy\":null") != NULL,
          "  validation metrics null in the card");
    fg_free(card);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);

    /* no restore: the last epoch */
    m = make_model(3, 6, 1);
    c = tconfig(3, 0.25f, FG_PATIENCE_NONE, 0);
    tr = make_trainer(m, &c);
    CHECK_STATUS(fg_trainer_train(tr, m, ds, NULL, NULL), FG_OK, "train without restore");
    s = summary_of(tr);
    CHECK(s.kept_reason == FG_KEPT_LAST_EPOCH && s.kept_epoch == 2 &&
              s.stop_reason == FG_STOP_COMPLETED,
          "no restore: last epoch 2 kept (%d, reason %d)", s.kept_epoch, s.kept_reason);
    card_has_summary(m, &s, 2, "no restore");
    fg_trainer_destroy(tr);
    fg_model_destroy(m);

    /* early stopping: a learning rate that makes the validation loss rise */
    m = make_model(3, 6, 1);
    c = tconfig(200, 0.25f, 2, 1);
    c.learning_rate = 0.3f;
    tr = make_trainer(m, &c);
    CHECK_STATUS(fg_trainer_train(tr, m, ds, NULL, NULL), FG_OK, "train with patience 2");
    s = summary_of(tr);
    CHECK(s.stop_reason == FG_STOP_EARLY_STOPPING && s.epochs_run < 200 &&
              s.kept_epoch == s.epochs_run - 3 && s.kept_reason == FG_KEPT_BEST_VALIDATION_LOSS,
          "early stopping after %d epochs, kept epoch %d (2 epochs before the last bad one)",
          s.epochs_run, s.kept_epoch);
    card_has_summary(m, &s, 2, "early stopping");
    fg_trainer_destroy(tr);
    fg_model_destroy(m);

    /* the epoch callback stops after epoch 1 */
    m = make_model(3, 6, 1);
    c = tconfig(10, 0.25f, FG_PATIENCE_NONE, 1);
    tr = make_trainer(m, &c);
    CHECK_STATUS(fg_trainer_train(tr, m, ds, stop_after_2, NULL), FG_OK,
                 "train, callback stops after epoch 1");
    s = summary_of(tr);
    CHECK(s.stop_reason == FG_STOP_CALLBACK && s.epochs_run == 2 &&
              s.kept_epoch == best_epoch(tr, 0),
          "stopped by callback: 2 epochs, kept %d", s.kept_epoch);
    card_has_summary(m, &s, 2, "callback");
    /* stepwise: finish before the end is a caller's stop too */
    CHECK_STATUS(fg_trainer_begin(tr, m, ds), FG_OK, "begin");
    CHECK_STATUS(fg_trainer_summary(tr, &s), FG_ERR_INVALID_INPUT, "summary while running");
    int32_t ev = 0;
    fg_trainer_step(tr, 3, &ev);
    CHECK_STATUS(fg_trainer_finish(tr), FG_OK, "finish after 3 batches");
    s = summary_of(tr);
    CHECK(s.stop_reason == FG_STOP_CALLBACK && s.epochs_run == 0 && s.kept_epoch == -1 &&
              s.kept.epoch == -1 && isnan(s.kept.train_loss),
          "finish mid-epoch 0: stopped_by_callback, no kept epoch");
    card_has_summary(m, &s, 2, "finish mid-epoch");
    card = card_of(m);
    CHECK(strstr(card, "\"kept_epoch\":null,\"kept_reason\":\"last_epoch\"") &&
              strstr(card, "\"final\":null"),
          "  kept_epoch null, final null: %s", card);
    fg_free(card);
    /* zero epochs */
    fg_training_config z = tconfig(0, 0.25f, FG_PATIENCE_NONE, 1);
    fg_trainer *tz = make_trainer(m, &z);
    CHECK_STATUS(fg_trainer_train(tz, m, ds, NULL, NULL), FG_OK, "train 0 epochs");
    s = summary_of(tz);
    CHECK(s.stop_reason == FG_STOP_COMPLETED && s.epochs_run == 0 && s.kept_epoch == -1,
          "0 epochs: completed, nothing kept");
    card_has_summary(m, &s, 2, "0 epochs");
    fg_trainer_destroy(tz);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
    fg_dataset_destroy(ds);
}

static int interrupt_at_3(const fg_training_metrics *mt, void *u) {
    if (mt->epoch == 2) fg_trainer_interrupt((fg_trainer *)u);
    return 0;
}

static int cancel_at_1(const fg_training_metrics *mt, void *u) {
    if (mt->epoch == 0) fg_trainer_cancel((fg_trainer *)u);
    return 0;
}

static void test_interrupt_cancel_diverge(void) {
    check_section("summary: interrupt, cancel, divergence");
    fg_dataset *ds = make_data(64, 1, 3, 5);
    size_t np;

    /* interrupt mid-epoch restores the best epoch's weights */
    fg_model *m = make_model(3, 6, 1);
    np = fg_model_num_params(m);
    float *best = alloc_floats(np), *cur = alloc_floats(np), *after = alloc_floats(np);
    fg_training_config c = tconfig(50, 0.25f, FG_PATIENCE_NONE, 1);
    c.learning_rate = 0.05f;
    fg_trainer *tr = make_trainer(m, &c);
    CHECK_STATUS(fg_trainer_begin(tr, m, ds), FG_OK, "begin");
    int32_t ev = 0;
    float best_loss = INFINITY;
    int best_ep = -1;
    while (fg_trainer_metrics_count(tr) < 6) {
        if (fg_trainer_step(tr, 1, &ev) != FG_OK) exit(2);
        if (ev == FG_EVENT_EPOCH_END) {
            const fg_training_metrics *last =
                &fg_trainer_metrics(tr)[fg_trainer_metrics_count(tr) - 1];
            if (last->val_loss < best_loss) {
                best_loss = last->val_loss;
                best_ep = last->epoch;
                fg_model_get_params(m, best, np);
            }
        }
    }
    fg_trainer_step(tr, 2, &ev); /* into epoch 6 */
    fg_model_get_params(m, cur, np);
    CHECK_STATUS(fg_trainer_interrupt(tr), FG_OK, "interrupt in epoch 6");
    fg_model_get_params(m, after, np);
    fg_training_summary s = summary_of(tr);
    CHECK(same_bits_f(after, best, np) && !same_bits_f(after, cur, np),
          "interrupt restores the weights of the best epoch %d", best_ep);
    CHECK(s.stop_reason == FG_STOP_INTERRUPTED && s.epochs_run == 6 && s.kept_epoch == best_ep &&
              s.kept_reason == FG_KEPT_BEST_VALIDATION_LOSS && !fg_trainer_is_running(tr),
          "summary: interrupted after 6 epochs, kept %d (best %d)", s.kept_epoch, best_ep);
    card_has_summary(m, &s, 1, "interrupt");
    CHECK_STATUS(fg_trainer_interrupt(tr), FG_ERR_INVALID_INPUT, "interrupt when not running");

    /* without restore: the weights as they are */
    fg_training_config nr = tconfig(50, 0.25f, FG_PATIENCE_NONE, 0);
    fg_trainer *tn = make_trainer(m, &nr);
    CHECK_STATUS(fg_trainer_begin(tn, m, ds), FG_OK, "begin (no restore)");
    fg_trainer_step(tn, 10, &ev); /* epoch 0: 6 batches, so ends the epoch */
    fg_trainer_step(tn, 2, &ev);
    fg_model_get_params(m, cur, np);
    fg_trainer_interrupt(tn);
    fg_model_get_params(m, after, np);
    s = summary_of(tn);
    CHECK(same_bits_f(after, cur, np) && s.kept_epoch == -1 &&
              s.kept_reason == FG_KEPT_LAST_EPOCH && s.epochs_run == 1,
          "no restore, mid-epoch: weights as they are, no kept epoch (%d)", s.kept_epoch);
    card_has_summary(m, &s, 1, "interrupt without restore");
    CHECK_STATUS(fg_trainer_begin(tn, m, ds), FG_OK, "begin (no restore) again");
    fg_trainer_step(tn, 100, &ev);
    fg_trainer_interrupt(tn);
    s = summary_of(tn);
    CHECK(ev == FG_EVENT_EPOCH_END && s.kept_epoch == 0 && s.epochs_run == 1,
          "no restore, at an epoch's end: that epoch kept");
    fg_trainer_destroy(tn);

    /* from the epoch callback inside fg_trainer_train */
    fg_model *m2 = make_model(3, 6, 1);
    CHECK_STATUS(fg_trainer_train(tr, m2, ds, interrupt_at_3, tr), FG_OK,
                 "train, callback interrupts after epoch 2");
    s = summary_of(tr);
    CHECK(s.stop_reason == FG_STOP_INTERRUPTED && s.epochs_run == 3 &&
              fg_trainer_metrics_count(tr) == 3,
          "interrupted from the callback after 3 epochs");
    card_has_summary(m2, &s, 1, "interrupt from the callback");

    /* cancel: summary recorded, the card left as it was */
    char *before = card_of(m2);
    fg_status st = fg_trainer_train(tr, m2, ds, cancel_at_1, tr);
    CHECK(st == FG_ERR_ABORTED && strstr(fg_last_error(), "cancelled by the epoch callback"),
          "callback cancel -> %s \"%s\"", fg_status_name(st), fg_last_error());
    s = summary_of(tr);
    char *now = card_of(m2);
    CHECK(s.stop_reason == FG_STOP_CANCELLED && s.epochs_run == 1 && s.kept_epoch == 0 &&
              s.kept_reason == FG_KEPT_LAST_EPOCH,
          "cancelled after epoch 0: the weights are that epoch's");
    CHECK(strcmp(before, now) == 0, "a cancelled run leaves the card as it was");
    fg_free(now);
    CHECK_STATUS(fg_trainer_begin(tr, m2, ds), FG_OK, "begin");
    fg_trainer_step(tr, 2, &ev);
    fg_trainer_cancel(tr);
    s = summary_of(tr);
    now = card_of(m2);
    CHECK(s.stop_reason == FG_STOP_CANCELLED && s.epochs_run == 0 && s.kept_epoch == -1 &&
              strcmp(before, now) == 0,
          "cancel mid-epoch 0: no kept epoch, card unchanged");
    fg_free(now);
    fg_free(before);

    /* divergence */
    fg_training_config dc = tconfig(50, 0, FG_PATIENCE_NONE, 1);
    dc.learning_rate = 1e38f;
    dc.grad_clip = 0;
    fg_trainer *td = make_trainer(m2, &dc);
    before = card_of(m2);
    st = fg_trainer_train(td, m2, ds, NULL, NULL);
    s = summary_of(td);
    now = card_of(m2);
    CHECK(st == FG_ERR_DIVERGED && s.stop_reason == FG_STOP_DIVERGED &&
              s.kept_reason == FG_KEPT_LAST_EPOCH && strcmp(before, now) == 0,
          "diverged (%s): summary says so after %d epochs, card unchanged", fg_status_name(st),
          s.epochs_run);
    char *json = NULL;
    CHECK_STATUS(fg_training_summary_to_json(&s, &json), FG_OK, "  its JSON");
    CHECK(json && strstr(json, "\"stop_reason\":\"diverged\""), "  %s", json);
    fg_free(json);
    fg_free(now);
    fg_free(before);
    fg_trainer_destroy(td);

    /* a card set during a run survives its end */
    fg_model_destroy(m2); /* diverged: its weights are huge */
    m2 = make_model(3, 6, 1);
    CHECK_STATUS(fg_trainer_begin(tr, m2, ds), FG_OK, "begin");
    fg_trainer_step(tr, 2, &ev);
    set_ok(m2, "{\"feature_names\":[\"a\",\"b\",\"c\"],\"timesteps\":9}",
           "set the card during the run");
    CHECK_STATUS(fg_trainer_finish(tr), FG_OK, "finish");
    now = card_of(m2);
    CHECK(strstr(now, "\"feature_names\":[\"a\",\"b\",\"c\"]") && strstr(now, "\"timesteps\":1,") &&
              strstr(now, "\"stop_reason\":\"stopped_by_callback\""),
          "the card has the names, the run's timesteps and its summary: %s", now);
    fg_free(now);

    free(best);
    free(cur);
    free(after);
    fg_trainer_destroy(tr);
    fg_model_destroy(m);
    fg_model_destroy(m2);
    fg_dataset_destroy(ds);
}

/* ---- 5. summary JSON rejections ------------------------------------------------ */

static void test_summary_json(void) {
    check_section("fg_training_summary_to_json rejects impossible summaries");
    fg_training_summary good = {4,  2, FG_KEPT_BEST_VALIDATION_LOSS,        FG_STOP_EARLY_STOPPING,
                                10, 3, {2, 0.5f, 0.25f, 0.75f, 1.0f, 0.01f}};
    char *json = NULL;
    CHECK_STATUS(fg_training_summary_to_json(&good, &json), FG_OK, "a consistent summary");
    CHECK(json &&
              strcmp(json, "{\"epochs_run\":4,\"kept_epoch\":2,\"kept_reason\":\"best_validation_"
                           "loss\",\"stop_reason\":"
                           "\"early_stopping\",\"train_samples\":10,\"validation_samples\":3,"
                           "\"final\":{\"train_loss\":0.5,"
                           "\"train_accuracy\":0.75,\"val_loss\":0.25,\"val_accuracy\":1}}") == 0,
          "  exact JSON: %s", json);
    fg_free(json);
    struct {
        const char *what;
        fg_training_summary s;
        const char *named;
    } bad[] = {
        {"stop_reason 9", {4, 2, 0, 9, 10, 3, {0}}, "stop_reason 9 is not a fg_stop_reason"},
        {"kept_reason -1", {4, 2, -1, 0, 10, 3, {0}}, "kept_reason -1 is not a fg_kept_reason"},
        {"kept_epoch -2",
         {4, -2, 2, 0, 10, 3, {0}},
         "kept_epoch must be -1 (none) or >= 0, got -2"},
        {"kept_epoch 4 of 4",
         {4, 4, 0, 0, 10, 3, {0}},
         "training summary.kept_epoch must be an integer in [0, 3], got 4"},
        {"train_samples -1",
         {4, 2, 0, 0, -1, 3, {0}},
         "training summary.train_samples must be an integer in [1, 2147483647]"},
        {"epochs_run -5",
         {-5, -1, 2, 0, 10, 3, {0}},
         "training summary.epochs_run must be an integer"},
        {"accuracy 2",
         {4, 3, 2, 0, 10, 3, {3, 0.5f, 0.5f, 2.0f, 0.5f, 0.1f}},
         "training summary.final.train_accuracy must be null or a finite number in [0, 1], got 2"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json = NULL;
        fg_status st = fg_training_summary_to_json(&bad[i].s, &json);
        CHECK(st == FG_ERR_INVALID_INPUT && json == NULL && strstr(fg_last_error(), bad[i].named),
              "%s -> %s \"%s\"", bad[i].what, fg_status_name(st), fg_last_error());
    }
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--markdown") == 0) {
        md = fopen(argv[2], "w");
        if (!md) {
            perror(argv[2]);
            return 2;
        }
    }
    test_roundtrip();
    test_hostile();
    test_summary_completed_and_early();
    test_interrupt_cancel_diverge();
    test_summary_json();
    if (md) fclose(md);
    return check_summary();
}
