#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/compress.h"
#include "dlc/plan.h"
#include "dlc/quant.h"

typedef struct {
  int k;
  const void **keys; /* the value behind each entry of s->t */
  DlCompressionStats *s;
  unsigned char *buf;
  size_t cap;
  int block, sub;
} Ctx;

/* Integer activations that own their storage: not weights (quant.scast), not
 * views (reshape), not the float islands. */
static bool is_activation(MlirValue v) {
  if (!mlirValueIsAOpResult(v)) return false;
  MlirOperation op = mlirOpResultGetOwner(v);
  if (dl_op_is(op, "quant.scast") || dl_op_kind(op) == DL_OP_RESHAPE) return false;
  return dl_value_is_quant(v);
}

static void observe(void *user, MlirValue v, const DlTensor *x) {
  Ctx *c = user;
  if (!is_activation(v)) return;
  DlCompressionStats *s = c->s;
  DlTensorCompression *t = NULL;
  for (int i = 0; i < s->nt && !t; i++)
    if (c->keys[i] == v.ptr) t = &s->t[i];
  if (!t) {
    MlirOperation op = mlirOpResultGetOwner(v);
    char loc[128];
    dl_location_str(mlirOperationGetLocation(op), loc, sizeof loc);
    MlirStringRef on = mlirIdentifierStr(mlirOperationGetName(op));
    s->t = realloc(s->t, sizeof *s->t * (size_t)(s->nt + 1));
    c->keys = realloc(c->keys, sizeof *c->keys * (size_t)(s->nt + 1));
    c->keys[s->nt] = v.ptr;
    t = &s->t[s->nt++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s (%.*s)", loc, (int)on.length, on.data);
    t->n = dl_shape_numel(&x->shape), t->es = (int)dl_dtype_size(x->shape.dtype);
  }
  dlz_params p;
  for (int k = 0; k < DL_SCHEME_COUNT; k++) {
    if (!dl_scheme_params((DlScheme)k, mlirValueGetType(v), c->block, c->sub, &p)) return;
    p.k = c->k;
    size_t need = dlz_bound(&p, t->n);
    if (need > c->cap) c->buf = realloc(c->buf, need), c->cap = need;
    double b = (double)dlz_encode(&p, x->data, t->es, t->n, c->buf);
    t->bytes[k] += b;
    if (b > t->worst[k]) t->worst[k] = b;
    if (k == 0) {
      int64_t z = 0;
      for (int64_t i = 0; i < t->n; i++) {
        int64_t q = dl_tensor_get_i(x, i);
        z += q == p.zp;
        if (q - p.qmin >= 0 && q - p.qmin < 256) t->hist[q - p.qmin]++;
      }
      t->zeros += (double)z;
    }
  }
}

/* Later layers see what a K-lossy decoder would give them. */
static void make_lossy(void *user, MlirValue v, DlTensor *x) {
  Ctx *c = user;
  dlz_params p;
  if (!is_activation(v) || !dl_scheme_params(DL_SCHEME_RAW, mlirValueGetType(v), c->block, c->sub, &p)) return;
  p.k = c->k;
  for (int64_t i = 0, n = dl_shape_numel(&x->shape); i < n; i++) dl_tensor_set_i(x, i, dlz_lossy(&p, dl_tensor_get_i(x, i)));
}

bool dl_compress_analyze(MlirModule m, const DlTensor *data, const DlTensor *labels, int64_t limit, int block, int sub,
                         int k, DlCompressionStats *s, DlError *e) {
  memset(s, 0, sizeof *s);
  if (block < 8 || block % 8 || block > 65536 || sub < 1 || block % sub)
    return dl_error_set(e, "compression blocks must be a multiple of 8 up to 65536, divided by the sub-block (got %d, %d)",
                        block, sub);
  DlPlan *p = dl_plan_create(m, e);
  if (!p) return false;
  bool ok = false;
  Ctx c = {k, NULL, s, NULL, 0, block, sub};
  int64_t per, total = dl_plan_samples(p, data, limit, "the data", &per, e);
  if (total < 0) goto done;
  dl_plan_set_observer(p, observe, &c);
  if (k > 0) dl_plan_set_transform(p, make_lossy, &c);
  if (labels && (labels->shape.dtype != DL_I64 || dl_shape_numel(&labels->shape) < total)) {
    dl_error_set(e, "labels must be int64, one per sample");
    goto done;
  }
  for (int64_t i = 0; i < total; i++) {
    const void *in = (const float *)data->data + i * per;
    if (!dl_plan_run(p, &in, e)) goto done;
    if (labels) {
      const DlTensor *o = dl_plan_output(p, 0);
      int64_t n = dl_shape_numel(&o->shape), best = 0;
      for (int64_t j = 1; j < n; j++)
        if (dl_tensor_get_f(o, j) > dl_tensor_get_f(o, best)) best = j;
      s->correct += best == ((const int64_t *)labels->data)[i];
    }
  }
  s->samples = total;
  for (int i = 0; i < s->nt; i++) s->t[i].zeros /= (double)(s->t[i].n * (total ? total : 1));
  ok = true;
done:
  free(c.buf), free(c.keys);
  dl_plan_destroy(p);
  return ok;
}

void dl_compression_stats_free(DlCompressionStats *s) {
  free(s->t);
  memset(s, 0, sizeof *s);
}
