/* ONNX -> qg: graph walking, value bookkeeping, lazy constants, folding. */
#include <mlir-c/Dialect/Func.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/support.h"
#include "import_internal.h"

/* A float tensor with more elements than this is folded only by --fold-constants. */
#define FOLD_FLOAT_LIMIT 64
#define INLINE_LIMIT 16

/* ---- value table (open addressing on names) ------------------------------ */

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull;
  return h;
}

/* The name table: open addressing over im->slots, each an index into im->ent,
 * SLOT_EMPTY, or SLOT_HIDDEN (a name entry_scope_end took out: probing goes on
 * past it, and an insertion may reuse it). */
enum { SLOT_EMPTY = -1, SLOT_HIDDEN = -2 };

/* The slot holding name, or the empty slot where probing for it stops. */
static uint64_t slot_of(Imp *im, const char *name) {
  uint64_t i = hash_str(name) & (uint64_t)(im->nslots - 1);
  for (;; i = (i + 1) & (uint64_t)(im->nslots - 1)) {
    int s = im->slots[i];
    if (s == SLOT_EMPTY || (s >= 0 && !strcmp(im->ent[s]->name, name))) return i;
  }
}

Entry *entry_lookup(Imp *im, const char *name) {
  if (!im->nslots) return NULL;
  int s = im->slots[slot_of(im, name)];
  return s >= 0 ? im->ent[s] : NULL;
}

/* A name defined again replaces the earlier entry; outside a rebuild of the
 * table im->shadowed records that, for entry_scope_end. */
static void slots_insert(Imp *im, int idx, bool rebuilding) {
  const char *name = im->ent[idx]->name;
  uint64_t at = slot_of(im, name);
  if (im->slots[at] >= 0) {
    im->shadowed |= !rebuilding;
  } else { /* a new name: the first hidden slot on the way, if any */
    for (uint64_t i = hash_str(name) & (uint64_t)(im->nslots - 1); i != at; i = (i + 1) & (uint64_t)(im->nslots - 1))
      if (im->slots[i] == SLOT_HIDDEN) {
        at = i;
        break;
      }
  }
  im->slots[at] = idx;
}

Entry *entry_define(Imp *im, const char *name, const DlShape *s) {
  if (im->nent + 1 >= im->capent) {
    int cap = im->capent ? im->capent * 2 : 256;
    Entry **ne = realloc(im->ent, sizeof(Entry *) * (size_t)cap);
    if (!ne) return NULL;
    im->ent = ne, im->capent = cap;
  }
  if ((im->nent + 1) * 2 > im->nslots) {
    int ns = im->nslots ? im->nslots * 2 : 512;
    free(im->slots);
    im->slots = malloc(sizeof(int) * (size_t)ns);
    for (int i = 0; i < ns; i++) im->slots[i] = SLOT_EMPTY;
    im->nslots = ns;
    for (int i = 0; i < im->nent; i++)
      if (im->ent[i]->name[0]) slots_insert(im, i, true);
  }
  Entry *en = calloc(1, sizeof *en);
  if (!en) return NULL;
  im->ent[im->nent] = en;
  en->name = strdup(name ? name : "");
  if (s) en->shape = *s;
  if (en->name[0]) slots_insert(im, im->nent, false);
  im->nent++;
  return en;
}

Entry *make_const_entry(Imp *im, DlTensor *t) {
  Entry *en = entry_define(im, "", &t->shape);
  if (!en) return NULL;
  en->konst = *t;
  en->is_const = true;
  t->owned = false;
  return en;
}

