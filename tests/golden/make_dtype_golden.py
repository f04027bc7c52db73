"""Golden values for Nabla's dtypes: casts, type promotion, comparisons, logical ops, where, reductions, and the
result dtypes of the elementwise functions on every computed dtype.

Writes tests/golden/dtypes.json. Every value is a JSON number, true/false, or the string "nan", "inf" or "-inf".
Binary cases give a as a (2, 2) tensor and b as a (2,) tensor (broadcast); "a_transposed" cases hold a's transpose
in "a", and the test builds a as that tensor's .T, a non-contiguous view with the same values. A case whose op
PyTorch refuses has "error": true. The "functions" cases apply a one-tensor function (FUNCTIONS below) to a (2, 2)
tensor of each computed dtype, half of them stored transposed as the binary cases are. Integral scalars are Python ints and fractional ones Python floats, as a C#
double argument is taken by Nabla.
"""
import json
import math
import os

import torch

DTYPES = {
    "bool": torch.bool, "uint8": torch.uint8, "int32": torch.int32, "int64": torch.int64,
    "float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64,
}
NAMES = {v: k for k, v in DTYPES.items()}
COMPUTED = ["bool", "uint8", "int32", "int64", "float32", "float64"]

SAMPLES = {
    "bool": [True, False, True, True],
    "uint8": [0, 3, 7, 200],
    "int32": [-3, 0, 5, 100000],
    "int64": [-7, 0, 3, 1 << 40],
    "float32": [-1.5, 0.25, 3.0, -0.0009765625],
    "float64": [-2.75, 0.5, 7.0, 1024.125],
}
B_SAMPLES = {
    "bool": [False, True],
    "uint8": [2, 250],
    "int32": [-2, 9],
    "int64": [4, -5],
    "float32": [0.5, -3.25],
    "float64": [-0.125, 2.0],
}
CAST_INPUTS = {
    "bool": [True, False],
    "uint8": [0, 1, 127, 255],
    "int32": [-2147483648, -300, -1, 0, 1, 300, 2147483647],
    "int64": [-(1 << 40), -300, -1, 0, 1, 255, 256, 300, 1 << 33],
    "float16": [float("nan"), float("inf"), -float("inf"), -1.5, -0.75, 0.0, -0.0, 2.5, 255.875, 300.75, 65504.0],
    "bfloat16": [float("nan"), float("inf"), -float("inf"), -1.5, -0.75, 0.0, 2.5, 255.0, 300.0, 1e10, -1e10],
    "float32": [float("nan"), float("inf"), -float("inf"), -1.5, -0.7, 0.0, -0.0, 2.5, 255.9, 256.0, 300.7, 1e10, -1e10,
                3.0e9, 1.00390625, 1.01171875],
    "float64": [float("nan"), float("inf"), -float("inf"), -1.5, -0.7, 0.0, 2.5, 255.9, 300.7, 1e10, -1e10, 1e20,
                2147483647.5, -2147483648.5, 1.00048828125],
}


def enc(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    return v


def values(t):
    return [enc(v) for v in t.reshape(-1).tolist()]


def tensor(vals, dtype):
    return torch.tensor(vals, dtype=DTYPES[dtype])


def run(fn):
    try:
        return fn(), None
    except RuntimeError as e:
        return None, str(e)


def result(out, err):
    if err is not None:
        return {"error": True}
    return {"error": False, "dtype": NAMES[out.dtype], "shape": list(out.shape), "values": values(out)}


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge,
    "logical_and": torch.logical_and, "logical_or": torch.logical_or, "logical_xor": torch.logical_xor,
}


