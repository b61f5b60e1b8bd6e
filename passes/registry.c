/* Wraps each dlc pass as an MLIR external pass on func.func. */
#include <mlir-c/Dialect/Func.h>
#include <mlir-c/Transforms.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/passes.h"
#include "pass_util.h"

typedef struct {
  bool (*run)(MlirOperation func);
} PassImpl;

static void cb_construct(void *u) {}
static void cb_destruct(void *u) {}
static MlirLogicalResult cb_initialize(MlirContext ctx, void *u) { return mlirLogicalResultSuccess(); }
static void *cb_clone(void *u) { return u; } /* stateless: the impl row is shared */
static void cb_run(MlirOperation op, MlirExternalPass pass, void *u) {
  if (!((const PassImpl *)u)->run(op)) mlirExternalPassSignalFailure(pass);
}

#define DL_PASS(id, flag, summary) static const PassImpl impl_##id = {dl_pass_##id};
#include "passes.def"
#undef DL_PASS

/* TypeIDs need a unique, 8-byte aligned address per pass */
#define DL_PASS(id, flag, summary) static _Alignas(8) char typeid_##id;
#include "passes.def"
#undef DL_PASS

static void add_external(MlirPassManager pm, MlirContext ctx, void *typeid_ptr, const char *flag,
                         const char *summary, const PassImpl *impl) {
  MlirExternalPassCallbacks cb = {cb_construct, cb_destruct, cb_initialize, cb_clone, cb_run};
  MlirPass p = mlirCreateExternalPass(mlirTypeIDCreate(typeid_ptr), dl_str(flag), dl_str(flag),
                                      dl_str(summary), dl_str("func.func"), 0, NULL, cb,
                                      (void *)impl);
  MlirOpPassManager fpm = mlirPassManagerGetNestedUnder(pm, dl_str("func.func"));
  mlirOpPassManagerAddOwnedPass(fpm, p);
}

#define DL_PASS(id, flag, summary)                                                                 \
  static void add_##id(MlirPassManager pm, MlirContext ctx) {                                     \
    add_external(pm, ctx, &typeid_##id, flag, summary, &impl_##id);                               \
  }
#include "passes.def"
#undef DL_PASS

static void add_canonicalize(MlirPassManager pm, MlirContext ctx) {
  mlirPassManagerAddOwnedPass(pm, mlirCreateTransformsCanonicalizer());
}
static void add_cse(MlirPassManager pm, MlirContext ctx) {
  mlirPassManagerAddOwnedPass(pm, mlirCreateTransformsCSE());
}

static const DlPassInfo passes[] = {
#define DL_PASS(id, flag, summary) {flag, summary, add_##id},
#include "passes.def"
#undef DL_PASS
    {"canonicalize", "MLIR's canonicalizer (folds and erases dead pure ops)", add_canonicalize},
    {"cse", "MLIR's common subexpression elimination", add_cse},
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

bool dl_run_pipeline(MlirModule mod, const char *list, DlError *e) {
  MlirContext ctx = mlirModuleGetContext(mod);
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  char *copy = strdup(list), *save = NULL;
  bool ok = true;
  for (char *tok = strtok_r(copy, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
    const DlPassInfo *p = dl_pass_lookup(tok);
    if (!p) ok = dl_error_set(e, "unknown pass '%s' (see dlc-opt --list-passes)", tok);
    else p->add(pm, ctx);
  }
  free(copy);
  if (ok && mlirLogicalResultIsFailure(mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(mod))))
    ok = dl_error_set(e, "pass pipeline '%s' failed", list);
  mlirPassManagerDestroy(pm);
  return ok;
}
