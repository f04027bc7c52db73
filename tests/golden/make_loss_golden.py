#!/usr/bin/python3
"""Generate Nabla's PyTorch golden values for the embedding, ranking and likelihood losses, the distances and the
bilinear map.

Run:  /usr/bin/python3 tests/golden/make_loss_golden.py   (PyTorch 1.13, CPU)
Writes losses.json next to this script. Deterministic: every case draws its numbers from
random.Random(crc32(case name)); values are multiples of 1/64 (exact in float64), results are written with Python's
repr (round-trip exact).

losses.json
  {"cases": [case, ...]}
  case = {"name": str, "op": str, "args": {keyword arguments, Nabla's names}, "inputs": [tensor, ...],
          "output": tensor, "grads": [tensor or null per input]}
  tensor = {"shape", "data", "grad": bool (whether it requires grad), "transposed": bool}
  The op receives every input as given, except that a "transposed" input is stored as the transpose of what the op
  receives (the op sees data.T, a non-contiguous view). Gradients are of (output·w).sum() with
  w = 1, 2, 3, ... in row-major order, so that each output element is weighted differently.
"""
import json
import os
import random
import zlib

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
GRID = 64


def rng(name):
    return random.Random(zlib.crc32(name.encode()))


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class Gen:
    def __init__(self, name):
        self.r = rng(name)

    def values(self, n, lo=-1.0, hi=1.0):
        return [self.r.randint(int(lo * GRID), int(hi * GRID)) / GRID for _ in range(n)]

    def x(self, shape, lo=-1.0, hi=1.0, grad=True, transposed=False):
        stored = list(reversed(shape)) if transposed else shape
        return {"shape": stored, "data": self.values(numel(stored), lo, hi), "grad": grad, "transposed": transposed}

    def labels(self, shape, choices):
        return {"shape": shape, "data": [float(self.r.choice(choices)) for _ in range(numel(shape))], "grad": False, "transposed": False}


OPS = {
    "triplet_margin_loss": lambda t, a: F.triplet_margin_loss(t[0], t[1], t[2], margin=a["margin"], p=a["p"], eps=a["eps"], swap=a["swap"],
                                                              reduction=a["reduction"]),
    "cosine_embedding_loss": lambda t, a: F.cosine_embedding_loss(t[0], t[1], t[2], margin=a["margin"], reduction=a["reduction"]),
    "margin_ranking_loss": lambda t, a: F.margin_ranking_loss(t[0], t[1], t[2], margin=a["margin"], reduction=a["reduction"]),
    "hinge_embedding_loss": lambda t, a: F.hinge_embedding_loss(t[0], t[1], margin=a["margin"], reduction=a["reduction"]),
    "poisson_nll_loss": lambda t, a: F.poisson_nll_loss(t[0], t[1], log_input=a["log_input"], full=a["full"], eps=a["eps"],
                                                        reduction=a["reduction"]),
    "gaussian_nll_loss": lambda t, a: F.gaussian_nll_loss(t[0], t[1], t[2], full=a["full"], eps=a["eps"], reduction=a["reduction"]),
    "cosine_similarity": lambda t, a: F.cosine_similarity(t[0], t[1], dim=a["dim"], eps=a["eps"]),
    "pairwise_distance": lambda t, a: F.pairwise_distance(t[0], t[1], p=a["p"], eps=a["eps"], keepdim=a["keepdim"]),
    "bilinear": lambda t, a: F.bilinear(t[0], t[1], t[2], t[3] if len(t) > 3 else None),
}

CASES = []


def case(name, op, inputs, args):
    CASES.append((name, op, inputs, args))


