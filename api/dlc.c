/* libdlc's public API (include/dlc/dlc.h) over the functions the tools run:
 * the import front end (dl_front_import), the pass table and its pipeline
 * parser (dl_run_pipeline), calibration and quantization
 * (dl_quantize_module) and the target table (DL_PIPELINE_LOWER, then
 * DlTarget.emit). What the tools
 * print, a context keeps: MLIR's error diagnostics and the DlError of the
 * call become dlc_last_error, warnings go to the caller's handler. */
#include "dlc/dlc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlc/front.h"
#include "dlc/npy.h"
#include "dlc/passes.h"
#include "dlc/pipeline.h"
#include "dlc/support.h"
#include "dlc/target.h"

struct dlc_context {
  MlirContext mlir;
  char *error; /* the last call's message, or NULL */
  DlBuf diags; /* error diagnostics of the call under way */
  dlc_warning_fn warn;
  void *warn_user;
  int modules;  /* alive: they keep the MLIR context */
  bool closing; /* destroyed with modules alive: the last one finishes it */
};

struct dlc_module {
  dlc_context *ctx;
  MlirModule m;
  char source[256]; /* the file it came from, for generated comments */
};

#define FAIL(...) return dl_error_set(e, __VA_ARGS__)

DLC_API const char *dlc_version(void) { return DLC_VERSION; }

/* ---- diagnostics ------------------------------------------------------------ */

static void buf_write(MlirStringRef s, void *u) { dl_buf_append(u, s.data, s.length); }

/* An MLIR diagnostic as the tools print it without their "dlc: error: ":
 * "LOC: message", errors and notes kept for the call's message. */
static MlirLogicalResult on_diagnostic(MlirDiagnostic d, void *user) {
  dlc_context *c = user;
  MlirDiagnosticSeverity sev = mlirDiagnosticGetSeverity(d);
  if (sev == MlirDiagnosticRemark) return mlirLogicalResultSuccess();
  char loc[512];
  dl_location_str(mlirDiagnosticGetLocation(d), loc, sizeof loc);
  DlBuf b = {0};
  dl_buf_printf(&b, "%s%s%s", sev == MlirDiagnosticNote ? "note: " : "", loc, loc[0] ? ": " : "");
  mlirDiagnosticPrint(d, buf_write, &b);
  if (sev == MlirDiagnosticWarning) {
    if (c->warn) c->warn(b.data, c->warn_user);
  } else {
    dl_buf_printf(&c->diags, "%s%s", c->diags.len ? "\n" : "", b.data);
  }
  dl_buf_free(&b);
  return mlirLogicalResultSuccess();
}

static void on_warning(const char *msg, void *user) {
  dlc_context *c = user;
  if (c->warn) c->warn(msg, c->warn_user);
}

/* A call begins: the last message goes. */
static void begin(dlc_context *c) {
  free(c->error);
  c->error = NULL;
  c->diags.len = 0;
}

/* A call ends: its status, and its message (the diagnostics, then e) when it failed. */
static dlc_status finish(dlc_context *c, bool ok, DlError *e) {
  dlc_status st = ok ? DLC_OK : dl_error_is_internal(e) ? DLC_ERROR_INTERNAL : DLC_ERROR;
  if (!ok) {
    DlBuf b = {0};
    if (c->diags.len) dl_buf_printf(&b, "%.*s", (int)c->diags.len, c->diags.data);
    if (e->msg) dl_buf_printf(&b, "%s%s", b.len ? "\n" : "", e->msg);
    if (!b.len) dl_buf_printf(&b, "internal: a call failed without a message");
    c->error = b.data;
  }
  c->diags.len = 0;
  dl_error_clear(e);
  return st;
}

DLC_API dlc_status dlc_context_create(dlc_context **ctx) {
  dlc_context *c = *ctx = calloc(1, sizeof *c);
  if (!c) return DLC_ERROR_INTERNAL;
  DlError e = {0};
  c->mlir = dl_context_create(&e);
  if (mlirContextIsNull(c->mlir)) return finish(c, false, &e);
  mlirContextAttachDiagnosticHandler(c->mlir, on_diagnostic, c, NULL);
  if (!dl_warn_handler_set(c->mlir, on_warning, c)) dl_error_set(&e, "internal: too many dlc contexts at once");
  return finish(c, !e.msg, &e);
}

