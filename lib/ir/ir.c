#include "dlc/ir.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <mlir-c/Dialect/Quant.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- types ---------------------------------------------------------------- */

static DlDType scalar_dtype(MlirType t) {
  if (mlirTypeIsAQuantizedType(t)) t = mlirQuantizedTypeGetStorageType(t);
  if (mlirTypeIsAF32(t)) return DL_F32;
  if (mlirTypeIsAF64(t)) return DL_F64;
  if (mlirTypeIsAF16(t)) return DL_F16;
  if (mlirTypeIsABF16(t)) return DL_BF16;
  if (!mlirTypeIsAInteger(t)) return DL_NONE;
  unsigned w = mlirIntegerTypeGetWidth(t);
  bool u = mlirIntegerTypeIsUnsigned(t);
  if (w == 1) return DL_BOOL;
  /* sub-byte quantized storage (i4, i2, ...) is held in the next byte type */
  if (w <= 8) return u ? DL_U8 : DL_I8;
  if (w <= 16) return u ? DL_U16 : DL_I16;
  if (w <= 32) return u ? DL_U32 : DL_I32;
  if (w <= 64) return u ? DL_U64 : DL_I64;
  return DL_NONE;
}

bool dl_op_is(MlirOperation op, const char *name) {
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
  return n.length == strlen(name) && !strncmp(n.data, name, n.length);
}

bool dl_value_is_quant(MlirValue v) {
  MlirType t = mlirValueGetType(v);
  return mlirTypeIsAShaped(t) && mlirTypeIsAQuantizedType(mlirShapedTypeGetElementType(t));
}

bool dl_type_to_shape(MlirType t, DlShape *s) {
  if (!mlirTypeIsARankedTensor(t)) return false;
  intptr_t r = mlirShapedTypeGetRank(t);
  if (r > DL_MAX_RANK || !mlirShapedTypeHasStaticShape(t)) return false;
  s->rank = (int)r;
  for (intptr_t i = 0; i < r; i++) s->dims[i] = mlirShapedTypeGetDimSize(t, i);
  s->dtype = scalar_dtype(mlirShapedTypeGetElementType(t));
  return s->dtype != DL_NONE;
}

MlirType dl_dtype_to_mlir(MlirContext ctx, DlDType t) {
  switch (t) {
  case DL_F32: return mlirF32TypeGet(ctx);
  case DL_F64: return mlirF64TypeGet(ctx);
  case DL_F16: return mlirF16TypeGet(ctx);
  case DL_BF16: return mlirBF16TypeGet(ctx);
  case DL_BOOL: return mlirIntegerTypeGet(ctx, 1);
  case DL_I8: return mlirIntegerTypeGet(ctx, 8);
  case DL_I16: return mlirIntegerTypeGet(ctx, 16);
  case DL_I32: return mlirIntegerTypeGet(ctx, 32);
  case DL_I64: return mlirIntegerTypeGet(ctx, 64);
  case DL_U8: return mlirIntegerTypeUnsignedGet(ctx, 8);
  case DL_U16: return mlirIntegerTypeUnsignedGet(ctx, 16);
  case DL_U32: return mlirIntegerTypeUnsignedGet(ctx, 32);
  case DL_U64: return mlirIntegerTypeUnsignedGet(ctx, 64);
  default: return (MlirType){NULL};
  }
}

MlirType dl_shape_to_type(MlirContext ctx, const DlShape *s) {
  return mlirRankedTensorTypeGet(s->rank, s->dims, dl_dtype_to_mlir(ctx, s->dtype),
                                 mlirAttributeGetNull());
}

/* ---- ops and attributes --------------------------------------------------- */

DlOpKind dl_op_kind(MlirOperation op) {
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
  if (n.length < 4 || strncmp(n.data, "qg.", 3)) return DL_OP_COUNT;
  const DlOpInfo *info = dl_op_lookup(n.data, n.length);
  return info ? info->kind : DL_OP_COUNT;
}

