/* --compress-activations: chooses, per activation the C target can keep
 * compressed (or, with target "acc", per activation the accelerator stores
 * in DRAM), a scheme and a K (mixed K-lossy) from measurements with the
 * interpreter on calibration samples, under a memory budget and an accuracy
 * budget (lib/compress/choose.c), and writes them as `dlc.compress` on the
 * producing ops.
 *
 * Settings come from the func's `dlc.compress_opts` dictionary (the driver
 * writes it from --compress-* flags; dlc-opt users write it by hand):
 *   calib (string, .npy, required), labels (.npy, int64: then the losses
 *   are of accuracy, else of top-1 agreement), samples (default 1000, 0: all),
 *   budget (bytes, default none), traffic (bool: the budget counts activation
 *   traffic instead of the arena peak), max_loss (points, default 0),
 *   kmax (default 4), block (256), sub (16), reserve ("auto", "bound" or
 *   "calib"), margin (default 0.05), report (a file for the report table),
 *   target ("c", the default, or "acc"), holdout (share of the samples, the
 *   last ones, kept from the search to check its choice on; default 0).
 * The options are consumed: the result carries `dlc.compression` instead, a
 * summary {measure, bytes, bytes_raw, loss, samples}. */
#include <stdio.h>
#include <string.h>

#include "dlc/compress.h"
#include "dlc/npy.h"
#include "dlc/quant.h"
#include "pass_util.h"

static bool opt_str(MlirAttribute d, const char *key, char *out, size_t n) {
  MlirAttribute a = mlirDictionaryAttrGetElementByName(d, dl_str(key));
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAString(a)) return false;
  MlirStringRef r = mlirStringAttrGetValue(a);
  snprintf(out, n, "%.*s", (int)r.length, r.data);
  return true;
}

static double opt_num(MlirAttribute d, const char *key, double dflt) {
  MlirAttribute a = mlirDictionaryAttrGetElementByName(d, dl_str(key));
  if (mlirAttributeIsNull(a)) return dflt;
  if (mlirAttributeIsAInteger(a)) return (double)mlirIntegerAttrGetValueInt(a);
  if (mlirAttributeIsAFloat(a)) return mlirFloatAttrGetValueDouble(a);
  if (mlirAttributeIsABool(a)) return mlirBoolAttrGetValue(a);
  return dflt;
}

/* The pass's work on one func; false with a message in e. */
static bool compress_func(MlirOperation func, DlError *e) {
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(func, dl_str("dlc.compress_opts"));
  char calib[4096], labels[4096] = "", report[4096] = "", report_text[4096] = "", reserve[16] = "auto", target[16] = "c";
  if (mlirAttributeIsNull(d) || !mlirAttributeIsADictionary(d) ||
      !opt_str(d, "calib", calib, sizeof calib))
    return dl_error_set(e, "--compress-activations needs calibration samples: dlc.compress_opts = "
                           "{calib = \"FILE.npy\"} "
                           "on the func (dlc: --calib)");
  opt_str(d, "report", report, sizeof report);
  opt_str(d, "report_text", report_text, sizeof report_text);
  opt_str(d, "labels", labels, sizeof labels);
  opt_str(d, "reserve", reserve, sizeof reserve);
  opt_str(d, "target", target, sizeof target);
  DlCompressSettings s = {(int64_t)opt_num(d, "budget", 0),
                          opt_num(d, "traffic", 0) != 0,
                          opt_num(d, "max_loss", 0),
                          (int)opt_num(d, "kmax", 4),
                          (int)opt_num(d, "block", 256),
                          (int)opt_num(d, "sub", 16),
                          (int64_t)opt_num(d, "samples", 1000),
                          DL_RESERVE_AUTO,
                          opt_num(d, "margin", 0.05),
                          false,
                          opt_num(d, "holdout", 0)};
  static const char *const where[2] = {"c", "acc"}; /* the arena, or the accelerator's DRAM (s.acc) */
  int w = 0;
  while (w < 2 && strcmp(target, where[w])) w++;
  if (w == 2) return dl_error_set(e, "dlc.compress_opts: target must be c or acc (got '%s')", target);
  s.acc = w == 1;
  if (!strcmp(reserve, "bound"))
    s.reserve = DL_RESERVE_BOUND;
  else if (!strcmp(reserve, "calib"))
    s.reserve = DL_RESERVE_CALIB;
  else if (strcmp(reserve, "auto"))
    return dl_error_set(e, "dlc.compress_opts: reserve must be auto, bound or calib (got '%s')",
                        reserve);
  if (s.budget < 0 || s.margin < 0 || s.samples < 0)
    return dl_error_set(e, "dlc.compress_opts: budget, margin and samples must not be negative");
  if (s.block < 8 || s.block % 8 || s.block > 65536 || s.sub < 1 || s.block % s.sub)
    return dl_error_set(
        e, "dlc.compress_opts: block must be a multiple of 8 up to 65536, divided by sub");
  DlTensor data = {0}, lab = {0};
  DlCompressReport rep = {0};
  DlBuf text = {0};
  MlirModule m = mlirModuleFromOperation(mlirOperationGetParentOperation(func));
  bool ok = dl_npy_read(calib, &data, e) &&
            (!labels[0] || dl_npy_read_labels(labels, dl_calib_samples(m, &data), "calibration sample", &lab, e)) &&
            dl_compress_choose(m, &data, labels[0] ? &lab : NULL, &s, &rep, e);
  if (ok && report[0]) {
    dl_compress_report_json(&rep, &text);
    ok = dl_write_file_atomic(report, text.data, text.len, e);
  }
  if (ok && report_text[0]) {
    text.len = 0;
    dl_compress_report_print(&rep, &text);
    ok = dl_write_file_atomic(report_text, text.data, text.len, e);
  }
  if (ok) {
    MlirContext ctx = mlirOperationGetContext(func);
    MlirType i64 = mlirIntegerTypeGet(ctx, 64), f64 = mlirF64TypeGet(ctx);
    MlirNamedAttribute kv[5] = {
        mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("measure")),
                              mlirStringAttrGet(ctx, dl_str(rep.traffic ? "traffic" : "peak"))),
        mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("bytes")),
                              mlirIntegerAttrGet(i64, (int64_t)rep.mem)),
        mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("bytes_raw")),
                              mlirIntegerAttrGet(i64, (int64_t)rep.mem_raw)),
        mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("loss")),
                              mlirFloatAttrDoubleGet(ctx, f64, rep.loss)),
        mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("samples")),
                              mlirIntegerAttrGet(i64, rep.samples)),
    };
    mlirOperationSetDiscardableAttributeByName(func, dl_str("dlc.compression"),
                                               mlirDictionaryAttrGet(ctx, 5, kv));
    mlirOperationRemoveDiscardableAttributeByName(func, dl_str("dlc.compress_opts"));
  }
  dl_buf_free(&text);
  dl_compress_report_free(&rep);
  dl_tensor_free(&data), dl_tensor_free(&lab);
  return ok;
}

