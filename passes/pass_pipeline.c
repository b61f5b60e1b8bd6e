/* Textual pass pipelines (dlc-opt --pass-pipeline, --PASS[=OPTS], dlc
 * --passes): parsed against the pass table, run by MLIR's pass manager with
 * mlir-opt's reports. */
#include <stdlib.h>
#include <string.h>

#include "dlc/passes.h"

enum { MAX_ARGS = 32 };

typedef struct {
  const DlPassInfo *pass;
  bool in_func; /* inside func.func(...) */
  int nargs;
  const DlPassOption *opt[MAX_ARGS];
  char *value[MAX_ARGS];
} Step;

struct DlPipeline {
  Step *steps;
  int n, cap;
};

DlPipeline *dl_pipeline_create(void) { return calloc(1, sizeof(DlPipeline)); }

static void steps_free(Step *s, int n) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < s[i].nargs; j++) free(s[i].value[j]);
}

void dl_pipeline_destroy(DlPipeline *p) {
  if (!p) return;
  steps_free(p->steps, p->n);
  free(p->steps);
  free(p);
}

int dl_pipeline_size(const DlPipeline *p) { return p->n; }

/* The parser's position in text; errors name the text and the column. */
typedef struct {
  const char *text;
  size_t at;
  DlPipeline *out;
  DlError *e;
} Parser;

static void skip_ws(Parser *p) {
  while (p->text[p->at] == ' ' || p->text[p->at] == '\t' || p->text[p->at] == '\n') p->at++;
}

static bool syntax(Parser *p, const char *what) {
  return dl_error_set(p->e, "bad pass pipeline '%s': expected %s at column %zu", p->text, what, p->at + 1);
}

static bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* A pass, option or anchor name into buf. */
static bool name(Parser *p, char *buf, size_t n, const char *what) {
  skip_ws(p);
  size_t b = p->at;
  while (is_name_char(p->text[p->at])) p->at++;
  if (p->at == b) return syntax(p, what);
  if (p->at - b >= n) return dl_error_set(p->e, "bad pass pipeline '%s': name too long at column %zu", p->text, b + 1);
  memcpy(buf, p->text + b, p->at - b);
  buf[p->at - b] = 0;
  return true;
}

static bool same_key(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_'))) return false;
  return *a == *b;
}

const DlPassOption *dl_pass_option_lookup(const DlPassInfo *pass, const char *key) {
  for (int i = 0; i < pass->noptions; i++)
    if (same_key(key, pass->options[i].name)) return &pass->options[i];
  return NULL;
}

/* An option value: '...', "...", {...} (braces balanced), or up to a space,
 * '}' or ','. Newly allocated. */
static char *value(Parser *p) {
  const char *t = p->text;
  size_t b = p->at, len;
  if (t[b] == '\'' || t[b] == '"') {
    const char *close = strchr(t + b + 1, t[b]);
    if (!close) return syntax(p, "a closing quote"), NULL;
    len = (size_t)(close - t) - b - 1, b++;
    p->at = (size_t)(close - t) + 1;
  } else if (t[b] == '{') {
    int depth = 0;
    size_t i = b;
    do depth += (t[i] == '{') - (t[i] == '}');
    while (t[i] && depth && ++i);
    if (depth) return syntax(p, "'}' closing the value"), NULL;
    len = i - b - 1, b++;
    p->at = i + 1;
  } else {
    while (t[p->at] && t[p->at] != ' ' && t[p->at] != '}' && t[p->at] != ',') p->at++;
    len = p->at - b;
  }
  char *v = malloc(len + 1);
  memcpy(v, t + b, len);
  v[len] = 0;
  return v;
}

