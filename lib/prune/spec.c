/* Pruning settings as text: the --prune spec and the method names, shared by
 * the pass, --config and the tools. */
#include <stdlib.h>
#include <string.h>

#include "dlc/prune.h"

static const struct {
  const char *name;
  DlPruneMethod m;
} methods[] = {{"unstructured", DL_PRUNE_UNSTRUCTURED},
               {"nm", DL_PRUNE_NM},
               {"rows", DL_PRUNE_ROWS},
               {"cols", DL_PRUNE_COLS},
               {"filters", DL_PRUNE_FILTERS},
               {"blocks", DL_PRUNE_BLOCKS}};

bool dl_prune_spec_parse(const char *spec, DlPruneSettings *s, DlError *e) {
  const char *colon = strchr(spec, ':');
  int mi = -1;
  for (int i = 0; colon && i < (int)(sizeof methods / sizeof methods[0]); i++)
    if (strlen(methods[i].name) == (size_t)(colon - spec) &&
        !strncmp(spec, methods[i].name, (size_t)(colon - spec)))
      mi = i;
  char *end = NULL;
  if (mi >= 0 && methods[mi].m == DL_PRUNE_NM) {
    long n = strtol(colon + 1, &end, 10), m = 0;
    if (*end == ':') m = strtol(end + 1, &end, 10);
    if (!*end && n >= 1 && n < m && m <= 64) {
      s->method = DL_PRUNE_NM, s->n = (int)n, s->m = (int)m, s->ratio = 1 - (double)n / (double)m;
      return true;
    }
  } else if (mi >= 0) {
    double r = strtod(colon + 1, &end);
    long bn = 16, bk = 16;
    if (methods[mi].m == DL_PRUNE_BLOCKS && end != colon + 1 && *end == ':') { /* the block shape */
      const char *shape = end + 1;
      bn = strtol(shape, &end, 10);
      if (end == shape || (*end != 'x' && *end != 'X')) bn = 0;
      else shape = end + 1, bk = strtol(shape, &end, 10), bk = end == shape ? 0 : bk;
    }
    if (end != colon + 1 && !*end && r >= 0 && r < 1 && bn >= 1 && bn <= 4096 && bk >= 1 && bk <= 4096) {
      s->method = methods[mi].m, s->ratio = r, s->bn = (int)bn, s->bk = (int)bk;
      return true;
    }
  }
  return dl_error_set(
      e,
      "bad prune spec '%s' (expected unstructured:R, rows:R, cols:R or filters:R with 0 <= R < 1, "
      "nm:N:M with 1 <= N < M <= 64, or blocks:R[:BNxBK] with blocks of 1..4096 outputs x inputs)",
      spec);
}

const char *dl_prune_method_name(DlPruneMethod m) {
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    if (methods[i].m == m) return methods[i].name;
  return "?";
}
