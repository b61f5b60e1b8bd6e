/* The pass registry: dlc's own passes (passes/passes.def) plus MLIR's
 * canonicalize and cse, looked up by flag name, each with the options it
 * declares; and textual pass pipelines over it. */
#ifndef DLC_PASSES_H
#define DLC_PASSES_H

#include <mlir-c/Pass.h>

#include "dlc/ir.h"
#include "dlc/support.h"

typedef enum { DL_PASS_OPT_INT, DL_PASS_OPT_FLOAT, DL_PASS_OPT_BOOL, DL_PASS_OPT_STR } DlPassOptKind;

/* One setting of a pass: a key of its settings dictionary on the func. */
typedef struct {
  const char *name; /* "wbits" (a pipeline may spell '_' as '-') */
  DlPassOptKind kind;
  double lo, hi;       /* INT and FLOAT: the accepted range */
  const char *choices; /* STR: "max|mse|omse", or NULL for any string */
  const char *dflt;    /* what the pass uses without it (for listings) */
  const char *help;
} DlPassOption;

typedef struct {
  const char *flag; /* "fold-bn" */
  const char *summary;
  const char *settings;        /* the func attribute the options write ("dlc.quant"), or NULL */
  const DlPassOption *options; /* noptions rows */
  int noptions;
  const char *anchor; /* "func.func" (dlc's passes) or NULL (MLIR's, on any op) */
  /* A new pass (owned by the caller) whose instance writes the n settings
   * before it runs. */
  MlirPass (*create)(const MlirNamedAttribute *settings, intptr_t n);
} DlPassInfo;

/* All passes; *n receives the count. */
const DlPassInfo *dl_pass_list(int *n);
const DlPassInfo *dl_pass_lookup(const char *flag);

/* pass's option key ('_' and '-' alike), or NULL. */
const DlPassOption *dl_pass_option_lookup(const DlPassInfo *pass, const char *key);
/* Whether v is a value of o (its kind, range or choices); false with
 * "pass 'P': bad KEY 'V' (expected ...)". */
bool dl_pass_option_check(const DlPassInfo *pass, const DlPassOption *o, const char *v, DlError *e);

/* A pass pipeline: passes in order, each with its option values. */
typedef struct DlPipeline DlPipeline;
DlPipeline *dl_pipeline_create(void);
void dl_pipeline_destroy(DlPipeline *p);
/* Appends the passes of text: "builtin.module(quantize{wbits=4 abits=8},cse)",
 * the same list without the builtin.module( ) around it ("fold-bn,cse"), and
 * func.func(...) groups inside (their MLIR passes run on each func). Option
 * values may be quoted ('...' or "...") or braced ({...}). False with one
 * message naming the unknown pass, the unknown option or the bad value (p
 * then unchanged). */
bool dl_pipeline_parse(DlPipeline *p, const char *text, DlError *e);
int dl_pipeline_size(const DlPipeline *p);
/* The pipeline as text that dl_pipeline_parse reads back ("builtin.module(...)"). */
void dl_pipeline_print(const DlPipeline *p, DlBuf *b);

/* What a run reports, as mlir-opt does, on stderr: the IR before / after
 * each pass (`// -----// IR Dump After quantize (quantize) //----- //`,
 * printed with DL_PRINT_* print_flags) and the wall time per pass. */
typedef struct {
  bool print_before, print_after, timing;
  unsigned print_flags;
} DlPipelineReport;

/* Runs p on mod (report may be NULL). False when a pass failed (after its
 * diagnostics; the message says which pipeline). */
bool dl_pipeline_run(const DlPipeline *p, MlirModule mod, const DlPipelineReport *report, DlError *e);

/* Parses list (dl_pipeline_parse) and runs it on mod. */
bool dl_run_pipeline(MlirModule mod, const char *list, DlError *e);

#endif