bool dl_pass_option_check(const DlPassInfo *pass, const DlPassOption *o, const char *v, DlError *e) {
  char *end;
  double x;
  switch (o->kind) {
  case DL_PASS_OPT_INT:
  case DL_PASS_OPT_FLOAT:
    x = strtod(v, &end);
    if (end != v && !*end && x >= o->lo && x <= o->hi && (o->kind == DL_PASS_OPT_FLOAT || x == (double)(long long)x))
      return true;
    return dl_error_set(e, "pass '%s': bad %s '%s' (expected %s within %g..%g)", pass->flag, o->name, v,
                        o->kind == DL_PASS_OPT_INT ? "an integer" : "a number", o->lo, o->hi);
  case DL_PASS_OPT_BOOL:
    if (!strcmp(v, "true") || !strcmp(v, "false") || !strcmp(v, "1") || !strcmp(v, "0")) return true;
    return dl_error_set(e, "pass '%s': bad %s '%s' (expected true or false)", pass->flag, o->name, v);
  case DL_PASS_OPT_STR:
    if (!o->choices) return true;
    for (const char *c = o->choices; *c;) {
      size_t n = strcspn(c, "|");
      if (strlen(v) == n && !strncmp(c, v, n)) return true;
      c += n + (c[n] == '|');
    }
    return dl_error_set(e, "pass '%s': bad %s '%s' (expected one of %s)", pass->flag, o->name, v, o->choices);
  }
  return false;
}

static bool unknown_option(Parser *p, const DlPassInfo *pass, const char *key) {
  if (!pass->noptions) return dl_error_set(p->e, "pass '%s' has no options (given '%s')", pass->flag, key);
  DlBuf b = {0};
  for (int i = 0; i < pass->noptions; i++) dl_buf_printf(&b, "%s%s", i ? ", " : "", pass->options[i].name);
  dl_error_set(p->e, "pass '%s' has no option '%s' (its options: %s)", pass->flag, key, b.data);
  dl_buf_free(&b);
  return false;
}

/* {key=value ...} after a pass name, into s. */
static bool options(Parser *p, Step *s) {
  p->at++; /* '{' */
  for (;;) {
    skip_ws(p);
    if (p->text[p->at] == '}') return p->at++, true;
    char key[64];
    if (!name(p, key, sizeof key, "an option name or '}'")) return false;
    const DlPassOption *o = dl_pass_option_lookup(s->pass, key);
    if (!o) return unknown_option(p, s->pass, key);
    skip_ws(p);
    if (p->text[p->at] != '=') return syntax(p, "'=' after the option name");
    p->at++;
    char *v = value(p);
    if (!v) return false;
    if (!dl_pass_option_check(s->pass, o, v, p->e)) return free(v), false;
    int k = 0;
    while (k < s->nargs && s->opt[k] != o) k++; /* given again: the last one counts */
    if (k == MAX_ARGS) return free(v), dl_error_set(p->e, "pass '%s': too many options", s->pass->flag);
    if (k < s->nargs) free(s->value[k]);
    else s->nargs++;
    s->opt[k] = o, s->value[k] = v;
  }
}

static bool list(Parser *p, bool in_func, int depth);

/* One element: a pass with its options, or an anchor with its list. */
static bool element(Parser *p, bool in_func, int depth) {
  char id[64];
  if (!name(p, id, sizeof id, "a pass name")) return false;
  skip_ws(p);
  bool module = !strcmp(id, "builtin.module"), func = !strcmp(id, "func.func");
  if (module || func) {
    if (p->text[p->at] != '(') return syntax(p, "'(' after the anchor");
    if (module && (in_func || depth))
      return dl_error_set(p->e, "bad pass pipeline '%s': builtin.module only at the top (column %zu)", p->text, p->at);
    p->at++;
    if (!list(p, in_func || func, depth + 1)) return false;
    skip_ws(p);
    if (p->text[p->at] != ')') return syntax(p, "')'");
    p->at++;
    return true;
  }
  const DlPassInfo *pass = dl_pass_lookup(id);
  if (!pass) return dl_error_set(p->e, "unknown pass '%s' in pass pipeline '%s' (see dlc-opt --list-passes)", id, p->text);
  DlPipeline *o = p->out;
  if (o->n == o->cap) o->steps = realloc(o->steps, sizeof *o->steps * (size_t)(o->cap = o->cap ? 2 * o->cap : 8));
  Step *s = &o->steps[o->n++];
  *s = (Step){pass, in_func, 0, {0}, {0}};
  if (p->text[p->at] == '{') return options(p, s);
  return true;
}

static bool list(Parser *p, bool in_func, int depth) {
  skip_ws(p);
  if (depth && p->text[p->at] == ')') return true; /* an empty anchor */
  for (;;) {
    if (!element(p, in_func, depth)) return false;
    skip_ws(p);
    if (p->text[p->at] != ',') return true;
    p->at++;
  }
}