F_SAMPLES = {
    "bool": [True, False, True, False],
    "uint8": [0, 1, 2, 200],
    "int32": [-3, 0, 1, 5],
    "int64": [-7, 0, 1, 3],
    "float32": [-1.5, 0.25, 0.5, 2.5],
    "float64": [-0.75, 0.5, 1.5, 3.0],
}
FUNCTIONS = {
    "floor": torch.floor, "ceil": torch.ceil, "round": torch.round, "trunc": torch.trunc,
    "round_decimals": lambda t: torch.round(t, decimals=1), "frac": torch.frac, "sign": torch.sign, "square": torch.square,
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt,
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "asin": torch.asin, "acos": torch.acos, "atan": torch.atan,
    "sinh": torch.sinh, "cosh": torch.cosh, "asinh": torch.asinh, "acosh": torch.acosh, "atanh": torch.atanh,
    "log2": torch.log2, "log10": torch.log10, "exp2": torch.exp2, "expm1": torch.expm1, "log1p": torch.log1p,
    "rsqrt": torch.rsqrt, "reciprocal": torch.reciprocal, "erf": torch.erf,
    "div_self": lambda t: t / t, "div_two": lambda t: t / 2, "two_div": lambda t: 2 / t,
    "atan2_self": lambda t: torch.atan2(t, t), "xlogy_self": lambda t: torch.xlogy(t, t),
    "pow_0": lambda t: torch.pow(t, 0), "pow_2": lambda t: torch.pow(t, 2), "pow_3": lambda t: torch.pow(t, 3),
    "pow_half": lambda t: torch.pow(t, 0.5), "pow_minus_1": lambda t: torch.pow(t, -1),
    "logsumexp": lambda t: torch.logsumexp(t, (0, 1)), "logsumexp_dim": lambda t: torch.logsumexp(t, 1),
    "mean": torch.mean, "var": torch.var, "softmax": lambda t: torch.softmax(t, 1), "log_softmax": lambda t: torch.log_softmax(t, 1),
    "softplus": torch.nn.functional.softplus, "gelu": torch.nn.functional.gelu, "silu": torch.nn.functional.silu,
    "elu": torch.nn.functional.elu, "leaky_relu": torch.nn.functional.leaky_relu, "hypot_self": lambda t: torch.hypot(t, t),
}


