#!/usr/bin/python3
"""Generate padnorm.json: PyTorch 1.13 reference values for Nabla's padding layers and instance normalisation.

Run:  /usr/bin/python3 tests/golden/make_padnorm_golden.py   (PyTorch 1.13, CPU)
Deterministic: every input is drawn from random.Random(crc32(its name)) as multiples of 1/1024; values are written with repr.

  {"dtype": "float64", "cases": [case, ...], "runs": [run, ...]}

"cases" are in the op case format of ops_<dtype>.json (see the header of make_golden.py and tests/golden/README.md):
  case = {"name", "op", "inputs": [{"shape", "data", "grad"}], "args", "output", "grad_output", "grads"[, "repr"]}
  out = OPS[op](inputs, args); grads = torch.autograd.grad(out, inputs with grad, grad_output).
  An "args" entry "transposed": true means the op receives input 0 transposed in its last two dims (a non-contiguous view).
  The padding ops are named after the layers: "padding" is an int or the list PyTorch's constructor takes, "value" the
  fill of ConstantPad. ZeroPad1d/3d and CircularPad1d/2d/3d are PyTorch 2 layers; here they are the F.pad calls they
  make ("constant" with 0; "circular", an unbatched input as a batch of one). "repr" is str() of the PyTorch 1.13 layer
  where it exists. "instance_norm" is F.instance_norm(x, running_mean, running_var, weight, bias, use_input_stats,
  eps=args.eps): inputs x, then weight and bias when args.affine, then running_mean and running_var (grad false) when
  args.running. Every case is verified with torch.autograd.gradcheck and gradgradcheck.

"runs" drive an nn.InstanceNorm1d/2d/3d through training and evaluation steps:
  run = {"name", "module", "args": {num_features, eps, momentum, affine, track_running_stats},
         "weight", "bias" (the affine parameters loaded before the first step, when affine),
         "steps": [{"training", "input": {"shape", "data", "transposed"}, "output", "grad_output",
                    "grads": {"input", "weight", "bias"} (the last two when affine),
                    "running_mean", "running_var" (after the step, when tracked)}]}
  Each step: out = module(x); the gradients are torch.autograd.grad(out, [x, weight, bias], grad_output).
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


def values(name, shape, lo=-2.0, hi=2.0):
    rng = random.Random(zlib.crc32(name.encode()))
    ks = list(range(math.ceil(lo * GRID), math.floor(hi * GRID) + 1))
    n = math.prod(shape)
    if n <= len(ks):
        return [k / GRID for k in rng.sample(ks, n)]
    return [rng.choice(ks) / GRID for _ in range(n)]


def tensor(spec, grad):
    return torch.tensor(spec["data"], dtype=torch.float64).reshape(spec["shape"]).requires_grad_(grad)


def flat(t):
    return t.detach().double().reshape(-1).tolist()


def _t(x, a):
    return x.transpose(-2, -1) if a.get("transposed") else x


def _pad(p, dims):
    return tuple([p] * (2 * dims)) if isinstance(p, int) else tuple(p)


def _circular(x, a, dims):
    pad = _pad(a["padding"], dims)
    if x.dim() == dims + 1:
        return F.pad(x.unsqueeze(0), pad, "circular").squeeze(0)
    return F.pad(x, pad, "circular")


def _layer(cls, a):
    p = tuple(a["padding"]) if isinstance(a["padding"], list) else a["padding"]
    return cls(p, a["value"]) if "value" in a else cls(p)


LAYERS = {
    "ZeroPad2d": nn.ZeroPad2d,
    "ConstantPad1d": nn.ConstantPad1d, "ConstantPad2d": nn.ConstantPad2d, "ConstantPad3d": nn.ConstantPad3d,
    "ReflectionPad1d": nn.ReflectionPad1d, "ReflectionPad2d": nn.ReflectionPad2d, "ReflectionPad3d": nn.ReflectionPad3d,
    "ReplicationPad1d": nn.ReplicationPad1d, "ReplicationPad2d": nn.ReplicationPad2d, "ReplicationPad3d": nn.ReplicationPad3d,
}


def _instance_norm(t, a):
    w, b = (t[1], t[2]) if a["affine"] else (None, None)
    rm, rv = (t[-2], t[-1]) if a["running"] else (None, None)
    return F.instance_norm(_t(t[0], a), rm, rv, w, b, a["use_input_stats"], 0.1, a["eps"])


OPS = {name: (lambda cls: lambda t, a: _layer(cls, a)(_t(t[0], a)))(cls) for name, cls in LAYERS.items()}
OPS["ZeroPad1d"] = lambda t, a: F.pad(_t(t[0], a), _pad(a["padding"], 1), "constant", 0.0)
OPS["ZeroPad3d"] = lambda t, a: F.pad(_t(t[0], a), _pad(a["padding"], 3), "constant", 0.0)
OPS["CircularPad1d"] = lambda t, a: _circular(_t(t[0], a), a, 1)
OPS["CircularPad2d"] = lambda t, a: _circular(_t(t[0], a), a, 2)
OPS["CircularPad3d"] = lambda t, a: _circular(_t(t[0], a), a, 3)
OPS["instance_norm"] = _instance_norm

CASES = []
RUNS = []


def spec(name, shape, lo=-2.0, hi=2.0, grad=True):
    return {"shape": list(shape), "data": values(name, shape, lo, hi), "grad": grad}


def case(name, op, shape, args, extra=()):
    assert op in OPS, op
    assert all(c["name"] != name for c in CASES), name
    inputs = [spec(f"{name}/0", shape)] + list(extra)
    CASES.append({"name": name, "op": op, "inputs": inputs, "args": args})


def pad(name, op, shape, padding, value=None, transposed=False):
    args = {"padding": padding, "transposed": transposed}
    if value is not None:
        args["value"] = value
    case(name, op, shape, args)


def norm(name, shape, affine, running=False, use_input_stats=True, eps=1e-5, transposed=False, lo=-2.0, hi=2.0):
    c = shape[-1] if transposed and len(shape) == 2 else shape[1]
    extra = []
    if affine:
        extra += [spec(f"{name}/weight", [c]), spec(f"{name}/bias", [c])]
    if running:
        extra += [spec(f"{name}/running_mean", [c], grad=False), spec(f"{name}/running_var", [c], 0.25, 2.0, grad=False)]
    args = {"affine": affine, "running": running, "use_input_stats": use_input_stats, "eps": eps, "transposed": transposed}
    assert all(x["name"] != name for x in CASES), name
    CASES.append({"name": name, "op": "instance_norm", "inputs": [spec(f"{name}/0", shape, lo, hi)] + extra, "args": args})


def build_cases():
    pad("ZeroPad1d_int", "ZeroPad1d", [2, 3, 4], 2)
    pad("ZeroPad1d_negative_unbatched", "ZeroPad1d", [3, 5], [-1, 2])
    pad("ZeroPad2d_tuple_transposed", "ZeroPad2d", [2, 3, 4, 5], [1, 0, 2, 1], transposed=True)
    pad("ZeroPad2d_crop", "ZeroPad2d", [1, 2, 4, 5], [-1, 2, 0, -2])
    pad("ZeroPad3d_unbatched", "ZeroPad3d", [2, 3, 3, 4], [1, 0, 0, 1, 1, 2])
    pad("ConstantPad1d_value_2d", "ConstantPad1d", [2, 5], 2, 1.5)
    pad("ConstantPad2d_transposed", "ConstantPad2d", [1, 2, 3, 4], [0, 1, 2, 3], -0.75, transposed=True)
    pad("ConstantPad3d_int", "ConstantPad3d", [1, 1, 2, 2, 3], 1, 2.0)
    pad("ReflectionPad1d", "ReflectionPad1d", [2, 3, 6], [2, 3])
    pad("ReflectionPad1d_unbatched_transposed", "ReflectionPad1d", [6, 3], [2, 1], transposed=True)
    pad("ReflectionPad2d", "ReflectionPad2d", [2, 2, 4, 5], [1, 2, 3, 0])
    pad("ReflectionPad2d_unbatched_transposed", "ReflectionPad2d", [2, 5, 4], 2, transposed=True)
    pad("ReflectionPad3d", "ReflectionPad3d", [1, 2, 3, 4, 4], [1, 1, 2, 0, 2, 1])
    pad("ReflectionPad3d_unbatched", "ReflectionPad3d", [2, 3, 3, 4], 1)
    pad("ReplicationPad1d", "ReplicationPad1d", [2, 3, 4], [3, 1])
    pad("ReplicationPad1d_unbatched", "ReplicationPad1d", [2, 3], 2)
    pad("ReplicationPad2d_transposed", "ReplicationPad2d", [1, 3, 5, 4], [2, 2, 1, 3], transposed=True)
    pad("ReplicationPad2d_unbatched", "ReplicationPad2d", [2, 3, 3], 2)
    pad("ReplicationPad3d", "ReplicationPad3d", [2, 1, 2, 3, 3], [1, 2, 0, 1, 2, 0])
    pad("ReplicationPad3d_unbatched_transposed", "ReplicationPad3d", [1, 2, 3, 2], 1, transposed=True)
    pad("CircularPad1d", "CircularPad1d", [2, 3, 5], [2, 3])
    pad("CircularPad1d_unbatched", "CircularPad1d", [3, 4], 1)
    pad("CircularPad2d_transposed", "CircularPad2d", [1, 2, 5, 4], [1, 2, 3, 1], transposed=True)
    pad("CircularPad2d_unbatched", "CircularPad2d", [2, 3, 4], [0, 2, 1, 1])
    pad("CircularPad3d", "CircularPad3d", [1, 2, 3, 3, 4], [1, 1, 2, 0, 0, 3])
    pad("CircularPad3d_unbatched", "CircularPad3d", [2, 2, 3, 3], 1)
    norm("instance_norm_1d_affine", [2, 3, 5], True)
    norm("instance_norm_2d_affine_transposed", [2, 3, 4, 5], True, transposed=True)
    norm("instance_norm_3d", [2, 2, 3, 2, 3], False)
    norm("instance_norm_far_mean", [2, 2, 6], True, lo=40.0, hi=41.0)
    norm("instance_norm_eps", [1, 3, 2, 2], True, eps=0.1)
    norm("instance_norm_running_stats", [2, 3, 4], True, running=True, use_input_stats=False)
    norm("instance_norm_running_stats_no_affine", [2, 2, 3, 3], False, running=True, use_input_stats=False, transposed=True)


def run(name, dims, args, inputs):
    """inputs: (training, shape, transposed) per step."""
    RUNS.append({"name": name, "module": f"InstanceNorm{dims}d", "args": args, "inputs": inputs})


def build_runs():
    a = lambda c, affine=False, track=False, eps=1e-5, momentum=0.1: {
        "num_features": c, "eps": eps, "momentum": momentum, "affine": affine, "track_running_stats": track}
    run("InstanceNorm1d_affine_tracked", 1, a(3, True, True),
        [(True, [2, 3, 5], False), (True, [2, 5, 3], True), (False, [1, 3, 4], False)])
    run("InstanceNorm1d_unbatched_tracked_momentum", 1, a(3, False, True, momentum=0.3),
        [(True, [3, 6], False), (True, [3, 4], False), (False, [3, 5], False)])
    run("InstanceNorm2d_affine", 2, a(4, True),
        [(True, [2, 4, 3, 3], False), (True, [1, 4, 2, 3], False), (False, [2, 4, 3, 2], False)])
    run("InstanceNorm2d_affine_tracked_transposed", 2, a(2, True, True, eps=1e-3),
        [(True, [2, 2, 4, 3], True), (True, [3, 2, 3, 3], False), (False, [2, 3, 3], False)])
    run("InstanceNorm3d_affine_tracked", 3, a(2, True, True),
        [(True, [2, 2, 2, 3, 3], False), (True, [1, 2, 3, 2, 2], False), (False, [1, 2, 2, 2, 3], False)])
    run("InstanceNorm3d_unbatched", 3, a(3),
        [(True, [3, 2, 2, 3], False), (False, [3, 2, 3, 2], True)])


def evaluate_case(c):
    ts = [tensor(i, i["grad"]) for i in c["inputs"]]
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
    if c["op"] in LAYERS:
        res["repr"] = str(_layer(LAYERS[c["op"]], c["args"]))
    grads = [i for i, t in enumerate(ts) if t.requires_grad]

    def f(*xs):
        full = list(ts)
        for i, x in zip(grads, xs):
            full[i] = x
        return fn(full, c["args"])

    assert torch.autograd.gradcheck(f, tuple(ts[i] for i in grads), eps=1e-6, atol=1e-6, rtol=1e-5), c["name"]
    assert torch.autograd.gradgradcheck(f, tuple(ts[i] for i in grads), eps=1e-6, atol=1e-6, rtol=1e-5), c["name"]
    return res


def evaluate_run(r):
    a = r["args"]
    m = getattr(nn, r["module"])(a["num_features"], a["eps"], a["momentum"], a["affine"], a["track_running_stats"]).double()
    res = {"name": r["name"], "module": r["module"], "args": a}
    if a["affine"]:
        c = a["num_features"]
        res["weight"] = values(r["name"] + "/weight", [c])
        res["bias"] = values(r["name"] + "/bias", [c])
        with torch.no_grad():
            m.weight.copy_(torch.tensor(res["weight"], dtype=torch.float64))
            m.bias.copy_(torch.tensor(res["bias"], dtype=torch.float64))
    steps = []
    for k, (training, shape, transposed) in enumerate(r["inputs"]):
        m.train(training)
        inp = {"shape": shape, "data": values(f"{r['name']}/{k}", shape, -1.5, 2.5), "transposed": transposed}
        x = tensor(inp, True)
        out = m(x.transpose(-2, -1) if transposed else x)
        gvals = values(f"{r['name']}/{k}/grad_output", list(out.shape), -1.0, 1.0)
        go = torch.tensor(gvals, dtype=torch.float64).reshape(out.shape)
        wrt = [x] + ([m.weight, m.bias] if a["affine"] else [])
        gs = torch.autograd.grad(out, wrt, go)
        step = {"training": training, "input": inp, "output": {"shape": list(out.shape), "data": flat(out)},
                "grad_output": {"shape": list(out.shape), "data": gvals},
                "grads": dict(zip(["input", "weight", "bias"], [{"shape": list(g.shape), "data": flat(g)} for g in gs]))}
        if a["track_running_stats"]:
            step["running_mean"] = flat(m.running_mean)
            step["running_var"] = flat(m.running_var)
            assert m.num_batches_tracked.item() == 0
        steps.append(step)
    res["steps"] = steps
    res["repr"] = str(m)
    res["state_dict"] = list(m.state_dict().keys())
    return res


def main():
    torch.set_num_threads(1)
    build_cases()
    build_runs()
    cases = [evaluate_case(c) for c in CASES]
    runs = [evaluate_run(r) for r in RUNS]
    dump = lambda xs: ",\n".join(json.dumps(x, separators=(",", ":")) for x in xs)
    path = os.path.join(HERE, "padnorm.json")
    with open(path, "w") as f:
        f.write('{"dtype": "float64", "cases": [\n' + dump(cases) + '\n], "runs": [\n' + dump(runs) + "\n]}\n")
    print(f"{len(cases)} cases, {len(runs)} runs: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
