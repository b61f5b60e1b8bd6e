/* What the simulated targets (pim, acc) share: one binary container (magic,
 * version, the target's sections, CRC-32), one loader for dlc-run (the file
 * read and checked, its embedded module planned, the simulator attached),
 * one cost runner (the simulator's timing model over the plan) and one
 * report file writer. A target describes its program and simulator once, in
 * a DlSimTarget. */
#ifndef DLC_TARGETS_SIMULATED_H
#define DLC_TARGETS_SIMULATED_H

#include <stdio.h>

#include "dlc/cost.h"
#include "dlc/html.h"
#include "dlc/trace.h"
#include "dlc/support.h"
#include "dlc/target.h"
#include "dlc/xsum.h"

/* --- the container ---------------------------------------------------------- */
typedef struct {
  char magic[8];
  uint32_t version;
  const char *what; /* "a .pimbin", for messages */
  const char *ext;  /* ".pimbin" */
} DlContainer;

/* Starts a file: the magic and the version; the target appends its sections. */
void dl_container_begin(DlBuf *b, const DlContainer *c);
/* Seals b with its CRC-32 and writes it atomically to path; frees b. */
bool dl_container_write(const char *path, DlBuf *b, DlError *e);
/* Checks the magic, that `header` bytes follow the version, the version and
 * the checksum. r is then positioned after the version and ends before the
 * checksum. */
bool dl_container_open(const DlContainer *c, const void *buf, size_t len, size_t header, DlReader *r, DlError *e);
bool dl_container_recognize(const DlContainer *c, const void *head, size_t n);
/* Reads path and parses it with parse (into prog); a failure names the file. */
bool dl_container_load(const char *path, bool (*parse)(const void *buf, size_t len, void *prog, DlError *e), void *prog,
                       DlError *e);

/* --- a simulated target ------------------------------------------------------ */
typedef struct {
  const char *name; /* "pim": what its steps are "on" in cost tables */
  const DlContainer *container;
  size_t program_size; /* sizeof its program struct */
  /* timing: for the timing model only (dl_sim_cost): the target may keep
   * counts instead of its command words and no embedded module */
  bool (*compile)(MlirModule m, const char *device, bool timing, void *prog, DlError *e);
  bool (*parse)(const void *buf, size_t len, void *prog, DlError *e);
  void (*program_free)(void *prog);
  const char *(*embedded)(const void *prog, size_t *len); /* the quantized module's MLIR text */
  int (*nunits)(const void *prog);                        /* kernels / layers */
  int (*unit_step)(const void *prog, int i);              /* the plan step unit i runs */
  void *(*sim_create)(const void *prog, DlPlan *plan, DlError *e);
  void (*sim_destroy)(void *sim);
  void (*timing_only)(void *sim, bool on);
  void (*step_cost)(void *sim, int step, DlLayerCost *c); /* ns, nj (and bytes) of a step, all runs */
  bool (*report)(void *sim, FILE *f, int64_t samples);
  void (*summary)(const void *prog, void *sim, int64_t samples, FILE *f); /* dlc-run's line */
  void (*print)(FILE *f, const void *prog, DlPlan *plan);                /* --disasm */
  bool (*option)(void *sim, const char *v, DlError *e);                  /* its dlc-run option */
  bool (*write)(const char *path, const void *prog, DlError *e);         /* the binary, atomically */
  /* --emit=NAME: the device's op, each unit's op (no location, no newline)
   * and, with the detail flag, the unit's commands (one op per line). */
  void (*ir_device)(DlBuf *b, const void *prog);
  void (*ir_unit)(DlBuf *b, const void *prog, int i);
  void (*ir_detail)(DlBuf *b, const void *prog, int i);
  /* dlc --target, before the binary is written: what the device sets aside
   * for the host said now (a warning, or an error when nothing is left);
   * NULL: nothing to say. */
  bool (*check)(MlirContext ctx, const void *prog, DlError *e);
  DlTrace *(*trace)(void *sim); /* starts the timeline of the runs to come (owned by the caller) */
  const DlHtmlColumn *html;     /* dlc-run --report-html: the report's layer members shown */
  int nhtml;
  /* dlc-run --jobs, --shard and --merge: the simulator's exact totals of
   * the runs so far (a merge adds to them), its wall-clock seconds, and what
   * it keeps of the last run only (NULL: nothing; a later run's replaces it). */
  DlXSum *(*sums)(void *sim, int *n);
  double *(*wall)(void *sim);
  double *(*last)(void *sim, int *n);
} DlSimTarget;

/* A simulated target's DlSimTarget, named `sim`, over its own names: its
 * name ("pim"), its function prefix P (dl_pim: P_compile, P_parse, P_write,
 * P_sim_create, P_ir_unit, ...), its program and device types, the count and
 * the array of its units (nk, k), its dlc-run option and its check before
 * writing (or NULL); the
 * target defines step_cost, summary and html_columns (its --report-html
 * columns) before. Then the static functions
 * its DlTarget takes (DL_SIM_TARGET_MEMBERS, cost). */