static bool read_attr(MlirAttribute v, const DlAttrSpec *s, DlAttrs *a, DlError *e) {
  DlAttr *x = dl_attrs_put(a, s->name, s->akind);
  if (!x) return dl_error_set(e, "too many attributes");
  switch (s->akind) {
  case DL_ATTR_INT:
    if (!mlirAttributeIsAInteger(v)) break;
    x->i[0] = mlirIntegerAttrGetValueInt(v), x->n = 1;
    return true;
  case DL_ATTR_FLOAT:
    if (mlirAttributeIsAFloat(v)) x->f[0] = mlirFloatAttrGetValueDouble(v);
    else if (mlirAttributeIsAInteger(v)) x->f[0] = (double)mlirIntegerAttrGetValueInt(v);
    else break;
    x->n = 1;
    return true;
  case DL_ATTR_INTS:
    if (!mlirAttributeIsADenseI64Array(v)) break;
    x->n = (int)mlirDenseArrayGetNumElements(v);
    if (x->n > DL_MAX_ATTR_VALUES) return dl_error_set(e, "attribute '%s' has too many values", s->name);
    for (int i = 0; i < x->n; i++) x->i[i] = mlirDenseI64ArrayGetElement(v, i);
    return true;
  case DL_ATTR_FLOATS:
    if (!mlirAttributeIsADenseF32Array(v)) break;
    x->n = (int)mlirDenseArrayGetNumElements(v);
    if (x->n > DL_MAX_ATTR_VALUES) return dl_error_set(e, "attribute '%s' has too many values", s->name);
    for (int i = 0; i < x->n; i++) x->f[i] = mlirDenseF32ArrayGetElement(v, i);
    return true;
  case DL_ATTR_STR: {
    if (!mlirAttributeIsAString(v)) break;
    MlirStringRef str = mlirStringAttrGetValue(v);
    if (str.length >= sizeof x->s) return dl_error_set(e, "attribute '%s' is too long", s->name);
    memcpy(x->s, str.data, str.length);
    x->s[str.length] = 0;
    return true;
  }
  }
  return dl_error_set(e, "attribute '%s' must be %s", s->name, dl_attr_kind_name(s->akind));
}

bool dl_op_read_attrs(MlirOperation op, DlOpKind k, DlAttrs *a, DlError *e) {
  int nspec;
  const DlAttrSpec *specs = dl_op_attr_specs(k, &nspec);
  dl_attrs_init(a);
  bool ok = true;
  intptr_t n = mlirOperationGetNumAttributes(op);
  for (intptr_t i = 0; i < n; i++) {
    MlirNamedAttribute na = mlirOperationGetAttribute(op, i);
    MlirStringRef name = mlirIdentifierStr(na.name);
    const DlAttrSpec *s = NULL;
    /* "dlc.*" attributes are dlc's annotations (ranges, requantization), not op parameters */
    if (name.length > 4 && !strncmp(name.data, "dlc.", 4)) continue;
    for (int j = 0; j < nspec && !s; j++)
      if (strlen(specs[j].name) == name.length && !strncmp(specs[j].name, name.data, name.length))
        s = &specs[j];
    if (!s) {
      ok = dl_error_set(e, "unknown attribute '%.*s'", (int)name.length, name.data);
      continue;
    }
    ok &= read_attr(na.attribute, s, a, e);
  }
  return dl_attrs_complete(a, k, e) && ok;
}

MlirAttribute dl_attr_to_mlir(MlirContext ctx, const DlAttr *a) {
  switch (a->kind) {
  case DL_ATTR_INT: return mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), a->i[0]);
  case DL_ATTR_FLOAT: return mlirFloatAttrDoubleGet(ctx, mlirF32TypeGet(ctx), a->f[0]);
  case DL_ATTR_INTS: return mlirDenseI64ArrayGet(ctx, a->n, a->i);
  case DL_ATTR_FLOATS: {
    float f[DL_MAX_ATTR_VALUES];
    for (int i = 0; i < a->n; i++) f[i] = (float)a->f[i];
    return mlirDenseF32ArrayGet(ctx, a->n, f);
  }
  case DL_ATTR_STR: return mlirStringAttrGet(ctx, dl_str(a->s));
  }
  return mlirAttributeGetNull();
}

MlirOperation dl_op_create(MlirLocation loc, DlOpKind k, intptr_t nop, const MlirValue *ops,
                           intptr_t nres, const MlirType *res, const DlAttrs *a) {
  MlirContext ctx = mlirLocationGetContext(loc);
  char name[64];
  snprintf(name, sizeof name, "qg.%s", dl_op_info(k)->mnemonic);
  MlirOperationState st = mlirOperationStateGet(dl_str(name), loc);
  mlirOperationStateAddOperands(&st, nop, ops);
  mlirOperationStateAddResults(&st, nres, res);
  MlirNamedAttribute na[DL_MAX_ATTRS];
  int n = 0;
  /* an unfused activation is the common case: leave act/act_min/act_max out */
  bool no_act = !a || !strcmp(dl_attrs_str(a, "act", "none"), "none");
  for (int i = 0; a && i < a->n; i++)
    if (!(no_act && !strncmp(a->a[i].name, "act", 3)))
    na[n++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str(a->a[i].name)),
                                    dl_attr_to_mlir(ctx, &a->a[i]));
  mlirOperationStateAddAttributes(&st, n, na);
  return mlirOperationCreate(&st);
}

