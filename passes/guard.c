/* The accuracy guard (--auto-keep[=DB]): after calibration, find the layers
 * whose quantization loses the model's accuracy and keep them wider.
 *
 * Per-layer SQNR against the float model falls along the graph as errors
 * accumulate, so a low SQNR alone does not say where the error arises. A
 * layer is blamed when its SQNR is below the threshold and at least
 * DL_AUTO_KEEP_DROP dB below the worst of its inputs' (it adds at least as much
 * noise as it receives). After widening the blamed layers the model is
 * quantized and measured again, since the next culprit shows only once the
 * first is fixed. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc/passes.h"
#include "dlc/pipeline.h"
#include "pass_util.h"

typedef struct {
  char node[160];
  int state; /* 0: as configured, 16: 16-bit activations, -1: float */
  double db; /* SQNR measured when first kept */
} Kept;

static bool dict_true(MlirAttribute d, const char *key) {
  if (mlirAttributeIsNull(d) || !mlirAttributeIsADictionary(d)) return false;
  MlirAttribute a = mlirDictionaryAttrGetElementByName(d, dl_str(key));
  return !mlirAttributeIsNull(a) && mlirAttributeIsABool(a) && mlirBoolAttrGetValue(a);
}

/* op's dlc.quant with `key` set to v (and auto_keep to db), other entries kept. */
static void set_quant(MlirOperation op, const char *key, MlirAttribute v, double db) {
  MlirContext ctx = mlirOperationGetContext(op);
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.quant"));
  intptr_t n = !mlirAttributeIsNull(d) && mlirAttributeIsADictionary(d) ? mlirDictionaryAttrGetNumElements(d) : 0;
  MlirNamedAttribute *kv = malloc(sizeof *kv * (size_t)(n + 2));
  int k = 0;
  for (intptr_t i = 0; i < n; i++) {
    MlirNamedAttribute a = mlirDictionaryAttrGetElement(d, i);
    MlirStringRef nm = mlirIdentifierStr(a.name);
    if ((nm.length == strlen(key) && !strncmp(nm.data, key, nm.length)) ||
        (nm.length == 9 && !strncmp(nm.data, "auto_keep", 9)))
      continue;
    kv[k++] = a;
  }
  kv[k++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str(key)), v);
  kv[k++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("auto_keep")),
                                  mlirFloatAttrDoubleGet(ctx, mlirF64TypeGet(ctx), round(db * 10) / 10));
  mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.quant"), mlirDictionaryAttrGet(ctx, k, kv));
  free(kv);
}

static MlirBlock body_of(MlirModule m) { return mlirRegionGetFirstBlock(mlirOperationGetRegion(dl_module_func(m), 0)); }

/* Widens node `name` of m one step: to 16-bit activations, then float; only
 * to 16-bit activations when a16_only. False when nothing changed. (16-bit
 * weights were a step between: they rarely helped, and the acc target refuses
 * some such layers at load time.) */
static bool widen(MlirModule m, const char *name, bool a16_only, int gabits, double db, Kept **kept,
                  int *nkept) {
  int k = 0;
  while (k < *nkept && strcmp((*kept)[k].node, name)) k++;
  if (k < *nkept && ((*kept)[k].state < 0 || (a16_only && (*kept)[k].state != 0))) return false;
  int state = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(body_of(m)); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    char n[160];
    dl_location_str(mlirOperationGetLocation(op), n, sizeof n);
    if (dl_op_kind(op) == DL_OP_COUNT || strcmp(n, name)) continue;
    MlirAttribute d = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.quant"));
    if (dict_true(d, "float")) return false;
    MlirContext ctx = mlirOperationGetContext(op);
    if (dl_dict_int(d, "abits", gabits) < 16) {
      set_quant(op, "abits", mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), 16), db);
      state = state < 0 ? state : 16;
    } else {
      set_quant(op, "float", mlirBoolAttrGet(ctx, true), db);
      state = -1;
    }
  }
  if (!state) return false;
  if (k == *nkept) {
    *kept = realloc(*kept, sizeof(Kept) * (size_t)(*nkept + 1));
    snprintf((*kept)[k].node, sizeof (*kept)[k].node, "%s", name);
    (*kept)[k].db = db;
    ++*nkept;
  }
  (*kept)[k].state = state;
  return true;
}

