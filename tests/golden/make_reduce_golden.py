#!/usr/bin/python3
"""Golden values for Nabla's sorting, scan and statistics ops.

Run:  /usr/bin/python3 tests/golden/make_reduce_golden.py   (PyTorch 1.13, CPU)
Writes reduce_float64.json and reduce_float32.json next to this script, in the op-case format of
make_golden.py (same inputs in both files), with these conventions in "args":
  "prep":   how input 0 is viewed before the op: null (as is), "t" (transpose(-2, -1), a
            non-contiguous view) or a shape list (expand to it, a broadcast view);
  "nan_at": flat positions of input 0 set to NaN before "prep" (JSON holds 0 there);
  "p":      a norm's p, with the strings "inf" and "-inf" for the infinities;
  "part":   which output of a tuple-returning op the case holds: "values" (the default),
            "indices", "inverse", "counts", or "isnan" (torch.isnan(values) as 0/1, for
            results with NaN, which JSON cannot hold).
Deterministic: inputs come from random.Random(crc32(case name)), multiples of 1/1024. Cases whose
gradients are defined (no ties, no NaN, away from kinks) are verified with torch.autograd.gradcheck
in float64; "nocheck" marks the others (ties, zeros of cumprod/prod are checked too: they are
polynomial).
"""
import math
import os
import random
import zlib

import torch

from make_golden import GRID, flat, write_json

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"float64": torch.float64, "float32": torch.float32}
INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


def num(v):
    """A number from args, where JSON holds infinities as the strings "inf" and "-inf"."""
    return float(v) if isinstance(v, str) else v


def json_num(v):
    return ("inf" if v > 0 else "-inf") if math.isinf(v) else v


def qarg(t, a):
    q = a["q"]
    return torch.tensor(q, dtype=t.dtype) if isinstance(q, list) else q


OPS = {
    "sort": lambda t, a: torch.sort(t[0], dim=a["dim"], descending=a["descending"], stable=a["stable"]),
    "argsort": lambda t, a: torch.argsort(t[0], dim=a["dim"], descending=a["descending"]),
    "topk": lambda t, a: torch.topk(t[0], a["k"], dim=a["dim"], largest=a["largest"], sorted=True),
    "kthvalue": lambda t, a: torch.kthvalue(t[0], a["k"], dim=a["dim"], keepdim=a["keepdim"]),
    "median_all": lambda t, a: torch.median(t[0]),
    "median_dim": lambda t, a: torch.median(t[0], dim=a["dim"], keepdim=a["keepdim"]),
    "mode": lambda t, a: torch.mode(t[0], dim=a["dim"], keepdim=a["keepdim"]),
    "quantile": lambda t, a: torch.quantile(t[0], qarg(t[0], a), dim=a["dim"], keepdim=a["keepdim"],
                                            interpolation=a["interpolation"]),
    "cumsum": lambda t, a: torch.cumsum(t[0], a["dim"]),
    "cumprod": lambda t, a: torch.cumprod(t[0], a["dim"]),
    "logcumsumexp": lambda t, a: torch.logcumsumexp(t[0], a["dim"]),
    "cummax": lambda t, a: torch.cummax(t[0], a["dim"]),
    "cummin": lambda t, a: torch.cummin(t[0], a["dim"]),
    "prod": lambda t, a: torch.prod(t[0]) if a["dim"] is None else torch.prod(t[0], a["dim"], keepdim=a["keepdim"]),
    "norm": lambda t, a: torch.norm(t[0], num(a["p"]), dim=a["dim"], keepdim=a["keepdim"]),
    "dist": lambda t, a: torch.dist(t[0], t[1], num(a["p"])),
    "cdist": lambda t, a: torch.cdist(t[0], t[1], num(a["p"])),
    "unique": lambda t, a: torch.unique(t[0], sorted=True, return_inverse=True, return_counts=True, dim=a["dim"]),
    "unique_consecutive": lambda t, a: torch.unique_consecutive(t[0], return_inverse=True, return_counts=True, dim=a["dim"]),
    "bincount": lambda t, a: torch.bincount(t[0], weights=t[1] if len(t) > 1 else None, minlength=a["minlength"]),
    "histc": lambda t, a: torch.histc(t[0], bins=a["bins"], min=a["min"], max=a["max"]),
    "count_nonzero": lambda t, a: torch.count_nonzero(t[0], dim=a["dim"]),
    "nansum": lambda t, a: torch.nansum(t[0], dim=a["dim"], keepdim=a["keepdim"]),
    "nanmean": lambda t, a: torch.nanmean(t[0], dim=a["dim"], keepdim=a["keepdim"]),
}

