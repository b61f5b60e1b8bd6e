/* --input-shape specifications: "name=DIMSxDIMS,name=..." checked as a whole
 * before any model reads them, so every tool refuses the same mistakes. */
#include <stdlib.h>
#include <string.h>

#include "dlc/support.h"
#include "dlc/tensor.h"

bool dl_shape_spec_check(const char *spec, bool allow_zero, DlError *e) {
  for (const char *p = spec; p && *p;) {
    const char *eq = strchr(p, '='), *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    if (!eq || eq > end || eq == p)
      return dl_error_set(e, "--input-shape: expected name=DIMS, found '%.*s'", (int)(end - p), p);
    int nl = (int)(eq - p), r = 0;
    for (const char *q = spec; q < p;) { /* an earlier entry with the same name */
      const char *qe = strchr(q, '='), *qend = strchr(q, ',');
      if (qe - q == nl && !strncmp(q, p, (size_t)nl))
        return dl_error_set(e, "--input-shape: '%.*s' is given twice", nl, p);
      q = qend + 1;
    }
    for (const char *q = eq + 1;; q++) {
      char *stop;
      long long d = strtoll(q, &stop, 10);
      if (stop == q || (*stop != 'x' && stop != end) || *q == '-' || *q == '+' || *q == ' ')
        return dl_error_set(e, "--input-shape: bad dimensions '%.*s' for '%.*s' (expected e.g. 1x3x224x224)",
                            (int)(end - eq - 1), eq + 1, nl, p);
      if (d < !allow_zero || d > (1ll << 31))
        return dl_error_set(e, "--input-shape: '%.*s' dimension %d is %lld (dimensions must be within %d..2^31)", nl, p,
                            r, d, !allow_zero);
      if (++r > DL_MAX_RANK)
        return dl_error_set(e, "--input-shape: '%.*s' has more than %d dimensions", nl, p, DL_MAX_RANK);
      q = stop;
      if (q == end) break;
    }
    p = *end ? end + 1 : end;
  }
  return true;
}
