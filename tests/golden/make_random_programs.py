#!/usr/bin/python3
"""Generate random op programs and what PyTorch computes for them, for Nabla's random-program tests.

Run:  /usr/bin/python3 tests/golden/make_random_programs.py   (PyTorch 1.13, CPU)
Writes random_programs_float64.json (460 programs) and random_programs_float32.json (214 programs) next to
this script. Deterministic: each program draws from random.Random(seed ^ crc32(name)) and picks its ops by
rendezvous hashing, so two runs give identical bytes, and adding an op to OPS leaves most programs unchanged.
Each file holds seven groups: "f64_000"… over the everyday ops, "_s…" over the masking and recurrent ops
(SEQUENCE_OPS), "_t…" over the tensor-API functions (TENSOR_API_OPS), "_u…" over the wider tensor API
(WIDER_API_OPS: sorting with indices, rounding, remainders, two-operand einsum, Bool masks, scatter and index_put)
and "_v…" over the layers' functional ops, the SVD and the losses (LAYER_OPS: convolutions and their transposes,
interpolation, pixel shuffles, batch/group/layer norm, logcumsumexp, svdvals, the nuclear norm, a sign-free function
of the singular vectors, mse, huber, soft-target cross entropy, binary cross entropy with logits), "_w…" over the
remaining differentiable tensor-API functions (API_REST_OPS) and "_x…" over the fused recurrent layer directions
(RECURRENT_OPS: LSTM, GRU and Elman RNN over whole sequences, either direction, some of variable lengths).
A program drawn exactly as the fixture already holds it (same inputs, steps and weight) keeps its line as committed,
since PyTorch's vectorised kernels can round the last bit differently on another CPU.

A program starts from 1-3 leaf tensors (random shapes up to rank 3, broadcast-compatible variants of one base
shape; some are viewed first through a transpose, permute or expand), applies 2-6 random ops from the OPS table
below, and ends in  loss = sum(output * weight)  for a fixed random weight of the output's shape. Ops that need a
second operand take one from the values computed so far, or a fresh leaf while the program has fewer than three
leaves. Steps the output does not depend on are dropped; the output depends on every leaf.

random_programs_<dtype>.json
  {"dtype": "float64" | "float32", "seed": int, "programs": [program, ...]}
  program = {
    "name":   "f64_000" ...,
    "inputs": [{"shape": [...], "data": [flat row-major]}, ...]   the leaves, all requiring grad,
    "steps":  [{"op": name in OPS, "in": [value indices], "args": {...}}, ...],
    "weight": {"shape", "data"},
    "output": {"shape", "data"},   the last step's value,
    "grads":  [{"shape", "data"}, ...]   d loss / d input, one per input,
    "second": float64 programs only: {"u": [one direction per input], "grads": [d (sum_i <grads_i, u_i>) / d input]},
              the Hessian-vector products, or null where torch.autograd.gradgradcheck does not pass on the program or
              the products are not well conditioned (float32 and float64 disagree beyond 1e-3)}
  Values are numbered inputs first, then one per step in order, so step k's result is value len(inputs) + k.
  Constant tensors inside args (where conditions, gather, scatter and index_put indices) are {"shape", "data"} with
  "dtype": "int64" on indices; conditions are 0/1 in the program's dtype. Bool masks of the "_u…" programs are
  comparisons of an operand with a float32-exact threshold ({"cmp": "gt" | "lt" | "ge" | "le", "threshold"}) that
  lies away from every compared value. In args, null means "not given".

Values are drawn so that every op stays in its domain and away from its non-differentiable points (kinks of
abs/relu/leaky_relu/elu/clamp, ties of maximum/minimum/amax/amin and of sorted lines, the softplus threshold, the
jumps of floor/ceil/round/trunc/frac/fmod/remainder, by at least ROUND_KINK for the last), and so that
magnitudes range widely: leaves are scaled by 1e-4 to 100, and values may grow through the ops up to |x| = 1e4,
which every op except exp (x <= 10) accepts, so that overflow-prone composites (an activation whose untaken branch
overflows, say) are exercised. Leaves are multiples of 1/1024 (2^-24 for those of scale 1e-4) and weights of
1/16, exact in float32 and float64. A program is drawn again unless torch.autograd.gradcheck passes on it in
float64, its float32 output and gradients agree with the float64 ones to 2e-6 of each tensor's largest magnitude
(so it is well conditioned), and none of them is all zero (that would compare rounding noise) or missing (a leaf
reached only through a comparison or an index). Outputs and gradients are written with repr (round-trip exact;
float32 values as float32's shortest repr).

To add an op: one line in OPS (a name, how PyTorch computes it, how to draw its operands and args), its name in a
list of ops that only programs of their own draw (as SEQUENCE_OPS, in a new group after "_w…"), and one line in the
Ops table of tests/Nabla.Tests/Golden/RandomProgramTests.cs, then rerun this script. The earlier programs stay as they were, so
the regression theories in RandomProgramTests.cs that name them keep what they test.
"""
import json
import math
import os
import random
import zlib

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
GRID = 1024
MAX_LEAVES = 3
LIMIT = 1e4   # largest magnitude an intermediate value may reach
MAX_NUMEL = 64
TINY = 1e-4   # the scale of leaves drawn near zero, multiples of 2^-24 (still exact in float32)
KINK = 1e-3   # least distance, relative to 1 + max|x|, from a non-differentiable point

# --------------------------------------------------------------------------
# Drawing operands and arguments. A maker gets the generator and the index of the value the op applies to, and
# returns (operand indices, args), or None when the op does not fit that value.
# --------------------------------------------------------------------------


def amax(x):
    return float(x.abs().max()) if x.numel() else 0.0


def away(x, point):
    return bool(((x - point).abs() > KINK * (1 + amax(x))).all())


def positive(least):
    return lambda x: float(x.min()) > least


def broadcastable(a, b):
    return all(p == q or p == 1 or q == 1 for p, q in zip(reversed(a), reversed(b)))


def broadcast_shape(a, b):
    return list(torch.broadcast_shapes(tuple(a), tuple(b)))


def dims_arg(g, rank):
    """A non-empty sorted subset of the dims, some written negative."""
    dims = sorted(g.rng.sample(range(rank), g.rng.randint(1, rank)))
    return [d - rank if g.rng.random() < 0.3 else d for d in dims]


def a_dim(g, rank):
    d = g.rng.randrange(rank)
    return d - rank if g.rng.random() < 0.3 else d


def groups(x, dims):
    """x with the reduced dims moved last and flattened: (kept elements, reduced elements)."""
    rank = x.dim()
    red = sorted(d % rank for d in dims)
    keep = [d for d in range(rank) if d not in red]
    return x.permute(keep + red).reshape(-1, math.prod(x.shape[d] for d in red))


def unary(run, ok=lambda x: True, args=lambda g, x: {}):
    """One operand; ok(x) says whether x is in the op's domain."""
    def make(g, i):
        x = g.values[i]
        if not ok(x):
            return None
        a = args(g, x)
        return None if a is None else ([i], a)
    return run, make


def binary(run, ok=lambda a, b: True):
    """Two broadcasting operands; ok(a, b) says whether the pair is in the op's domain."""
    def make(g, i):
        j = g.partner(i, lambda y: broadcastable(g.values[i].shape, y.shape) and ok(g.values[i], y), broadcast_variant)
        return None if j is None else ([i, j], {})
    return run, make


def reduction(run, ok=lambda x, dims: True, extra=lambda g, x, dims: {}):
    def make(g, i):
        x = g.values[i]
        if x.dim() == 0:
            return None
        dims = dims_arg(g, x.dim())
        if not ok(x, dims):
            return None
        e = extra(g, x, dims)
        return None if e is None else ([i], {"dims": dims, "keepdim": g.rng.random() < 0.5, **e})
    return run, make


def no_ties(x, dims):
    s = groups(x, dims)
    if s.shape[1] < 2:
        return True
    top = s.sort(dim=1, descending=True).values
    return bool(((top[:, 0] - top[:, 1]) > KINK * (1 + amax(x))).all())


def no_ties_min(x, dims):
    return no_ties(-x, dims)


def var_correction(g, x, dims):
    c = g.rng.choice([0, 1])
    return {"correction": c} if groups(x, dims).shape[1] > c else None


def broadcast_variant(g, shape):
    """A shape that broadcasts with `shape`: the same, some dims 1, or a suffix."""
    s = list(shape)
    r = g.rng.random()
    if r < 0.3 and s:
        return [1 if g.rng.random() < 0.5 else d for d in s]
    if r < 0.5 and s:
        return s[g.rng.randint(1, len(s)):] if len(s) > 1 else s
    return s


def choice(name, options):
    """Args of one keyword drawn from options."""
    return lambda g, x: {name: g.rng.choice(options)}


def softplus_args(g, x):
    beta, threshold = g.rng.choice([(1, 20), (1, 5), (2, 3), (0.5, 10)])
    return {"beta": beta, "threshold": threshold} if away(beta * x, threshold) else None


def clamp_args(g, x):
    v = sorted(set(round(float(e) * GRID) / GRID for e in x.flatten()))
    if len(v) < 2:
        return None

    def between():
        k = g.rng.randrange(len(v) - 1)
        return round((v[k] + v[k + 1]) / 2 * GRID) / GRID

    lo, hi = sorted([between(), between()])
    kind = g.rng.choice(["both", "min", "max"])
    a = {"min": lo if kind != "max" else None, "max": hi if kind != "min" else None}
    if a["min"] is not None and a["max"] is not None and a["min"] == a["max"]:
        a["max"] = None
    ok = all(b is None or away(x, b) for b in (a["min"], a["max"]))
    return a if ok else None


def make_pow_scalar(g, i):
    x = g.values[i]
    if x.numel() == 0 or float(x.min()) <= 0.1:
        return None
    e = g.rng.choice([2, 3, 0.5, -1, 1.5, -0.5])
    return ([i], {"exponent": e}) if amax(x) ** abs(e) <= LIMIT else None


def make_where(g, i):
    x = g.values[i]
    j = g.partner(i, lambda y: broadcastable(x.shape, y.shape), broadcast_variant) if g.rng.random() < 0.7 else None
    shape = list(x.shape) if j is None else broadcast_shape(x.shape, g.values[j].shape)
    cond_shape = [1 if g.rng.random() < 0.3 else d for d in shape]
    cond = {"shape": cond_shape, "data": [g.rng.choice([0, 1]) for _ in range(math.prod(cond_shape))]}
    if j is None:
        return [i], {"condition": cond, "other": g.grid_value(-3, 3)}
    return [i, j], {"condition": cond, "other": None}


