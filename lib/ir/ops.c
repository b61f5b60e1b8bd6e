#include "dlc/ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const DlOpInfo op_table[] = {
#define DL_OP(id, mn, mi, ma, no, sh, fl) {DL_OP_##id, mn, mi, ma, no, sh, fl},
#include "dlc/ops.def"
#undef DL_OP
};

static const DlAttrSpec attr_table[] = {
#define DL_ATTR(op, name, kind, dflt) {DL_OP_##op, #op, name, DL_ATTR_##kind, dflt},
#include "dlc/op_attrs.def"
#undef DL_ATTR
};

const DlOpInfo *dl_op_info(DlOpKind k) { return k < DL_OP_COUNT ? &op_table[k] : NULL; }

const DlOpInfo *dl_op_lookup(const char *name, size_t len) {
  if (len > 3 && !strncmp(name, "qg.", 3)) name += 3, len -= 3;
  for (int i = 0; i < DL_OP_COUNT; i++)
    if (strlen(op_table[i].mnemonic) == len && !strncmp(op_table[i].mnemonic, name, len))
      return &op_table[i];
  return NULL;
}

const DlAttrSpec *dl_op_attr_specs(DlOpKind k, int *n) {
  /* rows of one op are contiguous in op_attrs.def */
  const size_t total = sizeof attr_table / sizeof attr_table[0];
  size_t i = 0;
  while (i < total && attr_table[i].kind != k) i++;
  size_t j = i;
  while (j < total && attr_table[j].kind == k) j++;
  *n = (int)(j - i);
  return attr_table + i;
}

const char *dl_attr_kind_name(DlAttrKind k) {
  static const char *names[] = {"int", "float", "ints", "floats", "string"};
  return names[k];
}

void dl_attrs_init(DlAttrs *a) { a->n = 0; }

DlAttr *dl_attrs_find(const DlAttrs *a, const char *name) {
  for (int i = 0; i < a->n; i++)
    if (!strcmp(a->a[i].name, name)) return (DlAttr *)&a->a[i];
  return NULL;
}

DlAttr *dl_attrs_put(DlAttrs *a, const char *name, DlAttrKind kind) {
  DlAttr *x = dl_attrs_find(a, name);
  if (!x) {
    if (a->n == DL_MAX_ATTRS) return NULL;
    x = &a->a[a->n++];
  }
  memset(x, 0, sizeof *x);
  x->name = name;
  x->kind = kind;
  return x;
}

void dl_attrs_set_int(DlAttrs *a, const char *name, int64_t v) {
  DlAttr *x = dl_attrs_put(a, name, DL_ATTR_INT);
  if (x) x->i[0] = v, x->n = 1;
}

void dl_attrs_set_float(DlAttrs *a, const char *name, double v) {
  DlAttr *x = dl_attrs_put(a, name, DL_ATTR_FLOAT);
  if (x) x->f[0] = v, x->n = 1;
}

void dl_attrs_set_str(DlAttrs *a, const char *name, const char *v) {
  DlAttr *x = dl_attrs_put(a, name, DL_ATTR_STR);
  if (x) snprintf(x->s, sizeof x->s, "%s", v);
}

void dl_attrs_set_ints(DlAttrs *a, const char *name, const int64_t *v, int n) {
  DlAttr *x = dl_attrs_put(a, name, DL_ATTR_INTS);
  if (!x) return;
  x->n = n > DL_MAX_ATTR_VALUES ? DL_MAX_ATTR_VALUES : n;
  if (x->n) memcpy(x->i, v, sizeof(int64_t) * (size_t)x->n);
}

void dl_attrs_set_floats(DlAttrs *a, const char *name, const double *v, int n) {
  DlAttr *x = dl_attrs_put(a, name, DL_ATTR_FLOATS);
  if (!x) return;
  x->n = n > DL_MAX_ATTR_VALUES ? DL_MAX_ATTR_VALUES : n;
  if (x->n) memcpy(x->f, v, sizeof(double) * (size_t)x->n);
}

int64_t dl_attrs_int(const DlAttrs *a, const char *name, int64_t dflt) {
  const DlAttr *x = dl_attrs_find(a, name);
  return x && x->kind == DL_ATTR_INT ? x->i[0] : dflt;
}

double dl_attrs_float(const DlAttrs *a, const char *name, double dflt) {
  const DlAttr *x = dl_attrs_find(a, name);
  return x && x->kind == DL_ATTR_FLOAT ? x->f[0] : dflt;
}

const char *dl_attrs_str(const DlAttrs *a, const char *name, const char *dflt) {
  const DlAttr *x = dl_attrs_find(a, name);
  return x && x->kind == DL_ATTR_STR ? x->s : dflt;
}

const int64_t *dl_attrs_ints(const DlAttrs *a, const char *name, int *n) {
  const DlAttr *x = dl_attrs_find(a, name);
  if (!x || x->kind != DL_ATTR_INTS) return *n = 0, NULL;
  *n = x->n;
  return x->i;
}

const double *dl_attrs_floats(const DlAttrs *a, const char *name, int *n) {
  const DlAttr *x = dl_attrs_find(a, name);
  if (!x || x->kind != DL_ATTR_FLOATS) return *n = 0, NULL;
  *n = x->n;
  return x->f;
}

static void set_default(DlAttrs *a, const DlAttrSpec *s) {
  switch (s->akind) {
  case DL_ATTR_INT: dl_attrs_set_int(a, s->name, strtoll(s->dflt, NULL, 10)); break;
  case DL_ATTR_FLOAT: dl_attrs_set_float(a, s->name, strtod(s->dflt, NULL)); break;
  case DL_ATTR_STR: dl_attrs_set_str(a, s->name, s->dflt); break;
  case DL_ATTR_INTS: dl_attrs_set_ints(a, s->name, NULL, 0); break;
  case DL_ATTR_FLOATS: dl_attrs_set_floats(a, s->name, NULL, 0); break;
  }
}

bool dl_attrs_complete(DlAttrs *a, DlOpKind k, DlError *e) {
  int n;
  const DlAttrSpec *specs = dl_op_attr_specs(k, &n);
  bool ok = true;
  for (int i = 0; i < a->n; i++) {
    const DlAttrSpec *s = NULL;
    for (int j = 0; j < n && !s; j++)
      if (!strcmp(specs[j].name, a->a[i].name)) s = &specs[j];
    if (!s)
      ok = dl_error_set(e, "unknown attribute '%s'", a->a[i].name);
    else if (s->akind != a->a[i].kind)
      ok = dl_error_set(e, "attribute '%s' must be %s, found %s", s->name,
                        dl_attr_kind_name(s->akind), dl_attr_kind_name(a->a[i].kind));
    else a->a[i].name = s->name; /* make the name static */
  }
  for (int j = 0; j < n; j++) {
    if (dl_attrs_find(a, specs[j].name)) continue;
    if (!specs[j].dflt)
      ok = dl_error_set(e, "requires attribute '%s'", specs[j].name);
    else set_default(a, &specs[j]);
  }
  return ok;
}
