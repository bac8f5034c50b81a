/*
 * model.c - the FastGRNN cell and head: parameters, forward and backward.
 *
 * Per sample, inputs x_1..x_T (D each), hidden size H, h_0 = 0:
 *   a_t = W x_t + U h_{t-1}          W: [H,D] or W1 [H,rw] W2 [rw,D]
 *   z_t = sigmoid(a_t + b_z)         U: [H,H] or U1 [H,ru] U2 [ru,H]
 *   c_t = tanh(a_t + b_h)
 *   h_t = z_t h_{t-1} + (zeta (1 - z_t) + nu) c_t,  zeta/nu = sigmoid(raw)
 *   y   = W_o h_T + b_o              W_o: [O,H], b_o: [O]
 *
 * All parameters live in one flat buffer laid out by a tensor table; the
 * gradient and the Adam moments are buffers of the same layout, viewed
 * through fg_views. Batches run time-major ([T, B, ...]) so each step is a
 * matrix-matrix product over the whole batch.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

fg_model_config fg_model_config_default(void) {
    fg_model_config c;
    c.input_dim = 5;
    c.hidden_dim = 8;
    c.output_dim = 1;
    c.nu = 1.0f;
    c.zeta = 1.0f;
    c.rank = 4;
    c.w_rank = FG_RANK_NONE;
    c.u_rank = FG_RANK_NONE;
    c.seed = 42;
    return c;
}

/* A dimension or rank against its limit (limits.c); ranks may be FG_RANK_NONE. */
static fg_status check_int(fg_model_limit_id id, int32_t v) {
    const fg_limit *l = &fg_model_limits[id];
    if (l->nullable && v == FG_RANK_NONE) return FG_OK;
    return fg_limit_check(l, (double)v);
}

/* Number of parameters of cfg (64-bit: every factor is below 2^24) and the
 * effective ranks. */
static uint64_t param_count(const fg_model_config *cfg, int32_t *rw_out, int32_t *ru_out) {
    uint64_t D = (uint64_t)cfg->input_dim, H = (uint64_t)cfg->hidden_dim,
             O = (uint64_t)cfg->output_dim;
    int32_t rw = fg_effective_rank(cfg->w_rank != FG_RANK_NONE ? cfg->w_rank : cfg->rank,
                                   cfg->hidden_dim, cfg->input_dim);
    int32_t ru = fg_effective_rank(cfg->u_rank != FG_RANK_NONE ? cfg->u_rank : cfg->rank,
                                   cfg->hidden_dim, cfg->hidden_dim);
    if (rw_out) *rw_out = rw;
    if (ru_out) *ru_out = ru;
    return (rw ? H * (uint64_t)rw + (uint64_t)rw * D : H * D) +
           (ru ? H * (uint64_t)ru + (uint64_t)ru * H : H * H) + 2 * H + 2 + O * H + O;
}

fg_status fg_model_config_validate(const fg_model_config *cfg) {
    fg_status s;
    if (!cfg) return fg_fail(FG_ERR_INVALID_INPUT, "model config is NULL");
    if ((s = check_int(FG_LIM_INPUT_DIM, cfg->input_dim))) return s;
    if ((s = check_int(FG_LIM_HIDDEN_DIM, cfg->hidden_dim))) return s;
    if ((s = check_int(FG_LIM_OUTPUT_DIM, cfg->output_dim))) return s;
    if ((s = check_int(FG_LIM_RANK, cfg->rank))) return s;
    if ((s = check_int(FG_LIM_W_RANK, cfg->w_rank))) return s;
    if ((s = check_int(FG_LIM_U_RANK, cfg->u_rank))) return s;
    if ((s = fg_limit_check_u64(&fg_model_limits[FG_LIM_MODEL_SEED], cfg->seed))) return s;
    if ((s = fg_limit_check(&fg_model_limits[FG_LIM_NU], (double)cfg->nu))) return s;
    if ((s = fg_limit_check(&fg_model_limits[FG_LIM_ZETA], (double)cfg->zeta))) return s;
    uint64_t count = param_count(cfg, NULL, NULL);
    if (count > FG_MAX_PARAMS)
        return fg_fail(FG_ERR_INVALID_INPUT,
                       "model too large: input_dim %d, hidden_dim %d, output_dim %d give %llu "
                       "parameters (max 2^28)",
                       cfg->input_dim, cfg->hidden_dim, cfg->output_dim, (unsigned long long)count);
    return FG_OK;
}