def run_where(x, a):
    other = x[1] if len(x) > 1 else torch.tensor(a["other"], dtype=x[0].dtype)
    return torch.where(const(a["condition"], x[0]) != 0, x[0], other)


def make_softmax(g, i):
    x = g.values[i]
    return None if x.dim() == 0 else ([i], {"dim": a_dim(g, x.dim())})


def make_matmul(g, i):
    x = g.values[i]
    if x.dim() not in (1, 2, 3):
        return None
    k = x.shape[-1]
    j = g.partner(i, lambda y: y.dim() == 2 and y.shape[0] == k or
                  (x.dim() == 3 and y.dim() == 3 and y.shape[0] == x.shape[0] and y.shape[1] == k),
                  lambda g, s: [k, g.rng.randint(1, 4)], allow_self=False)
    return None if j is None else ([i, j], {})


def make_linear(g, i):
    x = g.values[i]
    if x.dim() == 0:
        return None
    n = x.shape[-1]
    w = g.partner(i, lambda y: y.dim() == 2 and y.shape[1] == n, lambda g, s: [g.rng.randint(1, 4), n], allow_self=False)
    if w is None:
        return None
    out = g.values[w].shape[0]
    b = g.partner(i, lambda y: y.dim() == 1 and y.shape[0] == out, lambda g, s: [out], allow_self=False) \
        if g.rng.random() < 0.7 else None
    return ([i, w] if b is None else [i, w, b]), {"bias": b is not None}


def factorize(g, n):
    shape = []
    for _ in range(g.rng.randint(0, 2)):
        divisors = [d for d in range(2, n + 1) if n % d == 0]
        if not divisors:
            break
        d = g.rng.choice(divisors)
        shape.append(d)
        n //= d
    shape.append(n)
    g.rng.shuffle(shape)
    return shape


def reshape_args(g, x):
    shape = factorize(g, x.numel())
    if g.rng.random() < 0.3:
        shape[g.rng.randrange(len(shape))] = -1
    return {"shape": shape}


def permute_args(g, x):
    if x.dim() < 2:
        return None
    dims = list(range(x.dim()))
    while dims == sorted(dims):
        g.rng.shuffle(dims)
    return {"dims": dims}


def transpose_args(g, x):
    if x.dim() < 2:
        return None
    a, b = g.rng.sample(range(x.dim()), 2)
    return {"dim0": a if g.rng.random() < 0.7 else a - x.dim(), "dim1": b}


def narrow_args(g, x):
    dims = [d for d in range(x.dim()) if x.shape[d] >= 2]
    if not dims:
        return None
    d = g.rng.choice(dims)
    length = g.rng.randint(1, x.shape[d] - 1)
    return {"dim": d, "start": g.rng.randint(0, x.shape[d] - length), "length": length}


def pad_args(g, x):
    if x.dim() == 0:
        return None
    before, after = g.rng.choice([(0, 1), (1, 0), (1, 2), (2, 1)])
    return {"dim": a_dim(g, x.dim()), "before": before, "after": after}


def expand_args(g, x):
    shape = [g.rng.randint(2, 3) if d == 1 else (-1 if g.rng.random() < 0.3 else d) for d in x.shape]
    if 1 not in x.shape or g.rng.random() < 0.3:
        shape = [g.rng.randint(2, 3)] + shape
    return {"shape": shape}


def index_select_args(g, x):
    if x.dim() == 0:
        return None
    d = g.rng.randrange(x.dim())
    n = g.rng.randint(1, 5)
    return {"dim": d, "index": {"shape": [n], "data": [g.rng.randrange(x.shape[d]) for _ in range(n)], "dtype": "int64"}}


def gather_args(g, x):
    if x.dim() == 0:
        return None
    d = g.rng.randrange(x.dim())
    shape = [g.rng.randint(1, 4) if k == d else g.rng.randint(1, x.shape[k]) for k in range(x.dim())]
    data = [g.rng.randrange(x.shape[d]) for _ in range(math.prod(shape))]
    return {"dim": d, "index": {"shape": shape, "data": data, "dtype": "int64"}}


def make_cat(g, i):
    x = g.values[i]
    if x.dim() == 0:
        return None
    d = g.rng.randrange(x.dim())
    same = lambda y: y.dim() == x.dim() and all(y.shape[k] == x.shape[k] for k in range(x.dim()) if k != d)
    parts = [i]
    for _ in range(g.rng.randint(1, 2)):
        j = g.partner(i, same, lambda g, s: [g.rng.randint(1, 3) if k == d else s[k] for k in range(len(s))])
        if j is None:
            return None
        parts.append(j)
    return parts, {"dim": d if g.rng.random() < 0.7 else d - x.dim()}


def make_stack(g, i):
    x = g.values[i]
    parts = [i]
    for _ in range(g.rng.randint(1, 2)):
        j = g.partner(i, lambda y: list(y.shape) == list(x.shape), lambda g, s: list(s))
        if j is None:
            return None
        parts.append(j)
    d = g.rng.randint(0, x.dim())
    return parts, {"dim": d if g.rng.random() < 0.7 else d - x.dim() - 1}


def triangle_args(g, x):
    return None if x.dim() < 2 else {"diagonal": g.rng.randint(-1, 1)}


def masked_fill_args(g, x):
    shape = [1 if g.rng.random() < 0.3 else d for d in x.shape]
    mask = {"shape": shape, "data": [g.rng.choice([0, 1]) for _ in range(math.prod(shape))]}
    return {"mask": mask, "value": g.grid_value(-3, 3)}


def make_cell(gates):
    """
    A fused recurrent step with x as its input gates (N, gates·H), joined by recurrent gates of that shape and a
    state (N, H); or with x as the state, joined by two gate operands (N, gates·H).
    """
    def make(g, i):
        x = g.values[i]
        if x.dim() != 2:
            return None
        if x.shape[1] % gates == 0 and g.rng.random() < 0.5:
            n, h = x.shape[0], x.shape[1] // gates
            j = g.partner(i, lambda y: list(y.shape) == list(x.shape), lambda g, s: list(s))
            k = None if j is None else g.partner(i, lambda y: list(y.shape) == [n, h], lambda g, s: [n, h], allow_self=False)
            return None if k is None else ([i, j, k], {})
        n, h = x.shape
        wide = lambda y: list(y.shape) == [n, gates * h]
        j = g.partner(i, wide, lambda g, s: [n, gates * h], allow_self=False)
        k = None if j is None else g.partner(i, wide, lambda g, s: [n, gates * h], allow_self=False)
        return None if k is None else ([j, k, i], {})
    return make


def dim_args(g, x):
    return {"dim": a_dim(g, x.dim())} if x.dim() > 0 else None


def line_no_ties(x, dim):
    """No two elements of a line along dim closer than the kink distance (sort and topk are smooth there)."""
    s = x.movedim(dim, -1).sort(dim=-1).values
    return s.shape[-1] < 2 or bool(((s[..., 1:] - s[..., :-1]) > KINK * (1 + amax(x))).all())


def sort_args(g, x):
    if x.dim() == 0:
        return None
    d = a_dim(g, x.dim())
    return {"dim": d, "descending": g.rng.random() < 0.5} if line_no_ties(x, d) else None


def topk_args(g, x):
    if x.dim() == 0:
        return None
    d = a_dim(g, x.dim())
    return {"k": g.rng.randint(1, x.shape[d]), "dim": d} if line_no_ties(x, d) else None


def prod_args(g, x):
    if x.dim() == 0 or not away(x, 0):
        return None
    return {"dim": a_dim(g, x.dim()), "keepdim": g.rng.random() < 0.5}


def norm_args(g, x):
    if x.dim() == 0:
        return None
    d = a_dim(g, x.dim())
    p = g.rng.choice([2, 3, 1.5])
    return {"p": p, "dim": d, "keepdim": g.rng.random() < 0.5} if bool((x.abs().amax(d) > KINK * (1 + amax(x))).all()) and away(x, 0) else None


def flip_args(g, x):
    return {"dims": dims_arg(g, x.dim())} if x.dim() > 0 else None


def roll_args(g, x):
    if x.dim() == 0:
        return None
    d = a_dim(g, x.dim())
    return {"shift": g.rng.choice([-2, -1, 1, 2, 3]), "dim": d}


def repeat_args(g, x):
    reps = [g.rng.choice([1, 1, 2]) for _ in range(x.dim() + g.rng.choice([0, 0, 1]))]
    return {"repeats": reps} if reps and math.prod(reps) * x.numel() <= MAX_NUMEL else None


def diagonal_args(g, x):
    if x.dim() < 2:
        return None
    d1, d2 = g.rng.sample(range(x.dim()), 2)
    return {"offset": g.rng.choice([0, 0, 1, -1]), "dim1": d1, "dim2": d2}


def last_two(g, x):
    return {} if x.dim() >= 2 else None


def pad_mode_args(g, x):
    if x.dim() not in (2, 3) or x.shape[-1] < 2:
        return None
    return {"mode": g.rng.choice(["reflect", "replicate"]), "before": 1, "after": g.rng.choice([0, 1])}


def take_args(g, x):
    n = x.numel()
    k = g.rng.randint(1, 6)
    return {"index": {"shape": [k], "data": [g.rng.randrange(-n, n) for _ in range(k)], "dtype": "int64"}}


def index_get_args(g, x):
    if x.dim() == 0:
        return None
    k = g.rng.randint(1, 4)
    return {"index": {"shape": [k], "data": [g.rng.randrange(x.shape[0]) for _ in range(k)], "dtype": "int64"}}


def setitem_args(g, x):
    return {} if x.dim() >= 1 and x.shape[-1] >= 2 else None


def run_setitem(x, a):
    y = x[0] * 1
    y[..., 0] = x[0][..., -1] * 2
    return y


def run_pad_mode(x, a):
    return F.pad(x[0], [a["before"], a["after"]], mode=a["mode"])



def run_lstm_cell(x, a):
    i, f, c, o = (x[0] + x[1]).chunk(4, 1)
    cell = torch.sigmoid(f) * x[2] + torch.sigmoid(i) * torch.tanh(c)
    return torch.stack([torch.sigmoid(o) * torch.tanh(cell), cell])


def run_gru_cell(x, a):
    ir, iz, i_n = x[0].chunk(3, 1)
    hr, hz, hn = x[1].chunk(3, 1)
    r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
    return (1 - z) * torch.tanh(i_n + r * hn) + z * x[2]


