/* What the simulated targets share (simulated.h). */
#include "simulated.h"
#include "target_util.h"

#include <assert.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
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
  /* a regular file is mapped (read once, by the parse: a .pimbin is tens of
   * MB, and a copy's pages cost more than reading them); else read whole */
  int fd = open(path, O_RDONLY);
  struct stat st;
  void *map = MAP_FAILED;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (fd >= 0) close(fd);
  if (map != MAP_FAILED) {
    bool ok = parse(map, (size_t)st.st_size, prog, e);
    munmap(map, (size_t)st.st_size);
    return ok || dl_error_prefix(e, path);
  }
  char *buf;
  size_t len;
  if (!dl_read_file(path, &buf, &len, e)) return false;
  bool ok = parse(buf, len, prog, e);
  free(buf);
  return ok || dl_error_prefix(e, path);
}

bool dl_sim_cost(const DlSimTarget *t, MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {
  void *prog = calloc(1, t->program_size);
  if (!t->compile(m, device, true, prog, e)) return free(prog), false;
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
  bool ok = t->compile(m, o->device, false, prog, e);
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
  if (!t->compile(m, o->device, false, prog, e)) return free(prog), NULL;
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
  const char *option; /* the target's dlc-run option, or NULL */
  bool borrowed;      /* a worker's: prog, ctx and m are the first load's (dl_sim_load_worker) */
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
  x->option = o->option;
  return !o->option || !t->option || t->option(x->sim, o->option, e);
}

/* Another simulator over the first load's program and module: its own plan
 * (arena) and simulator state, nothing read or parsed again. The program and
 * the module are only read while running, so the loads may run at once. */
bool dl_sim_load_worker(const DlLoaded *first, DlLoaded *l, DlError *e) {
  const Loaded *f = first->state;
  Loaded *x = calloc(1, sizeof *x);
  *x = (Loaded){.t = f->t, .prog = f->prog, .ctx = f->ctx, .m = f->m, .option = f->option, .borrowed = true};
  l->state = x, l->integer = true;
  if (!(l->plan = dl_plan_create(x->m, e))) return false;
  if (!(x->sim = x->t->sim_create(x->prog, l->plan, e))) return false;
  return !x->option || !x->t->option || x->t->option(x->sim, x->option, e);
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
  if (!x->borrowed) {
    x->t->program_free(x->prog);
    free(x->prog);
    if (!mlirModuleIsNull(x->m)) mlirModuleDestroy(x->m);
    if (!mlirContextIsNull(x->ctx)) dl_context_destroy(x->ctx);
  }
  free(x);
  *l = (DlLoaded){0};
}

/* --- dlc-run --jobs, --shard, --merge --------------------------------------- */

bool dl_sim_merge(DlLoaded *into, DlLoaded *from, bool later, DlError *e) {
  Loaded *a = into->state, *b = from->state;
  int na, nb;
  DlXSum *xa = a->t->sums(a->sim, &na), *xb = b->t->sums(b->sim, &nb);
  if (na != nb) return dl_error_set(e, "internal: merging simulators of different programs");
  for (int i = 0; i < na; i++) dl_xsum_merge(&xa[i], &xb[i]);
  *a->t->wall(a->sim) += *b->t->wall(b->sim);
  if (later && a->t->last) {
    int la, lb;
    double *va = a->t->last(a->sim, &la), *vb = b->t->last(b->sim, &lb);
    memcpy(va, vb, sizeof(double) * (size_t)(la < lb ? la : lb));
  }
  return true;
}

#define STATS_MAGIC "DLCSIMST"
#define STATS_VERSION 1u

/* What a statistics file must have been written for: the program (its
 * embedded model) and the target's run option. */
static uint64_t stats_fingerprint(const Loaded *x) {
  size_t len;
  const char *text = x->t->embedded(x->prog, &len);
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)text[i]) * 0x100000001b3ull;
  for (const char *p = x->option ? x->option : ""; ; p++) {
    h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    if (!*p) break;
  }
  return h;
}