/* ---- constants ------------------------------------------------------------ */

MlirOperation dl_constant_create(MlirLocation loc, MlirAttribute value) {
  MlirContext ctx = mlirLocationGetContext(loc);
  MlirOperationState st = mlirOperationStateGet(dl_str("arith.constant"), loc);
  MlirType t = mlirAttributeGetType(value);
  mlirOperationStateAddResults(&st, 1, &t);
  MlirNamedAttribute na = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("value")), value);
  mlirOperationStateAddAttributes(&st, 1, &na);
  return mlirOperationCreate(&st);
}

MlirAttribute dl_value_constant(MlirValue v) {
  if (!mlirValueIsAOpResult(v)) return mlirAttributeGetNull();
  MlirOperation def = mlirOpResultGetOwner(v);
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(def));
  if (n.length != 14 || strncmp(n.data, "arith.constant", 14)) return mlirAttributeGetNull();
  return mlirOperationGetAttributeByName(def, dl_str("value"));
}

static void free_blob(void *mapped, const void *data, size_t size, size_t align) {
  if (mapped) munmap((void *)data, size ? size : 1);
  else free((void *)data);
}

MlirAttribute dl_tensor_to_attr(MlirContext ctx, DlTensor *t, const char *name,
                                int64_t inline_limit) {
  MlirType type = dl_shape_to_type(ctx, &t->shape);
  int64_t n = dl_shape_numel(&t->shape);
  size_t bytes = dl_tensor_bytes(t);
  if (n <= inline_limit || t->shape.dtype == DL_BOOL) {
    if (t->shape.dtype == DL_BOOL) {
      int *b = malloc(sizeof(int) * (size_t)(n ? n : 1));
      for (int64_t i = 0; i < n; i++) b[i] = ((uint8_t *)t->data)[i] != 0;
      MlirAttribute r = mlirDenseElementsAttrBoolGet(type, n, b);
      free(b);
      return r;
    }
    return mlirDenseElementsAttrRawBufferGet(type, bytes, t->data);
  }
  void *data = t->data;
  bool mapped = t->owned && t->mapped;
  if (!t->owned) {
    data = malloc(bytes ? bytes : 1);
    memcpy(data, t->data, bytes);
  }
  t->owned = t->mapped = false; /* the blob owns it now */
  return mlirUnmanagedDenseResourceElementsAttrGet(type, dl_str(name), data, bytes, 16, false,
                                                   free_blob, mapped ? (void *)1 : NULL);
}

