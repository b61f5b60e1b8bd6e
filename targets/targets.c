#include <string.h>

#include "dlc/target.h"

static const DlTarget targets[] = {
#define DL_TARGET(id, name, summary) {name, summary, dl_target_##id##_emit},
#include "targets.def"
#undef DL_TARGET
};

const DlTarget *dl_target_list(int *n) {
  *n = (int)(sizeof targets / sizeof targets[0]);
  return targets;
}

const DlTarget *dl_target_lookup(const char *name) {
  for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
    if (!strcmp(targets[i].name, name)) return &targets[i];
  return NULL;
}
