/* --config FILE.json: quantization settings, global and per ONNX node.
 *
 *   {
 *     "defaults": {"wbits": 8, "abits": 8, "granularity": "per_channel",
 *                  "scheme": "asymmetric", "pow2": false, "wclip": "max",
 *                  "calibration": "percentile=99.99", "calibration_samples": 1000},
 *     "nodes": {"conv1": {"wbits": 4, "calibration": "mse"}, "fc": {"keep_float": true},
 *               "conv2": {"wbits": 4, "outliers": 0.02, "outlier_bits": 8, "prune": "unstructured:0.5"}}
 *   }
 *
 * "defaults" replace the built-in defaults (command-line flags given after
 * still win); each entry of "nodes" becomes the `dlc.quant` dictionary of the
 * op imported from that node, which --calibrate and --quantize read. Every
 * key and value is checked; a mistake is one error naming the file and the
 * key path. A node's "prune" (a --prune spec) becomes `dlc.prune_spec` on its
 * op, pruned before calibration with the defaults' "prune_compensation"
 * ("none", "bias" or "reconstruct"; default "none"). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/approx.h"
#include "dlc/prune.h"
#include "dlc/quant.h"
#include "dlc/schema.h"
#include "dlc/support.h"

struct DlQuantConfig {
  cJSON *root;
  char path[512];
};

static bool bad(DlError *e, const DlQuantConfig *c, const char *where, const char *fmt, const char *detail) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, detail);
  return dl_error_set(e, "%s: %s: %s", c->path, where, msg);
}

/* A number that is an integer in [lo, hi]; compared as a double first, since
 * converting one outside int's range is undefined. */
static bool is_int_in(const cJSON *it, double lo, double hi) {
  return cJSON_IsNumber(it) && it->valuedouble >= lo && it->valuedouble <= hi &&
         it->valuedouble == (double)(int64_t)it->valuedouble;
}

