/*
 * fuzz_config_json.c - model and training configs from arbitrary JSON.
 *
 * The first byte picks the parser (even: model config, odd: training
 * config); the rest is the text. Either a config that validates, or
 * InvalidInput / SerializationError / OutOfMemory with a message and *out
 * untouched. A config that loads prints to JSON that loads to the same
 * config, and a model config that loads builds a model (or fails cleanly
 * for sizes beyond the limits).
 */
#include "fuzz_common.h"

static void model_config(const char *text, size_t len) {
    fg_model_config out, before;
    memset(&out, 0xA5, sizeof out);
    before = out;
    fg_status st = fg_model_config_from_json(text, len, &out);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_INVALID | FZ_SERIAL | FZ_OOM, "fg_model_config_from_json");
        FZ_ASSERT(memcmp(&out, &before, sizeof out) == 0, "failed parse wrote *out");
        return;
    }
    FZ_ASSERT(fg_model_config_validate(&out) == FG_OK, "parsed config does not validate");
    char *j1 = NULL, *j2 = NULL;
    FZ_ASSERT(fg_model_config_to_json(&out, &j1) == FG_OK, "parsed config does not print");
    fg_model_config again;
    FZ_ASSERT(fg_model_config_from_json(j1, strlen(j1), &again) == FG_OK,
              "printed config does not parse: %s", j1);
    FZ_ASSERT(memcmp(&again, &out, sizeof out) == 0, "config changed in print -> parse: %s", j1);
    FZ_ASSERT(fg_model_config_to_json(&again, &j2) == FG_OK && strcmp(j1, j2) == 0,
              "print differs");
    fg_free(j1);
    fg_free(j2);
    /* Build it when small enough for a fuzzing loop. */
    uint64_t h = (uint64_t)out.hidden_dim;
    if (h * ((uint64_t)out.input_dim + h + (uint64_t)out.output_dim + 4) <= (1u << 16)) {
        fg_model *m = NULL;
        FZ_ASSERT(fg_model_create(&out, &m) == FG_OK, "a small valid config does not build");
        fg_model_destroy(m);
    }
}

static void training_config(const char *text, size_t len) {
    fg_training_config out, before;
    memset(&out, 0xA5, sizeof out);
    before = out;
    fg_status st = fg_training_config_from_json(text, len, &out);
    if (st != FG_OK) {
        fz_check_failure(st, FZ_INVALID | FZ_SERIAL | FZ_OOM, "fg_training_config_from_json");
        FZ_ASSERT(memcmp(&out, &before, sizeof out) == 0, "failed parse wrote *out");
        return;
    }
    FZ_ASSERT(fg_training_config_validate(&out) == FG_OK, "parsed config does not validate");
    char *j1 = NULL, *j2 = NULL;
    FZ_ASSERT(fg_training_config_to_json(&out, &j1) == FG_OK, "parsed config does not print");
    fg_training_config again;
    FZ_ASSERT(fg_training_config_from_json(j1, strlen(j1), &again) == FG_OK,
              "printed config does not parse: %s", j1);
    FZ_ASSERT(fg_training_config_to_json(&again, &j2) == FG_OK && strcmp(j1, j2) == 0,
              "print -> parse -> print differs:\n%s\n%s", j1, j2);
    fg_free(j1);
    fg_free(j2);
    fg_model_config mc = fg_model_config_default();
    fg_trainer *tr = NULL;
    FZ_ASSERT(fg_trainer_create(&mc, &out, &tr) == FG_OK,
              "a valid training config makes no trainer");
    fg_trainer_destroy(tr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const char *text = (const char *)data + 1;
    if (data[0] & 1) training_config(text, size - 1);
    else model_config(text, size - 1);
    return 0;
}
