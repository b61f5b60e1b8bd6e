/* The tools' option table (options.h). */
#include "options.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "dlc/ir.h"

bool dl_opt_str(const DlOption *o, const char *v, void *s, DlError *e) {
  if (!*v) return dl_error_set(e, "%s needs a value", o->name);
  *DL_OPT_FIELD(const char *, s, o->off) = v;
  return true;
}

bool dl_opt_flag(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)v, (void)e;
  *DL_OPT_FIELD(bool, s, o->off) = true;
  return true;
}

static bool number(const DlOption *o, const char *v, bool integer, double *x, DlError *e) {
  char *end;
  *x = strtod(v, &end);
  if (end == v || *end || !(*x >= o->lo && *x <= o->hi) || (integer && *x != (double)(long long)*x)) {
    if (o->expect) return dl_error_set(e, "bad %s '%s' (expected %s)", o->name, v, o->expect);
    return dl_error_set(e, "bad %s '%s' (expected %s within %g..%g)", o->name, v, integer ? "an integer" : "a number", o->lo,
                        o->hi);
  }
  return true;
}

bool dl_opt_i64(const DlOption *o, const char *v, void *s, DlError *e) {
  double x;
  if (!number(o, v, true, &x, e)) return false;
  *DL_OPT_FIELD(int64_t, s, o->off) = (int64_t)x;
  return true;
}

bool dl_opt_int(const DlOption *o, const char *v, void *s, DlError *e) {
  double x;
  if (!number(o, v, true, &x, e)) return false;
  *DL_OPT_FIELD(int, s, o->off) = (int)x;
  return true;
}

bool dl_opt_num(const DlOption *o, const char *v, void *s, DlError *e) {
  return number(o, v, false, DL_OPT_FIELD(double, s, o->off), e);
}

bool dl_opt_const(const DlOption *o, const char *v, void *s, DlError *e) {
  (void)v, (void)e;
  *DL_OPT_FIELD(int, s, o->off) = (int)o->lo;
  return true;
}

bool dl_opt_shard(const DlOption *o, const char *v, void *s, DlError *e) {
  char *end;
  long i = strtol(v, &end, 10), n = 0;
  bool ok = end != v && *end == '/' && end[1] >= '0' && end[1] <= '9';
  if (ok) n = strtol(end + 1, &end, 10), ok = !*end && i >= 0 && n >= 1 && i < n && n <= 1000000;
  if (!ok) return dl_error_set(e, "bad %s '%s' (expected I/N, shard I of N counted from 0: 0/4 .. 3/4)", o->name, v);
  *DL_OPT_FIELD(DlShard, s, o->off) = (DlShard){(int)i, (int)n};
  return true;
}

/* The row whose name a starts with, followed by the end or '='. */
static const DlOption *find(const DlOptionTable *tables, const char *a, int *index, size_t *base) {
  int i = 0;
  for (int t = 0; tables[t].rows; t++)
    for (const DlOption *o = tables[t].rows; o->name; o++, i++) {
      size_t n = strlen(o->name);
      if (o->parse && !strncmp(a, o->name, n) && (a[n] == 0 || a[n] == '=')) return *index = i, *base = tables[t].base, o;
    }
  return NULL;
}

int dl_option_index(const DlOptionTable *tables, const char *name) {
  int i = 0;
  for (int t = 0; tables[t].rows; t++)
    for (const DlOption *o = tables[t].rows; o->name; o++, i++)
      if (!strcmp(o->name, name)) return i;
  return -1;
}

bool dl_options_parse(const DlOptionTable *tables, int argc, char **argv, void *settings, const char **pos, int max,
                      int *npos, int *seen, DlError *e) {
  *npos = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || !a[1]) {
      if (*npos == max) return dl_error_set(e, "unexpected argument '%s'", a);
      pos[(*npos)++] = a;
      continue;
    }
    int k;
    size_t base;
    const DlOption *o = find(tables, a, &k, &base);
    if (!o) return dl_error_set(e, "unknown option '%s' (see --help)", a);
    const char *eq = a + strlen(o->name), *v = NULL;
    if (*eq == '=' && !o->arg && !o->optional_arg) return dl_error_set(e, "%s takes no value", o->name);
    if (*eq == '=') v = eq + 1;
    else if (o->arg) {
      if (++i == argc) return dl_error_set(e, "%s needs a value (%s %s or %s=%s)", o->name, o->name, o->arg, o->name, o->arg);
      v = argv[i];
    }
    seen[k]++;
    if (!o->parse(o, v, (char *)settings + base, e)) return false;
  }
  return true;
}

