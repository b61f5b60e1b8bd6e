/* The pass table: each dlc pass as an MLIR external pass on func.func whose
 * instance carries its options, plus MLIR's canonicalize and cse. */
#include <mlir-c/Dialect/Func.h>
#include <mlir-c/Transforms.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/passes.h"
#include "pass_util.h"

enum { MAX_SETTINGS = 32 };

/* One pass instance: what it runs and the settings it writes first. Cloned
 * with the pass, so no instance shares state with another. */
typedef struct {
  bool (*run)(MlirOperation func);
  const char *settings;
  intptr_t n;
  MlirNamedAttribute kv[MAX_SETTINGS];
} Inst;

static void cb_construct(void *u) { (void)u; }
static void cb_destruct(void *u) { free(u); }
static MlirLogicalResult cb_initialize(MlirContext ctx, void *u) {
  (void)ctx, (void)u;
  return mlirLogicalResultSuccess();
}
static void *cb_clone(void *u) {
  Inst *c = malloc(sizeof *c);
  memcpy(c, u, sizeof *c);
  return c;
}

/* func's settings dictionary with the instance's keys set (others kept). */
static void write_settings(MlirOperation func, const Inst *p) {
  MlirAttribute old = mlirOperationGetDiscardableAttributeByName(func, dl_str(p->settings));
  intptr_t nold = !mlirAttributeIsNull(old) && mlirAttributeIsADictionary(old) ? mlirDictionaryAttrGetNumElements(old) : 0;
  MlirNamedAttribute *kv = malloc(sizeof *kv * (size_t)(nold + p->n));
  intptr_t n = 0;
  for (intptr_t i = 0; i < nold; i++) {
    MlirNamedAttribute el = mlirDictionaryAttrGetElement(old, i);
    bool given = false;
    for (intptr_t j = 0; j < p->n && !given; j++) given = mlirIdentifierEqual(el.name, p->kv[j].name);
    if (!given) kv[n++] = el;
  }
  for (intptr_t j = 0; j < p->n; j++) kv[n++] = p->kv[j];
  mlirOperationSetDiscardableAttributeByName(func, dl_str(p->settings),
                                             mlirDictionaryAttrGet(mlirOperationGetContext(func), n, kv));
  free(kv);
}

static void cb_run(MlirOperation op, MlirExternalPass pass, void *u) {
  const Inst *p = u;
  if (p->n) write_settings(op, p);
  if (!p->run(op)) mlirExternalPassSignalFailure(pass);
}

static MlirPass external(void *typeid_ptr, const char *flag, const char *summary, bool (*run)(MlirOperation),
                         const char *settings, const MlirNamedAttribute *kv, intptr_t n) {
  Inst *p = calloc(1, sizeof *p);
  p->run = run, p->settings = settings;
  for (intptr_t i = 0; i < n && i < MAX_SETTINGS; i++) p->kv[p->n++] = kv[i];
  MlirExternalPassCallbacks cb = {cb_construct, cb_destruct, cb_initialize, cb_clone, cb_run};
  return mlirCreateExternalPass(mlirTypeIDCreate(typeid_ptr), dl_str(flag), dl_str(flag), dl_str(summary),
                                dl_str("func.func"), 0, NULL, cb, p);
}

/* Each pass's options, opts_ID: an array that its DL_PASS row opens and
 * the next row closes, the DL_PASS_OPTION rows in between filling it. */
static const DlPassOption opts_first_[] __attribute__((unused)) = {
#define DL_PASS(id, flag, settings, summary) {NULL}}; static const DlPassOption opts_##id[] = {
#define DL_PASS_OPTION(id, key, kind, lo, hi, choices, dflt, help) {key, DL_PASS_OPT_##kind, lo, hi, choices, dflt, help},
#include "passes.def"
#undef DL_PASS
    {NULL}};

/* TypeIDs need a unique, 8-byte aligned address per pass */
#define DL_PASS(id, flag, settings, summary)                                                                           \
  static _Alignas(8) char typeid_##id;                                                                                 \
  static MlirPass create_##id(const MlirNamedAttribute *kv, intptr_t n) {                                              \
    return external(&typeid_##id, flag, summary, dl_pass_##id, settings, kv, n);                                       \
  }
#include "passes.def"
#undef DL_PASS

static MlirPass create_canonicalize(const MlirNamedAttribute *kv, intptr_t n) {
  (void)kv, (void)n;
  return mlirCreateTransformsCanonicalizer();
}
static MlirPass create_cse(const MlirNamedAttribute *kv, intptr_t n) {
  (void)kv, (void)n;
  return mlirCreateTransformsCSE();
}

static const DlPassInfo passes[] = {
#define DL_PASS(id, flag, settings, summary)                                                                           \
  {flag, summary, settings, opts_##id, (int)(sizeof opts_##id / sizeof opts_##id[0]) - 1, "func.func", create_##id},
#include "passes.def"
#undef DL_PASS
    {"canonicalize", "MLIR's canonicalizer (folds and erases dead pure ops)", NULL, NULL, 0, NULL, create_canonicalize},
    {"cse", "MLIR's common subexpression elimination", NULL, NULL, 0, NULL, create_cse},
};

const DlPassInfo *dl_pass_list(int *n) {
  *n = (int)(sizeof passes / sizeof passes[0]);
  return passes;
}

const DlPassInfo *dl_pass_lookup(const char *flag) {
  for (size_t i = 0; i < sizeof passes / sizeof passes[0]; i++)
    if (!strcmp(passes[i].flag, flag)) return &passes[i];
  return NULL;
}