#define DL_SIM_TARGET(NAME, P, Program, Device, count, units, opt, chk, lst)                                                 \
  void P##_ir_device(DlBuf *b, const void *prog);                                                                      \
  void P##_ir_unit(DlBuf *b, const void *prog, int i);                                                                 \
  void P##_ir_detail(DlBuf *b, const void *prog, int i);                                                               \
  extern const DlContainer P##bin;                                                                                      \
  static bool compile(MlirModule m, const char *device, bool timing, void *prog, DlError *e) {                        \
    Device dev;                                                                                                         \
    DlPlan *plan = P##_device_load(device, &dev, e) ? dl_plan_create(m, e) : NULL;                                     \
    bool ok = plan && P##_compile(plan, m, &dev, timing, prog, e);                                                     \
    dl_plan_destroy(plan);                                                                                              \
    return ok;                                                                                                          \
  }                                                                                                                     \
  static bool parse(const void *buf, size_t len, void *prog, DlError *e) { return P##_parse(buf, len, prog, e); }     \
  static void program_free(void *prog) { P##_program_free(prog); }                                                    \
  static const char *embedded(const void *prog, size_t *len) {                                                        \
    return *len = ((const Program *)prog)->mlir_len, ((const Program *)prog)->mlir;                                   \
  }                                                                                                                     \
  static int nunits(const void *prog) { return ((const Program *)prog)->count; }                                      \
  static int unit_step(const void *prog, int i) { return ((const Program *)prog)->units[i].step; }                    \
  static void *sim_create(const void *prog, DlPlan *plan, DlError *e) { return P##_sim_create(prog, plan, e); }       \
  static void sim_destroy(void *sim) { P##_sim_destroy(sim); }                                                        \
  static void timing_only(void *sim, bool on) { P##_sim_timing_only(sim, on); }                                       \
  static bool report(void *sim, FILE *f, int64_t samples) { return P##_sim_report(sim, f, samples); }                 \
  static DlTrace *trace(void *sim) { return P##_sim_trace(sim); }                                                     \
  static DlXSum *sums(void *sim, int *n) { return P##_sim_sums(sim, n); }                                             \
  static double *wall(void *sim) { return P##_sim_wall(sim); }                                                        \
  static void print(FILE *f, const void *prog, DlPlan *plan) { P##_print(f, prog, plan, true); }                      \
  static bool write(const char *path, const void *prog, DlError *e) { return P##_write(path, prog, e); }              \
  static const DlSimTarget sim = {NAME,        &P##bin,          sizeof(Program), compile,     parse,                  \
                                  program_free, embedded,        nunits,          unit_step,   sim_create,             \
                                  sim_destroy,  timing_only,     step_cost,       report,      summary,                \
                                  print,        opt,             write,           P##_ir_device, P##_ir_unit,          \
                                  P##_ir_detail, chk,        trace,           html_columns,                            \
                                  (int)(sizeof html_columns / sizeof *html_columns), sums, wall, lst};                \
  static bool emit(MlirModule m, const DlTargetOptions *o, DlError *e) { return dl_sim_emit(&sim, m, o, e); }         \
  static char *ir(MlirModule m, const DlTargetOptions *o, size_t *len, DlError *e) {                                  \
    return dl_sim_ir(&sim, m, o, len, e);                                                                               \
  }                                                                                                                     \
  static bool cost(MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e) {                         \
    return dl_sim_cost(&sim, m, device, out, n, e);                                                                     \
  }                                                                                                                     \
  static bool recognizes(const char *path, const void *head, size_t n) { return dl_sim_recognize(&sim, path, head, n); } \
  static bool load(const char *path, const DlRunOptions *o, DlLoaded *l, DlError *e) {                                \
    return dl_sim_load(&sim, path, o, l, e);                                                                            \
  }
/* The DlTarget members a simulated target takes from DL_SIM_TARGET. */
#define DL_SIM_TARGET_MEMBERS                                                                                          \
  .recognizes = recognizes, .load = load, .disasm = dl_sim_disasm, .finish = dl_sim_finish, .unload = dl_sim_unload,  \
  .load_worker = dl_sim_load_worker, .emit = emit, .ir = ir, .merge = dl_sim_merge,                                   \
  .stats_write = dl_sim_stats_write, .stats_merge = dl_sim_stats_merge

/* dlc --cost: each step's cost per sample from the simulator's timing model. */
bool dl_sim_cost(const DlSimTarget *t, MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e);
/* dlc --target: compiles for the device and writes the binary; a module with
 * no integer step is an error. */
bool dl_sim_emit(const DlSimTarget *t, MlirModule m, const DlTargetOptions *o, DlError *e);
/* dlc --emit=NAME: the program as the target's dialect, one op per unit
 * (and its commands with o->ir_detail), a NAME.host op per host step, each
 * with the step's location; verified by reparsing. */
char *dl_sim_ir(const DlSimTarget *t, MlirModule m, const DlTargetOptions *o, size_t *len, DlError *e);
/* The DlTarget members for dlc-run, over a DlSimTarget. */
bool dl_sim_recognize(const DlSimTarget *t, const char *path, const void *head, size_t n); /* magic or name */
bool dl_sim_load(const DlSimTarget *t, const char *path, const DlRunOptions *o, DlLoaded *l, DlError *e);
bool dl_sim_load_worker(const DlLoaded *first, DlLoaded *l, DlError *e);
bool dl_sim_disasm(FILE *f, const DlLoaded *l);
bool dl_sim_finish(const DlLoaded *l, int64_t samples, const DlRunOutputs *o, DlError *e);
void dl_sim_unload(DlLoaded *l);
/* dlc-run --jobs: adds from's totals to into's (from == NULL: none), and
 * its last run's figures when it ran the last batch (`later`). */
bool dl_sim_merge(DlLoaded *into, DlLoaded *from, bool later, DlError *e);
/* dlc-run --sim-stats-out: the totals of the runs (samples of them) as a
 * versioned file; --sim-stats: one merged after those so far (its samples
 * added to *samples), naming the file and the reason when it does not fit. */
bool dl_sim_stats_write(const DlLoaded *l, int64_t samples, const char *path, DlError *e);
bool dl_sim_stats_merge(DlLoaded *l, const char *path, int64_t *samples, DlError *e);

#endif
