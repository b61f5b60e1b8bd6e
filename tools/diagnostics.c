/* dlc-opt's diagnostics (diagnostics.h). */
#include "diagnostics.h"

#include <stdlib.h>
#include <string.h>

#include "dlc/support.h"

static const char *const severity_name[] = {"error", "warning", "note", "remark"};

/* The first file:line:col inside loc (a name's child, a call's callee, a
 * fused location's parts), as MLIR's own source manager picks it. */
static bool file_loc(MlirLocation l, MlirStringRef *file, int *line, int *col) {
  if (mlirLocationIsAFileLineColRange(l)) {
    *file = mlirIdentifierStr(mlirLocationFileLineColRangeGetFilename(l));
    *line = mlirLocationFileLineColRangeGetStartLine(l);
    *col = mlirLocationFileLineColRangeGetStartColumn(l);
    return true;
  }
  if (mlirLocationIsAName(l)) return file_loc(mlirLocationNameGetChildLoc(l), file, line, col);
  if (mlirLocationIsACallSite(l)) return file_loc(mlirLocationCallSiteGetCallee(l), file, line, col);
  if (mlirLocationIsAFused(l)) {
    intptr_t n = mlirLocationFusedGetNumLocations(l);
    MlirLocation *parts = malloc(sizeof *parts * (size_t)(n ? n : 1));
    mlirLocationFusedGetLocations(l, parts);
    bool found = false;
    for (intptr_t i = 0; i < n && !found; i++) found = file_loc(parts[i], file, line, col);
    free(parts);
    return found;
  }
  return false;
}

/* Line `line` (from 1) of the input, or NULL; *n its length. */
static const char *source_line(const DlSourceDiag *d, int line, size_t *n) {
  const char *p = d->src, *end = d->src + d->len;
  if (line < 1) return NULL;
  for (int l = 1; l < line && p; l++) {
    p = memchr(p, '\n', (size_t)(end - p));
    if (p) p++;
  }
  if (!p || p >= end) return NULL;
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  *n = (size_t)((nl ? nl : end) - p);
  return p;
}

/* "NAME:LINE:COL: SEVERITY: msg", the source line and a caret under COL. */
static void print_at(const DlSourceDiag *d, int line, int col, const char *severity, const char *msg) {
  fprintf(stderr, "%s:%d:%d: %s: %s\n", d->name, line, col, severity, msg);
  size_t n;
  const char *s = source_line(d, line, &n);
  if (!s) return;
  fprintf(stderr, "%.*s\n%*s^\n", (int)n, s, col > 1 ? col - 1 : 0, "");
}

static void to_buf(MlirStringRef s, void *u) { dl_buf_append(u, s.data, s.length); }

/* One diagnostic (not its notes): printed, or recorded for the check. */
static void one(DlSourceDiag *d, MlirDiagnostic g) {
  DlBuf msg = {0};
  mlirDiagnosticPrint(g, to_buf, &msg);
  dl_buf_append(&msg, "", 0);
  int sev = (int)mlirDiagnosticGetSeverity(g), line = 0, col = 0;
  MlirStringRef file;
  MlirLocation loc = mlirDiagnosticGetLocation(g);
  bool here = file_loc(loc, &file, &line, &col) && file.length == strlen(d->name) && !memcmp(file.data, d->name, file.length);
  if (d->verify) {
    /* mlir-opt does not attach the op to diagnostics when verifying them */
    if (sev == MlirDiagnosticNote && !strncmp(msg.data, "see current operation:", 22)) return dl_buf_free(&msg);
    if (d->nseen == d->cap) d->seen = realloc(d->seen, sizeof *d->seen * (size_t)(d->cap = d->cap ? 2 * d->cap : 16));
    d->seen[d->nseen++] = (DlSeenDiag){sev, here ? line : 0, here ? col : 0, msg.data};
    return;
  }
  if (here) {
    print_at(d, line, col, severity_name[sev], msg.data);
  } else if (file_loc(loc, &file, &line, &col)) {
    fprintf(stderr, "%.*s:%d:%d: %s: %s\n", (int)file.length, file.data, line, col, severity_name[sev], msg.data);
  } else {
    char where[512];
    dl_location_str(loc, where, sizeof where);
    fprintf(stderr, "%s: %s: %s%s%s\n", d->prog, severity_name[sev], where, where[0] ? ": " : "", msg.data);
  }
  dl_buf_free(&msg);
}