/* The qg op computing v in the quantized module, looking through the quant casts; null for inputs and constants. */
static MlirOperation producer(MlirValue v) {
  while (mlirValueIsAOpResult(v)) {
    MlirOperation d = mlirOpResultGetOwner(v);
    if (dl_op_is(d, "quant.qcast") || dl_op_is(d, "quant.dcast") || dl_op_is(d, "quant.scast")) {
      v = mlirOperationGetOperand(d, 0);
      continue;
    }
    return dl_op_kind(d) == DL_OP_COUNT ? (MlirOperation){NULL} : d;
  }
  return (MlirOperation){NULL};
}

static const DlLayerSqnr *lookup(const DlLayerSqnr *l, int n, MlirOperation op) {
  char name[160];
  dl_location_str(mlirOperationGetLocation(op), name, sizeof name);
  for (int i = 0; i < n; i++)
    if (!strcmp(l[i].node, name)) return &l[i];
  return NULL;
}

static bool result_is_quant(MlirOperation op) {
  return mlirOperationGetNumResults(op) > 0 && dl_value_is_quant(mlirOperationGetResult(op, 0));
}

/* Worst SQNR among op's inputs' layers (INFINITY when none is measured). */
static double input_db(MlirOperation op, const DlLayerSqnr *l, int n) {
  double in = INFINITY;
  for (intptr_t k = 0; k < mlirOperationGetNumOperands(op); k++) {
    MlirOperation p = producer(mlirOperationGetOperand(op, k));
    const DlLayerSqnr *pl = mlirOperationIsNull(p) ? NULL : lookup(l, n, p);
    if (pl && !isnan(pl->sqnr_db) && pl->sqnr_db < in) in = pl->sqnr_db;
  }
  return in;
}

/* Stage 1, one round: widen the blamed layers (below db and DL_AUTO_KEEP_DROP
 * below their inputs). The number widened. */
static int blame_round(MlirModule m, const DlLayerSqnr *l, int n, double db, int gabits, Kept **kept, int *nkept) {
  int widened = 0;
  for (int i = 0; i < n; i++) {
    double s = l[i].sqnr_db;
    if (!(s < db)) continue; /* NAN (not measured) and exact layers pass */
    MlirOperation op = l[i].op;
    if (!(s < input_db(op, l, n) - DL_AUTO_KEEP_DROP)) continue;
    /* the layer itself first; once it is float, the rounding of its integer
     * inputs is what is left: they go to 16-bit activations (widening them
     * first would also shrink their consumers' input scale, and a BN-folded
     * bias then no longer fits int32 at s_x * s_w: coarser weights) */
    if (result_is_quant(op) && widen(m, l[i].node, false, gabits, s, kept, nkept)) {
      widened++;
      continue;
    }
    for (intptr_t k = 0; k < mlirOperationGetNumOperands(op); k++) {
      MlirOperation p = producer(mlirOperationGetOperand(op, k));
      const DlLayerSqnr *pl = mlirOperationIsNull(p) ? NULL : lookup(l, n, p);
      if (pl && result_is_quant(p)) widened += widen(m, pl->node, true, gabits, s, kept, nkept);
    }
  }
  return widened;
}

typedef struct {
  int i;
  double loss; /* dB lost against its inputs (inputs capped at DL_AUTO_KEEP_CAP_DB) */
  double db;
} Cand;

static int cand_cmp(const void *a, const void *b) {
  const Cand *x = a, *y = b;
  if (x->loss != y->loss) return x->loss > y->loss ? -1 : 1;
  if (x->db != y->db) return x->db < y->db ? -1 : 1;
  return x->i - y->i;
}