bool dl_attr_to_tensor(MlirAttribute attr, DlTensor *t, DlError *e) {
  DlShape s;
  if (!dl_type_to_shape(mlirAttributeGetType(attr), &s))
    return dl_error_set(e, "constant is not a statically shaped tensor");
  if (!dl_tensor_alloc(t, &s)) return dl_error_set(e, "out of memory");
  int64_t n = dl_shape_numel(&s);
  size_t bytes = dl_tensor_bytes(t);
  if (mlirAttributeIsADenseElements(attr)) {
    if (s.dtype == DL_BOOL) {
      for (int64_t i = 0; i < n; i++)
        ((uint8_t *)t->data)[i] = mlirDenseElementsAttrGetBoolValue(attr, i);
    } else if (mlirDenseElementsAttrIsSplat(attr)) {
      const char *raw = mlirDenseElementsAttrGetRawData(attr);
      size_t el = dl_dtype_size(s.dtype);
      for (int64_t i = 0; i < n; i++) memcpy((char *)t->data + i * el, raw, el);
    } else {
      memcpy(t->data, mlirDenseElementsAttrGetRawData(attr), bytes);
    }
    return true;
  }
  if (mlirAttributeIsADenseResourceElements(attr)) {
    for (int64_t i = 0; i < n; i++) {
      switch (s.dtype) {
#define R(DT, CT, FN) case DT: ((CT *)t->data)[i] = FN(attr, i); break;
        R(DL_F32, float, mlirDenseFloatResourceElementsAttrGetValue)
        R(DL_F64, double, mlirDenseDoubleResourceElementsAttrGetValue)
        R(DL_I8, int8_t, mlirDenseInt8ResourceElementsAttrGetValue)
        R(DL_U8, uint8_t, mlirDenseUInt8ResourceElementsAttrGetValue)
        R(DL_I16, int16_t, mlirDenseInt16ResourceElementsAttrGetValue)
        R(DL_U16, uint16_t, mlirDenseUInt16ResourceElementsAttrGetValue)
        R(DL_I32, int32_t, mlirDenseInt32ResourceElementsAttrGetValue)
        R(DL_U32, uint32_t, mlirDenseUInt32ResourceElementsAttrGetValue)
        R(DL_I64, int64_t, mlirDenseInt64ResourceElementsAttrGetValue)
        R(DL_U64, uint64_t, mlirDenseUInt64ResourceElementsAttrGetValue)
        R(DL_F16, uint16_t, mlirDenseUInt16ResourceElementsAttrGetValue)
        R(DL_BF16, uint16_t, mlirDenseUInt16ResourceElementsAttrGetValue)
#undef R
      default: dl_tensor_free(t); return dl_error_set(e, "unsupported resource element type");
      }
    }
    return true;
  }
  dl_tensor_free(t);
  return dl_error_set(e, "constant is not an elements attribute");
}

/* ---- verifier ------------------------------------------------------------- */

void dl_location_str(MlirLocation loc, char *buf, size_t n) {
  buf[0] = 0;
  if (mlirLocationIsAName(loc)) {
    MlirStringRef s = mlirIdentifierStr(mlirLocationNameGetName(loc));
    snprintf(buf, n, "%.*s", (int)s.length, s.data);
  } else if (mlirLocationIsAFileLineColRange(loc)) {
    MlirStringRef s = mlirIdentifierStr(mlirLocationFileLineColRangeGetFilename(loc));
    snprintf(buf, n, "%.*s:%d:%d", (int)s.length, s.data,
             mlirLocationFileLineColRangeGetStartLine(loc),
             mlirLocationFileLineColRangeGetStartColumn(loc));
  }
}