static void sanitize(const char *in, char *out, size_t n) {
  size_t j = 0;
  for (; *in && j + 1 < n; in++)
    out[j++] = (char)((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') ||
                              (*in >= '0' && *in <= '9') || *in == '_' || *in == '.'
                          ? *in
                          : '_');
  out[j] = 0;
}

MlirValue entry_value(Imp *im, Entry *en, MlirLocation loc) {
  if (!mlirValueIsNull(en->value) || !en->is_const) return en->value;
  char name[200];
  if (en->name[0]) sanitize(en->name, name, sizeof name);
  else snprintf(name, sizeof name, "const%d", im->resource_count++);
  MlirLocation cloc = en->name[0] ? mlirLocationNameGet(im->ctx, dl_str(en->name), mlirLocationUnknownGet(im->ctx)) : loc;
  MlirAttribute attr = dl_tensor_to_attr(im->ctx, &en->konst, name, INLINE_LIMIT);
  MlirOperation c = dl_constant_create(cloc, attr);
  mlirBlockAppendOwnedOperation(im->block, c);
  en->value = mlirOperationGetResult(c, 0);
  return en->value;
}

/* ---- node helpers ---------------------------------------------------------- */

bool node_fail(Node *nd, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return dl_error_set(nd->im->e, "%s: %s", nd->desc, buf);
}

static Entry *output_entry(Node *nd, int i, const DlShape *s) {
  if (i >= (int)nd->n->n_output || !nd->n->output[i][0]) return NULL;
  return entry_define(nd->im, nd->n->output[i], s);
}

bool define_output_const(Node *nd, int i, DlTensor *t) {
  Entry *en = output_entry(nd, i, &t->shape);
  if (!en) {
    dl_tensor_free(t);
    return true;
  }
  en->konst = *t;
  en->is_const = true;
  t->owned = false;
  return true;
}

static void alias_to(Entry *en, Entry *src) {
  en->value = src->value;
  en->src = src->src;
  if (src->is_const) {
    /* share the data; the alias never owns it */
    en->konst = src->konst;
    en->konst.owned = false;
    en->is_const = true;
  }
}

bool define_output_alias(Node *nd, int i, Entry *src) {
  Entry *en = output_entry(nd, i, &src->shape);
  if (en) alias_to(en, src);
  return true;
}

Entry *entry_define_alias(Imp *im, const char *name, Entry *src) {
  Entry *en = entry_define(im, name, &src->shape);
  if (en) alias_to(en, src);
  return en;
}

int entry_scope_begin(Imp *im) { return im->nent; }

void entry_scope_end(Imp *im, int mark) {
  if (!im->shadowed) { /* each name defined since mark leaves its slot */
    for (int i = mark; i < im->nent; i++)
      if (im->ent[i]->name[0]) im->slots[slot_of(im, im->ent[i]->name)] = SLOT_HIDDEN;
    for (int i = mark; i < im->nent; i++) im->ent[i]->name[0] = 0;
    return;
  }
  /* some name was defined twice: rebuild, so an earlier entry it replaced comes back */
  for (int i = mark; i < im->nent; i++) im->ent[i]->name[0] = 0;
  for (int i = 0; i < im->nslots; i++) im->slots[i] = SLOT_EMPTY;
  im->shadowed = false;
  for (int i = 0; i < im->nent; i++)
    if (im->ent[i]->name[0]) slots_insert(im, i, true);
}

static bool all_const(int n, Entry **ops) {
  for (int i = 0; i < n; i++)
    if (!ops[i] || !ops[i]->is_const) return false;
  return true;
}

static const char *runtime_source(int n, Entry **ops) {
  for (int i = 0; i < n; i++)
    if (ops[i] && !ops[i]->is_const && ops[i]->src) return ops[i]->src;
  return NULL;
}

static bool foldable(DlOpKind k, const DlShape *out) {
  if (k == DL_OP_QUANTIZE_LINEAR || k == DL_OP_DEQUANTIZE_LINEAR || !dl_kernel_has(k)) return false;
  return !dl_dtype_is_float(out->dtype) || dl_shape_numel(out) <= FOLD_FLOAT_LIMIT;
}

static Entry *emit_common(Node *nd, DlOpKind k, int nops, Entry **ops, DlAttrs *a,
                          const DlShape *given, Entry *(*define)(Node *, int, const DlShape *),
                          int out_index) {
  Imp *im = nd->im;
  DlError e = {0};
  DlShape in[32], out = {0};
  const DlOpInfo *info = dl_op_info(k);
  for (int i = 0; i < nops; i++) {
    if (!ops[i]) return node_fail(nd, "operand %d of qg.%s is missing", i, info->mnemonic), NULL;
    in[i] = ops[i]->shape;
  }
  if (given) out = *given;
  if (!dl_attrs_complete(a, k, &e) || !info->shape(a, nops, in, &out, &e)) {
    node_fail(nd, "%s", e.msg);
    dl_error_clear(&e);
    return NULL;
  }
  if (all_const(nops, ops) && foldable(k, &out)) {
    DlTensor cin[32], r = {.shape = out};
    for (int i = 0; i < nops; i++) cin[i] = ops[i]->konst;
    if (dl_kernel_eval(k, a, nops, cin, &r, &e)) {
      Entry *en = define(nd, out_index, &out);
      if (!en) return dl_tensor_free(&r), NULL;
      en->konst = r;
      en->is_const = true;
      return en;
    }
    dl_error_clear(&e); /* not foldable after all: emit the op */
  }
  MlirValue vals[32];
  for (int i = 0; i < nops; i++) vals[i] = entry_value(im, ops[i], nd->loc);
  MlirType rt = dl_shape_to_type(im->ctx, &out);
  MlirOperation op = dl_op_create(nd->loc, k, nops, vals, 1, &rt, a);
  mlirBlockAppendOwnedOperation(im->block, op);
  Entry *en = define(nd, out_index, &out);
  if (en) en->value = mlirOperationGetResult(op, 0), en->src = runtime_source(nops, ops);
  return en;
}

static Entry *define_named(Node *nd, int i, const DlShape *s) {
  Entry *en = output_entry(nd, i, s);
  /* an unused output still gets an entry so the op is built consistently */
  return en ? en : entry_define(nd->im, "", s);
}

static Entry *define_tmp(Node *nd, int i, const DlShape *s) { return entry_define(nd->im, "", s); }

Entry *emit_op(Node *nd, DlOpKind k, int nops, Entry **ops, DlAttrs *a, const DlShape *given,
               int out_index) {
  return emit_common(nd, k, nops, ops, a, given, define_named, out_index);
}

Entry *emit_op_tmp(Node *nd, DlOpKind k, int nops, Entry **ops, DlAttrs *a, const DlShape *given) {
  return emit_common(nd, k, nops, ops, a, given, define_tmp, 0);
}

Entry *emit_concat(Node *nd, int axis, int nops, Entry **ops, int out_index) {
  Imp *im = nd->im;
  if (nops < 1) return node_fail(nd, "needs at least one input"), NULL;
  DlShape out = ops[0]->shape;
  int r = out.rank;
  if (axis < -r || axis >= r) return node_fail(nd, "axis %d out of range for rank %d", axis, r), NULL;
  if (axis < 0) axis += r;
  out.dims[axis] = 0;
  for (int i = 0; i < nops; i++) {
    const DlShape *s = &ops[i]->shape;
    if (s->rank != r || s->dtype != out.dtype)
      return node_fail(nd, "input %d has a different rank or element type", i), NULL;
    for (int d = 0; d < r; d++)
      if (d != axis && s->dims[d] != ops[0]->shape.dims[d])
        return node_fail(nd, "input %d differs in dimension %d (%lld vs %lld)", i, d,
                         (long long)s->dims[d], (long long)ops[0]->shape.dims[d]), NULL;
    out.dims[axis] += s->dims[axis];
  }
  if (nops == 1) {
    define_output_alias(nd, out_index, ops[0]);
    return ops[0];
  }
  if (all_const(nops, ops) && (!dl_dtype_is_float(out.dtype) || dl_shape_numel(&out) <= FOLD_FLOAT_LIMIT)) {
    DlTensor cin[32], res = {.shape = out};
    DlError e = {0};
    for (int i = 0; i < nops; i++) cin[i] = ops[i]->konst;
    if (dl_kernel_concat(axis, nops, cin, &res, &e)) {
      Entry *en = define_named(nd, out_index, &out);
      en->konst = res, en->is_const = true;
      return en;
    }
    dl_error_clear(&e);
  }
  MlirValue vals[32];
  for (int i = 0; i < nops; i++) vals[i] = entry_value(im, ops[i], nd->loc);
  MlirOperationState st = mlirOperationStateGet(dl_str("tensor.concat"), nd->loc);
  MlirType rt = dl_shape_to_type(im->ctx, &out);
  mlirOperationStateAddOperands(&st, nops, vals);
  mlirOperationStateAddResults(&st, 1, &rt);
  MlirNamedAttribute na = mlirNamedAttributeGet(
      mlirIdentifierGet(im->ctx, dl_str("dim")),
      mlirIntegerAttrGet(mlirIntegerTypeGet(im->ctx, 64), axis));
  mlirOperationStateAddAttributes(&st, 1, &na);
  MlirOperation op = mlirOperationCreate(&st);
  mlirBlockAppendOwnedOperation(im->block, op);
  Entry *en = define_named(nd, out_index, &out);
  en->value = mlirOperationGetResult(op, 0);
  en->src = runtime_source(nops, ops);
  return en;
}

/* ---- attributes ------------------------------------------------------------ */

Onnx__AttributeProto *attr_find(Node *nd, const char *name) {
  for (size_t i = 0; i < nd->n->n_attribute; i++)
    if (nd->n->attribute[i]->name && !strcmp(nd->n->attribute[i]->name, name)) {
      if (i < 64) nd->used_attrs |= 1ull << i;
      return nd->n->attribute[i];
    }
  return NULL;
}

static const char *attr_type_name(int t) {
  static const char *n[] = {"UNDEFINED", "FLOAT",  "INT",     "STRING", "TENSOR",
                            "GRAPH",     "FLOATS", "INTS",    "STRINGS", "TENSORS",
                            "GRAPHS",    "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"};
  return t >= 0 && t < 15 ? n[t] : "?";
}

static bool attr_type_ok(Node *nd, Onnx__AttributeProto *a, int want) {
  if ((int)a->type == want) return true;
  return node_fail(nd, "attribute '%s' must be %s, found %s", a->name, attr_type_name(want),
                   attr_type_name(a->type));
}

bool attr_int(Node *nd, const char *name, int64_t dflt, int64_t *v) {
  Onnx__AttributeProto *a = attr_find(nd, name);
  *v = dflt;
  if (!a) return true;
  if (!attr_type_ok(nd, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT)) return false;
  *v = a->i;
  return true;
}

bool attr_float(Node *nd, const char *name, double dflt, double *v) {
  Onnx__AttributeProto *a = attr_find(nd, name);
  *v = dflt;
  if (!a) return true;
  if (!attr_type_ok(nd, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)) return false;
  *v = a->f;
  return true;
}

bool attr_str(Node *nd, const char *name, const char *dflt, char *buf, size_t n) {
  Onnx__AttributeProto *a = attr_find(nd, name);
  snprintf(buf, n, "%s", dflt);
  if (!a) return true;
  if (!attr_type_ok(nd, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING)) return false;
  if (a->s.len >= n) return node_fail(nd, "attribute '%s' is too long", name);
  if (a->s.len) memcpy(buf, a->s.data, a->s.len);
  buf[a->s.len] = 0;
  return true;
}

bool attr_ints(Node *nd, const char *name, int64_t *v, int *n, int max) {
  Onnx__AttributeProto *a = attr_find(nd, name);
  *n = -1;
  if (!a) return true;
  if (!attr_type_ok(nd, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)) return false;
  if (a->n_ints > (size_t)max) return node_fail(nd, "attribute '%s' has %zu values (at most %d)", name, a->n_ints, max);
  if (a->n_ints) memcpy(v, a->ints, sizeof(int64_t) * a->n_ints);
  *n = (int)a->n_ints;
  return true;
}

bool attr_floats(Node *nd, const char *name, double *v, int *n, int max) {
  Onnx__AttributeProto *a = attr_find(nd, name);
  *n = -1;
  if (!a) return true;
  if (!attr_type_ok(nd, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS)) return false;
  if (a->n_floats > (size_t)max) return node_fail(nd, "attribute '%s' has too many values", name);
  for (size_t i = 0; i < a->n_floats; i++) v[i] = a->floats[i];
  *n = (int)a->n_floats;
  return true;
}

const DlTensor *input_const(Node *nd, int i, const char *what) {
  if (i >= nd->nin || !nd->in[i]) return node_fail(nd, "input %d (%s) is missing", i, what), NULL;
  if (!nd->in[i]->is_const)
    return node_fail(nd, "input '%s' (%s) must be a compile-time constant", nd->in[i]->name, what), NULL;
  return &nd->in[i]->konst;
}

bool input_const_ints(Node *nd, int i, const char *what, int64_t *v, int *n, int max) {
  const DlTensor *t = input_const(nd, i, what);
  if (!t) return false;
  if (t->shape.dtype != DL_I64 && t->shape.dtype != DL_I32)
    return node_fail(nd, "input '%s' (%s) must be int64", nd->in[i]->name, what);
  int64_t cnt = dl_shape_numel(&t->shape);
  if (t->shape.rank > 1 || cnt > max) return node_fail(nd, "input '%s' (%s) must be a vector of at most %d values", nd->in[i]->name, what, max);
  for (int64_t j = 0; j < cnt; j++) v[j] = dl_tensor_get_i(t, j);
  *n = (int)cnt;
  return true;
}

/* ---- graph ------------------------------------------------------------------ */

static bool value_shape(Imp *im, Onnx__ValueInfoProto *vi, DlShape *s, bool is_input) {
  const char *nm = vi->name ? vi->name : "?";
  if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !vi->type->tensor_type)
    return dl_error_set(im->e, "graph %s '%s' is not a tensor", is_input ? "input" : "output", nm);
  Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
  s->dtype = dl_dtype_from_onnx(tt->elem_type);
  if (s->dtype == DL_NONE)
    return dl_error_set(im->e, "graph input '%s' has unsupported element type %d", nm, tt->elem_type);
  if (!tt->shape) return dl_error_set(im->e, "graph input '%s' has no shape; fix it with --input-shape", nm);
  if (tt->shape->n_dim > DL_MAX_RANK) return dl_error_set(im->e, "graph input '%s' has rank above %d", nm, DL_MAX_RANK);
  s->rank = (int)tt->shape->n_dim;
  for (int i = 0; i < s->rank; i++) {
    Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
    bool is_value = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    if (is_value && d->dim_value < 0) {
      s->dims[i] = -1; /* invalid, not dynamic: an error unless --input-shape gives it (override_shape) */
      continue;
    }
    if (is_value) {
      s->dims[i] = d->dim_value;
    } else if (i == 0) {
      s->dims[i] = im->opt && im->opt->batch > 0 ? im->opt->batch : 1; /* dynamic batch */
    } else {
      s->dims[i] = -1; /* dynamic: --input-shape must fix it (checked by override_shape) */
      continue;
    }
    if (s->dims[i] > ((int64_t)1 << 31))
      return dl_error_set(im->e, "graph input '%s' dimension %d is too large (%lld)", nm, i, (long long)s->dims[i]);
  }
  return true;
}