static void context_free(dlc_context *c) {
  if (!mlirContextIsNull(c->mlir)) {
    dl_warn_handler_set(c->mlir, NULL, NULL);
    dl_context_destroy(c->mlir);
  }
  free(c->error);
  dl_buf_free(&c->diags);
  free(c);
}

DLC_API void dlc_context_destroy(dlc_context *c) {
  if (!c) return;
  if (c->modules) c->closing = true, c->warn = NULL; /* bindings with a garbage collector destroy in any order */
  else context_free(c);
}

DLC_API const char *dlc_last_error(const dlc_context *c) {
  if (!c) return "out of memory (no context)";
  return c->error ? c->error : "";
}

DLC_API void dlc_set_warning_handler(dlc_context *c, dlc_warning_fn fn, void *user) {
  if (c) c->warn = fn, c->warn_user = user;
}

DLC_API void dlc_free(void *p) { free(p); }

/* ---- KEY=VALUE options -------------------------------------------------------- */

/* Calls fn for each space-separated KEY=VALUE of text (NULL: none). */
static bool each_option(const char *text, const char *what, bool (*fn)(void *u, const char *k, const char *v, DlError *e),
                        void *u, DlError *e) {
  if (!text) return true;
  char *copy = strdup(text), *save = NULL;
  bool ok = copy != NULL;
  for (char *tok = ok ? strtok_r(copy, " \t\n", &save) : NULL; tok && ok; tok = strtok_r(NULL, " \t\n", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq || eq == tok) ok = dl_error_set(e, "bad %s option '%s' (expected KEY=VALUE)", what, tok);
    else *eq = 0, ok = fn(u, tok, eq + 1, e);
  }
  free(copy);
  return ok;
}

static bool parse_int(const char *v, long long lo, long long hi, long long *out) {
  char *end;
  *out = strtoll(v, &end, 10);
  return end != v && !*end && *out >= lo && *out <= hi;
}

static bool import_option(void *u, const char *k, const char *v, DlError *e) {
  DlFrontOptions *f = u;
  long long n;
  if (!strcmp(k, "input_shape")) {
    if (!dl_shape_spec_check(v, false, e)) return false;
    if (strlen(v) >= sizeof f->shape_buf) FAIL("input_shape too long");
    strcpy(f->shape_buf, v);
    f->input_shapes = f->shape_buf;
  } else if (!strcmp(k, "batch")) {
    if (!parse_int(v, 1, (long long)1 << 31, &n)) FAIL("bad batch '%s' (expected an integer within 1..2^31)", v);
    f->batch = n;
  } else {
    FAIL("unknown import option '%s' (expected input_shape or batch)", k);
  }
  return true;
}

/* The quantize pass's own options (its table checks them), then calibration's. */
static bool quantize_option(void *u, const char *k, const char *v, DlError *e) {
  DlQuantSettings *q = u;
  const DlPassInfo *pass = dl_pass_lookup("quantize");
  const DlPassOption *o = dl_pass_option_lookup(pass, k);
  if (o && strcmp(o->name, "float")) {
    if (!dl_pass_option_check(pass, o, v, e)) return false;
    bool yes = !strcmp(v, "true") || !strcmp(v, "1");
    if (!strcmp(o->name, "wbits")) q->wbits = atoi(v);
    else if (!strcmp(o->name, "abits")) q->abits = atoi(v);
    else if (!strcmp(o->name, "per_channel")) q->per_tensor = !yes;
    else if (!strcmp(o->name, "asymmetric")) q->symmetric = !yes;
    else if (!strcmp(o->name, "pow2")) q->pow2 = yes;
    else if (!strcmp(o->name, "wclip")) dl_wclip_parse(v, &q->wclip);
    else if (!strcmp(o->name, "wquant")) dl_wquant_parse(v, strlen(v), &q->wquant);
    else if (!strcmp(o->name, "outliers")) q->outliers = strtod(v, NULL);
    else if (!strcmp(o->name, "outlier_bits")) q->outlier_bits = atoi(v);
    else FAIL("internal: quantize option '%s' has no setting here", o->name);
    return true;
  }
  long long n;
  if (!strcmp(k, "calib_method")) {
    if (!dl_calib_method_parse(v, &q->calib.method, &q->calib.percentile))
      FAIL("bad calib_method '%s' (expected auto, minmax, percentile[=P], entropy or mse)", v);
  } else if (!strcmp(k, "calib_samples")) {
    if (!parse_int(v, 0, (long long)1 << 53, &n)) FAIL("bad calib_samples '%s' (expected a count, 0 for all)", v);
    q->calib.limit = n;
  } else if (!strcmp(k, "wround")) {
    if (!dl_wround_parse(v, &q->wround)) FAIL("bad wround '%s' (expected nearest, gptq, adaround, brecq or auto)", v);
  } else if (!strcmp(k, "wbits_small")) {
    if (!parse_int(v, 2, 16, &n)) FAIL("bad wbits_small '%s' (expected an integer within 2..16)", v);
    q->wbits_small = (int)n;
  } else if (!strcmp(k, "abits_edge")) {
    if (!parse_int(v, 2, 16, &n)) FAIL("bad abits_edge '%s' (expected an integer within 2..16)", v);
    q->abits_edge = (int)n;
  } else if (!strcmp(k, "bias_correct")) {
    if (!dl_bias_correct_parse(v, &q->bias_correct)) FAIL("bad bias_correct '%s' (expected auto, on or off)", v);
  } else {
    FAIL("unknown quantize option '%s' (expected wbits, abits, per_channel, asymmetric, pow2, wclip, outliers, "
         "outlier_bits, calib_method, calib_samples, wround, wbits_small, abits_edge or bias_correct)",
         k);
  }
  return true;
}

