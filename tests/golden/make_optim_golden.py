#!/usr/bin/python3
"""Generate Nabla's PyTorch golden values for optimizers, schedules and gradient clipping.

Run:  /usr/bin/python3 tests/golden/make_optim_golden.py   (PyTorch 1.13, CPU)
Writes optim.json next to this script. Deterministic: every case draws its numbers from
random.Random(crc32(case name)); values are multiples of 1/1024 (exact in float32 and float64) and
results are written with Python's repr (round-trip exact).

optim.json
  {"optimizers": [opt_case, ...], "schedulers": [sched_case, ...], "clip": [clip_case, ...]}

  opt_case = {
    "name": str,
    "optimizer": "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad" | "Adadelta" | "Adamax" | "NAdam" | "RAdam",
    "dtype": "float64" | "float32",
    "defaults": {torch keyword arguments of the constructor, e.g. "lr", "momentum", "betas"},
    "groups": [{"params": [parameter indices], "options": {per-group overrides}}, ...],
    "params": [{"shape", "data"}, ...]            initial values, row-major,
    "grads": [[{"shape", "data"} or null per parameter] per step]   (null: p.grad = None that step),
    "after": [[{"shape", "data"} per parameter] per step]}          parameters after each step.
  Cases run 5 steps unless their defaults name "steps" (RAdam rectifies only once its variance estimate is tractable).
  Every step sets p.grad from "grads" and calls optimizer.step(). Parameter sizes cover shorter-than-a-
  vector, exact multiples and ragged tails; one parameter has no gradient at one step.

  sched_case = {
    "name": str,
    "optimizer": {"type": "SGD" | "Adam", "lrs": [lr per group], "momentum": float (SGD)},
    "scheduler": torch class name, "args": {its keyword arguments},
    "chain": [{"scheduler", "args"}, ...]   (SequentialLR: the chained schedules, built in order),
    "metrics": [float per step]            (ReduceLROnPlateau: the value passed to each step),
    "lrs": [[lr per group] after construction, then after each step],
    "momentums": [[momentum or beta1 per group] likewise]   (schedules that cycle momentum)}
  Each step calls optimizer.step() (no gradients, so parameters do not move) then scheduler.step().

  lbfgs_case = {
    "name": str, "problem": "quartic" | "rosenbrock", "options": {torch keyword arguments}, "dtype": str,
    "data": {"A", "b"} (quartic), "params": [{"shape", "data"}, ...],
    "steps": [{"loss": the value step(closure) returned, "func_evals", "n_iter" (cumulative), "after": parameters}]}
  See lbfgs_case for the two problems; each case calls step(closure) several times, so the history carries over.

  clip_case = {
    "name": str, "kind": "norm" | "value",
    "max_norm", "norm_type" (a float or "inf")  |  "clip_value",
    "grads": [{"shape", "data"}, ...]  (float64),
    "total_norm": float (norm only), "after": [{"shape", "data"}, ...]}
"""
import json
import math
import os
import random
import warnings
import zlib

import torch

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
GRID = 1024
DTYPES = {"float64": torch.float64, "float32": torch.float32}
SHAPES = [[3, 5], [2], [2, 2, 2], [7], [4, 3]]


def rng(name):
    return random.Random(zlib.crc32(name.encode()))


def values(r, n, lo=-1.0, hi=1.0):
    return [r.randint(int(lo * GRID), int(hi * GRID)) / GRID for _ in range(n)]


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def enc(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().double().reshape(-1).tolist()]}


# --------------------------------------------------------------------------
# Optimizers
# --------------------------------------------------------------------------

