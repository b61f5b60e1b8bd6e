/* --report=r.json for a quantized module: one entry per computing op (named
 * by its ONNX node), with its precision, parameters, cost, and the SQNR of
 * its output against the float model on calibration samples. The float and
 * the integer plans run side by side on each sample; outputs are matched by
 * node name, so only each sample's float outputs are kept. Ops with outlier-aware
 * weights (dlc.outliers) also give the bytes of a dense + sparse-outlier store. */
#include <cjson/cJSON.h>
#include <math.h>
#include <mlir-c/Dialect/Quant.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/html.h"
#include "dlc/plan.h"
#include "dlc/quant.h"
#include "dlc/schema.h"
#include "dlc/support.h"

typedef struct {
  char name[160];
  MlirOperation op;
  float *ref; /* float model's output for the current sample */
  int64_t n;
  double signal, noise;
} Layer;

typedef struct {
  Layer *l;
  int n;
  bool quant_pass;
  bool want_cos;    /* measure the model outputs' cosines (dl_quant_layer_sqnr's out_cos) */
  double (*out)[3]; /* per model output, over all samples: sums of r*y, r^2, y^2 */
  int nout;
} Table;

static void op_name(MlirOperation op, char *buf, size_t n) { dl_location_str(mlirOperationGetLocation(op), buf, n); }

static Layer *find(Table *t, const char *name) {
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->l[i].name, name)) return &t->l[i];
  return NULL;
}

static void observe(void *user, MlirValue v, const DlTensor *x) {
  Table *t = user;
  if (!mlirValueIsAOpResult(v) || mlirOpResultGetResultNumber(v) != 0) return;
  MlirOperation op = mlirOpResultGetOwner(v);
  if (dl_op_kind(op) == DL_OP_COUNT) return;
  char name[160];
  op_name(op, name, sizeof name);
  Layer *l = find(t, name);
  if (!l) return;
  int64_t n = dl_shape_numel(&x->shape);
  if (!t->quant_pass) {
    if (x->shape.dtype != DL_F32) return;
    if (l->n != n) free(l->ref), l->ref = malloc(sizeof(float) * (size_t)(n ? n : 1)), l->n = n;
    memcpy(l->ref, x->data, sizeof(float) * (size_t)n);
    return;
  }
  if (!l->ref || l->n != n) return;
  DlQParams p;
  bool q = dl_qparams_of_type(mlirValueGetType(v), &p);
  if (!q && x->shape.dtype != DL_F32) return;
  for (int64_t i = 0; i < n; i++) {
    double y = q ? dl_dequantize_f(dl_tensor_get_i(x, i), (float)p.scale, p.zp) : ((const float *)x->data)[i];
    double r = l->ref[i];
    l->signal += r * r, l->noise += (y - r) * (y - r);
  }
}

static int64_t macs_of(MlirOperation op, DlOpKind k) {
  DlShape x, w, y;
  if (!dl_type_to_shape(mlirValueGetType(mlirOperationGetResult(op, 0)), &y)) return 0;
  if (k == DL_OP_CONV && dl_type_to_shape(mlirValueGetType(mlirOperationGetOperand(op, 1)), &w))
    return dl_shape_numel(&y) * (w.rank ? dl_shape_numel(&w) / w.dims[0] : 0);
  if ((k == DL_OP_GEMM || k == DL_OP_MATMUL) && dl_type_to_shape(mlirValueGetType(mlirOperationGetOperand(op, 0)), &x))
    return dl_shape_numel(&y) * (x.rank ? x.dims[x.rank - 1] : 0);
  return 0;
}

/* Weight precision of operand 1 when it is a quantized constant. */
static bool weight_info(MlirOperation op, int *bits, int64_t *count, double *smin, double *smax, bool *per_channel) {
  if (mlirOperationGetNumOperands(op) < 2) return false;
  MlirValue wv = mlirOperationGetOperand(op, 1);
  if (!mlirValueIsAOpResult(wv) || !dl_op_is(mlirOpResultGetOwner(wv), "quant.scast")) return false;
  MlirType t = mlirValueGetType(wv);
  if (!mlirTypeIsAShaped(t)) return false;
  MlirType el = mlirShapedTypeGetElementType(t);
  DlShape s;
  dl_type_to_shape(t, &s);
  *count = dl_shape_numel(&s);
  int64_t qmin, qmax;
  if (mlirTypeIsAUniformQuantizedPerAxisType(el)) {
    intptr_t n = mlirUniformQuantizedPerAxisTypeGetNumDims(el);
    *smin = INFINITY, *smax = 0;
    for (intptr_t i = 0; i < n; i++) {
      double sc = mlirUniformQuantizedPerAxisTypeGetScale(el, i);
      *smin = fmin(*smin, sc), *smax = fmax(*smax, sc);
    }
    *per_channel = true;
  } else if (mlirTypeIsAUniformQuantizedType(el)) {
    *smin = *smax = mlirUniformQuantizedTypeGetScale(el);
    *per_channel = false;
  } else {
    return false;
  }
  qmin = mlirQuantizedTypeGetStorageTypeMin(el), qmax = mlirQuantizedTypeGetStorageTypeMax(el);
  for (*bits = 2; *bits < 32 && (qmin < -((int64_t)1 << (*bits - 1)) || qmax > ((int64_t)1 << (*bits - 1)) - 1);) ++*bits;
  return true;
}

