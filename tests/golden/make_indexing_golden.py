#!/usr/bin/python3
"""Golden values for Nabla's indexing, indexed assignment and index ops.

Run:  /usr/bin/python3 tests/golden/make_indexing_golden.py   (PyTorch 1.13, CPU)
Writes indexing.json next to this script, in the op-case format of make_golden.py
({"dtype": "float64", "cases": [...]}, each case with inputs, args, output,
grad_output and grads), read by tests/Nabla.Tests/Golden/GoldenFixture.cs.
Deterministic: inputs are drawn from random.Random(crc32(case name)) as
multiples of 1/1024; every case is verified with torch.autograd.gradcheck.

args:
  "view":  how input 0 is seen before indexing: null (as is), "t" (x.t()),
           "step" (x[:, ::2]) or "perm" (x.permute(2, 0, 1)).
  "index": the index, a list of entries: {"int": n}, {"slice": [start, stop, step]}
           (null bounds allowed), {"ellipsis": true}, {"none": true},
           {"tensor": {"shape", "data"}} (int64 positions) or {"mask": {"shape", "data"}}
           (bool, as 0/1).
ops (x = input 0 seen through "view"):
  get           out = x[index]
  set           b = input0 * 1; y = view(b); y[index] = input1; out = y if args.ret == "view" else b
  set_scalar    as set with the value args.value (a Python number): inputs are [x] only
  index_put     out = x.index_put(tensors, input1, accumulate=args.accumulate), tensors = the "tensor" entries
                of index, null for {"slice": [null, null, null]} entries
  masked_select out = x.masked_select(mask)            args.mask: {"shape", "data"} 0/1
  masked_scatter out = x.masked_scatter(mask, input1)
  masked_fill_  b = x * 1; b.masked_fill_(mask, args.value); out = b
  scatter       out = x.scatter(args.dim, index, input1)           args.index: int64 {"shape", "data"}
  scatter_value out = x.scatter(args.dim, index, args.value)
  scatter_add   out = x.scatter(args.dim, index, input1, reduce="add")
  index_fill    out = x.index_fill(args.dim, index, args.value)    index 1-D
  take          out = x.take(index)
  as_strided    out = x.as_strided(args.size, args.stride, args.offset)
  as_strided_scatter out = x.as_strided_scatter(input1, args.size, args.stride, args.offset)
  nonzero       out = x.nonzero() (int64, no gradients)
args.forward_only: no grad_output and grads (PyTorch 1.13 has no derivative for scatter's
reduce, and its as_strided_scatter derivative fails gradcheck).
"""

import json
import os
import random
import zlib

import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


def draw(name, shape):
    rng = random.Random(zlib.crc32(name.encode()))
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([rng.randint(-2048, 2048) / 1024 for _ in range(n)], dtype=torch.float64).reshape(shape)


def enc(t):
    t = t.detach()
    out = {"shape": list(t.shape), "data": [v.item() for v in t.reshape(-1)]}
    if t.dtype == torch.int64:
        out["dtype"] = "int64"
    return out


def see(x, view):
    if view is None:
        return x
    if view == "t":
        return x.t()
    if view == "step":
        return x[:, ::2]
    if view == "perm":
        return x.permute(2, 0, 1)
    raise ValueError(view)


def T(data):
    return {"tensor": torch.tensor(data, dtype=torch.int64)}


def M(data):
    return {"mask": torch.tensor(data, dtype=torch.bool)}


def py_index(spec):
    out = []
    for e in spec:
        if "int" in e:
            out.append(e["int"])
        elif "slice" in e:
            out.append(slice(*e["slice"]))
        elif "ellipsis" in e:
            out.append(Ellipsis)
        elif "none" in e:
            out.append(None)
        elif "tensor" in e:
            out.append(e["tensor"])
        else:
            out.append(e["mask"])
    return tuple(out)


def enc_index(spec):
    out = []
    for e in spec:
        if "tensor" in e:
            out.append({"tensor": enc(e["tensor"])})
        elif "mask" in e:
            out.append({"mask": enc(e["mask"].long())})
        else:
            out.append(e)
    return out


def S(start=None, stop=None, step=None):
    return {"slice": [start, stop, step]}


I = lambda n: {"int": n}  # noqa: E731
E = {"ellipsis": True}
N = {"none": True}


