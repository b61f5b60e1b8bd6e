/* ONNX Loop and Scan, unrolled at import: qg has no control flow, but when the
 * number of iterations is known at compile time the body can be imported once
 * per iteration, each time with its inputs bound to the previous iteration's
 * results (entry_scope_begin/end hide the body's names between iterations).
 * Its initializers are decoded once, before the first iteration.
 *
 * Loop: the trip count M must be a compile-time constant; the condition, when
 * given, must fold to a constant in every iteration (a loop that stops early on
 * a constant condition is fine; one decided by data is an error naming the
 * node). Scan outputs are stacked along a new first axis.
 * Scan (opset 9+): the scan inputs are sliced along their axes (either
 * direction), the scan outputs stacked along theirs. Scan 8 (a batch axis first,
 * scan along axis 1, optional sequence_lens that must be the full length) runs
 * the body per batch element. */
#include <stdlib.h>
#include <string.h>

#include "import_internal.h"

#define MAX_ITER 4096
#define MAX_VALUES 32

static Onnx__GraphProto *body_of(Node *nd) {
  Onnx__AttributeProto *a = attr_find(nd, "body");
  if (!a) return node_fail(nd, "needs attribute 'body'"), NULL;
  if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH || !a->g)
    return node_fail(nd, "attribute 'body' must be GRAPH"), NULL;
  return a->g;
}

/* The body's ops checked and its initializers defined, for every iteration;
 * returns the scope mark that hides them again (entry_scope_end). */
static int body_begin(Node *nd, Onnx__GraphProto *g) {
  char what[400];
  snprintf(what, sizeof what, "%s body", nd->desc);
  int mark = entry_scope_begin(nd->im);
  return dl_onnx_import_subgraph_initializers(nd->im, g, what) ? mark : -1;
}

/* One iteration: the body's inputs bound to in[], its outputs returned in out[]. */
static bool run_body(Node *nd, Onnx__GraphProto *g, Entry **in, Entry **out, int64_t iter) {
  Imp *im = nd->im;
  int mark = entry_scope_begin(im);
  for (size_t i = 0; i < g->n_input; i++) {
    const char *nm = g->input[i]->name ? g->input[i]->name : "";
    if (!entry_define_alias(im, nm, in[i])) return node_fail(nd, "out of memory");
  }
  char what[400];
  snprintf(what, sizeof what, "%s body (iteration %lld)", nd->desc, (long long)iter);
  if (!dl_onnx_import_subgraph_nodes(im, g, what)) {
    /* the nesting limit is reported with `what` already; other errors get it here */
    if (im->e->msg && strncmp(im->e->msg, what, strlen(what))) dl_error_prefix(im->e, what);
    return false;
  }
  for (size_t i = 0; i < g->n_output; i++) {
    const char *nm = g->output[i]->name ? g->output[i]->name : "";
    if (!(out[i] = entry_lookup(im, nm)))
      return node_fail(nd, "body output '%s' is not produced by any node", nm);
    if (out[i]->poison) return node_fail(nd, "body output '%s' is %s", nm, out[i]->poison);
  }
  entry_scope_end(im, mark);
  return true;
}

static bool scalar_input(Node *nd, int i, const char *what, int64_t *v) {
  const DlTensor *t = input_const(nd, i, what);
  if (!t) return false;
  if (dl_shape_numel(&t->shape) != 1) return node_fail(nd, "%s must hold one element", what);
  *v = dl_tensor_get_i(t, 0);
  return true;
}

static bool check_state(Node *nd, Entry *now, Entry *was, int k) {
  if (dl_shape_equal(&now->shape, &was->shape)) return true;
  char a[128], b[128];
  dl_shape_str(&was->shape, a, sizeof a), dl_shape_str(&now->shape, b, sizeof b);
  return node_fail(nd, "loop-carried value %d changes shape (%s to %s); only static shapes unroll",
                   k, a, b);
}

/* Scan output `which`: the n steps' values, one shape, stacked along axis. */
static Entry *stack_steps(Node *nd, Entry **v, int64_t n, int axis, int out, int which) {
  for (int64_t t = 1; t < n; t++)
    if (!dl_shape_equal(&v[t]->shape, &v[0]->shape))
      return node_fail(nd, "scan output %d changes shape between iterations", which), NULL;
  return imp_stack(nd, axis, v, (int)n, out);
}