int32_t fg_effective_rank(int32_t rank, int32_t rows, int32_t cols) {
    int32_t lim = rows < cols ? rows : cols;
    if (rank == FG_RANK_NONE || rank >= lim) return 0;
    return rank;
}

static void add_tensor(fg_model *m, const char *name, int32_t rows, int32_t cols, int is_weight) {
    fg_tensor *t = &m->tensors[m->num_tensors++];
    strncpy(t->name, name, FG_TENSOR_NAME_MAX - 1);
    t->name[FG_TENSOR_NAME_MAX - 1] = '\0';
    t->rows = rows;
    t->cols = cols;
    t->offset = m->num_params;
    t->size = (size_t)rows * (size_t)(cols ? cols : 1);
    t->is_weight = is_weight;
    m->num_params += t->size;
}

void fg_model_views_of(const fg_model *m, fg_real *base, fg_views *v) {
    memset(v, 0, sizeof *v);
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        fg_real *p = base + t->offset;
        if (!strcmp(t->name, "cell.W")) v->W = p;
        else if (!strcmp(t->name, "cell.W1")) v->W1 = p;
        else if (!strcmp(t->name, "cell.W2")) v->W2 = p;
        else if (!strcmp(t->name, "cell.U")) v->U = p;
        else if (!strcmp(t->name, "cell.U1")) v->U1 = p;
        else if (!strcmp(t->name, "cell.U2")) v->U2 = p;
        else if (!strcmp(t->name, "cell.bias_gate")) v->bz = p;
        else if (!strcmp(t->name, "cell.bias_update")) v->bh = p;
        else if (!strcmp(t->name, "cell.zeta")) v->zeta = p;
        else if (!strcmp(t->name, "cell.nu")) v->nu = p;
        else if (!strcmp(t->name, "head.weight")) v->Wo = p;
        else if (!strcmp(t->name, "head.bias")) v->bo = p;
    }
}

void fg_views_rebase(const fg_views *v, const fg_real *base, fg_real *new_base, fg_views *out) {
    fg_real *const *src = (fg_real *const *)v;
    fg_real **dst = (fg_real **)out;
    for (size_t i = 0; i < sizeof *v / sizeof(fg_real *); i++)
        dst[i] = src[i] ? new_base + (src[i] - base) : NULL;
}

const fg_tensor *fg_model_find_tensor(const fg_model *m, const char *name) {
    for (int i = 0; i < m->num_tensors; i++)
        if (!strcmp(m->tensors[i].name, name)) return &m->tensors[i];
    return NULL;
}