/* Checks one settings object; `per_node` allows keep_float, forbids calibration_samples. */
static bool check_settings(const DlQuantConfig *c, const cJSON *o, const char *where, bool per_node, DlError *e) {
  if (!cJSON_IsObject(o)) return bad(e, c, where, "%s", "must be an object");
  for (const cJSON *it = o->child; it; it = it->next) {
    char w[600];
    snprintf(w, sizeof w, "%s.%s", where, it->string);
    const char *k = it->string;
    if (!strcmp(k, "wbits") || !strcmp(k, "abits")) {
      if (!is_int_in(it, 2, 16))
        return bad(e, c, w, "%s", "must be an integer from 2 to 16");
    } else if (!strcmp(k, "outliers")) {
      if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0 && it->valuedouble < 0.5))
        return bad(e, c, w, "%s", "must be a fraction from 0 (none) to below 0.5");
    } else if (!strcmp(k, "outlier_bits")) {
      if (!is_int_in(it, 3, 16))
        return bad(e, c, w, "%s", "must be an integer from 3 to 16 (and more than wbits)");
    } else if (!strcmp(k, "granularity")) {
      if (!cJSON_IsString(it) || (strcmp(it->valuestring, "per_channel") && strcmp(it->valuestring, "per_tensor")))
        return bad(e, c, w, "%s", "must be \"per_channel\" or \"per_tensor\"");
    } else if (!strcmp(k, "scheme")) {
      if (!cJSON_IsString(it) || (strcmp(it->valuestring, "symmetric") && strcmp(it->valuestring, "asymmetric")))
        return bad(e, c, w, "%s", "must be \"symmetric\" or \"asymmetric\"");
    } else if (!strcmp(k, "pow2") || (per_node && !strcmp(k, "keep_float"))) {
      if (!cJSON_IsBool(it)) return bad(e, c, w, "%s", "must be true or false");
    } else if (!strcmp(k, "wclip")) {
      DlWeightClip wc;
      if (!cJSON_IsString(it) || !dl_wclip_parse(it->valuestring, &wc))
        return bad(e, c, w, "%s", "must be \"max\", \"mse\" or \"omse\"");
    } else if (!strcmp(k, "wquant")) {
      DlWeightQuant wq;
      if (!cJSON_IsString(it) || !dl_wquant_parse(it->valuestring, strlen(it->valuestring), &wq))
        return bad(e, c, w, "%s", "must be \"uniform\", \"wentropy\", \"wentropy-lloyd\" or \"wentropy-plain\"");
    } else if (!strcmp(k, "calibration")) {
      DlCalibMethod m;
      double p;
      if (!cJSON_IsString(it) || !dl_calib_method_parse(it->valuestring, &m, &p))
        return bad(e, c, w, "%s", "must be \"auto\", \"minmax\", \"percentile\", \"percentile=P\", \"entropy\" or \"mse\"");
    } else if (!strcmp(k, "approx")) {
      DlApprox a;
      DlError ae = {0};
      if (!cJSON_IsString(it) || !dl_approx_create(it->valuestring, &a, &ae)) {
        bool r = bad(e, c, w, "must be an approximate multiplier: %s", ae.msg ? ae.msg : "a string such as \"drum:4\"");
        dl_error_clear(&ae);
        return r;
      }
      dl_approx_destroy(&a);
    } else if (per_node && !strcmp(k, "prune")) {
      DlPruneSettings ps = {0};
      DlError pe = {0};
      bool good = cJSON_IsString(it) && dl_prune_spec_parse(it->valuestring, &ps, &pe);
      if (!good) {
        bool r = bad(e, c, w, "must be a --prune spec: %s",
                     pe.msg ? pe.msg : "unstructured:R, nm:N:M, rows:R, cols:R or filters:R");
        dl_error_clear(&pe);
        return r;
      }
    } else if (!per_node && !strcmp(k, "prune_compensation")) {
      if (!cJSON_IsString(it) || (strcmp(it->valuestring, "none") && strcmp(it->valuestring, "bias") &&
                                  strcmp(it->valuestring, "reconstruct")))
        return bad(e, c, w, "%s", "must be \"none\", \"bias\" or \"reconstruct\"");
    } else if (!per_node && !strcmp(k, "weight_rounding")) {
      DlWeightRound r;
      if (!cJSON_IsString(it) || !dl_wround_parse(it->valuestring, &r))
        return bad(e, c, w, "%s", "must be \"nearest\", \"gptq\", \"adaround\", \"brecq\" or \"auto\"");
    } else if (!per_node && !strcmp(k, "approx_compensate")) {
      if (!cJSON_IsBool(it)) return bad(e, c, w, "%s", "must be true or false (as --approx-compensate)");
    } else if (!per_node && !strcmp(k, "highway")) {
      if (!is_int_in(it, 2, 16)) return bad(e, c, w, "%s", "must be an integer from 2 to 16 (the residual path's activation bits)");
    } else if (!per_node && (!strcmp(k, "calibration_samples") || !strcmp(k, "prune_samples"))) {
      if (!is_int_in(it, 0, 9007199254740992.0)) /* 2^53: every integer up to it is exact */
        return bad(e, c, w, "%s", "must be a non-negative integer (0: all)");
    } else {
      return bad(e, c, w, "unknown key (expected %s)",
                 per_node ? "wbits, abits, granularity, scheme, pow2, wclip, wquant, outliers, "
                            "outlier_bits, calibration, approx, prune or keep_float"
                          : "wbits, abits, granularity, scheme, pow2, wclip, wquant, outliers, "
                            "outlier_bits, calibration, approx, approx_compensate, calibration_samples, prune_compensation, "
                            "prune_samples, weight_rounding or highway");
    }
  }
  return true;
}

DlQuantConfig *dl_quant_config_load(const char *path, DlQuantSettings *s, DlError *e) {
  char *text;
  size_t len;
  if (!dl_read_file(path, &text, &len, e)) return NULL;
  DlQuantConfig *c = dl_quant_config_parse(text, len, path, s, e);
  free(text);
  return c;
}