static MlirLogicalResult handle(MlirDiagnostic g, void *u) {
  DlSourceDiag *d = u;
  static const char single[] = "source must contain a single top-level operation";
  if (d->quiet) return mlirLogicalResultSuccess();
  DlBuf msg = {0};
  mlirDiagnosticPrint(g, to_buf, &msg);
  bool retry = msg.data && !strncmp(msg.data, single, sizeof single - 1);
  dl_buf_free(&msg);
  if (retry) { /* the caller parses again inside a module */
    d->single_top = true;
    return mlirLogicalResultSuccess();
  }
  one(d, g);
  for (intptr_t i = 0; i < mlirDiagnosticGetNumNotes(g); i++) one(d, mlirDiagnosticGetNote(g, i));
  return mlirLogicalResultSuccess();
}

MlirDiagnosticHandlerID dl_source_diag_attach(MlirContext ctx, DlSourceDiag *d) {
  return mlirContextAttachDiagnosticHandler(ctx, handle, d, NULL);
}

typedef struct {
  int severity, line, col; /* col: where the comment's expected- is */
  int at;                  /* the line it expects a diagnostic on; 0: no location */
  char text[512];
  bool met;
} Expect;

/* The expected-* comment in line s[0, n) (line number line), if any:
 * expected-SEVERITY[@+N|@-N|@unknown] {{text}}. */
static bool parse_expect(const char *s, size_t n, int line, Expect *x) {
  const char *end = s + n, *p = s;
  for (;;) {
    while (p + 9 <= end && memcmp(p, "expected-", 9)) p++;
    if (p + 9 > end) return false;
    const char *k = p + 9;
    int sev = -1;
    for (int i = 0; i < 4; i++) {
      size_t len = strlen(severity_name[i]);
      if ((size_t)(end - k) >= len && !memcmp(k, severity_name[i], len)) sev = i, k += len;
    }
    p += 9;
    if (sev < 0) continue;
    *x = (Expect){sev, line, (int)(p - 9 - s) + 1, line, "", false};
    while (k < end && *k == ' ') k++;
    if (k < end && *k == '@') {
      k++;
      if ((size_t)(end - k) >= 7 && !memcmp(k, "unknown", 7)) {
        x->at = 0, k += 7;
      } else if (k < end && (*k == '+' || *k == '-')) {
        char *stop;
        long off = strtol(k, &stop, 10);
        x->at = line + (int)off, k = stop;
      } else {
        continue;
      }
    }
    while (k < end && *k == ' ') k++;
    if ((size_t)(end - k) < 4 || memcmp(k, "{{", 2)) continue;
    k += 2;
    const char *close = NULL;
    for (const char *q = k; q + 1 < end; q++)
      if (q[0] == '}' && q[1] == '}') close = q;
    if (!close) continue;
    snprintf(x->text, sizeof x->text, "%.*s", (int)(close - k), k);
    return true;
  }
}

bool dl_source_diag_check(DlSourceDiag *d, size_t begin, size_t end) {
  Expect *ex = NULL;
  int nex = 0, cap = 0, line = 1;
  for (size_t i = 0; i < begin; i++) line += d->src[i] == '\n';
  for (size_t i = begin; i < end; line++) {
    const char *s = d->src + i, *nl = memchr(s, '\n', end - i);
    size_t n = (size_t)((nl ? nl : d->src + end) - s);
    if (nex == cap) ex = realloc(ex, sizeof *ex * (size_t)(cap = cap ? 2 * cap : 16));
    if (parse_expect(s, n, line, &ex[nex])) nex++;
    i += n + 1;
  }
  bool ok = true;
  for (int j = 0; j < d->nseen; j++) {
    DlSeenDiag *g = &d->seen[j];
    int k = 0;
    while (k < nex && (ex[k].met || ex[k].severity != g->severity || ex[k].at != g->line || !strstr(g->msg, ex[k].text))) k++;
    if (k < nex) {
      ex[k].met = true;
      continue;
    }
    ok = false;
    char what[64];
    snprintf(what, sizeof what, "unexpected %s: ", severity_name[g->severity]);
    DlBuf m = {0};
    dl_buf_printf(&m, "%s%s", what, g->msg);
    if (g->line) print_at(d, g->line, g->col, "error", m.data);
    else fprintf(stderr, "%s: error: %s (at no location in %s)\n", d->prog, m.data, d->name);
    dl_buf_free(&m);
  }
  for (int k = 0; k < nex; k++)
    if (!ex[k].met) {
      ok = false;
      DlBuf m = {0};
      dl_buf_printf(&m, "expected %s \"%s\" was not produced", severity_name[ex[k].severity], ex[k].text);
      print_at(d, ex[k].line, ex[k].col, "error", m.data);
      dl_buf_free(&m);
    }
  free(ex);
  for (int j = 0; j < d->nseen; j++) free(d->seen[j].msg);
  d->nseen = 0;
  return ok;
}

void dl_source_diag_free(DlSourceDiag *d) {
  for (int j = 0; j < d->nseen; j++) free(d->seen[j].msg);
  free(d->seen);
  d->seen = NULL;
  d->nseen = d->cap = 0;
}