/* The layers of q_m (one per ONNX node, its first op), in order. */
static bool collect(MlirModule q_m, Table *t, DlError *e) {
  MlirOperation func = mlirBlockGetFirstOperation(mlirModuleGetBody(q_m));
  while (!mlirOperationIsNull(func) && !dl_op_is(func, "func.func")) func = mlirOperationGetNextInBlock(func);
  if (mlirOperationIsNull(func)) return dl_error_set(e, "report: module has no func.func");
  MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    if (dl_op_kind(op) == DL_OP_COUNT || mlirOperationGetNumResults(op) < 1) continue;
    char name[160];
    op_name(op, name, sizeof name);
    if (find(t, name)) continue;
    t->l = realloc(t->l, sizeof(Layer) * (size_t)(t->n + 1));
    memset(&t->l[t->n], 0, sizeof(Layer));
    snprintf(t->l[t->n].name, sizeof t->l[t->n].name, "%s", name);
    t->l[t->n++].op = op;
  }
  return true;
}

/* Runs the float and the integer plans side by side over the first `samples`
 * samples (-1: all), summing each layer's signal and noise; the runs made, or -1. */
static int64_t measure(MlirModule float_m, MlirModule q_m, const DlTensor *data, int64_t samples, Table *t, DlError *e) {
  DlPlan *fp = NULL, *qp = NULL;
  int64_t ran = -1;
  float *buf = NULL;
  if (!(fp = dl_plan_create(float_m, e)) || !(qp = dl_plan_create(q_m, e))) goto done;
  int64_t per, total = dl_plan_runs(fp, data, samples, "report: the calibration data", &per, e);
  if (total < 0) goto done;
  dl_plan_set_observer(fp, observe, t);
  dl_plan_set_observer(qp, observe, t);
  if (t->want_cos && dl_plan_num_outputs(qp) == dl_plan_num_outputs(fp)) {
    t->nout = dl_plan_num_outputs(qp);
    t->out = calloc((size_t)(t->nout ? t->nout : 1), sizeof *t->out);
  }
  buf = malloc(sizeof(float) * (size_t)(per ? per : 1));
  for (ran = 0; ran < total; ran++) {
    const void *in[256];
    if (!dl_plan_run_inputs(fp, data, ran, per, in, buf, e)) { ran = -1; goto done; }
    t->quant_pass = false;
    if (!dl_plan_run(fp, in, e)) { ran = -1; goto done; }
    t->quant_pass = true;
    if (!dl_plan_run(qp, in, e)) { ran = -1; goto done; }
    for (int k = 0; k < t->nout; k++) {
      const DlTensor *r = dl_plan_output(fp, k), *y = dl_plan_output(qp, k);
      int64_t n = dl_shape_numel(&r->shape);
      if (r->shape.dtype != DL_F32 || y->shape.dtype != DL_F32 || dl_shape_numel(&y->shape) != n) continue;
      const float *rv = r->data, *yv = y->data;
      for (int64_t i = 0; i < n; i++)
        t->out[k][0] += (double)rv[i] * yv[i], t->out[k][1] += (double)rv[i] * rv[i], t->out[k][2] += (double)yv[i] * yv[i];
    }
  }
done:
  free(buf);
  dl_plan_destroy(fp);
  dl_plan_destroy(qp);
  return ran;
}

static void table_free(Table *t) {
  for (int i = 0; i < t->n; i++) free(t->l[i].ref);
  free(t->l);
  free(t->out);
}