/* A declared shape (graph output or value_info) with a negative dimension is
 * invalid ONNX, not a dynamic one; dlc infers these shapes and reads nothing
 * else from them. */
static bool check_declared_dims(Imp *im, Onnx__ValueInfoProto *const *vis, size_t n, const char *kind) {
  for (size_t v = 0; v < n; v++) {
    Onnx__TypeProto *t = vis[v]->type;
    if (!t || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !t->tensor_type || !t->tensor_type->shape) continue;
    Onnx__TensorShapeProto *sp = t->tensor_type->shape;
    for (size_t i = 0; i < sp->n_dim; i++)
      if (sp->dim[i]->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && sp->dim[i]->dim_value < 0)
        return dl_error_set(im->e, "%s '%s' has negative dimension %zu (%lld)", kind, vis[v]->name ? vis[v]->name : "?",
                            i, (long long)sp->dim[i]->dim_value);
  }
  return true;
}

/* The dynamic dimensions (other than the first) that are still open take
 * those of the data the input will be given (opt->data_shapes), when the
 * data has the input's rank, or one less (one sample without its sample
 * axis). Anything else is left to the checks after. */
static void bind_data_shape(Imp *im, Onnx__ValueInfoProto *vi, DlShape *s) {
  const char *p = im->opt ? im->opt->data_shapes : NULL, *name = vi->name ? vi->name : "";
  size_t nl = strlen(name);
  for (; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p)) {
    const char *eq = strchr(p, '=');
    if (!eq || (size_t)(eq - p) != nl || strncmp(p, name, nl)) continue;
    int64_t dims[DL_MAX_RANK];
    int r = 0;
    for (const char *q = eq + 1; r < DL_MAX_RANK && *q >= '0' && *q <= '9'; q += *q == 'x') {
      char *stop;
      dims[r++] = strtoll(q, &stop, 10);
      q = stop;
    }
    /* data of one sample without its sample axis (rank one less) binds the
     * dimensions after the first */
    int skip = r == s->rank ? 0 : r == s->rank - 1 && s->rank >= 2 ? 1 : -1;
    if (skip < 0) return;
    for (int i = 1; i < s->rank; i++) {
      Onnx__TensorShapeProto__Dimension *d = vi->type->tensor_type->shape->dim[i];
      if (s->dims[i] < 0 && d->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && dims[i - skip] > 0)
        s->dims[i] = dims[i - skip];
    }
    return;
  }
}

