#!/usr/bin/python3
"""Golden values for the singular value decomposition and the norms built on it: tests/golden/linalg.json.

Run:  /usr/bin/python3 tests/golden/make_linalg_golden.py   (PyTorch 1.13, CPU)
Deterministic: each case draws from torch.Generator seeded with crc32(case name).

linalg.json = {"cases": [case, ...]}
  Only full-rank matrices with distinct singular values: elsewhere the singular vectors, and so the gradient of the
  zero singular values, depend on the basis LAPACK happens to complete.
  case = {
    "name", "dtype": "float32" | "float64",
    "kind": "svd"         loss = sum(U² · wu) + sum(S · ws) + sum(Vh² · wv) over torch.linalg.svd(a, full_matrices=False),
                          a loss that the signs of the singular vectors do not change; "output" is S,
            "svdvals"     output = torch.linalg.svdvals(a), loss = sum(output · w),
            "matrix_norm" output = torch.linalg.matrix_norm(a, ord, dim, keepdim), loss = sum(output · w),
            "norm"        output = torch.norm(a, p, dim, keepdim) with p "fro" or "nuc", loss = sum(output · w),
    "args": {"ord" or "p": a string or a number ("inf", "-inf" for ±∞), "dim": list or null, "keepdim": bool},
    "x": the stored input; the op reads x.transpose(-2, -1) when "transpose" is true (a non-contiguous view),
    "transpose": bool,
    "output": the output, "grad_x": d loss / d x (in the stored x's shape), "loss": the loss;
    the weights w, wu, ws, wv are 1 + 0.25·k over each tensor's elements in row-major order.
  }
  tensor = {"shape": [...], "data": [flat row-major]}; float32 values are written as their shortest float32 repr.
"""
import json
import math
import os
import zlib

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "linalg.json")


def tensor(t):
    flat = t.detach().reshape(-1)
    data = [float(str(np.float32(v))) for v in flat.float().numpy()] if t.dtype == torch.float32 else flat.double().tolist()
    return {"shape": list(t.shape), "data": data}


def weights(t):
    return (1.0 + 0.25 * torch.arange(t.numel(), dtype=t.dtype)).reshape(t.shape)


def number(v):
    if not isinstance(v, float):
        return v
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


cases = []


def case(name, kind, shape, dtype=torch.float64, transpose=False, **args):
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    x = torch.randn(*shape, generator=g, dtype=dtype)
    x.requires_grad_(True)
    a = x.transpose(-2, -1) if transpose else x
    if kind == "svd":
        u, s, vh = torch.linalg.svd(a, full_matrices=False)
        output = s
        loss = (u.square() * weights(u)).sum() + (s * weights(s)).sum() + (vh.square() * weights(vh)).sum()
    else:
        if kind == "svdvals":
            output = torch.linalg.svdvals(a)
        elif kind == "matrix_norm":
            output = torch.linalg.matrix_norm(a, ord=args["ord"], dim=tuple(args.get("dim") or (-2, -1)), keepdim=args.get("keepdim", False))
        else:
            output = torch.norm(a, p=args["p"], dim=args.get("dim"), keepdim=args.get("keepdim", False))
        loss = (output * weights(output)).sum()
    (grad,) = torch.autograd.grad(loss, x)
    stored = {k: number(v) for k, v in args.items()}
    stored.setdefault("dim", None)
    stored.setdefault("keepdim", False)
    cases.append({"name": name, "dtype": str(dtype).replace("torch.", ""), "kind": kind, "args": stored, "x": tensor(x),
                  "transpose": transpose, "output": tensor(output), "grad_x": tensor(grad), "loss": float(loss)})


case("svd tall", "svd", (6, 4))
case("svd wide", "svd", (3, 5))
case("svd square", "svd", (4, 4))
case("svd transposed", "svd", (5, 3), transpose=True)
case("svd batched", "svd", (2, 3, 4, 3))
case("svd float32", "svd", (5, 4), dtype=torch.float32)
case("svdvals tall", "svdvals", (7, 3))
case("svdvals wide", "svdvals", (3, 6))
case("svdvals batched transposed", "svdvals", (3, 4, 2), transpose=True)
case("svdvals float32", "svdvals", (6, 6), dtype=torch.float32)
case("matrix_norm fro", "matrix_norm", (3, 4), ord="fro")
case("matrix_norm nuc", "matrix_norm", (4, 3), ord="nuc")
case("matrix_norm nuc wide", "matrix_norm", (2, 5), ord="nuc")
case("matrix_norm nuc batched dims", "matrix_norm", (3, 2, 4), ord="nuc", dim=[0, 2])
case("matrix_norm nuc keepdim", "matrix_norm", (2, 3, 4), ord="nuc", keepdim=True)
case("matrix_norm 2", "matrix_norm", (4, 5), ord=2)
case("matrix_norm -2", "matrix_norm", (5, 3), ord=-2)
case("matrix_norm 1", "matrix_norm", (3, 4), ord=1)
case("matrix_norm -1", "matrix_norm", (3, 4), ord=-1)
case("matrix_norm inf transposed", "matrix_norm", (3, 4), transpose=True, ord=math.inf)
case("matrix_norm -inf", "matrix_norm", (2, 3, 4), ord=-math.inf)
case("matrix_norm 2 dims keepdim", "matrix_norm", (3, 2, 4), ord=2, dim=[2, 0], keepdim=True)
case("matrix_norm nuc float32", "matrix_norm", (5, 5), dtype=torch.float32, ord="nuc")
case("norm fro all", "norm", (2, 3, 4), p="fro")
case("norm fro dims", "norm", (2, 3, 4), p="fro", dim=[0, 2])
case("norm nuc", "norm", (3, 5), p="nuc")
case("norm nuc dims transposed", "norm", (2, 3, 4), transpose=True, p="nuc", dim=[0, 1])
case("norm nuc keepdim", "norm", (2, 4, 3), p="nuc", dim=[1, 2], keepdim=True)

with open(OUT, "w") as f:
    json.dump({"cases": cases}, f, separators=(",", ":"))
print(f"{len(cases)} cases -> {OUT}")