bool dl_pipeline_parse(DlPipeline *out, const char *text, DlError *e) {
  int n0 = out->n;
  Parser p = {text, 0, out, e};
  bool ok = list(&p, false, 0);
  skip_ws(&p);
  if (ok && text[p.at]) ok = syntax(&p, text[p.at] == ')' ? "no ')' without its '('" : "',' or the end");
  if (!ok) {
    steps_free(out->steps + n0, out->n - n0);
    out->n = n0;
  }
  return ok;
}

void dl_pipeline_print(const DlPipeline *p, DlBuf *b) {
  dl_buf_printf(b, "builtin.module(");
  for (int i = 0; i < p->n; i++) {
    const Step *s = &p->steps[i];
    bool open = s->in_func && (!i || !p->steps[i - 1].in_func), close = s->in_func && (i + 1 == p->n || !p->steps[i + 1].in_func);
    dl_buf_printf(b, "%s%s%s", i ? "," : "", open ? "func.func(" : "", s->pass->flag);
    for (int j = 0; j < s->nargs; j++) {
      const char *v = s->value[j];
      bool quote = !*v || strpbrk(v, " ,{}'\"");
      dl_buf_printf(b, "%s%s=%s%s%s", j ? " " : "{", s->opt[j]->name, quote ? "{" : "", v, quote ? "}" : "");
    }
    dl_buf_printf(b, "%s%s", s->nargs ? "}" : "", close ? ")" : "");
  }
  dl_buf_printf(b, ")");
}

/* The attribute an option's value becomes (its kind checked when parsed). */
static MlirAttribute option_attr(MlirContext ctx, const DlPassOption *o, const char *v) {
  switch (o->kind) {
  case DL_PASS_OPT_INT: return mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), (int64_t)strtod(v, NULL));
  case DL_PASS_OPT_FLOAT: return mlirFloatAttrDoubleGet(ctx, mlirF64TypeGet(ctx), strtod(v, NULL));
  case DL_PASS_OPT_BOOL: return mlirBoolAttrGet(ctx, !strcmp(v, "true") || !strcmp(v, "1"));
  case DL_PASS_OPT_STR: break;
  }
  return mlirStringAttrGet(ctx, dl_str(v));
}

bool dl_pipeline_run(const DlPipeline *p, MlirModule mod, const DlPipelineReport *r, DlError *e) {
  MlirContext ctx = mlirModuleGetContext(mod);
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  if (r && (r->print_before || r->print_after)) {
    MlirOpPrintingFlags f = mlirOpPrintingFlagsCreate();
    if (r->print_flags & DL_PRINT_GENERIC) mlirOpPrintingFlagsPrintGenericOpForm(f);
    if (r->print_flags & DL_PRINT_LOC) mlirOpPrintingFlagsEnableDebugInfo(f, true, false);
    mlirPassManagerEnableIRPrinting(pm, r->print_before, r->print_after, false, false, false, f, dl_str(""));
    mlirOpPrintingFlagsDestroy(f);
  }
  if (r && r->timing) mlirPassManagerEnableTiming(pm);
  for (int i = 0; i < p->n; i++) {
    const Step *s = &p->steps[i];
    MlirNamedAttribute kv[MAX_ARGS];
    for (int j = 0; j < s->nargs; j++)
      kv[j] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, dl_str(s->opt[j]->name)), option_attr(ctx, s->opt[j], s->value[j]));
    MlirPass pass = s->pass->create(kv, s->nargs);
    if (s->pass->anchor || s->in_func)
      mlirOpPassManagerAddOwnedPass(mlirPassManagerGetNestedUnder(pm, dl_str("func.func")), pass);
    else
      mlirPassManagerAddOwnedPass(pm, pass);
  }
  bool ok = !mlirLogicalResultIsFailure(mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(mod)));
  if (!ok) {
    DlBuf b = {0};
    dl_pipeline_print(p, &b);
    dl_error_set(e, "pass pipeline '%s' failed", b.data);
    dl_buf_free(&b);
  }
  mlirPassManagerDestroy(pm);
  return ok;
}

bool dl_run_pipeline(MlirModule mod, const char *list, DlError *e) {
  DlPipeline *p = dl_pipeline_create();
  bool ok = dl_pipeline_parse(p, list, e) && dl_pipeline_run(p, mod, NULL, e);
  dl_pipeline_destroy(p);
  return ok;
}