/* Applies --input-shape overrides for input vi (declared shape in *s, -1 for
 * dynamic dimensions): a given shape must agree with every static dimension,
 * and no dynamic dimension may remain. Counts the overrides used in *used. */
static bool override_shape(Imp *im, Onnx__ValueInfoProto *vi, DlShape *s, int *used) {
  const char *name = vi->name ? vi->name : "?";
  const char *p = im->opt ? im->opt->input_shapes : NULL;
  size_t nl = strlen(name);
  while (p && *p) {
    const char *eq = strchr(p, '='), *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    if (!eq || eq > end) return dl_error_set(im->e, "--input-shape: expected name=DIMS, found '%.*s'", (int)(end - p), p);
    if ((size_t)(eq - p) == nl && !strncmp(p, name, nl)) {
      int r = 0;
      int64_t dims[DL_MAX_RANK];
      const char *q = eq + 1;
      while (q < end) {
        char *stop;
        long long d = strtoll(q, &stop, 10);
        if (stop == q || d < 0 || d > (1ll << 31) || r == DL_MAX_RANK)
          return dl_error_set(im->e, "--input-shape: bad dimensions for '%s'", name);
        dims[r++] = d;
        q = stop;
        if (q < end && *q != 'x') return dl_error_set(im->e, "--input-shape: bad dimensions for '%s'", name);
        if (q < end) q++;
      }
      if (r != s->rank && s->rank) return dl_error_set(im->e, "--input-shape: '%s' has rank %d, given %d dimensions", name, s->rank, r);
      Onnx__TensorShapeProto *sp = vi->type->tensor_type->shape;
      for (int i = 0; i < r && s->rank; i++) {
        Onnx__TensorShapeProto__Dimension *d = sp->dim[i];
        bool fixed = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value >= 0;
        if (fixed && d->dim_value != dims[i])
          return dl_error_set(im->e, "--input-shape: '%s' dimension %d is %lld in the model, given %lld", name, i,
                              (long long)d->dim_value, (long long)dims[i]);
      }
      s->rank = r;
      memcpy(s->dims, dims, sizeof(int64_t) * (size_t)r);
      (*used)++;
      break;
    }
    p = *end ? end + 1 : end;
  }
  bind_data_shape(im, vi, s);
  for (int i = 0; i < s->rank; i++) {
    if (s->dims[i] >= 0) continue;
    Onnx__TensorShapeProto__Dimension *d = vi->type->tensor_type->shape->dim[i];
    if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
      return dl_error_set(im->e, "graph input '%s' has negative dimension %d (%lld), which ONNX does not allow; give its shape with --input-shape %s=...",
                          name, i, (long long)d->dim_value, name);
    return dl_error_set(im->e, "graph input '%s' has dynamic dimension %d ('%s'); fix it with --input-shape %s=...",
                        name, i, d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM ? d->dim_param : "?",
                        name);
  }
  return true;
}

