/* Empirical bias correction (Nagel et al., "Data-Free Quantization Through
 * Weight Equalization and Bias Correction", ICCV 2019, empirical variant):
 * quantizing a layer's input (clipped, rounded) and its weights moves the
 * mean of its output; the shift, measured on calibration samples, is taken
 * out of the layer's int32 bias.
 *
 * For every integer conv, gemm and matmul with constant weights and a bias,
 * in plan order: its pre-activation mean per output channel is
 * sum_k W[o][k] E[x_k] + b[o], with E[x_k] the mean of the im2col row k of
 * its input (zero padding included). The float model gives it with the float
 * weights and inputs, the integer model in accumulator units
 * (sum_k w[o][k] E[x_k - zx] + bias[o], times s_x * s_w[o]); the difference,
 * rounded to accumulator units, is added to the bias. Layers are corrected
 * one after the other on the integer plan, each measured with the corrections
 * before it in place (the plan runs up to the layer's input only), so later
 * layers see earlier corrections. A correction that would take the
 * accumulator past its proven width (dlc.acc_bits) beyond 32 bits is left
 * out. The pre-activation mean is linear in the inputs' means, so a fused
 * ReLU does not hide it. */
#include <math.h>
#include <mlir-c/Dialect/Quant.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/pipeline.h"
#include "dlc/plan.h"
#include "dlc/quant.h"
#include "pass_util.h"

typedef struct {
  int step;          /* its integer step in the q plan */
  MlirOperation op;  /* the integer op */
  const void *qin;   /* its input in the q plan */
  const void *fin;   /* the float layer's input in the float plan */
  MlirOperation fop; /* the float op */
  int64_t nk;        /* im2col rows: C * kvol (conv), K (gemm, matmul) */
  double *sf, *sq;   /* sums of each row over positions and samples: float input, integer input minus zx */
  double pf, pq;     /* positions summed */
  bool want_q;
} Layer;

typedef struct {
  Layer *l;
  int n;
  bool quant;  /* the q plan is running */
  DlPlan *qp;  /* the integer plan: each layer's step parameters */
} Obs;

static double elem(const DlTensor *t, int64_t i) {
  return t->shape.dtype == DL_F32 ? (double)((const float *)t->data)[i] : (double)dl_tensor_get_i(t, i);
}

/* Sum of v[i] over the output positions o < od whose input index
 * i = o * s + k * d - pad falls within [0, id). */
static double axis_sum(const double *v, int64_t id, int64_t od, int64_t s, int64_t k, int64_t d, int64_t pad) {
  double acc = 0;
  for (int64_t o = 0; o < od; o++) {
    int64_t i = o * s + k * d - pad;
    if (i >= 0 && i < id) acc += v[i];
  }
  return acc;
}

/* Adds x (minus z) over every output position to s[c * kvol + kidx]; the
 * positions. A conv's window sums are taken one spatial axis at a time (the
 * innermost first), so each input element is read once per kernel offset of
 * that axis. */
