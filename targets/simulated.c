/* What the simulated targets share (simulated.h). */
#include "simulated.h"
#include "target_util.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void dl_container_begin(DlBuf *b, const DlContainer *c) {
  dl_buf_append(b, c->magic, 8);
  dl_buf_put_u32(b, c->version);
}

bool dl_container_write(const char *path, DlBuf *b, DlError *e) {
  dl_buf_seal(b);
  bool ok = dl_write_file_atomic(path, b->data, b->len, e);
  dl_buf_free(b);
  return ok;
}

bool dl_container_recognize(const DlContainer *c, const void *head, size_t n) {
  return n >= 8 && !memcmp(head, c->magic, 8);
}

bool dl_container_open(const DlContainer *c, const void *buf, size_t len, size_t header, DlReader *r, DlError *e) {
  *r = (DlReader){buf, len, 0, false};
  const void *mg = dl_read_bytes(r, 8);
  if (!mg || memcmp(mg, c->magic, 8)) return dl_error_set(e, "not %s file (wrong magic)", c->what);
  uint32_t version = dl_read_u32(r);
  if (r->bad || len - r->at < header) return dl_error_set(e, "truncated header");
  if (version < c->version)
    return dl_error_set(e, "version %u, written by an older dlc: compile the model again (this dlc reads version %u)", version,
                        c->version);
  if (version != c->version) return dl_error_set(e, "version %u, this dlc reads version %u", version, c->version);
  if (!dl_sealed_check(buf, len, e)) return false;
  r->len = len - 4; /* the checksum */
  return true;
}

bool dl_container_load(const char *path, bool (*parse)(const void *buf, size_t len, void *prog, DlError *e), void *prog,
                       DlError *e) {
  char *buf;
  size_t len;
  if (!dl_read_file(path, &buf, &len, e)) return false;
  bool ok = parse(buf, len, prog, e);
  free(buf);
  return ok || dl_error_prefix(e, path);
}

bool dl_sim_cost(const DlSimTarget *t, MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  void *prog = calloc(1, t->program_size);
  if (!t->compile(m, device, prog, e)) return free(prog), false;
  DlPlan *p = dl_plan_create(m, e);
  void *s = p ? t->sim_create(prog, p, e) : NULL;
  bool ok = s != NULL;
  if (ok) t->timing_only(s, true);
  ok = ok && dl_plan_run_zero(p, e);
  if (ok) {
    double B = (double)dl_plan_batch(p);
    DlLayerCost *c = dl_cost_rows(p);
    for (int i = 0; i < t->nunits(prog); i++) snprintf(c[t->unit_step(prog, i)].on, sizeof c->on, "%s", t->name);
    for (int st = 0; st < p->nsteps; st++) {
      if (!c[st].on[0]) snprintf(c[st].on, sizeof c->on, "host");
      t->step_cost(s, st, &c[st]);
      c[st].ns /= B, c[st].nj /= B, c[st].bytes /= B;
    }
    *out = c, *n = p->nsteps;
  }
  if (s) t->sim_destroy(s);
  dl_plan_destroy(p);
  t->program_free(prog);
  free(prog);
  return ok;
}

bool dl_sim_emit(const DlSimTarget *t, MlirModule m, const DlTargetOptions *o, DlError *e) {
  void *prog = calloc(1, t->program_size);
  bool ok = t->compile(m, o->device, prog, e);
  if (ok) {
    ok = !t->check || t->check(mlirModuleGetContext(m), prog, e);
    ok = ok && (t->nunits(prog) > 0 || dl_error_set(e, "the %s target runs quantized models: nothing here has an integer form "
                                                  "(compile with --quantize, or give a quantized model)",
                                              t->name));
    ok = ok && t->write(o->out_path, prog, e);
    t->program_free(prog);
  }
  free(prog);
  return ok;
}

char *dl_sim_ir(const DlSimTarget *t, MlirModule m, const DlTargetOptions *o, size_t *len, DlError *e) {
  void *prog = calloc(1, t->program_size);
  if (!t->compile(m, o->device, prog, e)) return free(prog), NULL;
  DlPlan *plan = dl_plan_create(m, e);
  char *text = NULL;
  if (plan) {
    DlBuf b = {0};
    t->ir_device(&b, prog);
    for (int s = 0, u = 0; s < plan->nsteps; s++) {
      const DlStep *st = &plan->steps[s];
      bool unit = u < t->nunits(prog) && t->unit_step(prog, u) == s;
      if (unit) {
        t->ir_unit(&b, prog, u);
      } else {
        MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(mlirOpResultGetOwner(st->val)));
        dl_buf_printf(&b, "\"%s.host\"() {step = %d : i64, op = \"%.*s\"} : () -> ()", t->name, s, (int)n.length, n.data);
      }
      dl_ir_loc(&b, st->where);
      if (unit && o->ir_detail) t->ir_detail(&b, prog, u);
      u += unit;
    }
    dl_plan_destroy(plan);
    text = dl_ir_reprint(mlirModuleGetContext(m), &b, t->name, len, e);
    dl_buf_free(&b);
  }
  t->program_free(prog);
  free(prog);
  return text;
}

