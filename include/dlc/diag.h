/* Error reporting: a library function that fails fills a DlError and returns
 * false; the tool prints it. Nothing in lib/ prints or exits. */
#ifndef DLC_DIAG_H
#define DLC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>

typedef struct {
  char *msg; /* heap-owned; NULL when no error */
} DlError;

/* Sets (or, if already set, appends a new line to) the message. Always returns false. */
bool dl_error_set(DlError *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool dl_error_vset(DlError *e, const char *fmt, va_list ap);
void dl_error_clear(DlError *e);
/* Puts "prefix: " before the message (a file's path before what was wrong in it). Returns false. */
bool dl_error_prefix(DlError *e, const char *prefix);
static inline bool dl_error_is_set(const DlError *e) { return e && e->msg; }
/* Messages of internal errors (a bug in dlc, not in its input) begin with
 * "internal:"; tools exit 2 for them, 1 for everything else. */
static inline bool dl_error_is_internal(const DlError *e) {
  return e && e->msg && e->msg[0] == 'i' && !__builtin_strncmp(e->msg, "internal:", 9);
}

#endif