static double sums(const struct DlQStep *q, const DlTensor *x, double z, double *s) {
  int64_t n = dl_shape_numel(&x->shape);
  double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) v[i] = elem(x, i) - z;
  double positions;
  if (q->kind == DL_Q_MATMUL) {
    int64_t K = q->c.K, rows = K ? n / K : 0;
    for (int64_t r = 0; r < rows; r++)
      for (int64_t k = 0; k < K; k++) s[k] += v[r * K + k];
    positions = (double)rows;
  } else {
    const dlrt_win *w = &q->c.win;
    int64_t kvol = w->k[0] * w->k[1] * w->k[2], ivol = w->id[0] * w->id[1] * w->id[2];
    double *t2 = malloc(sizeof(double) * (size_t)(w->id[0] * w->id[1] + 1)), *t1 = malloc(sizeof(double) * (size_t)(w->id[0] + 1));
    for (int64_t b = 0; b < w->n; b++)
      for (int64_t c = 0; c < w->c; c++) {
        const double *xc = v + (b * w->c + c) * ivol;
        for (int64_t k2 = 0; k2 < w->k[2]; k2++) {
          for (int64_t r = 0; r < w->id[0] * w->id[1]; r++)
            t2[r] = axis_sum(xc + r * w->id[2], w->id[2], w->od[2], w->stride[2], k2, w->dil[2], w->pad[2]);
          for (int64_t k1 = 0; k1 < w->k[1]; k1++) {
            for (int64_t r = 0; r < w->id[0]; r++)
              t1[r] = axis_sum(t2 + r * w->id[1], w->id[1], w->od[1], w->stride[1], k1, w->dil[1], w->pad[1]);
            for (int64_t k0 = 0; k0 < w->k[0]; k0++)
              s[c * kvol + (k0 * w->k[1] + k1) * w->k[2] + k2] +=
                  axis_sum(t1, w->id[0], w->od[0], w->stride[0], k0, w->dil[0], w->pad[0]);
          }
        }
      }
    free(t2), free(t1);
    positions = (double)(w->n * w->od[0] * w->od[1] * w->od[2]);
  }
  free(v);
  return positions;
}

static void observe(void *user, MlirValue v, const DlTensor *t) {
  Obs *o = user;
  for (int i = 0; i < o->n; i++) {
    Layer *l = &o->l[i];
    const struct DlQStep *q = o->qp->steps[l->step].q;
    if (o->quant && l->want_q && l->qin == v.ptr) {
      l->pq += sums(q, t, (double)q->zx, l->sq);
    } else if (!o->quant && l->fin == v.ptr && t->shape.dtype == DL_F32) {
      l->pf += sums(q, t, 0, l->sf);
    }
  }
}

static bool run_all(DlPlan *p, const DlTensor *data, int64_t total, int64_t per, DlError *e) {
  float *buf = malloc(sizeof(float) * (size_t)(per ? per : 1));
  bool ok = true;
  for (int64_t i = 0; i < total && ok; i++) {
    const void *in[256];
    ok = dl_plan_run_inputs(p, data, i, per, in, buf, e) && dl_plan_run(p, in, e);
  }
  free(buf);
  return ok;
}

/* Float weight W[o][k] of the float op (conv [M][Cg*kvol], gemm [K][N] or
 * transposed, matmul [K][N]). */
static double fweight(const DlTensor *w, const struct DlQStep *q, bool transb, int64_t o, int64_t k) {
  if (q->kind == DL_Q_CONV) return ((const float *)w->data)[o * (q->nw / q->c.win.m) + k];
  return ((const float *)w->data)[transb ? o * q->c.K + k : k * q->c.N + o];
}

static double wscale(MlirType t, int64_t o) {
  MlirType el = mlirShapedTypeGetElementType(t);
  if (mlirTypeIsAUniformQuantizedPerAxisType(el)) return mlirUniformQuantizedPerAxisTypeGetScale(el, o);
  return mlirUniformQuantizedTypeGetScale(el);
}