/* Every --input-shape name must be a graph input. */
static bool check_override_names(Imp *im, Onnx__GraphProto *g, int used) {
  const char *p = im->opt ? im->opt->input_shapes : NULL;
  int given = 0;
  for (const char *q = p; q && *q; q++) given += *q == '=';
  if (used == given) return true;
  while (p && *p) {
    const char *eq = strchr(p, '='), *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    bool found = false;
    for (size_t i = 0; eq && i < g->n_input && !found; i++) {
      const char *nm = g->input[i]->name ? g->input[i]->name : "";
      found = strlen(nm) == (size_t)(eq - p) && !strncmp(nm, p, (size_t)(eq - p));
    }
    if (!found) return dl_error_set(im->e, "--input-shape: the model has no input named '%.*s'", (int)(eq ? eq - p : end - p), p);
    for (size_t i = 0; i < g->n_initializer; i++) { /* listed as an input too, but a constant: nothing to fix */
      const char *nm = g->initializer[i]->name ? g->initializer[i]->name : "";
      if (strlen(nm) == (size_t)(eq - p) && !strncmp(nm, p, (size_t)(eq - p)))
        return dl_error_set(im->e, "--input-shape: '%s' is an initializer (a constant of the model), not an input to fix", nm);
    }
    p = *end ? end + 1 : end;
  }
  return true;
}

/* What defined name first, for the message about a second definition (ONNX is SSA). */
static const char *defined_by(Imp *im, const char *name) {
  Onnx__GraphProto *g = im->model->graph;
  for (size_t i = 0; i < g->n_initializer; i++)
    if (g->initializer[i]->name && !strcmp(g->initializer[i]->name, name)) return "an initializer";
  for (size_t i = 0; i < g->n_input; i++)
    if (g->input[i]->name && !strcmp(g->input[i]->name, name)) return "a graph input";
  return "the output of an earlier node";
}

static bool import_node(Imp *im, Onnx__NodeProto *n, int index) {
  Node nd = {.im = im, .n = n, .index = index};
  const char *type = n->op_type ? n->op_type : "?";
  char name[160];
  if (n->name && n->name[0]) snprintf(name, sizeof name, "%s", n->name);
  else snprintf(name, sizeof name, "%s_%d", type, index);
  snprintf(nd.desc, sizeof nd.desc, "node '%s' (%s)", name, type);
  nd.loc = mlirLocationNameGet(im->ctx, dl_str(name), mlirLocationUnknownGet(im->ctx));
  if (n->n_input > 32) return node_fail(&nd, "has %zu inputs (at most 32)", n->n_input);
  nd.nin = (int)n->n_input;
  for (int i = 0; i < nd.nin; i++) {
    const char *in = n->input[i];
    if (!in || !in[0]) continue;
    nd.in[i] = entry_lookup(im, in);
    if (!nd.in[i]) return node_fail(&nd, "input '%s' is not defined by any earlier node, initializer or graph input", in);
    if (nd.in[i]->poison) return node_fail(&nd, "input '%s' is %s", in, nd.in[i]->poison);
  }
  for (size_t i = 0; i < n->n_output; i++) {
    const char *out = n->output[i];
    if (!out || !out[0]) continue;
    for (size_t j = 0; j < i; j++)
      if (n->output[j] && !strcmp(n->output[j], out)) return node_fail(&nd, "output '%s' is named twice", out);
    if (entry_lookup(im, out)) return node_fail(&nd, "output '%s' is already %s", out, defined_by(im, out));
  }
  const ImportRow *row = dl_onnx_import_row(type);
  if (im->opset < 7) { /* legacy bookkeeping attributes with no effect on inference */
    attr_find(&nd, "consumed_inputs");
    attr_find(&nd, "is_test");
  }
  if (!row->fn(&nd, row->kind)) return false;
  for (size_t i = 0; i < n->n_attribute && i < 64; i++)
    if (!(nd.used_attrs & (1ull << i)))
      return node_fail(&nd, "unsupported attribute '%s'", n->attribute[i]->name);
  return true;
}