/* Stage 2, one round: widen the `count` integer layers that lose the most
 * against their inputs (ties: the lowest SQNR). The number widened. */
static int loss_round(MlirModule m, const DlLayerSqnr *l, int n, int count, int gabits, Kept **kept, int *nkept) {
  Cand *c = malloc(sizeof *c * (size_t)(n ? n : 1));
  int nc = 0;
  for (int i = 0; i < n; i++) {
    double s = l[i].sqnr_db;
    if (isnan(s) || isinf(s) || !result_is_quant(l[i].op)) continue;
    double in = fmin(input_db(l[i].op, l, n), DL_AUTO_KEEP_CAP_DB);
    c[nc++] = (Cand){i, in - s, s};
  }
  qsort(c, (size_t)nc, sizeof *c, cand_cmp);
  int widened = 0;
  for (int j = 0; j < nc && widened < count; j++)
    widened += widen(m, l[c[j].i].node, false, gabits, c[j].db, kept, nkept);
  free(c);
  return widened;
}

bool dl_auto_keep(MlirModule m, double db, double cos_target, const DlTensor *data, char **kept_list,
                  double *out_cos, DlError *e) {
  *kept_list = NULL;
  *out_cos = NAN;
  MlirAttribute gq = mlirOperationGetDiscardableAttributeByName(dl_module_func(m), dl_str("dlc.quant"));
  int gabits = (int)dl_dict_int(gq, "abits", 8);
  Kept *kept = NULL;
  int nkept = 0;
  bool ok = true, blaming = true;
  int cos_rounds = 0, step = 1;
  for (int round = 0; ok && round < DL_AUTO_KEEP_ROUNDS + DL_AUTO_KEEP_COS_ROUNDS; round++) {
    MlirModule q = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(m)));
    DlLayerSqnr *l = NULL;
    int n = -1;
    /* a trial: its warnings (and a failure, which the real quantization then reports) stay quiet */
    DlError qe = {0};
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 2), close(null);
    bool quantized = dl_run_pipeline(q, "quantize", &qe);
    fflush(stderr);
    if (saved >= 0) dup2(saved, 2), close(saved);
    dl_error_clear(&qe);
    if (!quantized) {
      mlirModuleDestroy(q);
      break;
    }
    if ((n = dl_quant_layer_sqnr(m, q, data, DL_AUTO_KEEP_SAMPLES, &l, out_cos, e)) < 0) {
      ok = false;
      mlirModuleDestroy(q);
      break;
    }
    int widened = 0;
    if (blaming && round < DL_AUTO_KEEP_ROUNDS) widened = blame_round(m, l, n, db, gabits, &kept, &nkept);
    if (!widened) {
      blaming = false;
      /* stage 2: until every output reaches the cosine target, the layers
       * losing most go wider, 1, 1, 2, 2, 4, 4, ... per round */
      if (cos_target > 0 && *out_cos < cos_target && cos_rounds++ < DL_AUTO_KEEP_COS_ROUNDS) {
        widened = loss_round(m, l, n, step, gabits, &kept, &nkept);
        if (cos_rounds % 2 == 0) step *= 2;
      }
    }
    free(l);
    mlirModuleDestroy(q);
    if (!widened) break;
  }
  if (ok && nkept) {
    size_t cap = 64 * (size_t)nkept + 1, len = 0;
    char *s = malloc(cap);
    s[0] = 0;
    for (int i = 0; i < nkept; i++) {
      char item[256];
      int w = snprintf(item, sizeof item, "%s'%s' %s (%.1f dB)", i ? ", " : "", kept[i].node,
                       kept[i].state < 0 ? "float" : "a16", kept[i].db);
      if (len + (size_t)w + 1 > cap) s = realloc(s, cap = 2 * (len + (size_t)w + 1));
      memcpy(s + len, item, (size_t)w + 1);
      len += (size_t)w;
    }
    *kept_list = s;
  }
  free(kept);
  return ok;
}
