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
#include "dlc/support.h"
#include "dlc/target.h"

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
  bool (*compile)(MlirModule m, const char *device, void *prog, DlError *e);
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
} DlSimTarget;

/* dlc --cost: each step's cost per sample from the simulator's timing model. */
bool dl_sim_cost(const DlSimTarget *t, MlirModule m, const char *device, DlLayerCost **out, int *n, DlError *e);
/* The DlTarget members for dlc-run, over a DlSimTarget. */
bool dl_sim_recognize(const DlSimTarget *t, const char *path, const void *head, size_t n); /* magic or name */
bool dl_sim_load(const DlSimTarget *t, const char *path, const DlRunOptions *o, DlLoaded *l, DlError *e);
bool dl_sim_disasm(FILE *f, const DlLoaded *l);
bool dl_sim_finish(const DlLoaded *l, int64_t samples, const char *report, DlError *e);
void dl_sim_unload(DlLoaded *l);

#endif