static void free_entries(Imp *im) {
  for (int i = 0; i < im->nent; i++) {
    dl_tensor_free(&im->ent[i]->konst);
    free(im->ent[i]->name);
    free(im->ent[i]);
  }
  free(im->ent);
  free(im->slots);
}

/* where: "" for the main graph, else "node 'if1' (If) then_branch: " */
static bool check_supported(Imp *im, Onnx__GraphProto *g, const char *where) {
  bool ok = true;
  for (size_t i = 0; i < g->n_node; i++) {
    Onnx__NodeProto *n = g->node[i];
    const char *dom = n->domain ? n->domain : "";
    const ImportRow *row = n->op_type ? dl_onnx_import_row(n->op_type) : NULL;
    bool std_domain = !dom[0] || !strcmp(dom, "ai.onnx");
    if (row && std_domain && im->opset >= row->min_opset) continue;
    char name[160];
    if (n->name && n->name[0]) snprintf(name, sizeof name, "%s", n->name);
    else snprintf(name, sizeof name, "%s_%zu", n->op_type ? n->op_type : "?", i);
    if (!std_domain)
      ok = dl_error_set(im->e, "%snode '%s': unsupported op %s from domain '%s'", where, name,
                        n->op_type ? n->op_type : "?", dom);
    else
      ok = dl_error_set(im->e, "%snode '%s': unsupported op %s (opset %lld)", where, name,
                        n->op_type ? n->op_type : "?", (long long)im->opset);
  }
  return ok;
}

bool dl_onnx_import_subgraph_initializers(Imp *im, Onnx__GraphProto *g, const char *what) {
  char where[420];
  snprintf(where, sizeof where, "%s: ", what);
  if (!check_supported(im, g, where)) return false;
  im->depth++; /* a subgraph's payloads are copied (tensor_proto.c) */
  bool ok = true;
  for (size_t i = 0; i < g->n_initializer && ok; i++) {
    Onnx__TensorProto *tp = g->initializer[i];
    const char *nm = tp->name ? tp->name : "";
    char desc[400];
    snprintf(desc, sizeof desc, "%s: initializer '%s'", what, nm);
    if (entry_lookup(im, nm)) {
      ok = dl_error_set(im->e, "%s is already %s", desc, defined_by(im, nm));
      break;
    }
    DlTensor t = {0};
    if (!(ok = dl_onnx_tensor_decode(im, tp, &t, desc))) break;
    Entry *en = entry_define(im, nm, &t.shape);
    if (!en) {
      dl_tensor_free(&t);
      ok = dl_error_set(im->e, "out of memory");
      break;
    }
    en->konst = t;
    en->is_const = true;
  }
  im->depth--;
  return ok;
}

bool dl_onnx_import_subgraph_nodes(Imp *im, Onnx__GraphProto *g, const char *what) {
  if (im->depth >= 32) return dl_error_set(im->e, "%s: subgraphs are nested more than 32 deep", what);
  im->depth++;
  bool ok = true;
  for (size_t i = 0; i < g->n_node && ok; i++) ok = import_node(im, g->node[i], (int)i);
  im->depth--;
  return ok;
}

bool dl_onnx_import_subgraph(Imp *im, Onnx__GraphProto *g, const char *what) {
  return dl_onnx_import_subgraph_initializers(im, g, what) && dl_onnx_import_subgraph_nodes(im, g, what);
}

/* Large payloads go to populated anonymous mappings: faulting pages in one at
 * a time costs several times the copy itself on small VMs. */
#define MAP_THRESHOLD (1u << 20)