fg_status fg_model_alloc(const fg_model_config *cfg, fg_model **out) {
    fg_status s = fg_model_config_validate(cfg);
    if (s) return s;
    if (!out) return fg_fail(FG_ERR_INVALID_INPUT, "out is NULL");
    int32_t D = cfg->input_dim, H = cfg->hidden_dim, O = cfg->output_dim, rw, ru;
    param_count(cfg, &rw, &ru);
    fg_model *m = fg_alloc_zero(1, sizeof *m, "model");
    if (!m) return FG_ERR_OUT_OF_MEMORY;
    m->cfg = *cfg;
    m->D = D;
    m->H = H;
    m->O = O;
    m->wr = rw;
    m->ur = ru;
    if (rw) {
        add_tensor(m, "cell.W1", H, rw, 1);
        add_tensor(m, "cell.W2", rw, D, 1);
    } else add_tensor(m, "cell.W", H, D, 1);
    if (ru) {
        add_tensor(m, "cell.U1", H, ru, 1);
        add_tensor(m, "cell.U2", ru, H, 1);
    } else add_tensor(m, "cell.U", H, H, 1);
    add_tensor(m, "cell.bias_gate", H, 0, 0);
    add_tensor(m, "cell.bias_update", H, 0, 0);
    add_tensor(m, "cell.zeta", 1, 0, 0);
    add_tensor(m, "cell.nu", 1, 0, 0);
    add_tensor(m, "head.weight", O, H, 1);
    add_tensor(m, "head.bias", O, 0, 0);
    m->params = fg_alloc_zero(m->num_params, sizeof(fg_real), "model parameters");
    if (!m->params) {
        fg_free(m);
        return FG_ERR_OUT_OF_MEMORY;
    }
    fg_model_views_of(m, m->params, &m->p);
    *out = m;
    return FG_OK;
}

/* W, U (or factors) and W_o ~ N(0, 0.1^2) in table order; b_z = b_h = 1;
 * b_o = 0; zeta, nu = the config's raw values. */
fg_status fg_model_create(const fg_model_config *cfg, fg_model **out) {
    fg_model *m;
    fg_status s = fg_model_alloc(cfg, &m);
    if (s) return s;
    fg_rng rng;
    fg_rng_seed(&rng, cfg->seed);
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        if (!t->is_weight) continue;
        for (size_t k = 0; k < t->size; k++)
            m->params[t->offset + k] = (fg_real)(0.1 * fg_rng_normal(&rng));
    }
    for (int32_t j = 0; j < m->H; j++) {
        m->p.bz[j] = 1;
        m->p.bh[j] = 1;
    }
    m->p.zeta[0] = (fg_real)cfg->zeta;
    m->p.nu[0] = (fg_real)cfg->nu;
    *out = m;
    return FG_OK;
}

void fg_model_destroy(fg_model *m) {
    if (!m) return;
    fg_free(m->params);
    fg_free(m->norm_means);
    fg_free(m->norm_stds);
    fg_free(m->mask);
    fg_free(m->card);
    fg_free(m->run_card.text);
    fg_free(m);
}

fg_status fg_model_clone(const fg_model *src, fg_model **out) {
    if (!src || !out) return fg_fail(FG_ERR_INVALID_INPUT, "model or out is NULL");
    fg_model *m;
    fg_status s = fg_model_alloc(&src->cfg, &m);
    if (s) return s;
    memcpy(m->params, src->params, src->num_params * sizeof(fg_real));
    m->quantized = src->quantized;
    memcpy(m->scale, src->scale, sizeof m->scale);
    if (src->mask) {
        m->mask = fg_alloc(src->num_params, "model mask");
        if (!m->mask) {
            fg_model_destroy(m);
            return FG_ERR_OUT_OF_MEMORY;
        }
        memcpy(m->mask, src->mask, src->num_params);
    }
    if (src->norm_means &&
        (s = fg_model_set_normalization(m, src->norm_means, src->norm_stds, src->norm_dim))) {
        fg_model_destroy(m);
        return s;
    }
    if (src->card) {
        size_t n = strlen(src->card) + 1;
        m->card = fg_alloc(n, "model card");
        if (!m->card) {
            fg_model_destroy(m);
            return FG_ERR_OUT_OF_MEMORY;
        }
        memcpy(m->card, src->card, n);
    }
    *out = m;
    return FG_OK;
}

const fg_model_config *fg_model_get_config(const fg_model *m) { return m ? &m->cfg : NULL; }
int32_t fg_model_w_rank(const fg_model *m) { return m ? m->wr : 0; }
int32_t fg_model_u_rank(const fg_model *m) { return m ? m->ur : 0; }
size_t fg_model_num_params(const fg_model *m) { return m ? m->num_params : 0; }
int fg_model_num_tensors(const fg_model *m) { return m ? m->num_tensors : 0; }

