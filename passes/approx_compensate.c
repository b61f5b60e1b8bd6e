/* --approx-compensate: mean-error compensation of approximate multipliers.
 * For every layer with dlc.approx, the distribution of its input codes
 * a = x - zx is measured on calibration samples (the integer model as
 * approximated), and each output channel's bias takes away the expected
 * error of its sum: sum_k E_a[sign M(|a|, |w_k|) - a w_k] (rounded). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/approx.h"
#include "dlc/plan.h"
#include "pass_util.h"

enum { COMP_SAMPLES = 64 };

typedef struct {
  const DlStep *st;
  const void *in;   /* the layer input's MlirValue pointer */
  double hist[511]; /* counts of a = x - zx, a + 255 */
} Layer;

typedef struct {
  Layer *l;
  int n;
} Obs;

static void observe(void *user, MlirValue v, const DlTensor *t) {
  Obs *o = user;
  for (int i = 0; i < o->n; i++) {
    Layer *l = &o->l[i];
    if (l->in != v.ptr) continue;
    int64_t n = dl_shape_numel(&t->shape);
    for (int64_t j = 0; j < n; j++) {
      int64_t a = dl_tensor_get_i(t, j) - l->st->q->zx;
      if (a >= -255 && a <= 255) l->hist[a + 255] += 1;
    }
  }
}

/* g[w + 255] = E_a[amul(a, w) - a w] under the layer's histogram */
static void expected_errors(const Layer *l, double *g) {
  const int32_t *t = l->st->q->ax.table;
  double total = 0;
  for (int a = 0; a < 511; a++) total += l->hist[a];
  for (int w = -255; w <= 255; w++) {
    double s = 0;
    for (int a = -255; a <= 255 && total > 0; a++) {
      if (!l->hist[a + 255] || !a || !w) continue;
      int64_t p = t[abs(a) * 256 + abs(w)], e = ((a < 0) != (w < 0) ? -p : p) - (int64_t)a * w;
      s += l->hist[a + 255] * (double)e;
    }
    g[w + 255] = total > 0 ? s / total : 0;
  }
}

/* The layer's bias minus the expected error per channel, as a new constant. */
static bool compensate(const Layer *l, DlError *e) {
  const struct DlQStep *q = l->st->q;
  MlirOperation op = mlirOpResultGetOwner(l->st->val);
  if (mlirOperationGetNumOperands(op) < 3 || !q->bias) {
    dl_warn(mlirOperationGetContext(op),
            "%s: --approx-compensate: the layer has no bias to compensate in; left as is",
            l->st->where);
    return true;
  }
  double g[511];
  expected_errors(l, g);
  bool conv = q->kind == DL_Q_CONV;
  int64_t N = conv ? q->c.win.m : q->c.N,
          K = conv ? q->c.win.c / q->c.win.group * q->c.win.k[0] * q->c.win.k[1] * q->c.win.k[2]
                   : q->c.K;
  DlShape bs = {DL_I32, 1, {N}};
  DlTensor bt = {0};
  if (!dl_tensor_alloc(&bt, &bs)) return dl_error_set(e, "out of memory");
  for (int64_t n = 0; n < N; n++) {
    double d = 0;
    for (int64_t k = 0; k < K; k++) d += g[qrt_wget(q->w, conv ? n * K + k : k * N + n) + 255];
    double b = (double)q->bias[n] - nearbyint(d);
    if (b < -2147483648.0 || b > 2147483647.0) {
      dl_tensor_free(&bt);
      return dl_error_set(
          e, "%s: --approx-compensate: the compensated bias of channel %lld leaves int32",
          l->st->where, (long long)n);
    }
    ((int32_t *)bt.data)[n] = (int32_t)b;
  }
  mlirOperationSetOperand(op, 2, dl_insert_constant(op, &bt, "qbias"));
  return true;
}

bool dl_approx_compensate(MlirModule m, const DlTensor *data, DlError *e) {
  DlPlan *p = dl_plan_create(m, e);
  if (!p) return false;
  Obs o = {calloc((size_t)p->nsteps + 1, sizeof(Layer)), 0};
  bool ok = false;
  float *buf = NULL;
  for (int s = 0; s < p->nsteps; s++) {
    const DlStep *st = &p->steps[s];
    if (!st->q || !st->q->ax.table) continue;
    o.l[o.n].st = st;
    o.l[o.n++].in = mlirOperationGetOperand(mlirOpResultGetOwner(st->val), 0).ptr;
  }
  if (!o.n) {
    dl_error_set(e, "--approx-compensate: no layer has an approximate multiplier (--approx or "
                    "\"approx\" in --config)");
    goto done;
  }
  int64_t per, total = dl_plan_runs(p, data, COMP_SAMPLES, "calibration data", &per, e);
  if (total < 0) goto done;
  dl_plan_set_observer(p, observe, &o);
  buf = malloc(sizeof(float) * (size_t)(per ? per : 1));
  for (int64_t i = 0; i < total; i++) {
    const void *in[256];
    if (!dl_plan_run_inputs(p, data, i, per, in, buf, e) || !dl_plan_run(p, in, e)) goto done;
  }
  ok = true;
  for (int i = 0; i < o.n && ok; i++) ok = compensate(&o.l[i], e);
  if (ok) dl_erase_dead_constants(dl_module_func(m));
done:
  free(buf), free(o.l);
  dl_plan_destroy(p);
  return ok;
}
