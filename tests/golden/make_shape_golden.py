#!/usr/bin/python3
"""Generate shape_float64.json: PyTorch 1.13 reference values for Nabla's shape, linear-algebra and padding ops.

Run:  /usr/bin/python3 tests/golden/make_shape_golden.py   (PyTorch 1.13, CPU)
Deterministic: every case draws its inputs from random.Random(crc32(case name)); values are written with repr.

The format is that of ops_<dtype>.json (see the header of make_golden.py and tests/golden/README.md):
  {"dtype": "float64", "cases": [case, ...]}
  case = {"name", "op", "inputs": [{"shape", "data", "grad", "dtype": "int64" (index tensors only)}],
          "args", "output", "grad_output", "grads"}
  out = OPS[op](inputs, args); grads = torch.autograd.grad(out, inputs with grad, grad_output).
Inputs are multiples of 1/1024. An "args" entry "transposed": true means the op receives input 0 transposed in its
last two dims (a non-contiguous view). "meshgrid" is torch.stack(torch.meshgrid(*inputs, indexing)). Every case is
verified with torch.autograd.gradcheck (first order) and gradgradcheck (second order).
"""
import json
import math
import os
import random
import zlib

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
GRID = 1024


def _t(x, a):
    return x.transpose(-2, -1) if a.get("transposed") else x


OPS = {
    "flip": lambda t, a: torch.flip(_t(t[0], a), a["dims"]),
    "fliplr": lambda t, a: torch.fliplr(_t(t[0], a)),
    "flipud": lambda t, a: torch.flipud(_t(t[0], a)),
    "roll": lambda t, a: torch.roll(_t(t[0], a), a["shifts"], a["dims"]),
    "repeat": lambda t, a: _t(t[0], a).repeat(*a["repeats"]),
    "tile": lambda t, a: torch.tile(_t(t[0], a), a["reps"]),
    "repeat_interleave": lambda t, a: torch.repeat_interleave(_t(t[0], a), a["repeats"], a["dim"]),
    "repeat_interleave_tensor": lambda t, a: torch.repeat_interleave(_t(t[0], a), t[1], a["dim"]),
    "diag": lambda t, a: torch.diag(_t(t[0], a), a["diagonal"]),
    "diagonal": lambda t, a: torch.diagonal(_t(t[0], a), a["offset"], a["dim1"], a["dim2"]),
    "diag_embed": lambda t, a: torch.diag_embed(_t(t[0], a), a["offset"], a["dim1"], a["dim2"]),
    "trace": lambda t, a: torch.trace(_t(t[0], a)),
    "outer": lambda t, a: torch.outer(t[0], t[1]),
    "dot": lambda t, a: torch.dot(t[0], t[1]),
    "mv": lambda t, a: torch.mv(_t(t[0], a), t[1]),
    "bmm": lambda t, a: torch.bmm(_t(t[0], a), t[1]),
    "addmm": lambda t, a: torch.addmm(t[0], _t(t[1], {"transposed": a["transposed"]}), t[2], beta=a["beta"], alpha=a["alpha"]),
    "baddbmm": lambda t, a: torch.baddbmm(t[0], t[1], t[2], beta=a["beta"], alpha=a["alpha"]),
    "kron": lambda t, a: torch.kron(_t(t[0], a), t[1]),
    "einsum": lambda t, a: torch.einsum(a["equation"], *([_t(t[0], a)] + t[1:])),
    "pad": lambda t, a: F.pad(_t(t[0], a), a["pad"], mode=a["mode"], value=a["value"]) if a["mode"] == "constant"
    else F.pad(_t(t[0], a), a["pad"], mode=a["mode"]),
    "meshgrid": lambda t, a: torch.stack(torch.meshgrid(*t, indexing=a["indexing"])),
    "reshape_as": lambda t, a: _t(t[0], a).reshape_as(t[1]),
}

CASES = []


def values(name, shape, lo=-2.0, hi=2.0):
    rng = random.Random(zlib.crc32(name.encode()))
    ks = list(range(math.ceil(lo * GRID), math.floor(hi * GRID) + 1))
    return [k / GRID for k in rng.sample(ks, math.prod(shape))]


def x(name, k, shape, grad=True):
    return {"shape": list(shape), "data": values(f"{name}/{k}", shape), "grad": grad}