# The fused recurrent layer directions of the programs named "*_x…": input gates (T, N, G·H), the recurrent weight
# (G·H, H), the GRU's recurrent bias when there is one, and the initial states (N, H); a row past its length holds its
# states, and the steps run backwards with "reverse". Every h_t in time order, then for the LSTM the last c.

def held(a, t, new, old):
    """The state after step t: new, except in the rows past their length, which keep old."""
    if a["lengths"] is None:
        return new
    within = torch.tensor([t < length for length in a["lengths"]]).reshape(-1, 1)
    return torch.where(within, new, old)


def time_order(a, steps):
    return range(steps - 1, -1, -1) if a["reverse"] else range(steps)


def run_lstm_sequence(x, a):
    gates, w, h, c = x
    outputs = [None] * gates.shape[0]
    for t in time_order(a, gates.shape[0]):
        i, f, g, o = (gates[t] + h @ w.T).chunk(4, 1)
        cell = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = outputs[t] = held(a, t, torch.sigmoid(o) * torch.tanh(cell), h)
        c = held(a, t, cell, c)
    return torch.stack(outputs + [c])


def run_gru_sequence(x, a):
    gates, w, b, h = x if a["bias"] else (x[0], x[1], None, x[2])
    outputs = [None] * gates.shape[0]
    for t in time_order(a, gates.shape[0]):
        ir, iz, i_n = gates[t].chunk(3, 1)
        hr, hz, hn = F.linear(h, w, b).chunk(3, 1)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        h = outputs[t] = held(a, t, (1 - z) * torch.tanh(i_n + r * hn) + z * h, h)
    return torch.stack(outputs)


def run_rnn_sequence(x, a):
    gates, w, h = x
    outputs = [None] * gates.shape[0]
    for t in time_order(a, gates.shape[0]):
        pre = gates[t] + h @ w.T
        h = outputs[t] = held(a, t, torch.relu(pre) if a["relu"] else torch.tanh(pre), h)
    return torch.stack(outputs)


def make_sequence(gates, states=1, bias=False, relu=False):
    """
    A fused layer direction with x as its input gates (T, N, gates·H), or with x as an initial state (N, H) and fresh
    input gates of one to three steps; the weight, the bias (sometimes none) and the other states join as partners.
    """
    def make(g, i):
        x = g.values[i]
        if x.dim() == 3 and x.shape[2] % gates == 0:
            steps, n, h = x.shape[0], x.shape[1], x.shape[2] // gates
            operands = [i]
        elif x.dim() == 2:
            (n, h), steps = x.shape, g.rng.randint(1, 3)
            k = g.partner(i, lambda y: list(y.shape) == [steps, n, gates * h], lambda g, s: [steps, n, gates * h], allow_self=False)
            if k is None:
                return None
            operands = [k]
        else:
            return None
        w = g.partner(operands[0], lambda y: list(y.shape) == [gates * h, h], lambda g, s: [gates * h, h], allow_self=False)
        if w is None:
            return None
        operands.append(w)
        with_bias = bias and g.rng.random() < 0.7
        if with_bias:
            b = g.partner(operands[0], lambda y: list(y.shape) == [gates * h], lambda g, s: [gates * h], allow_self=False)
            if b is None:
                return None
            operands.append(b)
        for k in range(states):
            if x.dim() == 2 and k == 0:
                operands.append(i)
                continue
            state = g.partner(operands[0], lambda y: list(y.shape) == [n, h], lambda g, s: [n, h], allow_self=False)
            if state is None:
                return None
            operands.append(state)
        args = {"reverse": g.rng.random() < 0.5,
                "lengths": [g.rng.randint(1, steps) for _ in range(n)] if steps > 1 and g.rng.random() < 0.6 else None}
        if bias:
            args["bias"] = with_bias
        if relu:
            args["relu"] = g.rng.random() < 0.3
        return operands, args
    return make


# The wider tensor API of the programs named "*_u…": sorting with indices, rounding, remainders, two-operand einsum,
# Bool masks from comparisons, and scatter / index_put / index_add style writes.

ROUND_KINK = 1e-4   # least distance, relative to 1 + max|x|, from a jump of floor, round, fmod...


def off_jumps(x, period=1.0, phase=0.0, zero_ok=False):
    """No element within ROUND_KINK·(1 + max|x|) of phase + k·period; zero_ok exempts |x| < period/2 (trunc is smooth at 0)."""
    r = torch.remainder(x - phase, period)
    d = torch.minimum(r, period - r)
    if zero_ok:
        d = torch.where(x.abs() < period / 2, torch.full_like(d, math.inf), d)
    return bool((d > ROUND_KINK * (1 + amax(x))).all())


def round_decimals_args(g, x):
    decimals = g.rng.choice([1, 2, -1])
    return {"decimals": decimals} if off_jumps(x, 10.0 ** -decimals, 0.5 * 10.0 ** -decimals) else None


def quotient_ok(a, b, trunc):
    """a / b away from the integers where fmod (trunc) or remainder (floor) jumps, measured in a's units."""
    if float(b.abs().min()) <= 0.1:
        return False
    q = a / b
    r = torch.remainder(q, 1.0)
    d = torch.minimum(r, 1 - r) * b.abs()
    if trunc:
        d = torch.where(q.abs() < 0.5, torch.full_like(d, math.inf), d)
    return bool((d > ROUND_KINK * (1 + amax(a))).all())


def divisor_args(trunc):
    def args(g, x):
        b = g.rng.choice([1.5, -2.0, 0.75, 3.0, -0.5])
        return {"other": b} if quotient_ok(x, torch.tensor(b, dtype=x.dtype), trunc) else None
    return args


# Two-operand einsum equations by kind: (equation, rank of the first operand, accept(x, y), fresh shape of y).
EINSUM_EQUATIONS = {
    "matmul": [("ij,jk->ik", 2, lambda x, y: y.dim() == 2 and y.shape[0] == x.shape[1], lambda g, s: [s[1], g.rng.randint(1, 4)]),
               ("ij,kj->ik", 2, lambda x, y: y.dim() == 2 and y.shape[1] == x.shape[1], lambda g, s: [g.rng.randint(1, 4), s[1]]),
               ("ij,jk->ki", 2, lambda x, y: y.dim() == 2 and y.shape[0] == x.shape[1], lambda g, s: [s[1], g.rng.randint(1, 4)]),
               ("ij,j->i", 2, lambda x, y: list(y.shape) == [x.shape[1]], lambda g, s: [s[1]]),
               ("i,ij->j", 1, lambda x, y: y.dim() == 2 and y.shape[0] == x.shape[0], lambda g, s: [s[0], g.rng.randint(1, 4)])],
    "batched": [("bij,bjk->bik", 3, lambda x, y: y.dim() == 3 and y.shape[0] == x.shape[0] and y.shape[1] == x.shape[2],
                 lambda g, s: [s[0], s[2], g.rng.randint(1, 4)]),
                ("bij,bkj->bik", 3, lambda x, y: y.dim() == 3 and y.shape[0] == x.shape[0] and y.shape[2] == x.shape[2],
                 lambda g, s: [s[0], g.rng.randint(1, 4), s[2]]),
                ("...ij,jk->...ik", 3, lambda x, y: y.dim() == 2 and y.shape[0] == x.shape[2], lambda g, s: [s[2], g.rng.randint(1, 4)]),
                ("bij,bi->bj", 3, lambda x, y: list(y.shape) == [x.shape[0], x.shape[1]], lambda g, s: [s[0], s[1]])],
    "outer": [("i,j->ij", 1, lambda x, y: y.dim() == 1, lambda g, s: [g.rng.randint(1, 4)]),
              ("i,j->ji", 1, lambda x, y: y.dim() == 1, lambda g, s: [g.rng.randint(1, 4)]),
              ("ij,k->ikj", 2, lambda x, y: y.dim() == 1, lambda g, s: [g.rng.randint(1, 3)])],
    "trace": [("ij,ji->", 2, lambda x, y: list(y.shape) == [x.shape[1], x.shape[0]], lambda g, s: [s[1], s[0]]),
              ("i,i->", 1, lambda x, y: list(y.shape) == list(x.shape), lambda g, s: list(s)),
              ("ij,ij->i", 2, lambda x, y: list(y.shape) == list(x.shape), lambda g, s: list(s)),
              ("ii,i->i", 2, lambda x, y: x.shape[0] == x.shape[1] and list(y.shape) == [x.shape[0]], lambda g, s: [s[0]])],
}


def make_einsum(kind):
    def make(g, i):
        x = g.values[i]
        fitting = [e for e in EINSUM_EQUATIONS[kind] if e[1] == x.dim()]
        if not fitting:
            return None
        equation, _, accept, fresh = g.rng.choice(fitting)
        j = g.partner(i, lambda y: accept(x, y), fresh)
        return None if j is None else ([i, j], {"equation": equation})
    return make


COMPARISONS = {"gt": torch.gt, "lt": torch.lt, "ge": torch.ge, "le": torch.le}


def threshold(g, c):
    """A comparison (op, threshold) that splits c's values, the threshold float32-exact and away from every value."""
    v = sorted(set(c.flatten().tolist()))
    if len(v) < 2:
        return None
    k = g.rng.randrange(len(v) - 1)
    t = float(np.float32((v[k] + v[k + 1]) / 2))
    return (g.rng.choice(list(COMPARISONS)), t) if away(c, t) else None


def compared(c, a):
    return COMPARISONS[a["cmp"]](c, a["threshold"])


def make_masked(shape_ok, fresh_shape=lambda g, s: list(s), value=False, source=False):
    """
    An op of x and a Bool mask compared from a value c (x itself or a partner; shape_ok(x, c) says which fit); a fill
    value when value, and a source partner of x's shape when source.
    """
    def make(g, i):
        x = g.values[i]
        if x.dim() == 0:
            return None
        operands = [i]
        if source:
            j = g.partner(i, lambda y: list(y.shape) == list(x.shape), lambda g, s: list(s), allow_self=False)
            if j is None:
                return None
            operands.append(j)
        c = i if g.rng.random() < 0.5 else g.partner(i, lambda y: shape_ok(x, y), fresh_shape)
        if c is None:
            return None
        cut = threshold(g, g.values[c])
        if cut is None:
            return None
        mask = COMPARISONS[cut[0]](g.values[c], cut[1])
        if not bool(mask.any()):
            return None
        args = {"cmp": cut[0], "threshold": cut[1]}
        if value:
            args["value"] = g.grid_value(-3, 3)
        return operands + [c], args
    return make