/* dlc-run's state of a loaded simulated target. */
typedef struct {
  const DlSimTarget *t;
  void *prog, *sim;
  MlirContext ctx;
  MlirModule m;
  DlTrace *trace; /* dlc-run --trace, or NULL */
} Loaded;

bool dl_sim_recognize(const DlSimTarget *t, const char *path, const void *head, size_t n) {
  size_t len = strlen(path), el = strlen(t->container->ext); /* by name too, so a damaged magic is reported as such */
  return dl_container_recognize(t->container, head, n) || (len > el && !strcmp(path + len - el, t->container->ext));
}

/* The quantized module the file embeds, parsed and planned, and the simulator attached. */
bool dl_sim_load(const DlSimTarget *t, const char *path, const DlRunOptions *o, DlLoaded *l, DlError *e) {
  Loaded *x = calloc(1, sizeof *x);
  x->t = t, x->prog = calloc(1, t->program_size);
  l->state = x, l->integer = true;
  if (!dl_container_load(path, t->parse, x->prog, e)) return false;
  size_t len;
  const char *text = t->embedded(x->prog, &len);
  x->ctx = dl_context_create(e);
  if (mlirContextIsNull(x->ctx)) return false;
  x->m = mlirModuleCreateParse(x->ctx, mlirStringRefCreate(text, len));
  if (mlirModuleIsNull(x->m) || !dl_verify(mlirModuleGetOperation(x->m)))
    return dl_error_set(e, "%s: the embedded model does not parse", path);
  if (!(l->plan = dl_plan_create(x->m, e))) return false;
  if (!(x->sim = t->sim_create(x->prog, l->plan, e))) return dl_error_prefix(e, path);
  if (o->trace) x->trace = t->trace(x->sim);
  return !o->option || !t->option || t->option(x->sim, o->option, e);
}

bool dl_sim_disasm(FILE *f, const DlLoaded *l) {
  const Loaded *x = l->state;
  x->t->print(f, x->prog, l->plan);
  return true;
}

/* The report's layers as HTML under a line of its per-sample totals. */
static bool write_html(const DlSimTarget *t, const char *json, size_t len, const char *path, DlError *e) {
  cJSON *r = cJSON_ParseWithLength(json, len);
  const cJSON *dev = cJSON_GetObjectItemCaseSensitive(r, "device"), *ps = cJSON_GetObjectItemCaseSensitive(r, "per_sample");
  const cJSON *ns = cJSON_GetObjectItemCaseSensitive(ps, "ns"), *nj = cJSON_GetObjectItemCaseSensitive(ps, "nj");
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "samples");
  assert(cJSON_IsString(dev) && cJSON_IsNumber(ns) && cJSON_IsNumber(nj) && cJSON_IsNumber(n));
  char title[160], summary[256], *text = NULL;
  size_t tl = 0;
  snprintf(title, sizeof title, "dlc: %s simulator, device %s", t->name, dev->valuestring);
  snprintf(summary, sizeof summary, "%.0f samples; per sample %.1f ns and %.2f nJ", n->valuedouble, ns->valuedouble,
           nj->valuedouble);
  FILE *f = open_memstream(&text, &tl);
  bool ok = f && dl_html_report_write(f, title, summary, cJSON_GetObjectItemCaseSensitive(r, "layers"), t->html, t->nhtml);
  if (f && fclose(f)) ok = false;
  ok = ok && dl_write_file_atomic(path, text, tl, e);
  free(text);
  cJSON_Delete(r);
  return ok || dl_error_set(e, "%s: cannot write the HTML report", path);
}

bool dl_sim_finish(const DlLoaded *l, int64_t samples, const DlRunOutputs *o, DlError *e) {
  const Loaded *x = l->state;
  x->t->summary(x->prog, x->sim, samples, stdout);
  char *text = NULL;
  size_t len = 0;
  bool ok = true;
  if (o->report || o->report_html) {
    FILE *f = open_memstream(&text, &len);
    ok = f && x->t->report(x->sim, f, samples);
    if (f && fclose(f)) ok = false;
    if (!ok) return free(text), dl_error_set(e, "%s: cannot write the report", o->report ? o->report : o->report_html);
    ok = (!o->report || dl_write_file_atomic(o->report, text, len, e)) &&
         (!o->report_html || write_html(x->t, text, len, o->report_html, e));
    free(text);
  }
  if (ok && o->trace) {
    text = NULL, len = 0;
    FILE *f = open_memstream(&text, &len);
    ok = f && dl_trace_write(x->trace, f);
    if (f && fclose(f)) ok = false;
    ok = (ok || dl_error_set(e, "%s: cannot write the trace", o->trace)) && dl_write_file_atomic(o->trace, text, len, e);
    free(text);
  }
  return ok;
}

void dl_sim_unload(DlLoaded *l) {
  Loaded *x = l->state;
  if (!x) return;
  if (x->sim) x->t->sim_destroy(x->sim);
  dl_trace_destroy(x->trace);
  dl_plan_destroy(l->plan);
  x->t->program_free(x->prog);
  free(x->prog);
  if (!mlirModuleIsNull(x->m)) mlirModuleDestroy(x->m);
  if (!mlirContextIsNull(x->ctx)) dl_context_destroy(x->ctx);
  free(x);
  *l = (DlLoaded){0};
}