typedef struct {
  char name[128];
  const char *device;
  int sparse_weights;
  bool threads;
} EmitOptions;

static bool emit_option(void *u, const char *k, const char *v, DlError *e) {
  EmitOptions *o = u;
  static const char *const modes[] = {"auto", "off", "size", "all"}; /* DlSparseMode */
  if (!strcmp(k, "name")) {
    bool ident = (*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || *v == '_';
    for (const char *p = v; *p && ident; p++)
      ident = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (!ident || strlen(v) >= sizeof o->name) FAIL("bad name '%s' (expected a C identifier)", v);
    strcpy(o->name, v);
  } else if (!strcmp(k, "device")) {
    o->device = v;
  } else if (!strcmp(k, "sparse_weights")) {
    for (o->sparse_weights = 0; o->sparse_weights < 4 && strcmp(v, modes[o->sparse_weights]); o->sparse_weights++) {}
    if (o->sparse_weights == 4) FAIL("bad sparse_weights '%s' (expected auto, off, size or all)", v);
  } else if (!strcmp(k, "threads")) {
    if (strcmp(v, "0") && strcmp(v, "1")) FAIL("bad threads '%s' (expected 0 or 1)", v);
    o->threads = *v == '1';
  } else {
    FAIL("unknown emit option '%s' (expected name, device, sparse_weights or threads)", k);
  }
  return true;
}

/* ---- modules ------------------------------------------------------------------ */

static dlc_module *wrap(dlc_context *c, MlirModule mm, const char *source) {
  dlc_module *m = calloc(1, sizeof *m);
  if (!m) return mlirModuleDestroy(mm), NULL;
  m->ctx = c, m->m = mm;
  c->modules++;
  snprintf(m->source, sizeof m->source, "%s", source);
  return m;
}

DLC_API dlc_status dlc_module_import(dlc_context *c, const char *path, const char *options, dlc_module **out) {
  if (!c || !out) return DLC_ERROR;
  begin(c);
  *out = NULL;
  DlError e = {0};
  DlFrontOptions *fo = calloc(1, sizeof *fo);
  fo->no_fold_qdq = true; /* Q/DQ stay float ops until "fold-qdq,quantize" runs */
  bool qdq, ok = path ? each_option(options, "import", import_option, fo, &e) : dl_error_set(&e, "no model path given");
  MlirModule mm = ok ? dl_front_import(c->mlir, path, fo, &qdq, &e) : (MlirModule){NULL};
  free(fo);
  if ((ok = !mlirModuleIsNull(mm))) {
    const char *base = strrchr(path, '/');
    ok = (*out = wrap(c, mm, base ? base + 1 : path)) || dl_error_set(&e, "internal: out of memory");
  }
  return finish(c, ok, &e);
}

DLC_API dlc_status dlc_module_parse(dlc_context *c, const char *text, size_t len, dlc_module **out) {
  if (!c || !out) return DLC_ERROR;
  begin(c);
  *out = NULL;
  DlError e = {0};
  if (!text) return dl_error_set(&e, "no text given"), finish(c, false, &e);
  MlirOperation op = mlirOperationCreateParse(c->mlir, (MlirStringRef){text, len ? len : strlen(text)}, dl_str("<text>"));
  MlirModule mm = {NULL};
  if (!mlirOperationIsNull(op) && dl_op_is(op, "builtin.module")) mm = mlirModuleFromOperation(op);
  else if (!mlirOperationIsNull(op)) { /* a lone func, as mlir-opt takes it */
    mm = mlirModuleCreateEmpty(mlirOperationGetLocation(op));
    mlirBlockAppendOwnedOperation(mlirModuleGetBody(mm), op);
  }
  bool ok = !mlirModuleIsNull(mm) || dl_error_set(&e, "not valid MLIR");
  if (ok && !dl_verify(mlirModuleGetOperation(mm))) ok = dl_error_set(&e, "the module does not verify");
  if (!ok && !mlirModuleIsNull(mm)) mlirModuleDestroy(mm);
  if (ok) ok = (*out = wrap(c, mm, "<text>")) || dl_error_set(&e, "internal: out of memory");
  return finish(c, ok, &e);
}

DLC_API void dlc_module_destroy(dlc_module *m) {
  if (!m) return;
  dlc_context *c = m->ctx;
  mlirModuleDestroy(m->m);
  free(m);
  if (--c->modules == 0 && c->closing) context_free(c);
}

DLC_API dlc_status dlc_module_print(dlc_module *m, char **text, size_t *len) {
  if (!m || !text) return DLC_ERROR;
  begin(m->ctx);
  size_t n;
  *text = dl_print_op(mlirModuleGetOperation(m->m), DL_PRINT_LOC, &n); /* as dlc --emit=qg -o FILE */
  if (len) *len = n;
  DlError e = {0};
  return finish(m->ctx, *text || dl_error_set(&e, "internal: out of memory"), &e);
}

DLC_API dlc_status dlc_module_run_passes(dlc_module *m, const char *pipeline) {
  if (!m) return DLC_ERROR;
  begin(m->ctx);
  DlError e = {0};
  bool ok = pipeline ? dl_run_pipeline(m->m, pipeline, &e) : dl_error_set(&e, "no pass pipeline given");
  return finish(m->ctx, ok, &e);
}

/* dlc --quantize's defaults with the options over them. */
static bool quantize_settings(const char *options, DlQuantSettings *qs, DlError *e) {
  *qs = (DlQuantSettings){.wbits = 8, .abits = 8, .calib = {.method = DL_CALIB_AUTO, .limit = 1000}};
  if (!each_option(options, "quantize", quantize_option, qs, e)) return false;
  if (qs->outlier_bits && !(qs->outliers > 0)) FAIL("outlier_bits needs outliers");
  return true;
}

DLC_API dlc_status dlc_module_quantize(dlc_module *m, const char *options, const char *calib_npy) {
  if (!m) return DLC_ERROR;
  begin(m->ctx);
  DlError e = {0};
  DlTensor data = {0};
  DlQuantSettings qs;
  bool ok = quantize_settings(options, &qs, &e) &&
            (calib_npy ? dl_npy_open(calib_npy, &data, &e) : dl_error_set(&e, "no calibration file given")) &&
            dl_calib_data_check(m->m, &data, calib_npy, &e) && dl_quantize_module(m->m, &qs, &data, &e);
  dl_tensor_free(&data);
  return finish(m->ctx, ok, &e);
}

DLC_API dlc_status dlc_module_quantize_data(dlc_module *m, const char *options, const float *data, const int64_t *shape,
                                            int rank) {
  if (!m) return DLC_ERROR;
  begin(m->ctx);
  DlError e = {0};
  DlTensor t = {.shape = {.dtype = DL_F32, .rank = rank}, .data = (void *)data};
  DlQuantSettings qs;
  bool ok = quantize_settings(options, &qs, &e);
  bool shaped = data && shape && rank >= 1 && rank <= DL_MAX_RANK;
  for (int i = 0; shaped && i < rank; i++) shaped = shape[i] >= 1 && shape[i] <= ((int64_t)1 << 40), t.shape.dims[i] = shape[i];
  if (ok && !shaped) ok = dl_error_set(&e, "bad calibration samples (expected data and 1..%d positive dimensions)", DL_MAX_RANK);
  ok = ok && dl_calib_data_check(m->m, &t, "the calibration samples", &e) && dl_quantize_module(m->m, &qs, &t, &e);
  return finish(m->ctx, ok, &e);
}

/* The target's files for m in dir (emit options parsed into o). */
static bool emit(dlc_module *m, const char *target, const char *options, const char *dir, EmitOptions *o, DlError *e) {
  const DlTarget *t = target ? dl_target_lookup(target) : NULL;
  if (!t) FAIL("unknown target '%s' (expected: %s)", target ? target : "(none)", dl_target_names());
  snprintf(o->name, sizeof o->name, "model");
  if (!each_option(options, "emit", emit_option, o, e)) return false;
  if (!dir) FAIL("no output folder given");
  size_t n = strlen(dir) + strlen(o->name) + strlen(t->file_ext) + 3;
  char *path = malloc(n);
  snprintf(path, n, "%s/%s.%s", dir, o->name, t->file_ext);
  DlTargetOptions to = {.out_path = path, .name = o->name, .source = m->source, .device = o->device,
                        .sparse_weights = o->sparse_weights, .c_threads = o->threads};
  /* what dlc runs before a target, on a copy: the caller's module stays as it was */
  MlirModule low = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(m->m)));
  bool ok = dl_run_pipeline(low, DL_PIPELINE_LOWER, e) && t->emit(low, &to, e);
  mlirModuleDestroy(low);
  free(path);
  return ok;
}

