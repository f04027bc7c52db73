#!/usr/bin/python3
"""Generate Nabla's PyTorch golden-value fixtures.

Run:  /usr/bin/python3 tests/golden/make_golden.py   (PyTorch 1.13, CPU)
Writes ops_float64.json, ops_float32.json and nets.json next to this script.
Deterministic: every case draws its inputs from random.Random(crc32(case name)),
so adding a case never changes another one, and two runs give identical bytes.

Input values are multiples of 1/1024, hence exactly representable in float32
and float64: both op files hold the same cases with the same inputs; only the
computed values differ (float32 ones are widened with .double() so they read
back exactly). Outputs and gradients are written with Python's repr
(round-trip exact).

ops_<dtype>.json
  {"dtype": "float64" | "float32", "cases": [case, ...]}
  case = {
    "name":   unique "<op>_<variant>",
    "op":     op name (the OPS table below is the meaning of each name),
    "inputs": [{"shape": [...], "data": [flat row-major], "grad": bool,
                "dtype": "int64"  (only on integer index/target tensors)}, ...],
    "args":   {op-specific keyword arguments; null means "not given"},
    "output": {"shape": [...], "data": [...], "dtype": "int64" (argmax only)},
    "grad_output": {"shape", "data"}   (absent for integer outputs),
    "grads":  [{"shape", "data"} or null for inputs with "grad": false]
              (absent for integer outputs)}
  Semantics: out = OPS[op](inputs, args);
             grads = torch.autograd.grad(out, inputs with grad true, grad_output).
  A shape [] tensor has a one-element data list. Boolean conditions (where)
  are float 0/1 tensors with grad false. Inputs avoid non-differentiable
  points (ties for max/min, kinks of abs/relu/clamp/l1, thresholds); each
  float64 case is verified with torch.autograd.gradcheck.
  Norm ops also carry "eps" (PyTorch's default 1e-5) in args.

nets.json
  {"dtype": "float64", "nets": [net, ...]}
  net = {
    "name": str,
    "layers": [{"type": "linear", "in": int, "out": int} | {"type": "tanh"} |
               {"type": "sigmoid"} | {"type": "relu"}, ...]   (an nn.Sequential),
    "params": {"<layer index>.weight": {"shape": [out, in], "data"},
               "<layer index>.bias": {"shape": [out], "data"}, ...},
    "x": {"shape", "data"},
    "y": {"shape", "data", "dtype": "int64" (cross_entropy class indices only)},
    "loss_fn": "mse" | "bce_with_logits" | "cross_entropy"  (reduction mean),
    "loss": loss at "params",
    "grads": {same keys as params: d loss / d param at "params"},
    "after": {run: {same keys as params}},   parameters after the run,
    "loss_after": {run: loss evaluated at the parameters after the run}}
  Every run starts from "params" and takes full-batch steps with zero_grad,
  backward, step. Runs (PyTorch torch.optim semantics):
    "sgd_lr_0.1_1step"                 SGD lr 0.1, 1 step
    "sgd_lr_0.5_10steps"               SGD lr 0.5, 10 steps
    "adam_lr_0.01_3steps"              Adam lr 0.01, betas (0.9, 0.999), eps 1e-8, 3 steps
    "sgd_momentum_0.9_lr_0.05_3steps"  SGD lr 0.05, momentum 0.9, dampening 0, 3 steps
"""
import json
import math
import os
import random
import warnings
import zlib

import torch
import torch.nn.functional as F

# PyTorch warns that kl_div's "mean" differs from "batchmean"; the fixture covers exactly that.
warnings.filterwarnings("ignore", message="reduction: 'mean' divides the total loss")

HERE = os.path.dirname(os.path.abspath(__file__))
GRID = 1024  # inputs are k / GRID: exact in float32 and float64
DTYPES = {"float64": torch.float64, "float32": torch.float32}

# --------------------------------------------------------------------------
# The meaning of every op name: fn(list of input tensors, args) -> tensor.
# --------------------------------------------------------------------------


def _dims(a):
    return tuple(a["dims"])


def _all_or(a, x):
    return tuple(range(x.dim())) if a["dims"] is None else tuple(a["dims"])


def _maybe_t(x, a):
    return x.transpose(-2, -1) if a["transposed"] else x


def _vec(a, key, like):
    return None if a.get(key) is None else torch.tensor(a[key], dtype=like.dtype)


