"""Writes ONNX models with If nodes into the directory given, with inputs and the
outputs numpy computes for them (NAME.CASE.in.npy, NAME.CASE.want.npy).

  if_shape    If on Equal(Shape(x)[1], 4) (dynamic dimension: known once
              --input-shape fixes it); both branches use outer-scope values
  if_const    If on a Constant; the taken branch has an initializer of its own
              and two outputs
  if_nested   an If on a constant inside the taken branch of an If on a shape;
              the inner branch uses values of the main graph and of the outer branch
  if_data     If on ReduceSum(Relu(x)) > 0: decided by input data, so both
              branches run and a where selects (cases pos and neg)
  if_data_mismatch  the same with branches of different output shapes (an error)
  if_lstm     taken branch with an op dlc does not import (an error naming it)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(0)


def vi(name, shape, t=T.FLOAT):
    return h.make_tensor_value_info(name, t, shape)


def const(name, v):
    return h.make_node("Constant", [], [name], value=nh.from_array(np.asarray(v), name + "_v"))


def graph(name, nodes, outputs, inits=()):
    return h.make_graph(nodes, name, [], outputs, list(inits))


def save(name, nodes, inputs, outputs, inits=(), feeds=None):
    g = h.make_graph(nodes, name, inputs, outputs, list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 16)])
    onnx.save(m, os.path.join(out, name + ".onnx"))
    if feeds is None:
        return
    # one case per input shape: the input and what the taken branch computes
    for case, (x, want) in feeds.items():
        np.save(os.path.join(out, f"{name}.{case}.in.npy"), x)
        np.save(os.path.join(out, f"{name}.{case}.want.npy"), want(x).astype(np.float32))


def shape_check(x, axis, value, cond):
    """cond = (Shape(x)[axis] == value), as exporters write it."""
    return [
        h.make_node("Shape", [x], [cond + "_shape"]),
        const(cond + "_axis", np.int64(axis)),
        h.make_node("Gather", [cond + "_shape", cond + "_axis"], [cond + "_dim"], axis=0),
        const(cond + "_want", np.int64(value)),
        h.make_node("Equal", [cond + "_dim", cond + "_want"], [cond]),
    ]


scale = nh.from_array(np.array([2.0, -1.0, 0.5, 3.0], np.float32), "scale")

# then: relu(x) * scale (scale: a main-graph initializer); else: -x - 1 (one: a main-graph node)
then_g = graph("then", [h.make_node("Relu", ["x"], ["t_relu"]), h.make_node("Mul", ["t_relu", "scale"], ["t_out"])],
               [vi("t_out", None)])
else_g = graph("else", [h.make_node("Neg", ["x"], ["e_neg"]), h.make_node("Sub", ["e_neg", "one"], ["e_out"])],
               [vi("e_out", None)])
save("if_shape",
     shape_check("x", 1, 4, "is4") + [const("one", np.float32(1)),
                                      h.make_node("If", ["is4"], ["y"], name="if_shape", then_branch=then_g,
                                                  else_branch=else_g)],
     [vi("x", [2, "n"])], [vi("y", None)], [scale],
     feeds={"n4": (rng.standard_normal((2, 4)).astype(np.float32), lambda x: np.maximum(x, 0) * nh.to_array(scale)),
            "n5": (rng.standard_normal((2, 5)).astype(np.float32), lambda x: -x - 1)})

# a constant condition (false), two outputs, an initializer inside the branch
bias = nh.from_array(np.array([0.25, -0.5, 1.0], np.float32), "branch_bias")
then_c = graph("then", [h.make_node("Identity", ["x"], ["tc0"]), h.make_node("Identity", ["x"], ["tc1"])],
               [vi("tc0", None), vi("tc1", None)])
else_c = graph("else", [h.make_node("Add", ["x", "branch_bias"], ["ec0"]), h.make_node("Sigmoid", ["ec0"], ["ec1"])],
               [vi("ec0", None), vi("ec1", None)], [bias])
save("if_const",
     [const("flag", np.array(False)),
      h.make_node("If", ["flag"], ["a", "b"], name="if_const", then_branch=then_c, else_branch=else_c),
      h.make_node("Mul", ["a", "b"], ["y"])],
     [vi("x", [2, 3])], [vi("y", None)],
     feeds={"x": (rng.standard_normal((2, 3)).astype(np.float32),
                  lambda x: (x + nh.to_array(bias)) / (1 + np.exp(-(x + nh.to_array(bias)))))})

# nested: outer If on Shape(x)[0] == 2; its then branch computes u = x * 3 and
# holds an inner If on a constant whose taken branch uses u and the main graph's w
inner_then = graph("inner_then", [h.make_node("Add", ["u", "w"], ["it"])], [vi("it", None)])
inner_else = graph("inner_else", [h.make_node("Sub", ["u", "w"], ["ie"])], [vi("ie", None)])
outer_then = graph("outer_then", [
    const("three", np.float32(3)),
    h.make_node("Mul", ["x", "three"], ["u"]),
    const("inner_flag", np.array([True])),
    h.make_node("If", ["inner_flag"], ["ot"], name="if_inner", then_branch=inner_then, else_branch=inner_else),
], [vi("ot", None)])
outer_else = graph("outer_else", [h.make_node("Identity", ["x"], ["oe"])], [vi("oe", None)])
save("if_nested",
     shape_check("x", 0, 2, "batch2") +
     [h.make_node("If", ["batch2"], ["y"], name="if_outer", then_branch=outer_then, else_branch=outer_else)],
     [vi("x", ["b", 3])], [vi("y", None)], [nh.from_array(np.array([1.0, 2.0, 3.0], np.float32), "w")],
     feeds={"b2": (rng.standard_normal((2, 3)).astype(np.float32), lambda x: x * 3 + np.array([1, 2, 3])),
            "b1": (rng.standard_normal((1, 3)).astype(np.float32), lambda x: x)})

# data-dependent: the condition is computed from x's values
save("if_data",
     [h.make_node("Relu", ["x"], ["r"]),
      h.make_node("ReduceSum", ["r"], ["s"], keepdims=0),
      const("zero", np.float32(0)),
      h.make_node("Greater", ["s", "zero"], ["pos"]),
      h.make_node("If", ["pos"], ["y"], name="if_data",
                  then_branch=graph("then", [h.make_node("Neg", ["x"], ["dt"])], [vi("dt", None)]),
                  else_branch=graph("else", [h.make_node("Identity", ["x"], ["de"])], [vi("de", None)]))],
     [vi("x", [2, 3])], [vi("y", None)],
     feeds={"pos": (rng.standard_normal((2, 3)).astype(np.float32), lambda x: -x),
            "neg": (-np.abs(rng.standard_normal((2, 3))).astype(np.float32) - 0.1, lambda x: x)})
save("if_data_mismatch",
     [h.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
      const("zero", np.float32(0)),
      h.make_node("Greater", ["s", "zero"], ["pos"]),
      h.make_node("If", ["pos"], ["y"], name="if_data_mismatch",
                  then_branch=graph("then", [h.make_node("Neg", ["x"], ["mt"])], [vi("mt", None)]),
                  else_branch=graph("else", [h.make_node("ReduceSum", ["x"], ["me"], keepdims=1)],
                                    [vi("me", None)]))],
     [vi("x", [2, 3])], [vi("y", None)])

# the taken branch holds an op dlc does not import
save("if_unsupported",
     [const("yes", np.array(True)),
      h.make_node("If", ["yes"], ["y"], name="if_unsupported",
                  then_branch=graph("then", [h.make_node("Multinomial", ["x"], ["ut"], name="multinomial_in_branch")],
                                    [vi("ut", None)]),
                  else_branch=graph("else", [h.make_node("Identity", ["x"], ["ue"])], [vi("ue", None)]))],
     [vi("x", [3, 3])], [vi("y", None)])