fg_status fg_model_tensor_info(const fg_model *m, int index, const char **name, int32_t *rows,
                               int32_t *cols, size_t *offset) {
    if (!m) return fg_fail(FG_ERR_INVALID_INPUT, "model is NULL");
    if (index < 0 || index >= m->num_tensors)
        return fg_fail(FG_ERR_INVALID_INPUT, "tensor index must be in [0, %d), got %d",
                       m->num_tensors, index);
    const fg_tensor *t = &m->tensors[index];
    if (name) *name = t->name;
    if (rows) *rows = t->rows;
    if (cols) *cols = t->cols;
    if (offset) *offset = t->offset;
    return FG_OK;
}

fg_status fg_model_get_params(const fg_model *m, float *out, size_t count) {
    if (!m || !out) return fg_fail(FG_ERR_INVALID_INPUT, "model or out is NULL");
    if (count != m->num_params)
        return fg_fail(FG_ERR_INVALID_INPUT, "count must equal the model's %zu parameters, got %zu",
                       m->num_params, count);
    for (size_t i = 0; i < count; i++) out[i] = (float)m->params[i];
    return FG_OK;
}

fg_status fg_model_set_params(fg_model *m, const float *in, size_t count) {
    if (!m || !in) return fg_fail(FG_ERR_INVALID_INPUT, "model or params is NULL");
    if (count != m->num_params)
        return fg_fail(FG_ERR_INVALID_INPUT, "count must equal the model's %zu parameters, got %zu",
                       m->num_params, count);
    for (size_t i = 0; i < count; i++)
        if (!isfinite(in[i]))
            return fg_fail(FG_ERR_INVALID_INPUT, "params[%zu] must be finite, got %g", i,
                           (double)in[i]);
    /* a pruned model keeps its zeros; a quantized one its int8 grid */
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        for (size_t k = t->offset; k < t->offset + t->size; k++) {
            if (m->mask && !m->mask[k] && in[k] != 0)
                return fg_fail(FG_ERR_INVALID_INPUT,
                               "params[%zu] (%s) is pruned and must stay 0, got %g", k, t->name,
                               (double)in[k]);
            if (!m->quantized || !t->is_weight) continue;
            float s = m->scale[i];
            double q = nearbyint((double)in[k] / (double)s);
            if (!(q >= -127 && q <= 127) || (float)q * s != in[k])
                return fg_fail(FG_ERR_INVALID_INPUT,
                               "params[%zu] (%s) = %g is not an int8 multiple of the "
                               "tensor's scale %g (the model is quantized)",
                               k, t->name, (double)in[k], (double)s);
        }
    }
    for (size_t i = 0; i < count; i++) m->params[i] = (fg_real)in[i];
    /* pruned and int8 zeros are +0, as a save -> load gives */
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        for (size_t k = t->offset; k < t->offset + t->size; k++)
            if (((m->mask && !m->mask[k]) || (m->quantized && t->is_weight)) && m->params[k] == 0)
                m->params[k] = 0;
    }
    return FG_OK;
}

fg_status fg_model_set_normalization(fg_model *m, const float *means, const float *stds,
                                     int32_t dim) {
    if (!m || !means || !stds) return fg_fail(FG_ERR_INVALID_INPUT, "model, means or stds is NULL");
    if (dim != m->D)
        return fg_fail(FG_ERR_INVALID_INPUT, "normalization dim must equal input_dim %d, got %d",
                       m->D, dim);
    for (int32_t i = 0; i < dim; i++) {
        if (!isfinite(means[i]))
            return fg_fail(FG_ERR_INVALID_INPUT, "means[%d] must be finite, got %g", i,
                           (double)means[i]);
        if (!isfinite(stds[i]) || !(stds[i] > 0))
            return fg_fail(FG_ERR_INVALID_INPUT, "stds[%d] must be finite and > 0, got %g", i,
                           (double)stds[i]);
    }
    float *nm = fg_alloc((size_t)dim * sizeof(float), "normalization means");
    float *ns = nm ? fg_alloc((size_t)dim * sizeof(float), "normalization stds") : NULL;
    if (!ns) {
        fg_free(nm);
        return FG_ERR_OUT_OF_MEMORY;
    }
    memcpy(nm, means, (size_t)dim * sizeof(float));
    memcpy(ns, stds, (size_t)dim * sizeof(float));
    fg_free(m->norm_means);
    fg_free(m->norm_stds);
    m->norm_means = nm;
    m->norm_stds = ns;
    m->norm_dim = dim;
    return FG_OK;
}