bool dl_onnx_import_loop(Node *nd, DlOpKind k) {
  (void)k;
  Onnx__GraphProto *g = body_of(nd);
  if (!g) return false;
  int nv = nd->nin - 2, nscan = (int)g->n_output - 1 - nv;
  if (nd->nin < 2 || nv > MAX_VALUES || nscan < 0 || nscan > MAX_VALUES ||
      (int)g->n_input != nv + 2 || (int)nd->n->n_output != nv + nscan)
    return node_fail(nd,
                     "inputs, outputs and body do not agree (%d inputs, %zu outputs; body %zu "
                     "inputs, %zu outputs)",
                     nd->nin, nd->n->n_output, g->n_input, g->n_output);
  int64_t trips = 0, cond = 1;
  if (!nd->in[0])
    return node_fail(nd, "needs a trip count (input M): a loop bounded only by a condition "
                         "cannot be unrolled");
  if (!nd->in[0]->is_const)
    return node_fail(nd,
                     "trip count depends on input '%s' at run time; it must be a "
                     "compile-time constant to unroll the loop",
                     nd->in[0]->src ? nd->in[0]->src : "?");
  if (!scalar_input(nd, 0, "trip count M", &trips)) return false;
  if (nd->in[1] && !nd->in[1]->is_const)
    return node_fail(nd,
                     "condition depends on input '%s' at run time; it must be a "
                     "compile-time constant to unroll the loop",
                     nd->in[1]->src ? nd->in[1]->src : "?");
  if (nd->in[1] && !scalar_input(nd, 1, "condition", &cond)) return false;
  if (trips < 0) trips = 0;
  if (trips > MAX_ITER)
    return node_fail(nd, "trip count %lld is too large to unroll (at most %d)", (long long)trips,
                     MAX_ITER);
  int mark = body_begin(nd, g);
  if (mark < 0) return false;
  Entry *v[MAX_VALUES], *in[MAX_VALUES + 2], *out[2 * MAX_VALUES + 1];
  Entry **scans =
      calloc((size_t)(trips > 0 ? trips : 1) * (size_t)(nscan > 0 ? nscan : 1), sizeof *scans);
  if (!scans) return node_fail(nd, "out of memory");
  for (int i = 0; i < nv; i++) v[i] = nd->in[2 + i];
  int64_t it = 0;
  bool ok = true;
  for (; it < trips && cond && ok; it++) {
    in[0] = scalar_const(nd, DL_I64, (double)it);
    in[1] = scalar_const(nd, DL_BOOL, 1);
    for (int i = 0; i < nv; i++) in[2 + i] = v[i];
    if (!(ok = in[0] && in[1] && run_body(nd, g, in, out, it))) break;
    Entry *c = out[0];
    if (!c->is_const) {
      ok = c->src ? node_fail(nd,
                              "the body's condition depends on input '%s' at run time; it must "
                              "fold to a constant to unroll the loop",
                              c->src)
                  : node_fail(nd, "the body's condition is only known at run time; it must fold to "
                                  "a constant to unroll the loop");
      break;
    }
    if (dl_shape_numel(&c->shape) != 1) {
      ok = node_fail(nd, "the body's condition must hold one element");
      break;
    }
    cond = dl_tensor_get_i(&c->konst, 0) != 0;
    for (int i = 0; i < nv && ok; i++) ok = check_state(nd, out[1 + i], v[i], i), v[i] = out[1 + i];
    for (int s = 0; s < nscan; s++) scans[s * trips + it] = out[1 + nv + s];
  }
  entry_scope_end(nd->im, mark); /* before the node's outputs are defined */
  for (int i = 0; i < nv && ok; i++) ok = define_output_alias(nd, i, v[i]);
  for (int s = 0; s < nscan && ok; s++) {
    if (it == 0) {
      ok = node_fail(nd, "scan output %d would be empty (no iteration runs)", s);
      break;
    }
    ok = stack_steps(nd, scans + s * trips, it, 0, nv + s, s) != NULL;
  }
  free(scans);
  return ok;
}