def broadcasts_to(x, c):
    return broadcastable(x.shape, c.shape) and broadcast_shape(x.shape, c.shape) == list(x.shape)


def same_shape(x, c):
    return list(c.shape) == list(x.shape)


def make_where_cmp(g, i):
    x = g.values[i]
    j = g.partner(i, lambda y: broadcastable(x.shape, y.shape), broadcast_variant, allow_self=False)
    if j is None:
        return None
    on = g.rng.choice([0, 1])
    cut = threshold(g, g.values[[i, j][on]])
    return None if cut is None else ([i, j], {"on": on, "cmp": cut[0], "threshold": cut[1]})


def make_mask_rows(g, i):
    x = g.values[i]
    if x.dim() < 2:
        return None
    cut = threshold(g, x[..., 0])
    return None if cut is None else ([i], {"cmp": cut[0], "threshold": cut[1]})


def run_mask_setitem(x, a):
    y = x[0] * 1
    y[compared(x[1], a)] = a["value"]
    return y


def index_spec(shape, data):
    return {"shape": list(shape), "data": data, "dtype": "int64"}


def scatter_index(g, x, shape, d, unique):
    """An index of the given shape for scatter along d into x, unique along d when unique."""
    if unique:
        lines = math.prod(shape) // shape[d]
        cols = [g.rng.sample(range(x.shape[d]), shape[d]) for _ in range(lines)]
        # cols[l] holds line l's positions; lay them out with d as the lines' axis.
        t = torch.tensor(cols).reshape([s for k, s in enumerate(shape) if k != d] + [shape[d]]).movedim(-1, d)
        data = t.reshape(-1).tolist()
    else:
        data = [g.rng.randrange(x.shape[d]) for _ in range(math.prod(shape))]
    return index_spec(shape, data)


def make_scatter(unique, with_source=True):
    """
    scatter / scatter_add of a source whose shape is the index's (PyTorch's backward needs that), at most x's shape off
    dim d (and along d too when the index is unique there); with_source False scatters a value at a random index.
    """
    def make(g, i):
        x = g.values[i]
        if x.dim() == 0:
            return None
        d = g.rng.randrange(x.dim())
        if not with_source:
            shape = [g.rng.randint(1, x.shape[k]) if k != d else g.rng.randint(1, 4) for k in range(x.dim())]
            return [i], {"dim": d, "index": scatter_index(g, x, shape, d, False), "value": g.grid_value(-3, 3)}
        fits = lambda y: y.dim() == x.dim() and all(y.shape[k] <= x.shape[k] for k in range(x.dim()) if k != d or unique)
        j = g.partner(i, fits, lambda g, s: [g.rng.randint(1, s[k] if k != d or unique else 4) for k in range(len(s))],
                      allow_self=not unique)
        if j is None:
            return None
        return [i, j], {"dim": d, "index": scatter_index(g, x, list(g.values[j].shape), d, unique)}
    return make


def make_index_add(g, i):
    x = g.values[i]
    if x.dim() == 0:
        return None
    d = g.rng.randrange(x.dim())
    j = g.partner(i, lambda y: y.dim() == x.dim() and all(y.shape[k] == x.shape[k] for k in range(x.dim()) if k != d),
                  lambda g, s: [g.rng.randint(1, 4) if k == d else s[k] for k in range(len(s))])
    if j is None:
        return None
    n = g.values[j].shape[d]
    return [i, j], {"dim": d, "index": index_spec([n], [g.rng.randrange(x.shape[d]) for _ in range(n)])}


def index_fill_args(g, x):
    if x.dim() == 0:
        return None
    d = g.rng.randrange(x.dim())
    n = g.rng.randint(1, 3)
    return {"dim": d, "index": index_spec([n], [g.rng.randrange(x.shape[d]) for _ in range(n)]), "value": g.grid_value(-3, 3)}


def make_index_put(g, i):
    """x.index_put((i0[, i1]), values, accumulate): one index tensor on dim 0, or two on dims 0 and 1; unique unless accumulating."""
    x = g.values[i]
    if x.dim() == 0:
        return None
    count = 2 if x.dim() >= 2 and g.rng.random() < 0.5 else 1
    accumulate = g.rng.random() < 0.5
    cells = [tuple(c) for c in np.ndindex(*x.shape[:count])]
    n = g.rng.randint(1, min(4, len(cells)))
    chosen = [g.rng.choice(cells) for _ in range(n)] if accumulate else g.rng.sample(cells, n)
    rest = list(x.shape[count:])
    target = [n] + rest
    j = g.partner(i, lambda y: broadcastable(y.shape, target) and broadcast_shape(y.shape, target) == target,
                  lambda g, s: target if g.rng.random() < 0.6 else target[g.rng.randint(1, len(target)):] or [1], allow_self=False)
    if j is None:
        return None
    index = [index_spec([n], [int(c[k]) for c in chosen]) for k in range(count)]
    return [i, j], {"index0": index[0], "index1": index[1] if count == 2 else None, "accumulate": accumulate}


def run_index_put(x, a):
    index = tuple(const(a[k], x[0]) for k in ("index0", "index1") if a[k] is not None)
    return x[0].index_put(index, x[1], accumulate=a["accumulate"])


def make_setitem_index(g, i):
    x = g.values[i]
    if x.dim() == 0:
        return None
    n = g.rng.randint(1, x.shape[0])
    target = [n] + list(x.shape[1:])
    j = g.partner(i, lambda y: broadcastable(y.shape, target) and broadcast_shape(y.shape, target) == target,
                  lambda g, s: target if g.rng.random() < 0.6 else target[g.rng.randint(1, len(target)):] or [1], allow_self=False)
    return None if j is None else ([i, j], {"index": index_spec([n], g.rng.sample(range(x.shape[0]), n))})


def run_setitem_index(x, a):
    y = x[0] * 1
    y[const(a["index"], x[0])] = x[1]
    return y


def make_sort_pair(args_of):
    """x (the sort key, no ties) and y of x's shape (possibly x itself), with the sort's args drawn by args_of."""
    def make(g, i):
        x = g.values[i]
        a = args_of(g, x)
        if a is None:
            return None
        j = g.partner(i, lambda y: list(y.shape) == list(x.shape), lambda g, s: list(s))
        return None if j is None else ([i, j], a)
    return make


def topk_largest_args(g, x):
    a = topk_args(g, x)
    return None if a is None else {**a, "largest": g.rng.random() < 0.5}


def run_topk_indices(x, a):
    values, indices = torch.topk(x[0], a["k"], a["dim"], a["largest"])
    return values + 0.5 * torch.gather(x[1], a["dim"], indices)


def run_sort_indices(x, a):
    values, indices = torch.sort(x[0], a["dim"], a["descending"])
    return values + torch.gather(x[1], a["dim"], indices)


def kth_args(g, x):
    a = topk_args(g, x)
    return None if a is None else {"k": a["k"], "dim": a["dim"], "keepdim": g.rng.random() < 0.5}


def median_args(g, x):
    a = sort_args(g, x)
    return None if a is None else {"dim": a["dim"], "keepdim": g.rng.random() < 0.5}


def cummax_args(g, x):
    a = sort_args(g, x)
    return None if a is None else {"dim": a["dim"]}


def const(spec, like):
    dtype = torch.int64 if spec.get("dtype") == "int64" else like.dtype
    return torch.tensor(spec["data"], dtype=dtype).reshape(spec["shape"])


# --------------------------------------------------------------------------
# The op table: name -> (run(xs, args) -> tensor, maker). One line per op.
# --------------------------------------------------------------------------

# --------------------------------------------------------------------------
# The layers' functional ops, decompositions and losses, drawn only in the programs named "*_v…".
# --------------------------------------------------------------------------


def svd_ok(x):
    """A matrix (or batch) whose singular values are nonzero and apart by 5% of the largest, where the SVD is smooth."""
    if x.dim() < 2 or min(x.shape[-2:]) < 1:
        return False
    s = torch.linalg.svdvals(x)
    top = s[..., :1]
    return bool((s[..., -1:] > 0.05 * top).all()) and (s.shape[-1] < 2 or bool(((s[..., :-1] - s[..., 1:]) > 0.05 * top).all()))


def run_svd_factors(x, a):
    u, s, vh = torch.linalg.svd(x[0], full_matrices=False)
    return (u.square() * s.unsqueeze(-2)) @ vh.square()