OPS = {
    # elementwise unary
    "neg": lambda t, a: torch.neg(t[0]),
    "exp": lambda t, a: torch.exp(t[0]),
    "log": lambda t, a: torch.log(t[0]),
    "log1p": lambda t, a: torch.log1p(t[0]),
    "sqrt": lambda t, a: torch.sqrt(t[0]),
    "abs": lambda t, a: torch.abs(t[0]),
    "sigmoid": lambda t, a: torch.sigmoid(t[0]),
    "tanh": lambda t, a: torch.tanh(t[0]),
    "relu": lambda t, a: torch.relu(t[0]),
    "erf": lambda t, a: torch.erf(t[0]),
    "sin": lambda t, a: torch.sin(t[0]),
    "cos": lambda t, a: torch.cos(t[0]),
    "square": lambda t, a: torch.square(t[0]),
    "reciprocal": lambda t, a: torch.reciprocal(t[0]),
    "leaky_relu": lambda t, a: F.leaky_relu(t[0], a["negative_slope"]),
    "elu": lambda t, a: F.elu(t[0], a["alpha"]),
    "gelu": lambda t, a: F.gelu(t[0], approximate="none"),
    "softplus": lambda t, a: F.softplus(t[0], a["beta"], a["threshold"]),
    "silu": lambda t, a: F.silu(t[0]),
    "clamp": lambda t, a: torch.clamp(t[0], min=a["min"], max=a["max"]),
    "pow_scalar": lambda t, a: torch.pow(t[0], a["exponent"]),
    # binary, broadcasting
    "add": lambda t, a: torch.add(t[0], t[1]),
    "sub": lambda t, a: torch.sub(t[0], t[1]),
    "mul": lambda t, a: torch.mul(t[0], t[1]),
    "div": lambda t, a: torch.div(t[0], t[1]),
    "pow": lambda t, a: torch.pow(t[0], t[1]),
    "maximum": lambda t, a: torch.maximum(t[0], t[1]),
    "minimum": lambda t, a: torch.minimum(t[0], t[1]),
    "add_scalar": lambda t, a: t[0] + a["scalar"],
    "mul_scalar": lambda t, a: t[0] * a["scalar"],
    "div_scalar": lambda t, a: t[0] / a["scalar"],
    "rsub_scalar": lambda t, a: a["scalar"] - t[0],
    "rdiv_scalar": lambda t, a: a["scalar"] / t[0],
    "where": lambda t, a: torch.where(t[0] != 0, t[1], t[2]),
    # reductions
    "sum": lambda t, a: torch.sum(t[0]) if a["dims"] is None
    else torch.sum(t[0], _dims(a), keepdim=a["keepdim"]),
    "mean": lambda t, a: torch.mean(t[0]) if a["dims"] is None
    else torch.mean(t[0], _dims(a), keepdim=a["keepdim"]),
    "var": lambda t, a: torch.var(t[0], dim=None if a["dims"] is None else _dims(a),
                                  correction=a["correction"], keepdim=a["keepdim"]),
    "max_dim": lambda t, a: torch.max(t[0], a["dim"], keepdim=a["keepdim"])[0],
    "min_dim": lambda t, a: torch.min(t[0], a["dim"], keepdim=a["keepdim"])[0],
    "amax": lambda t, a: torch.amax(t[0], _all_or(a, t[0]), keepdim=a["keepdim"]),
    "amin": lambda t, a: torch.amin(t[0], _all_or(a, t[0]), keepdim=a["keepdim"]),
    "logsumexp": lambda t, a: torch.logsumexp(t[0], _all_or(a, t[0]), keepdim=a["keepdim"]),
    "argmax": lambda t, a: torch.argmax(t[0], dim=a["dim"], keepdim=a["keepdim"]),
    "softmax": lambda t, a: torch.softmax(t[0], a["dim"]),
    "log_softmax": lambda t, a: torch.log_softmax(t[0], a["dim"]),
    "matmul": lambda t, a: torch.matmul(t[0], t[1]),
    # views and shape ops
    "reshape": lambda t, a: torch.reshape(t[0], a["shape"]),
    "transpose": lambda t, a: torch.transpose(t[0], a["dim0"], a["dim1"]),
    "permute": lambda t, a: t[0].permute(a["dims"]),
    "narrow": lambda t, a: torch.narrow(t[0], a["dim"], a["start"], a["length"]),
    "expand": lambda t, a: t[0].expand(a["shape"]),
    "squeeze": lambda t, a: torch.squeeze(t[0]) if a["dim"] is None
    else torch.squeeze(t[0], a["dim"]),
    "unsqueeze": lambda t, a: torch.unsqueeze(t[0], a["dim"]),
    "flatten": lambda t, a: torch.flatten(t[0], a["start_dim"], a["end_dim"]),
    "cat": lambda t, a: torch.cat(t, a["dim"]),
    "stack": lambda t, a: torch.stack(t, a["dim"]),
    "index_select": lambda t, a: torch.index_select(t[0], a["dim"], t[1]),
    "gather": lambda t, a: torch.gather(t[0], a["dim"], t[1]),
    "scatter_add": lambda t, a: torch.scatter_add(t[0], a["dim"], t[1], t[2]),
    "exp_of_transpose": lambda t, a: torch.exp(t[0].t()),
    "split": lambda t, a: torch.split(t[0], a["split_size"], a["dim"])[a["index"]],
    "chunk": lambda t, a: torch.chunk(t[0], a["chunks"], a["dim"])[a["index"]],
    # masking: "transposed" means the op receives t[0].transpose(-2, -1), a non-contiguous view
    "tril": lambda t, a: torch.tril(_maybe_t(t[0], a), a["diagonal"]),
    "triu": lambda t, a: torch.triu(_maybe_t(t[0], a), a["diagonal"]),
    "masked_fill": lambda t, a: _maybe_t(t[0], a).masked_fill(t[1] != 0, a["value"]),
    # losses: inputs [input, target]
    "mse_loss": lambda t, a: F.mse_loss(t[0], t[1], reduction=a["reduction"]),
    "l1_loss": lambda t, a: F.l1_loss(t[0], t[1], reduction=a["reduction"]),
    "smooth_l1_loss": lambda t, a: F.smooth_l1_loss(t[0], t[1], reduction=a["reduction"],
                                                    beta=a["beta"]),
    "huber_loss": lambda t, a: F.huber_loss(t[0], t[1], reduction=a["reduction"],
                                            delta=a["delta"]),
    "bce": lambda t, a: F.binary_cross_entropy(t[0], t[1], reduction=a["reduction"]),
    "bce_with_logits": lambda t, a: F.binary_cross_entropy_with_logits(
        t[0], t[1], reduction=a["reduction"], pos_weight=_vec(a, "pos_weight", t[0])),
    "cross_entropy": lambda t, a: F.cross_entropy(
        t[0], t[1], weight=_vec(a, "weight", t[0]), ignore_index=a["ignore_index"],
        reduction=a["reduction"], label_smoothing=a["label_smoothing"]),
    "nll_loss": lambda t, a: F.nll_loss(t[0], t[1], weight=_vec(a, "weight", t[0]),
                                        reduction=a["reduction"]),
    "kl_div": lambda t, a: F.kl_div(t[0], t[1], reduction=a["reduction"],
                                    log_target=a["log_target"]),
    # normalisation, convolution, pooling, embedding
    "layer_norm": lambda t, a: F.layer_norm(t[0], a["normalized_shape"], t[1], t[2],
                                            eps=a["eps"]),
    "batch_norm_train": lambda t, a: F.batch_norm(t[0], None, None, t[1], t[2],
                                                  training=True, eps=a["eps"]),
    "group_norm": lambda t, a: F.group_norm(t[0], a["num_groups"], t[1], t[2], eps=a["eps"]),
    "conv2d": lambda t, a: F.conv2d(t[0], t[1], t[2], a["stride"], a["padding"],
                                    a["dilation"], a["groups"]),
    "conv1d": lambda t, a: F.conv1d(t[0], t[1], t[2], a["stride"], a["padding"],
                                    a["dilation"], a["groups"]),
    "max_pool2d": lambda t, a: F.max_pool2d(t[0], a["kernel_size"], a["stride"], a["padding"],
                                            ceil_mode=a["ceil_mode"]),
    "avg_pool2d": lambda t, a: F.avg_pool2d(t[0], a["kernel_size"], a["stride"], a["padding"],
                                            ceil_mode=a["ceil_mode"],
                                            count_include_pad=a["count_include_pad"]),
    "adaptive_avg_pool2d": lambda t, a: F.adaptive_avg_pool2d(t[0], a["output_size"]),
    "embedding": lambda t, a: F.embedding(t[0], t[1]),
}