def idx(shape, data):
    return {"shape": list(shape), "data": list(data), "grad": False, "dtype": "int64"}


def case(name, op, shapes, args=None, extra=()):
    assert op in OPS, op
    assert all(c["name"] != name for c in CASES), name
    inputs = [x(name, k, s) for k, s in enumerate(shapes)] + list(extra)
    CASES.append({"name": name, "op": op, "inputs": inputs, "args": args or {}})


def build():
    case("flip_dim0", "flip", [[3, 4]], {"dims": [0]})
    case("flip_two_dims_rank3", "flip", [[2, 3, 4]], {"dims": [0, 2]})
    case("flip_negative_dim_transposed", "flip", [[2, 3, 4]], {"dims": [-1], "transposed": True})
    case("flip_all_dims_transposed", "flip", [[3, 4]], {"dims": [0, 1], "transposed": True})
    case("fliplr_mat", "fliplr", [[3, 4]])
    case("flipud_rank3", "flipud", [[3, 2, 2]])
    case("roll_dim1", "roll", [[3, 5]], {"shifts": [2], "dims": [1]})
    case("roll_two_dims_negative", "roll", [[3, 4, 2]], {"shifts": [-1, 5], "dims": [0, 1]})
    case("roll_flat", "roll", [[3, 4]], {"shifts": [3], "dims": None})
    case("roll_flat_transposed", "roll", [[3, 4]], {"shifts": [-5], "dims": None, "transposed": True})
    case("repeat_same_rank", "repeat", [[2, 3]], {"repeats": [2, 3]})
    case("repeat_more_dims", "repeat", [[2, 3]], {"repeats": [2, 1, 2]})
    case("repeat_transposed", "repeat", [[2, 3]], {"repeats": [1, 3], "transposed": True})
    case("tile_fewer_reps", "tile", [[2, 2, 3]], {"reps": [2]})
    case("tile_more_reps", "tile", [[3]], {"reps": [2, 2]})
    case("repeat_interleave_dim0", "repeat_interleave", [[2, 3]], {"repeats": 2, "dim": 0})
    case("repeat_interleave_flat", "repeat_interleave", [[2, 3]], {"repeats": 3, "dim": None})
    case("repeat_interleave_dim1_transposed", "repeat_interleave", [[2, 3]], {"repeats": 2, "dim": 1, "transposed": True})
    case("repeat_interleave_tensor_dim0", "repeat_interleave_tensor", [[3, 2]], {"dim": 0}, [idx([3], [2, 0, 3])])
    case("repeat_interleave_tensor_dim1", "repeat_interleave_tensor", [[2, 3]], {"dim": 1}, [idx([1], [2])])
    case("diag_vector", "diag", [[4]], {"diagonal": 0})
    case("diag_vector_offset", "diag", [[3]], {"diagonal": -2})
    case("diag_matrix_offset", "diag", [[3, 5]], {"diagonal": 1})
    case("diag_matrix_transposed", "diag", [[3, 5]], {"diagonal": -1, "transposed": True})
    case("diagonal_main", "diagonal", [[4, 4]], {"offset": 0, "dim1": 0, "dim2": 1})
    case("diagonal_rank3_offset", "diagonal", [[2, 3, 4]], {"offset": 1, "dim1": 1, "dim2": 2})
    case("diagonal_reversed_dims", "diagonal", [[2, 3, 4]], {"offset": -1, "dim1": 2, "dim2": 0})
    case("diagonal_transposed", "diagonal", [[2, 3, 4]], {"offset": 1, "dim1": -1, "dim2": -2, "transposed": True})
    case("diag_embed_default", "diag_embed", [[2, 3]], {"offset": 0, "dim1": -2, "dim2": -1})
    case("diag_embed_offset_dims", "diag_embed", [[2, 3]], {"offset": 1, "dim1": 0, "dim2": 2})
    case("diag_embed_negative_offset_transposed", "diag_embed", [[2, 3]], {"offset": -2, "dim1": -1, "dim2": 0, "transposed": True})
    case("trace_square", "trace", [[3, 3]])
    case("trace_wide", "trace", [[3, 5]])
    case("trace_transposed", "trace", [[3, 3]], {"transposed": True})
    case("outer_vectors", "outer", [[3], [4]])
    case("dot_vectors", "dot", [[5], [5]])
    case("mv_mat", "mv", [[3, 4], [4]])
    case("mv_transposed", "mv", [[4, 3], [4]], {"transposed": True})
    case("bmm_batches", "bmm", [[2, 3, 4], [2, 4, 2]])
    case("bmm_transposed", "bmm", [[2, 4, 3], [2, 4, 2]], {"transposed": True})
    case("addmm_defaults", "addmm", [[2, 3], [2, 4], [4, 3]], {"beta": 1.0, "alpha": 1.0, "transposed": False})
    case("addmm_broadcast_scaled", "addmm", [[3], [2, 4], [4, 3]], {"beta": 0.5, "alpha": -2.0, "transposed": False})
    case("addmm_transposed_mat1", "addmm", [[2, 1], [4, 2], [4, 3]], {"beta": 2.0, "alpha": 0.25, "transposed": True})
    case("baddbmm_broadcast", "baddbmm", [[1, 3], [2, 3, 4], [2, 4, 3]], {"beta": 0.5, "alpha": 1.5})
    case("baddbmm_defaults", "baddbmm", [[2, 3, 2], [2, 3, 4], [2, 4, 2]], {"beta": 1.0, "alpha": 1.0})
    case("kron_matrices", "kron", [[2, 3], [2, 2]])
    case("kron_ranks", "kron", [[2, 3], [4]])
    einsums = [
        ("matmul", "ij,jk->ik", [[3, 4], [4, 2]]),
        ("implicit", "ij,jk", [[3, 4], [4, 2]]),
        ("bmm", "bij,bjk->bik", [[2, 3, 4], [2, 4, 2]]),
        ("trace", "ii", [[3, 3]]),
        ("diagonal", "ii->i", [[4, 4]]),
        ("batched_diagonal", "bii->bi", [[2, 3, 3]]),
        ("diag_repeat_three", "iji->j", [[3, 2, 3]]),
        ("transpose", "ij->ji", [[3, 4]]),
        ("sum_all", "ijk->", [[2, 3, 2]]),
        ("sum_dim", "ijk->ik", [[2, 3, 2]]),
        ("outer", "i,j->ij", [[3], [4]]),
        ("dot", "i,i->", [[5], [5]]),
        ("hadamard", "ij,ij->ij", [[3, 4], [3, 4]]),
        ("three_operands", "ij,jk,kl->il", [[2, 3], [3, 4], [4, 2]]),
        ("bilinear", "bn,anm,bm->ba", [[2, 3], [4, 3, 2], [2, 2]]),
        ("ellipsis_matmul", "...ij,...jk->...ik", [[2, 3, 4], [4, 2]]),
        ("ellipsis_broadcast", "...i,...i->...", [[3, 1, 4], [2, 4]]),
        ("ellipsis_implicit", "...ij", [[2, 2, 3, 2]]),
        ("ellipsis_summed", "...ij->ij", [[2, 3, 4]]),
        ("ellipsis_middle", "a...b,b...->a...", [[2, 3, 4], [4, 3]]),
        ("size_one_broadcast", "ij,jk->ik", [[3, 1], [4, 2]]),
        ("capitals", "Ab,bA->A", [[3, 4], [4, 3]]),
        ("whitespace", " i j , j k -> k i ", [[2, 3], [3, 2]]),
        ("attention_scores", "bhqd,bhkd->bhqk", [[2, 2, 3, 4], [2, 2, 5, 4]]),
    ]
    for variant, eq, shapes in einsums:
        case(f"einsum_{variant}", "einsum", shapes, {"equation": eq})
    case("einsum_transposed_operand", "einsum", [[4, 3], [4, 2]], {"equation": "ij,jk->ik", "transposed": True})
    case("einsum_transposed_diagonal", "einsum", [[2, 3, 3], [2, 3, 3]], {"equation": "bij,bji->b", "transposed": True})
    pads = [
        ("constant_last", [2, 3], [1, 2], "constant", 0.0),
        ("constant_value", [2, 3], [2, 0, 1, 1], "constant", 1.5),
        ("constant_crop", [2, 5], [-1, 2, 0, -1], "constant", -0.75),
        ("constant_all_dims", [2, 2, 2], [1, 0, 0, 1, 1, 1], "constant", 0.5),
        ("reflect_1d", [2, 5], [2, 3], "reflect", 0.0),
        ("reflect_2d", [1, 2, 4, 5], [1, 2, 3, 0], "reflect", 0.0),
        ("reflect_3d", [1, 3, 3, 3], [1, 1, 2, 0, 0, 2], "reflect", 0.0),
        ("reflect_negative", [2, 2, 5], [-1, 2], "reflect", 0.0),
        ("replicate_1d", [2, 3], [3, 1], "replicate", 0.0),
        ("replicate_2d", [2, 1, 3, 3], [2, 1, 1, 3], "replicate", 0.0),
        ("replicate_3d", [1, 2, 2, 3], [1, 0, 2, 1, 1, 1], "replicate", 0.0),
        ("circular_1d", [1, 2, 4], [2, 3], "circular", 0.0),
        ("circular_2d", [1, 2, 3, 4], [4, 1, 3, 2], "circular", 0.0),
        ("circular_3d", [1, 1, 2, 3, 2], [1, 2, 0, 3, 2, 1], "circular", 0.0),
        ("circular_negative", [1, 2, 5], [-2, 1], "circular", 0.0),
    ]
    for variant, shape, pad, mode, value in pads:
        case(f"pad_{variant}", "pad", [shape], {"pad": pad, "mode": mode, "value": value})
    case("pad_reflect_transposed", "pad", [[2, 4, 3]], {"pad": [2, 1, 0, 2], "mode": "reflect", "value": 0.0, "transposed": True})
    case("pad_replicate_transposed", "pad", [[2, 3, 4]], {"pad": [1, 2], "mode": "replicate", "value": 0.0, "transposed": True})
    case("pad_circular_transposed", "pad", [[1, 2, 3, 4]], {"pad": [1, 2, 3, 0], "mode": "circular", "value": 0.0, "transposed": True})
    case("pad_constant_transposed", "pad", [[3, 4]], {"pad": [1, 1, 2, -1], "mode": "constant", "value": 2.0, "transposed": True})
    case("meshgrid_ij", "meshgrid", [[3], [4]], {"indexing": "ij"})
    case("meshgrid_xy", "meshgrid", [[3], [4], [2]], {"indexing": "xy"})
    case("reshape_as_transposed", "reshape_as", [[3, 4]], {"transposed": True}, [x("reshape_as_transposed", 1, [2, 6], grad=False)])