/* The Scan attributes that take one value per scan input or output. */
static bool axes_attr(Node *nd, const char *name, int64_t *v, int n, int64_t dflt) {
  int got = -1;
  if (!attr_ints(nd, name, v, &got, MAX_VALUES)) return false;
  if (got < 0) {
    for (int i = 0; i < n; i++) v[i] = dflt;
    return true;
  }
  if (got != n) return node_fail(nd, "attribute '%s' needs %d values, found %d", name, n, got);
  return true;
}

/* Runs a Scan body over `len` steps on state[nstate] and scan inputs xs[nin]
 * (already without any batch axis); final states in state[], scan outputs
 * stacked in ys[]. */
typedef struct {
  int nstate, nin, nout;
  int64_t in_axis[MAX_VALUES], in_rev[MAX_VALUES], out_axis[MAX_VALUES], out_rev[MAX_VALUES];
} ScanSpec;

static bool scan_run(Node *nd, Onnx__GraphProto *g, const ScanSpec *sp, Entry **state, Entry **xs,
                     Entry **ys) {
  int64_t len = -1;
  for (int j = 0; j < sp->nin; j++) {
    const DlShape *s = &xs[j]->shape;
    int64_t ax = sp->in_axis[j] < 0 ? sp->in_axis[j] + s->rank : sp->in_axis[j];
    if (ax < 0 || ax >= s->rank)
      return node_fail(nd, "scan input %d: axis %lld out of range for rank %d", j,
                       (long long)sp->in_axis[j], s->rank);
    if (len >= 0 && s->dims[ax] != len)
      return node_fail(nd, "scan inputs differ in length (%lld and %lld)", (long long)len,
                       (long long)s->dims[ax]);
    len = s->dims[ax];
  }
  if (len < 1) return node_fail(nd, "needs at least one scan input of nonzero length");
  if (len > MAX_ITER)
    return node_fail(nd, "sequence of %lld steps is too long to unroll (at most %d)",
                     (long long)len, MAX_ITER);
  Entry *in[2 * MAX_VALUES], *out[2 * MAX_VALUES];
  Entry **steps = calloc((size_t)len * (size_t)(sp->nout ? sp->nout : 1), sizeof *steps);
  if (!steps) return node_fail(nd, "out of memory");
  bool ok = true;
  for (int64_t t = 0; t < len && ok; t++) {
    for (int i = 0; i < sp->nstate; i++) in[i] = state[i];
    for (int j = 0; j < sp->nin && ok; j++) {
      int rank = xs[j]->shape.rank;
      int64_t ax = sp->in_axis[j] < 0 ? sp->in_axis[j] + rank : sp->in_axis[j];
      ok = (in[sp->nstate + j] = imp_take(nd, xs[j], (int)ax, sp->in_rev[j] ? len - 1 - t : t)) !=
           NULL;
    }
    if (!ok || !(ok = run_body(nd, g, in, out, t))) break;
    for (int i = 0; i < sp->nstate && ok; i++)
      ok = check_state(nd, out[i], state[i], i), state[i] = out[i];
    for (int o = 0; o < sp->nout; o++) steps[o * len + t] = out[sp->nstate + o];
  }
  for (int o = 0; o < sp->nout && ok; o++) {
    Entry **v = steps + o * len;
    if (sp->out_rev[o]) /* reverse: the last step's value comes first */
      for (int64_t a = 0, b = len - 1; a < b; a++, b--) {
        Entry *tmp = v[a];
        v[a] = v[b], v[b] = tmp;
      }
    int r = v[0]->shape.rank + 1;
    int64_t ax = sp->out_axis[o] < 0 ? sp->out_axis[o] + r : sp->out_axis[o];
    if (ax < 0 || ax >= r) {
      ok = node_fail(nd, "scan output %d: axis %lld out of range for rank %d", o,
                     (long long)sp->out_axis[o], r);
      break;
    }
    ok = (ys[o] = stack_steps(nd, v, len, (int)ax, -1, o)) != NULL;
  }
  free(steps);
  return ok;
}