# --------------------------------------------------------------------------
# Input construction
# --------------------------------------------------------------------------


def numel(shape):
    return math.prod(shape)


class Gen:
    """Per-case deterministic source of distinct grid values."""

    def __init__(self, name):
        self.rng = random.Random(zlib.crc32(name.encode()))

    def values(self, shape, lo=-2.0, hi=2.0, avoid=(0.0,), margin=0.03):
        ks = [k for k in range(math.ceil(lo * GRID), math.floor(hi * GRID) + 1)
              if all(abs(k / GRID - v) >= margin for v in avoid)]
        return [k / GRID for k in self.rng.sample(ks, numel(shape))]

    def x(self, shape, lo=-2.0, hi=2.0, avoid=(0.0,), margin=0.03, grad=True):
        return inp(shape, self.values(shape, lo, hi, avoid, margin), grad)


def inp(shape, data, grad=True):
    assert len(data) == numel(shape), (shape, len(data))
    return {"shape": list(shape), "data": list(data), "grad": grad}


def idx(shape, data):
    assert len(data) == numel(shape), (shape, len(data))
    return {"shape": list(shape), "data": list(data), "grad": False, "dtype": "int64"}


def const(shape, data):
    return inp(shape, data, grad=False)


def to_grid(v):
    return round(v * GRID) / GRID


CASES = []


def case(name, op, inputs, args=None):
    assert op in OPS, op
    assert all(c["name"] != name for c in CASES), name
    CASES.append({"name": name, "op": op, "inputs": inputs, "args": args or {}})


def f64(i):
    return torch.tensor(i["data"], dtype=torch.float64).reshape(i["shape"])


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

UNARY_SHAPES = [("vec", [7]), ("mat", [3, 4]), ("rank3", [2, 3, 2])]
POSITIVE = dict(lo=0.1, hi=3.0)


def unary_cases():
    plain = {"neg": {}, "exp": {}, "log": POSITIVE, "log1p": dict(lo=-0.9, hi=3.0), "sqrt": POSITIVE, "abs": {},
             "sigmoid": {}, "tanh": {}, "relu": {}, "erf": {}, "sin": dict(lo=-7.0, hi=7.0), "cos": dict(lo=-7.0, hi=7.0), "square": {},
             "reciprocal": dict(margin=0.25), "silu": {}, "gelu": {}}
    for op, rng in plain.items():
        for variant, shape in UNARY_SHAPES:
            name = f"{op}_{variant}"
            case(name, op, [Gen(name).x(shape, **rng)])
    for variant, shape, slope in [("vec", [7], 0.01), ("mat", [3, 4], 0.2),
                                  ("rank3", [2, 3, 2], 1.5)]:
        name = f"leaky_relu_{variant}"
        case(name, "leaky_relu", [Gen(name).x(shape)], {"negative_slope": slope})
    for variant, shape, alpha in [("vec", [7], 1.0), ("mat", [3, 4], 0.5),
                                  ("rank3", [2, 3, 2], 2.0)]:
        name = f"elu_{variant}"
        case(name, "elu", [Gen(name).x(shape)], {"alpha": alpha})
    for variant, shape, beta, thr, lo, hi in [("default", [7], 1.0, 20.0, -3.0, 3.0),
                                              ("beta2_over_threshold", [3, 4], 2.0, 5.0, -1.0, 4.0),
                                              ("beta_half_threshold1", [2, 3, 2], 0.5, 1.0, -2.0, 5.0)]:
        name = f"softplus_{variant}"
        case(name, "softplus", [Gen(name).x(shape, lo, hi, avoid=(0.0, thr / beta), margin=0.1)],
             {"beta": beta, "threshold": thr})
    for variant, shape, lo, hi in [("both", [7], -0.5, 0.5), ("max_only", [3, 4], None, 0.3),
                                   ("min_only", [2, 3, 2], -0.2, None)]:
        name = f"clamp_{variant}"
        bounds = tuple(b for b in (lo, hi) if b is not None)
        case(name, "clamp", [Gen(name).x(shape, -1.0, 1.0, avoid=bounds, margin=0.05)],
             {"min": lo, "max": hi})
    for variant, shape, e, rng in [("square", [7], 2.0, {}), ("sqrt", [3, 4], 0.5, POSITIVE),
                                   ("neg_1_5", [2, 3, 2], -1.5, dict(lo=0.2, hi=3.0)),
                                   ("cube", [3, 4], 3.0, {})]:
        name = f"pow_scalar_{variant}"
        case(name, "pow_scalar", [Gen(name).x(shape, **rng)], {"exponent": e})


BINARY_SHAPES = [("same", [3, 4], [3, 4]), ("row", [3, 4], [4]), ("col", [3, 1], [1, 4]),
                 ("scalar_rhs", [2, 3], []), ("scalar_lhs", [], [2, 3]),
                 ("rank3", [2, 1, 3], [4, 1])]