PARTS = {"values": 0, "indices": 1, "isnan": 0}
UNIQUE_PARTS = {"values": 0, "inverse": 1, "counts": 2}

CASES = []


class Gen:
    def __init__(self, name):
        self.rng = random.Random(zlib.crc32(name.encode()))

    def distinct(self, shape, lo=-2.0, hi=2.0, avoid=(), margin=0.03):
        ks = [k for k in range(math.ceil(lo * GRID), math.floor(hi * GRID) + 1)
              if all(abs(k / GRID - v) >= margin for v in avoid)]
        return [k / GRID for k in self.rng.sample(ks, math.prod(shape))]

    def choice(self, shape, pool):
        return [self.rng.choice(pool) for _ in range(math.prod(shape))]


def inp(shape, data, grad=True, dtype=None):
    assert len(data) == math.prod(shape), (shape, len(data))
    d = {"shape": list(shape), "data": list(data), "grad": grad}
    if dtype:
        d["dtype"] = dtype
    return d


def case(name, op, inputs, check=True, **args):
    assert op in OPS, op
    assert all(c["name"] != name for c in CASES), name
    if "p" in args:
        args["p"] = json_num(args["p"])
    args.setdefault("prep", None)
    args.setdefault("nan_at", None)
    args.setdefault("part", "values")
    if args["nan_at"]:
        for k in args["nan_at"]:
            inputs[0]["data"][k] = 0.0
        check = False
    CASES.append({"name": name, "op": op, "inputs": inputs, "args": args, "check": check})


def x(name, shape, **kw):
    return inp(shape, Gen(name).distinct(shape, **kw))


def tensors_for(c, dtype):
    ts = []
    for k, i in enumerate(c["inputs"]):
        if i.get("dtype") == "int64":
            t = torch.tensor(i["data"], dtype=torch.int64).reshape(i["shape"])
        else:
            t = torch.tensor(i["data"], dtype=dtype).reshape(i["shape"])
            if k == 0 and c["args"]["nan_at"]:
                t.view(-1)[c["args"]["nan_at"]] = float("nan")
            t.requires_grad_(i["grad"])
        ts.append(t)
    return ts


def run(c, ts):
    a = c["args"]
    t = list(ts)
    if a["prep"] == "t":
        t[0] = t[0].transpose(-2, -1)
    elif a["prep"] is not None:
        t[0] = t[0].expand(a["prep"])
    out = OPS[c["op"]](t, a)
    if isinstance(out, tuple):
        out = out[(UNIQUE_PARTS if c["op"].startswith("unique") else PARTS)[a["part"]]]
    if a["part"] == "isnan":
        out = torch.isnan(out).to(t[0].dtype)
    return out


def evaluate(c, dtype):
    ts = tensors_for(c, dtype)
    out = run(c, ts)
    res = {k: v for k, v in c.items() if k != "check"}
    res["output"] = {"shape": list(out.shape), "data": flat(out)}
    if not out.dtype.is_floating_point:
        res["output"]["data"] = out.reshape(-1).tolist()
        res["output"]["dtype"] = "int64"
        return res
    assert torch.isfinite(out).all(), c["name"]
    wrt = [t for t in ts if t.requires_grad]
    if not wrt or not out.requires_grad:
        return res
    gvals = Gen(c["name"] + "/grad_output").distinct(list(out.shape), -1.0, 1.0)
    go = torch.tensor(gvals, dtype=dtype).reshape(out.shape)
    gs = iter(torch.autograd.grad(out, wrt, go, allow_unused=True))
    res["grad_output"] = {"shape": list(out.shape), "data": gvals}
    grads = []
    for t in ts:
        if not t.requires_grad:
            grads.append(None)
            continue
        g = next(gs)
        grads.append({"shape": list(t.shape), "data": flat(torch.zeros_like(t) if g is None else g)})
    res["grads"] = grads
    return res


