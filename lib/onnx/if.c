/* ONNX If with a condition known at compile time: the taken branch's nodes are
 * imported in place of the If, and the other branch is never looked at. Such
 * conditions come from exporters' checks on shapes and constants
 * (Equal(Gather(Shape(x), k), c)), which the importer folds once input shapes
 * are fixed. A condition computed from input data is an error: there is no
 * control flow in qg. */
#include <string.h>

#include "import_internal.h"

static Onnx__GraphProto *branch(Node *nd, const char *name) {
  Onnx__AttributeProto *a = attr_find(nd, name);
  if (!a) return node_fail(nd, "needs attribute '%s'", name), NULL;
  if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH || !a->g)
    return node_fail(nd, "attribute '%s' must be GRAPH", name), NULL;
  return a->g;
}

static bool known_condition(Node *nd, bool *taken) {
  Entry *c = nd->in[0];
  if (!c->is_const && c->src)
    return node_fail(
        nd,
        "condition depends on input '%s' at run time; it must be a compile-time constant (dlc "
        "imports If only when its condition folds, from constants and input shapes)",
        c->src);
  if (!c->is_const)
    return node_fail(
        nd, "condition is not known at compile time; it must be a compile-time constant (dlc "
            "imports If only when its condition folds, from constants and input shapes)");
  if (dl_shape_numel(&c->shape) != 1)
    return node_fail(nd, "condition must hold one element, found %lld",
                     (long long)dl_shape_numel(&c->shape));
  *taken = dl_tensor_get_i(&c->konst, 0) != 0;
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

bool dl_onnx_import_if(Node *nd, DlOpKind k) {
  (void)k;
  if (nd->nin != 1 || !nd->in[0])
    return node_fail(nd, "expects 1 input (the condition), found %d", nd->nin);
  Onnx__GraphProto *then_g = branch(nd, "then_branch"), *else_g = branch(nd, "else_branch");
  bool taken = false;
  if (!then_g || !else_g || !known_condition(nd, &taken)) return false;
  Onnx__GraphProto *g = taken ? then_g : else_g;
  const char *bname = taken ? "then_branch" : "else_branch";
  if (g->n_output != nd->n->n_output)
    return node_fail(nd, "%s has %zu outputs, the node %zu", bname, g->n_output, nd->n->n_output);
  if (g->n_input) return node_fail(nd, "%s must have no inputs, found %zu", bname, g->n_input);
  char what[400];
  snprintf(what, sizeof what, "%s %s", nd->desc, bname);
  return dl_onnx_import_subgraph(nd->im, g, what) && bind_outputs(nd, g, bname);
}
