/* Running generated C: compiles model.c into a shared object with the system
 * C compiler ($CC, default cc) and loads it. For dlc-run and tests. */
#ifndef DLC_CMODEL_H
#define DLC_CMODEL_H

#include "dlc/diag.h"
#include "dlc/tensor.h"

typedef struct DlCModel DlCModel;

/* c_path is a file written by --target=c; its model name is the file's stem
 * unless `name` is given. extra_cflags (may be NULL) are appended, e.g. "-O0". */
DlCModel *dl_cmodel_load(const char *c_path, const char *name, const char *extra_cflags, DlError *e);
void dl_cmodel_destroy(DlCModel *m);
int dl_cmodel_num_inputs(const DlCModel *m);
int dl_cmodel_num_outputs(const DlCModel *m);
const DlShape *dl_cmodel_input_shape(const DlCModel *m, int i);
const DlShape *dl_cmodel_output_shape(const DlCModel *m, int i);
size_t dl_cmodel_arena_bytes(const DlCModel *m);
/* Runs once; outputs[i] must hold dl_cmodel_output_shape(m, i). */
bool dl_cmodel_run(DlCModel *m, const void *const *inputs, void *const *outputs);

#endif