def binary_cases():
    ranges = {"add": ({}, {}), "sub": ({}, {}), "mul": ({}, {}),
              "div": ({}, dict(margin=0.25)),
              "pow": (dict(lo=0.3, hi=2.0), dict(lo=-1.5, hi=1.5)),
              "maximum": ({}, {}), "minimum": ({}, {})}
    for op, (ra, rb) in ranges.items():
        for variant, sa, sb in BINARY_SHAPES:
            name = f"{op}_{variant}"
            g = Gen(name)
            while True:
                a, b = g.x(sa, **ra), g.x(sb, **rb)
                if op not in ("maximum", "minimum"):
                    break
                ta, tb = torch.broadcast_tensors(f64(a), f64(b))
                if (ta - tb).abs().min() >= 0.05:
                    break
            case(name, op, [a, b])
    for op, scalars in [("add_scalar", (2.5, -0.75)), ("mul_scalar", (-1.5, 0.3)),
                        ("div_scalar", (4.0, -0.6)), ("rsub_scalar", (1.0, -2.25)),
                        ("rdiv_scalar", (2.0, -0.5))]:
        for (variant, shape), s in zip(UNARY_SHAPES[:2], scalars):
            name = f"{op}_{variant}"
            margin = 0.25 if op == "rdiv_scalar" else 0.03
            case(name, op, [Gen(name).x(shape, margin=margin)], {"scalar": s})
    for variant, sc, sa, sb in [("same", [3, 4], [3, 4], [3, 4]),
                                ("broadcast", [3, 4], [4], [3, 1]),
                                ("scalar_b", [3, 1], [3, 4], [])]:
        name = f"where_{variant}"
        g = Gen(name)
        cond = const(sc, [float(g.rng.random() < 0.5) for _ in range(numel(sc))])
        case(name, "where", [cond, g.x(sa), g.x(sb)])


def reduction_cases():
    red = [("all", [3, 4], None, False), ("dim1", [3, 4], [1], False),
           ("dims02_keepdim", [2, 3, 4], [0, 2], True), ("neg_dim", [2, 3, 4], [-1], False)]
    for op in ("sum", "mean", "amax", "amin", "logsumexp"):
        for variant, shape, dims, keep in red:
            name = f"{op}_{variant}"
            case(name, op, [Gen(name).x(shape)], {"dims": dims, "keepdim": keep})
    for variant, shape, dims, keep, corr in [("all", [3, 4], None, False, 1),
                                             ("dim1_keepdim_pop", [3, 4], [1], True, 0),
                                             ("dims02", [2, 3, 4], [0, 2], False, 1),
                                             ("neg_dim_pop", [2, 3, 4], [-1], False, 0)]:
        name = f"var_{variant}"
        case(name, "var", [Gen(name).x(shape)],
             {"dims": dims, "keepdim": keep, "correction": corr})
    dimmed = [("dim1", [3, 4], 1, False), ("dim0_keepdim", [3, 4], 0, True),
              ("neg_dim", [2, 3, 4], -1, False), ("rank3_dim1_keepdim", [2, 3, 4], 1, True)]
    for op in ("max_dim", "min_dim"):
        for variant, shape, dim, keep in dimmed:
            name = f"{op}_{variant}"
            case(name, op, [Gen(name).x(shape)], {"dim": dim, "keepdim": keep})
    for variant, shape, dim, keep in [("all", [3, 4], None, False), ("dim1", [3, 4], 1, False),
                                      ("dim0_keepdim", [3, 4], 0, True),
                                      ("neg_dim", [2, 3, 4], -1, False)]:
        name = f"argmax_{variant}"
        case(name, "argmax", [Gen(name).x(shape, grad=False)], {"dim": dim, "keepdim": keep})
    for op in ("softmax", "log_softmax"):
        for variant, shape, dim in [("dim1", [3, 4], 1), ("neg_dim", [2, 3, 4], -1),
                                    ("rank3_dim0", [2, 3, 4], 0), ("rank3_dim1", [2, 3, 4], 1)]:
            name = f"{op}_{variant}"
            case(name, op, [Gen(name).x(shape, -3.0, 3.0)], {"dim": dim})


def matmul_cases():
    for variant, sa, sb in [("dot", [5], [5]), ("mv", [3, 4], [4]), ("vm", [4], [4, 3]),
                            ("mm", [3, 4], [4, 5]), ("bmm", [2, 3, 4], [2, 4, 2]),
                            ("broadcast_batch", [2, 1, 3, 4], [3, 4, 5]),
                            ("3d_2d", [2, 3, 4], [4, 5]), ("2d_3d", [3, 4], [2, 4, 2]),
                            ("1d_3d", [4], [2, 4, 3]), ("3d_1d", [2, 3, 4], [4])]:
        name = f"matmul_{variant}"
        g = Gen(name)
        case(name, "matmul", [g.x(sa), g.x(sb)])


