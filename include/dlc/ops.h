/* The qg op table (ops.def, op_attrs.def) and the attribute bag every part
 * of dlc reads op parameters through. */
#ifndef DLC_OPS_H
#define DLC_OPS_H

#include "dlc/diag.h"
#include "dlc/tensor.h"

typedef enum {
#define DL_OP(id, mn, mi, ma, no, sh, fl) DL_OP_##id,
#include "dlc/ops.def"
#undef DL_OP
  DL_OP_COUNT
} DlOpKind;

enum { DL_OPF_GIVEN = 1, DL_OPF_ACT = 2 };

typedef enum { DL_ATTR_INT, DL_ATTR_FLOAT, DL_ATTR_INTS, DL_ATTR_FLOATS, DL_ATTR_STR } DlAttrKind;

#define DL_MAX_ATTRS 16
#define DL_MAX_ATTR_VALUES 16

typedef struct {
  const char *name; /* static string from op_attrs.def */
  DlAttrKind kind;
  int n; /* values in i[] / f[] for INTS / FLOATS */
  int64_t i[DL_MAX_ATTR_VALUES];
  double f[DL_MAX_ATTR_VALUES];
  char s[48];
} DlAttr;

typedef struct {
  int n;
  DlAttr a[DL_MAX_ATTRS];
} DlAttrs;

typedef struct {
  DlOpKind kind;
  const char *op;   /* attribute belongs to this op's spec */
  const char *name;
  DlAttrKind akind;
  const char *dflt; /* NULL: required */
} DlAttrSpec;

typedef bool (*DlShapeFn)(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e);

typedef struct {
  DlOpKind kind;
  const char *mnemonic; /* "conv"; the MLIR name is "qg.conv" */
  int min_operands, max_operands, results;
  DlShapeFn shape;
  unsigned flags;
} DlOpInfo;

const DlOpInfo *dl_op_info(DlOpKind k);
/* Looks up "conv" or "qg.conv"; NULL if not a qg op. */
const DlOpInfo *dl_op_lookup(const char *name, size_t len);
/* The attribute specs of op k: *n set to their count. */
const DlAttrSpec *dl_op_attr_specs(DlOpKind k, int *n);
const char *dl_attr_kind_name(DlAttrKind k);

/* Attribute bag. Getters fall back to the op table default when absent. */
void dl_attrs_init(DlAttrs *a);
DlAttr *dl_attrs_find(const DlAttrs *a, const char *name);
DlAttr *dl_attrs_put(DlAttrs *a, const char *name, DlAttrKind kind); /* replaces */
void dl_attrs_set_int(DlAttrs *a, const char *name, int64_t v);
void dl_attrs_set_float(DlAttrs *a, const char *name, double v);
void dl_attrs_set_str(DlAttrs *a, const char *name, const char *v);
void dl_attrs_set_ints(DlAttrs *a, const char *name, const int64_t *v, int n);
void dl_attrs_set_floats(DlAttrs *a, const char *name, const double *v, int n);
int64_t dl_attrs_int(const DlAttrs *a, const char *name, int64_t dflt);
double dl_attrs_float(const DlAttrs *a, const char *name, double dflt);
const char *dl_attrs_str(const DlAttrs *a, const char *name, const char *dflt);
/* Returns the values (NULL and *n = 0 if absent). */
const int64_t *dl_attrs_ints(const DlAttrs *a, const char *name, int *n);
const double *dl_attrs_floats(const DlAttrs *a, const char *name, int *n);
/* Fills in defaults for op k and checks kinds, presence of required ones and
 * that no unknown attribute is present. */
bool dl_attrs_complete(DlAttrs *a, DlOpKind k, DlError *e);

/* Shape functions named in ops.def. `out` holds the declared/computed result
 * for DL_OPF_GIVEN ops on entry. */
#define DL_OP(id, mn, mi, ma, no, sh, fl)                                                          \
  bool sh(const DlAttrs *a, int nin, const DlShape *in, DlShape *out, DlError *e);
#include "dlc/ops.def"
#undef DL_OP

/* Numpy broadcast of two shapes (dtype of a). */
bool dl_broadcast_shapes(const DlShape *a, const DlShape *b, DlShape *out, DlError *e);

#endif