def check_differentiable(c):
    ts = tensors_for(c, torch.float64)
    if not c["check"] or not any(t.requires_grad for t in ts) or c["args"]["part"] != "values":
        return
    ok = torch.autograd.gradcheck(lambda *xs: run(c, list(xs)), tuple(ts), eps=1e-6, atol=1e-6, rtol=1e-5)
    assert ok, c["name"]


def sort_cases():
    for part in ("values", "indices"):
        case(f"sort_rows_{part}", "sort", [x("sort_rows", [3, 5])], dim=-1, descending=False, stable=False, part=part)
        case(f"sort_dim0_desc_transposed_{part}", "sort", [x("sort_t", [4, 3])], dim=0, descending=True, stable=False,
             prep="t", part=part)
        case(f"sort_broadcast_{part}", "sort", [x("sort_b", [1, 5])], dim=1, descending=False, stable=False,
             prep=[3, 5], part=part)
        ties = inp([2, 8], Gen("sort_ties").choice([2, 8], [-1.0, 0.0, 0.5, 2.0]))
        for desc in (False, True):
            case(f"sort_ties_stable_{'desc' if desc else 'asc'}_{part}", "sort", [dict(ties, data=list(ties["data"]))],
                 check=False, dim=1, descending=desc, stable=True, part=part)
        case(f"topk_largest_{part}", "topk", [x("topk_l", [3, 6])], k=3, dim=-1, largest=True, part=part)
        case(f"topk_smallest_dim0_transposed_{part}", "topk", [x("topk_s", [5, 4])], k=2, dim=0, largest=False,
             prep="t", part=part)
        case(f"kthvalue_keepdim_{part}", "kthvalue", [x("kth", [3, 5])], k=2, dim=1, keepdim=True, part=part)
        case(f"kthvalue_dim0_transposed_{part}", "kthvalue", [x("kth_t", [4, 3])], k=3, dim=0, keepdim=False,
             prep="t", part=part)
        case(f"median_dim_odd_{part}", "median_dim", [x("med_o", [3, 5])], dim=1, keepdim=False, part=part)
        case(f"median_dim_even_transposed_{part}", "median_dim", [x("med_e", [3, 4])], dim=0, keepdim=True,
             prep="t", part=part)
        modes = inp([3, 9], Gen("mode").choice([3, 9], [-1.0, 0.0, 0.5, 1.5]))
        case(f"mode_rows_{part}", "mode", [modes], check=False, dim=-1, keepdim=False, part=part)
        modes_t = inp([7, 3], Gen("mode_t").choice([7, 3], [-0.5, 0.25, 1.0]))
        case(f"mode_dim0_keepdim_{part}", "mode", [modes_t], check=False, dim=0, keepdim=True, part=part)
        case(f"cummax_rows_{part}", "cummax", [x("cummax", [3, 6])], dim=1, part=part)
        case(f"cummin_transposed_{part}", "cummin", [x("cummin", [5, 3])], dim=1, prep="t", part=part)
    case("argsort_desc", "argsort", [x("argsort", [4, 5])], dim=0, descending=True)
    case("median_all", "median_all", [x("med_all", [3, 5])])
    case("median_all_even_transposed", "median_all", [x("med_all_t", [2, 4])], prep="t")
    case("median_all_ties", "median_all", [inp([7], [0.5, -1.0, 0.5, 2.0, 0.5, -3.0, 1.0])], check=False)
    ties = [1.0, -1.0, 1.0, 3.0, 1.0, 3.0]
    case("cummax_ties_indices", "cummax", [inp([6], list(ties))], dim=0, part="indices")
    case("cummin_ties_indices", "cummin", [inp([6], [1.0, -1.0, 2.0, -1.0, 0.0, -1.0])], dim=0, part="indices")
    # NaN sorts as the largest value: forward only.
    for part in ("indices", "isnan"):
        case(f"sort_nan_{part}", "sort", [x("sort_nan", [2, 6])], dim=1, descending=False, stable=True, nan_at=[1, 4, 9],
             part=part)
        case(f"sort_nan_desc_{part}", "sort", [x("sort_nan_d", [2, 6])], dim=1, descending=True, stable=True,
             nan_at=[2, 7], part=part)
        case(f"topk_nan_{part}", "topk", [x("topk_nan", [2, 5])], k=2, dim=1, largest=True, nan_at=[3, 6], part=part)
        case(f"topk_nan_smallest_{part}", "topk", [x("topk_nan_s", [2, 5])], k=3, dim=1, largest=False, nan_at=[0, 9],
             part=part)
        case(f"median_dim_nan_{part}", "median_dim", [x("med_nan", [3, 5])], dim=1, keepdim=False, nan_at=[2, 4],
             part=part)
        case(f"cummax_nan_{part}", "cummax", [x("cummax_nan", [2, 5])], dim=1, nan_at=[2], part=part)
    case("quantile_nan_isnan", "quantile", [x("q_nan", [3, 4])], q=[0.25, 0.5], dim=1, keepdim=False,
         interpolation="linear", nan_at=[5], part="isnan")


