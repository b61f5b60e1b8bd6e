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
#include "dlc/compress.h"
#include "dlc/sparse.h"

extern const char dl_dlrt_c_source[], dl_dlrt_h_source[], dl_qrt_c_source[], dl_qrt_h_source[];
extern const char dl_dlz_c_source[], dl_dlz_h_source[];

#define ALIGN 64
#define BAND_MIN 1 /* one output row: larger bands grow the conv kernel's scratch (im2col) for little speed (measured) */

typedef struct {
  DlPlan *p;
  int *root;              /* alias root of each slot */
  int64_t *off;           /* arena offset of each temp root, -1 if none */
  int *def, *last;        /* live range of each root, in steps */
  int64_t arena, scratch_off;
  int64_t arena_raw;      /* the arena with every activation uncompressed */
  int64_t arena_plain;    /* the arena of the plan without compression (whole tensors, no bands) */
  DlCompressChoice *zc;   /* per slot: its compression (zc[s].cap > 0), from dlc.compress */
  dlz_params *zp;
  DlQSparse *sp;          /* per step: its weights in sparse form (sp[i].mask) where they are stored so */
  const char *amul[64];   /* the approximate multipliers' specs whose tables are printed (amulN), in order */
  int namul;
  char name[64];
  DlBuf c, h;
} Emit;

/* ---- runtime sections ------------------------------------------------------ */

#define SECTION_DEPS 32
#define DL_C_MAX_THREADS 256 /* --c-threads: threads NAME_run_threads uses at most (its shares live on its stack) */
typedef struct {
  char name[64];
  char deps[SECTION_DEPS][64];
  int ndeps;
  const char *text;
  size_t len;
  bool used;
} Section;

/* How many "@fn" sections a kernel source has. */
static int count_sections(const char *p) {
  int n = 0;
  while ((p = strstr(p, "/* @fn "))) n++, p += 7;
  return n;
}