def tensors_for(c):
    ts = []
    for i in c["inputs"]:
        if i.get("dtype") == "int64":
            ts.append(torch.tensor(i["data"], dtype=torch.int64).reshape(i["shape"]))
        else:
            ts.append(torch.tensor(i["data"], dtype=torch.float64).reshape(i["shape"]).requires_grad_(i["grad"]))
    return ts


def flat(t):
    return t.detach().double().reshape(-1).tolist()


def evaluate(c):
    ts = tensors_for(c)
    fn = OPS[c["op"]]
    out = fn(ts, c["args"])
    res = dict(c)
    res["output"] = {"shape": list(out.shape), "data": flat(out)}
    gvals = values(c["name"] + "/grad_output", list(out.shape), -1.0, 1.0)
    go = torch.tensor(gvals, dtype=torch.float64).reshape(out.shape)
    wrt = [t for t in ts if t.requires_grad]
    gs = iter(torch.autograd.grad(out, wrt, go))
    res["grad_output"] = {"shape": list(out.shape), "data": gvals}
    res["grads"] = [{"shape": list(t.shape), "data": flat(next(gs))} if t.requires_grad else None for t in ts]

    def f(*xs):
        it = iter(xs)
        return fn([next(it) if t.requires_grad else t for t in ts], c["args"])

    grads = tuple(t for t in ts if t.requires_grad)
    assert torch.autograd.gradcheck(f, grads, eps=1e-6, atol=1e-6, rtol=1e-5), c["name"]
    assert torch.autograd.gradgradcheck(f, grads, eps=1e-6, atol=1e-6, rtol=1e-5), c["name"]
    return res


def main():
    torch.set_num_threads(1)
    build()
    results = [evaluate(c) for c in CASES]
    body = ",\n".join(json.dumps(r, separators=(",", ":")) for r in results)
    path = os.path.join(HERE, "shape_float64.json")
    with open(path, "w") as f:
        f.write('{"dtype": "float64", "cases": [\n' + body + "\n]}\n")
    ops = {c["op"] for c in CASES}
    print(f"{len(CASES)} cases over {len(ops)} ops: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
