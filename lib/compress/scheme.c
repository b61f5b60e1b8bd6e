/* The compression schemes (include/dlc/schemes.def) and the per-tensor choice
 * as IR: `dlc.compress` on the producing op. Read by the planner (a K-lossy
 * result is rounded as the decoder returns it), the analysis, the C target
 * and the accelerator. */
#include <stdio.h>
#include <string.h>

#include "dlc/compress.h"
#include "dlc/quant.h"

static const struct {
  const char *name;
  unsigned modes;
} schemes[] = {
#define DL_SCHEME(id, name, modes) {name, modes},
#include "dlc/schemes.def"
#undef DL_SCHEME
};

const char *dl_scheme_name(DlScheme s) { return s < DL_SCHEME_COUNT ? schemes[s].name : "?"; }

const char *dl_scheme_names(void) {
  static char list[128];
  if (!list[0])
    for (int i = 0; i < DL_SCHEME_COUNT; i++)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i == 0 ? "" : i + 1 == DL_SCHEME_COUNT ? " or " : ", ",
               schemes[i].name);
  return list;
}

bool dl_scheme_parse(const char *name, DlScheme *s) {
  for (int i = 0; i < DL_SCHEME_COUNT; i++)
    if (!strcmp(name, schemes[i].name)) return *s = (DlScheme)i, true;
  return false;
}

bool dl_scheme_params(DlScheme s, MlirType t, int block, int sub, dlz_params *p) {
  DlQParams q;
  if (!dl_qparams_of_type(t, &q)) return false;
  int bits = 1;
  while (bits < 16 && (q.qmax - q.qmin) >> bits) bits++;
  *p = (dlz_params){schemes[s].modes | 1u << DLZ_RAW, bits, block, sub, q.qmin, q.qmax, q.zp, 0};
  return true;
}

static int64_t dict_int(MlirAttribute d, const char *key, int64_t dflt, bool *bad) {
  MlirAttribute a = mlirDictionaryAttrGetElementByName(d, dl_str(key));
  if (mlirAttributeIsNull(a)) return dflt;
  if (!mlirAttributeIsAInteger(a)) return *bad = true, dflt;
  return mlirIntegerAttrGetValueInt(a);
}

int dl_compress_attr_get(MlirOperation op, DlCompressChoice *c, DlError *e) {
  MlirAttribute d = mlirOperationGetDiscardableAttributeByName(op, dl_str("dlc.compress"));
  if (mlirAttributeIsNull(d)) return 0;
  char loc[160];
  dl_location_str(mlirOperationGetLocation(op), loc, sizeof loc);
  if (!mlirAttributeIsADictionary(d))
    return dl_error_set(e, "%s: dlc.compress must be a dictionary {scheme, k, block, sub, cap}",
                        loc),
           -1;
  MlirAttribute s = mlirDictionaryAttrGetElementByName(d, dl_str("scheme"));
  bool bad = false;
  char name[32] = "";
  if (!mlirAttributeIsNull(s) && mlirAttributeIsAString(s)) {
    MlirStringRef r = mlirStringAttrGetValue(s);
    snprintf(name, sizeof name, "%.*s", (int)r.length, r.data);
  }
  if (!dl_scheme_parse(name, &c->scheme))
    return dl_error_set(
               e, "%s: dlc.compress: unknown scheme '%s' (expected %s)", loc, name, dl_scheme_names()),
           -1;
  c->k = (int)dict_int(d, "k", 0, &bad);
  c->block = (int)dict_int(d, "block", 256, &bad);
  c->sub = (int)dict_int(d, "sub", 16, &bad);
  c->cap = dict_int(d, "cap", 0, &bad);
  if (bad)
    return dl_error_set(e, "%s: dlc.compress: k, block, sub and cap must be integers", loc), -1;
  if (c->k < 0 || c->k > 7)
    return dl_error_set(e, "%s: dlc.compress: k must be within 0..7 (got %d)", loc, c->k), -1;
  if (c->block < 8 || c->block % 8 || c->block > 65536 || c->sub < 1 || c->block % c->sub)
    return dl_error_set(e,
                        "%s: dlc.compress: block must be a multiple of 8 up to 65536, divided by "
                        "sub (got %d, %d)",
                        loc, c->block, c->sub),
           -1;
  if (c->cap < 0)
    return dl_error_set(e, "%s: dlc.compress: cap must be positive (got %lld)", loc,
                        (long long)c->cap),
           -1;
  return 1;
}

void dl_compress_attr_set(MlirOperation op, const DlCompressChoice *c) {
  MlirContext ctx = mlirOperationGetContext(op);
  MlirType i64 = mlirIntegerTypeGet(ctx, 64);
  MlirNamedAttribute kv[5] = {
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("scheme")),
                            mlirStringAttrGet(ctx, dl_str(dl_scheme_name(c->scheme)))),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("k")), mlirIntegerAttrGet(i64, c->k)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("block")),
                            mlirIntegerAttrGet(i64, c->block)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("sub")), mlirIntegerAttrGet(i64, c->sub)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str("cap")), mlirIntegerAttrGet(i64, c->cap)),
  };
  mlirOperationSetDiscardableAttributeByName(op, dl_str("dlc.compress"),
                                             mlirDictionaryAttrGet(ctx, 5, kv));
}

bool dl_compress_params(const DlCompressChoice *c, MlirType t, dlz_params *p) {
  if (!dl_scheme_params(c->scheme, t, c->block, c->sub, p)) return false;
  p->k = c->k;
  return true;
}
