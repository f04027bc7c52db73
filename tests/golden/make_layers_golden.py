#!/usr/bin/python3
"""Generate layers.json: PyTorch 1.13 reference values for Nabla's layers (transposed convolutions, convolution padding
options, interpolation, pixel shuffle, the tanh GELU, unflatten).

Run:  /usr/bin/python3 tests/golden/make_layers_golden.py   (PyTorch 1.13, CPU)
Deterministic: every case draws its inputs from random.Random(crc32(case name)); values are written with repr.

The format is that of ops_<dtype>.json (see the header of make_golden.py and tests/golden/README.md):
  {"dtype": "float64", "cases": [case, ...]}
  case = {"name", "op", "inputs": [{"shape", "data", "grad"}], "args", "output", "grad_output", "grads"}
  out = OPS[op](inputs, args); grads = torch.autograd.grad(out, inputs with grad, grad_output).
Inputs are multiples of 1/1024. An "args" entry "transposed": true means the op receives input 0 transposed in its
last two dims (a non-contiguous view). The "*_module" ops build the layer from "args" and load its weight (input 1)
and bias (input 2, when "bias" is true) before calling it on input 0, so "grads" holds the weight and bias gradients.
Every case is verified with torch.autograd.gradcheck (first order) and gradgradcheck (second order).
"""
import json
import math
import os
import random
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
GRID = 1024


def _t(x, a):
    return x.transpose(-2, -1) if a.get("transposed") else x


def _bias(t):
    return t[2] if len(t) > 2 else None


def _module(cls, t, a):
    kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in a.items() if k not in ("transposed", "in", "out", "k")}
    m = cls(a["in"], a["out"], tuple(a["k"]) if isinstance(a["k"], list) else a["k"], **kw).double()
    # The parameters are the case's inputs, so that their gradients are the case's gradients.
    del m.weight
    m.weight = t[1]
    if a.get("bias", True):
        del m.bias
        m.bias = t[2]
    return m(_t(t[0], a))


def _tuple(v):
    return tuple(v) if isinstance(v, list) else v


OPS = {
    "conv_transpose2d": lambda t, a: F.conv_transpose2d(_t(t[0], a), t[1], _bias(t), _tuple(a["stride"]), _tuple(a["padding"]),
                                                        _tuple(a["output_padding"]), a["groups"], _tuple(a["dilation"])),
    "conv_transpose1d": lambda t, a: F.conv_transpose1d(_t(t[0], a), t[1], _bias(t), a["stride"], a["padding"], a["output_padding"],
                                                        a["groups"], a["dilation"]),
    "conv2d": lambda t, a: F.conv2d(_t(t[0], a), t[1], _bias(t), a["stride"], _tuple(a["padding"]), a["dilation"], a["groups"]),
    "conv1d": lambda t, a: F.conv1d(_t(t[0], a), t[1], _bias(t), a["stride"], a["padding"], a["dilation"], a["groups"]),
    "conv2d_module": lambda t, a: _module(nn.Conv2d, t, a),
    "conv1d_module": lambda t, a: _module(nn.Conv1d, t, a),
    "conv_transpose2d_module": lambda t, a: _module(nn.ConvTranspose2d, t, a),
    "interpolate": lambda t, a: F.interpolate(_t(t[0], a), size=_tuple(a["size"]), scale_factor=_tuple(a["scale_factor"]), mode=a["mode"],
                                              align_corners=a["align_corners"], recompute_scale_factor=a["recompute_scale_factor"]),
    "pixel_shuffle": lambda t, a: F.pixel_shuffle(_t(t[0], a), a["factor"]),
    "pixel_unshuffle": lambda t, a: F.pixel_unshuffle(_t(t[0], a), a["factor"]),
    "gelu": lambda t, a: F.gelu(_t(t[0], a), approximate=a["approximate"]),
    "unflatten": lambda t, a: _t(t[0], a).unflatten(a["dim"], a["sizes"]),
}

CASES = []


def values(name, shape, lo=-2.0, hi=2.0):
    rng = random.Random(zlib.crc32(name.encode()))
    ks = list(range(math.ceil(lo * GRID), math.floor(hi * GRID) + 1))
    n = math.prod(shape)
    if n <= len(ks):
        return [k / GRID for k in rng.sample(ks, n)]
    return [rng.choice(ks) / GRID for _ in range(n)]


def x(name, k, shape, grad=True):
    return {"shape": list(shape), "data": values(f"{name}/{k}", shape), "grad": grad}


def case(name, op, shapes, args=None):
    assert op in OPS, op
    assert all(c["name"] != name for c in CASES), name
    CASES.append({"name": name, "op": op, "inputs": [x(name, k, s) for k, s in enumerate(shapes)], "args": args or {}})


