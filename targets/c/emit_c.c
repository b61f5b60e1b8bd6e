/* --target=c: the plan's steps become calls to dlrt (float) and qrt (integer)
 * kernels copied into the output, weights become static const arrays (integer
 * weights packed at their bit width), and every intermediate tensor gets an
 * offset in one caller-provided arena, planned by liveness. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/support.h"
#include "dlc/target.h"
#include "dlc/version.h"
#include "dlc/quant.h"
#include "quant/qstep.h"

extern const char dl_dlrt_c_source[], dl_dlrt_h_source[], dl_qrt_c_source[], dl_qrt_h_source[];

#define ALIGN 64

typedef struct {
  DlPlan *p;
  int *root;              /* alias root of each slot */
  int64_t *off;           /* arena offset of each temp root, -1 if none */
  int *def, *last;        /* live range of each root, in steps */
  int64_t arena, scratch_off;
  char name[64];
  DlBuf c, h;
} Emit;

/* ---- runtime sections ------------------------------------------------------ */

typedef struct {
  char name[64];
  char deps[8][64];
  int ndeps;
  const char *text;
  size_t len;
  bool used;
} Section;

static int parse_sections(const char *p, Section *s, int n, int max) {
  while ((p = strstr(p, "/* @fn ")) && n < max) {
    Section *x = &s[n++];
    memset(x, 0, sizeof *x);
    p += 7;
    const char *eol = strstr(p, "*/");
    char line[512];
    snprintf(line, sizeof line, "%.*s", (int)(eol - p), p);
    char *tok = strtok(line, " ");
    snprintf(x->name, sizeof x->name, "%s", tok);
    while ((tok = strtok(NULL, " ")))
      if (strcmp(tok, "uses") && x->ndeps < 8) snprintf(x->deps[x->ndeps++], 64, "%s", tok);
    x->text = strchr(eol, '\n') + 1;
    const char *end = strstr(x->text, "/* @end */");
    x->len = (size_t)(end - x->text);
    p = end;
  }
  return n;
}

static void mark_used(Section *s, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (!strcmp(s[i].name, name) && !s[i].used) {
      s[i].used = true;
      for (int d = 0; d < s[i].ndeps; d++) mark_used(s, n, s[i].deps[d]);
    }
}

/* Copies a section, making its functions static (several models may link together). */
static void emit_section(DlBuf *b, const Section *s) {
  const char *p = s->text, *end = s->text + s->len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
    const char *sp = memchr(p, ' ', n);
    if (sp && strncmp(p, "static", 6) && (!strncmp(sp + 1, "dlrt_", 5) || !strncmp(sp + 1, "qrt_", 4)) &&
        memchr(p, '(', n) && !isspace((unsigned char)p[0]))
      dl_buf_append(b, "static ", 7);
    dl_buf_append(b, p, n);
    p += n;
  }
  dl_buf_append(b, "\n", 1);
}

/* ---- values ------------------------------------------------------------------ */

static void fmt_float(double v, char *buf, size_t n) {
  float f = (float)v;
  if (isnan(f)) snprintf(buf, n, "NAN");
  else if (isinf(f)) snprintf(buf, n, f > 0 ? "INFINITY" : "-INFINITY");
  else snprintf(buf, n, "%af", (double)f);
}

static void fmt_double(double v, char *buf, size_t n) {
  if (isnan(v)) snprintf(buf, n, "NAN");
  else if (isinf(v)) snprintf(buf, n, v > 0 ? "INFINITY" : "-INFINITY");
  else snprintf(buf, n, "%a", v);
}

static void fmt_int(int64_t v, char *buf, size_t n) {
  if (v == INT64_MIN) snprintf(buf, n, "(-9223372036854775807LL - 1)");
  else if (v > 2147483647LL || v < -2147483647LL) snprintf(buf, n, "%lldLL", (long long)v);
  else snprintf(buf, n, "%lld", (long long)v);
}

/* The C type of a tensor element in generated code (half floats as their bits). */
static const char *ctype(DlDType t) {
  switch (t) {
  case DL_F32: return "float";
  case DL_F64: return "double";
  case DL_I8: return "int8_t";
  case DL_U8: case DL_BOOL: return "uint8_t";
  case DL_I16: return "int16_t";
  case DL_U16: case DL_F16: case DL_BF16: return "uint16_t";
  case DL_I32: return "int32_t";
  case DL_U32: return "uint32_t";
  case DL_I64: return "int64_t";
  case DL_U64: return "uint64_t";
  default: return "unsigned char";
  }
}

/* Element i of t as a C literal of ctype(t). */
static void fmt_elem(const DlTensor *t, int64_t i, char *buf, size_t n) {
  switch (t->shape.dtype) {
  case DL_F32: fmt_float(((const float *)t->data)[i], buf, n); break;
  case DL_F64: fmt_double(((const double *)t->data)[i], buf, n); break;
  case DL_F16: case DL_BF16: snprintf(buf, n, "0x%04x", ((const uint16_t *)t->data)[i]); break;
  case DL_U64: snprintf(buf, n, "%lluULL", (unsigned long long)((const uint64_t *)t->data)[i]); break;
  case DL_U32: snprintf(buf, n, "%lluU", (unsigned long long)((const uint32_t *)t->data)[i]); break;
  default: fmt_int(dl_tensor_get_i(t, i), buf, n); break;
  }
}

static void val(const Emit *m, int slot, char *buf, size_t n) {
  int r = m->root[slot];
  switch (m->p->slot_kind[r]) {
  case DL_SLOT_INPUT:
    for (int i = 0; i < m->p->nin; i++)
      if (m->p->in_slot[i] == r) snprintf(buf, n, "in%d", i);
    break;
  case DL_SLOT_CONST: snprintf(buf, n, "c%d", r); break;
  default: snprintf(buf, n, "T(%lld)", (long long)m->off[r]); break;
  }
}