DLC_API dlc_status dlc_module_emit(dlc_module *m, const char *target, const char *options, const char *dir) {
  if (!m) return DLC_ERROR;
  begin(m->ctx);
  DlError e = {0};
  EmitOptions o = {0};
  return finish(m->ctx, emit(m, target, options, dir, &o, &e), &e);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every file of dir (sorted by name) into one block of dlc_files, then the
 * files and dir removed. */
static bool collect(const char *dir, dlc_file **files, int *nfiles, DlError *e) {
  DIR *d = opendir(dir);
  if (!d) FAIL("internal: cannot read the folder %s", dir);
  char *names[64];
  int n = 0;
  for (struct dirent *de; (de = readdir(d)) && n < 64;)
    if (de->d_name[0] != '.') names[n++] = strdup(de->d_name);
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, by_name);
  char *data[64] = {0};
  size_t len[64] = {0}, total = sizeof(dlc_file) * (size_t)n;
  bool ok = true;
  for (int i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (ok) ok = dl_read_file(path, &data[i], &len[i], e);
    total += strlen(names[i]) + 1 + len[i];
    unlink(path);
  }
  rmdir(dir);
  dlc_file *f = ok ? malloc(total ? total : 1) : NULL;
  if (ok && !f) ok = dl_error_set(e, "internal: out of memory");
  char *p = f ? (char *)(f + n) : NULL;
  for (int i = 0; i < n; i++) {
    if (f) {
      f[i] = (dlc_file){p, p + strlen(names[i]) + 1, len[i]};
      memcpy(p, names[i], strlen(names[i]) + 1);
      memcpy(p + strlen(names[i]) + 1, data[i], len[i]);
      p += strlen(names[i]) + 1 + len[i];
    }
    free(names[i]);
    free(data[i]);
  }
  *files = f, *nfiles = ok ? n : 0;
  return ok;
}

/* Through a private folder: the targets write files atomically, and those
 * are the bytes dlc --target writes. */
DLC_API dlc_status dlc_module_emit_memory(dlc_module *m, const char *target, const char *options, dlc_file **files,
                                          int *nfiles) {
  if (!m || !files || !nfiles) return DLC_ERROR;
  begin(m->ctx);
  *files = NULL, *nfiles = 0;
  DlError e = {0};
  const char *tmp = getenv("TMPDIR");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/dlc-emit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) return dl_error_set(&e, "cannot create a temporary folder in %s", tmp && *tmp ? tmp : "/tmp"),
                            finish(m->ctx, false, &e);
  EmitOptions o = {0};
  bool ok = emit(m, target, options, dir, &o, &e);
  DlError ce = {0};
  bool got = collect(dir, files, nfiles, ok ? &e : &ce); /* removes the folder either way */
  dl_error_clear(&ce);
  return finish(m->ctx, ok && got, &e);
}