def build():
    # Transposed convolutions: input (N, C_in, H, W), weight (C_in, C_out/groups, kH, kW), bias (C_out).
    ct = lambda s=1, p=0, op=0, g=1, d=1, tr=False: {"stride": s, "padding": p, "output_padding": op, "groups": g, "dilation": d, "transposed": tr}
    case("conv_transpose2d_plain", "conv_transpose2d", [[2, 3, 4, 5], [3, 2, 3, 3], [2]], ct())
    case("conv_transpose2d_stride2_pad1_outpad1", "conv_transpose2d", [[1, 2, 3, 4], [2, 3, 3, 3], [3]], ct(2, 1, 1))
    case("conv_transpose2d_groups_dilation", "conv_transpose2d", [[2, 4, 3, 3], [4, 1, 2, 3], [2]], ct(1, 0, 0, 2, 2))
    case("conv_transpose2d_rect_no_bias", "conv_transpose2d", [[1, 2, 3, 4], [2, 3, 2, 3]], ct([2, 3], [1, 0], [1, 2], 1, [1, 2]))
    case("conv_transpose2d_outpad_below_dilation", "conv_transpose2d", [[1, 2, 3, 3], [2, 2, 3, 2], [2]], ct(1, 1, 1, 1, 2))
    case("conv_transpose2d_transposed_input", "conv_transpose2d", [[2, 3, 5, 4], [3, 2, 2, 2], [2]], ct(2, 0, 0, 1, 1, True))
    case("conv_transpose1d_plain", "conv_transpose1d", [[2, 3, 5], [3, 2, 3], [2]], ct())
    case("conv_transpose1d_stride_pad_outpad_groups", "conv_transpose1d", [[2, 4, 4], [4, 3, 3], [6]], ct(3, 1, 2, 2, 1))
    case("conv_transpose1d_dilation_transposed_input", "conv_transpose1d", [[2, 4, 3], [3, 2, 2]], ct(2, 1, 1, 1, 2, True))
    # Padding by name.
    cv = lambda p, s=1, d=1, g=1, tr=False: {"stride": s, "padding": p, "dilation": d, "groups": g, "transposed": tr}
    case("conv2d_same_odd_kernel", "conv2d", [[2, 2, 5, 4], [3, 2, 3, 3], [3]], cv("same"))
    case("conv2d_same_even_kernel", "conv2d", [[1, 2, 5, 6], [2, 2, 2, 4]], cv("same"))
    case("conv2d_same_dilated_groups", "conv2d", [[1, 4, 6, 5], [2, 2, 2, 3], [2]], cv("same", 1, 3, 2))
    case("conv2d_same_transposed_input", "conv2d", [[1, 2, 4, 5], [2, 2, 2, 3], [2]], cv("same", tr=True))
    case("conv2d_valid", "conv2d", [[1, 2, 5, 5], [2, 2, 3, 3], [2]], cv("valid", 2))
    case("conv1d_same_even_kernel", "conv1d", [[2, 3, 7], [2, 3, 4], [2]], cv("same"))
    case("conv1d_same_dilated", "conv1d", [[1, 2, 6], [3, 2, 3]], cv("same", 1, 2))
    case("conv1d_valid_transposed_input", "conv1d", [[2, 6, 3], [2, 3, 3], [2]], cv("valid", 2, tr=True))
    # Padding modes, through the layers (weights loaded from the inputs).
    md = lambda cin, cout, k, mode, s=1, p=0, d=1, g=1, bias=True, tr=False: {
        "in": cin, "out": cout, "k": k, "stride": s, "padding": p, "dilation": d, "groups": g, "bias": bias, "padding_mode": mode, "transposed": tr}
    case("conv2d_module_reflect", "conv2d_module", [[2, 2, 5, 4], [3, 2, 3, 3], [3]], md(2, 3, 3, "reflect", p=1))
    case("conv2d_module_replicate_rect", "conv2d_module", [[1, 2, 4, 5], [2, 2, 3, 2], [2]], md(2, 2, [3, 2], "replicate", s=2, p=[2, 1]))
    case("conv2d_module_circular_transposed", "conv2d_module", [[1, 2, 5, 4], [2, 2, 3, 3]], md(2, 2, 3, "circular", p=1, bias=False, tr=True))
    case("conv2d_module_same_reflect_even", "conv2d_module", [[1, 2, 5, 5], [2, 2, 2, 4], [2]], md(2, 2, [2, 4], "reflect", p="same"))
    case("conv2d_module_same_zeros_dilated", "conv2d_module", [[1, 2, 5, 6], [4, 1, 3, 2], [4]], md(2, 4, [3, 2], "zeros", p="same", d=2, g=2))
    case("conv2d_module_same_circular", "conv2d_module", [[1, 1, 4, 4], [1, 1, 2, 3], [1]], md(1, 1, [2, 3], "circular", p="same"))
    case("conv1d_module_reflect", "conv1d_module", [[2, 2, 6], [3, 2, 3], [3]], md(2, 3, 3, "reflect", p=2))
    case("conv1d_module_replicate_stride", "conv1d_module", [[2, 2, 7], [2, 2, 3], [2]], md(2, 2, 3, "replicate", s=2, p=1))
    case("conv1d_module_circular_same_even", "conv1d_module", [[1, 2, 5], [2, 2, 4], [2]], md(2, 2, 4, "circular", p="same"))
    case("conv1d_module_same_zeros", "conv1d_module", [[1, 2, 5], [2, 1, 4]], md(2, 2, 4, "zeros", p="same", g=2, bias=False))
    case("conv_transpose2d_module", "conv_transpose2d_module", [[1, 4, 3, 3], [4, 1, 3, 3], [2]],
         {"in": 4, "out": 2, "k": 3, "stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "bias": True, "dilation": 1})
    # Interpolation.
    ip = lambda mode, size=None, scale=None, ac=None, rc=None, tr=False: {
        "mode": mode, "size": size, "scale_factor": scale, "align_corners": ac, "recompute_scale_factor": rc, "transposed": tr}
    case("interpolate_nearest_scale2", "interpolate", [[1, 2, 3, 4]], ip("nearest", scale=2.0))
    case("interpolate_nearest_size_down", "interpolate", [[2, 1, 5, 7]], ip("nearest", size=[3, 4]))
    case("interpolate_nearest_size_up_uneven", "interpolate", [[1, 2, 3, 4]], ip("nearest", size=[7, 5], tr=True))
    case("interpolate_nearest_scale_fraction", "interpolate", [[1, 1, 5, 6]], ip("nearest", scale=[1.7, 0.6]))
    case("interpolate_nearest_scale_recompute", "interpolate", [[1, 1, 5, 6]], ip("nearest", scale=[1.7, 0.6], rc=True))
    case("interpolate_bilinear_scale2", "interpolate", [[1, 2, 3, 4]], ip("bilinear", scale=2.0, ac=False))
    case("interpolate_bilinear_size_down", "interpolate", [[2, 1, 6, 7]], ip("bilinear", size=[4, 3]))
    case("interpolate_bilinear_align_corners", "interpolate", [[1, 2, 3, 4]], ip("bilinear", size=[5, 7], ac=True, tr=True))
    case("interpolate_bilinear_align_corners_scale", "interpolate", [[1, 1, 4, 3]], ip("bilinear", scale=[1.5, 2.5], ac=True))
    case("interpolate_bilinear_scale_fraction", "interpolate", [[1, 2, 5, 4]], ip("bilinear", scale=[0.7, 1.3]))
    case("interpolate_bilinear_size_one", "interpolate", [[1, 1, 3, 4]], ip("bilinear", size=[1, 6], ac=True))
    case("interpolate_nearest_1d", "interpolate", [[2, 3, 5]], ip("nearest", size=8))
    case("interpolate_linear_1d", "interpolate", [[2, 3, 5]], ip("linear", scale=1.6))
    case("interpolate_linear_1d_align_corners", "interpolate", [[1, 4, 5]], ip("linear", size=3, ac=True, tr=True))
    # Pixel shuffle.
    case("pixel_shuffle_2", "pixel_shuffle", [[2, 8, 2, 3]], {"factor": 2})
    case("pixel_shuffle_3_unbatched_transposed", "pixel_shuffle", [[9, 3, 2]], {"factor": 3, "transposed": True})
    case("pixel_shuffle_batch_dims", "pixel_shuffle", [[2, 2, 4, 1, 2]], {"factor": 2})
    case("pixel_unshuffle_2", "pixel_unshuffle", [[2, 2, 4, 6]], {"factor": 2})
    case("pixel_unshuffle_3_transposed", "pixel_unshuffle", [[1, 1, 6, 3]], {"factor": 3, "transposed": True})
    # GELU and unflatten.
    case("gelu_tanh", "gelu", [[3, 5]], {"approximate": "tanh"})
    case("gelu_tanh_transposed", "gelu", [[2, 4, 3]], {"approximate": "tanh", "transposed": True})
    case("gelu_none", "gelu", [[3, 4]], {"approximate": "none"})
    case("unflatten_middle", "unflatten", [[2, 12, 3]], {"dim": 1, "sizes": [3, 4]})
    case("unflatten_inferred_negative_dim_transposed", "unflatten", [[2, 3, 6]], {"dim": -2, "sizes": [2, -1], "transposed": True})


def tensors_for(c):
    return [torch.tensor(i["data"], dtype=torch.float64).reshape(i["shape"]).requires_grad_(i["grad"]) for i in c["inputs"]]


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
    gs = torch.autograd.grad(out, ts, go)
    res["grad_output"] = {"shape": list(out.shape), "data": gvals}
    res["grads"] = [{"shape": list(t.shape), "data": flat(g)} for t, g in zip(ts, gs)]
    f = lambda *xs: fn(list(xs), c["args"])
    assert torch.autograd.gradcheck(f, tuple(ts), eps=1e-6, atol=1e-6, rtol=1e-5), c["name"]
    assert torch.autograd.gradgradcheck(f, tuple(ts), eps=1e-6, atol=1e-6, rtol=1e-5), c["name"]
    return res


def main():
    torch.set_num_threads(1)
    build()
    results = [evaluate(c) for c in CASES]
    body = ",\n".join(json.dumps(r, separators=(",", ":")) for r in results)
    path = os.path.join(HERE, "layers.json")
    with open(path, "w") as f:
        f.write('{"dtype": "float64", "cases": [\n' + body + "\n]}\n")
    ops = {c["op"] for c in CASES}
    print(f"{len(CASES)} cases over {len(ops)} ops: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