static void *load_payload(Imp *im, const DlRawPayload *p, bool *mapped) {
  void *d;
  *mapped = p->len >= MAP_THRESHOLD;
  if (*mapped) {
    d = mmap(NULL, p->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (d == MAP_FAILED) return NULL;
  } else if (!(d = malloc(p->len ? p->len : 1))) {
    return NULL;
  }
  if (im->src) {
    memcpy(d, im->src + p->off, p->len);
    return d;
  }
  size_t got = 0;
  while (got < p->len) {
    ssize_t r = pread(im->fd, (char *)d + got, p->len - got, (off_t)(p->off + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  if (got == p->len) return d;
  if (*mapped) munmap(d, p->len);
  else free(d);
  return NULL;
}

static void release_payload(void *d, size_t len, bool mapped) {
  if (mapped) munmap(d, len);
  else free(d);
}

static MlirModule import_model(Imp *im) {
  MlirContext ctx = im->ctx;
  Onnx__ModelProto *m = im->model;
  Onnx__GraphProto *g = m->graph;
  MlirModule mod = {NULL};
  if (!g) return dl_error_set(im->e, "model has no graph"), mod;
  im->opset = -1;
  for (size_t i = 0; i < m->n_opset_import; i++) {
    const char *d = m->opset_import[i]->domain;
    if (!d || !d[0] || !strcmp(d, "ai.onnx")) im->opset = m->opset_import[i]->version;
  }
  if (im->opset < 0) im->opset = 1;
  if (im->opset < 1 || im->opset > 21) {
    dl_error_set(im->e, "model uses opset %lld; dlc supports opsets 1 to 21", (long long)im->opset);
    return mod;
  }
  if (!check_supported(im, g, "") || !check_declared_dims(im, g->output, g->n_output, "graph output") ||
      !check_declared_dims(im, g->value_info, g->n_value_info, "value_info"))
    return mod;

  /* initializers: known constants, materialized on first use */
  if (im->payloads && im->npayloads != (int)g->n_initializer)
    return dl_error_set(im->e, "malformed model: initializer list is inconsistent"), mod;
  for (size_t i = 0; i < g->n_initializer; i++) {
    Onnx__TensorProto *tp = g->initializer[i];
    char what[300];
    snprintf(what, sizeof what, "initializer '%s'", tp->name ? tp->name : "");
    void *payload = NULL;
    bool mapped = false;
    if (im->payloads && im->payloads[i].off != DL_NO_PAYLOAD && !(payload = load_payload(im, &im->payloads[i], &mapped)))
      return dl_error_set(im->e, "%s: cannot read its %zu bytes of raw_data", what, im->payloads[i].len), mod;
    if (payload) {
      tp->raw_data.data = payload, tp->raw_data.len = im->payloads[i].len, tp->has_raw_data = 1;
    }
    DlTensor t = {0};
    bool ok = dl_onnx_tensor_decode(im, tp, &t, what);
    if (payload && tp->raw_data.data == payload) { /* not taken over: release it here */
      release_payload(payload, im->payloads[i].len, mapped);
      tp->raw_data.data = NULL, tp->raw_data.len = 0, tp->has_raw_data = 0;
    } else if (ok && payload) {
      t.mapped = mapped;
    }
    if (!ok) return mod;
    Entry *en = entry_define(im, tp->name ? tp->name : "", &t.shape);
    en->konst = t;
    en->is_const = true;
  }

  /* inputs that are not initializers become function arguments */
  MlirType arg_types[256], res_types[256];
  MlirLocation arg_locs[256];
  MlirAttribute arg_attrs[256], res_attrs[256];
  const char *arg_names[256];
  int nargs = 0;
  int overrides_used = 0;
  if (!dl_shape_spec_check(im->opt ? im->opt->input_shapes : NULL, true, im->e)) return mod;
  for (size_t i = 0; i < g->n_input; i++) {
    Onnx__ValueInfoProto *vi = g->input[i];
    if (!vi->name || !vi->name[0]) return dl_error_set(im->e, "graph input %zu has no name", i), mod;
    if (entry_lookup(im, vi->name)) continue; /* an initializer: a constant, as ONNX allows */
    bool bound = false;
    for (int b = 0; im->opt && b < im->opt->nbind && !bound; b++) {
      if (strcmp(im->opt->bind_names[b], vi->name)) continue;
      const DlTensor *v = &im->opt->bind_values[b];
      Entry *en = entry_define(im, vi->name, &v->shape);
      if (!en || !dl_tensor_alloc(&en->konst, &v->shape)) return dl_error_set(im->e, "out of memory"), mod;
      memcpy(en->konst.data, v->data, dl_tensor_bytes(v));
      en->is_const = bound = true;
    }
    if (bound) continue;
    if (nargs == 256) return dl_error_set(im->e, "more than 256 graph inputs"), mod;
    DlShape s;
    if (!value_shape(im, vi, &s, true) || !override_shape(im, vi, &s, &overrides_used)) return mod;
    size_t bytes;
    if (!dl_shape_bytes(&s, &bytes)) {
      char str[200];
      return dl_error_set(im->e, "graph input '%s' shape %s is too large (its size overflows 64 bits)", vi->name,
                          dl_shape_str(&s, str, sizeof str)), mod;
    }
    arg_types[nargs] = dl_shape_to_type(ctx, &s);
    arg_locs[nargs] = mlirLocationNameGet(ctx, dl_str(vi->name), mlirLocationUnknownGet(ctx));
    arg_names[nargs] = vi->name;
    entry_define(im, vi->name, &s);
    nargs++;
  }
  if (!check_override_names(im, g, overrides_used)) return mod;
  if (!g->n_output) return dl_error_set(im->e, "graph has no outputs"), mod;
  if (g->n_output > 256) return dl_error_set(im->e, "more than 256 graph outputs"), mod;

  MlirLocation mloc = mlirLocationUnknownGet(ctx);
  mod = mlirModuleCreateEmpty(mloc);
  MlirRegion region = mlirRegionCreate();
  MlirBlock block = mlirBlockCreate(nargs, arg_types, arg_locs);
  mlirRegionAppendOwnedBlock(region, block);
  im->block = block;
  for (int i = 0; i < nargs; i++) {
    Entry *en = entry_lookup(im, arg_names[i]);
    en->value = mlirBlockGetArgument(block, i);
    en->src = en->name;
  }

  bool ok = true;
  for (size_t i = 0; i < g->n_node && ok; i++) ok = import_node(im, g->node[i], (int)i);

  MlirValue rets[256];
  for (size_t i = 0; ok && i < g->n_output; i++) {
    const char *nm = g->output[i]->name ? g->output[i]->name : "";
    Entry *en = entry_lookup(im, nm);
    if (!en) ok = dl_error_set(im->e, "graph output '%s' is not produced by any node", nm);
    else if (en->poison) ok = dl_error_set(im->e, "graph output '%s' is %s", nm, en->poison);
    else {
      rets[i] = entry_value(im, en, mloc);
      res_types[i] = mlirValueGetType(rets[i]);
    }
  }
  if (!ok) {
    mlirRegionDestroy(region);
    mlirModuleDestroy(mod);
    return (MlirModule){NULL};
  }
  MlirOperationState rst = mlirOperationStateGet(dl_str("func.return"), mloc);
  mlirOperationStateAddOperands(&rst, (intptr_t)g->n_output, rets);
  mlirBlockAppendOwnedOperation(block, mlirOperationCreate(&rst));

  /* argument and result names, so tools can match .npy files to inputs */
  MlirIdentifier nm_id = mlirIdentifierGet(ctx, dl_str("dlc.name"));
  for (int i = 0; i < nargs; i++) {
    MlirNamedAttribute na = mlirNamedAttributeGet(nm_id, mlirStringAttrGet(ctx, dl_str(arg_names[i])));
    arg_attrs[i] = mlirDictionaryAttrGet(ctx, 1, &na);
  }
  for (size_t i = 0; i < g->n_output; i++) {
    MlirNamedAttribute na = mlirNamedAttributeGet(nm_id, mlirStringAttrGet(ctx, dl_str(g->output[i]->name ? g->output[i]->name : "")));
    res_attrs[i] = mlirDictionaryAttrGet(ctx, 1, &na);
  }
  MlirType ftype = mlirFunctionTypeGet(ctx, nargs, arg_types, (intptr_t)g->n_output, res_types);
  MlirNamedAttribute fattrs[4] = {
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("sym_name")), mlirStringAttrGet(ctx, dl_str("main"))),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("function_type")), mlirTypeAttrGet(ftype)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("arg_attrs")), mlirArrayAttrGet(ctx, nargs, arg_attrs)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("res_attrs")), mlirArrayAttrGet(ctx, (intptr_t)g->n_output, res_attrs)),
  };
  MlirOperationState fst = mlirOperationStateGet(dl_str("func.func"), mloc);
  mlirOperationStateAddAttributes(&fst, 4, fattrs);
  mlirOperationStateAddOwnedRegions(&fst, 1, &region);
  MlirOperation func = mlirOperationCreate(&fst);
  mlirBlockAppendOwnedOperation(mlirModuleGetBody(mod), func);
  return mod;
}

