/* ONNX If.
 *
 * A condition known at compile time: the taken branch's nodes are imported in
 * place of the If, and the other branch is never looked at. Such conditions come
 * from exporters' checks on shapes and constants (Equal(Gather(Shape(x), k), c)),
 * which the importer folds once input shapes are fixed.
 *
 * A condition computed from input data: qg has no control flow, so both
 * branches are imported and each output is where(cond, then_i, else_i). ONNX
 * branches have no side effects, so this computes what If computes; it costs
 * both branches' time, and it needs outputs of one dtype and one static shape
 * in both branches (an error naming the node otherwise). */
#include <string.h>

#include "import_internal.h"

static Onnx__GraphProto *branch(Node *nd, const char *name) {
  Onnx__AttributeProto *a = attr_find(nd, name);
  if (!a) return node_fail(nd, "needs attribute '%s'", name), NULL;
  if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH || !a->g)
    return node_fail(nd, "attribute '%s' must be GRAPH", name), NULL;
  return a->g;
}

static bool check_condition(Node *nd) {
  Entry *c = nd->in[0];
  if (c->shape.dtype != DL_BOOL && !c->is_const)
    return node_fail(nd, "condition must be bool, found %s", dl_dtype_name(c->shape.dtype));
  if (dl_shape_numel(&c->shape) != 1)
    return node_fail(nd, "condition must hold one element, found %lld",
                     (long long)dl_shape_numel(&c->shape));
  return true;
}

/* The If's output i is the branch's output i, under the If's name. */
static bool bind_outputs(Node *nd, Onnx__GraphProto *g, const char *bname) {
  for (size_t i = 0; i < g->n_output; i++) {
    const char *on = g->output[i]->name ? g->output[i]->name : "";
    Entry *src = entry_lookup(nd->im, on);
    const char *out = nd->n->output[i];
    if (!src) return node_fail(nd, "%s output '%s' is not produced by any node", bname, on);
    if (out && out[0] && entry_lookup(nd->im, out))
      return node_fail(nd, "output '%s' is also defined inside %s", out, bname);
    if (!define_output_alias(nd, (int)i, src)) return false;
    Entry *dst = out && out[0] ? entry_lookup(nd->im, out) : NULL;
    if (dst) dst->poison = src->poison;
  }
  return true;
}

static bool check_branch(Node *nd, Onnx__GraphProto *g, const char *bname) {
  if (g->n_output != nd->n->n_output)
    return node_fail(nd, "%s has %zu outputs, the node %zu", bname, g->n_output, nd->n->n_output);
  if (g->n_input) return node_fail(nd, "%s must have no inputs, found %zu", bname, g->n_input);
  return true;
}

static bool import_branch(Node *nd, Onnx__GraphProto *g, const char *bname) {
  char what[400];
  snprintf(what, sizeof what, "%s %s", nd->desc, bname);
  return dl_onnx_import_subgraph(nd->im, g, what);
}

static Entry *branch_output(Node *nd, Onnx__GraphProto *g, size_t i, const char *bname) {
  const char *on = g->output[i]->name ? g->output[i]->name : "";
  Entry *e = entry_lookup(nd->im, on);
  if (!e) node_fail(nd, "%s output '%s' is not produced by any node", bname, on);
  return e;
}

/* Both branches, then output i = where(cond, then_i, else_i). */
static bool import_select(Node *nd, Onnx__GraphProto *then_g, Onnx__GraphProto *else_g) {
  char why[512];
  Entry *c = nd->in[0];
  if (c->src)
    snprintf(why, sizeof why,
             "%s: condition depends on input '%s' at run time, so both branches are computed and "
             "selected",
             nd->desc, c->src);
  else
    snprintf(
        why, sizeof why,
        "%s: condition is only known at run time, so both branches are computed and selected",
        nd->desc);
  if (!import_branch(nd, then_g, "then_branch") || !import_branch(nd, else_g, "else_branch"))
    return dl_error_prefix(nd->im->e, why), false;
  for (size_t i = 0; i < nd->n->n_output; i++) {
    Entry *t = branch_output(nd, then_g, i, "then_branch");
    Entry *f = t ? branch_output(nd, else_g, i, "else_branch") : NULL;
    if (!f) return false;
    if (!dl_shape_equal(&t->shape, &f->shape)) {
      char ts[128], fs[128];
      dl_shape_str(&t->shape, ts, sizeof ts), dl_shape_str(&f->shape, fs, sizeof fs);
      return dl_error_set(
          nd->im->e,
          "%s, which needs equal outputs; output %zu is %s in then_branch and %s in else_branch", why,
          i, ts, fs);
    }
    const char *out = nd->n->output[i];
    if (out && out[0] && entry_lookup(nd->im, out))
      return node_fail(nd, "output '%s' is also defined inside a branch", out);
    Entry *ops[3] = {nd->in[0], t, f};
    DlAttrs a;
    if (!emit_op(nd, DL_OP_WHERE, 3, ops, fresh(&a), NULL, (int)i)) return false;
  }
  return true;
}

bool dl_onnx_import_if(Node *nd, DlOpKind k) {
  (void)k;
  if (nd->nin != 1 || !nd->in[0])
    return node_fail(nd, "expects 1 input (the condition), found %d", nd->nin);
  Onnx__GraphProto *then_g = branch(nd, "then_branch"), *else_g = branch(nd, "else_branch");
  if (!then_g || !else_g || !check_condition(nd)) return false;
  if (!check_branch(nd, then_g, "then_branch") || !check_branch(nd, else_g, "else_branch"))
    return false;
  Entry *c = nd->in[0];
  if (!c->is_const) return import_select(nd, then_g, else_g);
  bool taken = dl_tensor_get_i(&c->konst, 0) != 0;
  Onnx__GraphProto *g = taken ? then_g : else_g;
  const char *bname = taken ? "then_branch" : "else_branch";
  return import_branch(nd, g, bname) && bind_outputs(nd, g, bname);
}
