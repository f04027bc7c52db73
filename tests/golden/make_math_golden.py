#!/usr/bin/python3
"""Golden values for the everyday elementwise functions (rounding, sign, trigonometric and hyperbolic, logarithms,
remainders, lerp, xlogy).

Run:  /usr/bin/python3 tests/golden/make_math_golden.py   (PyTorch 1.13, CPU)
Writes math_float64.json and math_float32.json next to this script, deterministic (inputs from
random.Random(crc32(case name)), multiples of 1/1024, so both files hold the same inputs).

"cases" has the op case format of make_golden.py (output, grad_output, grads); every float64 case is verified
with torch.autograd.gradcheck, and inputs stay away from the steps of the rounding functions and the remainders.
"t" in args means the op receives its first input transposed (a non-contiguous view).
"special" holds forward-only cases: {"name", "op", "args", "inputs": [{"shape", "data", "dtype"?}], "output":
{"shape", "data", "dtype"?}}, where a non-finite value is written as the string "nan", "inf" or "-inf".
"""
import json
import math
import os
import random
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
GRID = 1024


def _t(x, a):
    return x.t() if a.get("t") else x


OPS = {
    "floor": lambda t, a: torch.floor(_t(t[0], a)),
    "ceil": lambda t, a: torch.ceil(_t(t[0], a)),
    "round": lambda t, a: torch.round(_t(t[0], a), decimals=a.get("decimals", 0)),
    "trunc": lambda t, a: torch.trunc(_t(t[0], a)),
    "frac": lambda t, a: torch.frac(_t(t[0], a)),
    "sign": lambda t, a: torch.sign(_t(t[0], a)),
    "tan": lambda t, a: torch.tan(_t(t[0], a)),
    "asin": lambda t, a: torch.asin(_t(t[0], a)),
    "acos": lambda t, a: torch.acos(_t(t[0], a)),
    "atan": lambda t, a: torch.atan(_t(t[0], a)),
    "sinh": lambda t, a: torch.sinh(_t(t[0], a)),
    "cosh": lambda t, a: torch.cosh(_t(t[0], a)),
    "asinh": lambda t, a: torch.asinh(_t(t[0], a)),
    "acosh": lambda t, a: torch.acosh(_t(t[0], a)),
    "atanh": lambda t, a: torch.atanh(_t(t[0], a)),
    "log2": lambda t, a: torch.log2(_t(t[0], a)),
    "log10": lambda t, a: torch.log10(_t(t[0], a)),
    "exp2": lambda t, a: torch.exp2(_t(t[0], a)),
    "expm1": lambda t, a: torch.expm1(_t(t[0], a)),
    "atan2": lambda t, a: torch.atan2(_t(t[0], a), t[1]),
    "hypot": lambda t, a: torch.hypot(_t(t[0], a), t[1]),
    "fmod": lambda t, a: torch.fmod(_t(t[0], a), t[1]),
    "remainder": lambda t, a: torch.remainder(_t(t[0], a), t[1]),
    "fmod_scalar": lambda t, a: torch.fmod(_t(t[0], a), a["other"]),
    "remainder_scalar": lambda t, a: torch.remainder(_t(t[0], a), a["other"]),
    "lerp": lambda t, a: torch.lerp(_t(t[0], a), t[1], t[2]),
    "lerp_scalar": lambda t, a: torch.lerp(_t(t[0], a), t[1], a["weight"]),
    "xlogy": lambda t, a: torch.xlogy(_t(t[0], a), t[1]),
}


def numel(shape):
    return math.prod(shape)


def values(name, shape, lo, hi, ok=lambda v: True):
    rng = random.Random(zlib.crc32(name.encode()))
    ks = [k for k in range(math.ceil(lo * GRID), math.floor(hi * GRID) + 1) if ok(k / GRID)]
    return [k / GRID for k in rng.sample(ks, numel(shape))]


def inp(shape, data, grad=True):
    return {"shape": list(shape), "data": list(data), "grad": grad}


CASES = []


def case(name, op, inputs, args=None):
    assert op in OPS and all(c["name"] != name for c in CASES), name
    CASES.append({"name": name, "op": op, "inputs": inputs, "args": args or {}})


def off_halves(v):
    return abs(v * 2 - round(v * 2)) >= 0.1


def off_steps(step):
    return lambda v: abs(2 * v / step - round(2 * v / step)) >= 0.2