bool dl_options_check(const DlOptionTable *tables, const int *seen, DlError *e) {
  int i = 0;
  for (int t = 0; tables[t].rows; t++)
    for (const DlOption *o = tables[t].rows; o->name; o++, i++) {
      if (!seen[i] || !o->needs) continue;
      char need[128];
      bool ok = false;
      for (const char *p = o->needs; *p && !ok;) {
        size_t n = strcspn(p, " ");
        snprintf(need, sizeof need, "%.*s", (int)n, p);
        int k = dl_option_index(tables, need);
        ok = k >= 0 && seen[k];
        p += n + (p[n] == ' ');
      }
      if (!ok) {
        char list[256];
        snprintf(list, sizeof list, "%s", o->needs);
        for (char *c = list; *c; c++)
          if (*c == ' ') *c = '|';
        return dl_error_set(e, "%s does nothing without %s", o->name, list);
      }
    }
  return true;
}

void dl_options_help(FILE *f, const DlOptionTable *tables) {
  for (int t = 0; tables[t].rows; t++)
    for (const DlOption *o = tables[t].rows; o->name; o++) {
      if (!o->parse) {
        fprintf(f, "%s\n", o->name);
        continue;
      }
      char head[96];
      snprintf(head, sizeof head, "  %s%s%s", o->name, o->arg ? (o->name[1] == '-' ? "=" : " ") : "", o->arg ? o->arg : "");
      const char *h = o->help;
      size_t n = strcspn(h, "\n");
      if (strlen(head) < 26) fprintf(f, "%-26s %.*s\n", head, (int)n, h);
      else fprintf(f, "%s\n%-26s %.*s\n", head, "", (int)n, h);
      for (h += n; *h == '\n'; h += n) {
        h++;
        n = strcspn(h, "\n");
        fprintf(f, "%-26s %.*s\n", "", (int)n, h);
      }
    }
}

const DlOption dl_common_options[] = {
    {"-o", "FILE", "output file (default: stdout); written atomically", dl_opt_str, offsetof(DlCommonOptions, out)},
    {"--help", NULL, "this text", dl_opt_flag, offsetof(DlCommonOptions, help)},
    {"-h", NULL, "this text", dl_opt_flag, offsetof(DlCommonOptions, help)},
    {"--version", NULL, "the version", dl_opt_flag, offsetof(DlCommonOptions, version)},
    {NULL},
};

const DlOption dl_print_options[] = {
    {"--print-generic", NULL, "print every op in generic form", dl_opt_flag, offsetof(DlCommonOptions, print_generic)},
    {"--print-loc", NULL, "print locations (ONNX node names; the default when -o names a\nfile, so a later tool's errors and reports name the nodes)", dl_opt_const,
     offsetof(DlCommonOptions, print_loc), 1},
    {"--no-print-loc", NULL, "print no locations", dl_opt_const, offsetof(DlCommonOptions, print_loc), 0},
    {NULL},
};

unsigned dl_print_flags(const DlCommonOptions *c) {
  unsigned f = c->print_generic ? DL_PRINT_GENERIC : 0;
  if (c->print_loc == 1 || (c->print_loc < 0 && c->out && strcmp(c->out, "-"))) f |= DL_PRINT_LOC;
  return f;
}

void dl_tool_heap(void) {
  /* glibc: blocks below 32 MB (its largest fixed threshold) from the heap,
   * which is never trimmed (no padding of its growth: that would be address
   * space, which `ulimit -v` bounds; test/quant/calib-stream.test) */
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, INT32_MAX);
}