int dl_quant_layer_sqnr(MlirModule float_m, MlirModule q_m, const DlTensor *data, int64_t samples, DlLayerSqnr **out,
                        double *out_cos, DlError *e) {
  Table t = {.want_cos = out_cos != NULL};
  *out = NULL;
  if (!collect(q_m, &t, e) || measure(float_m, q_m, data, samples, &t, e) < 0) return table_free(&t), -1;
  if (out_cos) {
    *out_cos = NAN;
    for (int k = 0; k < t.nout; k++) {
      double d = t.out[k][0], rr = t.out[k][1], yy = t.out[k][2];
      if (!(rr > 0)) continue; /* an all-zero reference: no direction to compare */
      double c = yy > 0 ? d / sqrt(rr * yy) : 0.0;
      if (isnan(*out_cos) || c < *out_cos) *out_cos = c;
    }
  }
  DlLayerSqnr *r = calloc((size_t)(t.n ? t.n : 1), sizeof *r);
  for (int i = 0; i < t.n; i++) {
    Layer *l = &t.l[i];
    snprintf(r[i].node, sizeof r[i].node, "%s", l->name);
    r[i].op = l->op;
    r[i].sqnr_db = !(l->signal > 0) ? NAN : l->noise > 0 ? 10 * log10(l->signal / l->noise) : INFINITY;
  }
  int n = t.n;
  table_free(&t);
  *out = r;
  return n;
}

cJSON *dl_quant_report_create(MlirModule float_m, MlirModule q_m, const DlTensor *data, int64_t samples, DlError *e) {
  Table t = {0};
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "schema", DL_SCHEMA_QUANT_REPORT);
  cJSON *layers = cJSON_AddArrayToObject(root, "layers");
  bool ok = false;
  int64_t ran = 0;
  if (!collect(q_m, &t, e)) goto done;
  if (data && samples != 0 && (ran = measure(float_m, q_m, data, samples, &t, e)) < 0) goto done;
  int64_t tot_macs = 0, tot_wbytes = 0, tot_sparse = 0;
  bool any_outliers = false;
  for (int i = 0; i < t.n; i++) {
    Layer *l = &t.l[i];
    DlOpKind k = dl_op_kind(l->op);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "node", l->name);
    cJSON_AddStringToObject(j, "op", dl_op_info(k)->mnemonic);
    MlirValue r = mlirOperationGetResult(l->op, 0);
    DlQParams p;
    if (dl_qparams_of_type(mlirValueGetType(r), &p)) {
      cJSON_AddNumberToObject(j, "activation_bits", p.bits);
      cJSON_AddNumberToObject(j, "scale", p.scale);
      cJSON_AddNumberToObject(j, "zero_point", (double)p.zp);
    } else {
      cJSON_AddStringToObject(j, "activation_bits", "float");
    }
    int wb;
    int64_t wc;
    double smin, smax;
    bool pc;
    if (weight_info(l->op, &wb, &wc, &smin, &smax, &pc)) {
      int64_t bytes = (wc * wb + 7) / 8;
      cJSON_AddNumberToObject(j, "weight_bits", wb);
      cJSON_AddStringToObject(j, "weight_granularity", pc ? "per_channel" : "per_tensor");
      cJSON_AddNumberToObject(j, "weight_scale_min", smin);
      cJSON_AddNumberToObject(j, "weight_scale_max", smax);
      cJSON_AddNumberToObject(j, "weight_bytes", (double)bytes);
      tot_wbytes += bytes;
      MlirAttribute cb = mlirOperationGetDiscardableAttributeByName(l->op, dl_str("dlc.codebook"));
      if (!mlirAttributeIsNull(cb) && mlirAttributeIsADenseI8Array(cb)) { /* --wquant: indices + codebooks */
        /* one codebook per output channel (the per-axis type's scales), or one */
        MlirType et = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(l->op, 1)));
        int64_t len = mlirDenseArrayGetNumElements(cb), ib = 0,
                groups = mlirTypeIsAUniformQuantizedPerAxisType(et) ? mlirUniformQuantizedPerAxisTypeGetNumDims(et) : 1;
        while (((int64_t)1 << ib) < len / (groups ? groups : 1)) ib++;
        cJSON_AddNumberToObject(j, "codebook_index_bits", (double)ib);
        cJSON_AddNumberToObject(j, "codebook_bytes", (double)len);
        cJSON_AddNumberToObject(j, "codebook_weight_bytes", (double)((wc * ib + 7) / 8 + len));
      }
      MlirAttribute o = mlirOperationGetDiscardableAttributeByName(l->op, dl_str("dlc.outliers"));
      if (!mlirAttributeIsNull(o) && mlirAttributeIsADenseI64Array(o) && mlirDenseArrayGetNumElements(o) == 2) {
        /* dense part packed at its bits, each outlier as a 4-byte index and its value in bytes */
        int64_t dbits = mlirDenseI64ArrayGetElement(o, 0), count = mlirDenseI64ArrayGetElement(o, 1);
        int64_t sparse = (wc * dbits + 7) / 8 + count * (4 + (wb + 7) / 8);
        cJSON_AddNumberToObject(j, "dense_weight_bits", (double)dbits);
        cJSON_AddNumberToObject(j, "outliers", (double)count);
        cJSON_AddNumberToObject(j, "outlier_fraction", (double)count / (double)(wc ? wc : 1));
        cJSON_AddNumberToObject(j, "sparse_weight_bytes", (double)sparse);
        tot_sparse += sparse, any_outliers = true;
      } else {
        tot_sparse += bytes;
      }
    } else if (mlirOperationGetNumOperands(l->op) > 1 && !mlirAttributeIsNull(dl_value_constant(mlirOperationGetOperand(l->op, 1)))) {
      DlShape s;
      dl_type_to_shape(mlirValueGetType(mlirOperationGetOperand(l->op, 1)), &s);
      int64_t bytes = dl_shape_numel(&s) * (int64_t)dl_dtype_size(s.dtype);
      cJSON_AddStringToObject(j, "weight_bits", "float");
      cJSON_AddNumberToObject(j, "weight_bytes", (double)bytes);
      tot_wbytes += bytes, tot_sparse += bytes;
    }
    int64_t macs = macs_of(l->op, k);
    if (macs) cJSON_AddNumberToObject(j, "macs", (double)macs);
    tot_macs += macs;
    if (ran && l->signal > 0 && l->noise > 0) cJSON_AddNumberToObject(j, "sqnr_db", 10 * log10(l->signal / l->noise));
    else if (ran && l->signal > 0) cJSON_AddStringToObject(j, "sqnr_db", "exact");
    cJSON_AddItemToArray(layers, j);
  }
  cJSON *tot = cJSON_AddObjectToObject(root, "totals");
  cJSON_AddNumberToObject(tot, "macs", (double)tot_macs);
  cJSON_AddNumberToObject(tot, "weight_bytes", (double)tot_wbytes);
  if (any_outliers) cJSON_AddNumberToObject(tot, "sparse_weight_bytes", (double)tot_sparse);
  cJSON_AddNumberToObject(tot, "sqnr_samples", (double)ran);
  ok = true;