static void int_array(DlBuf *b, const char *name, const dlrt_i *v, int n) {
  char t[32];
  dl_buf_printf(b, "static const dlrt_i %s[%d] = {", name, n ? n : 1);
  for (int i = 0; i < n; i++) {
    fmt_int(v[i], t, sizeof t);
    dl_buf_printf(b, "%s%s", i ? ", " : "", t);
  }
  dl_buf_printf(b, "%s};\n", n ? "" : "0");
}

static void float_array(DlBuf *b, const char *name, const float *v, dlrt_i n) {
  char t[48];
  dl_buf_printf(b, "static const float %s[%lld] = {", name, (long long)(n ? n : 1));
  for (dlrt_i i = 0; i < n; i++) {
    fmt_float(v[i], t, sizeof t);
    dl_buf_printf(b, "%s%s", i ? ", " : "", t);
  }
  dl_buf_printf(b, "%s};\n", n ? "" : "0");
}

static void win_literal(DlBuf *b, const char *name, const dlrt_win *w) {
#define A3(f) (long long)w->f[0], (long long)w->f[1], (long long)w->f[2]
  dl_buf_printf(b,
                "static const dlrt_win %s = {%lld, %lld, {%lld, %lld, %lld}, %lld, {%lld, %lld, %lld}, "
                "{%lld, %lld, %lld}, {%lld, %lld, %lld}, {%lld, %lld, %lld}, {%lld, %lld, %lld}, "
                "{%lld, %lld, %lld}, %lld};\n",
                name, (long long)w->n, (long long)w->c, A3(id), (long long)w->m, A3(k), A3(od), A3(stride),
                A3(pad), A3(pad_end), A3(dil), (long long)w->group);
#undef A3
}

static void act_literal(DlBuf *b, const char *name, dlrt_act a) {
  char lo[48], hi[48];
  fmt_float(a.lo, lo, sizeof lo);
  fmt_float(a.hi, hi, sizeof hi);
  dl_buf_printf(b, "static const dlrt_act %s = {%d, %s, %s};\n", name, a.on, lo, hi);
}

/* ---- arena planning ------------------------------------------------------ */

static int root_of(Emit *m, int s) {
  while (m->root[s] != s) s = m->root[s];
  return s;
}


typedef struct {
  int slot;
  int64_t bytes;
} Buf;

