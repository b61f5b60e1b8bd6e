/* The per-tensor compression choice as IR (`dlc.compress` on the producing
 * op) and which tensors the C target can keep compressed: those whose
 * producer and every consumer run in bands of rows (see compress.h). */
#include <stdio.h>
#include <string.h>

#include "dlc/compress.h"
#include "interp/plan_internal.h"
#include "quant/qstep.h"

static int64_t dict_int(MlirAttribute d, const char *key, int64_t dflt, bool *bad) {
  MlirAttribute a = mlirDictionaryAttrGetElementByName(d, dl_str(key));
  if (mlirAttributeIsNull(a)) return dflt;
  if (!mlirAttributeIsAInteger(a)) return *bad = true, dflt;
  return mlirIntegerAttrGetValueInt(a);
}

int dl_compress_attr_get(MlirOperation op, DlCompressChoice *c, DlError *e) {
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.compress"));
  if (mlirAttributeIsNull(d)) return 0;
  char loc[160];
  dl_location_str(mlirOperationGetLocation(op), loc, sizeof loc);
  if (!mlirAttributeIsADictionary(d))
    return dl_error_set(e, "%s: dlc.compress must be a dictionary {scheme, k, block, sub, cap}",
                        loc),
           -1;
  MlirAttribute s = mlirDictionaryAttrGetElementByName(d, dl_str("scheme"));
  bool bad = false;
  char name[32] = "";
  if (!mlirAttributeIsNull(s) && mlirAttributeIsAString(s)) {
    MlirStringRef r = mlirStringAttrGetValue(s);
    snprintf(name, sizeof name, "%.*s", (int)r.length, r.data);
  }
  if (!dl_scheme_parse(name, &c->scheme))
    return dl_error_set(
               e, "%s: dlc.compress: unknown scheme '%s' (expected %s)", loc, name, dl_scheme_names()),
           -1;
  c->k = (int)dict_int(d, "k", 0, &bad);
  c->block = (int)dict_int(d, "block", 256, &bad);
  c->sub = (int)dict_int(d, "sub", 16, &bad);
  c->cap = dict_int(d, "cap", 0, &bad);
  if (bad)
    return dl_error_set(e, "%s: dlc.compress: k, block, sub and cap must be integers", loc), -1;
  if (c->k < 0 || c->k > 7)
    return dl_error_set(e, "%s: dlc.compress: k must be within 0..7 (got %d)", loc, c->k), -1;
  if (c->block < 8 || c->block % 8 || c->block > 65536 || c->sub < 1 || c->block % c->sub)
    return dl_error_set(e,
                        "%s: dlc.compress: block must be a multiple of 8 up to 65536, divided by "
                        "sub (got %d, %d)",
                        loc, c->block, c->sub),
           -1;
  if (c->cap < 0)
    return dl_error_set(e, "%s: dlc.compress: cap must be positive (got %lld)", loc,
                        (long long)c->cap),
           -1;
  return 1;
}

void dl_compress_attr_set(MlirOperation op, const DlCompressChoice *c) {
  MlirContext ctx = mlirOperationGetContext(op);
  MlirType i64 = mlirIntegerTypeGet(ctx, 64);
  MlirNamedAttribute kv[5] = {
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("scheme")),
                            mlirStringAttrGet(ctx, dl_str(dl_scheme_name(c->scheme)))),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("k")), mlirIntegerAttrGet(i64, c->k)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("block")),
                            mlirIntegerAttrGet(i64, c->block)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("sub")), mlirIntegerAttrGet(i64, c->sub)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("cap")), mlirIntegerAttrGet(i64, c->cap)),
  };
  mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.compress"),
                                             mlirDictionaryAttrGet(ctx, 5, kv));
}

bool dl_compress_params(const DlCompressChoice *c, MlirType t, dlz_params *p) {
  if (!dl_scheme_params(c->scheme, t, c->block, c->sub, p)) return false;
  p->k = c->k;
  return true;
}

/* [1, C, H, W]: the only layout kept compressed (channel-last, in bands of rows). */
static bool nchw1(const DlShape *s) {
  return s->rank == 4 && s->dims[0] == 1;
}

static bool same_shape(const DlShape *a, const DlShape *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

const char *dl_compress_band_op(const DlPlan *p, int step) {
  const Step *st = &p->steps[step];
  const struct DlQStep *q = st->q;
  const DlShape *y = &p->slot[st->out].shape;
  if (!q) return "a float op";
  if (!nchw1(y) || !nchw1(&p->slot[st->in[0]].shape)) return "not a [1, C, H, W] tensor op";
  switch (q->kind) {
  case Q_CONV:
  case Q_POOL:
    return q->c.win.n == 1 && q->c.win.id[0] == 1 && q->c.win.k[0] == 1 ? NULL : "not a 2-D window";
  case Q_LUT:
  case Q_QCAST: return NULL;
  case Q_BINARY:
    return same_shape(&p->slot[st->in[0]].shape, y) && same_shape(&p->slot[st->in[1]].shape, y)
               ? NULL
               : "a broadcasting binary op";
  default: return "an op without a row-band form";
  }
}

/* Operand j of a band op that is read in bands (conv and matmul weights are not). */
static bool band_operand(const Step *st, int j) {
  return j == 0 || (st->q->kind == Q_BINARY && j == 1);
}

bool dl_compress_streamable(const DlPlan *p, int slot, char *why, size_t n) {
  int def = -1;
  for (int i = 0; i < p->nsteps; i++)
    if (p->steps[i].out == slot) def = i;
  const char *bad = def < 0 ? "not computed by a step" : dl_compress_band_op(p, def);
  if (!bad && p->steps[def].q->kind == Q_ALIAS) bad = "a view";
  for (int o = 0; o < p->nout && !bad; o++)
    if (p->out_slot[o] == slot) bad = "a model output";
  for (int i = 0; i < p->nsteps && !bad; i++)
    for (int j = 0; j < p->steps[i].nin && !bad; j++) {
      if (p->steps[i].in[j] != slot) continue;
      const Step *c = &p->steps[i];
      const char *cb = dl_compress_band_op(p, i);
      if (cb || !band_operand(c, j) || c->q->kind == Q_QCAST) {
        const char *op = c->q && c->q->kind == Q_ALIAS ? "a view (reshape)"
                         : cb                          ? cb
                                                       : "a non-band operand";
        snprintf(why, n, "read by %s at %s", op, c->where);
        return false;
      }
    }
  if (bad) snprintf(why, n, "%s", bad);
  return !bad;
}