def run(op, args, xs):
    x = see(xs[0], args.get("view"))
    if op == "get":
        return x[py_index(args["index"])]
    if op in ("set", "set_scalar"):
        b = xs[0] * 1
        y = see(b, args.get("view"))
        y[py_index(args["index"])] = xs[1] if op == "set" else args["value"]
        return y if args.get("ret") == "view" else b
    if op == "index_put":
        tensors = tuple(e["tensor"] if "tensor" in e else None for e in args["index"])
        return x.index_put(tensors, xs[1], accumulate=args["accumulate"])
    mask = args.get("mask_t")
    if op == "masked_select":
        return x.masked_select(mask)
    if op == "masked_scatter":
        return x.masked_scatter(mask, xs[1])
    if op == "masked_fill_":
        b = x * 1
        b.masked_fill_(mask, args["value"])
        return b
    index = args.get("index_t")
    if op == "scatter":
        return x.scatter(args["dim"], index, xs[1])
    if op == "scatter_value":
        return x.scatter(args["dim"], index, args["value"])
    if op == "scatter_add":
        return x.scatter(args["dim"], index, xs[1], reduce="add")
    if op == "index_fill":
        return x.index_fill(args["dim"], index, args["value"])
    if op == "take":
        return x.take(index)
    if op == "as_strided":
        return x.as_strided(args["size"], args["stride"], args["offset"])
    if op == "as_strided_scatter":
        return x.as_strided_scatter(xs[1], args["size"], args["stride"], args["offset"])
    if op == "nonzero":
        return x.nonzero()
    raise ValueError(op)


CASES = []


def case(name, op, shapes, **args):
    CASES.append((name, op, shapes, args))