int fg_model_get_normalization(const fg_model *m, const float **means, const float **stds) {
    if (!m || !m->norm_means) return 0;
    if (means) *means = m->norm_means;
    if (stds) *stds = m->norm_stds;
    return 1;
}

/* ---- workspace ---------------------------------------------------------- */

fg_status fg_workspace_create(const fg_model *m, int32_t max_batch, int32_t T, fg_workspace **out) {
    if (!m || !out) return fg_fail(FG_ERR_INVALID_INPUT, "model or out is NULL");
    if (max_batch <= 0)
        return fg_fail(FG_ERR_INVALID_INPUT, "batch size must be > 0, got %d", max_batch);
    if (T <= 0) return fg_fail(FG_ERR_INVALID_INPUT, "timesteps must be > 0, got %d", T);
    uint64_t tb = (uint64_t)T * (uint64_t)max_batch;
    uint64_t widest = (uint64_t)(m->D > m->H ? m->D : m->H);
    if (tb * widest > ((uint64_t)1 << 31))
        return fg_fail(FG_ERR_OUT_OF_MEMORY, "workspace for batch %d x timesteps %d is too large",
                       max_batch, T);
    fg_workspace *ws = fg_alloc_zero(1, sizeof *ws, "workspace");
    if (!ws) return FG_ERR_OUT_OF_MEMORY;
    ws->max_batch = max_batch;
    ws->T = T;
    ws->D = m->D;
    ws->H = m->H;
    ws->O = m->O;
    ws->wr = m->wr;
    ws->ur = m->ur;
    ws->num_params = m->num_params;
    size_t B = (size_t)max_batch, TB = (size_t)tb, H = (size_t)m->H;
    struct {
        fg_real **p;
        size_t n;
    } bufs[] = {
        {&ws->wt, m->num_params},
        {&ws->x, TB * (size_t)m->D},
        {&ws->a, TB * H},
        {&ws->p, TB * (size_t)(m->wr ? m->wr : 0)},
        {&ws->s, TB * (size_t)(m->ur ? m->ur : 0)},
        {&ws->z, TB * H},
        {&ws->c, TB * H},
        {&ws->h, TB * H},
        {&ws->logits, B * (size_t)m->O},
        {&ws->dlogits, B * (size_t)m->O},
        {&ws->dh, B * H},
        {&ws->dh2, B * H},
        {&ws->ds, B * (size_t)(m->ur ? m->ur : 0)},
        {&ws->szeta, H},
        {&ws->snu, H},
    };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        if (bufs[i].n == 0) continue;
        *bufs[i].p = fg_alloc_zero(bufs[i].n, sizeof(fg_real), "workspace");
        if (!*bufs[i].p) {
            fg_workspace_destroy(ws);
            return FG_ERR_OUT_OF_MEMORY;
        }
    }
    fg_model_views_of(m, ws->wt, &ws->t);
    *out = ws;
    return FG_OK;
}

void fg_workspace_destroy(fg_workspace *ws) {
    if (!ws) return;
    fg_real *bufs[] = {ws->wt,     ws->x,       ws->a,  ws->p,   ws->s,  ws->z,     ws->c,  ws->h,
                       ws->logits, ws->dlogits, ws->dh, ws->dh2, ws->ds, ws->szeta, ws->snu};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) fg_free(bufs[i]);
    fg_free(ws);
}