DlQuantConfig *dl_quant_config_parse(const char *text, size_t len, const char *path, DlQuantSettings *s, DlError *e) {
  DlQuantConfig *c = calloc(1, sizeof *c);
  snprintf(c->path, sizeof c->path, "%s", path);
  const char *end = NULL;
  c->root = cJSON_ParseWithLengthOpts(text, len, &end, false);
  while (c->root && end && end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')) end++;
  bool trailing = c->root && end && end < text + len;
  if (!c->root || trailing) {
    const char *at = trailing ? end : cJSON_GetErrorPtr();
    int line = 1;
    for (const char *p = text; at && p < at && p < text + len; p++) line += *p == '\n';
    dl_error_set(e, "%s:%d: %s", path, line, trailing ? "text after the JSON value" : "not valid JSON");
    dl_quant_config_destroy(c);
    return NULL;
  }
  bool ok = cJSON_IsObject(c->root) || bad(e, c, "top level", "%s", "must be an object");
  for (const cJSON *it = ok ? c->root->child : NULL; it && ok; it = it->next) {
    if (!strcmp(it->string, "defaults")) ok = check_settings(c, it, "defaults", false, e);
    else if (!strcmp(it->string, "nodes")) {
      ok = cJSON_IsObject(it) || bad(e, c, "nodes", "%s", "must be an object mapping ONNX node names to settings");
      for (const cJSON *n = ok ? it->child : NULL; n && ok; n = n->next) {
        char w[600];
        snprintf(w, sizeof w, "nodes.%s", n->string);
        ok = check_settings(c, n, w, true, e);
      }
    } else if (!strcmp(it->string, "schema")) { /* what --assign-config writes; optional */
      ok = (cJSON_IsString(it) && !strcmp(it->valuestring, DL_SCHEMA_CONFIG)) ||
           bad(e, c, "schema", "%s", "must be \"" DL_SCHEMA_CONFIG "\" (a config of another version of dlc?)");
    } else {
      ok = bad(e, c, it->string, "%s", "unknown key (expected \"schema\", \"defaults\" or \"nodes\")");
    }
  }
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(c->root, "defaults");
  for (const cJSON *it = ok && d ? d->child : NULL; it; it = it->next) {
    const char *k = it->string;
    if (!strcmp(k, "wbits")) s->wbits = it->valueint;
    else if (!strcmp(k, "abits")) s->abits = it->valueint;
    else if (!strcmp(k, "granularity")) s->per_tensor = !strcmp(it->valuestring, "per_tensor");
    else if (!strcmp(k, "scheme")) s->symmetric = !strcmp(it->valuestring, "symmetric");
    else if (!strcmp(k, "pow2")) s->pow2 = cJSON_IsTrue(it);
    else if (!strcmp(k, "outliers")) s->outliers = it->valuedouble;
    else if (!strcmp(k, "outlier_bits")) s->outlier_bits = it->valueint;
    else if (!strcmp(k, "wclip")) dl_wclip_parse(it->valuestring, &s->wclip);
    else if (!strcmp(k, "wquant")) dl_wquant_parse(it->valuestring, strlen(it->valuestring), &s->wquant);
    else if (!strcmp(k, "calibration")) dl_calib_method_parse(it->valuestring, &s->calib.method, &s->calib.percentile);
    else if (!strcmp(k, "calibration_samples")) s->calib.limit = (int64_t)it->valuedouble;
    else if (!strcmp(k, "weight_rounding")) dl_wround_parse(it->valuestring, &s->wround);
    else if (!strcmp(k, "highway")) s->highway = it->valueint;
    else if (!strcmp(k, "approx")) s->approx = it->valuestring;
    else if (!strcmp(k, "approx_compensate")) s->approx_compensate |= cJSON_IsTrue(it);
  }
  if (!ok) dl_quant_config_destroy(c), c = NULL;
  return c;
}

void dl_quant_config_destroy(DlQuantConfig *c) {
  if (!c) return;
  cJSON_Delete(c->root);
  free(c);
}

static MlirNamedAttribute named(MlirContext ctx, const char *n, MlirAttribute a) {
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str(n)), a);
}

/* One node's settings as the dlc.quant dictionary --quantize reads. */
static MlirAttribute settings_attr(MlirContext ctx, const cJSON *o) {
  MlirNamedAttribute el[16];
  int n = 0;
  MlirType i64 = mlirIntegerTypeGet(ctx, 64);
  for (const cJSON *it = o->child; it && n < 16; it = it->next) {
    const char *k = it->string;
    if (!strcmp(k, "wbits") || !strcmp(k, "abits")) el[n++] = named(ctx, k, mlirIntegerAttrGet(i64, it->valueint));
    else if (!strcmp(k, "granularity"))
      el[n++] = named(ctx, "per_channel", mlirBoolAttrGet(ctx, !strcmp(it->valuestring, "per_channel")));
    else if (!strcmp(k, "scheme"))
      el[n++] = named(ctx, "asymmetric", mlirBoolAttrGet(ctx, !strcmp(it->valuestring, "asymmetric")));
    else if (!strcmp(k, "pow2")) el[n++] = named(ctx, "pow2", mlirBoolAttrGet(ctx, cJSON_IsTrue(it)));
    else if (!strcmp(k, "keep_float")) el[n++] = named(ctx, "float", mlirBoolAttrGet(ctx, cJSON_IsTrue(it)));
    else if (!strcmp(k, "outliers"))
      el[n++] = named(ctx, k, mlirFloatAttrDoubleGet(ctx, mlirF64TypeGet(ctx), it->valuedouble));
    else if (!strcmp(k, "outlier_bits")) el[n++] = named(ctx, k, mlirIntegerAttrGet(i64, it->valueint));
    else if (!strcmp(k, "wclip") || !strcmp(k, "wquant") || !strcmp(k, "calibration"))
      el[n++] = named(ctx, k, mlirStringAttrGet(ctx, dl_str(it->valuestring)));
  }
  return mlirDictionaryAttrGet(ctx, n, el);
}