# Basic indexing: views.
case("get_int", "get", [[4, 5]], index=[I(1)])
case("get_negative_int", "get", [[4, 5]], index=[I(-1)])
case("get_two_ints", "get", [[4, 5]], index=[I(2), I(-2)])
case("get_range", "get", [[4, 5]], index=[S(1, 3)])
case("get_step", "get", [[6, 5]], index=[S(None, None, 2)])
case("get_range_step", "get", [[6, 7]], index=[S(1, None), S(1, 6, 3)])
case("get_negative_bounds", "get", [[6, 7]], index=[S(-4, -1), S(None, -2)])
case("get_clamped_bounds", "get", [[4, 5]], index=[S(2, 100), S(-100, 2)])
case("get_empty_slice", "get", [[4, 5]], index=[S(3, 1)])
case("get_ellipsis_int", "get", [[2, 3, 4]], index=[E, I(1)])
case("get_int_ellipsis", "get", [[2, 3, 4]], index=[I(1), E])
case("get_newaxis", "get", [[3, 4]], index=[N, I(1)])
case("get_newaxis_middle", "get", [[3, 4]], index=[S(), N, S(2, None)])
case("get_ellipsis_newaxis", "get", [[3, 4]], index=[E, N])
case("get_transposed", "get", [[4, 5]], view="t", index=[S(1, 4), I(2)])
case("get_stepped_view", "get", [[3, 8]], view="step", index=[S(None, None, 2), S(1, None)])
case("get_permuted", "get", [[2, 3, 4]], view="perm", index=[I(1), S(None, None, 2)])
# Advanced indexing: copies.
case("get_tensor", "get", [[4, 5]], index=[T([0, 2, 2, -1])])
case("get_tensor_dim1", "get", [[4, 5]], index=[S(), T([4, 0, 1])])
case("get_tensor_2d", "get", [[4, 5]], index=[T([[0, 1], [3, 3]])])
case("get_tensor_0d", "get", [[4, 5]], index=[T(2)])
case("get_two_tensors_broadcast", "get", [[4, 5]], index=[T([[0], [3]]), T([1, 2, 4])])
case("get_adjacent_tensors", "get", [[3, 4, 5]], index=[S(), T([0, 3]), T([1, 4])])
case("get_separated_tensors", "get", [[3, 4, 5]], index=[T([0, 2]), S(), T([1, 4])])
case("get_tensor_then_slice", "get", [[3, 4, 5]], index=[T([2, 0]), S(1, 3)])
case("get_int_and_tensor", "get", [[3, 4, 5]], index=[I(1), S(), T([0, 4, 4])])
case("get_tensor_int_tensor", "get", [[3, 4, 5]], index=[T([0, 2]), I(1), T([3, 4])])
case("get_tensor_ellipsis", "get", [[3, 4, 5]], index=[E, T([1, 0])])
case("get_tensor_newaxis", "get", [[3, 4]], index=[T([2, 0]), N])
case("get_tensor_transposed", "get", [[4, 5]], view="t", index=[T([4, 1]), S(None, None, 2)])
case("get_tensor_stepped", "get", [[3, 8]], view="step", index=[S(), T([3, 0, 3])])
case("get_tensor_permuted", "get", [[2, 3, 4]], view="perm", index=[T([1, 3]), S(), T([0, 1])])
# Assignment.
case("set_row", "set", [[4, 5], [5]], index=[I(1)])
case("set_row_broadcast", "set", [[4, 5], [1]], index=[I(-1)])
case("set_slice", "set", [[4, 5], [4, 2]], index=[S(), S(1, 3)])
case("set_step_broadcast", "set", [[4, 6], [3]], index=[E, S(None, None, 2)])
case("set_element", "set", [[4, 5], []], index=[I(2), I(3)])
case("set_leading_ones", "set", [[4, 5], [1, 5]], index=[I(0)])
case("set_slice_ret_view", "set", [[4, 5], [2, 5]], index=[S(1, 3)], ret="view")
case("set_transposed", "set", [[4, 5], [5]], view="t", index=[S(), I(1)])
case("set_transposed_ret_view", "set", [[4, 5], [2, 4]], view="t", index=[S(1, 3)], ret="view")
case("set_stepped_view", "set", [[3, 8], [3, 2]], view="step", index=[S(), S(1, 3)])
case("set_tensor", "set", [[4, 5], [2, 5]], index=[T([0, 3])])
case("set_tensor_broadcast", "set", [[4, 5], [5]], index=[T([1, -1])])
case("set_tensor_dim1", "set", [[4, 5], [4, 3]], index=[S(), T([4, 0, 2])])
case("set_two_tensors", "set", [[4, 5], [2, 3]], index=[T([[0], [3]]), T([1, 2, 4])])
case("set_separated_tensors", "set", [[3, 4, 5], [2, 4]], index=[T([0, 2]), S(), T([1, 4])])
case("set_int_and_tensor", "set", [[3, 4, 5], [4, 2]], index=[I(1), S(), T([0, 3])])
case("set_tensor_transposed", "set", [[4, 5], [2, 4]], view="t", index=[T([4, 1])])
case("set_tensor_transposed_ret_view", "set", [[4, 5], [2, 4]], view="t", index=[T([4, 1])], ret="view")
case("set_scalar_slice", "set_scalar", [[4, 5]], index=[S(1, 3), I(0)], value=0.5)
case("set_scalar_tensor", "set_scalar", [[4, 5]], index=[T([2, 0]), T([1, 1])], value=-3.0)
case("set_mask_scalar", "set_scalar", [[3, 4]], index=[M([[1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 1, 0]])], value=0.0)
case("set_mask_rows", "set", [[3, 4], [4]], index=[M([1, 0, 1])])
# Masks in the indexer.
case("get_mask", "get", [[3, 4]], index=[M([[1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 1, 0]])])
case("get_mask_rows", "get", [[3, 4]], index=[M([0, 1, 1])])
case("get_mask_leading", "get", [[2, 3, 4]], index=[M([[1, 0, 1], [0, 1, 0]])])
case("get_slice_mask", "get", [[3, 4]], index=[S(), M([1, 0, 1, 1])])
case("get_mask_transposed", "get", [[4, 3]], view="t", index=[M([[1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 1, 0]])])
# Index ops.
case("index_put", "index_put", [[4, 5], [3, 5]], index=[T([0, 2, 3])], accumulate=False)
case("index_put_two", "index_put", [[4, 5], [3]], index=[T([0, 2, 3]), T([1, 1, 4])], accumulate=False)
case("index_put_accumulate", "index_put", [[4, 5], [4, 5]], index=[T([0, 2, 2, 0])], accumulate=True)
case("index_put_transposed", "index_put", [[4, 5], [2, 4]], view="t", index=[T([1, 4])], accumulate=False)
case("masked_select", "masked_select", [[3, 4]], mask=[[1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 1, 0]])
case("masked_select_broadcast", "masked_select", [[3, 4]], mask=[1, 0, 1, 1])
case("masked_scatter", "masked_scatter", [[3, 4], [7]], mask=[[1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 1, 0]])
case("masked_scatter_broadcast", "masked_scatter", [[3, 4], [3, 4]], mask=[0, 1, 1, 0])
case("masked_fill_", "masked_fill_", [[3, 4]], mask=[[1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 1, 0]], value=2.5)
case("masked_fill_transposed", "masked_fill_", [[4, 3]], view="t", mask=[0, 1, 1, 0], value=-1.0)
case("scatter_dim0", "scatter", [[3, 5], [2, 5]], dim=0, index=[[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]])
case("scatter_dim1_small_index", "scatter", [[3, 5], [3, 2]], dim=1, index=[[0, 4], [1, 3], [2, 0]])
case("scatter_transposed", "scatter", [[5, 3], [2, 2]], view="t", dim=1, index=[[4, 0], [1, 2]])
case("scatter_value", "scatter_value", [[3, 5]], dim=1, index=[[0, 4], [1, 3], [2, 2]], value=7.0)
case("scatter_add", "scatter_add", [[3, 5], [3, 3]], dim=1, index=[[0, 0, 1], [3, 3, 3], [4, 2, 4]], forward_only=True)
case("index_fill", "index_fill", [[4, 5]], dim=1, index=[0, 3], value=-2.0)
case("index_fill_transposed", "index_fill", [[4, 5]], view="t", dim=0, index=[3, 1], value=1.5)
case("take", "take", [[3, 4]], index=[[0, -1], [5, 5]])
case("take_transposed", "take", [[3, 4]], view="t", index=[1, 2, 3, 11])
case("as_strided", "as_strided", [[4, 5]], size=[3, 2], stride=[5, 2], offset=1)
case("as_strided_overlapping", "as_strided", [[12]], size=[4, 3], stride=[2, 1], offset=0)
case("as_strided_of_row", "as_strided", [[4, 6]], size=[2, 2], stride=[6, 1], offset=7)
case("as_strided_scatter", "as_strided_scatter", [[4, 5], [2, 3]], size=[2, 3], stride=[5, 2], offset=5, forward_only=True)
case("nonzero", "nonzero", [[3, 4]], mask=None)