static void put_le(FILE *f, uint64_t x, int bytes) {
  for (int i = 0; i < bytes; i++) fputc((int)((x >> (8 * i)) & 0xff), f);
}

bool dl_sim_stats_write(const DlLoaded *l, int64_t samples, const char *path, DlError *e) {
  const Loaded *x = l->state;
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return dl_error_set(e, "%s: out of memory", path);
  int n, nl = 0;
  DlXSum *xs = x->t->sums(x->sim, &n);
  double *last = x->t->last ? x->t->last(x->sim, &nl) : NULL;
  fwrite(STATS_MAGIC, 1, 8, f);
  put_le(f, STATS_VERSION, 4);
  put_le(f, stats_fingerprint(x), 8), put_le(f, (uint64_t)samples, 8), put_le(f, (uint64_t)n, 4);
  for (int i = 0; i < n; i++) dl_xsum_write(f, &xs[i]);
  put_le(f, (uint64_t)nl, 4);
  for (int i = 0; i < nl; i++) {
    uint64_t u;
    memcpy(&u, &last[i], 8);
    put_le(f, u, 8);
  }
  uint64_t w;
  memcpy(&w, x->t->wall(x->sim), 8);
  put_le(f, w, 8);
  bool ok = fclose(f) == 0;
  ok = ok ? dl_write_file_atomic(path, text, len, e) : dl_error_set(e, "%s: out of memory", path);
  free(text);
  return ok;
}

static bool get_le(const unsigned char **p, const unsigned char *end, int bytes, uint64_t *x) {
  if (end - *p < bytes) return false;
  *x = 0;
  for (int i = 0; i < bytes; i++) *x |= (uint64_t)(*p)[i] << (8 * i);
  *p += bytes;
  return true;
}

/* The file's figures merged into x; a reason when it does not fit. */
static const char *stats_merge(Loaded *x, const unsigned char *p, const unsigned char *end, int64_t *samples) {
  uint64_t ver, fp, s, n, nl, w;
  if (end - p < 8 || memcmp(p, STATS_MAGIC, 8)) return "not a simulator statistics file (dlc-run --sim-stats-out writes them)";
  p += 8;
  if (!get_le(&p, end, 4, &ver)) return "truncated";
  if (ver != STATS_VERSION) return "another version of simulator statistics (this dlc-run reads version 1)";
  if (!get_le(&p, end, 8, &fp) || !get_le(&p, end, 8, &s) || !get_le(&p, end, 4, &n)) return "truncated";
  int nx, nlx = 0;
  DlXSum *xs = x->t->sums(x->sim, &nx);
  double *last = x->t->last ? x->t->last(x->sim, &nlx) : NULL;
  if (fp != stats_fingerprint(x) || n != (uint64_t)nx)
    return "statistics of another program or another run option (the shards' binary and options must be this run's)";
  DlXSum t;
  for (uint64_t i = 0; i < n; i++) {
    if (!dl_xsum_read(&p, end, &t)) return "truncated or malformed sums";
    dl_xsum_merge(&xs[i], &t);
  }
  if (!get_le(&p, end, 4, &nl) || nl != (uint64_t)nlx) return "truncated or malformed";
  for (uint64_t i = 0; i < nl; i++) {
    uint64_t u;
    if (!get_le(&p, end, 8, &u)) return "truncated";
    if (s > 0) memcpy(&last[i], &u, 8); /* a later shard's last run */
  }
  if (!get_le(&p, end, 8, &w)) return "truncated";
  double wd;
  memcpy(&wd, &w, 8);
  *x->t->wall(x->sim) += wd;
  if (p != end) return "bytes after the end";
  *samples += (int64_t)s;
  return NULL;
}

bool dl_sim_stats_merge(DlLoaded *l, const char *path, int64_t *samples, DlError *e) {
  char *text;
  size_t len;
  if (!dl_read_file(path, &text, &len, e)) return dl_error_prefix(e, "simulator statistics");
  const char *why = stats_merge(l->state, (const unsigned char *)text, (const unsigned char *)text + len, samples);
  free(text);
  return !why || dl_error_set(e, "%s: %s", path, why);
}