UNARY = {"floor": (-3, 3, off_halves), "ceil": (-3, 3, off_halves), "round": (-3, 3, off_halves),
         "trunc": (-3, 3, off_halves), "frac": (-3, 3, off_halves), "sign": (-2, 2, lambda v: abs(v) >= 0.05),
         "tan": (-1.3, 1.3, None), "asin": (-0.9, 0.9, None), "acos": (-0.9, 0.9, None), "atan": (-4, 4, None),
         "sinh": (-3, 3, None), "cosh": (-3, 3, None), "asinh": (-4, 4, None), "acosh": (1.1, 4, None),
         "atanh": (-0.9, 0.9, None), "log2": (0.1, 4, None), "log10": (0.1, 4, None), "exp2": (-3, 3, None),
         "expm1": (-2, 2, None)}


def unary_cases():
    for op, (lo, hi, ok) in UNARY.items():
        for variant, shape, args in [("vec", [7], {}), ("transposed", [4, 3], {"t": True})]:
            name = f"{op}_{variant}"
            case(name, op, [inp(shape, values(name, shape, lo, hi, ok or (lambda v: True)))], args)
    for d, ok in [(1, off_steps(0.1)), (2, off_steps(0.01)), (-1, off_steps(10))]:
        name = f"round_decimals_{d}"
        lo, hi = (-300, 300) if d < 0 else (-3, 3)
        case(name, "round", [inp([3, 4], values(name, [3, 4], lo, hi, lambda v: ok(v) and v == round(v * 4) / 4 if d < 0 else ok(v)))],
             {"decimals": d})


def binary_cases():
    shapes = [("same", [3, 4], [3, 4], {}), ("row", [3, 4], [4], {}), ("transposed_col", [4, 3], [3, 1], {"t": True}),
              ("scalar_rhs", [2, 3], [], {})]
    for op in ("atan2", "hypot"):
        for variant, sa, sb, args in shapes:
            name = f"{op}_{variant}"
            case(name, op, [inp(sa, values(name, sa, -2, 2, lambda v: abs(v) >= 0.1)),
                            inp(sb, values(name + "/b", sb, -2, 2, lambda v: abs(v) >= 0.1))], args)
    for op in ("fmod", "remainder"):
        for variant, sa, sb, args in shapes:
            name = f"{op}_{variant}"
            b = values(name + "/b", sb, -2, 2, lambda v: 1.8 <= abs(v))
            a = values(name, sa, -3.4, 3.4, lambda v: 0.2 <= abs(v) <= 1.6 or 2.2 <= abs(v))
            case(name, op, [inp(sa, a), inp(sb, b)], args)
        for s in (1.875, -1.875):
            name = f"{op}_scalar_{'neg' if s < 0 else 'pos'}"
            case(name, op + "_scalar", [inp([3, 4], values(name, [3, 4], -3.4, 3.4, lambda v: 0.2 <= abs(v) <= 1.6 or 2.2 <= abs(v)))],
                 {"other": s})
    for variant, shapes3, args in [("broadcast", ([3, 4], [4], [3, 1]), {}), ("transposed", ([4, 3], [3, 4], [3, 4]), {"t": True})]:
        name = f"lerp_{variant}"
        ins = [inp(s, values(f"{name}/{i}", s, -2, 2 if i < 2 else 1.5)) for i, s in enumerate(shapes3)]
        case(name, "lerp", ins, args)
    for w in (0.25, 0.75):
        name = f"lerp_scalar_{w}"
        case(name, "lerp_scalar", [inp([3, 4], values(name, [3, 4], -2, 2)), inp([4], values(name + "/e", [4], -2, 2))],
             {"weight": w})
    for variant, sa, sb, args in [("row", [3, 4], [4], {}), ("transposed", [4, 3], [3, 4], {"t": True})]:
        name = f"xlogy_{variant}"
        case(name, "xlogy", [inp(sa, values(name, sa, -2, 2, lambda v: abs(v) >= 0.05)), inp(sb, values(name + "/b", sb, 0.1, 3))], args)


NAN, INF = float("nan"), float("inf")
SPECIAL = []


def special(name, op, inputs, args=None, dtype=None):
    SPECIAL.append({"name": name, "op": op, "args": args or {}, "inputs": inputs, "dtype": dtype})