def view_cases():
    for variant, shape, new in [("2d_to_2d", [3, 4], [2, 6]), ("infer", [2, 3, 2], [-1, 3]),
                                ("vec_to_3d", [6], [1, 2, 3]), ("rank3_infer", [2, 3, 4], [4, -1])]:
        name = f"reshape_{variant}"
        case(name, "reshape", [Gen(name).x(shape)], {"shape": new})
    for variant, shape, d0, d1 in [("2d", [3, 4], 0, 1), ("rank3_0_2", [2, 3, 4], 0, 2),
                                   ("neg", [2, 3, 4], -1, -2)]:
        name = f"transpose_{variant}"
        case(name, "transpose", [Gen(name).x(shape)], {"dim0": d0, "dim1": d1})
    for variant, shape, dims in [("rank3", [2, 3, 4], [2, 0, 1]), ("rank3_b", [2, 3, 4], [1, 2, 0]),
                                 ("rank4", [2, 1, 3, 2], [3, 1, 0, 2]),
                                 ("neg", [2, 3, 4], [-1, 0, 1])]:
        name = f"permute_{variant}"
        case(name, "permute", [Gen(name).x(shape)], {"dims": dims})
    for variant, shape, dim, start, length in [("dim0", [5, 4], 0, 1, 3), ("dim1", [5, 4], 1, 2, 2),
                                               ("neg_dim", [2, 3, 4], -1, 1, 2)]:
        name = f"narrow_{variant}"
        case(name, "narrow", [Gen(name).x(shape)], {"dim": dim, "start": start, "length": length})
    for variant, shape, new in [("col", [3, 1], [3, 4]), ("new_dims", [4], [2, 3, 4]),
                                ("infer", [2, 1, 3], [-1, 4, 3]), ("row_infer", [1, 3], [4, -1])]:
        name = f"expand_{variant}"
        case(name, "expand", [Gen(name).x(shape)], {"shape": new})
    for variant, shape, dim in [("dim1", [3, 1, 4], 1), ("all", [1, 3, 1], None),
                                ("neg_dim", [3, 1], -1), ("noop", [3, 4], 0)]:
        name = f"squeeze_{variant}"
        case(name, "squeeze", [Gen(name).x(shape)], {"dim": dim})
    for variant, shape, dim in [("dim0", [3, 4], 0), ("dim2", [3, 4], 2), ("neg_dim", [3, 4], -1),
                                ("vec_dim1", [5], 1)]:
        name = f"unsqueeze_{variant}"
        case(name, "unsqueeze", [Gen(name).x(shape)], {"dim": dim})
    for variant, shape, s, e in [("all", [2, 3, 4], 0, -1), ("inner", [2, 3, 4], 1, 2),
                                 ("rank4_mid", [2, 3, 2, 2], 1, 2), ("rank4_head", [2, 3, 2, 2], 0, 1)]:
        name = f"flatten_{variant}"
        case(name, "flatten", [Gen(name).x(shape)], {"start_dim": s, "end_dim": e})
    for variant, shapes, dim in [("dim0", [[2, 3], [4, 3]], 0), ("three_dim1", [[2, 1], [2, 3], [2, 2]], 1),
                                 ("rank3_neg", [[2, 3, 2], [2, 1, 2]], -2)]:
        name = f"cat_{variant}"
        g = Gen(name)
        case(name, "cat", [g.x(s) for s in shapes], {"dim": dim})
    for variant, shapes, dim in [("dim0", [[3, 4]] * 2, 0), ("three_dim1", [[2, 3]] * 3, 1),
                                 ("neg_dim", [[3]] * 2, -1)]:
        name = f"stack_{variant}"
        g = Gen(name)
        case(name, "stack", [g.x(s) for s in shapes], {"dim": dim})
    for variant, shape, dim, index in [("dim0", [5, 3], 0, [4, 0, 4, 2]), ("dim1", [3, 5], 1, [1, 1, 3]),
                                       ("rank3_dim1", [2, 4, 3], 1, [3, 0, 3])]:
        name = f"index_select_{variant}"
        case(name, "index_select", [Gen(name).x(shape), idx([len(index)], index)], {"dim": dim})
    for variant, shape, dim, ishape, index in [
            ("dim1", [3, 4], 1, [3, 5], [0, 3, 3, 1, 2, 2, 2, 0, 1, 3, 1, 0, 0, 3, 1]),
            ("dim0", [3, 4], 0, [4, 2], [2, 0, 1, 1, 0, 2, 2, 0]),
            ("rank3_dim1", [2, 3, 4], 1, [2, 2, 3], [0, 2, 1, 1, 1, 0, 2, 0, 2, 2, 1, 0])]:
        name = f"gather_{variant}"
        case(name, "gather", [Gen(name).x(shape), idx(ishape, index)], {"dim": dim})
    for variant, shape, dim, ishape, index in [
            ("dim0", [3, 5], 0, [2, 5], [0, 2, 2, 1, 0, 2, 2, 0, 1, 0]),
            ("dim1", [3, 4], 1, [3, 3], [3, 3, 0, 1, 2, 1, 0, 0, 0]),
            ("rank3_dim2", [2, 2, 3], 2, [2, 2, 4], [0, 2, 2, 1, 1, 1, 0, 2, 2, 0, 0, 1, 0, 1, 2, 1])]:
        name = f"scatter_add_{variant}"
        g = Gen(name)
        case(name, "scatter_add", [g.x(shape), idx(ishape, index), g.x(ishape)], {"dim": dim})
    for variant, shape in [("3x4", [3, 4]), ("2x5", [2, 5])]:
        name = f"exp_of_transpose_{variant}"
        case(name, "exp_of_transpose", [Gen(name).x(shape)])
    for variant, shape, size, dim, index in [("dim0_last_partial", [5, 3], 2, 0, 2),
                                             ("dim0_middle", [5, 3], 2, 0, 1),
                                             ("dim1", [3, 7], 3, 1, 0)]:
        name = f"split_{variant}"
        case(name, "split", [Gen(name).x(shape)], {"split_size": size, "dim": dim, "index": index})
    for variant, shape, chunks, dim, index in [("dim0", [6, 2], 3, 0, 1), ("dim1_uneven", [2, 5], 2, 1, 1),
                                               ("dim0_last_small", [5, 2], 3, 0, 2)]:
        name = f"chunk_{variant}"
        case(name, "chunk", [Gen(name).x(shape)], {"chunks": chunks, "dim": dim, "index": index})


def paired(g, shape, bad, target_grad=False):
    """Input and target whose differences stay away from the points in `bad`."""
    while True:
        x, y = g.x(shape), g.x(shape, grad=target_grad)
        d = f64(x) - f64(y)
        if all((d - b).abs().min() >= 0.05 and (d + b).abs().min() >= 0.05 for b in bad):
            return x, y


def mask_cases():
    for op in ("tril", "triu"):
        for variant, shape, diagonal, transposed in [("square", [4, 4], 0, False), ("wide_d1", [3, 5], 1, False),
                                                     ("batched_dneg1", [2, 3, 4], -1, False),
                                                     ("transposed_d2", [2, 5, 3], 2, True)]:
            name = f"{op}_{variant}"
            case(name, op, [Gen(name).x(shape)], {"diagonal": diagonal, "transposed": transposed})
    for variant, shape, mshape, value, transposed in [("same", [3, 4], [3, 4], -1.5, False),
                                                      ("row_broadcast", [2, 3, 4], [4], 0.0, False),
                                                      ("transposed_column", [4, 3], [3, 1], 2.25, True)]:
        name = f"masked_fill_{variant}"
        g = Gen(name)
        mask = idx(mshape, [int(g.rng.random() < 0.5) for _ in range(numel(mshape))])
        case(name, "masked_fill", [g.x(shape), mask], {"value": value, "transposed": transposed})