/* x: [n, T, D] (sample b = x[idx ? idx[b] : b]) -> ws->x [T, n, D] */
void fg_workspace_gather(fg_workspace *ws, const float *x, const int32_t *idx, int32_t n) {
    int32_t T = ws->T, D = ws->D;
    for (int32_t b = 0; b < n; b++) {
        const float *src = x + (size_t)(idx ? idx[b] : b) * (size_t)T * D;
        for (int32_t t = 0; t < T; t++) {
            fg_real *dst = ws->x + ((size_t)t * n + b) * D;
            for (int32_t d = 0; d < D; d++) dst[d] = (fg_real)src[(size_t)t * D + d];
        }
    }
}

/* ---- forward ------------------------------------------------------------ */
/* In:  ws->x [T, n, D].
 * Out: ws->p [T, n, rw] (low-rank W), ws->s [T, n, ru] (low-rank U),
 *      ws->a [T, n, H] pre-activations, ws->z/c/h [T, n, H], ws->logits [n, O].
 * The weight matrices are first transposed into ws->wt so that every product
 * is activations [rows, K] times a row-major [K, N] matrix. */
void fg_model_forward_ws(const fg_model *m, fg_workspace *ws, int32_t n) {
    const fg_views *v = &m->p, *wt = &ws->t;
    int32_t T = ws->T, D = m->D, H = m->H, O = m->O;
    int32_t TB = T * n;
    for (int i = 0; i < m->num_tensors; i++) {
        const fg_tensor *t = &m->tensors[i];
        if (t->is_weight) fg_transpose(t->rows, t->cols, m->params + t->offset, ws->wt + t->offset);
    }
    /* W x_t for every t at once: one [T*n, D] x [D, H] product. */
    if (m->wr) {
        fg_gemm_nn(TB, m->wr, D, ws->x, wt->W2, ws->p, 0);
        fg_gemm_nn(TB, H, m->wr, ws->p, wt->W1, ws->a, 0);
    } else {
        fg_gemm_nn(TB, H, D, ws->x, wt->W, ws->a, 0);
    }
    fg_real zeta = fg_sigmoid(v->zeta[0]), nu = fg_sigmoid(v->nu[0]);
    for (int32_t t = 0; t < T; t++) {
        size_t o = (size_t)t * n * H;
        const fg_real *hprev = t ? ws->h + o - (size_t)n * H : NULL;
        if (hprev) { /* U h_{t-1}; skipped at t = 0 where h_0 = 0 */
            if (m->ur) {
                fg_real *s = ws->s + (size_t)t * n * m->ur;
                fg_gemm_nn(n, m->ur, H, hprev, wt->U2, s, 0);
                fg_gemm_nn(n, H, m->ur, s, wt->U1, ws->a + o, 1);
            } else {
                fg_gemm_nn(n, H, H, hprev, wt->U, ws->a + o, 1);
            }
        }
        fg_gate_forward(n, H, ws->a + o, v->bz, v->bh, zeta, nu, hprev, ws->z + o, ws->c + o,
                        ws->h + o);
    }
    const fg_real *hT = ws->h + (size_t)(T - 1) * n * H;
    fg_gemm_nn(n, O, H, hT, wt->Wo, ws->logits, 0);
    for (int32_t b = 0; b < n; b++)
        for (int32_t k = 0; k < O; k++) ws->logits[(size_t)b * O + k] += v->bo[k];
}

/* ---- backward (BPTT) ---------------------------------------------------- */
/* In:  the forward's activations, ws->dlogits [n, O].
 * Out: grad (num_params, overwritten), laid out like the params.
 * For t = T..1, with dh = dL/dh_t:
 *   dc = dh g_t,  dz = dh (h_{t-1} - zeta c_t)
 *   dzeta_raw += sum(dh (1 - z_t) c_t) zeta (1 - zeta)
 *   dnu_raw   += sum(dh c_t) nu (1 - nu)
 *   da = dz z (1 - z) + dc (1 - c^2);  db_z += dz z (1 - z);  db_h += dc (1 - c^2)
 *   dh <- U^T da + dh z_t
 * and dU = sum_t da_t h_{t-1}^T (full rank), dW = sum_t da_t x_t^T once at
 * the end (da_t kept in ws->a). */