bool dl_pass_compress_activations(MlirOperation func) {
  DlError e = {0};
  bool ok = compress_func(func, &e);
  if (!ok) {
    char msg[1200];
    snprintf(msg, sizeof msg, "--compress-activations: %s", e.msg);
    mlirEmitError(mlirOperationGetLocation(func), msg);
  }
  dl_error_clear(&e);
  return ok;
}

bool dl_compress_module(MlirModule m, const char *calib, const char *labels,
                        const DlCompressSettings *s, const char *report, const char *report_text, DlError *e) {
  MlirOperation func = mlirBlockGetFirstOperation(mlirModuleGetBody(m));
  while (!mlirOperationIsNull(func) && !dl_op_is(func, "func.func"))
    func = mlirOperationGetNextInBlock(func);
  if (mlirOperationIsNull(func)) return dl_error_set(e, "module has no func.func");
  MlirContext ctx = mlirModuleGetContext(m);
  MlirType i64 = mlirIntegerTypeGet(ctx, 64), f64 = mlirF64TypeGet(ctx);
  static const char *const reserve[] = {"auto", "bound", "calib"};
  MlirNamedAttribute kv[16]; /* one per KV below */
  int n = 0;
#define KV(key, attr) kv[n++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str(key)), attr)
  KV("calib", mlirStringAttrGet(ctx, dl_str(calib)));
  KV("budget", mlirIntegerAttrGet(i64, s->budget));
  KV("traffic", mlirBoolAttrGet(ctx, s->traffic));
  KV("max_loss", mlirFloatAttrDoubleGet(ctx, f64, s->max_loss));
  KV("kmax", mlirIntegerAttrGet(i64, s->kmax));
  KV("block", mlirIntegerAttrGet(i64, s->block));
  KV("sub", mlirIntegerAttrGet(i64, s->sub));
  KV("samples", mlirIntegerAttrGet(i64, s->samples));
  KV("reserve", mlirStringAttrGet(ctx, dl_str(reserve[s->reserve])));
  KV("margin", mlirFloatAttrDoubleGet(ctx, f64, s->margin));
  KV("target", mlirStringAttrGet(ctx, dl_str(s->acc ? "acc" : "c")));
  if (s->holdout > 0) KV("holdout", mlirFloatAttrDoubleGet(ctx, f64, s->holdout));
  if (report) KV("report", mlirStringAttrGet(ctx, dl_str(report)));
  if (report_text) KV("report_text", mlirStringAttrGet(ctx, dl_str(report_text)));
  if (labels) KV("labels", mlirStringAttrGet(ctx, dl_str(labels)));
#undef KV
  mlirOperationSetDiscardableAttributeByName(func, dl_str("dlc.compress_opts"),
                                             mlirDictionaryAttrGet(ctx, n, kv));
  /* the pass's work without the pass manager, so the driver shows one message, not a diagnostic and
   * a pipeline failure */
  if (compress_func(func, e)) return true;
  mlirOperationRemoveDiscardableAttributeByName(func, dl_str("dlc.compress_opts"));
  return false;
}