static void emit(MlirOperation op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(MlirOperation op, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  mlirEmitError(mlirOperationGetLocation(op), buf);
}

static bool verify_qg_op(MlirOperation op, DlOpKind k) {
  const DlOpInfo *info = dl_op_info(k);
  intptr_t nop = mlirOperationGetNumOperands(op), nres = mlirOperationGetNumResults(op);
  if (nop < info->min_operands || nop > info->max_operands || nres != info->results) {
    emit(op, "'qg.%s' takes %d to %d operands and %d results, found %d and %d", info->mnemonic,
         info->min_operands, info->max_operands, info->results, (int)nop, (int)nres);
    return false;
  }
  DlError e = {0};
  DlAttrs a;
  DlShape in[16], want, got;
  bool ok = dl_op_read_attrs(op, k, &a, &e);
  for (intptr_t i = 0; ok && i < nop && i < 16; i++)
    if (!dl_type_to_shape(mlirValueGetType(mlirOperationGetOperand(op, i)), &in[i]))
      ok = dl_error_set(&e, "operand %d must be a statically shaped tensor", (int)i);
  if (ok && !dl_type_to_shape(mlirValueGetType(mlirOperationGetResult(op, 0)), &got))
    ok = dl_error_set(&e, "result must be a statically shaped tensor");
  if (ok) {
    want = got;
    ok = info->shape(&a, (int)nop, in, &want, &e);
    /* a quantized result's storage is the quantizer's choice (e.g. i8 x i8 -> i32) */
    if (dl_value_is_quant(mlirOperationGetResult(op, 0))) want.dtype = got.dtype;
  }
  if (ok && !(info->flags & DL_OPF_GIVEN) && !dl_shape_equal(&want, &got)) {
    char w[128], g[128];
    ok = dl_error_set(&e, "result type should be tensor<%s>, found tensor<%s>",
                      dl_shape_str(&want, w, sizeof w), dl_shape_str(&got, g, sizeof g));
  }
  if (!ok) emit(op, "'qg.%s' %s", info->mnemonic, e.msg);
  dl_error_clear(&e);
  return ok;
}

static MlirWalkResult verify_walk(MlirOperation op, void *user) {
  DlOpKind k = dl_op_kind(op);
  if (k != DL_OP_COUNT && !verify_qg_op(op, k)) *(bool *)user = false;
  return MlirWalkResultAdvance;
}

bool dl_verify(MlirOperation root) {
  if (!mlirOperationVerify(root)) return false;
  bool ok = true;
  mlirOperationWalk(root, verify_walk, &ok, MlirWalkPreOrder);
  return ok;
}

/* ---- diagnostics and printing ------------------------------------------- */

static void diag_to_stderr(MlirStringRef s, void *u) { fwrite(s.data, 1, s.length, stderr); }

static MlirLogicalResult print_diag_real(MlirDiagnostic d, void *user) {
  const char *sev[] = {"error", "warning", "note", "remark"};
  char loc[512];
  dl_location_str(mlirDiagnosticGetLocation(d), loc, sizeof loc);
  fprintf(stderr, "%s: %s: ", (const char *)user, sev[mlirDiagnosticGetSeverity(d)]);
  if (loc[0]) fprintf(stderr, "%s: ", loc);
  mlirDiagnosticPrint(d, diag_to_stderr, NULL);
  fputc('\n', stderr);
  return mlirLogicalResultSuccess();
}

MlirDiagnosticHandlerID dl_attach_diagnostic_printer(MlirContext ctx, const char *prog) {
  return mlirContextAttachDiagnosticHandler(ctx, print_diag_real, (void *)prog, NULL);
}

/* The warning handlers, one per context that has one (a library context:
 * the tools have none and print). A process holds few contexts at once. */
enum { MAX_WARN_HANDLERS = 64 };
static struct {
  void *ctx;
  DlWarnFn fn;
  void *user;
} warn_handlers[MAX_WARN_HANDLERS];
static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;

bool dl_warn_handler_set(MlirContext ctx, DlWarnFn fn, void *user) {
  pthread_mutex_lock(&warn_lock);
  int free_slot = -1, k = 0;
  while (k < MAX_WARN_HANDLERS && warn_handlers[k].ctx != ctx.ptr) {
    if (!warn_handlers[k].ctx && free_slot < 0) free_slot = k;
    k++;
  }
  if (k == MAX_WARN_HANDLERS) k = free_slot;
  if (k >= 0) {
    warn_handlers[k].ctx = fn ? ctx.ptr : NULL;
    warn_handlers[k].fn = fn, warn_handlers[k].user = user;
  }
  pthread_mutex_unlock(&warn_lock);
  return k >= 0 || !fn;
}

void dl_warn(MlirContext ctx, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  char *msg = malloc((size_t)n + 1);
  if (!msg) {
    va_end(ap2);
    return;
  }
  msg[0] = 0;
  vsnprintf(msg, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  DlWarnFn fn = NULL;
  void *user = NULL;
  pthread_mutex_lock(&warn_lock);
  for (int k = 0; k < MAX_WARN_HANDLERS && !fn; k++)
    if (warn_handlers[k].ctx && warn_handlers[k].ctx == ctx.ptr) fn = warn_handlers[k].fn, user = warn_handlers[k].user;
  pthread_mutex_unlock(&warn_lock);
  if (fn) fn(msg, user);
  else fprintf(stderr, "dlc: warning: %s\n", msg);
  free(msg);
}

typedef struct {
  char *buf;
  size_t len, cap;
} Sink;

static void sink_write(MlirStringRef s, void *u) {
  Sink *k = u;
  if (k->len + s.length + 1 > k->cap) {
    size_t cap = (k->cap ? k->cap * 2 : 4096);
    while (cap < k->len + s.length + 1) cap *= 2;
    char *nb = realloc(k->buf, cap);
    if (!nb) return;
    k->buf = nb, k->cap = cap;
  }
  memcpy(k->buf + k->len, s.data, s.length);
  k->len += s.length;
  k->buf[k->len] = 0;
}

/* MLIR names a resource blob by the name asked for, with "_N" appended when
 * the context has one of that name already, N counting every blob the
 * context ever made: a module's text would depend on what the process did
 * before (a precision search quantizes hundreds of copies; forked workers
 * make some of them elsewhere). Renames the text's resources, in order of
 * first use, to NAME, NAME_1, NAME_2, ... per NAME (the asked-for name: the
 * key without a trailing "_N"), in their uses and in the resource section. */
typedef struct {
  const char *key;
  size_t len, base;
  char *to;
} Rename;

static size_t key_base(const char *k, size_t n) {
  size_t i = n;
  while (i > 0 && k[i - 1] >= '0' && k[i - 1] <= '9') i--;
  return i < n && i > 1 && k[i - 1] == '_' ? i - 1 : n;
}

static bool is_key_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; }

static void canonical_resources(Sink *k) {
  static const char use[] = "dense_resource<";
  const size_t ul = sizeof use - 1;
  Rename *r = NULL;
  int n = 0, cap = 0;
  char *trailer = k->buf ? strstr(k->buf, "\n{-#\n") : NULL;
  for (char *p = k->buf; p && (p = strstr(p, use)) && (!trailer || p < trailer); p += ul) {
    const char *key = p + ul;
    size_t l = strcspn(key, ">");
    int i = 0;
    while (i < n && !(r[i].len == l && !memcmp(r[i].key, key, l))) i++;
    if (i < n) continue;
    if (n == cap) r = realloc(r, sizeof *r * (size_t)(cap = cap ? 2 * cap : 16));
    size_t b = key_base(key, l);
    int same = 0;
    for (int j = 0; j < n; j++) same += r[j].base == b && !memcmp(r[j].key, key, b);
    r[n] = (Rename){key, l, b, malloc(b + 24)};
    memcpy(r[n].to, key, b);
    if (same) snprintf(r[n].to + b, 24, "_%d", same);
    else r[n].to[b] = 0;
    n++;
  }
  bool change = false;
  for (int i = 0; i < n; i++) change |= strlen(r[i].to) != r[i].len || memcmp(r[i].to, r[i].key, r[i].len);
  if (change) { /* rebuilt: a use's key, or a resource-section key (a line's first word, before ':') */
    Sink o = {0};
    const char *p = k->buf, *end = k->buf + k->len;
    while (p < end) {
      const char *q = p, *key = NULL;
      size_t l = 0;
      if (!trailer || p < trailer) {
        const char *u = strstr(p, use);
        if (!u || (trailer && u >= trailer)) q = trailer ? trailer : end;
        else q = key = u + ul, l = strcspn(key, ">");
      } else {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        q = nl ? nl + 1 : end;
        const char *w = q;
        while (w < end && *w == ' ') w++;
        size_t wl = 0;
        while (w + wl < end && is_key_char(w[wl])) wl++;
        if (wl && w + wl < end && w[wl] == ':') q = key = w, l = wl;
      }
      sink_write((MlirStringRef){p, (size_t)(q - p)}, &o);
      p = q;
      if (!key) continue;
      int i = 0;
      while (i < n && !(r[i].len == l && !memcmp(r[i].key, key, l))) i++;
      if (i < n) sink_write((MlirStringRef){r[i].to, strlen(r[i].to)}, &o);
      else sink_write((MlirStringRef){key, l}, &o);
      p = key + l;
    }
    free(k->buf);
    *k = o;
  }
  for (int i = 0; i < n; i++) free(r[i].to);
  free(r);
}

char *dl_print_op(MlirOperation op, unsigned flags, size_t *len) {
  Sink k = {0};
  MlirOpPrintingFlags f = mlirOpPrintingFlagsCreate();
  if (flags & DL_PRINT_GENERIC) mlirOpPrintingFlagsPrintGenericOpForm(f);
  if (flags & DL_PRINT_LOC) mlirOpPrintingFlagsEnableDebugInfo(f, true, false);
  mlirOperationPrintWithFlags(op, f, sink_write, &k);
  mlirOpPrintingFlagsDestroy(f);
  sink_write((MlirStringRef){"\n", 1}, &k);
  canonical_resources(&k);
  *len = k.len;
  return k.buf;
}

bool dl_value_tensor(MlirValue v, DlTensor *t) {
  MlirAttribute a = dl_value_constant(v);
  if (mlirAttributeIsNull(a)) return false;
  DlError e = {0};
  bool ok = dl_attr_to_tensor(a, t, &e);
  dl_error_clear(&e);
  return ok;
}

MlirOperation dl_module_func(MlirModule m) {
  MlirOperation op = mlirBlockGetFirstOperation(mlirModuleGetBody(m));
  while (!mlirOperationIsNull(op) && !dl_op_is(op, "func.func")) op = mlirOperationGetNextInBlock(op);
  return op;
}
