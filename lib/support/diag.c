#include "dlc/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool dl_error_vset(DlError *e, const char *fmt, va_list ap) {
  if (!e) return false;
  char buf[2048];
  vsnprintf(buf, sizeof buf, fmt, ap);
  size_t old = e->msg ? strlen(e->msg) : 0, add = strlen(buf);
  char *m = realloc(e->msg, old + add + 2);
  if (!m) return false;
  if (old) m[old++] = '\n';
  memcpy(m + old, buf, add + 1);
  e->msg = m;
  return false;
}

bool dl_error_set(DlError *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  dl_error_vset(e, fmt, ap);
  va_end(ap);
  return false;
}

void dl_error_clear(DlError *e) {
  if (!e) return;
  free(e->msg);
  e->msg = NULL;
}

bool dl_error_prefix(DlError *e, const char *prefix) {
  if (!e || !e->msg) return false;
  char *old = e->msg;
  e->msg = NULL;
  dl_error_set(e, "%s: %s", prefix, old);
  free(old);
  return false;
}