def quantile_cases():
    for mode in INTERPOLATIONS:
        # ranks q·(n − 1) with fractions 0, 0.25, 0.5 (the tie of "nearest") and 0.75
        case(f"quantile_{mode}_all_scalar", "quantile", [x(f"q_all_{mode}", [3, 3])], q=0.4, dim=None, keepdim=False,
             interpolation=mode)
        case(f"quantile_{mode}_vector_dim1", "quantile", [x(f"q_vec_{mode}", [2, 5])], q=[0.0, 0.3125, 0.375, 0.5, 1.0],
             dim=1, keepdim=False, interpolation=mode)
        case(f"quantile_{mode}_dim0_keepdim_transposed", "quantile", [x(f"q_t_{mode}", [3, 5])], q=[0.25, 0.6],
             dim=0, keepdim=True, interpolation=mode, prep="t")
    case("quantile_linear_all_keepdim", "quantile", [x("q_keep", [2, 3])], q=[0.2, 0.9], dim=None, keepdim=True,
         interpolation="linear")
    case("quantile_linear_broadcast", "quantile", [x("q_b", [1, 4])], q=0.7, dim=0, keepdim=False,
         interpolation="linear", prep=[3, 4], check=False)


def scan_cases():
    case("cumsum_dim1", "cumsum", [x("cs1", [3, 4])], dim=1)
    case("cumsum_dim0_transposed", "cumsum", [x("cs0", [3, 4])], dim=0, prep="t")
    case("cumsum_broadcast", "cumsum", [x("csb", [3, 1])], dim=1, prep=[3, 4])
    case("cumsum_rank3_middle", "cumsum", [x("cs3", [2, 3, 2])], dim=1)
    case("cumsum_int64", "cumsum", [inp([2, 4], [3, -1, 4, 1, -5, 9, 2, 6], grad=False, dtype="int64")], dim=1)
    case("logcumsumexp_dim1", "logcumsumexp", [x("lcse1", [3, 4])], dim=1)
    case("logcumsumexp_dim0_transposed", "logcumsumexp", [x("lcse0", [3, 4])], dim=0, prep="t")
    case("logcumsumexp_broadcast", "logcumsumexp", [x("lcseb", [1, 4])], dim=0, prep=[3, 4])
    case("logcumsumexp_rank3_last", "logcumsumexp", [x("lcse3", [2, 3, 2])], dim=-1)
    case("logcumsumexp_wide_range", "logcumsumexp", [inp([2, 4], [-1000.0, 0.0, 3.5, -60.0, 500.0, -500.0, 80.0, 500.0])],
         dim=1)
    case("cumprod_no_zero", "cumprod", [x("cp", [3, 4], lo=0.5, hi=1.5)], dim=1)
    case("cumprod_one_zero", "cumprod", [inp([5], [0.75, -1.25, 0.0, 1.5, -0.5])], dim=0)
    case("cumprod_two_zeros", "cumprod", [inp([6], [1.5, 0.0, -0.75, 0.0, 1.25, 2.0])], dim=0)
    case("cumprod_zeros_transposed", "cumprod",
         [inp([4, 3], [0.5, 0.0, 1.5, -1.0, 1.25, 0.0, 0.0, 0.75, 0.0, 2.0, -0.5, 1.0])], dim=1, prep="t")
    case("cumprod_broadcast", "cumprod", [x("cpb", [1, 4], lo=0.5, hi=1.5)], dim=0, prep=[3, 4])
    case("prod_all", "prod", [x("p_all", [2, 3], lo=0.5, hi=1.5)], dim=None, keepdim=False)
    case("prod_dim1_keepdim", "prod", [x("p_d", [3, 4], lo=0.5, hi=1.5)], dim=1, keepdim=True)
    case("prod_one_zero", "prod", [inp([2, 3], [1.5, 0.0, -0.75, 1.25, 2.0, -1.0])], dim=1, keepdim=False)
    case("prod_two_zeros", "prod", [inp([2, 3], [0.0, 1.5, 0.0, 1.25, 0.0, -1.0])], dim=1, keepdim=False)
    case("prod_all_one_zero", "prod", [inp([4], [1.5, -0.5, 0.0, 2.0])], dim=None, keepdim=False)
    case("prod_all_two_zeros", "prod", [inp([4], [0.0, -0.5, 0.0, 2.0])], dim=None, keepdim=False)
    case("prod_dim0_transposed", "prod", [x("p_t", [3, 4], lo=0.5, hi=1.5)], dim=0, keepdim=False, prep="t")