def loss_cases():
    reds = [("mean", [3, 4]), ("sum", [3, 4]), ("none", [2, 3])]
    for red, shape in reds:
        name = f"mse_loss_{red}"
        case(name, "mse_loss", list(paired(Gen(name), shape, [], True)), {"reduction": red})
    for red, shape in reds:
        name = f"l1_loss_{red}"
        case(name, "l1_loss", list(paired(Gen(name), shape, [0.0])), {"reduction": red})
    for (red, shape), beta in zip(reds, (1.0, 0.5, 2.0)):
        name = f"smooth_l1_loss_{red}"
        case(name, "smooth_l1_loss", list(paired(Gen(name), shape, [0.0, beta])),
             {"reduction": red, "beta": beta})
    for (red, shape), delta in zip(reds, (1.0, 0.5, 2.0)):
        name = f"huber_loss_{red}"
        case(name, "huber_loss", list(paired(Gen(name), shape, [0.0, delta])),
             {"reduction": red, "delta": delta})
    for red, shape in reds:
        name = f"bce_{red}"
        g = Gen(name)
        target = [float(g.rng.random() < 0.5) for _ in range(numel(shape))]
        target[0] = 0.25  # soft label
        case(name, "bce", [g.x(shape, 0.05, 0.95), const(shape, target)], {"reduction": red})
    for variant, red, shape, pw in [("mean", "mean", [3, 4], None),
                                    ("sum_pos_weight", "sum", [4, 3], [0.5, 2.0, 3.0]),
                                    ("none_pos_weight", "none", [2, 3], [1.5, 0.25, 1.0]),
                                    ("mean_vec", "mean", [6], None)]:
        name = f"bce_with_logits_{variant}"
        g = Gen(name)
        target = [float(g.rng.random() < 0.5) for _ in range(numel(shape))]
        target[-1] = 0.75
        case(name, "bce_with_logits", [g.x(shape, -3.0, 3.0), const(shape, target)],
             {"reduction": red, "pos_weight": pw})
    w5 = [0.5, 1.0, 2.0, 0.25, 1.5]
    w4 = [1.0, 0.5, 2.0, 1.5]
    for variant, shape, target, red, w, ls, ii in [
            ("mean", [4, 5], [1, 0, 4, 2], "mean", None, 0.0, -100),
            ("sum_weight", [4, 5], [3, 3, 0, 2], "sum", w5, 0.0, -100),
            ("none", [4, 5], [2, 4, 1, 0], "none", None, 0.0, -100),
            ("mean_weight_smoothing", [4, 5], [0, 2, 4, 1], "mean", w5, 0.1, -100),
            ("mean_ignored_label", [4, 5], [1, -100, 3, 0], "mean", None, 0.0, -100),
            ("mean_weight_ignore_index_2", [4, 5], [2, 0, 2, 4], "mean", w5, 0.0, 2),
            ("none_3d", [2, 4, 3], [0, 3, 1, 2, 2, 1], "none", None, 0.0, -100),
            ("mean_3d_weight_smoothing", [2, 4, 3], [3, 0, 1, 1, 2, 3], "mean", w4, 0.2, -100)]:
        name = f"cross_entropy_{variant}"
        tshape = [shape[0]] + shape[2:]
        case(name, "cross_entropy", [Gen(name).x(shape, -3.0, 3.0), idx(tshape, target)],
             {"reduction": red, "weight": w, "label_smoothing": ls, "ignore_index": ii})
    for variant, target, red, w in [("mean", [1, 0, 3, 2], "mean", None),
                                    ("sum_weight", [2, 2, 0, 1], "sum", w4),
                                    ("none", [3, 1, 0, 0], "none", None),
                                    ("mean_weight", [0, 3, 3, 1], "mean", w4)]:
        name = f"nll_loss_{variant}"
        logp = torch.log_softmax(f64(Gen(name).x([4, 4], -2.0, 2.0)), 1)
        case(name, "nll_loss", [inp([4, 4], [to_grid(v) for v in logp.flatten().tolist()]),
                                idx([4], target)], {"reduction": red, "weight": w})
    for red in ("batchmean", "sum", "mean", "none"):
        name = f"kl_div_{red}"
        g = Gen(name)
        logp = torch.log_softmax(f64(g.x([3, 4])), 1)
        q = torch.softmax(f64(g.x([3, 4])), 1)
        case(name, "kl_div", [inp([3, 4], [to_grid(v) for v in logp.flatten().tolist()]),
                              const([3, 4], [to_grid(v) for v in q.flatten().tolist()])],
             {"reduction": red, "log_target": False})


def affine(g, shape):
    return [g.x(shape, 0.5, 1.5), g.x(shape, -0.5, 0.5)]