static int cmp_buf(const void *a, const void *b) {
  const Buf *x = a, *y = b;
  if (x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
  return x->slot - y->slot;
}

static void plan_arena(Emit *m) {
  DlPlan *p = m->p;
  int n = p->nslots;
  for (int s = 0; s < n; s++) m->root[s] = s, m->off[s] = -1, m->def[s] = -1, m->last[s] = -1;
  for (int i = 0; i < p->nsteps; i++) {
    Step *st = &p->steps[i];
    if (st->q ? st->q->kind == Q_ALIAS : st->call.kind == DL_CALL_ALIAS && st->k != DL_OP_COUNT)
      m->root[st->out] = root_of(m, st->in[0]);
  }
  for (int s = 0; s < n; s++) m->root[s] = root_of(m, s);
  for (int i = 0; i < p->nsteps; i++) {
    Step *st = &p->steps[i];
    int r = m->root[st->out];
    if (m->def[r] < 0) m->def[r] = i;
    if (m->last[r] < i) m->last[r] = i;
    for (int j = 0; j < st->nin; j++) {
      int q = m->root[st->in[j]];
      if (m->last[q] < i) m->last[q] = i;
    }
  }
  for (int o = 0; o < p->nout; o++) m->last[m->root[p->out_slot[o]]] = p->nsteps;
  Buf *bufs = malloc(sizeof(Buf) * (size_t)(n ? n : 1));
  int nb = 0;
  for (int s = 0; s < n; s++)
    if (m->root[s] == s && p->slot_kind[s] == DL_SLOT_TEMP && m->def[s] >= 0)
      bufs[nb++] = (Buf){s, (int64_t)((dl_tensor_bytes(&p->slot[s]) + ALIGN - 1) / ALIGN * ALIGN)};
  qsort(bufs, (size_t)nb, sizeof(Buf), cmp_buf);
  m->arena = 0;
  for (int i = 0; i < nb; i++) {
    int s = bufs[i].slot;
    int64_t off = 0;
    /* first fit: bump past every placed buffer that overlaps in time and space */
    for (bool moved = true; moved;) {
      moved = false;
      for (int j = 0; j < i; j++) {
        int t = bufs[j].slot;
        bool live = !(m->last[t] < m->def[s] || m->last[s] < m->def[t]);
        if (live && off < m->off[t] + bufs[j].bytes && m->off[t] < off + bufs[i].bytes) {
          off = m->off[t] + bufs[j].bytes;
          moved = true;
        }
      }
    }
    m->off[s] = off;
    if (off + bufs[i].bytes > m->arena) m->arena = off + bufs[i].bytes;
  }
  free(bufs);
  int64_t scratch = 0;
  for (int i = 0; i < p->nsteps; i++) {
    const Step *st = &p->steps[i];
    int64_t b = st->q ? (int64_t)dl_qstep_scratch_bytes(st->q) : (int64_t)st->call.scratch * 4;
    if (b > scratch) scratch = b;
  }
  m->scratch_off = m->arena;
  m->arena += (scratch + ALIGN - 1) / ALIGN * ALIGN;
}

/* ---- emission ---------------------------------------------------------------- */

static bool check_supported(Emit *m, DlError *e) {
  DlPlan *p = m->p;
  bool ok = true;
  for (int i = 0; i < p->nsteps; i++) {
    Step *st = &p->steps[i];
    const char *op = st->k == DL_OP_COUNT ? "tensor.concat" : dl_op_info(st->k)->mnemonic;
    if (!st->q && st->call.kind == DL_CALL_NONE && st->k != DL_OP_COUNT)
      ok = dl_error_set(e, "%s: qg.%s: the C target has no kernel for this op yet", st->where, op);
  }
  return ok;
}

/* Whether operand j of st reaches the generated code in another form (an
 * alias's operand, or integer weights and biases the step packed itself). */
static bool copied_operand(const Step *st, int j) {
  if (!st->q) return false;
  if (st->q->kind == Q_ALIAS) return true;
  return (st->q->kind == Q_CONV || st->q->kind == Q_MATMUL) && ((j == 1 && st->q->wdata) || j == 2);
}

static void emit_constants(Emit *m) {
  DlPlan *p = m->p;
  char t[48];
  for (int s = 0; s < p->nslots; s++) {
    if (p->slot_kind[s] != DL_SLOT_CONST || m->root[s] != s) continue;
    bool used = false;
    for (int i = 0; i < p->nsteps && !used; i++)
      for (int j = 0; j < p->steps[i].nin; j++) used |= m->root[p->steps[i].in[j]] == s && !copied_operand(&p->steps[i], j);
    for (int o = 0; o < p->nout; o++) used |= m->root[p->out_slot[o]] == s;
    if (!used) continue;
    int64_t n = dl_shape_numel(&p->slot[s].shape);
    char shp[128];
    dl_buf_printf(&m->c, "/* %s */\nstatic const %s c%d[%lld] = {", dl_shape_str(&p->slot[s].shape, shp, sizeof shp),
                  ctype(p->slot[s].shape.dtype), s, (long long)(n ? n : 1));
    for (int64_t i = 0; i < n; i++) {
      fmt_elem(&p->slot[s], i, t, sizeof t);
      dl_buf_printf(&m->c, "%s%s", i % 8 ? ", " : (i ? ",\n  " : "\n  "), t);
    }
    dl_buf_printf(&m->c, "%s};\n", n ? "" : "0");
  }
}

/* Declares `dlrt_i NAME<i>[]` from v (rank n) and writes its name to out. */
static void arr(DlBuf *decl, const char *base, int i, const dlrt_i *v, int n, char *out, size_t on) {
  snprintf(out, on, "%s%d", base, i);
  int_array(decl, out, v, n);
}

/* ---- integer steps --------------------------------------------------------- */

static const char *const qfn[] = {
#define X(id, fn) fn,
    DL_QKINDS(X)
#undef X
};

static const char *qkind_op(const Step *st) {
  switch (st->q->kind) {
  case Q_QCAST: return "quant.qcast";
  case Q_DCAST: return "quant.dcast";
  case Q_CONCAT: return "tensor.concat";
  default: return st->k == DL_OP_COUNT ? "quant.scast" : dl_op_info(st->k)->mnemonic;
  }
}

static void qout_literal(DlBuf *b, const char *name, qrt_out o) {
  char lo[48], hi[48], zp[48];
  fmt_int(o.lo, lo, sizeof lo), fmt_int(o.hi, hi, sizeof hi), fmt_int(o.zp, zp, sizeof zp);
  dl_buf_printf(b, "static const qrt_out %s = {%d, %s, %s, %s};\n", name, o.es, zp, lo, hi);
}

static void qmult_array(DlBuf *b, const char *name, const qrt_mult *v, int n) {
  dl_buf_printf(b, "static const qrt_mult %s[%d] = {", name, n);
  for (int i = 0; i < n; i++) {
    char t[48];
    fmt_int(v[i].m0, t, sizeof t);
    dl_buf_printf(b, "%s{%s, %d}", i ? ", " : "", t, v[i].shift);
  }
  dl_buf_printf(b, "};\n");
}

static void i32_array(DlBuf *b, const char *name, const int32_t *v, int64_t n) {
  dl_buf_printf(b, "static const int32_t %s[%lld] = {", name, (long long)n);
  for (int64_t i = 0; i < n; i++) dl_buf_printf(b, "%s%d", i % 16 ? ", " : (i ? ",\n  " : "\n  "), (int)v[i]);
  dl_buf_printf(b, "};\n");
}

/* Packed weights as the C type their bit width is stored in (see qrt_wts). */
static void wts_literal(DlBuf *b, const char *name, const struct DlQStep *q) {
  int bits = q->w.bits;
  const char *ty = bits == 8 ? "int8_t" : bits == 16 ? "int16_t" : bits == 32 ? "int32_t" : "unsigned char";
  int64_t n = bits >= 8 ? q->nw : (int64_t)q->wbytes;
  dl_buf_printf(b, "/* %lld weights at %d bits: %zu bytes */\nstatic const %s %s_d[%lld] = {", (long long)q->nw, bits,
                q->wbytes, ty, name, (long long)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) {
    long long v = bits >= 8 ? (long long)qrt_wget(q->w, i) : (long long)q->wdata[i];
    dl_buf_printf(b, bits >= 8 ? "%s%lld" : "%s0x%02llx", i % 16 ? ", " : (i ? ",\n  " : "\n  "), v);
  }
  dl_buf_printf(b, "%s};\nstatic const qrt_wts %s = {%s_d, %d};\n", n ? "" : "0", name, name, bits);
}

static void emit_qstep(Emit *m, int i, DlBuf *decl, DlBuf *body) {
  Step *st = &m->p->steps[i];
  const struct DlQStep *q = st->q;
  const DlCall *c = &q->c;
  char x[64], w[64], y[64], g[32], o[32], mu[32], wt[32], bi[32], t0[48], d0[32], d1[32], d2[32];
  long long n = (long long)dl_shape_numel(&m->p->slot[st->out].shape);
  val(m, st->in[0], x, sizeof x), val(m, st->out, y, sizeof y);
  if (st->nin > 1) val(m, st->in[1], w, sizeof w);
  else snprintf(w, sizeof w, "0");
  snprintf(g, sizeof g, "g%d", i), snprintf(o, sizeof o, "qo%d", i), snprintf(mu, sizeof mu, "mult%d", i);
  snprintf(wt, sizeof wt, "w%d", i), snprintf(bi, sizeof bi, "0");
  dl_buf_printf(body, "  /* %s: %s */\n", st->where[0] ? st->where : "-", qkind_op(st));
  if (q->kind == Q_QCAST || q->kind == Q_CONV || q->kind == Q_MATMUL || q->kind == Q_BINARY) qout_literal(decl, o, q->o);
  if (q->bias) snprintf(bi, sizeof bi, "bias%d", i), i32_array(decl, bi, q->bias, q->kind == Q_CONV ? c->win.m : c->N);
  if (q->mult) qmult_array(decl, mu, q->mult, q->nmult);
  if (q->wdata) wts_literal(decl, wt, q);
  long long scr = (long long)m->scratch_off;
  switch (q->kind) {
  case Q_ALIAS: dl_buf_printf(body, "  /* shares %s */\n", x); break;
  case Q_QCAST:
    fmt_float(q->scale, t0, sizeof t0);
    dl_buf_printf(body, "  qrt_quantize(%lld, %s, %s, %s, %s);\n", n, x, t0, o, y);
    break;
  case Q_DCAST:
    fmt_float(q->scale, t0, sizeof t0);
    fmt_int(q->zx, d0, sizeof d0);
    dl_buf_printf(body, "  qrt_dequantize(%lld, %s, %d, %s, %s, %s);\n", n, x, q->xes, d0, t0, y);
    break;
  case Q_CONV:
    win_literal(decl, g, &c->win);
    fmt_int(q->zx, d0, sizeof d0);
    dl_buf_printf(body, "  qrt_conv(&%s, %s, %d, %s, %s, %s, %s, %s, %d, %s, T(%lld));\n", g, x, q->xes, d0, wt, bi,
                  mu, o, q->acc_bits, y, scr);
    break;
  case Q_MATMUL: {
    char wa[40];
    arr(decl, "aoff", i, c->aoff, (int)c->batches, d1, sizeof d1);
    arr(decl, "boff", i, c->boff, (int)c->batches, d2, sizeof d2);
    fmt_int(q->zx, d0, sizeof d0), fmt_int(q->zw, t0, sizeof t0);
    snprintf(wa, sizeof wa, "&%s", wt);
    dl_buf_printf(body,
                  "  qrt_matmul(%lld, %s, %s, %lld, %lld, %lld, %s, %d, %s, %s, %s, %d, %s, %s, %s, %d, %s, %d, %s, "
                  "T(%lld));\n",
                  (long long)c->batches, d1, d2, (long long)c->M, (long long)c->N, (long long)c->K, x, q->xes, d0,
                  q->wdata ? wa : "0", q->wdata ? "0" : w, q->wes, t0, bi, mu, q->nmult, o, q->acc_bits, y, scr);
    break;
  }
  case Q_BINARY: {
    char mb[48], za[32];
    arr(decl, "dims", i, c->dims, c->r, d0, sizeof d0), arr(decl, "sa", i, c->as, c->r, d1, sizeof d1);
    arr(decl, "sb", i, c->bs, c->r, d2, sizeof d2);
    fmt_int(q->mb.m0, t0, sizeof t0);
    snprintf(mb, sizeof mb, "mb%d", i);
    dl_buf_printf(decl, "static const qrt_mult %s = {%s, %d};\n", mb, t0, q->mb.shift);
    fmt_int(q->zx, za, sizeof za), fmt_int(q->zw, t0, sizeof t0);
    dl_buf_printf(body, "  qrt_binary(%d, %d, %s, %s, %d, %s, %s, %s, %d, %s, %s, %s[0], %s, %s, %s);\n",
                  st->k == DL_OP_ADD ? 0 : st->k == DL_OP_SUB ? 1 : 2, c->r, d0, x, q->xes, d1, za, w, q->wes, d2, t0,
                  mu, mb, o, y);
    break;
  }
  case Q_LUT:
    snprintf(d0, sizeof d0, "lut%d", i);
    i32_array(decl, d0, q->lut, q->lut_n);
    fmt_int(q->lut_lo, t0, sizeof t0);
    dl_buf_printf(body, "  qrt_lut(%lld, %s, %d, %s, %s, %d, %s);\n", n, x, q->xes, t0, d0, q->o.es, y);
    break;
  case Q_POOL:
    win_literal(decl, g, &c->win);
    fmt_int(q->zx, d0, sizeof d0);
    dl_buf_printf(body, "  qrt_pool(&%s, %d, %s, %s, %d, %s);\n", g, c->sub, x, d0, q->xes, y);
    break;
  case Q_GLOBAL_POOL:
    fmt_int(q->zx, d0, sizeof d0);
    dl_buf_printf(body, "  qrt_global_pool(%lld, %lld, %d, %s, %s, %d, %s);\n", (long long)c->outer, (long long)c->len,
                  c->sub, x, d0, q->xes, y);
    break;
  case Q_COPY:
    arr(decl, "dims", i, c->dims, c->r, d0, sizeof d0), arr(decl, "sa", i, c->as, c->r, d1, sizeof d1);
    dl_buf_printf(body, "  qrt_copy_strided(%d, %s, %s, %lld, %s, %d, %s);\n", c->r, d0, d1, (long long)c->offset, x,
                  q->xes, y);
    break;
  case Q_CONCAT:
    dl_buf_printf(body, "  {\n    const void *xs[%d];\n", st->nin);
    for (int j = 0; j < st->nin; j++) {
      char v[64];
      val(m, st->in[j], v, sizeof v);
      dl_buf_printf(body, "    xs[%d] = %s;\n", j, v);
    }
    arr(decl, "chunk", i, q->chunk, st->nin, d0, sizeof d0);
    dl_buf_printf(body, "    qrt_concat(%d, xs, %s, %lld, %d, %s);\n  }\n", st->nin, d0, (long long)c->outer, q->xes, y);
    break;
  }
}

static void emit_step(Emit *m, int i, DlBuf *decl, DlBuf *body) {
  Step *st = &m->p->steps[i];
  if (st->q) {
    emit_qstep(m, i, decl, body);
    return;
  }
  const DlCall *c = &st->call;
  char x[64], w[64], b[64], y[64], nm[32], an[32], t0[48], t1[48], d0[32], d1[32], d2[32], d3[32];
  val(m, st->in[0], x, sizeof x);
  if (st->nin > 1) val(m, st->in[1], w, sizeof w);
  else snprintf(w, sizeof w, "0");
  if (st->nin > 2) val(m, st->in[2], b, sizeof b);
  else snprintf(b, sizeof b, "0");
  val(m, st->out, y, sizeof y);
  snprintf(nm, sizeof nm, "g%d", i);
  snprintf(an, sizeof an, "act%d", i);
  const char *op = st->k == DL_OP_COUNT ? "tensor.concat" : dl_op_info(st->k)->mnemonic;
  dl_buf_printf(body, "  /* %s: %s */\n", st->where[0] ? st->where : "-", op);
  if (st->k == DL_OP_COUNT) {
    dlrt_i chunk[32], outer = 1;
    const DlShape *os = &m->p->slot[st->out].shape;
    for (int d = 0; d < st->axis; d++) outer *= os->dims[d];
    dl_buf_printf(body, "  {\n    const void *xs[%d];\n", st->nin);
    for (int j = 0; j < st->nin; j++) {
      char v[64];
      val(m, st->in[j], v, sizeof v);
      chunk[j] = outer ? (dlrt_i)dl_tensor_bytes(&m->p->slot[st->in[j]]) / outer : 0;
      dl_buf_printf(body, "    xs[%d] = %s;\n", j, v);
    }
    arr(decl, "chunk", i, chunk, st->nin, d0, sizeof d0);
    dl_buf_printf(body, "    dlrt_concat(%d, xs, %s, %lld, %s);\n  }\n", st->nin, d0, (long long)outer, y);
    return;
  }
  const char *ret = dl_call_has_status(c) ? "  if (" : "  ";
  const char *end = dl_call_has_status(c) ? ")\n    return 1;\n" : ";\n";
  DlBuf call = {0};
  switch (c->kind) {
  case DL_CALL_ALIAS: dl_buf_printf(body, "  /* shares %s */\n", x); return;
  case DL_CALL_CONV:
    win_literal(decl, nm, &c->win), act_literal(decl, an, c->act);
    dl_buf_printf(&call, "dlrt_conv(&%s, %s, %s, %s, %s, S, %s)", nm, x, w, b, y, an);
    break;
  case DL_CALL_CONV_TRANSPOSE:
    win_literal(decl, nm, &c->win), act_literal(decl, an, c->act);
    dl_buf_printf(&call, "dlrt_conv_transpose(&%s, %s, %s, %s, %s, %s)", nm, x, w, b, y, an);
    break;
  case DL_CALL_POOL:
    win_literal(decl, nm, &c->win);
    dl_buf_printf(&call, "dlrt_pool(&%s, %d, %s, %s)", nm, c->sub, x, y);
    break;
  case DL_CALL_GLOBAL_POOL:
    dl_buf_printf(&call, "dlrt_global_pool(%lld, %lld, %d, %s, %s)", (long long)c->outer, (long long)c->len, c->sub, x, y);
    break;
  case DL_CALL_GEMM:
    act_literal(decl, an, c->act);
    fmt_float(c->alpha, t0, sizeof t0), fmt_float(c->beta, t1, sizeof t1);
    dl_buf_printf(&call, "dlrt_gemm(%lld, %lld, %lld, %d, %d, %s, %s, %s, %s, %s, %lld, %lld, %s, S, %s)",
                  (long long)c->M, (long long)c->N, (long long)c->K, c->transA, c->transB, t0, t1, x, w, b,
                  (long long)c->cm, (long long)c->cn, y, an);
    break;
  case DL_CALL_MATMUL:
    arr(decl, "aoff", i, c->aoff, (int)c->batches, d0, sizeof d0);
    arr(decl, "boff", i, c->boff, (int)c->batches, d1, sizeof d1);
    act_literal(decl, an, c->act);
    dl_buf_printf(&call, "dlrt_matmul(%lld, %s, %s, %lld, %lld, %lld, %s, %s, %s, %s)", (long long)c->batches, d0, d1,
                  (long long)c->M, (long long)c->N, (long long)c->K, x, w, y, an);
    break;
  case DL_CALL_BINARY:
    arr(decl, "dims", i, c->dims, c->r, d0, sizeof d0), arr(decl, "sa", i, c->as, c->r, d1, sizeof d1);
    arr(decl, "sb", i, c->bs, c->r, d2, sizeof d2);
    act_literal(decl, an, c->act);
    dl_buf_printf(&call, "dlrt_binary(%d, %d, %s, %s, %s, %s, %s, %s, %s)", c->sub, c->r, d0, x, d1, w, d2, y, an);
    break;
  case DL_CALL_UNARY:
    fmt_float(c->p0, t0, sizeof t0), fmt_float(c->p1, t1, sizeof t1);
    dl_buf_printf(&call, "dlrt_unary(%d, %lld, %s, %s, %s, %s)", c->sub, (long long)c->len, x, y, t0, t1);
    break;
  case DL_CALL_SOFTMAX: case DL_CALL_HARDMAX:
    if (c->kind == DL_CALL_SOFTMAX)
      dl_buf_printf(&call, "dlrt_softmax(%lld, %lld, %lld, %d, %s, %s)", (long long)c->outer, (long long)c->len,
                    (long long)c->inner, c->sub, x, y);
    else
      dl_buf_printf(&call, "dlrt_hardmax(%lld, %lld, %lld, %s, %s)", (long long)c->outer, (long long)c->len,
                    (long long)c->inner, x, y);
    break;
  case DL_CALL_LAYER_NORM:
    fmt_float(c->p0, t0, sizeof t0);
    dl_buf_printf(&call, "dlrt_layer_norm(%lld, %lld, %s, %s, %s, %s, %s)", (long long)c->outer, (long long)c->len,
                  x, w, b, t0, y);
    break;
  case DL_CALL_BATCH_NORM: {
    char mu[64], var[64];
    val(m, st->in[3], mu, sizeof mu), val(m, st->in[4], var, sizeof var);
    fmt_float(c->p0, t0, sizeof t0);
    dl_buf_printf(&call, "dlrt_batch_norm(%lld, %lld, %lld, %s, %s, %s, %s, %s, %s, %s)", (long long)c->outer,
                  (long long)c->len, (long long)c->inner, x, w, b, mu, var, t0, y);
    break;
  }
  case DL_CALL_INSTANCE_NORM:
    fmt_float(c->p0, t0, sizeof t0);
    dl_buf_printf(&call, "dlrt_instance_norm(%lld, %lld, %lld, %s, %s, %s, %s, %s)", (long long)c->outer,
                  (long long)c->len, (long long)c->inner, x, w, b, t0, y);
    break;
  case DL_CALL_COPY:
    arr(decl, "dims", i, c->dims, c->r, d0, sizeof d0), arr(decl, "sa", i, c->as, c->r, d1, sizeof d1);
    dl_buf_printf(&call, "dlrt_copy_strided(%d, %s, %s, %lld, %d, %s, %s)", c->r, d0, d1, (long long)c->offset, c->es, x, y);
    break;
  case DL_CALL_GATHER:
    dl_buf_printf(&call, "dlrt_gather(%lld, %lld, %lld, %d, %s, %lld, %s, %s)", (long long)c->outer, (long long)c->len,
                  (long long)c->inner, c->tb, w, (long long)c->N, x, y);
    break;
  case DL_CALL_GATHER_ELEMENTS:
    arr(decl, "dims", i, c->dims, c->r, d0, sizeof d0), arr(decl, "sa", i, c->as, c->r, d1, sizeof d1);
    dl_buf_printf(&call, "dlrt_gather_elements(%d, %s, %s, %d, %lld, %d, %d, %s, %s, %s)", c->r, d0, d1, c->sub,
                  (long long)c->len, c->es, c->tb, w, x, y);
    break;
  case DL_CALL_WHERE:
    arr(decl, "dims", i, c->dims, c->r, d0, sizeof d0), arr(decl, "sc", i, c->cs, c->r, d1, sizeof d1);
    arr(decl, "sa", i, c->as, c->r, d2, sizeof d2), arr(decl, "sb", i, c->bs, c->r, d3, sizeof d3);
    dl_buf_printf(&call, "dlrt_where(%d, %s, %s, %s, %s, %s, %s, %s, %d, %s)", c->r, d0, x, d1, w, d2, b, d3, c->es, y);
    break;
  case DL_CALL_BINARY_G:
    arr(decl, "dims", i, c->dims, c->r, d0, sizeof d0), arr(decl, "sa", i, c->as, c->r, d1, sizeof d1);
    arr(decl, "sb", i, c->bs, c->r, d2, sizeof d2);
    dl_buf_printf(&call, "dlrt_binary_g(%d, %d, %d, %d, %d, %s, %s, %s, %s, %s, %s)", c->sub, c->ta, c->tb, c->to, c->r,
                  d0, x, d1, w, d2, y);
    break;
  case DL_CALL_UNARY_G:
    fmt_double(c->v0, t0, sizeof t0), fmt_double(c->v1, t1, sizeof t1);
    dl_buf_printf(&call, "dlrt_unary_g(%d, %d, %d, %lld, %s, %s, %s, %s)", c->sub, c->ta, c->to, (long long)c->len, x, y,
                  t0, t1);
    break;
  case DL_CALL_REDUCE:
    arr(decl, "kd", i, c->dims, c->r, d0, sizeof d0), arr(decl, "ks", i, c->as, c->r, d1, sizeof d1);
    arr(decl, "rd", i, c->dims2, c->r2, d2, sizeof d2), arr(decl, "rs", i, c->s2, c->r2, d3, sizeof d3);
    dl_buf_printf(&call, "dlrt_reduce(%d, %d, %d, %d, %s, %s, %d, %s, %s, %d, %s, %s)", c->sub, c->ta, c->to, c->r, d0,
                  d1, c->r2, d2, d3, c->transA, x, y);
    break;
  case DL_CALL_PAD:
    arr(decl, "id", i, c->dims, c->r, d0, sizeof d0), arr(decl, "od", i, c->dims2, c->r, d1, sizeof d1);
    arr(decl, "pb", i, c->as, c->r, d2, sizeof d2);
    fmt_double(c->v0, t0, sizeof t0);
    dl_buf_printf(&call, "dlrt_pad(%d, %d, %d, %s, %s, %s, %s, %s, %s)", c->ta, c->sub, c->r, d0, d1, d2, t0, x, y);
    break;
  case DL_CALL_CUMSUM:
    dl_buf_printf(&call, "dlrt_cumsum(%d, %lld, %lld, %lld, %d, %d, %s, %s)", c->ta, (long long)c->outer,
                  (long long)c->len, (long long)c->inner, c->transA, c->transB, x, y);
    break;
  case DL_CALL_TRILU:
    dl_buf_printf(&call, "dlrt_trilu(%lld, %lld, %lld, %lld, %d, %d, %s, %s)", (long long)c->batches, (long long)c->M,
                  (long long)c->N, (long long)c->K, c->sub, c->es, x, y);
    break;
  case DL_CALL_RESIZE:
    arr(decl, "od", i, c->dims, c->r, d0, sizeof d0), arr(decl, "nt", i, c->bs, c->r, d1, sizeof d1);
    snprintf(d2, sizeof d2, "off%d", i), snprintf(d3, sizeof d3, "w%d", i);
    int_array(decl, d2, c->tab, (int)c->ntab);
    float_array(decl, d3, c->wtab, c->ntab);
    dl_buf_printf(&call, "dlrt_resize(%d, %s, %s, %s, %s, %s, %s)", c->r, d0, d1, d2, d3, x, y);
    break;
  case DL_CALL_NLL_LOSS:
    fmt_int(c->offset, t0, sizeof t0);
    dl_buf_printf(&call, "dlrt_nll_loss(%lld, %lld, %lld, %s, %d, %s, %s, %d, %s, %d, %s)", (long long)c->M,
                  (long long)c->N, (long long)c->K, x, c->tb, w, b, c->offset != INT64_MIN, t0, c->sub, y);
    break;
  default: return;
  }
  dl_buf_printf(body, "%s%s%s", ret, call.data, end);
  dl_buf_free(&call);
}

static const char *call_fn(const Step *st) {
  if (st->q) return qfn[st->q->kind];
  if (st->k == DL_OP_COUNT) return "dlrt_concat";
  return dl_call_fn(&st->call);
}

/* For integer models: every step's result with its bits (or float, for the
 * islands), and the weights' packed bits and bytes. */
static void describe_precision(Emit *m, DlBuf *h) {
  bool any = false;
  size_t wbytes = 0;
  for (int i = 0; i < m->p->nsteps; i++) any |= m->p->steps[i].q != NULL;
  if (!any) return;
  dl_buf_printf(h, "/* Precision of each step's result (scale, zero point) and of the weights:\n");
  for (int i = 0; i < m->p->nsteps; i++) {
    const Step *st = &m->p->steps[i];
    const DlShape *s = &m->p->slot[st->out].shape;
    char shp[128];
    DlQParams qp;
    if (st->q && st->q->kind == Q_ALIAS && st->k == DL_OP_COUNT) continue; /* quant.scast of weights */
    dl_buf_printf(h, " *   %-14s %-20s %s", st->q ? qkind_op(st) : dl_op_info(st->k)->mnemonic, st->where,
                  dl_shape_str(s, shp, sizeof shp));
    if (!mlirValueIsNull(st->val) && dl_qparams_of_type(mlirValueGetType(st->val), &qp))
      dl_buf_printf(h, ": %d bits, scale %.6g, zp %lld", qp.bits, qp.scale, (long long)qp.zp);
    else if (s->dtype == DL_F32)
      dl_buf_printf(h, ": float");
    if (st->q && st->q->wdata) {
      dl_buf_printf(h, "; weights %d bits, %zu bytes", st->q->w.bits, st->q->wbytes);
      wbytes += st->q->wbytes;
    }
    dl_buf_printf(h, "\n");
  }
  dl_buf_printf(h, " * Integer weights: %zu bytes in all. */\n\n", wbytes);
}

static void make_name(const DlTargetOptions *o, char *name, size_t n) {
  const char *src = o->name;
  char tmp[256];
  if (!src) {
    const char *base = strrchr(o->out_path, '/');
    base = base ? base + 1 : o->out_path;
    snprintf(tmp, sizeof tmp, "%s", base);
    char *dot = strrchr(tmp, '.');
    if (dot) *dot = 0;
    src = tmp;
  }
  size_t j = 0;
  if (!isalpha((unsigned char)src[0]) && src[0] != '_') name[j++] = 'm';
  for (; *src && j + 1 < n; src++) name[j++] = isalnum((unsigned char)*src) ? *src : '_';
  name[j] = 0;
  if (!j) snprintf(name, n, "model");
}

static void shape_comment(DlBuf *b, const DlShape *s) {
  char t[128];
  dl_buf_printf(b, "%s", dl_shape_str(s, t, sizeof t));
}

bool dl_target_c_emit(MlirModule mod, const DlTargetOptions *o, DlError *e) {
  if (!o->out_path || !strcmp(o->out_path, "-")) return dl_error_set(e, "--target=c needs -o FILE.c (it writes FILE.c and FILE.h)");
  size_t pl = strlen(o->out_path);
  if (pl < 3 || strcmp(o->out_path + pl - 2, ".c")) return dl_error_set(e, "--target=c output must end in .c");
  Emit m = {0};
  m.p = dl_plan_create(mod, e);
  if (!m.p) return false;
  bool ok = check_supported(&m, e);
  int n = m.p->nslots;
  m.root = malloc(sizeof(int) * (size_t)n), m.off = malloc(sizeof(int64_t) * (size_t)n);
  m.def = malloc(sizeof(int) * (size_t)n), m.last = malloc(sizeof(int) * (size_t)n);
  DlBuf decl = {0}, body = {0};
  char hpath[4096];
  Section sec[160];
  int nsec = parse_sections(dl_dlrt_c_source, sec, 0, 160);
  nsec = parse_sections(dl_qrt_c_source, sec, nsec, 160);
  if (!ok) goto cleanup;
  make_name(o, m.name, sizeof m.name);
  plan_arena(&m);
  for (int i = 0; i < m.p->nsteps; i++) {
    const char *fn = call_fn(&m.p->steps[i]);
    if (fn) mark_used(sec, nsec, fn);
    emit_step(&m, i, &decl, &body);
  }
  const char *hbase = strrchr(o->out_path, '/');
  hbase = hbase ? hbase + 1 : o->out_path;
  snprintf(hpath, sizeof hpath, "%.*s.h", (int)(pl - 2), o->out_path);

  /* header */
  DlBuf *h = &m.h;
  dl_buf_printf(h, "/* %s.h: generated by dlc %s from %s; do not edit. */\n", m.name, DLC_VERSION, o->source ? o->source : "?");
  dl_buf_printf(h, "#ifndef DLC_MODEL_%s_H\n#define DLC_MODEL_%s_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n", m.name, m.name);
  dl_buf_printf(h, "/* Bytes of the caller-provided activation arena (align it to 64 bytes). */\n");
  dl_buf_printf(h, "#define %s_ARENA_BYTES %lld\n\n", m.name, (long long)m.arena);
  describe_precision(&m, h);
  dl_buf_printf(h, "/* Runs the model; returns 0, or 1 when an index in the data is out of range.\n"
                   " * Inputs and outputs are dense, row-major, of the C type in the signature\n"
                   " * (float16 and bfloat16 as their bits):\n");
  for (int i = 0; i < m.p->nin; i++) {
    dl_buf_printf(h, " *   in%d  '%s' ", i, m.p->in_name[i]);
    shape_comment(h, dl_plan_input_shape(m.p, i));
    dl_buf_printf(h, "\n");
  }
  for (int i = 0; i < m.p->nout; i++) {
    dl_buf_printf(h, " *   out%d '%s' ", i, m.p->out_name[i]);
    shape_comment(h, dl_plan_output_shape(m.p, i));
    dl_buf_printf(h, "\n");
  }
  dl_buf_printf(h, " * Re-entrant: all state lives in `arena`. */\nint %s_run(void *arena", m.name);
  for (int i = 0; i < m.p->nin; i++) dl_buf_printf(h, ", const %s *in%d", ctype(dl_plan_input_shape(m.p, i)->dtype), i);
  for (int i = 0; i < m.p->nout; i++) dl_buf_printf(h, ", %s *out%d", ctype(dl_plan_output_shape(m.p, i)->dtype), i);
  dl_buf_printf(h, ");\n\n/* The same through arrays of pointers, for generic harnesses. */\n");
  dl_buf_printf(h, "int %s_run_v(void *arena, const void *const *inputs, void *const *outputs);\n", m.name);
  dl_buf_printf(h, "/* Shape of input (is_output = 0) or output `index`: returns rank, or -1;\n"
                   " * *dtype is set to the ONNX TensorProto data type. */\n");
  dl_buf_printf(h, "int %s_describe(int is_output, int index, long long *dims, int *dtype);\n", m.name);
  dl_buf_printf(h, "extern const size_t %s_arena_bytes;\n\n#endif\n", m.name);

  /* source */
  DlBuf *c = &m.c;
  dl_buf_printf(c, "/* %s.c: generated by dlc %s from %s; do not edit.\n", m.name, DLC_VERSION, o->source ? o->source : "?");
  dl_buf_printf(c, " * C99; build with e.g. cc -std=c99 -O2 -c %s (link with -lm). */\n", hbase);
  dl_buf_printf(c, "#include \"%.*s.h\"\n\n#include <math.h>\n#include <stdint.h>\n#include <string.h>\n\n", (int)(strlen(hbase) - 2), hbase);
  for (int k = 0; k < 2; k++) {
    const char *ts = strstr(k ? dl_qrt_h_source : dl_dlrt_h_source, "/* @types */"), *te = strstr(ts, "/* @end */");
    ts = strchr(ts, '\n') + 1;
    dl_buf_append(c, ts, (size_t)(te - ts));
    dl_buf_printf(c, "\n");
  }
  for (int i = 0; i < nsec; i++)
    if (sec[i].used) emit_section(c, &sec[i]);
  dl_buf_printf(c, "/* ---- weights ---- */\n");
  emit_constants(&m);
  dl_buf_printf(c, "\n/* ---- step parameters ---- */\n");
  if (decl.data) dl_buf_append(c, decl.data, decl.len);
  dl_buf_printf(c, "\nconst size_t %s_arena_bytes = %lld;\n\n", m.name, (long long)m.arena);
  dl_buf_printf(c, "/* Arena plan: each temporary's offset, live over [first, last] step. */\n");
  for (int s = 0; s < n; s++)
    if (m.off[s] >= 0 && m.root[s] == s)
      dl_buf_printf(c, "/*   t%d: offset %lld, %zu bytes, steps %d..%d */\n", s, (long long)m.off[s],
                    dl_tensor_bytes(&m.p->slot[s]), m.def[s], m.last[s]);
  dl_buf_printf(c, "#define T(o) ((void *)(A + (o)))\n\nint %s_run(void *arena", m.name);
  for (int i = 0; i < m.p->nin; i++) dl_buf_printf(c, ", const %s *in%d", ctype(dl_plan_input_shape(m.p, i)->dtype), i);
  for (int i = 0; i < m.p->nout; i++) dl_buf_printf(c, ", %s *out%d", ctype(dl_plan_output_shape(m.p, i)->dtype), i);
  dl_buf_printf(c, ") {\n  unsigned char *A = (unsigned char *)arena;\n  float *S = T(%lld);\n  (void)S;\n", (long long)m.scratch_off);
  if (body.data) dl_buf_append(c, body.data, body.len);
  for (int i = 0; i < m.p->nout; i++) {
    char v[64];
    val(&m, m.p->out_slot[i], v, sizeof v);
    dl_buf_printf(c, "  memcpy(out%d, %s, %zu);\n", i, v, dl_tensor_bytes(dl_plan_output(m.p, i)));
  }
  dl_buf_printf(c, "  return 0;\n}\n#undef T\n\n");
  dl_buf_printf(c, "int %s_run_v(void *arena, const void *const *inputs, void *const *outputs) {\n  return %s_run(arena", m.name, m.name);
  for (int i = 0; i < m.p->nin; i++) dl_buf_printf(c, ", (const %s *)inputs[%d]", ctype(dl_plan_input_shape(m.p, i)->dtype), i);
  for (int i = 0; i < m.p->nout; i++) dl_buf_printf(c, ", (%s *)outputs[%d]", ctype(dl_plan_output_shape(m.p, i)->dtype), i);
  dl_buf_printf(c, ");\n}\n\nint %s_describe(int is_output, int index, long long *dims, int *dtype) {\n", m.name);
  for (int io = 0; io < 2; io++)
    for (int i = 0; i < (io ? m.p->nout : m.p->nin); i++) {
      const DlShape *s = io ? dl_plan_output_shape(m.p, i) : dl_plan_input_shape(m.p, i);
      dl_buf_printf(c, "  if (is_output == %d && index == %d) {\n", io, i);
      for (int d = 0; d < s->rank; d++) dl_buf_printf(c, "    dims[%d] = %lld;\n", d, (long long)s->dims[d]);
      dl_buf_printf(c, "    *dtype = %d;\n", dl_dtype_to_onnx(s->dtype));
      dl_buf_printf(c, "    return %d;\n  }\n", s->rank);
    }
  dl_buf_printf(c, "  (void)dims;\n  (void)dtype;\n  return -1;\n}\n");
  ok = dl_write_file_atomic(hpath, h->data, h->len, e) && dl_write_file_atomic(o->out_path, c->data, c->len, e);
cleanup:
  dl_buf_free(&decl), dl_buf_free(&body), dl_buf_free(&m.c), dl_buf_free(&m.h);
  free(m.root), free(m.off), free(m.def), free(m.last);
  dl_plan_destroy(m.p);
  return ok;
}