def norm_cases():
    for p, tag in [(2.0, "2"), (1.0, "1"), (3.0, "3"), (1.5, "1.5"), (0.5, "0.5"), (math.inf, "inf"),
                   (-math.inf, "-inf"), (-1.0, "-1")]:
        case(f"norm_p{tag}_all", "norm", [x(f"n_all_{tag}", [3, 4], avoid=(0.0,))], p=p, dim=None, keepdim=False)
        case(f"norm_p{tag}_dim1_transposed", "norm", [x(f"n_t_{tag}", [4, 3], avoid=(0.0,))], p=p, dim=[1],
             keepdim=True, prep="t")
    case("norm_p0_forward", "norm", [inp([2, 4], [0.0, 1.5, -2.0, 0.0, 0.0, 0.0, 0.25, 1.0], grad=False)], p=0.0,
         dim=[1], keepdim=False)
    case("norm_p2_zero_row", "norm", [inp([2, 3], [0.0, 0.0, 0.0, 1.5, -0.5, 2.0])], p=2.0, dim=[1], keepdim=False,
         check=False)
    case("norm_p3_zero_row", "norm", [inp([2, 3], [0.0, 0.0, 0.0, 1.5, -0.5, 2.0])], p=3.0, dim=[1], keepdim=False,
         check=False)
    case("norm_p0.5_zero_element", "norm", [inp([4], [0.0, 1.5, -0.5, 2.0])], p=0.5, dim=None, keepdim=False,
         check=False)
    case("norm_p2_dims_broadcast", "norm", [x("n_b", [1, 3, 2])], p=2.0, dim=[0, 2], keepdim=False, prep=[2, 3, 2])
    case("norm_pinf_ties", "norm", [inp([5], [1.5, -2.0, 0.5, 2.0, -1.0])], p=math.inf, dim=None, keepdim=False,
         check=False)
    for p, tag in [(2.0, "2"), (1.0, "1"), (math.inf, "inf")]:
        case(f"dist_p{tag}_broadcast", "dist", [x(f"d_{tag}", [3, 4]), x(f"d2_{tag}", [4])], p=p)
    for p, tag in [(2.0, "2"), (1.0, "1"), (math.inf, "inf"), (3.0, "3"), (0.0, "0")]:
        case(f"cdist_p{tag}_batched", "cdist", [x(f"c1_{tag}", [2, 3, 4]), x(f"c2_{tag}", [2, 5, 4])], p=p,
             check=p != 0.0)
    case("cdist_p2_broadcast_batch_transposed", "cdist", [x("cb1", [1, 2, 3]), x("cb2", [2, 4, 2])], p=2.0, prep="t")
    case("cdist_p2_identical_rows", "cdist", [inp([2, 2], [0.5, -1.0, 1.5, 0.25]), inp([2, 2], [0.5, -1.0, -1.0, 2.0])],
         p=2.0, check=False)