def layer_cases():
    eps = 1e-5
    for variant, shape, ns in [("last", [3, 4], [4]), ("last_two", [2, 3, 4], [3, 4]),
                               ("wide", [2, 5], [5])]:
        name = f"layer_norm_{variant}"
        g = Gen(name)
        case(name, "layer_norm", [g.x(shape)] + affine(g, ns), {"normalized_shape": ns, "eps": eps})
    for variant, shape in [("nc", [4, 3]), ("nchw", [2, 3, 2, 2]), ("ncl", [3, 2, 5])]:
        name = f"batch_norm_train_{variant}"
        g = Gen(name)
        case(name, "batch_norm_train", [g.x(shape)] + affine(g, [shape[1]]), {"eps": eps})
    for variant, shape, groups in [("ncl_g2", [2, 4, 3], 2), ("nchw_g3", [2, 6, 2, 2], 3),
                                   ("g1", [1, 4, 5], 1), ("g_eq_c", [2, 4, 3], 4)]:
        name = f"group_norm_{variant}"
        g = Gen(name)
        case(name, "group_norm", [g.x(shape)] + affine(g, [shape[1]]),
             {"num_groups": groups, "eps": eps})
    for variant, xs, ws, s, p, d, gr in [("basic", [1, 2, 5, 5], [3, 2, 3, 3], 1, 0, 1, 1),
                                         ("stride2_pad1", [2, 2, 5, 5], [3, 2, 3, 3], 2, 1, 1, 1),
                                         ("dilation2_pad1", [1, 2, 6, 6], [2, 2, 3, 3], 1, 1, 2, 1),
                                         ("groups2", [1, 4, 4, 4], [4, 2, 2, 2], 1, 0, 1, 2)]:
        name = f"conv2d_{variant}"
        g = Gen(name)
        case(name, "conv2d", [g.x(xs), g.x(ws, -1.0, 1.0), g.x([ws[0]], -0.5, 0.5)],
             {"stride": s, "padding": p, "dilation": d, "groups": gr})
    for variant, xs, ws, s, p, d, gr in [("basic", [2, 2, 7], [3, 2, 3], 1, 0, 1, 1),
                                         ("stride2_pad1", [2, 2, 7], [3, 2, 3], 2, 1, 1, 1),
                                         ("dilation2_pad2", [1, 3, 8], [2, 3, 3], 1, 2, 2, 1),
                                         ("groups2", [1, 4, 6], [6, 2, 3], 1, 0, 1, 2)]:
        name = f"conv1d_{variant}"
        g = Gen(name)
        case(name, "conv1d", [g.x(xs), g.x(ws, -1.0, 1.0), g.x([ws[0]], -0.5, 0.5)],
             {"stride": s, "padding": p, "dilation": d, "groups": gr})
    for variant, shape, k, s, p, ceil in [("k2s2", [1, 2, 4, 4], 2, 2, 0, False),
                                          ("k3s2p1_overlap", [1, 1, 5, 5], 3, 2, 1, False),
                                          ("ceil", [1, 1, 5, 5], 2, 2, 0, True),
                                          ("k2s1", [2, 1, 3, 4], 2, 1, 0, False)]:
        name = f"max_pool2d_{variant}"
        case(name, "max_pool2d", [Gen(name).x(shape)],
             {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil})
    for variant, shape, k, s, p, ceil, cip in [
            ("k2s2", [1, 2, 4, 4], 2, 2, 0, False, True),
            ("k3s2p1_include_pad", [1, 1, 5, 5], 3, 2, 1, False, True),
            ("k3s2p1_exclude_pad", [1, 1, 5, 5], 3, 2, 1, False, False),
            ("ceil", [1, 1, 5, 5], 2, 2, 0, True, True),
            ("ceil_pad1_include_pad", [1, 1, 6, 6], 3, 2, 1, True, True)]:
        name = f"avg_pool2d_{variant}"
        case(name, "avg_pool2d", [Gen(name).x(shape)],
             {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil,
              "count_include_pad": cip})
    for variant, shape, out in [("divisible", [1, 2, 4, 4], [2, 2]),
                                ("uneven", [1, 1, 5, 7], [3, 2]), ("global", [2, 1, 3, 3], [1, 1])]:
        name = f"adaptive_avg_pool2d_{variant}"
        case(name, "adaptive_avg_pool2d", [Gen(name).x(shape)], {"output_size": out})
    for variant, ishape, index, wshape in [("2d_index", [2, 3], [4, 0, 4, 2, 2, 5], [6, 3]),
                                           ("1d_index", [5], [1, 3, 1, 0, 1], [4, 2])]:
        name = f"embedding_{variant}"
        case(name, "embedding", [idx(ishape, index), Gen(name).x(wshape)])


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def flat(t):
    return t.detach().double().reshape(-1).tolist()


def tensors_for(c, dtype):
    ts = []
    for i in c["inputs"]:
        if i.get("dtype") == "int64":
            ts.append(torch.tensor(i["data"], dtype=torch.int64).reshape(i["shape"]))
        else:
            t = torch.tensor(i["data"], dtype=dtype).reshape(i["shape"])
            ts.append(t.requires_grad_(i["grad"]))
    return ts


def evaluate(c, dtype):
    ts = tensors_for(c, dtype)
    fn = OPS[c["op"]]
    out = fn(ts, c["args"])
    res = dict(c)
    res["output"] = {"shape": list(out.shape), "data": flat(out)}
    if not out.dtype.is_floating_point:
        res["output"]["data"] = out.reshape(-1).tolist()
        res["output"]["dtype"] = "int64"
        return res
    assert torch.isfinite(out).all(), c["name"]
    gvals = Gen(c["name"] + "/grad_output").values(list(out.shape), -1.0, 1.0)
    go = torch.tensor(gvals, dtype=dtype).reshape(out.shape)
    wrt = [t for t in ts if t.requires_grad]
    gs = iter(torch.autograd.grad(out, wrt, go))
    res["grad_output"] = {"shape": list(out.shape), "data": gvals}
    res["grads"] = [{"shape": list(t.shape), "data": flat(next(gs))} if t.requires_grad else None
                    for t in ts]
    return res


def check_differentiable(c):
    """Finite differences agree with autograd: the case avoids kinks and ties."""
    ts = tensors_for(c, torch.float64)
    if not any(t.requires_grad for t in ts):
        return
    fn = OPS[c["op"]]
    ok = torch.autograd.gradcheck(lambda *xs: fn(list(xs), c["args"]), tuple(ts),
                                  eps=1e-6, atol=1e-6, rtol=1e-5)
    assert ok, c["name"]


def close(a, b, tol):
    if a is None or b is None:
        return a is b
    return all(abs(x - y) <= tol * (1 + abs(y)) for x, y in zip(a["data"], b["data"]))


def write_json(path, head, key, items):
    body = ",\n".join(json.dumps(i, separators=(",", ":")) for i in items)
    with open(path, "w") as f:
        f.write("{" + json.dumps(head)[1:-1] + ', "' + key + '": [\n' + body + "\n]}\n")