void fg_model_backward_ws(const fg_model *m, fg_workspace *ws, int32_t n, fg_real *grad) {
    const fg_views *v = &m->p;
    fg_views g;
    fg_views_rebase(&m->p, m->params, grad, &g);
    memset(grad, 0, m->num_params * sizeof(fg_real));
    int32_t T = ws->T, D = m->D, H = m->H, O = m->O;
    size_t BH = (size_t)n * H;
    const fg_real *hT = ws->h + (size_t)(T - 1) * BH;

    /* head: y = W_o h_T + b_o */
    fg_gemm_tn(O, H, n, ws->dlogits, hT, g.Wo);
    for (int32_t b = 0; b < n; b++)
        for (int32_t k = 0; k < O; k++) g.bo[k] += ws->dlogits[(size_t)b * O + k];
    fg_gemm_nn(n, H, O, ws->dlogits, v->Wo, ws->dh, 0);

    fg_real zeta = fg_sigmoid(v->zeta[0]), nu = fg_sigmoid(v->nu[0]);
    memset(ws->szeta, 0, (size_t)H * sizeof(fg_real));
    memset(ws->snu, 0, (size_t)H * sizeof(fg_real));
    for (int32_t t = T - 1; t >= 0; t--) {
        size_t o = (size_t)t * BH;
        const fg_real *hprev = t ? ws->h + o - BH : NULL;
        fg_real *da = ws->a + o; /* pre-activations no longer needed: dA */
        fg_gate_backward(n, H, ws->dh, ws->z + o, ws->c + o, hprev, zeta, nu, da, ws->dh2, g.bz,
                         g.bh, ws->szeta, ws->snu);
        if (hprev) {
            if (m->ur) {
                const fg_real *s = ws->s + (size_t)t * n * m->ur;
                fg_gemm_tn(H, m->ur, n, da, s, g.U1);
                fg_gemm_nn(n, m->ur, H, da, v->U1, ws->ds, 0);
                fg_gemm_tn(m->ur, H, n, ws->ds, hprev, g.U2);
                fg_gemm_nn(n, H, m->ur, ws->ds, v->U2, ws->dh2, 1);
            } else {
                fg_gemm_nn(n, H, H, da, v->U, ws->dh2, 1);
            }
        }
        fg_real *tmp = ws->dh;
        ws->dh = ws->dh2;
        ws->dh2 = tmp;
    }
    fg_real dzeta = 0, dnu = 0;
    for (int32_t j = 0; j < H; j++) {
        dzeta += ws->szeta[j];
        dnu += ws->snu[j];
    }
    g.zeta[0] = dzeta * zeta * ((fg_real)1 - zeta);
    g.nu[0] = dnu * nu * ((fg_real)1 - nu);

    /* dU = sum_{t>=1} da_t h_{t-1}^T in one product over steps 1..T-1 (da_t
     * kept in ws->a, h_{t-1} in ws->h, both time-major): K = (T-1) n instead
     * of T - 1 products of K = n */
    if (!m->ur && T > 1) fg_gemm_tn(H, H, (T - 1) * n, ws->a + BH, ws->h, g.U);

    /* input weights over all timesteps at once */
    int32_t TB = T * n;
    if (m->wr) {
        fg_gemm_tn(H, m->wr, TB, ws->a, ws->p, g.W1);
        fg_gemm_nn(TB, m->wr, H, ws->a, v->W1, ws->p, 0); /* dP overwrites P */
        fg_gemm_tn(m->wr, D, TB, ws->p, ws->x, g.W2);
    } else {
        fg_gemm_tn(H, D, TB, ws->a, ws->x, g.W);
    }
}

/* ---- inference API ------------------------------------------------------ */