def count_cases():
    ints = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    for part in ("values", "inverse", "counts"):
        case(f"unique_int64_{part}", "unique", [inp([11], list(ints), grad=False, dtype="int64")], dim=None, part=part)
        floats = Gen("uniq_f").choice([3, 4], [-1.5, 0.0, 0.25, 2.0])
        case(f"unique_float_2d_{part}", "unique", [inp([3, 4], floats, grad=False)], dim=None, part=part)
        rows = [1, 2, 0, 5, 1, 2, 0, 4, 0, 5]
        case(f"unique_dim0_{part}", "unique", [inp([5, 2], list(rows), grad=False, dtype="int64")], dim=0, part=part)
        case(f"unique_dim1_{part}", "unique", [inp([2, 4], [1, 0, 1, 0, 3, 2, 3, 1], grad=False, dtype="int64")], dim=1,
             part=part)
        case(f"unique_consecutive_{part}", "unique_consecutive",
             [inp([9], [1, 1, 2, 2, 3, 1, 1, 2, 2], grad=False, dtype="int64")], dim=None, part=part)
        case(f"unique_consecutive_dim0_{part}", "unique_consecutive",
             [inp([4, 2], [1.0, 2.0, 1.0, 2.0, 0.5, 0.5, 1.0, 2.0], grad=False)], dim=0, part=part)
    case("bincount_plain", "bincount", [inp([8], [0, 3, 1, 3, 3, 0, 5, 1], grad=False, dtype="int64")], minlength=0)
    case("bincount_minlength", "bincount", [inp([4], [2, 0, 2, 1], grad=False, dtype="int64")], minlength=6)
    case("bincount_weights", "bincount", [inp([6], [1, 4, 1, 0, 4, 4], grad=False, dtype="int64"),
                                          inp([6], [0.5, 1.25, -0.75, 2.0, 0.125, 1.0], grad=False)], minlength=0)
    case("histc_default_range", "histc", [x("h_d", [4, 5])], bins=6, min=0.0, max=0.0)
    case("histc_given_range", "histc", [inp([9], [-1.0, 0.1, 0.5, 0.9, 1.0, 1.5, 2.0, 2.5, 3.0], grad=False)], bins=4,
         min=0.0, max=2.0)
    case("histc_constant", "histc", [inp([3], [1.0, 1.0, 1.0], grad=False)], bins=4, min=0.0, max=0.0)
    case("count_nonzero_all", "count_nonzero", [inp([2, 3], [0.0, 1.0, 0.0, 2.5, -1.0, 0.0], grad=False)], dim=None)
    case("count_nonzero_dim0_transposed", "count_nonzero", [inp([2, 3], [0.0, 1.0, 0.0, 2.5, -1.0, 0.0], grad=False)],
         dim=0, prep="t")
    case("nansum_dim1", "nansum", [x("ns", [3, 4])], dim=1, keepdim=False, nan_at=[1, 6, 7])
    case("nansum_all_transposed", "nansum", [x("ns_t", [3, 4])], dim=None, keepdim=False, nan_at=[0, 5], prep="t")
    case("nanmean_dim0_keepdim", "nanmean", [x("nm", [3, 4])], dim=0, keepdim=True, nan_at=[2, 4, 10])


def main():
    torch.set_num_threads(1)
    sort_cases()
    quantile_cases()
    scan_cases()
    norm_cases()
    count_cases()
    results = {name: [evaluate(c, dtype) for c in CASES] for name, dtype in DTYPES.items()}
    for c in CASES:
        check_differentiable(c)
    for name, rs in results.items():
        write_json(os.path.join(HERE, f"reduce_{name}.json"), {"dtype": name}, "cases", rs)
    ops = {c["op"] for c in CASES}
    print(f"{len(CASES)} cases over {len(ops)} ops")


if __name__ == "__main__":
    main()