def make_conv(transposed, spatial):
    """x (C, L) or (C, H, W) seen with a batch of 1 as (1, C, …), a weight leaf, an optional bias leaf, stride, padding."""
    def make(g, i):
        x = g.values[i]
        if x.dim() != spatial + 1:
            return None
        c, size = x.shape[0], list(x.shape[1:])
        out = g.rng.randint(1, 3)
        kernel = [g.rng.randint(1, min(3, n) if not transposed else 3) for n in size]
        stride = g.rng.choice([1, 1, 2])
        padding = g.rng.randint(0, min(kernel) - 1)
        output_padding = g.rng.randint(0, stride - 1) if transposed else 0
        if transposed:
            final = [(n - 1) * stride - 2 * padding + k + output_padding for n, k in zip(size, kernel)]
        else:
            final = [(n + 2 * padding - k) // stride + 1 for n, k in zip(size, kernel)]
        if min(final) < 1 or math.prod(final) * out > MAX_NUMEL:
            return None
        shape = [c, out] + kernel if transposed else [out, c] + kernel
        w = g.partner(i, lambda y: list(y.shape) == shape, lambda g, s: shape, allow_self=False)
        if w is None:
            return None
        b = g.partner(i, lambda y: list(y.shape) == [out], lambda g, s: [out], allow_self=False) if g.rng.random() < 0.5 else None
        args = {"stride": stride, "padding": padding, "bias": b is not None}
        if transposed:
            args["output_padding"] = output_padding
        return ([i, w] if b is None else [i, w, b]), args
    return make


def run_conv(fn, x, a):
    extra = {"output_padding": a["output_padding"]} if "output_padding" in a else {}
    return fn(x[0].unsqueeze(0), x[1], x[2] if a["bias"] else None, stride=a["stride"], padding=a["padding"], **extra).squeeze(0)


def interpolate_args(spatial):
    def args(g, x):
        if x.dim() != spatial + 1:
            return None
        size = [g.rng.randint(1, 5) for _ in range(spatial)]
        if math.prod(size) * x.shape[0] > MAX_NUMEL:
            return None
        return {"size": size, "align_corners": g.rng.random() < 0.5}
    return args


def run_interpolate(mode):
    return lambda x, a: F.interpolate(x[0].unsqueeze(0), size=a["size"], mode=mode, align_corners=a["align_corners"]).squeeze(0)


def spread(x, dims):
    """Every normalised group spread out (variance at least 1% of its largest square), so the normalisation is well conditioned."""
    var = x.var(dims, unbiased=False)
    return bool((var > 0.01 * (1 + amax(x)) ** 2 / (1 + amax(x))).all()) and bool((var > 1e-6).all())


def make_norm(kind):
    def make(g, i):
        x = g.values[i]
        if kind == "layer":
            if x.dim() < 1 or x.shape[-1] < 2:
                return None
            shape = list(x.shape[-2:]) if x.dim() >= 2 and g.rng.random() < 0.4 else [x.shape[-1]]
            if not spread(x, list(range(x.dim() - len(shape), x.dim()))):
                return None
            args = {"normalized_shape": shape}
        else:
            if x.dim() not in (2, 3):
                return None
            c = x.shape[1]
            if kind == "batch":
                dims = [0] + list(range(2, x.dim()))
                if x.numel() // c < 2 or not spread(x, dims):
                    return None
                args = {}
                shape = [c]
            else:
                groups = g.rng.choice([d for d in range(1, c + 1) if c % d == 0])
                per = x.reshape(x.shape[0], groups, -1)
                if per.shape[-1] < 2 or not spread(per, [2]):
                    return None
                args = {"num_groups": groups}
                shape = [c]
        affine = g.rng.random() < 0.6
        ops = [i]
        if affine:
            w = g.partner(i, lambda y: list(y.shape) == shape, lambda g, s: shape, allow_self=False)
            b = None if w is None else g.partner(i, lambda y: list(y.shape) == shape, lambda g, s: shape, allow_self=False)
            if b is None:
                return None
            ops += [w, b]
        args["affine"] = affine
        return ops, args
    return make


def run_norm(kind):
    def run(x, a):
        w, b = (x[1], x[2]) if a["affine"] else (None, None)
        if kind == "batch":
            return F.batch_norm(x[0], None, None, w, b, training=True)
        if kind == "group":
            return F.group_norm(x[0], a["num_groups"], w, b)
        return F.layer_norm(x[0], a["normalized_shape"], w, b)
    return run


def make_loss(ok=lambda a, b: True, rank=None, extra=lambda g: {}):
    """Two operands of one shape (rank given or any but 0) and a reduction."""
    def make(g, i):
        x = g.values[i]
        if x.dim() == 0 or (rank is not None and x.dim() != rank):
            return None
        j = g.partner(i, lambda y: list(y.shape) == list(x.shape) and ok(x, y), lambda g, s: list(s), allow_self=False)
        if j is None:
            return None
        return [i, j], {"reduction": g.rng.choice(["none", "mean", "sum"]), **extra(g)}
    return make


def huber_ok(delta):
    return lambda a, b: away((a - b).abs() - delta, 0)


def make_huber(g, i):
    delta = g.rng.choice([1.0, 0.5, 4.0])
    made = make_loss(huber_ok(delta))(g, i)
    if made is None:
        return None
    made[1]["delta"] = delta
    return made


# --------------------------------------------------------------------------
# The remaining differentiable tensor-API functions, drawn only in the programs named "*_w…".
# --------------------------------------------------------------------------


def tile_args(g, x):
    reps = [g.rng.randint(1, 2) for _ in range(g.rng.randint(1, max(1, x.dim()) + 1))]
    return None if x.numel() * math.prod(reps) > MAX_NUMEL or max(reps) == 1 and g.rng.random() < 0.7 else {"reps": reps}


def repeat_interleave_args(g, x):
    if x.dim() == 0:
        return None
    repeats = g.rng.randint(2, 3)
    return None if x.numel() * repeats > MAX_NUMEL else {"repeats": repeats, "dim": a_dim(g, x.dim())}


def quantile_args(g, x):
    if x.dim() == 0 or x.shape[-1] < 2:
        return None
    dim = a_dim(g, x.dim())
    if x.shape[dim] < 2 or not line_no_ties(x, dim):
        return None
    q = g.rng.choice([0.25, 0.5, 0.75, 0.1])
    # Away from the interpolation's kinks: q·(n − 1) must not be a whole number unless q hits an element exactly.
    return {"q": q, "dim": dim, "keepdim": g.rng.random() < 0.5}


def make_outer(g, i):
    x = g.values[i]
    if x.dim() != 1:
        return None
    j = g.partner(i, lambda y: y.dim() == 1 and x.shape[0] * y.shape[0] <= MAX_NUMEL, lambda g, s: [g.rng.randint(2, 4)], allow_self=False)
    return None if j is None else ([i, j], {})


def make_cdist(g, i):
    x = g.values[i]
    if x.dim() not in (2, 3):
        return None
    m = x.shape[-1]
    j = g.partner(i, lambda y: y.dim() == x.dim() and y.shape[-1] == m and (x.dim() == 2 or y.shape[0] == x.shape[0]),
                  lambda g, s: list(x.shape[:-2]) + [g.rng.randint(2, 3), m], allow_self=False)
    if j is None:
        return None
    d = torch.cdist(x, g.values[j])
    return None if float(d.min()) < 0.1 * (1 + amax(x)) else ([i, j], {})


def make_bmm(g, i):
    x = g.values[i]
    if x.dim() != 3:
        return None
    b, _, k = x.shape
    j = g.partner(i, lambda y: y.dim() == 3 and y.shape[0] == b and y.shape[1] == k, lambda g, s: [b, k, g.rng.randint(1, 3)], allow_self=False)
    return None if j is None else ([i, j], {})


def make_addmm(g, i):
    x = g.values[i]
    if x.dim() != 2:
        return None
    n, k = x.shape
    j = g.partner(i, lambda y: y.dim() == 2 and y.shape[0] == k, lambda g, s: [k, g.rng.randint(1, 3)], allow_self=False)
    if j is None:
        return None
    out = [n, g.values[j].shape[1]]
    c = g.partner(i, lambda y: broadcastable(list(y.shape), out) and list(torch.broadcast_shapes(y.shape, tuple(out))) == out,
                  lambda g, s: out, allow_self=False)
    return None if c is None else ([c, i, j], {"beta": g.rng.choice([1.0, 0.5]), "alpha": g.rng.choice([1.0, -2.0])})


OPS = {
    "add": binary(lambda x, a: x[0] + x[1]),
    "sub": binary(lambda x, a: x[0] - x[1]),
    "mul": binary(lambda x, a: x[0] * x[1]),
    "div": binary(lambda x, a: x[0] / x[1], ok=lambda a, b: float(b.abs().min()) > 0.1),
    "pow": binary(lambda x, a: torch.pow(x[0], x[1]), ok=lambda a, b: float(a.min()) > 0.1 and amax(b) <= 3),
    "maximum": binary(lambda x, a: torch.maximum(x[0], x[1]), ok=lambda a, b: away(a - b, 0)),
    "minimum": binary(lambda x, a: torch.minimum(x[0], x[1]), ok=lambda a, b: away(a - b, 0)),
    "neg": unary(lambda x, a: -x[0]),
    "exp": unary(lambda x, a: torch.exp(x[0]), ok=lambda x: float(x.max()) <= 10),
    "log": unary(lambda x, a: torch.log(x[0]), ok=positive(0.05)),
    "log1p": unary(lambda x, a: torch.log1p(x[0]), ok=positive(-0.9)),
    "sqrt": unary(lambda x, a: torch.sqrt(x[0]), ok=positive(0.05)),
    "abs": unary(lambda x, a: torch.abs(x[0]), ok=lambda x: away(x, 0)),
    "relu": unary(lambda x, a: torch.relu(x[0]), ok=lambda x: away(x, 0)),
    "sigmoid": unary(lambda x, a: torch.sigmoid(x[0])),
    "tanh": unary(lambda x, a: torch.tanh(x[0])),
    "erf": unary(lambda x, a: torch.erf(x[0])),
    "sin": unary(lambda x, a: torch.sin(x[0])),
    "cos": unary(lambda x, a: torch.cos(x[0])),
    "softplus": unary(lambda x, a: F.softplus(x[0], a["beta"], a["threshold"]), args=softplus_args),
    "gelu": unary(lambda x, a: F.gelu(x[0])),
    "silu": unary(lambda x, a: F.silu(x[0])),
    "elu": unary(lambda x, a: F.elu(x[0], a["alpha"]), ok=lambda x: away(x, 0), args=choice("alpha", [1.0, 0.5, 1.5])),
    "leaky_relu": unary(lambda x, a: F.leaky_relu(x[0], a["negative_slope"]), ok=lambda x: away(x, 0), args=choice("negative_slope", [0.01, 0.2])),
    "clamp": unary(lambda x, a: torch.clamp(x[0], a["min"], a["max"]), args=clamp_args),
    "pow_scalar": (lambda x, a: torch.pow(x[0], a["exponent"]), make_pow_scalar),
    "where": (run_where, make_where),
    "sum": reduction(lambda x, a: x[0].sum(a["dims"], a["keepdim"])),
    "mean": reduction(lambda x, a: x[0].mean(a["dims"], a["keepdim"])),
    "amax": reduction(lambda x, a: x[0].amax(a["dims"], a["keepdim"]), ok=no_ties),
    "amin": reduction(lambda x, a: x[0].amin(a["dims"], a["keepdim"]), ok=no_ties_min),
    "var": reduction(lambda x, a: torch.var(x[0], a["dims"], correction=a["correction"], keepdim=a["keepdim"]), extra=var_correction),
    "logsumexp": reduction(lambda x, a: torch.logsumexp(x[0], a["dims"], a["keepdim"])),
    "softmax": (lambda x, a: torch.softmax(x[0], a["dim"]), make_softmax),
    "log_softmax": (lambda x, a: torch.log_softmax(x[0], a["dim"]), make_softmax),
    "matmul": (lambda x, a: torch.matmul(x[0], x[1]), make_matmul),
    "linear": (lambda x, a: F.linear(x[0], x[1], x[2] if a["bias"] else None), make_linear),
    "reshape": unary(lambda x, a: x[0].reshape(a["shape"]), args=reshape_args),
    "permute": unary(lambda x, a: x[0].permute(a["dims"]), args=permute_args),
    "transpose": unary(lambda x, a: x[0].transpose(a["dim0"], a["dim1"]), args=transpose_args),
    "narrow": unary(lambda x, a: x[0].narrow(a["dim"], a["start"], a["length"]), args=narrow_args),
    "pad": unary(lambda x, a: F.pad(x[0], [0, 0] * (x[0].dim() - 1 - a["dim"] % x[0].dim()) + [a["before"], a["after"]]), args=pad_args),
    "cat": (lambda x, a: torch.cat(x, a["dim"]), make_cat),
    "stack": (lambda x, a: torch.stack(x, a["dim"]), make_stack),
    "index_select": unary(lambda x, a: torch.index_select(x[0], a["dim"], const(a["index"], x[0])), args=index_select_args),
    "gather": unary(lambda x, a: torch.gather(x[0], a["dim"], const(a["index"], x[0])), args=gather_args),
    "expand": unary(lambda x, a: x[0].expand(a["shape"]), args=expand_args),
    "tril": unary(lambda x, a: torch.tril(x[0], a["diagonal"]), args=triangle_args),
    "triu": unary(lambda x, a: torch.triu(x[0], a["diagonal"]), args=triangle_args),
    "masked_fill": unary(lambda x, a: x[0].masked_fill(const(a["mask"], x[0]) != 0, a["value"]), args=masked_fill_args),
    "lstm_cell": (run_lstm_cell, make_cell(4)),
    "gru_cell": (run_gru_cell, make_cell(3)),
    # The fused recurrent layer directions, drawn only in the programs named "*_x…".
    "lstm_sequence": (run_lstm_sequence, make_sequence(4, states=2)),
    "gru_sequence": (run_gru_sequence, make_sequence(3, bias=True)),
    "rnn_sequence": (run_rnn_sequence, make_sequence(1, relu=True)),
    # The tensor-API functions, indexing and in-place writes, drawn only in the programs named "*_t…".
    "tan": unary(lambda x, a: torch.tan(x[0]), ok=lambda x: amax(x) < 1.2),
    "atan": unary(lambda x, a: torch.atan(x[0])),
    "sinh": unary(lambda x, a: torch.sinh(x[0]), ok=lambda x: amax(x) <= 8),
    "cosh": unary(lambda x, a: torch.cosh(x[0]), ok=lambda x: amax(x) <= 8),
    "asinh": unary(lambda x, a: torch.asinh(x[0])),
    "expm1": unary(lambda x, a: torch.expm1(x[0]), ok=lambda x: float(x.max()) <= 10),
    "exp2": unary(lambda x, a: torch.exp2(x[0]), ok=lambda x: float(x.max()) <= 13),
    "log2": unary(lambda x, a: torch.log2(x[0]), ok=positive(0.05)),
    "log10": unary(lambda x, a: torch.log10(x[0]), ok=positive(0.05)),
    "atan2": binary(lambda x, a: torch.atan2(x[0], x[1]), ok=lambda a, b: away(a, 0) and away(b, 0)),
    "hypot": binary(lambda x, a: torch.hypot(x[0], x[1]), ok=lambda a, b: away(a, 0)),
    "lerp": binary(lambda x, a: torch.lerp(x[0], x[1], 0.25)),
    "cumsum": unary(lambda x, a: torch.cumsum(x[0], a["dim"]), args=dim_args),
    "cumprod": unary(lambda x, a: torch.cumprod(x[0], a["dim"]), ok=lambda x: away(x, 0), args=dim_args),
    "prod_dim": unary(lambda x, a: torch.prod(x[0], a["dim"], a["keepdim"]), args=prod_args),
    "norm": unary(lambda x, a: torch.norm(x[0], a["p"], a["dim"], a["keepdim"]), args=norm_args),
    "sort_values": unary(lambda x, a: torch.sort(x[0], a["dim"], a["descending"]).values, args=sort_args),
    "topk_values": unary(lambda x, a: torch.topk(x[0], a["k"], a["dim"]).values, args=topk_args),
    "flip": unary(lambda x, a: torch.flip(x[0], a["dims"]), args=flip_args),
    "roll": unary(lambda x, a: torch.roll(x[0], a["shift"], a["dim"]), args=roll_args),
    "repeat": unary(lambda x, a: x[0].repeat(a["repeats"]), args=repeat_args),
    "diagonal": unary(lambda x, a: torch.diagonal(x[0], a["offset"], a["dim1"], a["dim2"]), args=diagonal_args),
    "einsum_transpose": unary(lambda x, a: torch.einsum("...ij->...ji", x[0]), args=last_two),
    "pad_mode": unary(run_pad_mode, args=pad_mode_args),
    "take": unary(lambda x, a: torch.take(x[0], const(a["index"], x[0])), args=take_args),
    "index_get": unary(lambda x, a: x[0][const(a["index"], x[0])], args=index_get_args),
    "setitem": unary(run_setitem, args=setitem_args),
    # The wider tensor API, drawn only in the programs named "*_u…".
    "sort_indices": (run_sort_indices, make_sort_pair(sort_args)),
    "argsort_gather": (lambda x, a: torch.gather(x[1], a["dim"], torch.argsort(x[0], a["dim"], a["descending"])), make_sort_pair(sort_args)),
    "topk_indices": (run_topk_indices, make_sort_pair(topk_largest_args)),
    "kthvalue": unary(lambda x, a: torch.kthvalue(x[0], a["k"], a["dim"], a["keepdim"]).values, args=kth_args),
    "median_dim": unary(lambda x, a: torch.median(x[0], a["dim"], a["keepdim"]).values, args=median_args),
    "cummax": unary(lambda x, a: torch.cummax(x[0], a["dim"]).values, args=cummax_args),
    "floor": unary(lambda x, a: torch.floor(x[0]), ok=off_jumps),
    "ceil": unary(lambda x, a: torch.ceil(x[0]), ok=off_jumps),
    "round": unary(lambda x, a: torch.round(x[0]), ok=lambda x: off_jumps(x, 1.0, 0.5)),
    "round_decimals": unary(lambda x, a: torch.round(x[0], decimals=a["decimals"]), args=round_decimals_args),
    "trunc": unary(lambda x, a: torch.trunc(x[0]), ok=lambda x: off_jumps(x, zero_ok=True)),
    "frac": unary(lambda x, a: torch.frac(x[0]), ok=lambda x: off_jumps(x, zero_ok=True)),
    "fmod": binary(lambda x, a: torch.fmod(x[0], x[1]), ok=lambda a, b: quotient_ok(a, b, trunc=True)),
    "remainder": binary(lambda x, a: torch.remainder(x[0], x[1]), ok=lambda a, b: quotient_ok(a, b, trunc=False)),
    "fmod_scalar": unary(lambda x, a: torch.fmod(x[0], a["other"]), args=divisor_args(trunc=True)),
    "remainder_scalar": unary(lambda x, a: torch.remainder(x[0], a["other"]), args=divisor_args(trunc=False)),
    "einsum_matmul": (lambda x, a: torch.einsum(a["equation"], x[0], x[1]), make_einsum("matmul")),
    "einsum_batched": (lambda x, a: torch.einsum(a["equation"], x[0], x[1]), make_einsum("batched")),
    "einsum_outer": (lambda x, a: torch.einsum(a["equation"], x[0], x[1]), make_einsum("outer")),
    "einsum_trace": (lambda x, a: torch.einsum(a["equation"], x[0], x[1]), make_einsum("trace")),
    "masked_fill_cmp": (lambda x, a: x[0].masked_fill(compared(x[1], a), a["value"]), make_masked(broadcasts_to, broadcast_variant, value=True)),
    "where_cmp": (lambda x, a: torch.where(compared(x[a["on"]], a), x[0], x[1]), make_where_cmp),
    "mask_index": (lambda x, a: x[0][compared(x[1], a)], make_masked(same_shape)),
    "mask_index_rows": (lambda x, a: x[0][compared(x[0][..., 0], a)], make_mask_rows),
    "masked_select": (lambda x, a: torch.masked_select(x[0], compared(x[1], a)), make_masked(lambda x, c: broadcastable(x.shape, c.shape), broadcast_variant)),
    "mask_setitem": (run_mask_setitem, make_masked(same_shape, value=True)),
    "masked_scatter": (lambda x, a: x[0].masked_scatter(compared(x[2], a), x[1]), make_masked(same_shape, source=True)),
    "scatter": (lambda x, a: x[0].scatter(a["dim"], const(a["index"], x[0]), x[1]), make_scatter(unique=True)),
    "scatter_add": (lambda x, a: x[0].scatter_add(a["dim"], const(a["index"], x[0]), x[1]), make_scatter(unique=False)),
    "scatter_value": (lambda x, a: x[0].scatter(a["dim"], const(a["index"], x[0]), a["value"]), make_scatter(unique=False, with_source=False)),
    "index_add": (lambda x, a: x[0].index_add(a["dim"], const(a["index"], x[0]), x[1]), make_index_add),
    "index_fill": unary(lambda x, a: x[0].index_fill(a["dim"], const(a["index"], x[0]), a["value"]), args=index_fill_args),
    "index_put": (run_index_put, make_index_put),
    "setitem_index": (run_setitem_index, make_setitem_index),
    # The layers' functional ops, decompositions and losses, drawn only in the programs named "*_v…".
    "logcumsumexp": unary(lambda x, a: torch.logcumsumexp(x[0], a["dim"]), args=dim_args),
    "svdvals": unary(lambda x, a: torch.linalg.svdvals(x[0]), ok=svd_ok),
    "nuclear_norm": unary(lambda x, a: torch.linalg.matrix_norm(x[0], "nuc"), ok=svd_ok),
    "svd_factors": unary(run_svd_factors, ok=svd_ok),
    "conv1d": (lambda x, a: run_conv(F.conv1d, x, a), make_conv(False, 1)),
    "conv2d": (lambda x, a: run_conv(F.conv2d, x, a), make_conv(False, 2)),
    "conv_transpose1d": (lambda x, a: run_conv(F.conv_transpose1d, x, a), make_conv(True, 1)),
    "conv_transpose2d": (lambda x, a: run_conv(F.conv_transpose2d, x, a), make_conv(True, 2)),
    "interpolate_linear": unary(run_interpolate("linear"), args=interpolate_args(1)),
    "interpolate_bilinear": unary(run_interpolate("bilinear"), args=interpolate_args(2)),
    "pixel_shuffle": unary(lambda x, a: F.pixel_shuffle(x[0], 2), ok=lambda x: x.dim() == 3 and x.shape[0] % 4 == 0),
    "pixel_unshuffle": unary(lambda x, a: F.pixel_unshuffle(x[0], 2), ok=lambda x: x.dim() == 3 and x.shape[1] % 2 == 0 and x.shape[2] % 2 == 0),
    "batch_norm": (run_norm("batch"), make_norm("batch")),
    "group_norm": (run_norm("group"), make_norm("group")),
    "layer_norm": (run_norm("layer"), make_norm("layer")),
    "mse_loss": (lambda x, a: F.mse_loss(x[0], x[1], reduction=a["reduction"]), make_loss()),
    "huber_loss": (lambda x, a: F.huber_loss(x[0], x[1], reduction=a["reduction"], delta=a["delta"]), make_huber),
    "cross_entropy_soft": (lambda x, a: F.cross_entropy(x[0], torch.softmax(x[1], 1), reduction=a["reduction"]), make_loss(rank=2)),
    "bce_with_logits": (lambda x, a: F.binary_cross_entropy_with_logits(x[0], torch.sigmoid(x[1]), reduction=a["reduction"]), make_loss()),
    # The remaining differentiable tensor-API functions, drawn only in the programs named "*_w…".
    "tile": unary(lambda x, a: torch.tile(x[0], a["reps"]), args=tile_args),
    "repeat_interleave": unary(lambda x, a: torch.repeat_interleave(x[0], a["repeats"], a["dim"]), args=repeat_interleave_args),
    "diag_embed": unary(lambda x, a: torch.diag_embed(x[0]), ok=lambda x: x.dim() >= 1 and x.numel() * x.shape[-1] <= MAX_NUMEL),
    "trace": unary(lambda x, a: torch.trace(x[0]), ok=lambda x: x.dim() == 2),
    "outer": (lambda x, a: torch.outer(x[0], x[1]), make_outer),
    "dist": binary(lambda x, a: torch.dist(x[0], x[1]), ok=lambda a, b: float((a - b).abs().max()) > 0.1),
    "cdist": (lambda x, a: torch.cdist(x[0], x[1]), make_cdist),
    "quantile": unary(lambda x, a: torch.quantile(x[0], a["q"], a["dim"], a["keepdim"]), args=quantile_args),
    "reciprocal": unary(lambda x, a: torch.reciprocal(x[0]), ok=lambda x: float(x.abs().min()) > 0.1),
    "asin": unary(lambda x, a: torch.asin(x[0]), ok=lambda x: amax(x) < 0.9),
    "acos": unary(lambda x, a: torch.acos(x[0]), ok=lambda x: amax(x) < 0.9),
    "bmm": (lambda x, a: torch.bmm(x[0], x[1]), make_bmm),
    "addmm": (lambda x, a: torch.addmm(x[0], x[1], x[2], beta=a["beta"], alpha=a["alpha"]), make_addmm),
}

# Views a leaf may be seen through before the program's ops start.
INPUT_VIEWS = ["transpose", "permute", "expand"]


# --------------------------------------------------------------------------
# Generation.
# --------------------------------------------------------------------------


class Generator:
    """One program under construction: leaves, steps, and every value computed so far (float64, no grad)."""

    def __init__(self, rng):
        self.rng = rng
        self.leaves = []   # node ids of the leaves, in creation order
        self.nodes = []    # ("leaf", data, shape) or ("step", op, operand node ids, args)
        self.values = []   # float64 value of every node

    def grid_value(self, lo, hi):
        return round(self.rng.uniform(lo, hi) * GRID) / GRID

    def leaf_data(self, shape):
        scale = self.rng.choice([TINY, 1, 1, 3, 10, 30, 100, 100])
        lo = scale / 5 if self.rng.random() < 0.3 else -scale
        grid = GRID if scale > TINY else 2 ** 24
        return [round(self.rng.uniform(lo, scale) * grid) / grid for _ in range(math.prod(shape))]

    def add_leaf(self, shape, accept=lambda y: True):
        if len(self.leaves) >= MAX_LEAVES or math.prod(shape) > MAX_NUMEL:
            return None
        for _ in range(6):
            data = self.leaf_data(shape)
            value = torch.tensor(data, dtype=torch.float64).reshape(shape)
            if accept(value):
                self.nodes.append(("leaf", data, list(shape)))
                self.values.append(value)
                self.leaves.append(len(self.nodes) - 1)
                return len(self.nodes) - 1
        return None

    def partner(self, i, accept, fresh_shape, allow_self=True):
        """A value (other than i unless allow_self) that accept takes, preferring existing ones; else a fresh leaf."""
        candidates = [j for j in range(len(self.values)) if (allow_self or j != i) and accept(self.values[j])]
        others = [j for j in candidates if j != i]
        unused = [j for j in others if j not in self.used()]
        if unused and self.rng.random() < 0.8:
            return self.rng.choice(unused)
        if others and self.rng.random() < 0.7:
            return self.rng.choice(others)
        if self.rng.random() < 0.6:
            fresh = self.add_leaf(fresh_shape(self, list(self.values[i].shape)), accept)
            if fresh is not None:
                return fresh
        return self.rng.choice(candidates) if candidates else None

    def used(self):
        """The nodes that some step already takes as an operand."""
        return {k for n in self.nodes if n[0] == "step" for k in n[2]}

    def apply(self, name, i):
        """Appends op `name` applied to value i; False (and nothing changed) when it does not fit."""
        saved = (len(self.nodes), list(self.leaves))
        run, make = OPS[name]
        made = make(self, i)
        if made is not None:
            operands, args = made
            with torch.no_grad():
                out = run([self.values[k] for k in operands], args)
            if 0 < out.numel() <= MAX_NUMEL and out.dim() <= 4 and bool(torch.isfinite(out).all()) and amax(out) <= LIMIT:
                self.nodes.append(("step", name, operands, args))
                self.values.append(out.contiguous())
                return True
        del self.nodes[saved[0]:]
        del self.values[saved[0]:]
        self.leaves = saved[1]
        return False


# The ops of the masking and recurrent layers, drawn only in the programs named "*_s…", so that the first programs
# (whose names the regression theories of RandomProgramTests.cs cite) stay exactly as they were.
SEQUENCE_OPS = ["tril", "triu", "masked_fill", "lstm_cell", "gru_cell"]

# The tensor-API ops (everyday functions, scans, sorting, shape functions, indexing and in-place writes), drawn only
# in the programs named "*_t…", so the "*_s…" programs stay as they were too.
TENSOR_API_OPS = ["tan", "atan", "sinh", "cosh", "asinh", "expm1", "exp2", "log2", "log10", "atan2", "hypot", "lerp",
                  "cumsum", "cumprod", "prod_dim", "norm", "sort_values", "topk_values", "flip", "roll", "repeat",
                  "diagonal", "einsum_transpose", "pad_mode", "take", "index_get", "setitem"]


# The wider tensor API (sorting with indices, rounding, remainders, two-operand einsum, Bool masks, scatter and
# index_put style writes), drawn only in the programs named "*_u…", so the "*_t…" programs stay as they were too.
# Program k of that group must use WIDER_API_OPS[k mod len], so that every op is drawn.
WIDER_API_OPS = ["sort_values", "sort_indices", "argsort_gather", "topk_values", "topk_indices", "kthvalue",
                 "median_dim", "cummax", "floor", "ceil", "round", "round_decimals", "trunc", "frac", "fmod",
                 "remainder", "fmod_scalar", "remainder_scalar", "einsum_matmul", "einsum_batched", "einsum_outer",
                 "einsum_trace", "masked_fill_cmp", "where_cmp", "mask_index", "mask_index_rows", "masked_select",
                 "mask_setitem", "masked_scatter", "scatter", "scatter_add", "scatter_value", "index_add",
                 "index_fill", "index_put", "setitem_index"]


# The layers' functional ops (convolutions and their transposes, interpolation, pixel shuffles, the fused norms), the
# SVD and the losses, drawn only in the programs named "*_v…", so the "*_u…" programs stay as they were too.
# Program k of that group must use LAYER_OPS[k mod len], so that every op is drawn.
LAYER_OPS = ["logcumsumexp", "svdvals", "nuclear_norm", "svd_factors", "conv1d", "conv2d", "conv_transpose1d",
             "conv_transpose2d", "interpolate_linear", "interpolate_bilinear", "pixel_shuffle", "pixel_unshuffle",
             "batch_norm", "group_norm", "layer_norm", "mse_loss", "huber_loss", "cross_entropy_soft", "bce_with_logits"]


# The remaining differentiable tensor-API functions (tile, repeat_interleave, diag_embed, trace, outer, dist, cdist,
# quantile, reciprocal, asin, acos, bmm, addmm), drawn only in the programs named "*_w…", so the "*_v…" programs stay
# as they were too. Program k of that group must use API_REST_OPS[k mod len].
API_REST_OPS = ["tile", "repeat_interleave", "diag_embed", "trace", "outer", "dist", "cdist", "quantile", "reciprocal",
                "asin", "acos", "bmm", "addmm"]


# The fused recurrent layer directions, drawn only in the programs named "*_x…", so the "*_w…" programs stay as they
# were too. Program k of that group must use RECURRENT_OPS[k mod len].
RECURRENT_OPS = ["lstm_sequence", "gru_sequence", "rnn_sequence"]


def pick_op(rng, ops):
    """The op of one attempt: the name with the highest hash of one fresh random key (rendezvous hashing)."""
    key = rng.getrandbits(32)
    return max(ops, key=lambda name: zlib.crc32(f"{key}/{name}".encode()))


def random_shape(rng):
    return [1 if rng.random() < 0.2 else rng.randint(2, 4) for _ in range(rng.randint(1, 3))]


def draw(rng, ops, favour=None):
    """One candidate program as (leaf nodes, step nodes), or None when the draw went nowhere; favour, when given, is the op of a quarter of the attempts."""
    g = Generator(rng)
    base = random_shape(rng)
    for _ in range(rng.randint(1, MAX_LEAVES)):
        g.add_leaf(broadcast_variant(g, base) if rng.random() < 0.6 else random_shape(rng))
    for leaf in list(g.leaves):
        if rng.random() < 0.4:
            g.apply(rng.choice(INPUT_VIEWS), leaf)
    target, done = rng.randint(2, 6), 0
    for _ in range(300):
        if done == target:
            break
        used = g.used()
        fresh = [k for k in range(len(g.nodes)) if k not in used]
        r = rng.random()
        i = len(g.nodes) - 1 if r < 0.5 else (rng.choice(fresh) if r < 0.8 else rng.randrange(len(g.nodes)))
        done += g.apply(favour if favour is not None and rng.random() < 0.25 else pick_op(rng, ops), i)
    if done < 2:
        return None
    return prune(g)


def prune(g):
    """Keeps the steps the last value depends on; None unless it depends on every leaf through at least two steps."""
    out = len(g.nodes) - 1
    needed, stack = set(), [out]
    while stack:
        k = stack.pop()
        if k in needed:
            continue
        needed.add(k)
        if g.nodes[k][0] == "step":
            stack.extend(g.nodes[k][2])
    order = list(g.leaves) + [k for k in range(len(g.nodes)) if g.nodes[k][0] == "step" and k in needed]
    if not all(leaf in needed for leaf in g.leaves) or len(order) - len(g.leaves) < 2:
        return None
    index = {k: n for n, k in enumerate(order)}
    inputs = [{"shape": g.nodes[k][2], "data": g.nodes[k][1]} for k in g.leaves]
    steps = [{"op": g.nodes[k][1], "in": [index[j] for j in g.nodes[k][2]], "args": g.nodes[k][3]}
             for k in order[len(g.leaves):]]
    return inputs, steps


def run_program(inputs, steps, dtype):
    leaves = [torch.tensor(i["data"], dtype=dtype).reshape(i["shape"]).requires_grad_() for i in inputs]
    return leaves, replay(leaves, steps)


def replay(leaves, steps):
    values = list(leaves)
    for s in steps:
        values.append(OPS[s["op"]][0]([values[k] for k in s["in"]], s["args"]))
    return values[-1]


def evaluate(inputs, steps, weight, dtype):
    leaves, out = run_program(inputs, steps, dtype)
    w = torch.tensor(weight["data"], dtype=dtype).reshape(weight["shape"])
    grads = torch.autograd.grad((out * w).sum(), leaves, allow_unused=True)
    return out.detach(), [None if gr is None else gr.detach() for gr in grads]


def hessian_vector(inputs, steps, weight, us, dtype):
    """The gradients of sum_i <d loss / d input_i, u_i> with respect to the inputs, computed in dtype."""
    leaves, out = run_program(inputs, steps, dtype)
    w = torch.tensor(weight["data"], dtype=dtype).reshape(weight["shape"])
    grads = torch.autograd.grad((out * w).sum(), leaves, create_graph=True)
    total = sum((gr * u.to(dtype)).sum() for gr, u in zip(grads, us))
    if not total.requires_grad:
        return [torch.zeros_like(x).detach() for x in leaves]
    return [torch.zeros_like(x) if gr is None else gr.detach().clone() for gr, x in zip(torch.autograd.grad(total, leaves, allow_unused=True), leaves)]


def second_order(inputs, steps, weight, rng):
    """
    For a float64 program: with fixed directions u (one per input, multiples of 1/16), the Hessian-vector products
    (see hessian_vector), or None unless PyTorch's gradgradcheck passes on the program, the products are not all zero
    (a program linear in its inputs), and the float32 products agree
    with the float64 ones to 1e-3 of each tensor's largest magnitude (second derivatives that are zero in exact
    arithmetic leave only rounding noise, which would not compare).
    """
    us = [torch.tensor([rng.randint(-32, 32) / 16 for _ in range(math.prod(i["shape"]))], dtype=torch.float64).reshape(i["shape"]) for i in inputs]
    leaves, _ = run_program(inputs, steps, torch.float64)
    w = torch.tensor(weight["data"], dtype=torch.float64).reshape(weight["shape"])
    try:
        ok = torch.autograd.gradgradcheck(lambda *xs: replay(list(xs), steps), tuple(leaves), grad_outputs=(w,), eps=1e-6, atol=1e-5, rtol=1e-3)
    except RuntimeError:
        ok = False
    if not ok:
        return None
    seconds = hessian_vector(inputs, steps, weight, us, torch.float64)
    if max(amax(t) for t in seconds) == 0:
        return None
    if not all(agree(a, b, 1e-3) for a, b in zip(hessian_vector(inputs, steps, weight, us, torch.float32), seconds)):
        return None
    return {"u": [flat(u, torch.float64) for u in us], "grads": [flat(gr, torch.float64) for gr in seconds]}


def agree(a, b, rtol):
    """Normwise closeness, the condition a float32 run must meet against the float64 one (rounding noise fails it)."""
    return a.shape == b.shape and float((a.double() - b.double()).abs().max()) <= rtol * float(b.double().abs().max())


def smooth(inputs, steps):
    leaves, _ = run_program(inputs, steps, torch.float64)
    try:
        return torch.autograd.gradcheck(lambda *xs: replay(list(xs), steps), tuple(leaves), eps=1e-6, atol=1e-5, rtol=1e-3)
    except RuntimeError:
        return False


def flat(t, dtype):
    data = t.detach().reshape(-1).tolist()
    if dtype == torch.float32:
        data = [json.loads(repr(np.float32(v))) for v in data]
    return {"shape": list(t.shape), "data": data}


def program(rng, name, dtype, ops, must=(), favour=None):
    while True:
        drawn = draw(rng, ops, favour)
        if drawn is None:
            continue
        inputs, steps = drawn
        if must and not any(s["op"] in must for s in steps):
            continue
        with torch.no_grad():
            _, out = run_program(inputs, steps, torch.float64)
        weight = {"shape": list(out.shape), "data": [rng.randint(-32, 32) / 16 for _ in range(out.numel())]}
        out64, grads64 = evaluate(inputs, steps, weight, torch.float64)
        out32, grads32 = evaluate(inputs, steps, weight, torch.float32)
        # An all-zero result (a gradient that cancels exactly, say) would only compare rounding noise.
        # A leaf the output reaches only through a comparison or an index has no gradient at all.
        if any(gr is None for gr in grads64):
            continue
        if not all(bool(torch.isfinite(t).all()) and 0 < amax(t) <= 1e8 for t in [out64] + grads64):
            continue
        if not all(agree(a, b, 2e-6) for a, b in zip([out32] + grads32, [out64] + grads64)):
            continue
        if not smooth(inputs, steps):
            continue
        out, grads = (out64, grads64) if dtype == torch.float64 else (out32, grads32)
        drawn = {"name": name, "inputs": inputs, "steps": steps, "weight": weight,
                 "output": flat(out, dtype), "grads": [flat(gr, dtype) for gr in grads]}
        if dtype == torch.float64:
            drawn["second"] = second_order(inputs, steps, weight, random.Random(zlib.crc32(("second/" + name).encode())))
        return drawn


def committed(path):
    """The programs already in the fixture at path, by name, each with its line as written; empty when there is none."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        lines = f.read().split("\n")[1:-2]
    return {json.loads(line.rstrip(","))["name"]: line.rstrip(",") for line in lines}


def write(file, dtype_name, seed, count, sequence_count, api_count, wider_count, layer_count, rest_count, recurrent_count):
    dtype = {"float64": torch.float64, "float32": torch.float32}[dtype_name]
    prefix = "f64" if dtype == torch.float64 else "f32"
    rng = lambda name: random.Random(seed ^ zlib.crc32(name.encode()))
    up_to_rest = [name for name in OPS if name not in RECURRENT_OPS]
    up_to_layers = [name for name in up_to_rest if name not in API_REST_OPS]
    up_to_wider = [name for name in up_to_layers if name not in LAYER_OPS]
    wider = [name for name in WIDER_API_OPS if name not in TENSOR_API_OPS]
    up_to_api = [name for name in up_to_wider if name not in wider]
    before_api = [name for name in up_to_api if name not in TENSOR_API_OPS]
    first = [name for name in before_api if name not in SEQUENCE_OPS]
    programs = [program(rng(name), name, dtype, first) for name in (f"{prefix}_{k:03d}" for k in range(count))]
    programs += [program(rng(name), name, dtype, before_api, SEQUENCE_OPS) for name in (f"{prefix}_s{k:02d}" for k in range(sequence_count))]
    programs += [program(rng(name), name, dtype, up_to_api, TENSOR_API_OPS) for name in (f"{prefix}_t{k:02d}" for k in range(api_count))]
    # The float64 programs take the ops in order, the float32 ones every fifth, so that the fewer float32 programs
    # still spread over the whole list.
    for k in range(wider_count):
        op = WIDER_API_OPS[(k if dtype == torch.float64 else 5 * k) % len(WIDER_API_OPS)]
        name = f"{prefix}_u{k:02d}"
        programs.append(program(rng(name), name, dtype, up_to_wider, [op], favour=op))
    for k in range(layer_count):
        op = LAYER_OPS[(k if dtype == torch.float64 else 3 * k) % len(LAYER_OPS)]
        name = f"{prefix}_v{k:02d}"
        programs.append(program(rng(name), name, dtype, up_to_layers, [op], favour=op))
    for k in range(rest_count):
        op = API_REST_OPS[(k if dtype == torch.float64 else 2 * k) % len(API_REST_OPS)]
        name = f"{prefix}_w{k:02d}"
        programs.append(program(rng(name), name, dtype, up_to_rest, [op], favour=op))
    for k in range(recurrent_count):
        op = RECURRENT_OPS[k % len(RECURRENT_OPS)]
        name = f"{prefix}_x{k:02d}"
        programs.append(program(rng(name), name, dtype, list(OPS), [op], favour=op))
    # A program drawn exactly as committed keeps its committed line: PyTorch's vectorised kernels round differently
    # on different CPUs in the last bit, which would otherwise change the recorded values from machine to machine.
    path = os.path.join(HERE, file)
    old = committed(path)
    lines = []
    for p in programs:
        line = json.dumps(p, separators=(",", ":"))
        before = old.get(p["name"])
        if before is not None and all(json.loads(before)[key] == p[key] for key in ("inputs", "steps", "weight")):
            line = before
            if "second" in p and '"second":' not in before:
                line = before[:-1] + ',"second":' + json.dumps(p["second"], separators=(",", ":")) + "}"
        lines.append(line)
    with open(path, "w") as f:
        f.write('{"dtype": "%s", "seed": %d, "programs": [\n%s\n]}\n' % (dtype_name, seed, ",\n".join(lines)))
    ops = sorted({s["op"] for p in programs for s in p["steps"]})
    print(f"{file}: {len(programs)} programs, {sum(len(p['steps']) for p in programs)} steps, ops {len(ops)}/{len(OPS)}",
          "missing: " + ", ".join(sorted(set(OPS) - set(ops))) if len(ops) < len(OPS) else "")


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.set_num_threads(1)
    write("random_programs_float64.json", "float64", 64, 200, 40, 60, 40, 57, 39, 24)
    write("random_programs_float32.json", "float32", 32, 100, 20, 30, 20, 19, 13, 12)