done:
  table_free(&t);
  if (!ok) cJSON_Delete(root), root = NULL;
  return root;
}

/* The row of `node` in rows, or a new one at the end. */
static cJSON *row_of(cJSON *rows, const char *node) {
  cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "node");
    if (cJSON_IsString(n) && !strcmp(n->valuestring, node)) return r;
  }
  r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "node", node);
  cJSON_AddItemToArray(rows, r);
  return r;
}

static void add_to(cJSON *row, const char *key, double v) {
  cJSON *x = cJSON_GetObjectItemCaseSensitive(row, key);
  if (x) cJSON_SetNumberValue(x, x->valuedouble + v);
  else cJSON_AddNumberToObject(row, key, v);
}

bool dl_quant_report_html(FILE *f, const cJSON *report, const char *target, bool timed, const DlLayerCost *c, int n) {
  cJSON *rows = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(report, "layers"), true);
  for (int i = 0; target && i < n; i++) {
    if (!c[i].ns && !c[i].nj && !c[i].bytes) continue; /* what the model does not charge (aliases) */
    cJSON *r = row_of(rows, c[i].node);
    if (timed) add_to(r, "cost_ns", c[i].ns), add_to(r, "cost_nj", c[i].nj);
    add_to(r, "cost_bytes", c[i].bytes);
  }
  DlHtmlColumn cols[] = {
      {"op", "op", false},
      {"weight_bits", "weight bits", true},
      {"activation_bits", "activation bits", true},
      {"sqnr_db", "SQNR against float (dB)", true},
      {"macs", "MACs per sample", false},
      {"weight_bytes", "weight bytes", false},
      {"cost_ns", "time per sample (ns)", true},
      {"cost_nj", "energy per sample (nJ)", true},
      {"cost_bytes", timed ? "DRAM bytes per sample" : "weight bytes (cost model)", true},
  };
  int ncols = !target ? 6 : timed ? 9 : 7;
  if (target && !timed) cols[6] = cols[8];
  char title[96], summary[160];
  const cJSON *tot = cJSON_GetObjectItemCaseSensitive(report, "totals");
  const cJSON *sn = cJSON_GetObjectItemCaseSensitive(tot, "sqnr_samples");
  snprintf(title, sizeof title, "dlc: quantization report%s%s", target ? ", cost on " : "", target ? target : "");
  snprintf(summary, sizeof summary, "SQNR measured on %.0f calibration samples", cJSON_IsNumber(sn) ? sn->valuedouble : 0);
  bool ok = dl_html_report_write(f, title, summary, rows, cols, ncols);
  cJSON_Delete(rows);
  return ok;
}