def write_ops():
    unary_cases()
    binary_cases()
    reduction_cases()
    matmul_cases()
    view_cases()
    mask_cases()
    loss_cases()
    layer_cases()
    results = {}
    for name, dtype in DTYPES.items():
        results[name] = [evaluate(c, dtype) for c in CASES]
    for c in CASES:
        check_differentiable(c)
    for r64, r32 in zip(results["float64"], results["float32"]):
        assert close(r32["output"], r64["output"], 1e-4), r64["name"]
        for g32, g64 in zip(r32.get("grads", []), r64.get("grads", [])):
            assert close(g32, g64, 1e-3), r64["name"]
    for name, rs in results.items():
        write_json(os.path.join(HERE, f"ops_{name}.json"), {"dtype": name}, "cases", rs)
    return CASES


# --------------------------------------------------------------------------
# Networks
# --------------------------------------------------------------------------

ACT = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}
LOSS = {"mse": F.mse_loss, "bce_with_logits": F.binary_cross_entropy_with_logits,
        "cross_entropy": F.cross_entropy}
RUNS = [("sgd_lr_0.1_1step", 1, lambda ps: torch.optim.SGD(ps, lr=0.1)),
        ("sgd_lr_0.5_10steps", 10, lambda ps: torch.optim.SGD(ps, lr=0.5)),
        ("adam_lr_0.01_3steps", 3, lambda ps: torch.optim.Adam(ps, lr=0.01)),
        ("sgd_momentum_0.9_lr_0.05_3steps", 3,
         lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9))]


def forward(layers, params, x):
    for i, layer in enumerate(layers):
        if layer["type"] == "linear":
            x = F.linear(x, params[f"{i}.weight"], params[f"{i}.bias"])
        else:
            x = ACT[layer["type"]](x)
    return x


def init_params(g, layers):
    """PyTorch's Linear init range, U(-1/sqrt(in), 1/sqrt(in)), on the grid."""
    params = {}
    for i, layer in enumerate(layers):
        if layer["type"] == "linear":
            b = 1 / math.sqrt(layer["in"])
            for key, shape in (("weight", [layer["out"], layer["in"]]), ("bias", [layer["out"]])):
                vals = g.values(shape, -b, b, avoid=())
                params[f"{i}.{key}"] = torch.tensor(vals, dtype=torch.float64).reshape(shape)
    return params


def dump(params):
    return {k: {"shape": list(v.shape), "data": flat(v)} for k, v in params.items()}


def net(name, layers, x, y, loss_fn, y_int=False):
    g = Gen(name)
    params = init_params(g, layers)
    xt = torch.tensor(x, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.int64 if y_int else torch.float64)

    def loss_at(ps):
        return LOSS[loss_fn](forward(layers, ps, xt), yt)

    ps = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    loss = loss_at(ps)
    grads = dict(zip(ps, torch.autograd.grad(loss, list(ps.values()))))
    after, loss_after = {}, {}
    for run, steps, make in RUNS:
        ps = {k: v.clone().requires_grad_(True) for k, v in params.items()}
        opt = make(list(ps.values()))
        for _ in range(steps):
            opt.zero_grad()
            loss_at(ps).backward()
            opt.step()
        after[run] = dump(ps)
        with torch.no_grad():
            loss_after[run] = loss_at(ps).item()
    ydump = {"shape": list(yt.shape), "data": yt.reshape(-1).tolist()}
    if y_int:
        ydump["dtype"] = "int64"
    return {"name": name, "layers": layers, "params": dump(params),
            "x": {"shape": list(xt.shape), "data": flat(xt)}, "y": ydump,
            "loss_fn": loss_fn, "loss": loss.item(), "grads": dump(grads),
            "after": after, "loss_after": loss_after}


def lin(i, o):
    return {"type": "linear", "in": i, "out": o}


def moons(g, n):
    """sklearn.datasets.make_moons(n, noise=0.1) re-derived, on the grid."""
    n_out = n // 2
    n_in = n - n_out
    pts, labels = [], []
    for k in range(n_out):
        t = math.pi * k / (n_out - 1)
        pts.append([math.cos(t), math.sin(t)])
        labels.append([0.0])
    for k in range(n_in):
        t = math.pi * k / (n_in - 1)
        pts.append([1 - math.cos(t), 0.5 - math.sin(t)])
        labels.append([1.0])
    pts = [[to_grid(v + g.rng.gauss(0.0, 0.1)) for v in p] for p in pts]
    return pts, labels


def write_nets():
    nets = [net("mlp_2_4_1_tanh", [lin(2, 4), {"type": "tanh"}, lin(4, 1), {"type": "sigmoid"}],
                [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [[0.0], [1.0], [1.0], [0.0]], "mse")]
    g = Gen("mlp_4_5_3_sigmoid/data")
    nets.append(net("mlp_4_5_3_sigmoid",
                    [lin(4, 5), {"type": "sigmoid"}, lin(5, 3), {"type": "sigmoid"}],
                    [g.values([4])], [g.values([3], 0.05, 0.95)], "mse"))
    x, y = moons(Gen("mlp_moons_relu/data"), 8)
    nets.append(net("mlp_moons_relu", [lin(2, 16), {"type": "relu"}, lin(16, 16), {"type": "relu"},
                                       lin(16, 1)], x, y, "bce_with_logits"))
    g = Gen("softmax_regression/data")
    xs = g.values([5, 6])
    nets.append(net("softmax_regression", [lin(6, 3)], [xs[i * 6:(i + 1) * 6] for i in range(5)],
                    [0, 2, 1, 2, 0], "cross_entropy", y_int=True))
    write_json(os.path.join(HERE, "nets.json"), {"dtype": "float64"}, "nets", nets)
    return nets


def main():
    torch.set_num_threads(1)  # identical reduction order on every run
    cases = write_ops()
    nets = write_nets()
    counts = {}
    for c in cases:
        counts[c["op"]] = counts.get(c["op"], 0) + 1
    print(f"{len(cases)} cases over {len(counts)} ops, {len(nets)} nets")
    for f in ("ops_float64.json", "ops_float32.json", "nets.json"):
        print(f"{f}: {os.path.getsize(os.path.join(HERE, f))} bytes")


if __name__ == "__main__":
    main()
