/* The c target: its DlTarget and its cost model. */
#include <string.h>

#include <stdlib.h>

#include "dlc/cmodel.h"
#include "dlc/cost.h"
#include "dlc/support.h"
#include "dlc/target.h"
#include "dlc/sparse.h"

bool dl_target_c_emit(MlirModule m, const DlTargetOptions *o, DlError *e); /* emit_c.c */

static bool dl_c_cost(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  (void)device;
  DlPlan *p = dl_plan_create(m, e);
  if (!p) return false;
  DlLayerCost *c = dl_cost_rows(p);
  for (int st = 0; st < p->nsteps; st++) {
    snprintf(c[st].on, sizeof c->on, "c");
    const struct DlQStep *q = p->steps[st].q;
    DlQSparse sp;
    c[st].bytes = q ? (double)q->wbytes + (q->w.cb ? (double)(q->w.cbn << q->w.bits) : 0) : 0; /* indices + codebook */
    if (q && dl_qstep_sparse(q, DL_SPARSE_AUTO, &sp)) { /* stored as the C target stores it, zeros skipped */
      c[st].bytes = (double)(sp.mask_bytes + sp.val_bytes);
      c[st].macs *= q->nw ? (double)sp.nnz / (double)q->nw : 0;
      dl_qsparse_free(&sp);
    }
  }
  *out = c, *n = p->nsteps;
  dl_plan_destroy(p);
  return true;
}

/* dlc-run: a generated .c file, compiled with $CC and loaded */
static bool recognizes(const char *path, const void *head, size_t n) {
  (void)head, (void)n;
  size_t len = strlen(path);
  return len > 2 && !strcmp(path + len - 2, ".c");
}
static bool load(const char *path, const DlRunOptions *o, DlLoaded *l, DlError *e) {
  (void)o;
  char *text;
  size_t len;
  DlError re = {0};
  if (!(l->cm = dl_cmodel_load(path, NULL, NULL, e))) return false;
  if (dl_read_file(path, &text, &len, &re)) l->integer = strstr(text, "  qrt_quantize(") != NULL, free(text);
  dl_error_clear(&re);
  return true;
}
static bool finish(const DlLoaded *l, int64_t samples, const DlRunOutputs *o, DlError *e) {
  (void)l, (void)samples;
  const char *opt = o->report ? "--report" : o->report_html ? "--report-html" : o->trace ? "--trace" : NULL;
  return !opt || dl_error_set(e, "%s: a compiled C model has no simulator to report on", opt);
}
static void unload(DlLoaded *l) { dl_cmodel_destroy(l->cm), l->cm = NULL; }

const DlTarget dl_target_c = {
    .name = "c",
    .summary = "portable C99 with a statically planned activation arena",
    .file_ext = "c",
    .recognizes = recognizes,
    .load = load,
    .finish = finish,
    .unload = unload,
    .compress_where = 1,
    .emit = dl_target_c_emit,
    .cost = {"c", "integer weight bytes and multiply-accumulates of each step, as the generated C stores and runs them",
             "its cost is bytes, which a multiplier does not change", false, dl_c_cost},
};