def build(name, op, shapes, args):
    xs = [draw(f"{name}/{i}", s).requires_grad_() for i, s in enumerate(shapes)]
    if op == "nonzero":
        with torch.no_grad():
            xs[0][xs[0].abs() < 0.75] = 0
    run_args = dict(args)
    if "index" in args and op not in ("scatter", "scatter_value", "scatter_add", "index_fill", "take"):
        json_args_index = enc_index(args["index"])
    else:
        json_args_index = None
    if args.get("mask") is not None:
        run_args["mask_t"] = torch.tensor(args["mask"], dtype=torch.bool)
    if op in ("scatter", "scatter_value", "scatter_add", "index_fill", "take"):
        run_args["index_t"] = torch.tensor(args["index"], dtype=torch.int64)

    def f(*inputs):
        return run(op, run_args, list(inputs))

    out = f(*xs)
    json_args = {k: v for k, v in args.items() if k != "index"}
    json_args.setdefault("view", None)
    json_args["index"] = json_args_index if json_args_index is not None else args.get("index")
    entry = {"name": name, "op": op, "inputs": [dict(enc(x), grad=True) for x in xs], "args": json_args, "output": enc(out)}
    if out.dtype == torch.int64 or args.get("forward_only"):
        for i in entry["inputs"]:
            i["grad"] = False
        return entry
    assert torch.autograd.gradcheck(f, xs), name
    assert torch.autograd.gradgradcheck(f, xs), name
    g = draw(f"{name}/grad_output", list(out.shape))
    grads = torch.autograd.grad(out, xs, g, allow_unused=True)
    entry["grad_output"] = enc(g)
    entry["grads"] = [enc(gr) if gr is not None else enc(torch.zeros_like(x)) for gr, x in zip(grads, xs)]
    return entry


def main():
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names))
    cases = [build(*c) for c in CASES]
    with open(os.path.join(HERE, "indexing.json"), "w") as f:
        json.dump({"dtype": "float64", "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"indexing.json: {len(cases)} cases")


if __name__ == "__main__":
    main()
