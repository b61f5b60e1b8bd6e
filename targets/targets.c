/* The list of targets (targets.def), each defined by its own directory. */
#include <stdio.h>
#include <string.h>

#include "dlc/target.h"

#define DL_TARGET(id) extern const DlTarget dl_target_##id;
#include "targets.def"
#undef DL_TARGET

static const DlTarget *const targets[] = {
#define DL_TARGET(id) &dl_target_##id,
#include "targets.def"
#undef DL_TARGET
};
enum { NTARGETS = sizeof targets / sizeof targets[0] };

const DlTarget *dl_target_at(int i) { return i >= 0 && i < NTARGETS ? targets[i] : NULL; }

const DlTarget *dl_target_lookup(const char *name) {
  for (int i = 0; i < NTARGETS; i++)
    if (!strcmp(targets[i]->name, name)) return targets[i];
  return NULL;
}

const char *dl_target_names(void) {
  static char names[256];
  if (!names[0])
    for (int i = 0; i < NTARGETS; i++)
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", targets[i]->name);
  return names;
}

const DlTarget *dl_target_recognize(const char *path) {
  char head[16] = {0};
  size_t n = 0;
  FILE *f = fopen(path, "rb");
  if (f) n = fread(head, 1, sizeof head, f), fclose(f);
  for (int i = 0; i < NTARGETS; i++)
    if (targets[i]->recognizes && targets[i]->recognizes(path, head, n)) return targets[i];
  return NULL;
}