static int parse_sections(const char *p, Section *s, int n, int max) {
  while ((p = strstr(p, "/* @fn "))) {
    if (n == max) { /* count_sections sized the array: cannot happen */
      fprintf(stderr, "dlc: internal error: more than %d runtime sections\n", max);
      abort();
    }
    Section *x = &s[n++];
    memset(x, 0, sizeof *x);
    p += 7;
    const char *eol = strstr(p, "*/");
    char line[1024];
    if (eol - p >= (ptrdiff_t)sizeof line) { /* dlc's own kernel sources: a developer's error, caught by every C test */
      fprintf(stderr, "dlc: internal error: an @fn line longer than %zu bytes\n", sizeof line);
      abort();
    }
    snprintf(line, sizeof line, "%.*s", (int)(eol - p), p);
    char *tok = strtok(line, " ");
    snprintf(x->name, sizeof x->name, "%s", tok);
    while ((tok = strtok(NULL, " ")))
      if (strcmp(tok, "uses")) {
        if (x->ndeps == SECTION_DEPS) {
          fprintf(stderr, "dlc: internal error: section %s uses more than %d sections\n", x->name, SECTION_DEPS);
          abort();
        }
        snprintf(x->deps[x->ndeps++], 64, "%s", tok);
      }
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
    const char *par = memchr(p, '(', n), *id = par;
    while (id && id > p && (isalnum((unsigned char)id[-1]) || id[-1] == '_')) id--;
    if (par && id > p && id[-1] == ' ' && strncmp(p, "static", 6) && !isspace((unsigned char)p[0]) &&
        (!strncmp(id, "dlrt_", 5) || !strncmp(id, "qrt_", 4) || !strncmp(id, "dlz_", 4)))
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

static bool zslot(const Emit *m, int s) { return m->zc && m->zc[s].cap > 0; }

/* ---- compressed activations: steps run a band of output rows at a time ---- */

/* A step runs in bands when it reads or writes a compressed tensor. */
static bool band_step(const Emit *m, const DlStep *st) {
  if (!st->q || !m->zc) return false;
  bool z = zslot(m, st->out);
  for (int j = 0; j < st->nin && j < 2; j++) z |= (j == 0 || st->q->kind == DL_Q_BINARY) && zslot(m, st->in[j]);
  return z;
}

static bool window_step(const DlStep *st) { return st->q->kind == DL_Q_CONV || st->q->kind == DL_Q_POOL; }

/* Output rows [o0, o1) of a window step: the input rows [r0, r1) they read and their window. */
static void band_win(const dlrt_win *g, int64_t o0, int64_t o1, dlrt_win *gb, int64_t *r0, int64_t *r1) {
  int64_t a = o0 * g->stride[1] - g->pad[1], b = (o1 - 1) * g->stride[1] - g->pad[1] + (g->k[1] - 1) * g->dil[1] + 1;
  *r0 = a < 0 ? 0 : a, *r1 = b > g->id[1] ? g->id[1] : b;
  *gb = *g;
  gb->id[1] = *r1 - *r0, gb->od[1] = o1 - o0, gb->pad[1] = *r0 - a, gb->pad_end[1] = b - *r1;
}

/* Output rows per band: the fewest that make at least BAND_MIN elements, so
 * that per-call costs (weights unpacked, halo rows decoded again) stay small
 * against the band while its buffers stay a small part of the tensors. */
static int64_t band_rows(const DlStep *st, const DlShape *y) {
  int64_t row = y->dims[1] * y->dims[3], bo = (BAND_MIN + row - 1) / (row ? row : 1);
  (void)st;
  return bo < 1 ? 1 : bo > y->dims[2] ? y->dims[2] : bo;
}

enum { BAND_X0, BAND_X1, BAND_Y, BAND_TMP, BAND_TMP1, BAND_PEND, BAND_KERNEL, BAND_PARTS };

static int64_t align(int64_t b) { return (b + ALIGN - 1) / ALIGN * ALIGN; }

static bool sparse_step(const Emit *m, const DlStep *st) { return m->sp && m->sp[st - m->p->steps].mask; }

/* The kernel scratch of a conv over window g (the whole output or one band). */
static int64_t conv_scratch(const Emit *m, const DlStep *st, const dlrt_win *g) {
  const struct DlQStep *q = st->q;
  if (q->ax.table) return qrt_conv_approx_scratch(g);
  return sparse_step(m, st) ? qrt_conv_sparse_scratch(g) : qrt_conv_scratch(g, q->xes, q->zx, q->w, q->acc_bits);
}

/* The scratch of a band step: operand and result bands, a block to decode
 * through and one to encode through, the kernel's own scratch; offsets into
 * the scratch area in at[], total returned. */
static int64_t band_layout(const Emit *m, const DlStep *st, int64_t at[BAND_PARTS]) {
  const DlPlan *p = m->p;
  const DlShape *y = &p->slot[st->out].shape;
  int64_t part[BAND_PARTS] = {0}, bo = band_rows(st, y), rin = bo, block = 0;
  if (window_step(st)) {
    rin = 0;
    for (int64_t o = 0; o < y->dims[2]; o += bo) {
      dlrt_win gb;
      int64_t r0, r1;
      band_win(&st->q->c.win, o, o + bo < y->dims[2] ? o + bo : y->dims[2], &gb, &r0, &r1);
      rin = r1 - r0 > rin ? r1 - r0 : rin;
      if (st->q->kind == DL_Q_CONV) {
        int64_t k = conv_scratch(m, st, &gb);
        part[BAND_KERNEL] = k > part[BAND_KERNEL] ? k : part[BAND_KERNEL];
      }
    }
  }
  for (int j = 0; j < (st->q->kind == DL_Q_BINARY ? 2 : 1); j++) {
    const DlShape *x = &p->slot[st->in[j]].shape;
    part[BAND_X0 + j] = x->dims[1] * rin * x->dims[3] * (int64_t)dl_dtype_size(x->dtype);
    int64_t b = m->zc[st->in[j]].block * (int64_t)dl_dtype_size(x->dtype);
    if (zslot(m, st->in[j]) && b > block) block = b;
  }
  part[BAND_Y] = y->dims[1] * bo * y->dims[3] * (int64_t)dl_dtype_size(y->dtype);
  if (zslot(m, st->out) && m->zc[st->out].block * (int64_t)dl_dtype_size(y->dtype) > block)
    block = m->zc[st->out].block * (int64_t)dl_dtype_size(y->dtype);
  /* one block of the widest compressed tensor, in bytes: one per operand (each keeps its last block) and the encoder's */
  part[BAND_TMP] = part[BAND_PEND] = block;
  part[BAND_TMP1] = st->q->kind == DL_Q_BINARY ? block : 0;
  int64_t total = 0;
  for (int k = 0; k < BAND_PARTS; k++) at[k] = total, total += align(part[k]);
  return total;
}

static void plan_arena(Emit *m) {
  DlPlan *p = m->p;
  int n = p->nslots;
  for (int s = 0; s < n; s++) m->root[s] = s, m->off[s] = -1, m->def[s] = -1, m->last[s] = -1;
  for (int i = 0; i < p->nsteps; i++) {
    DlStep *st = &p->steps[i];
    if (st->q ? st->q->kind == DL_Q_ALIAS : st->call.kind == DL_CALL_ALIAS && st->k != DL_OP_COUNT)
      m->root[st->out] = root_of(m, st->in[0]);
  }
  for (int s = 0; s < n; s++) m->root[s] = root_of(m, s);
  for (int i = 0; i < p->nsteps; i++) {
    DlStep *st = &p->steps[i];
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
      bufs[nb++] = (Buf){s, align(zslot(m, s) ? m->zc[s].cap : (int64_t)dl_tensor_bytes(&p->slot[s]))};
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
    const DlStep *st = &p->steps[i];
    int64_t at[BAND_PARTS], b = st->q ? (int64_t)dl_qstep_scratch_bytes(st->q) : (int64_t)st->call.scratch * 4;
    if (sparse_step(m, st))
      b = st->q->kind == DL_Q_CONV ? conv_scratch(m, st, &st->q->c.win) : qrt_matmul_sparse_scratch(st->q->c.M, st->q->c.K);
    if (band_step(m, st)) b = band_layout(m, st, at);
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
    DlStep *st = &p->steps[i];
    const char *op = st->k == DL_OP_COUNT ? "tensor.concat" : dl_op_info(st->k)->mnemonic;
    if (!st->q && st->call.kind == DL_CALL_NONE && st->k != DL_OP_COUNT)
      ok = dl_error_set(e, "%s: qg.%s: the C target has no kernel for this op yet", st->where, op);
  }
  return ok;
}

/* Whether operand j of st reaches the generated code in another form (an
 * alias's operand, or integer weights and biases the step packed itself). */
static bool copied_operand(const DlStep *st, int j) {
  if (!st->q) return false;
  if (st->q->kind == DL_Q_ALIAS) return true;
  return (st->q->kind == DL_Q_CONV || st->q->kind == DL_Q_MATMUL) && ((j == 1 && st->q->wdata) || j == 2);
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

/* The op a float step runs (tensor.concat has no qg kind). */
static const char *float_op(const DlStep *st) {
  return st->k == DL_OP_COUNT ? "tensor.concat" : dl_op_info(st->k)->mnemonic;
}

static const char *qkind_op(const DlStep *st) {
  switch (st->q->kind) {
  case DL_Q_QCAST: return "quant.qcast";
  case DL_Q_DCAST: return "quant.dcast";
  case DL_Q_CONCAT: return "tensor.concat";
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

/* Packed weights as the C type their bit width is stored in (see qrt_wts); a
 * conv's that qrt_conv reads channel-last are stored so (qrt_conv_cl), which
 * saves transposing them on every call (every band of a band step). */
static void wts_literal(DlBuf *b, const char *name, const struct DlQStep *q) {
  int bits = q->w.bits;
  const dlrt_win *g = &q->c.win;
  /* codebook indices (--wquant=wentropy) stay indices: the kernels decode them as they unpack;
   * qrt_conv_approx reads the plain layout */
  bool approx = q->ax.table != NULL;
  int kind = q->kind == DL_Q_CONV && !q->w.cb && !approx ? qrt_conv_packed(g, q->xes, q->zx, bits, q->acc_bits) : 0;
  if (kind) {
    /* packed at compile time into the order qrt_conv's u8 x s8 or depthwise kernel reads */
    dlrt_i np = qrt_conv_pack(g, kind, q->w, NULL);
    int8_t *pk = malloc((size_t)(np ? np : 1));
    qrt_conv_pack(g, kind, q->w, pk);
    dl_buf_printf(b, "/* %lld weights at %d bits, packed for the %s kernel: %lld bytes */\nstatic const int8_t %s_d[%lld] = {",
                  (long long)q->nw, bits, kind == 4 ? "pointwise" : kind == 3 ? "plane" : kind == 2 ? "depthwise" : "u8 x s8", (long long)np, name, (long long)(np ? np : 1));
    for (dlrt_i i = 0; i < np; i++) dl_buf_printf(b, "%s%d", i % 16 ? ", " : (i ? ",\n  " : "\n  "), (int)pk[i]);
    dl_buf_printf(b, "%s};\nstatic const qrt_wts %s = {%s_d, 8, 2, 0, 1, 1};\n", np ? "" : "0", name, name);
    free(pk);
    return;
  }
  bool cl = q->kind == DL_Q_CONV && !approx && qrt_conv_cl(g, q->xes, q->zx, bits, q->acc_bits);
  int64_t kvol = cl ? g->k[0] * g->k[1] * g->k[2] : 1, cg = cl ? g->c / g->group : 1;
  const char *ty = bits == 8 ? "int8_t" : bits == 16 ? "int16_t" : bits == 32 ? "int32_t" : "unsigned char";
  int64_t n = bits >= 8 ? q->nw : (int64_t)q->wbytes;
  dl_buf_printf(b, "/* %lld weights at %d bits%s: %zu bytes */\nstatic const %s %s_d[%lld] = {", (long long)q->nw, bits,
                cl ? ", channel-last" : "", q->wbytes, ty, name, (long long)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) {
    /* element i of [m][kvol][cg] is element (m, c, kv) of [m][cg][kvol] */
    int64_t src = cl ? i / (kvol * cg) * kvol * cg + i % cg * kvol + i / cg % kvol : i;
    long long v = bits >= 8 ? (long long)qrt_wget(q->w, src) : (long long)q->wdata[i];
    dl_buf_printf(b, bits >= 8 ? "%s%lld" : "%s0x%02llx", i % 16 ? ", " : (i ? ",\n  " : "\n  "), v);
  }
  dl_buf_printf(b, "%s};\n", n ? "" : "0");
  if (q->w.cb) {
    int64_t L = (int64_t)q->w.cbn << bits;
    dl_buf_printf(b, "/* the codebook%s of those %d-bit indices: %lld int8 weights */\nstatic const int8_t %s_cb[%lld] = {",
                  q->w.cbn > 1 ? "s (one per output channel)" : "", bits, (long long)L, name, (long long)L);
    for (int64_t k = 0; k < L; k++) dl_buf_printf(b, "%s%d", k % 16 ? ", " : (k ? ",\n  " : "\n  "), (int)q->w.cb[k]);
    dl_buf_printf(b, "};\nstatic const qrt_wts %s = {%s_d, %d, %d, %s_cb, %lld, %lld};\n", name, name, bits, cl, name,
                  (long long)q->w.cbdiv, (long long)q->w.cbn);
  } else {
    dl_buf_printf(b, "static const qrt_wts %s = {%s_d, %d, %d, 0, 1, 1};\n", name, name, bits, cl);
  }
}

/* Sparse weights (qrt_swts): the mask rows, then the nonzeros packed as qrt_wts. */
static void swts_literal(DlBuf *b, const char *name, const struct DlQStep *q, const DlQSparse *sp) {
  int bits = sp->bits;
  const char *ty = bits == 8 ? "int8_t" : bits == 16 ? "int16_t" : bits == 32 ? "int32_t" : "unsigned char";
  int64_t n = bits >= 8 ? sp->nnz + 1 : (int64_t)sp->val_bytes;
  qrt_wts v = {sp->vals, bits, 0};
  dl_buf_printf(b, "/* %lld weights, %lld nonzero (%.1f%%), sparse: a bitmask per row of %lld, the nonzeros at %d bits: "
                "%zu bytes (dense: %zu) */\nstatic const unsigned char %s_m[%zu] = {",
                (long long)q->nw, (long long)sp->nnz, q->nw ? 100.0 * (double)sp->nnz / (double)q->nw : 0.0,
                (long long)sp->K, bits, sp->mask_bytes + sp->val_bytes, q->wbytes, name,
                sp->mask_bytes ? sp->mask_bytes : 1);
  for (size_t i = 0; i < sp->mask_bytes; i++) dl_buf_printf(b, "%s0x%02x", i % 16 ? ", " : (i ? ",\n  " : "\n  "), sp->mask[i]);
  dl_buf_printf(b, "%s};\nstatic const %s %s_d[%lld] = {", sp->mask_bytes ? "" : "0", ty, name, (long long)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) {
    long long x = bits >= 8 ? (long long)qrt_wget(v, i) : (long long)sp->vals[i];
    dl_buf_printf(b, bits >= 8 ? "%s%lld" : "%s0x%02llx", i % 16 ? ", " : (i ? ",\n  " : "\n  "), x);
  }
  dl_buf_printf(b, "%s};\nstatic const qrt_swts %s = {%s_m, {%s_d, %d, 0, 0, 1, 1}};\n", n ? "" : "0", name, name, name, bits);
}

static void emit_band(Emit *m, int i, DlBuf *decl, DlBuf *body, const DlBuf *call);

/* The name of q's product table, printed into decl at its multiplier's first use. */
static void amul_table(Emit *m, const struct DlQStep *q, DlBuf *decl, char *name, size_t n) {
  int k = 0;
  while (k < m->namul && strcmp(m->amul[k], q->ax.spec)) k++;
  snprintf(name, n, "amul%d", k);
  if (k < m->namul) return;
  if (m->namul < 64) m->amul[m->namul++] = q->ax.spec;
  dl_buf_printf(decl, "/* approximate multiplier %s: M(a, b) at [b * 256 + a], b the weight */\n",
                strstr(q->ax.spec, "*/") ? "(a file table)" : q->ax.spec);
  i32_array(decl, name, q->ax.wtab, 65536);
}

static void emit_qstep(Emit *m, int i, DlBuf *decl, DlBuf *out_body) {
  DlStep *st = &m->p->steps[i];
  const struct DlQStep *q = st->q;
  const DlCall *c = &q->c;
  bool band = band_step(m, st);
  char x[64], w[64], y[64], g[32], gu[32], o[32], mu[32], wt[32], bi[32], t0[48], d0[32], d1[32], d2[32], n[48];
  char scr[48];
  int64_t at[BAND_PARTS];
  DlBuf cb = {0}, *body = &cb;
  snprintf(n, sizeof n, "%lld", (long long)dl_shape_numel(&m->p->slot[st->out].shape));
  val(m, st->in[0], x, sizeof x), val(m, st->out, y, sizeof y);
  if (st->nin > 1) val(m, st->in[1], w, sizeof w);
  else snprintf(w, sizeof w, "0");
  snprintf(g, sizeof g, "g%d", i), snprintf(gu, sizeof gu, "g%d", i), snprintf(scr, sizeof scr, "T(%lld)", (long long)m->scratch_off);
  if (band) { /* the kernel sees one band: operands, result and scratch in the scratch area */
    band_layout(m, st, at);
    snprintf(x, sizeof x, "T(%lld)", (long long)(m->scratch_off + at[BAND_X0]));
    if (q->kind == DL_Q_BINARY) snprintf(w, sizeof w, "T(%lld)", (long long)(m->scratch_off + at[BAND_X1]));
    snprintf(y, sizeof y, "T(%lld)", (long long)(m->scratch_off + at[BAND_Y]));
    snprintf(scr, sizeof scr, "T(%lld)", (long long)(m->scratch_off + at[BAND_KERNEL]));
    snprintf(gu, sizeof gu, "gb"), snprintf(n, sizeof n, "bn");
  }
  snprintf(o, sizeof o, "qo%d", i), snprintf(mu, sizeof mu, "mult%d", i);
  snprintf(wt, sizeof wt, "w%d", i), snprintf(bi, sizeof bi, "0");
  dl_buf_printf(out_body, "  /* %s: %s%s */\n", st->where[0] ? st->where : "-", qkind_op(st),
                band ? ", in bands of output rows" : "");
  if (q->kind == DL_Q_QCAST || q->kind == DL_Q_CONV || q->kind == DL_Q_MATMUL || q->kind == DL_Q_BINARY ||
      (q->kind == DL_Q_GLOBAL_POOL && q->nmult))
    qout_literal(decl, o, q->o);
  if (q->bias) snprintf(bi, sizeof bi, "bias%d", i), i32_array(decl, bi, q->bias, q->kind == DL_Q_CONV ? c->win.m : c->N);
  if (q->mult) qmult_array(decl, mu, q->mult, q->nmult);
  bool sparse = sparse_step(m, st);
  if (sparse) swts_literal(decl, wt, q, &m->sp[i]);
  else if (q->wdata) wts_literal(decl, wt, q);
  switch (q->kind) {
  case DL_Q_ALIAS: dl_buf_printf(body, "  /* shares %s */\n", x); break;
  case DL_Q_QCAST:
    fmt_float(q->scale, t0, sizeof t0);
    dl_buf_printf(body, "  qrt_quantize(%s, %s, %s, %s, %s);\n", n, x, t0, o, y);
    break;
  case DL_Q_DCAST:
    fmt_float(q->scale, t0, sizeof t0);
    fmt_int(q->zx, d0, sizeof d0);
    dl_buf_printf(body, "  qrt_dequantize(%s, %s, %d, %s, %s, %s);\n", n, x, q->xes, d0, t0, y);
    break;
  case DL_Q_CONV:
    win_literal(decl, g, &c->win);
    fmt_int(q->zx, d0, sizeof d0);
    if (q->ax.table) {
      amul_table(m, q, decl, t0, sizeof t0);
      dl_buf_printf(body, "  qrt_conv_approx(&%s, %s, %d, %s, %s, %s, %s, %s, %s, %s, %s);\n", gu, x, q->xes, d0, wt,
                    bi, mu, o, t0, y, scr);
    } else if (sparse)
      dl_buf_printf(body, "  qrt_conv_sparse(&%s, (const int8_t *)%s, %s, %s, %s, %s, %s, %s, %s);\n", gu, x, d0, wt, bi,
                    mu, o, y, scr);
    else
      dl_buf_printf(body, "  qrt_conv(&%s, %s, %d, %s, %s, %s, %s, %s, %d, %s, %s);\n", gu, x, q->xes, d0, wt, bi,
                    mu, o, q->acc_bits, y, scr);
    break;
  case DL_Q_MATMUL: {
    char wa[40];
    arr(decl, "aoff", i, c->aoff, (int)c->batches, d1, sizeof d1);
    if (!sparse) arr(decl, "boff", i, c->boff, (int)c->batches, d2, sizeof d2); /* sparse weights: one matrix */
    fmt_int(q->zx, d0, sizeof d0), fmt_int(q->zw, t0, sizeof t0);
    snprintf(wa, sizeof wa, "&%s", wt);
    if (q->ax.table) {
      char tb[32];
      amul_table(m, q, decl, tb, sizeof tb);
      dl_buf_printf(body, "  qrt_matmul_approx(%lld, %s, %s, %lld, %lld, %lld, %s, %d, %s, %s, %s, %s, %d, %s, %s, %s);\n",
                    (long long)c->batches, d1, d2, (long long)c->M, (long long)c->N, (long long)c->K, x, q->xes, d0,
                    wt, bi, mu, q->nmult, o, tb, y);
      break;
    }
    if (sparse) {
      dl_buf_printf(body, "  qrt_matmul_sparse(%lld, %s, %lld, %lld, %lld, (const int8_t *)%s, %s, %s, %s, %s, %d, %s, %s, %s);\n",
                    (long long)c->batches, d1, (long long)c->M, (long long)c->N, (long long)c->K, x, d0, wt, bi, mu,
                    q->nmult, o, y, scr);
      break;
    }
    dl_buf_printf(body,
                  "  qrt_matmul(%lld, %s, %s, %lld, %lld, %lld, %s, %d, %s, %s, %s, %d, %s, %s, %s, %d, %s, %d, %s, "
                  "%s);\n",
                  (long long)c->batches, d1, d2, (long long)c->M, (long long)c->N, (long long)c->K, x, q->xes, d0,
                  q->wdata ? wa : "0", q->wdata ? "0" : w, q->wes, t0, bi, mu, q->nmult, o, q->acc_bits, y, scr);
    break;
  }
  case DL_Q_BINARY: {
    char mb[48], za[32];
    int r = band ? 1 : c->r;
    if (band) snprintf(d0, sizeof d0, "bd"), snprintf(d1, sizeof d1, "b1"), snprintf(d2, sizeof d2, "b1");
    else arr(decl, "dims", i, c->dims, c->r, d0, sizeof d0), arr(decl, "sa", i, c->as, c->r, d1, sizeof d1);
    if (!band) arr(decl, "sb", i, c->bs, c->r, d2, sizeof d2);
    fmt_int(q->mb.m0, t0, sizeof t0);
    snprintf(mb, sizeof mb, "mb%d", i);
    dl_buf_printf(decl, "static const qrt_mult %s = {%s, %d};\n", mb, t0, q->mb.shift);
    fmt_int(q->zx, za, sizeof za), fmt_int(q->zw, t0, sizeof t0);
    dl_buf_printf(body, "  qrt_binary(%d, %d, %s, %s, %d, %s, %s, %s, %d, %s, %s, %s[0], %s, %s, %s);\n",
                  st->k == DL_OP_ADD ? 0 : st->k == DL_OP_SUB ? 1 : 2, r, d0, x, q->xes, d1, za, w, q->wes, d2, t0,
                  mu, mb, o, y);
    break;
  }
  case DL_Q_LUT:
    snprintf(d0, sizeof d0, "lut%d", i);
    i32_array(decl, d0, q->lut, q->lut_n);
    fmt_int(q->lut_lo, t0, sizeof t0);
    dl_buf_printf(body, "  qrt_lut(%s, %s, %d, %s, %s, %d, %s);\n", n, x, q->xes, t0, d0, q->o.es, y);
    break;
  case DL_Q_POOL:
    win_literal(decl, g, &c->win);
    fmt_int(q->zx, d0, sizeof d0);
    dl_buf_printf(body, "  qrt_pool(&%s, %d, %s, %s, %d, %s);\n", gu, c->sub, x, d0, q->xes, y);
    break;
  case DL_Q_GLOBAL_POOL:
    fmt_int(q->zx, d0, sizeof d0);
    if (q->nmult) {
      fmt_int(q->mult[0].m0, t0, sizeof t0);
      dl_buf_printf(body, "  qrt_global_avg(%lld, %lld, %s, %s, %d, (qrt_mult){%s, %d}, %s, %s);\n", (long long)c->outer,
                    (long long)c->len, x, d0, q->xes, t0, q->mult[0].shift, o, y);
      break;
    }
    dl_buf_printf(body, "  qrt_global_pool(%lld, %lld, %d, %s, %s, %d, %s);\n", (long long)c->outer, (long long)c->len,
                  c->sub, x, d0, q->xes, y);
    break;
  case DL_Q_GATHER:
    arr(decl, "dims", i, c->dims, c->r, d0, sizeof d0), arr(decl, "off", i, c->tab, (int)c->ntab, d1, sizeof d1);
    dl_buf_printf(body, "  qrt_gather_nearest(%d, %s, %s, %s, %d, %s);\n", c->r, d0, d1, x, q->xes, y);
    break;
  case DL_Q_COPY:
    arr(decl, "dims", i, c->dims, c->r, d0, sizeof d0), arr(decl, "sa", i, c->as, c->r, d1, sizeof d1);
    dl_buf_printf(body, "  qrt_copy_strided(%d, %s, %s, %lld, %s, %d, %s);\n", c->r, d0, d1, (long long)c->offset, x,
                  q->xes, y);
    break;
  case DL_Q_CONCAT:
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
  if (band) emit_band(m, i, decl, out_body, &cb);
  else if (cb.data) dl_buf_append(out_body, cb.data, cb.len);
  dl_buf_free(&cb);
}

/* The band loop around a step's kernel call (printed in `call` on band
 * buffers): per band of output rows, bring in the operand rows it reads (decoding the
 * compressed ones), run the kernel, hand the row to the result's encoder (or
 * copy it into the plain result). Generated code returns 2 when a compressed
 * result outgrows the bytes its budget reserved. */
static void emit_band(Emit *m, int i, DlBuf *decl, DlBuf *body, const DlBuf *call) {
  const DlPlan *p = m->p;
  const DlStep *st = &p->steps[i];
  const DlShape *y = &p->slot[st->out].shape;
  int64_t at[BAND_PARTS], sc = m->scratch_off, OH = y->dims[2], OW = y->dims[3], M = y->dims[1], BO = band_rows(st, y);
  int yes = (int)dl_dtype_size(y->dtype);
  band_layout(m, st, at);
  dl_buf_printf(body, "  {\n    dlz_stream zs = {0, 0, 0, {0}};\n    dlz_rows zr[2] = {{0, 0, -1}, {0, 0, -1}};\n");
  dl_buf_printf(body, "    dlrt_i o, c;\n    (void)zs, (void)zr, (void)c;\n");
  dl_buf_printf(body, "    for (o = 0; o < %lld; o += %lld) {\n      dlrt_i o1 = o + %lld < %lld ? o + %lld : %lld;\n",
                (long long)OH, (long long)BO, (long long)BO, (long long)OH, (long long)BO, (long long)OH);
  if (window_step(st)) {
    const dlrt_win *g = &st->q->c.win;
    dl_buf_printf(body, "      dlrt_win gb = g%d;\n", i);
    dl_buf_printf(body, "      dlrt_i a = o * %lld - %lld, b = (o1 - 1) * %lld - %lld + %lld, r0 = a < 0 ? 0 : a, r1 = b > %lld ? %lld : b;\n",
                  (long long)g->stride[1], (long long)g->pad[1], (long long)g->stride[1], (long long)g->pad[1],
                  (long long)((g->k[1] - 1) * g->dil[1] + 1), (long long)g->id[1], (long long)g->id[1]);
    dl_buf_printf(body, "      gb.id[1] = r1 - r0, gb.od[1] = o1 - o, gb.pad[1] = r0 - a, gb.pad_end[1] = b - r1;\n");
  } else {
    dl_buf_printf(body, "      dlrt_i r0 = o, r1 = o1, bn = %lld * (o1 - o);\n", (long long)(M * OW));
    if (st->q->kind == DL_Q_BINARY) dl_buf_printf(body, "      dlrt_i bd[1];\n      static const dlrt_i b1[1] = {1};\n      bd[0] = bn;\n");
  }
  for (int j = 0; j < (st->q->kind == DL_Q_BINARY ? 2 : 1); j++) {
    int s = st->in[j];
    const DlShape *x = &p->slot[s].shape;
    long long C = x->dims[1], H = x->dims[2], W = x->dims[3], es = (long long)dl_dtype_size(x->dtype);
    long long dst = sc + at[BAND_X0 + j];
    if (zslot(m, s)) {
      dl_buf_printf(body, "      if (!dlz_rows_get(&zc%d, (const unsigned char *)T(%lld), %lld, %lld, %lld, %lld, r0, r1, %lld, T(%lld), T(%lld), &zr[%d])) return 2;\n",
                    s, (long long)m->off[s], (long long)m->zc[s].cap, C, H, W, es, dst,
                    (long long)(sc + at[BAND_TMP + j]), j);
    } else {
      char v[64];
      val(m, s, v, sizeof v);
      dl_buf_printf(body, "      {\n        static const dlrt_i st[3] = {%lld, %lld, 1};\n        dlrt_i bd[3];\n", H * W, W);
      dl_buf_printf(body, "        bd[0] = %lld, bd[1] = r1 - r0, bd[2] = %lld;\n", C, W);
      dl_buf_printf(body, "        qrt_copy_strided(3, bd, st, r0 * %lld, %s, %lld, T(%lld));\n      }\n", W, v, es, dst);
    }
  }
  for (const char *l = call->data; l && *l;) {
    const char *nl = strchr(l, '\n');
    dl_buf_printf(body, "    %.*s\n", (int)(nl ? nl - l : (long)strlen(l)), l);
    l = nl ? nl + 1 : l + strlen(l);
  }
  long long ybuf = sc + at[BAND_Y];
  if (zslot(m, st->out))
    dl_buf_printf(body, "      if (!dlz_rows_put(&zc%d, (unsigned char *)T(%lld), %lld, %lld, %lld, %lld, o1 - o, T(%lld), %d, T(%lld), &zs)) return 2;\n",
                  st->out, (long long)m->off[st->out], (long long)m->zc[st->out].cap, (long long)M, (long long)OH,
                  (long long)OW, ybuf, yes, (long long)(sc + at[BAND_PEND]));
  else
    dl_buf_printf(body, "      for (c = 0; c < %lld; c++) memcpy(A + %lld + (c * %lld + o) * %lld, A + %lld + c * (o1 - o) * %lld, (size_t)((o1 - o) * %lld));\n",
                  (long long)M, (long long)m->off[m->root[st->out]], (long long)OH, (long long)(OW * yes), ybuf,
                  (long long)(OW * yes), (long long)(OW * yes));
  dl_buf_printf(body, "    }\n  }\n");
  (void)decl;
}

/* ---- float steps: the rows of calls.def as text ------------------------- */

/* A call being printed: each argument macro appends one argument, in order,
 * and declares the literal it names (windows, activations, arrays) in decl. */
typedef struct {
  Emit *m;
  const DlStep *st;
  int i;
  DlBuf *decl, call;
  int nargs;
} CallText;

static int arg_str(CallText *o, const char *s) {
  dl_buf_printf(&o->call, "%s%s", o->nargs++ ? ", " : "", s);
  return 0;
}

static int arg_in(CallText *o, int k) {
  char v[64] = "0";
  if (o->st->nin > k) val(o->m, o->st->in[k], v, sizeof v);
  return arg_str(o, v);
}

static int arg_out(CallText *o) {
  char v[64];
  val(o->m, o->st->out, v, sizeof v);
  return arg_str(o, v);
}

static int arg_win(CallText *o, const dlrt_win *w) {
  char n[32], r[40];
  snprintf(n, sizeof n, "g%d", o->i), snprintf(r, sizeof r, "&%s", n);
  win_literal(o->decl, n, w);
  return arg_str(o, r);
}

static int arg_act(CallText *o, dlrt_act a) {
  char n[32];
  snprintf(n, sizeof n, "act%d", o->i);
  act_literal(o->decl, n, a);
  return arg_str(o, n);
}

static int arg_int(CallText *o, long long v) {
  char t[32];
  snprintf(t, sizeof t, "%lld", v);
  return arg_str(o, t);
}

static int arg_i64(CallText *o, int64_t v) {
  char t[48];
  fmt_int(v, t, sizeof t);
  return arg_str(o, t);
}

static int arg_float(CallText *o, double v) {
  char t[48];
  fmt_float(v, t, sizeof t);
  return arg_str(o, t);
}

static int arg_double(CallText *o, double v) {
  char t[48];
  fmt_double(v, t, sizeof t);
  return arg_str(o, t);
}

static int arg_arr(CallText *o, const char *base, const dlrt_i *v, int n) {
  char t[32];
  arr(o->decl, base, o->i, v, n, t, sizeof t);
  return arg_str(o, t);
}

static int arg_farr(CallText *o, const char *base, const float *v, dlrt_i n) {
  char t[32];
  snprintf(t, sizeof t, "%s%d", base, o->i);
  float_array(o->decl, t, v, n);
  return arg_str(o, t);
}

#define UNPAREN(...) __VA_ARGS__
#define A_IN(k) arg_in(&o, k)
#define A_OUT arg_out(&o)
#define A_SCRATCH arg_str(&o, "S")
#define A_WIN(f) arg_win(&o, &c->f)
#define A_ACT(f) arg_act(&o, c->f)
#define A_INT(f) arg_int(&o, (long long)c->f)
#define A_I64(f) arg_i64(&o, c->f)
#define A_EXPR(e) arg_int(&o, (long long)(e))
#define A_FLOAT(f) arg_float(&o, c->f)
#define A_DOUBLE(f) arg_double(&o, c->f)
#define A_ARR(name, f, n) arg_arr(&o, name, c->f, (int)c->n)
#define A_FARR(name, f, n) arg_farr(&o, name, c->f, c->n)

static void emit_step(Emit *m, int i, DlBuf *decl, DlBuf *body) {
  DlStep *st = &m->p->steps[i];
  if (st->q) {
    emit_qstep(m, i, decl, body);
    return;
  }
  const DlCall *c = &st->call;
  char x[64], y[64], d0[32];
  val(m, st->in[0], x, sizeof x);
  val(m, st->out, y, sizeof y);
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
  CallText o = {m, st, i, decl, {0}, 0};
  switch (c->kind) {
  case DL_CALL_ALIAS: dl_buf_printf(body, "  /* shares %s */\n", x); return;
  case DL_CALL_NONE: case DL_CALL_CONCAT: return; /* refused by check_supported; concat steps are printed above */
#define DL_CALL(kind, fn, status, args) case DL_CALL_##kind: dl_buf_printf(&o.call, #fn "("); (void)(UNPAREN args); break;
#include "dlc/calls.def"
#undef DL_CALL
  }
  if (dl_call_has_status(c)) dl_buf_printf(body, "  if (%s))\n    return 1;\n", o.call.data);
  else dl_buf_printf(body, "  %s);\n", o.call.data);
  dl_buf_free(&o.call);
}
#undef A_IN
#undef A_OUT
#undef A_SCRATCH
#undef A_WIN
#undef A_ACT
#undef A_INT
#undef A_I64
#undef A_EXPR
#undef A_FLOAT
#undef A_DOUBLE
#undef A_ARR
#undef A_FARR

static const char *call_fn(const Emit *m, const DlStep *st) {
  if (sparse_step(m, st)) return st->q->kind == DL_Q_CONV ? "qrt_conv_sparse" : "qrt_matmul_sparse";
  if (st->q && st->q->ax.table) return st->q->kind == DL_Q_CONV ? "qrt_conv_approx" : "qrt_matmul_approx";
  if (st->q && st->q->kind == DL_Q_GLOBAL_POOL && st->q->nmult) return "qrt_global_avg";
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
    const DlStep *st = &m->p->steps[i];
    const DlShape *s = &m->p->slot[st->out].shape;
    char shp[128];
    DlQParams qp;
    if (st->q && st->q->kind == DL_Q_ALIAS && st->k == DL_OP_COUNT) continue; /* quant.scast of weights */
    dl_buf_printf(h, " *   %-14s %-20s %s", st->q ? qkind_op(st) : float_op(st), st->where,
                  dl_shape_str(s, shp, sizeof shp));
    if (!mlirValueIsNull(st->val) && dl_qparams_of_type(mlirValueGetType(st->val), &qp))
      dl_buf_printf(h, ": %d bits, scale %.6g, zp %lld", qp.bits, qp.scale, (long long)qp.zp);
    else if (s->dtype == DL_F32)
      dl_buf_printf(h, ": float");
    if (st->q && st->q->wdata && m->sp[i].mask) {
      const DlQSparse *sp = &m->sp[i];
      dl_buf_printf(h, "; weights %d bits, sparse: %lld of %lld nonzero, %zu bytes (dense %zu)", st->q->w.bits,
                    (long long)sp->nnz, (long long)st->q->nw, sp->mask_bytes + sp->val_bytes, st->q->wbytes);
      wbytes += sp->mask_bytes + sp->val_bytes;
    } else if (st->q && st->q->wdata) {
      size_t cbb = st->q->w.cb ? (size_t)st->q->w.cbn << st->q->w.bits : 0;
      dl_buf_printf(h, "; weights %d bits%s, %zu bytes", st->q->w.bits, cbb ? " (codebook indices)" : "",
                    st->q->wbytes + cbb);
      wbytes += st->q->wbytes + cbb;
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

/* m->zc / m->zp from the dlc.compress attributes of the steps' ops; both stay
 * NULL when there are none. A tensor the C target cannot keep compressed is
 * an error naming it. */
static bool read_compression(Emit *m, DlError *e) {
  DlPlan *p = m->p;
  for (int i = 0; i < p->nsteps; i++) {
    const DlStep *st = &p->steps[i];
    DlCompressChoice c;
    char why[256];
    if (mlirValueIsNull(st->val) || !mlirValueIsAOpResult(st->val)) continue;
    int z = dl_compress_attr_get(mlirOpResultGetOwner(st->val), &c, e);
    if (z < 0) return false;
    if (!z) continue;
    if (!dl_compress_streamable(p, st->out, why, sizeof why))
      return dl_error_set(e, "%s: dlc.compress: the C target cannot keep this tensor compressed: %s", st->where, why);
    if (!m->zc) m->zc = calloc((size_t)p->nslots, sizeof *m->zc), m->zp = calloc((size_t)p->nslots, sizeof *m->zp);
    dlz_params *zp = &m->zp[st->out];
    if (!dl_compress_params(&c, mlirValueGetType(st->val), zp))
      return dl_error_set(e, "%s: dlc.compress needs a per-tensor quantized result", st->where);
    int64_t n = dl_shape_numel(&p->slot[st->out].shape), bound = (int64_t)dlz_bound(zp, n);
    int64_t table = 4 * ((n + c.block - 1) / c.block + 1);
    if (c.cap == 0 || c.cap > bound) c.cap = bound;
    if (c.cap < table)
      return dl_error_set(e, "%s: dlc.compress: cap %lld is smaller than the block table (%lld bytes)", st->where,
                          (long long)c.cap, (long long)table);
    m->zc[st->out] = c;
  }
  return true;
}

/* The header's account of compressed activations: each one's scheme, K and
 * reserved bytes against its raw bytes. */
static void describe_compression(Emit *m, DlBuf *h) {
  if (!m->zc) return;
  dl_buf_printf(h, "/* Activations kept compressed in the arena (dlz, channel-last, decoded one band\n"
                   " * of rows at a time); reserved bytes below dlz_bound are checked as they are written:\n");
  for (int i = 0; i < m->p->nsteps; i++) {
    int s = m->p->steps[i].out;
    if (!zslot(m, s)) continue;
    int64_t n = dl_shape_numel(&m->p->slot[s].shape);
    dl_buf_printf(h, " *   %-20s %-4s k %d, block %d: %lld of %zu bytes reserved%s\n", m->p->steps[i].where,
                  dl_scheme_name(m->zc[s].scheme), m->zc[s].k, m->zc[s].block, (long long)m->zc[s].cap,
                  dl_tensor_bytes(&m->p->slot[s]),
                  m->zc[s].cap < (int64_t)dlz_bound(&m->zp[s], n) ? " (checked)" : "");
  }
  dl_buf_printf(h, " */\n\n");
}

/* ---- the integer edges: _run_q and the I/O #defines ---------------------- */

/* Whether every input goes through exactly one quant.qcast and nothing else,
 * and every output comes out of a quant.dcast that nothing else reads (and the
 * arena is not compressed): then _run_q takes and gives the integers. edge[s]:
 * k + 1 for the cast of input k, -(k + 1) for the cast of output k, else 0. */
typedef struct {
  int *edge;
  int in_es[256], out_es[256];
  double in_scale[256], out_scale[256];
  int64_t in_zp[256], out_zp[256], in_lo[256], in_hi[256];
} Boundary;

static bool integer_boundary(const Emit *m, Boundary *b) {
  const DlPlan *p = m->p;
  if (m->zc || p->nin < 1 || p->nout < 1) return false;
  b->edge = calloc((size_t)p->nsteps + 1, sizeof(int));
  int found_in = 0, found_out = 0;
  for (int i = 0; i < p->nin; i++) {
    int users = 0, at = -1;
    for (int s = 0; s < p->nsteps; s++)
      for (int t = 0; t < p->steps[s].nin; t++)
        if (p->steps[s].in[t] == p->in_slot[i]) users++, at = s;
    for (int o = 0; o < p->nout; o++) users += p->out_slot[o] == p->in_slot[i];
    const struct DlQStep *q = at >= 0 ? p->steps[at].q : NULL;
    if (users != 1 || !q || q->kind != DL_Q_QCAST || b->edge[at]) break;
    b->edge[at] = i + 1, found_in++;
    b->in_es[i] = q->o.es, b->in_scale[i] = q->scale, b->in_zp[i] = q->o.zp, b->in_lo[i] = q->o.lo, b->in_hi[i] = q->o.hi;
  }
  for (int o = 0; o < p->nout && found_in == p->nin; o++) {
    int s = -1, users = 0;
    for (int k = 0; k < p->nsteps; k++) {
      if (p->steps[k].out == p->out_slot[o]) s = k;
      for (int t = 0; t < p->steps[k].nin; t++) users += p->steps[k].in[t] == p->out_slot[o];
    }
    for (int k = 0; k < p->nout; k++) users += k != o && p->out_slot[k] == p->out_slot[o];
    const struct DlQStep *q = s >= 0 ? p->steps[s].q : NULL;
    if (users || !q || q->kind != DL_Q_DCAST || b->edge[s]) break;
    b->edge[s] = -(o + 1), found_out++;
    b->out_es[o] = q->xes, b->out_scale[o] = q->scale, b->out_zp[o] = q->zx;
  }
  if (found_in == p->nin && found_out == p->nout) return true;
  free(b->edge), b->edge = NULL;
  return false;
}

static const char *es_ctype(int es) { return es == 1 ? "int8_t" : es == 2 ? "int16_t" : "int32_t"; }

/* NAME_INk_RANK / _DIMS / _ELEMS for every input and output, and, at the
 * integer edges, _SCALE and _ZERO_POINT. */
static void io_defines(const Emit *m, DlBuf *h, const Boundary *b) {
  dl_buf_printf(h, "/* Shapes of the inputs and outputs%s. */\n",
                b ? ", and the quantization of their integer forms (_run_q)" : "");
  for (int io = 0; io < 2; io++)
    for (int i = 0; i < (io ? m->p->nout : m->p->nin); i++) {
      const DlShape *s = io ? dl_plan_output_shape(m->p, i) : dl_plan_input_shape(m->p, i);
      const char *w = io ? "OUT" : "IN";
      dl_buf_printf(h, "#define %s_%s%d_RANK %d\n#define %s_%s%d_DIMS {", m->name, w, i, s->rank, m->name, w, i);
      for (int d = 0; d < s->rank; d++) dl_buf_printf(h, "%s%lld", d ? ", " : "", (long long)s->dims[d]);
      dl_buf_printf(h, "}\n#define %s_%s%d_ELEMS %lld\n", m->name, w, i, (long long)dl_shape_numel(s));
      if (b) {
        char sc[48];
        fmt_float(io ? b->out_scale[i] : b->in_scale[i], sc, sizeof sc);
        dl_buf_printf(h, "#define %s_%s%d_SCALE %s\n#define %s_%s%d_ZERO_POINT %lld\n", m->name, w, i, sc, m->name, w, i,
                      (long long)(io ? b->out_zp[i] : b->in_zp[i]));
        if (!io)
          dl_buf_printf(h, "#define %s_IN%d_QMIN %lld\n#define %s_IN%d_QMAX %lld\n", m->name, i, (long long)b->in_lo[i], m->name,
                        i, (long long)b->in_hi[i]);
      }
    }
  dl_buf_printf(h, "\n");
}

/* The inputs' and outputs' parameters of NAME_run (", const float *in0, ..., float *out0"). */
static void run_params(const Emit *m, DlBuf *b) {
  for (int i = 0; i < m->p->nin; i++) dl_buf_printf(b, ", const %s *in%d", ctype(dl_plan_input_shape(m->p, i)->dtype), i);
  for (int i = 0; i < m->p->nout; i++) dl_buf_printf(b, ", %s *out%d", ctype(dl_plan_output_shape(m->p, i)->dtype), i);
}

/* --c-threads: NAME_run_threads, n sets of inputs spread over POSIX threads
 * with one arena each. Contiguous shares in index order, so each set's
 * outputs are NAME_run's bits and the reported failure is the lowest
 * index's, whatever the thread count. */
static void threads_decl(const Emit *m, DlBuf *h) {
  dl_buf_printf(h, "\n/* Runs n sets of inputs (each the shapes above: in0 holds n consecutive %s_IN0_ELEMS\n"
                   " * values, and so on) on up to `threads` POSIX threads, the caller's among them, one\n"
                   " * arena each: `arenas` is threads x %s_ARENA_BYTES bytes, 64-byte aligned (at most\n"
                   " * %d threads are used). Set i's outputs are the bits %s_run gives for it, for any\n"
                   " * thread count. Returns 0, or the code of the lowest-indexed set that failed; a\n"
                   " * thread that cannot be started leaves its share to the caller's thread. Threads\n"
                   " * are started and joined per call: give each call many sets. Compile %s.c with\n"
                   " * -pthread (generated with --c-threads). */\nint %s_run_threads(void *arenas, int threads, long n",
                m->name, m->name, DL_C_MAX_THREADS, m->name, m->name, m->name);
  run_params(m, h);
  dl_buf_printf(h, ");\n");
}

static void threads_def(const Emit *m, DlBuf *c) {
  const char *n = m->name;
  dl_buf_printf(c, "\n/* ---- --c-threads ---- */\ntypedef struct {\n  unsigned char *arena;\n  long lo, hi, bad;\n  int rc;\n");
  for (int i = 0; i < m->p->nin; i++) dl_buf_printf(c, "  const %s *in%d;\n", ctype(dl_plan_input_shape(m->p, i)->dtype), i);
  for (int i = 0; i < m->p->nout; i++) dl_buf_printf(c, "  %s *out%d;\n", ctype(dl_plan_output_shape(m->p, i)->dtype), i);
  dl_buf_printf(c, "} %s_share;\n\nstatic void *%s_work(void *p) {\n  %s_share *s = (%s_share *)p;\n  long i;\n", n, n, n, n);
  dl_buf_printf(c, "  for (i = s->lo; i < s->hi; i++) {\n    int rc = %s_run(s->arena", n);
  for (int i = 0; i < m->p->nin; i++) dl_buf_printf(c, ", s->in%d + i * %s_IN%d_ELEMS", i, n, i);
  for (int i = 0; i < m->p->nout; i++) dl_buf_printf(c, ", s->out%d + i * %s_OUT%d_ELEMS", i, n, i);
  dl_buf_printf(c, ");\n    if (rc && s->bad < 0) s->bad = i, s->rc = rc;\n  }\n  return NULL;\n}\n\n");
  dl_buf_printf(c, "int %s_run_threads(void *arenas, int threads, long n", n);
  run_params(m, c);
  dl_buf_printf(c, ") {\n  %s_share s[%d];\n  pthread_t tid[%d];\n  int up[%d], t;\n", n, DL_C_MAX_THREADS, DL_C_MAX_THREADS,
                DL_C_MAX_THREADS);
  dl_buf_printf(c, "  if (n <= 0) return 0;\n  if (threads > %d) threads = %d;\n  if (threads > n) threads = (int)n;\n"
                   "  if (threads < 1) threads = 1;\n", DL_C_MAX_THREADS, DL_C_MAX_THREADS);
  dl_buf_printf(c, "  for (t = 0; t < threads; t++) {\n    s[t].arena = (unsigned char *)arenas + (size_t)t * %s_ARENA_BYTES;\n"
                   "    s[t].lo = (long)((long long)n * t / threads);\n    s[t].hi = (long)((long long)n * (t + 1) / threads);\n"
                   "    s[t].bad = -1;\n    s[t].rc = 0;\n", n);
  for (int i = 0; i < m->p->nin; i++) dl_buf_printf(c, "    s[t].in%d = in%d;\n", i, i);
  for (int i = 0; i < m->p->nout; i++) dl_buf_printf(c, "    s[t].out%d = out%d;\n", i, i);
  dl_buf_printf(c, "  }\n  for (t = 1; t < threads; t++) up[t] = pthread_create(&tid[t], NULL, %s_work, &s[t]) == 0;\n"
                   "  %s_work(&s[0]);\n"
                   "  for (t = 1; t < threads; t++) {\n    if (up[t]) pthread_join(tid[t], NULL);\n    else %s_work(&s[t]);\n  }\n"
                   "  for (t = 0; t < threads; t++)\n    if (s[t].rc) return s[t].rc;\n  return 0;\n}\n", n, n, n);
}

bool dl_target_c_emit(MlirModule mod, const DlTargetOptions *o, DlError *e) {
  if (!o->out_path || !strcmp(o->out_path, "-")) return dl_error_set(e, "--target=c needs -o FILE.c (it writes FILE.c and FILE.h)");
  size_t pl = strlen(o->out_path);
  if (pl < 3 || strcmp(o->out_path + pl - 2, ".c")) return dl_error_set(e, "--target=c output must end in .c");
  Emit m = {0};
  size_t *at = NULL;
  Boundary bd = {0};
  bool run_q = false;
  m.p = dl_plan_create(mod, e);
  if (!m.p) return false;
  bool ok = check_supported(&m, e);
  int n = m.p->nslots;
  m.root = malloc(sizeof(int) * (size_t)n), m.off = malloc(sizeof(int64_t) * (size_t)n);
  m.def = malloc(sizeof(int) * (size_t)n), m.last = malloc(sizeof(int) * (size_t)n);
  DlBuf decl = {0}, body = {0};
  char hpath[4096];
  /* every runtime section of the three kernel sources (on the heap: about 2 KB each) */
  int maxsec = count_sections(dl_dlrt_c_source) + count_sections(dl_qrt_c_source) + count_sections(dl_dlz_c_source);
  Section *sec = malloc(sizeof *sec * (size_t)maxsec);
  int nsec = parse_sections(dl_dlrt_c_source, sec, 0, maxsec);
  nsec = parse_sections(dl_qrt_c_source, sec, nsec, maxsec);
  nsec = parse_sections(dl_dlz_c_source, sec, nsec, maxsec);
  if (!ok) goto cleanup;
  make_name(o, m.name, sizeof m.name);
  m.sp = calloc((size_t)m.p->nsteps + 1, sizeof(DlQSparse));
  for (int i = 0; i < m.p->nsteps; i++)
    if (m.p->steps[i].q) dl_qstep_sparse(m.p->steps[i].q, (DlSparseMode)o->sparse_weights, &m.sp[i]);
  plan_arena(&m);
  m.arena_raw = m.arena_plain = m.arena;
  if (!(ok = read_compression(&m, e))) goto cleanup;
  if (m.zc) {
    /* the compression's own saving: the same band-by-band plan with each compressed tensor at its raw size */
    int64_t *cap = malloc(sizeof(int64_t) * (size_t)n);
    for (int s = 0; s < n; s++) cap[s] = m.zc[s].cap, m.zc[s].cap = cap[s] ? (int64_t)dl_tensor_bytes(&m.p->slot[s]) : 0;
    plan_arena(&m);
    m.arena_raw = m.arena;
    for (int s = 0; s < n; s++) m.zc[s].cap = cap[s];
    free(cap);
    plan_arena(&m);
    if (m.arena >= m.arena_plain) /* the bands' scratch outweighs what the compression saves */
      dl_warn(mlirModuleGetContext(mod),
              "--compress-activations: the compressed arena (%lld bytes) is not smaller than the plan without "
              "compression (%lld bytes): the band-by-band steps' buffers outweigh what the compression saves; "
              "build without it",
              (long long)m.arena, (long long)m.arena_plain);
    mark_used(sec, nsec, "dlz_rows_get"), mark_used(sec, nsec, "dlz_rows_put");
    mark_used(sec, nsec, "qrt_copy_strided");
  }
  at = malloc(sizeof(size_t) * (size_t)(m.p->nsteps + 1)); /* where each step's statements begin in body */
  for (int i = 0; i < m.p->nsteps; i++) {
    const char *fn = call_fn(&m, &m.p->steps[i]);
    if (fn) mark_used(sec, nsec, fn);
    at[i] = body.len;
    emit_step(&m, i, &decl, &body);
  }
  at[m.p->nsteps] = body.len;
  run_q = integer_boundary(&m, &bd);
  const char *hbase = strrchr(o->out_path, '/');
  hbase = hbase ? hbase + 1 : o->out_path;
  snprintf(hpath, sizeof hpath, "%.*s.h", (int)(pl - 2), o->out_path);

  /* header */
  DlBuf *h = &m.h;
  dl_buf_printf(h, "/* %s.h: generated by dlc %s from %s; do not edit. */\n", m.name, DLC_VERSION, o->source ? o->source : "?");
  dl_buf_printf(h, "#ifndef DLC_MODEL_%s_H\n#define DLC_MODEL_%s_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n", m.name, m.name);
  dl_buf_printf(h, "/* Usage:\n"
                   " *   static unsigned char arena[%s_ARENA_BYTES] __attribute__((aligned(64)));  (or any 64-byte aligned block)\n"
                   " *   if (%s_run(arena, input, output) != 0) { ... bad data ... }\n"
                   " * Compile %s.c with any C99 compiler and flags; link with -lm%s. */\n\n",
                m.name, m.name, m.name, o->c_threads ? " (and -pthread: _run_threads)" : "");
  dl_buf_printf(h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
  io_defines(&m, h, run_q ? &bd : NULL);
  dl_buf_printf(h, "/* Bytes of the caller-provided activation arena (align it to 64 bytes). */\n");
  dl_buf_printf(h, "#define %s_ARENA_BYTES %lld\n", m.name, (long long)m.arena);
  if (m.zc)
    dl_buf_printf(h, "/* The same plan (band by band) with those activations uncompressed would need: */\n"
                     "#define %s_ARENA_BYTES_UNCOMPRESSED %lld\n"
                     "/* Of either, kernel scratch and decode/encode tiles (the rest holds activations): */\n"
                     "#define %s_SCRATCH_BYTES %lld\n"
                     "/* The plan without --compress-activations (whole tensors, no bands) would need: */\n"
                     "#define %s_ARENA_BYTES_PLAIN %lld\n",
                  m.name, (long long)m.arena_raw, m.name, (long long)(m.arena - m.scratch_off), m.name,
                  (long long)m.arena_plain);
  dl_buf_printf(h, "\n");
  describe_compression(&m, h);
  describe_precision(&m, h);
  dl_buf_printf(h, "/* Runs the model; returns 0, or 1 when an index in the data is out of range%s.\n",
                m.zc ? ",\n * or 2 when a compressed activation outgrows the bytes reserved for it" : "");
  dl_buf_printf(h, ""
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
  run_params(&m, h);
  dl_buf_printf(h, ");\n\n/* The same through arrays of pointers, for generic harnesses. */\n");
  dl_buf_printf(h, "int %s_run_v(void *arena, const void *const *inputs, void *const *outputs);\n", m.name);
  dl_buf_printf(h, "/* Shape of input (is_output = 0) or output `index`: returns rank, or -1;\n"
                   " * *dtype is set to the ONNX TensorProto data type. */\n");
  dl_buf_printf(h, "int %s_describe(int is_output, int index, long long *dims, int *dtype);\n", m.name);
  if (run_q) {
    dl_buf_printf(h, "\n/* The integer model on integer data: inputs already quantized with the\n"
                     " * _INk_SCALE / _INk_ZERO_POINT above, as _run does:\n"
                     " *   q = clamp((int)nearbyintf(x / (float)SCALE) + ZERO_POINT, QMIN, QMAX),\n"
                     " * outputs left quantized (x = (float)(q - ZERO_POINT) * (float)SCALE). Skips the conversions\n"
                     " * at the edges; otherwise the same statements as _run, so the same integers. */\nint %s_run_q(void *arena",
                  m.name);
    for (int i = 0; i < m.p->nin; i++) dl_buf_printf(h, ", const %s *in%d", es_ctype(bd.in_es[i]), i);
    for (int i = 0; i < m.p->nout; i++) dl_buf_printf(h, ", %s *out%d", es_ctype(bd.out_es[i]), i);
    dl_buf_printf(h, ");\n");
  }
  if (o->c_threads) threads_decl(&m, h);
  dl_buf_printf(h, "extern const size_t %s_arena_bytes;\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n", m.name);

  /* source */
  DlBuf *c = &m.c;
  dl_buf_printf(c, "/* %s.c: generated by dlc %s from %s; do not edit.\n", m.name, DLC_VERSION, o->source ? o->source : "?");
  dl_buf_printf(c, " * C99; build with e.g. cc -O2 -c %s (link with -lm). On x86-64, gcc and clang at -O2\n"
                   " * already run the hot kernels with AVX-512 or AVX2 where the processor has it (chosen\n"
                   " * at run time); -march=native compiles them for this machine only. Float results match\n"
                   " * the interpreter bit for bit under any flags (-O0 to -O3 -march=native, gcc or clang):\n"
                   " * dot products fuse each multiply-add by design (fmaf), and no compiler may contract\n"
                   " * any other multiply and add: both are told so. */\n", hbase);
  dl_buf_printf(c, "#if defined(__GNUC__) && !defined(__clang__)\n#pragma GCC optimize(\"fp-contract=off\")\n#endif\n"
                   "#if defined(__clang__)\n#pragma STDC FP_CONTRACT OFF\n#endif\n");
  dl_buf_printf(c, "#include \"%.*s.h\"\n\n#include <math.h>\n#include <stdint.h>\n#include <string.h>\n%s\n", (int)(strlen(hbase) - 2), hbase,
                o->c_threads ? "#include <pthread.h>\n" : "");
  for (int k = 0; k < 2; k++) {
    const char *ts = strstr(k ? dl_qrt_h_source : dl_dlrt_h_source, "/* @types */"), *te = strstr(ts, "/* @end */");
    ts = strchr(ts, '\n') + 1;
    dl_buf_append(c, ts, (size_t)(te - ts));
    dl_buf_printf(c, "\n");
  }
  if (m.zc) {
    const char *ts = strstr(dl_dlz_h_source, "/* @types */"), *te = strstr(ts, "/* @end */");
    ts = strchr(ts, '\n') + 1;
    dl_buf_append(c, ts, (size_t)(te - ts));
    dl_buf_printf(c, "\n");
  }
  for (int i = 0; i < nsec; i++)
    if (sec[i].used) emit_section(c, &sec[i]);
  dl_buf_printf(c, "/* ---- weights ---- */\n");
  emit_constants(&m);
  dl_buf_printf(c, "\n/* ---- step parameters ---- */\n");
  for (int s = 0; m.zc && s < n; s++)
    if (zslot(&m, s)) {
      const dlz_params *z = &m.zp[s];
      dl_buf_printf(c, "static const dlz_params zc%d = {%uu, %d, %d, %d, %lld, %lld, %lld, %d};\n", s, z->modes, z->bits,
                    z->block, z->sub, z->qmin, z->qmax, z->zp, z->k);
    }
  if (decl.data) dl_buf_append(c, decl.data, decl.len);
  dl_buf_printf(c, "\nconst size_t %s_arena_bytes = %lld;\n\n", m.name, (long long)m.arena);
  dl_buf_printf(c, "/* Arena plan: each temporary's offset, live over [first, last] step. */\n");
  for (int s = 0; s < n; s++)
    if (m.off[s] >= 0 && m.root[s] == s)
      dl_buf_printf(c, "/*   t%d: offset %lld, %lld bytes%s, steps %d..%d */\n", s, (long long)m.off[s],
                    zslot(&m, s) ? (long long)m.zc[s].cap : (long long)dl_tensor_bytes(&m.p->slot[s]),
                    zslot(&m, s) ? " compressed" : "", m.def[s], m.last[s]);
  dl_buf_printf(c, "#define T(o) ((void *)(A + (o)))\n\nint %s_run(void *arena", m.name);
  run_params(&m, c);
  dl_buf_printf(c, ") {\n  unsigned char *A = (unsigned char *)arena;\n  float *S = T(%lld);\n  (void)S;\n", (long long)m.scratch_off);
  if (body.data) dl_buf_append(c, body.data, body.len);
  for (int i = 0; i < m.p->nout; i++) {
    char v[64];
    val(&m, m.p->out_slot[i], v, sizeof v);
    dl_buf_printf(c, "  memcpy(out%d, %s, %zu);\n", i, v, dl_tensor_bytes(dl_plan_output(m.p, i)));
  }
  dl_buf_printf(c, "  return 0;\n}\n");
  if (run_q) {
    dl_buf_printf(c, "\nint %s_run_q(void *arena", m.name);
    for (int i = 0; i < m.p->nin; i++) dl_buf_printf(c, ", const %s *in%d", es_ctype(bd.in_es[i]), i);
    for (int i = 0; i < m.p->nout; i++) dl_buf_printf(c, ", %s *out%d", es_ctype(bd.out_es[i]), i);
    dl_buf_printf(c, ") {\n  unsigned char *A = (unsigned char *)arena;\n  float *S = T(%lld);\n  (void)S;\n", (long long)m.scratch_off);
    for (int i = 0; i < m.p->nsteps; i++) {
      int k = bd.edge[i];
      if (!k) {
        dl_buf_append(c, body.data + at[i], at[i + 1] - at[i]);
        continue;
      }
      const DlStep *st = &m.p->steps[i];
      char v[64];
      if (k > 0) { /* input k-1: its integers go where the cast would put them */
        val(&m, st->out, v, sizeof v);
        dl_buf_printf(c, "  memcpy(%s, in%d, %zu);\n", v, k - 1, (size_t)dl_shape_numel(&m.p->slot[st->out].shape) * (size_t)bd.in_es[k - 1]);
      } else { /* output -k-1: the integers the cast would read */
        val(&m, st->in[0], v, sizeof v);
        dl_buf_printf(c, "  memcpy(out%d, %s, %zu);\n", -k - 1, v, (size_t)dl_shape_numel(&m.p->slot[st->in[0]].shape) * (size_t)bd.out_es[-k - 1]);
      }
    }
    dl_buf_printf(c, "  return 0;\n}\n");
  }
  dl_buf_printf(c, "#undef T\n\n");
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
  if (o->c_threads) threads_def(&m, c);
  ok = dl_write_file_atomic(hpath, h->data, h->len, e) && dl_write_file_atomic(o->out_path, c->data, c->len, e);
cleanup:
  if (run_q) free(bd.edge);
  free(at), free(sec);
  dl_buf_free(&decl), dl_buf_free(&body), dl_buf_free(&m.c), dl_buf_free(&m.h);
  free(m.root), free(m.off), free(m.def), free(m.last), free(m.zc), free(m.zp);
  for (int i = 0; m.sp && i < m.p->nsteps; i++) dl_qsparse_free(&m.sp[i]);
  free(m.sp);
  dl_plan_destroy(m.p);
  return ok;
}