OPT_CASES = [
    # name, optimizer, defaults, groups (None: one group with all parameters), dtype
    ("sgd_plain", "SGD", {"lr": 0.1}, None, "float64"),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, None, "float64"),
    ("sgd_momentum_dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}, None, "float64"),
    ("sgd_nesterov_weight_decay", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, None, "float64"),
    ("sgd_weight_decay_maximize", "SGD", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}, None, "float64"),
    ("adam_default", "Adam", {"lr": 0.01}, None, "float64"),
    ("adam_weight_decay", "Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}, None, "float64"),
    ("adam_amsgrad", "Adam", {"lr": 0.02, "amsgrad": True}, None, "float64"),
    ("adam_amsgrad_maximize", "Adam", {"lr": 0.02, "amsgrad": True, "maximize": True, "weight_decay": 0.05}, None, "float64"),
    ("adamw_default", "AdamW", {"lr": 0.01}, None, "float64"),
    ("adamw_amsgrad_weight_decay", "AdamW", {"lr": 0.02, "betas": (0.85, 0.995), "weight_decay": 0.1, "amsgrad": True}, None, "float64"),
    ("rmsprop_default", "RMSprop", {"lr": 0.01}, None, "float64"),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5}, None, "float64"),
    ("rmsprop_centered_momentum_weight_decay", "RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01}, None, "float64"),
    ("rmsprop_centered_maximize", "RMSprop", {"lr": 0.005, "centered": True, "maximize": True, "eps": 1e-4}, None, "float64"),
    ("adagrad_default", "Adagrad", {"lr": 0.1}, None, "float64"),
    ("adagrad_lr_decay", "Adagrad", {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.1, "weight_decay": 0.01, "eps": 1e-8}, None, "float64"),
    ("sgd_two_groups", "SGD", {"lr": 0.1, "momentum": 0.9},
     [{"params": [0, 1, 2], "options": {}}, {"params": [3, 4], "options": {"lr": 0.01, "weight_decay": 0.1}}], "float64"),
    ("adam_two_groups", "Adam", {"lr": 0.01},
     [{"params": [0, 2, 4], "options": {"lr": 0.05}}, {"params": [1, 3], "options": {"weight_decay": 0.2}}], "float64"),
    ("adam_float32", "Adam", {"lr": 0.01, "weight_decay": 0.01}, None, "float32"),
    ("sgd_nesterov_float32", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, None, "float32"),
    ("adadelta_default", "Adadelta", {}, None, "float64"),
    ("adadelta_weight_decay_maximize", "Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1, "maximize": True}, None, "float64"),
    ("adamax_default", "Adamax", {"lr": 0.01}, None, "float64"),
    ("adamax_weight_decay_maximize", "Adamax", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1, "maximize": True}, None, "float64"),
    ("nadam_default", "NAdam", {"lr": 0.01}, None, "float64"),
    ("nadam_weight_decay_momentum_decay", "NAdam", {"lr": 0.02, "betas": (0.85, 0.99), "eps": 1e-6, "weight_decay": 0.1, "momentum_decay": 0.01}, None, "float64"),
    ("radam_default", "RAdam", {"lr": 0.01}, None, "float64"),
    ("radam_rectified_weight_decay", "RAdam", {"lr": 0.02, "betas": (0.8, 0.9), "weight_decay": 0.1, "steps": 12}, None, "float64"),
    ("adadelta_two_groups", "Adadelta", {"lr": 0.9},
     [{"params": [0, 1], "options": {"lr": 0.3}}, {"params": [2, 3, 4], "options": {"weight_decay": 0.05}}], "float64"),
    ("nadam_float32", "NAdam", {"lr": 0.01, "weight_decay": 0.01}, None, "float32"),
    ("radam_rectified_float32", "RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "steps": 10}, None, "float32"),
    ("adamax_float32", "Adamax", {"lr": 0.01}, None, "float32"),
]
STEPS = 5
SKIP = (2, 1)  # (step, parameter): this parameter has no gradient at this step


def opt_case(name, kind, defaults, groups, dtype):
    defaults = dict(defaults)
    steps = defaults.pop("steps", STEPS)
    r = rng(name)
    dt = DTYPES[dtype]
    params = [torch.tensor(values(r, numel(s)), dtype=dt).reshape(s).requires_grad_() for s in SHAPES]
    init = [enc(p) for p in params]
    group_spec = groups or [{"params": list(range(len(params))), "options": {}}]
    torch_groups = [dict(params=[params[i] for i in g["params"]], **g["options"]) for g in group_spec]
    opt = getattr(torch.optim, kind)(torch_groups, **defaults)
    grads, after = [], []
    for step in range(steps):
        step_grads = []
        for i, p in enumerate(params):
            if (step, i) == SKIP:
                p.grad = None
                step_grads.append(None)
            else:
                g = torch.tensor(values(r, p.numel()), dtype=dt).reshape(p.shape)
                p.grad = g
                step_grads.append(enc(g))
        opt.step()
        grads.append(step_grads)
        after.append([enc(p) for p in params])
    d = {k: (list(v) if isinstance(v, tuple) else v) for k, v in defaults.items()}
    return {"name": name, "optimizer": kind, "dtype": dtype, "defaults": d, "groups": group_spec,
            "params": init, "grads": grads, "after": after}


# --------------------------------------------------------------------------
# Schedules
# --------------------------------------------------------------------------

S = torch.optim.lr_scheduler
SCHED_STEPS = 30
SGD2 = {"type": "SGD", "lrs": [0.1, 0.05], "momentum": 0.9}
SGD1 = {"type": "SGD", "lrs": [0.1], "momentum": 0.9}
ADAM1 = {"type": "Adam", "lrs": [0.01]}

SCHED_CASES = [
    # name, optimizer, scheduler, args, extra
    ("step_lr", SGD2, "StepLR", {"step_size": 4, "gamma": 0.5}, {}),
    ("multi_step_lr", SGD2, "MultiStepLR", {"milestones": [3, 7, 7, 15], "gamma": 0.3}, {}),
    ("exponential_lr", SGD2, "ExponentialLR", {"gamma": 0.9}, {}),
    ("cosine_annealing_lr", SGD2, "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}, {}),
    ("cosine_annealing_lr_tmax7", SGD1, "CosineAnnealingLR", {"T_max": 7}, {}),
    ("linear_lr_warmup", SGD2, "LinearLR", {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 8}, {}),
    ("linear_lr_decay", SGD1, "LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 10}, {}),
    ("lambda_lr", SGD2, "LambdaLR", {}, {"lambda": "0.95 ** epoch"}),
    ("one_cycle_cos", SGD2, "OneCycleLR", {"max_lr": [1.0, 0.5], "total_steps": 30}, {"steps": 29}),
    ("one_cycle_linear_three_phase", SGD1, "OneCycleLR",
     {"max_lr": 0.8, "total_steps": 30, "anneal_strategy": "linear", "three_phase": True, "pct_start": 0.25}, {"steps": 29}),
    ("one_cycle_adam_epochs", ADAM1, "OneCycleLR",
     {"max_lr": 0.02, "epochs": 5, "steps_per_epoch": 6, "base_momentum": 0.8, "max_momentum": 0.9, "div_factor": 10.0,
      "final_div_factor": 100.0}, {"steps": 29}),
    ("one_cycle_no_momentum", SGD1, "OneCycleLR", {"max_lr": 0.3, "total_steps": 20, "cycle_momentum": False}, {"steps": 19}),
    ("cyclic_triangular", SGD2, "CyclicLR", {"base_lr": 0.01, "max_lr": [0.1, 0.05], "step_size_up": 4, "step_size_down": 6}, {}),
    ("cyclic_triangular2", SGD1, "CyclicLR", {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 3, "mode": "triangular2"}, {}),
    ("cyclic_exp_range", SGD1, "CyclicLR",
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "mode": "exp_range", "gamma": 0.9, "base_momentum": 0.7,
      "max_momentum": 0.95}, {}),
    ("reduce_on_plateau_min_rel", SGD2, "ReduceLROnPlateau",
     {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 0.01, "cooldown": 1, "min_lr": 0.01}, {"metrics": "min"}),
    ("reduce_on_plateau_max_abs", SGD1, "ReduceLROnPlateau",
     {"mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.05, "threshold_mode": "abs"}, {"metrics": "max"}),
    ("sequential_warmup_cosine", SGD2, "SequentialLR", {"milestones": [5]},
     {"chain": [("LinearLR", {"start_factor": 0.1, "total_iters": 5}), ("CosineAnnealingLR", {"T_max": 20, "eta_min": 1e-4})]}),
    ("sequential_three", SGD1, "SequentialLR", {"milestones": [4, 12]},
     {"chain": [("LinearLR", {"start_factor": 0.5, "total_iters": 4}), ("ExponentialLR", {"gamma": 0.8}),
                ("StepLR", {"step_size": 3, "gamma": 0.5})]}),
]


def metric_sequence(name, kind):
    r = rng(name)
    m, out = 1.0, []
    for _ in range(SCHED_STEPS):
        # Mostly flat with occasional improvements, so the plateau logic fires several times.
        m = m * (0.9 if r.random() < 0.3 else 1.0) + r.randint(-8, 8) / GRID
        out.append(m if kind == "min" else -m)
    return out


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def sched_case(name, optimizer, kind, args, extra):
    params = [torch.zeros(2, requires_grad=True) for _ in optimizer["lrs"]]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, optimizer["lrs"])]
    if optimizer["type"] == "SGD":
        opt = torch.optim.SGD(groups, lr=optimizer["lrs"][0], momentum=optimizer["momentum"])
    else:
        opt = torch.optim.Adam(groups, lr=optimizer["lrs"][0])
    chain = []
    if kind == "SequentialLR":
        chain = [getattr(S, k)(opt, **a) for k, a in extra["chain"]]
        sched = S.SequentialLR(opt, chain, **args)
    elif kind == "LambdaLR":
        sched = S.LambdaLR(opt, lambda epoch: 0.95 ** epoch)
    else:
        sched = getattr(S, kind)(opt, **args)
    metrics = metric_sequence(name, extra["metrics"]) if "metrics" in extra else None
    cycles = kind in ("OneCycleLR", "CyclicLR") and args.get("cycle_momentum", True)
    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [[momentum_of(g) for g in opt.param_groups]]
    for step in range(extra.get("steps", SCHED_STEPS)):
        opt.step()
        if metrics is not None:
            sched.step(metrics[step])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append([momentum_of(g) for g in opt.param_groups])
    case = {"name": name, "optimizer": optimizer, "scheduler": kind, "args": args, "lrs": lrs}
    if kind == "SequentialLR":
        case["chain"] = [{"scheduler": k, "args": a} for k, a in extra["chain"]]
    if kind == "LambdaLR":
        case["args"] = {"lr_lambda": extra["lambda"]}
    if metrics is not None:
        case["metrics"] = metrics
    if cycles:
        case["momentums"] = moms
    return case


# --------------------------------------------------------------------------
# Clipping
# --------------------------------------------------------------------------

CLIP_CASES = [
    ("norm_l2", "norm", {"max_norm": 1.0, "norm_type": 2.0}),
    ("norm_l2_no_clip", "norm", {"max_norm": 100.0, "norm_type": 2.0}),
    ("norm_l1", "norm", {"max_norm": 2.0, "norm_type": 1.0}),
    ("norm_inf", "norm", {"max_norm": 0.25, "norm_type": "inf"}),
    ("norm_p3", "norm", {"max_norm": 0.5, "norm_type": 3.0}),
    ("value", "value", {"clip_value": 0.3}),
]


def clip_case(name, kind, args):
    r = rng(name)
    params = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for p in params:
        p.grad = torch.tensor(values(r, p.numel()), dtype=torch.float64).reshape(p.shape)
    grads = [enc(p.grad) for p in params]
    case = {"name": name, "kind": kind, **args, "grads": grads}
    if kind == "norm":
        nt = math.inf if args["norm_type"] == "inf" else args["norm_type"]
        case["total_norm"] = float(torch.nn.utils.clip_grad_norm_(params, args["max_norm"], nt))
    else:
        torch.nn.utils.clip_grad_value_(params, args["clip_value"])
    case["after"] = [enc(p.grad) for p in params]
    return case


# --------------------------------------------------------------------------
# L-BFGS, which evaluates a closure several times per step
# --------------------------------------------------------------------------

LBFGS_CASES = [
    # name, problem, options, dtype, step calls
    ("lbfgs_quartic_fixed_step", "quartic", {"lr": 0.1, "max_iter": 4}, "float64", 4),
    ("lbfgs_quartic_short_history", "quartic", {"lr": 0.2, "max_iter": 6, "history_size": 2}, "float64", 3),
    ("lbfgs_quartic_strong_wolfe", "quartic", {"max_iter": 5, "line_search_fn": "strong_wolfe"}, "float64", 3),
    ("lbfgs_rosenbrock_strong_wolfe", "rosenbrock", {"max_iter": 10, "history_size": 5, "line_search_fn": "strong_wolfe"}, "float64", 4),
    ("lbfgs_rosenbrock_max_eval", "rosenbrock", {"lr": 0.5, "max_iter": 8, "max_eval": 6, "line_search_fn": "strong_wolfe"}, "float64", 3),
    ("lbfgs_quartic_float32", "quartic", {"max_iter": 5, "line_search_fn": "strong_wolfe"}, "float32", 2),
]


def lbfgs_case(name, problem, options, dtype, calls):
    """quartic: loss = sum((A·v − b)²) + 0.1·sum(v⁴) with v = cat(x.flatten(), y), x (3, 2), y (4);
    rosenbrock: loss = (1 − a)² + 100·(b − a²)² summed over the two entries of a and b."""
    r = rng(name)
    dt = DTYPES[dtype]
    if problem == "quartic":
        params = [torch.tensor(values(r, 6), dtype=dt).reshape(3, 2).requires_grad_(), torch.tensor(values(r, 4), dtype=dt).requires_grad_()]
        A = torch.tensor(values(r, 120), dtype=dt).reshape(12, 10)
        b = torch.tensor(values(r, 12), dtype=dt)
        data = {"A": enc(A), "b": enc(b)}

        def loss_fn():
            v = torch.cat([params[0].reshape(-1), params[1]])
            return ((A @ v - b) ** 2).sum() + 0.1 * (v ** 4).sum()
    else:
        params = [torch.tensor([-1.25, 0.5], dtype=dt).requires_grad_(), torch.tensor([1.0, -0.5], dtype=dt).requires_grad_()]
        data = {}

        def loss_fn():
            a, b = params
            return ((1 - a) ** 2 + 100 * (b - a ** 2) ** 2).sum()
    init = [enc(p) for p in params]
    opt = torch.optim.LBFGS(params, **options)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss
    steps = []
    for _ in range(calls):
        loss = opt.step(closure)
        state = opt.state[params[0]]
        steps.append({"loss": float(loss), "func_evals": state["func_evals"], "n_iter": state["n_iter"],
                      "after": [enc(p) for p in params]})
    return {"name": name, "problem": problem, "options": options, "dtype": dtype, "data": data, "params": init, "steps": steps}


def main():
    out = {
        "optimizers": [opt_case(*c) for c in OPT_CASES],
        "schedulers": [sched_case(*c) for c in SCHED_CASES],
        "clip": [clip_case(*c) for c in CLIP_CASES],
        "lbfgs": [lbfgs_case(*c) for c in LBFGS_CASES],
    }
    with open(os.path.join(HERE, "optim.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
