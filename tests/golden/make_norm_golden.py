#!/usr/bin/python3
"""Golden values for batch, group and layer normalisation: tests/golden/norm.json.

Run:  /usr/bin/python3 tests/golden/make_norm_golden.py   (PyTorch 1.13, CPU)
Deterministic: each case draws from torch.Generator seeded with crc32(case name).

norm.json = {"cases": [case, ...]}
  case = {
    "name", "dtype": "float32" | "float64",
    "kind": "batch_norm" | "group_norm" | "layer_norm",
    "args": {"eps", "training", "momentum" (batch norm), "num_groups" (group norm), "normalized_shape" (layer norm),
             "affine": bool, "permute": dims or null},
    "x": the stored input; the op reads x.permute(*permute) when permute is given (a non-contiguous view),
    "weight", "bias", "running_mean", "running_var": tensors or null,
    "grad_output": the output gradient (in the op's output shape),
    "output", "grad_x" (in the stored x's shape), "grad_weight", "grad_bias" (null without affine),
    "running_mean_after", "running_var_after" (batch norm with running statistics, else null),
    "second": only for float64 cases with affine: {"v": a tensor like x, "grad_x", "grad_weight"}, the gradients of
              sum(grad_x · v) with grad_x = d(sum(output · grad_output))/dx taken with create_graph=True
  }
  tensor = {"shape": [...], "data": [flat row-major]}; float32 values are written as their shortest float32 repr.
"""
import json
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "norm.json")


def tensor(t):
    if t is None:
        return None
    flat = t.detach().reshape(-1)
    data = [float(str(np.float32(v))) for v in flat.float().numpy()] if t.dtype == torch.float32 else flat.double().tolist()
    return {"shape": list(t.shape), "data": data}


def case(name, dtype, kind, shape, *, affine=True, training=True, running=False, momentum=0.1, eps=1e-5,
         num_groups=None, normalized_shape=None, permute=None, scale=1.0, offset=0.0):
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    dt = torch.float32 if dtype == "float32" else torch.float64
    x = (torch.randn(shape, generator=gen, dtype=torch.float64) * scale + offset).to(dt).requires_grad_()
    view = x.permute(*permute) if permute else x
    if kind == "layer_norm":
        affine_shape = normalized_shape
    else:
        affine_shape = [view.shape[1]]
    weight = (torch.rand(affine_shape, generator=gen, dtype=torch.float64) + 0.5).to(dt).requires_grad_() if affine else None
    bias = (torch.rand(affine_shape, generator=gen, dtype=torch.float64) - 0.5).to(dt).requires_grad_() if affine else None
    rm = (torch.rand(affine_shape, generator=gen, dtype=torch.float64) - 0.5).to(dt) if running else None
    rv = (torch.rand(affine_shape, generator=gen, dtype=torch.float64) + 0.5).to(dt) if running else None
    rm0, rv0 = (rm.clone(), rv.clone()) if running else (None, None)
    if kind == "batch_norm":
        out = F.batch_norm(view, rm, rv, weight, bias, training=training, momentum=momentum, eps=eps)
    elif kind == "group_norm":
        out = F.group_norm(view, num_groups, weight, bias, eps)
    else:
        out = F.layer_norm(view, normalized_shape, weight, bias, eps)
    go = torch.randn(out.shape, generator=gen, dtype=torch.float64).to(dt)
    leaves = [x] + ([weight, bias] if affine else [])
    grads = torch.autograd.grad(out, leaves, go, create_graph=dt == torch.float64 and affine)
    entry = {
        "name": name, "dtype": dtype, "kind": kind,
        "args": {"eps": eps, "training": training, "momentum": momentum, "num_groups": num_groups,
                 "normalized_shape": normalized_shape, "affine": affine, "permute": permute},
        "x": tensor(x), "weight": tensor(weight), "bias": tensor(bias),
        "running_mean": tensor(rm0), "running_var": tensor(rv0),
        "grad_output": tensor(go), "output": tensor(out),
        "grad_x": tensor(grads[0]), "grad_weight": tensor(grads[1]) if affine else None,
        "grad_bias": tensor(grads[2]) if affine else None,
        "running_mean_after": tensor(rm) if running and training else None,
        "running_var_after": tensor(rv) if running and training else None,
    }
    if dt == torch.float64 and affine:
        v = torch.randn(x.shape, generator=gen, dtype=torch.float64)
        second = torch.autograd.grad((grads[0] * v).sum(), [x, weight], allow_unused=True)
        second = [torch.zeros_like(t) if s is None else s for s, t in zip(second, [x, weight])]
        entry["second"] = {"v": tensor(v), "grad_x": tensor(second[0]), "grad_weight": tensor(second[1])}
    return entry


def main():
    cases = []
    for dtype in ("float64", "float32"):
        cases += [
            case(f"bn_train_nchw_running_{dtype}", dtype, "batch_norm", [4, 3, 5, 6], running=True, momentum=0.1),
            case(f"bn_train_nc_running_{dtype}", dtype, "batch_norm", [7, 5], running=True, momentum=0.3),
            case(f"bn_train_ncl_no_affine_{dtype}", dtype, "batch_norm", [3, 4, 9], affine=False),
            case(f"bn_train_permuted_{dtype}", dtype, "batch_norm", [5, 6, 3, 4], permute=[0, 2, 1, 3], running=True),
            case(f"bn_eval_nchw_{dtype}", dtype, "batch_norm", [2, 3, 4, 5], training=False, running=True),
            case(f"gn_nchw_{dtype}", dtype, "group_norm", [3, 6, 4, 5], num_groups=3),
            case(f"gn_ncl_transposed_no_affine_{dtype}", dtype, "group_norm", [2, 9, 4], num_groups=2, affine=False, permute=[0, 2, 1]),
            case(f"ln_last_{dtype}", dtype, "layer_norm", [6, 20], normalized_shape=[20]),
            case(f"ln_two_dims_permuted_{dtype}", dtype, "layer_norm", [4, 3, 5], normalized_shape=[3, 4], permute=[2, 1, 0]),
            case(f"ln_no_affine_{dtype}", dtype, "layer_norm", [3, 2, 16], normalized_shape=[16], affine=False),
        ]
    # A mean far from zero against the spread; float64 only, since PyTorch's float32 result loses digits to cancellation.
    cases.append(case("bn_train_offset_float64", "float64", "batch_norm", [8, 2, 7, 7], scale=0.01, offset=100.0, running=True))
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
