/* The import options of dlc and dlc-run (frontend.h). */
#include "frontend.h"

#include <string.h>

static bool opt_shape(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)o;
  DlFrontOptions *f = s;
  if (!*v) return dl_error_set(e, "--input-shape needs NAME=DIMS");
  if (strlen(f->shape_buf) + strlen(v) + 2 > sizeof f->shape_buf) return dl_error_set(e, "--input-shape too long");
  if (f->shape_buf[0]) strcat(f->shape_buf, ",");
  strcat(f->shape_buf, v);
  f->input_shapes = f->shape_buf;
  return true; /* the whole spec is checked once parsed (a name given twice) */
}

const DlOption dl_front_options[] = {
    {"import:"},
    {"--input-shape", "NAME=DIMS", "fix a dynamic input shape, e.g. input=1x3x224x224\n(repeat or separate with commas; a dynamic batch\ndimension defaults to 1)", opt_shape},
    {"--passes", "P1,P2,...", "run these passes after import (see dlc-opt --list-passes)", dl_opt_str, offsetof(DlFrontOptions, passes)},
    {"--no-fold-qdq", NULL, "keep an already-quantized (QDQ / QOperator) model's\nquantization as float ops instead of integer ones", dl_opt_flag,
     offsetof(DlFrontOptions, no_fold_qdq)},
    {NULL},
};