/* Corrects layer l's bias in the q plan's step (and returns the channels changed). */
static int64_t correct(Layer *l, DlPlan *qp) {
  struct DlQStep *q = qp->steps[l->step].q;
  bool conv = q->kind == DL_Q_CONV;
  int64_t M = conv ? q->c.win.m : q->c.N, G = conv ? q->c.win.group : 1;
  int64_t Kc = conv ? q->nw / M : q->c.K, per_group = M / G;
  DlTensor wf = {0}, bf = {0};
  DlError e = {0};
  MlirAttribute wa = dl_value_constant(mlirOperationGetOperand(l->fop, 1)),
                ba = dl_value_constant(mlirOperationGetOperand(l->fop, 2));
  int64_t changed = 0;
  if (mlirAttributeIsNull(wa) || mlirAttributeIsNull(ba) || !dl_attr_to_tensor(wa, &wf, &e) || !dl_attr_to_tensor(ba, &bf, &e) ||
      wf.shape.dtype != DL_F32 || bf.shape.dtype != DL_F32 || dl_shape_numel(&bf.shape) != M || dl_shape_numel(&wf.shape) != q->nw ||
      !(l->pf > 0) || !(l->pq > 0))
    goto done;
  DlQParams px;
  MlirType wt = mlirValueGetType(mlirOperationGetOperand(l->op, 1));
  if (!dl_qparams_of_type(mlirValueGetType(mlirOperationGetOperand(l->op, 0)), &px)) goto done;
  MlirAttribute tb = mlirOperationGetAttributeByName(l->fop, dl_str("transB"));
  bool transb = !conv && !mlirAttributeIsNull(tb) && mlirAttributeIsAInteger(tb) && mlirIntegerAttrGetValueInt(tb);
  /* the accumulator bound without the bias, as --quantize proves it */
  MlirType wel = mlirShapedTypeGetElementType(wt);
  int64_t wmax = mlirQuantizedTypeGetStorageTypeMax(wel) > -mlirQuantizedTypeGetStorageTypeMin(wel)
                     ? mlirQuantizedTypeGetStorageTypeMax(wel)
                     : -mlirQuantizedTypeGetStorageTypeMin(wel);
  int64_t xmax = px.qmax - px.zp > px.zp - px.qmin ? px.qmax - px.zp : px.zp - px.qmin;
  uint64_t body = (uint64_t)Kc * (uint64_t)xmax * (uint64_t)wmax;
  int32_t *nb = malloc(sizeof(int32_t) * (size_t)M);
  int64_t bmax = 0;
  for (int64_t o = 0; o < M; o++) {
    int64_t g = o / per_group, c0 = conv ? g * Kc : 0;
    double ef = ((const float *)bf.data)[o], eq = q->bias[o];
    for (int64_t k = 0; k < Kc; k++) {
      ef += fweight(&wf, q, transb, o, k) * l->sf[c0 + k] / l->pf;
      eq += (double)qrt_wget(q->w, conv ? o * Kc + k : k * q->c.N + o) * l->sq[c0 + k] / l->pq;
    }
    double d = nearbyint(ef / (px.scale * wscale(wt, o)) - eq), b = (double)q->bias[o] + d;
    nb[o] = fabs(b) <= 2147483647.0 ? (int32_t)b : q->bias[o];
    bmax = llabs((long long)nb[o]) > bmax ? llabs((long long)nb[o]) : bmax;
  }
  int need = dl_bits_for(body + (uint64_t)bmax);
  if (need > q->acc_bits && need > 32) goto free_nb; /* the multipliers were made for the narrower accumulator */
  for (int64_t o = 0; o < M; o++) changed += nb[o] != q->bias[o], q->bias[o] = nb[o];
  if (need > q->acc_bits) q->acc_bits = need;
free_nb:
  free(nb);
done:
  dl_error_clear(&e);
  dl_tensor_free(&wf), dl_tensor_free(&bf);
  return changed;
}

/* The conv / gemm / matmul ops of func with constant weights, in order. */
static int mac_ops(MlirOperation func, MlirOperation **out) {
  int n = 0;
  *out = NULL;
  for (MlirOperation op = mlirBlockGetFirstOperation(dl_func_body(func)); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    DlOpKind k = dl_op_kind(op);
    if (k != DL_OP_CONV && k != DL_OP_GEMM && k != DL_OP_MATMUL) continue;
    *out = realloc(*out, sizeof **out * (size_t)(n + 1));
    (*out)[n++] = op;
  }
  return n;
}