static fg_status check_inputs(const fg_model *m, const float *x, int32_t n, int32_t T,
                              const void *out) {
    if (!m) return fg_fail(FG_ERR_INVALID_INPUT, "model is NULL");
    if (!x) return fg_fail(FG_ERR_INVALID_INPUT, "features is NULL");
    if (!out) return fg_fail(FG_ERR_INVALID_INPUT, "output buffer is NULL");
    if (n <= 0) return fg_fail(FG_ERR_INVALID_INPUT, "n must be > 0, got %d", n);
    if (T <= 0) return fg_fail(FG_ERR_INVALID_INPUT, "timesteps must be > 0, got %d", T);
    uint64_t count = (uint64_t)n * (uint64_t)T * (uint64_t)m->D;
    if (count > ((uint64_t)1 << 40))
        return fg_fail(FG_ERR_INVALID_INPUT, "n %d x timesteps %d x input_dim %d is too large", n,
                       T, m->D);
    for (uint64_t i = 0; i < count; i++)
        if (!isfinite(x[i]))
            return fg_fail(FG_ERR_INVALID_INPUT, "features[%llu] must be finite, got %g",
                           (unsigned long long)i, (double)x[i]);
    return FG_OK;
}

/* y [O] -> dst [O]: sigmoid(y / temp) for O = 1, softmax(y / temp) otherwise,
 * in double through our own exp. */
void fg_probs_from_logits(const fg_real *y, int32_t O, double temp, float *dst) {
    if (O == 1) {
        dst[0] = (float)(1.0 / (1.0 + fg_exp(-(double)y[0] / temp)));
        return;
    }
    double mx = (double)y[0], sum = 0;
    for (int32_t k = 1; k < O; k++)
        if ((double)y[k] > mx) mx = (double)y[k];
    for (int32_t k = 0; k < O; k++) sum += fg_exp(((double)y[k] - mx) / temp);
    for (int32_t k = 0; k < O; k++) dst[k] = (float)(fg_exp(((double)y[k] - mx) / temp) / sum);
}

/* Runs the model over x in chunks; mode 0 logits, 1 probabilities,
 * 2 probabilities at temperature `temp` (distillation targets). */
fg_status fg_model_run(const fg_model *m, const float *x, int32_t n, int32_t T, int mode,
                       double temp, float *out) {
    fg_status s = check_inputs(m, x, n, T, out);
    if (s) return s;
    int32_t chunk = n < 256 ? n : 256;
    fg_workspace *ws;
    if ((s = fg_workspace_create(m, chunk, T, &ws))) return s;
    int32_t O = m->O;
    for (int32_t start = 0; start < n; start += chunk) {
        int32_t nb = n - start < chunk ? n - start : chunk;
        fg_workspace_gather(ws, x + (size_t)start * T * m->D, NULL, nb);
        fg_model_forward_ws(m, ws, nb);
        for (int32_t b = 0; b < nb; b++) {
            const fg_real *y = ws->logits + (size_t)b * O;
            float *dst = out + ((size_t)start + b) * O;
            if (mode == 0) {
                for (int32_t k = 0; k < O; k++) dst[k] = (float)y[k];
            } else {
                fg_probs_from_logits(y, O, temp, dst);
            }
        }
    }
    fg_workspace_destroy(ws);
    return FG_OK;
}

fg_status fg_model_forward(const fg_model *m, const float *x, int32_t timesteps, float *probs_out) {
    return fg_model_run(m, x, 1, timesteps, 1, 1.0, probs_out);
}

fg_status fg_model_forward_batch(const fg_model *m, const float *x, int32_t n, int32_t timesteps,
                                 float *probs_out) {
    return fg_model_run(m, x, n, timesteps, 1, 1.0, probs_out);
}

fg_status fg_model_logits_batch(const fg_model *m, const float *x, int32_t n, int32_t timesteps,
                                float *logits_out) {
    return fg_model_run(m, x, n, timesteps, 0, 1.0, logits_out);
}
