/*
 * limits.c - the bounds of every numeric config key, defined once.
 *
 * fg_model_config_validate and fg_training_config_validate check against
 * these tables, fg_config_limits_json (json.c) publishes them, and the JS
 * layer, the CLI and the demo ask for them instead of keeping their own.
 * A bound is closed unless its *_open flag is set; `integer` keys take
 * integers only; `nullable` keys also take null (the "none" value).
 * Unbounded float keys use +-FLT_MAX (the value must then only be finite),
 * unbounded int32 keys INT32_MAX.
 */
#include <float.h>
#include <inttypes.h>
#include <stdio.h>

#include "internal.h"

/* The largest D, H, O and rank: 2^24. */
#define FG_MAX_DIM (1 << 24)
/* Seeds must be exact in JSON and JavaScript numbers: [0, 2^53]. */
#define FG_MAX_SEED 9007199254740992.0

#define LIM(key, lo, hi, lo_open, hi_open, integer, nullable)                                      \
    { #key, (double)(lo), (double)(hi), lo_open, hi_open, integer, nullable }

const fg_limit fg_model_limits[FG_NUM_MODEL_LIMITS] = {
    [FG_LIM_INPUT_DIM] = LIM(input_dim, 1, FG_MAX_DIM, 0, 0, 1, 0),
    [FG_LIM_HIDDEN_DIM] = LIM(hidden_dim, 1, FG_MAX_DIM, 0, 0, 1, 0),
    [FG_LIM_OUTPUT_DIM] = LIM(output_dim, 1, FG_MAX_DIM, 0, 0, 1, 0),
    [FG_LIM_NU] = LIM(nu, -FLT_MAX, FLT_MAX, 0, 0, 0, 0),
    [FG_LIM_ZETA] = LIM(zeta, -FLT_MAX, FLT_MAX, 0, 0, 0, 0),
    [FG_LIM_RANK] = LIM(rank, 1, FG_MAX_DIM, 0, 0, 1, 1),
    [FG_LIM_W_RANK] = LIM(w_rank, 1, FG_MAX_DIM, 0, 0, 1, 1),
    [FG_LIM_U_RANK] = LIM(u_rank, 1, FG_MAX_DIM, 0, 0, 1, 1),
    [FG_LIM_MODEL_SEED] = LIM(seed, 0, FG_MAX_SEED, 0, 0, 1, 0),
};

const fg_limit fg_training_limits[FG_NUM_TRAINING_LIMITS] = {
    [FG_LIM_LEARNING_RATE] = LIM(learning_rate, 0, FLT_MAX, 1, 0, 0, 0),
    [FG_LIM_BATCH_SIZE] = LIM(batch_size, 1, INT32_MAX, 0, 0, 1, 0),
    [FG_LIM_EPOCHS] = LIM(epochs, 0, INT32_MAX, 0, 0, 1, 0),
    [FG_LIM_VALIDATION_SPLIT] = LIM(validation_split, 0, 1, 0, 1, 0, 0),
    [FG_LIM_EARLY_STOPPING_PATIENCE] = LIM(early_stopping_patience, 1, INT32_MAX, 0, 0, 1, 1),
    [FG_LIM_LR_DECAY] = LIM(lr_decay, 0, 1, 1, 0, 0, 0),
    [FG_LIM_LR_DECAY_STEP] = LIM(lr_decay_step, 0, INT32_MAX, 0, 0, 1, 0),
    [FG_LIM_GRAD_CLIP] = LIM(grad_clip, 0, FLT_MAX, 0, 0, 0, 0),
    [FG_LIM_ADAM_BETA1] = LIM(adam_beta1, 0, 1, 0, 1, 0, 0),
    [FG_LIM_ADAM_BETA2] = LIM(adam_beta2, 0, 1, 0, 1, 0, 0),
    [FG_LIM_ADAM_EPSILON] = LIM(adam_epsilon, 0, FLT_MAX, 1, 0, 0, 0),
    [FG_LIM_L2_REG] = LIM(l2_reg, 0, FLT_MAX, 0, 0, 0, 0),
    [FG_LIM_DISTILLATION_TEMPERATURE] = LIM(distillation_temperature, 0, FLT_MAX, 1, 0, 0, 0),
    [FG_LIM_DISTILLATION_ALPHA] = LIM(distillation_alpha, 0, 1, 0, 0, 0, 0),
    [FG_LIM_TRAINING_SEED] = LIM(seed, 0, FG_MAX_SEED, 0, 0, 1, 0),
    [FG_LIM_SPARSITY_W] = LIM(sparsity_w, 0, 1, 0, 1, 0, 0),
    [FG_LIM_SPARSITY_U] = LIM(sparsity_u, 0, 1, 0, 1, 0, 0),
};
#undef LIM

/* v within l's bounds (NaN never is). */
int fg_limit_holds(const fg_limit *l, double v) {
    if (!(l->min_open ? v > l->min : v >= l->min)) return 0;
    if (!(l->max_open ? v < l->max : v <= l->max)) return 0;
    return !l->integer || v == (double)(int64_t)v;
}

/* A bound as text: integers exactly, 2^53 by name, others as %g. */
static void bound_text(const fg_limit *l, double v, char *buf, size_t size) {
    if (v == FG_MAX_SEED) snprintf(buf, size, "2^53");
    else if (l->integer) snprintf(buf, size, "%.17g", v);
    else snprintf(buf, size, "%g", v);
}

/* "must be in [1, 16777216]", "must be null or >= 1", "must be finite and > 0", ... */
static void describe_limit(const fg_limit *l, char *buf, size_t size) {
    char lo[32], hi[32];
    bound_text(l, l->min, lo, sizeof lo);
    bound_text(l, l->max, hi, sizeof hi);
    const char *null_or = l->nullable ? "null or " : "";
    int no_max = l->integer ? l->max == (double)INT32_MAX : l->max == (double)FLT_MAX;
    int no_min = !l->integer && l->min == -(double)FLT_MAX;
    if (no_min && no_max) snprintf(buf, size, "%sfinite", null_or);
    else if (no_max)
        snprintf(buf, size, "%s%s%s %s", null_or, l->integer ? "" : "finite and ",
                 l->min_open ? ">" : ">=", lo);
    else
        snprintf(buf, size, "%sin %c%s, %s%c", null_or, l->min_open ? '(' : '[', lo, hi,
                 l->max_open ? ')' : ']');
}

fg_status fg_limit_fail(const fg_limit *l, const char *value_text) {
    char rule[96];
    describe_limit(l, rule, sizeof rule);
    return fg_fail(FG_ERR_INVALID_INPUT, "%s must be %s, got %s", l->key, rule, value_text);
}

fg_status fg_limit_check(const fg_limit *l, double v) {
    if (fg_limit_holds(l, v)) return FG_OK;
    char value[40];
    snprintf(value, sizeof value, l->integer ? "%.17g" : "%g", v);
    return fg_limit_fail(l, value);
}

fg_status fg_limit_check_u64(const fg_limit *l, uint64_t v) {
    if (v >= (uint64_t)l->min && v <= (uint64_t)l->max) return FG_OK;
    char value[32];
    snprintf(value, sizeof value, "%" PRIu64, v);
    return fg_limit_fail(l, value);
}
