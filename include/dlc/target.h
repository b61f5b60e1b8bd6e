/* Code generation targets: one DlTarget per target (targets/NAME/target.c),
 * listed once in targets/targets.def. Everything the tools do with a target
 * goes through its struct: --target=NAME (emit), --emit=NAME (ir),
 * --cost=NAME and precision assignment (cost), --NAME-device (device). */
#ifndef DLC_TARGET_H
#define DLC_TARGET_H

#include "dlc/cost.h"
#include "dlc/ir.h"
#include "dlc/plan.h"

#include <stdio.h>

typedef struct {
  const char *out_path;    /* primary output file ("model.c") */
  const char *name;        /* C identifier prefix / model name; NULL: from out_path */
  const char *report_path; /* JSON report, or NULL */
  const char *source;      /* the model the module came from, for comments */
  const char *device;      /* --NAME-device: a device JSON path or built-in name; NULL: the default */
  int sparse_weights;      /* c: --c-sparse-weights, 0 auto, 1 off, 2 size, 3 all (DlSparseMode) */
  bool c_threads;          /* c: --c-threads, also NAME_run_threads (POSIX threads, one arena each) */
  bool ir_detail;          /* ir: the target's detail flag (--pim-rows, --acc-insns) */
} DlTargetOptions;

/* dlc-run's side of a target: a compiled model loaded and ready to run. */
typedef struct {
  DlPlan *plan;            /* the steps to run, the target's executor attached; or NULL and cm */
  struct DlCModel *cm;     /* a compiled C model */
  bool integer;            /* it quantizes its float inputs (NaN and Inf become numbers) */
  void *state;             /* the target's (its program, simulator, context, module) */
} DlLoaded;

typedef struct {
  const char *option; /* the target's own dlc-run option (--acc-compress), or NULL */
  bool trace;         /* record the run's timeline (dlc-run --trace) */
} DlRunOptions;

/* What dlc-run writes after a run (each NULL: not asked): the JSON report,
 * the same per layer as HTML (dlc/html.h) and the timeline (dlc/trace.h). */
typedef struct {
  const char *report, *report_html, *trace;
} DlRunOutputs;

typedef struct {
  const char *name;
  const char *summary;
  /* the extension of the file emit writes ("c": NAME.c, with NAME.h beside
   * it; "pimbin"), for callers that name it from a folder (libdlc) */
  const char *file_ext;
  /* dlc-run: whether the file at path (first bytes head[0..n)) is this
   * target's output; then load, --disasm, after the run the summary line
   * (stdout) and the files of DlRunOutputs, and unload. load is NULL for a
   * target dlc-run does not run. */
  bool (*recognizes)(const char *path, const void *head, size_t n);
  bool (*load)(const char *path, const DlRunOptions *o, DlLoaded *l, DlError *e);
  bool (*disasm)(FILE *f, const DlLoaded *l); /* false: nothing to print */
  bool (*finish)(const DlLoaded *l, int64_t samples, const DlRunOutputs *out, DlError *e);
  void (*unload)(DlLoaded *l);
  /* dlc-run --jobs, --shard, --merge (simulators; NULL elsewhere): adds a
   * second load's runs (`later`: it ran the last batch), writes the runs'
   * statistics to a file, merges such a file (simulated.h). */
  bool (*merge)(DlLoaded *into, DlLoaded *from, bool later, DlError *e);
  /* dlc-run --jobs: a worker's load sharing first's read-only parts (its
   * program, module), unloaded before first; NULL: each worker loads the file */
  bool (*load_worker)(const DlLoaded *first, DlLoaded *l, DlError *e);
  bool (*stats_write)(const DlLoaded *l, int64_t samples, const char *path, DlError *e);
  bool (*stats_merge)(DlLoaded *l, const char *path, int64_t *samples, DlError *e);
  const char *run_option, *run_option_arg, *run_option_help; /* its dlc-run option, or NULL */
  /* Writes the target's files atomically; on failure none are left behind. */
  bool (*emit)(MlirModule m, const DlTargetOptions *o, DlError *e);
  /* The target's IR: its dialect's view of what emit writes (MLIR text,
   * malloc'd, *len bytes), or NULL when the target has no dialect. */
  char *(*ir)(MlirModule m, const DlTargetOptions *o, size_t *len, DlError *e);
  const char *ir_detail_flag; /* the option that sets ir_detail ("--pim-rows"), or NULL */
  DlCostModel cost;
  /* --NAME-device: what it accepts (for --help), or NULL: no device */
  const char *device_help;
  /* --NAME-KEY=V of dlc (e.g. --pim-objective): appended to the device spec
   * as ",KEY=V" after check accepts V; key NULL: none */
  const char *device_key, *device_key_arg, *device_key_help;
  bool (*device_key_check)(const char *v, DlError *e);
  /* --compress-target=NAME: 1 where activations live in an arena (c), 2 in
   * DRAM (acc; DlCompressSettings.acc), 0 the target takes none */
  int compress_where;
} DlTarget;

const DlTarget *dl_target_lookup(const char *name);
/* Target i of the list (NULL past the end), for iterating. */
const DlTarget *dl_target_at(int i);
/* "c, pim, acc": every target's name, for messages. */
const char *dl_target_names(void);
/* The target whose output the file at path is (by its magic or name), or NULL. */
const DlTarget *dl_target_recognize(const char *path);

#endif