bool dl_quant_config_apply(MlirModule m, const DlQuantConfig *c, DlError *e) {
  const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(c->root, "nodes");
  if (!nodes) return true;
  MlirContext ctx = mlirModuleGetContext(m);
  int nmissing = 0;
  char missing[1024] = "";
  for (const cJSON *n = nodes->child; n; n = n->next) {
    bool found = false, layer = false, alayer = false;
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(n, "prune");
    const cJSON *ax = cJSON_GetObjectItemCaseSensitive(n, "approx");
    MlirOperation func = mlirBlockGetFirstOperation(mlirModuleGetBody(m));
    for (; !mlirOperationIsNull(func); func = mlirOperationGetNextInBlock(func)) {
      if (!dl_op_is(func, "func.func")) continue;
      MlirBlock b = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
      for (MlirOperation op = mlirBlockGetFirstOperation(b); !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
        char where[256];
        dl_location_str(mlirOperationGetLocation(op), where, sizeof where);
        if (strcmp(where, n->string) || dl_op_is(op, "arith.constant")) continue;
        mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.quant"), settings_attr(ctx, n));
        DlOpKind k = dl_op_kind(op);
        if (ax && (k == DL_OP_CONV || k == DL_OP_GEMM || k == DL_OP_MATMUL)) { /* checked once quantized */
          mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.approx"), mlirStringAttrGet(ctx, dl_str(ax->valuestring)));
          alayer = true;
        }
        if (pr && (k == DL_OP_CONV || k == DL_OP_GEMM || k == DL_OP_MATMUL)) {
          mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.prune_spec"),
                                                     mlirStringAttrGet(ctx, dl_str(pr->valuestring)));
          layer = true;
        }
        found = true;
      }
    }
    if (found && ax && !alayer)
      return dl_error_set(e, "%s: nodes.%s.approx: node '%s' is not a Conv, Gemm or MatMul; only their products "
                             "can be approximate", c->path, n->string, n->string);
    if (found && pr && !layer)
      return dl_error_set(e, "%s: nodes.%s.prune: node '%s' is not a Conv, Gemm or MatMul; only their weights "
                             "can be pruned", c->path, n->string, n->string);
    if (!found) {
      size_t l = strlen(missing);
      snprintf(missing + l, sizeof missing - l, "%s'%s'", nmissing++ ? ", " : "", n->string);
    }
  }
  if (nmissing)
    return dl_error_set(e, "%s: nodes: %s %s not in the model (node names are the ONNX node names; dlc --emit=qg "
                           "--print-loc shows them)", c->path, missing, nmissing > 1 ? "are" : "is");
  return true;
}

bool dl_quant_config_prunes(const DlQuantConfig *c, DlPruneComp *comp, int64_t *samples) {
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(c->root, "defaults");
  const cJSON *pc = d ? cJSON_GetObjectItemCaseSensitive(d, "prune_compensation") : NULL;
  const cJSON *psm = d ? cJSON_GetObjectItemCaseSensitive(d, "prune_samples") : NULL;
  *samples = psm ? (int64_t)psm->valuedouble : 0;
  *comp = !pc || !strcmp(pc->valuestring, "none") ? DL_PRUNE_COMP_NONE
          : !strcmp(pc->valuestring, "bias")      ? DL_PRUNE_COMP_BIAS
                                                  : DL_PRUNE_COMP_RECONSTRUCT;
  const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(c->root, "nodes");
  for (const cJSON *n = nodes ? nodes->child : NULL; n; n = n->next)
    if (cJSON_GetObjectItemCaseSensitive(n, "prune")) return true;
  return false;
}