def main():
    out = {"dtypes": list(DTYPES), "promote": [], "cast": [], "binary": [], "scalar": [], "zero_dim": [],
           "unary": [], "reduce": [], "where": [], "format": [], "functions": []}

    for x in DTYPES:
        for y in DTYPES:
            out["promote"].append({"a": x, "b": y, "dtype": NAMES[torch.promote_types(DTYPES[x], DTYPES[y])]})

    for src, vals in CAST_INPUTS.items():
        t = tensor(vals, src)
        for dst in DTYPES:
            out["cast"].append({"from": src, "to": dst, "input": values(t), "output": values(t.to(DTYPES[dst]))})

    transposed = False
    for op, fn in BINARY.items():
        for x in COMPUTED:
            for y in COMPUTED:
                transposed = not transposed
                a = tensor(SAMPLES[x], x).reshape(2, 2)
                b = tensor(B_SAMPLES[y], y)
                stored = a.t().contiguous() if transposed else a
                case = {"op": op, "a_dtype": x, "b_dtype": y, "a": values(stored), "a_transposed": transposed, "b": values(b)}
                case.update(result(*run(lambda: fn(a, b))))
                out["binary"].append(case)

    for op in ["add", "sub", "mul", "div", "eq", "lt", "gt"]:
        for x in COMPUTED:
            for s in [2, -3, 0.5, 1]:
                a = tensor(SAMPLES[x], x)
                case = {"op": op, "a_dtype": x, "a": values(a), "scalar": s}
                case.update(result(*run(lambda: BINARY[op](a, s))))
                out["scalar"].append(case)

    for op in ["add", "mul", "lt"]:
        for x in COMPUTED:
            for y in COMPUTED:
                a = tensor(SAMPLES[x], x)
                b = tensor(B_SAMPLES[y][1], y)
                case = {"op": op, "a_dtype": x, "b_dtype": y, "a": values(a), "b": values(b)}
                case.update(result(*run(lambda: BINARY[op](a, b))))
                out["zero_dim"].append(case)

    unary = {
        "neg": lambda t: -t,
        "abs": torch.abs,
        "logical_not": torch.logical_not,
        "bitwise_not": torch.bitwise_not,
        "isnan": torch.isnan, "isinf": torch.isinf, "isposinf": torch.isposinf, "isneginf": torch.isneginf,
        "isfinite": torch.isfinite,
    }
    specials = {"float32": [float("nan"), float("inf"), -float("inf"), -1.5, 0.0],
                "float64": [float("nan"), -float("inf"), float("inf"), 2.0, -0.0]}
    for op, fn in unary.items():
        for x in COMPUTED:
            a = tensor(specials.get(x, SAMPLES[x]), x)
            case = {"op": op, "a_dtype": x, "a": values(a)}
            case.update(result(*run(lambda: fn(a))))
            out["unary"].append(case)

    reduce = {
        "sum": lambda t: t.sum(), "sum_dim": lambda t: t.sum(1), "mean": lambda t: t.mean(),
        "any": lambda t: t.any(), "all": lambda t: t.all(), "any_dim": lambda t: t.any(1), "all_dim": lambda t: t.all(0),
        "max": lambda t: t.max(), "min": lambda t: t.min(),
    }
    zeros = {"bool": [False, True, False, False], "uint8": [0, 0, 4, 250], "int32": [0, -1, 0, 0], "int64": [5, 0, 0, 0],
             "float32": [0.0, float("nan"), 0.0, -0.0], "float64": [0.0, -0.0, 0.0, 1.5]}
    for op, fn in reduce.items():
        for x in COMPUTED:
            for vals in [SAMPLES[x], zeros[x]]:
                a = tensor(vals, x).reshape(2, 2)
                case = {"op": op, "a_dtype": x, "a": values(a)}
                case.update(result(*run(lambda: fn(a))))
                out["reduce"].append(case)

    cond = torch.tensor([[True, False], [False, True]])
    for x in COMPUTED:
        for y in COMPUTED:
            a = tensor(SAMPLES[x], x).reshape(2, 2)
            b = tensor(B_SAMPLES[y], y)
            case = {"a_dtype": x, "b_dtype": y, "cond": values(cond), "a": values(a), "b": values(b)}
            case.update(result(*run(lambda: torch.where(cond, a, b))))
            out["where"].append(case)

    fmt = [
        ("bool", [True, False], [2]), ("bool", [True, True, True], [3]), ("bool", [False, True, True, False], [2, 2]),
        ("bool", [], [0]), ("bool", [True], []), ("uint8", [1, 2, 255], [3]), ("uint8", [], [0]),
        ("int32", [-5, 10, 300, 0], [2, 2]), ("int32", [7], []), ("int32", [], [0]), ("int64", [], [0]),
        ("float16", [1.5, 2.0, -0.25], [3]), ("bfloat16", [1.5, 2.0, -3.0, 100.0], [2, 2]), ("float16", [], [0]),
        ("float64", [0.5, -1.25], [2]), ("float32", [], [0]), ("int64", [3, -4], [2]),
    ]
    for dtype, vals, shape in fmt:
        t = tensor(vals, dtype).reshape(shape)
        out["format"].append({"dtype": dtype, "shape": shape, "values": values(t), "str": str(t)})

    transposed = False
    for op, fn in FUNCTIONS.items():
        for x in COMPUTED:
            transposed = not transposed
            a = tensor(F_SAMPLES[x], x).reshape(2, 2)
            stored = a.t().contiguous() if transposed else a
            case = {"op": op, "a_dtype": x, "a": values(stored), "a_transposed": transposed}
            case.update(result(*run(lambda: fn(a))))
            out["functions"].append(case)

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dtypes.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