/* Parses everything but the initializers' raw_data with protobuf-c; the
 * payloads are then read once, each into its final buffer. */
static MlirModule import_serialized(MlirContext ctx, const uint8_t *data, size_t len, int fd, bool from_file,
                                    const char *dir, const DlImportOptions *opt, DlError *e) {
  Imp im = {.ctx = ctx, .opt = opt, .dir = dir, .e = e, .src = from_file ? NULL : data, .fd = fd};
  MlirModule mod = {NULL};
  if (len == 0) return dl_error_set(e, "file is empty, not an ONNX model"), mod;
  uint8_t *small = NULL;
  size_t small_len = 0;
  const char *bad = "not a valid ONNX model (protobuf parse failed: truncated or not a model file)";
  if (!dl_onnx_strip_payloads(data, len, &small, &small_len, &im.payloads, &im.npayloads))
    return dl_error_set(e, "%s", bad), mod;
  im.model = onnx__model_proto__unpack(NULL, small_len, small);
  free(small);
  if (!im.model) {
    free(im.payloads);
    return dl_error_set(e, "%s", bad), mod;
  }
  mod = import_model(&im);
  onnx__model_proto__free_unpacked(im.model, NULL);
  free_entries(&im);
  free(im.payloads);
  if (!mlirModuleIsNull(mod) && dl_error_is_set(e)) {
    mlirModuleDestroy(mod);
    mod = (MlirModule){NULL};
  }
  return mod;
}

MlirModule dl_onnx_import_buffer(MlirContext ctx, const void *data, size_t len, const char *dir,
                                 const DlImportOptions *opt, DlError *e) {
  return import_serialized(ctx, data, len, -1, false, dir, opt, e);
}

MlirModule dl_onnx_import(MlirContext ctx, const char *path, const DlImportOptions *opt,
                          DlError *e) {
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0) return dl_error_set(e, "cannot open '%s': %s", path, strerror(errno)), (MlirModule){NULL};
  if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
    close(fd);
    return dl_error_set(e, "'%s' is not a regular file", path), (MlirModule){NULL};
  }
  if (opt && opt->on_file_read) opt->on_file_read(path, opt->user);
  char dir[4096];
  dl_path_dirname(path, dir, sizeof dir);
  size_t len = (size_t)st.st_size;
  /* mapped lazily: the scan touches only the pages holding message headers */
  void *map = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
  if (len && map == MAP_FAILED) {
    close(fd);
    return dl_error_set(e, "cannot map '%s': %s", path, strerror(errno)), (MlirModule){NULL};
  }
  MlirModule m = import_serialized(ctx, map, len, fd, true, dir, opt, e);
  if (map) munmap(map, len);
  close(fd);
  return m;
}