bool dl_bias_correct(MlirModule float_m, MlirModule q_m, const DlTensor *data, int64_t samples, int64_t *layers,
                     DlError *e) {
  MlirOperation *fops, *qops;
  int nf = mac_ops(dl_module_func(float_m), &fops), nq = mac_ops(dl_module_func(q_m), &qops);
  DlPlan *fp = NULL, *qp = NULL;
  Obs o = {calloc((size_t)(nq + 1), sizeof(Layer)), 0, false, NULL};
  bool ok = false;
  *layers = 0;
  if (nf != nq) { /* --quantize rewrote a layer into something else: nothing to pair it with */
    ok = true;
    goto done;
  }
  if (!(fp = dl_plan_create(float_m, e)) || !(qp = dl_plan_create(q_m, e))) goto done;
  for (int i = 0; i < nq; i++) {
    MlirValue r = mlirOperationGetResult(qops[i], 0);
    int s = 0;
    while (s < qp->nsteps && !mlirValueEqual(qp->steps[s].val, r)) s++;
    if (s == qp->nsteps || mlirOperationGetNumOperands(qops[i]) < 3 || mlirOperationGetNumOperands(fops[i]) < 3) continue;
    struct DlQStep *q = qp->steps[s].q;
    if (!q || (q->kind != DL_Q_CONV && q->kind != DL_Q_MATMUL) || !q->bias || !q->wdata || q->ax.table || q->w.cb) continue;
    Layer *l = &o.l[o.n++];
    l->step = s, l->op = qops[i], l->fop = fops[i];
    l->qin = mlirOperationGetOperand(qops[i], 0).ptr, l->fin = mlirOperationGetOperand(fops[i], 0).ptr;
    l->nk = q->kind == DL_Q_CONV ? q->c.win.c * q->c.win.k[0] * q->c.win.k[1] * q->c.win.k[2] : q->c.K;
    l->sf = calloc((size_t)l->nk, sizeof(double)), l->sq = calloc((size_t)l->nk, sizeof(double));
  }
  o.qp = qp;
  int64_t per, total = dl_plan_runs(fp, data, samples, "calibration data", &per, e);
  if (total < 0) goto done;
  dl_plan_set_observer(fp, observe, &o);
  if (!run_all(fp, data, total, per, e)) goto done;
  o.quant = true;
  dl_plan_set_observer(qp, observe, &o);
  for (int i = 0; i < o.n; i++) {
    Layer *l = &o.l[i];
    l->want_q = true;
    if (!dl_plan_stop_after(qp, (MlirValue){l->qin}) || !run_all(qp, data, total, per, e)) goto done;
    l->want_q = false;
    if (correct(l, qp)) ++*layers;
  }
  /* the corrected biases and accumulator widths into the IR */
  for (int i = 0; i < o.n; i++) {
    Layer *l = &o.l[i];
    const struct DlQStep *q = qp->steps[l->step].q;
    int64_t M = q->kind == DL_Q_CONV ? q->c.win.m : q->c.N;
    DlShape bs = {DL_I32, 1, {M}};
    DlTensor bt = {0};
    if (!dl_tensor_alloc(&bt, &bs)) {
      dl_error_set(e, "out of memory");
      goto done;
    }
    memcpy(bt.data, q->bias, sizeof(int32_t) * (size_t)M);
    mlirOperationSetOperand(l->op, 2, dl_insert_constant(l->op, &bt, "qbias"));
    int64_t ab = q->acc_bits;
    if (ab <= 32)
      mlirOperationSetDiscardableAttributeByName(l->op, dl_str("dlc.acc_bits"),
                                                 mlirDenseI64ArrayGet(mlirOperationGetContext(l->op), 1, &ab));
  }
  dl_erase_dead_constants(dl_module_func(q_m));
  ok = true;
done:
  for (int i = 0; i < o.n; i++) free(o.l[i].sf), free(o.l[i].sq);
  free(o.l), free(fops), free(qops);
  dl_plan_destroy(fp);
  dl_plan_destroy(qp);
  return ok;
}