def special_cases():
    edge = [0.0, -0.0, NAN, INF, -INF, 0.5, -0.5, 1.5, 2.5, -2.5, 1e-30, 1.0, -1.0, 3.75]
    for op in UNARY:
        special(f"{op}_special", op, [{"shape": [len(edge)], "data": edge}])
    ints = [-7, -1, 0, 1, 2, 9]
    for op in ("floor", "ceil", "trunc", "sign", "tan", "log2", "expm1", "atan"):
        special(f"{op}_int64", op, [{"shape": [len(ints)], "data": ints, "dtype": "int64"}])
    a = [5.0, -5.0, 5.0, -5.0, 5.5, -0.0, 0.0, 1.0, -1.0, INF, 1.0, NAN, 7.5, 0.0, -3.0]
    b = [3.0, 3.0, -3.0, -3.0, 2.0, 1.0, -1.0, INF, INF, 2.0, 0.0, 1.0, -2.5, -0.0, -INF]
    for op in ("fmod", "remainder", "atan2", "hypot", "xlogy"):
        special(f"{op}_special", op, [{"shape": [len(a)], "data": a}, {"shape": [len(b)], "data": b}])
    xa, xb = [0.0, 0.0, 0.0, 0.0, 2.0], [0.0, NAN, INF, 1.0, 0.0]
    special("xlogy_zeros", "xlogy", [{"shape": [5], "data": xa}, {"shape": [5], "data": xb}])
    ia, ib = [5, -5, 5, -5, 0, 7, -9], [3, 3, -3, -3, 4, 7, 2]
    for op in ("fmod", "remainder", "atan2"):
        special(f"{op}_int64", op, [{"shape": [7], "data": ia, "dtype": "int64"}, {"shape": [7], "data": ib, "dtype": "int64"}])
    for op, s in [("fmod_scalar", 2.5), ("remainder_scalar", 2), ("remainder_scalar", -2.5), ("fmod_scalar", -3)]:
        special(f"{op}_int64_{s}", op, [{"shape": [7], "data": ia, "dtype": "int64"}], {"other": s})


def tensors_for(c, dtype):
    ts = []
    for i in c["inputs"]:
        if i.get("dtype") == "int64":
            ts.append(torch.tensor(i["data"], dtype=torch.int64).reshape(i["shape"]))
        else:
            ts.append(torch.tensor(i["data"], dtype=dtype).reshape(i["shape"]).requires_grad_(i.get("grad", False)))
    return ts


def flat(t):
    return t.detach().double().reshape(-1).tolist()


def evaluate(c, dtype):
    ts = tensors_for(c, dtype)
    out = OPS[c["op"]](ts, c["args"])
    assert torch.isfinite(out).all(), c["name"]
    res = dict(c)
    res["output"] = {"shape": list(out.shape), "data": flat(out)}
    go = values(c["name"] + "/grad_output", list(out.shape), -1, 1)
    gt = torch.tensor(go, dtype=dtype).reshape(out.shape)
    wrt = [t for t in ts if t.requires_grad]
    gs = iter(torch.autograd.grad(out, wrt, gt, allow_unused=True))
    res["grad_output"] = {"shape": list(out.shape), "data": go}
    grads = []
    for t in ts:
        if not t.requires_grad:
            grads.append(None)
            continue
        g = next(gs)
        grads.append({"shape": list(t.shape), "data": flat(torch.zeros_like(t) if g is None else g)})
    res["grads"] = grads
    return res


def encode(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def evaluate_special(c, dtype):
    ts = tensors_for(c, dtype)
    out = OPS[c["op"]](ts, c["args"])
    res = {k: c[k] for k in ("name", "op", "args")}
    res["inputs"] = [{**i, "data": [encode(v) for v in i["data"]]} for i in c["inputs"]]
    data = out.reshape(-1).tolist() if not out.dtype.is_floating_point else flat(out)
    res["output"] = {"shape": list(out.shape), "data": [encode(v) for v in data]}
    if out.dtype != dtype:
        res["output"]["dtype"] = str(out.dtype).replace("torch.", "")
    return res


def main():
    unary_cases()
    binary_cases()
    special_cases()
    for c in CASES:
        ts = tensors_for(c, torch.float64)
        assert torch.autograd.gradcheck(lambda *xs: OPS[c["op"]](list(xs), c["args"]), tuple(ts), eps=1e-6, atol=1e-6, rtol=1e-5), c["name"]
    for name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        cases = [evaluate(c, dtype) for c in CASES]
        specials = [evaluate_special(c, dtype) for c in SPECIAL]
        with open(os.path.join(HERE, f"math_{name}.json"), "w") as f:
            f.write('{"dtype": "%s", "cases": [\n' % name)
            f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
            f.write('\n], "special": [\n')
            f.write(",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in specials))
            f.write("\n]}\n")
    print(len(CASES), "cases,", len(SPECIAL), "special cases")


if __name__ == "__main__":
    main()