bool dl_onnx_import_scan(Node *nd, DlOpKind k) {
  (void)k;
  Onnx__GraphProto *g = body_of(nd);
  if (!g) return false;
  bool v8 = nd->im->opset < 9;
  int first = v8 ? 1 : 0; /* Scan 8: input 0 is sequence_lens */
  int64_t nscan_in;
  if (!attr_int(nd, "num_scan_inputs", 0, &nscan_in)) return false;
  ScanSpec sp = {0};
  sp.nin = (int)nscan_in;
  sp.nstate = nd->nin - first - sp.nin;
  sp.nout = (int)g->n_output - sp.nstate;
  if (sp.nin < 1 || sp.nstate < 0 || sp.nout < 0 || sp.nstate + sp.nin > MAX_VALUES ||
      sp.nout > MAX_VALUES || (int)g->n_input != sp.nstate + sp.nin ||
      (int)nd->n->n_output != sp.nstate + sp.nout)
    return node_fail(nd, "inputs, outputs, num_scan_inputs and body do not agree");
  if (!axes_attr(nd, v8 ? "directions" : "scan_input_directions", sp.in_rev, sp.nin, 0))
    return false;
  if (!v8 && (!axes_attr(nd, "scan_input_axes", sp.in_axis, sp.nin, 0) ||
              !axes_attr(nd, "scan_output_axes", sp.out_axis, sp.nout, 0) ||
              !axes_attr(nd, "scan_output_directions", sp.out_rev, sp.nout, 0)))
    return false;
  Entry *state[MAX_VALUES], *xs[MAX_VALUES], *ys[MAX_VALUES];
  if (!v8) {
    for (int i = 0; i < sp.nstate; i++) state[i] = nd->in[i];
    for (int j = 0; j < sp.nin; j++) xs[j] = nd->in[sp.nstate + j];
    for (int i = 0; i < sp.nstate + sp.nin; i++)
      if (!nd->in[i]) return node_fail(nd, "input %d is missing", i);
    int mark = body_begin(nd, g);
    if (mark < 0 || !scan_run(nd, g, &sp, state, xs, ys)) return false;
    entry_scope_end(nd->im, mark);
    for (int i = 0; i < sp.nstate; i++)
      if (!define_output_alias(nd, i, state[i])) return false;
    for (int o = 0; o < sp.nout; o++)
      if (!define_output_alias(nd, sp.nstate + o, ys[o])) return false;
    return true;
  }
  /* Scan 8: every value has a batch axis first; the scan runs along axis 1 of
   * each batch element's slice, so along axis 0 once the batch axis is gone. */
  for (int i = 1; i < nd->nin; i++)
    if (!nd->in[i] || nd->in[i]->shape.rank < 1)
      return node_fail(nd, "input %d must have a batch axis", i);
  int64_t batch = nd->in[1]->shape.dims[0];
  for (int i = 1; i < nd->nin; i++)
    if (nd->in[i]->shape.dims[0] != batch) return node_fail(nd, "inputs differ in batch size");
  const DlShape *xs0 = &nd->in[1 + sp.nstate]->shape;
  if (!imp_full_lengths(nd, 0, xs0->rank > 1 ? xs0->dims[1] : 0)) return false;
  if (batch > MAX_ITER)
    return node_fail(nd, "batch of %lld is too large to unroll", (long long)batch);
  int mark = body_begin(nd, g);
  if (mark < 0) return false;
  Entry **per = calloc((size_t)batch * (size_t)(sp.nstate + sp.nout), sizeof *per);
  if (!per) return node_fail(nd, "out of memory");
  bool ok = true;
  for (int64_t b = 0; b < batch && ok; b++) {
    Entry *all[2 * MAX_VALUES];
    for (int i = 0; i < sp.nstate + sp.nin && ok; i++)
      ok = (all[i] = imp_take(nd, nd->in[1 + i], 0, b)) != NULL;
    ok = ok && scan_run(nd, g, &sp, all, all + sp.nstate, ys);
    for (int i = 0; i < sp.nstate && ok; i++) per[i * batch + b] = all[i];
    for (int o = 0; o < sp.nout && ok; o++) per[(sp.nstate + o) * batch + b] = ys[o];
  }
  entry_scope_end(nd->im, mark);
  for (int i = 0; i < sp.nstate + sp.nout && ok; i++)
    ok = imp_stack(nd, 0, per + i * batch, (int)batch, i) != NULL;
  free(per);
  return ok;
}