def cases():
    for red in ("mean", "sum", "none"):
        for swap, p in ((False, 2.0), (True, 1.0)):
            name = f"triplet_margin_loss_{red}_p{int(p)}{'_swap' if swap else ''}"
            g = Gen(name)
            case(name, "triplet_margin_loss", [g.x([4, 3]), g.x([4, 3]), g.x([4, 3], transposed=True)],
                 {"margin": 0.5 if swap else 1.0, "p": p, "eps": 1e-6, "swap": swap, "reduction": red})
    name = "triplet_margin_loss_unbatched"
    g = Gen(name)
    case(name, "triplet_margin_loss", [g.x([5]), g.x([5]), g.x([5])], {"margin": 2.0, "p": 2.0, "eps": 1e-6, "swap": False, "reduction": "mean"})
    for red, margin in (("mean", 0.0), ("sum", 0.25), ("none", -0.5)):
        name = f"cosine_embedding_loss_{red}"
        g = Gen(name)
        case(name, "cosine_embedding_loss", [g.x([5, 3]), g.x([5, 3], transposed=True), g.labels([5], [1, -1])], {"margin": margin, "reduction": red})
    name = "cosine_embedding_loss_unbatched"
    g = Gen(name)
    case(name, "cosine_embedding_loss", [g.x([4]), g.x([4]), {"shape": [], "data": [-1.0], "grad": False, "transposed": False}],
         {"margin": -0.25, "reduction": "mean"})
    for red, margin in (("mean", 0.0), ("sum", 0.5), ("none", 0.25)):
        name = f"margin_ranking_loss_{red}"
        g = Gen(name)
        case(name, "margin_ranking_loss", [g.x([6]), g.x([6]), g.labels([6], [1, -1])], {"margin": margin, "reduction": red})
    for red, margin in (("mean", 1.0), ("sum", 0.5), ("none", 2.0)):
        name = f"hinge_embedding_loss_{red}"
        g = Gen(name)
        case(name, "hinge_embedding_loss", [g.x([3, 4], 0.0, 3.0, transposed=red == "sum"), g.labels([3, 4], [1, -1])], {"margin": margin, "reduction": red})
    for red, log_input, full in (("mean", True, False), ("sum", False, False), ("none", True, True), ("mean", False, True)):
        name = f"poisson_nll_loss_{red}_{'log' if log_input else 'rate'}{'_full' if full else ''}"
        g = Gen(name)
        x = g.x([3, 4], -1.0, 1.0) if log_input else g.x([3, 4], 0.25, 3.0)
        y = {"shape": [3, 4], "data": [float(g.r.randint(0, 5)) for _ in range(12)], "grad": False, "transposed": False}
        case(name, "poisson_nll_loss", [x, y], {"log_input": log_input, "full": full, "eps": 1e-8, "reduction": red})
    for variant, xshape, vshape, full, red in (("hetero_mean", [4, 3], [4, 3], False, "mean"),
                                               ("row_var_sum", [4, 3], [4], True, "sum"),
                                               ("row_var_one_none", [2, 3, 2], [2, 3, 1], False, "none")):
        name = f"gaussian_nll_loss_{variant}"
        g = Gen(name)
        case(name, "gaussian_nll_loss", [g.x(xshape), g.x(xshape, grad=True), g.x(vshape, 0.25, 2.0)], {"full": full, "eps": 1e-6, "reduction": red})
    for variant, a, b, dim in (("rows", [3, 4], [3, 4], 1), ("broadcast_dim0", [4, 3], [1, 3], 0), ("rank3_last", [2, 3, 4], [2, 3, 4], -1)):
        name = f"cosine_similarity_{variant}"
        g = Gen(name)
        case(name, "cosine_similarity", [g.x(a), g.x(b, transposed=variant == "rows")], {"dim": dim, "eps": 1e-8})
    for variant, p, keep in (("p2", 2.0, False), ("p1_keepdim", 1.0, True), ("p3", 3.0, False)):
        name = f"pairwise_distance_{variant}"
        g = Gen(name)
        case(name, "pairwise_distance", [g.x([4, 5]), g.x([4, 5])], {"p": p, "eps": 1e-6, "keepdim": keep})
    for variant, lead, bias in (("rows_bias", [4], True), ("rank3_no_bias", [2, 3], False)):
        name = f"bilinear_{variant}"
        g = Gen(name)
        inputs = [g.x(lead + [3]), g.x(lead + [2]), g.x([4, 3, 2])] + ([g.x([4])] if bias else [])
        case(name, "bilinear", inputs, {})


def to_torch(t):
    x = torch.tensor(t["data"], dtype=torch.float64).reshape(t["shape"])
    if t["grad"]:
        x.requires_grad_()
    return x


def enc(x):
    return {"shape": list(x.shape), "data": [float(v) for v in x.detach().reshape(-1).tolist()]}


def evaluate(name, op, inputs, args):
    leaves = [to_torch(t) for t in inputs]
    views = [x.t() if t["transposed"] else x for x, t in zip(leaves, inputs)]
    out = OPS[op](views, args)
    w = torch.arange(1, out.numel() + 1, dtype=torch.float64).reshape(out.shape)
    (out * w).sum().backward()
    grads = [enc(x.grad) if t["grad"] else None for x, t in zip(leaves, inputs)]
    return {"name": name, "op": op, "args": args, "inputs": inputs, "output": enc(out), "grads": grads}


def main():
    cases()
    out = {"cases": [evaluate(*c) for c in CASES]}
    with open(os.path.join(HERE, "losses.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(CASES)} cases")


if __name__ == "__main__":
    main()
