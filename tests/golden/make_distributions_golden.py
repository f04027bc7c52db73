"""Golden values for Nabla's distributions: torch.distributions.Categorical in float64.

Writes tests/golden/distributions.json: {"categorical": [case, ...]}. A case holds
  "name", "param" ("probs" or "logits"), "shape" and "data" (flat, row-major) of the parameter as given, and
  "transposed": when true, "shape"/"data" hold the parameter's transpose and the test passes its .T, a
  non-contiguous view with the same values;
  "value": {"shape", "data"}: the category indices given to log_prob (broadcast against the batch shape);
  "log_prob_weights", "entropy_weights": {"shape", "data"}: fixed weights w, v of log_prob's and entropy's shapes;
  "batch_shape", "probs", "logits" (the normalised parameters, flat), "log_prob" and "entropy" ({"shape", "data"});
  "log_prob_grad", "entropy_grad": the gradients of sum(w * log_prob) and sum(v * entropy) with respect to the
  parameter as given (of "shape"; for a transposed case, the gradient of the transposed view, also transposed back).
Values are JSON numbers or "inf", "-inf", "nan".
"""
import json
import math
import os
import random
import zlib

import torch
from torch.distributions import Categorical


def enc(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def flat(t):
    return [enc(v) for v in t.detach().double().reshape(-1).tolist()]


def draw(name, n, lo, hi):
    r = random.Random(zlib.crc32(name.encode()))
    return [round(r.uniform(lo, hi) * 1024) / 1024 for _ in range(n)]


CASES = [
    # name, param, shape as used, transposed, data (None: drawn), value shape, value data
    ("logits_1d", "logits", [5], False, None, [6], [0, 3, 4, 1, 3, 2]),
    ("logits_batched", "logits", [2, 3, 4], False, None, [3], [3, 0, 2]),
    ("logits_batched_full_value", "logits", [2, 3, 4], False, None, [2, 3], [1, 1, 0, 3, 2, 2]),
    ("logits_transposed", "logits", [3, 4], True, None, [2, 1], [2, 0]),
    ("logits_masked", "logits", [2, 4], False, [0.5, float("-inf"), -1.25, 2.0, float("-inf"), 0.75, float("-inf"), -0.5], [2], [3, 1]),
    ("logits_large", "logits", [3], False, [1000.0, 999.0, 1001.5], [3], [0, 1, 2]),
    ("probs_unnormalised", "probs", [3, 4], False, None, [2, 3], [0, 3, 1, 2, 2, 0]),
    ("probs_1d", "probs", [4], False, [0.1, 0.2, 0.3, 0.4], [], [2]),
    ("probs_transposed", "probs", [2, 3], True, None, [2], [1, 2]),
    ("probs_with_zero", "probs", [2, 3], False, [0.0, 2.0, 1.0, 0.5, 0.5, 0.25], [2], [1, 2]),
]


def case(name, param, shape, transposed, data, vshape, vdata):
    n = math.prod(shape)
    if data is None:
        data = draw(name, n, -2, 2) if param == "logits" else draw(name, n, 0.1, 3)
    used = torch.tensor(data, dtype=torch.float64).reshape(shape)
    stored = used.t().contiguous() if transposed else used
    leaf = stored.clone().requires_grad_(True)
    x = leaf.t() if transposed else leaf
    dist = Categorical(**{param: x})
    value = torch.tensor(vdata, dtype=torch.int64).reshape(vshape)
    lp = dist.log_prob(value)
    ent = dist.entropy()
    w = torch.tensor(draw(name + "/w", lp.numel(), -1, 1), dtype=torch.float64).reshape(lp.shape)
    v = torch.tensor(draw(name + "/v", ent.numel(), -1, 1), dtype=torch.float64).reshape(ent.shape)
    (g_lp,) = torch.autograd.grad((w * lp).sum(), leaf, retain_graph=True)
    (g_ent,) = torch.autograd.grad((v * ent).sum(), leaf)
    if param == "logits" and not any(math.isinf(d) for d in data):
        assert torch.autograd.gradcheck(lambda t: Categorical(logits=t).log_prob(value), (used.clone().requires_grad_(True),))
        assert torch.autograd.gradcheck(lambda t: Categorical(logits=t).entropy(), (used.clone().requires_grad_(True),))
    return {
        "name": name, "param": param, "transposed": transposed,
        "shape": list(stored.shape), "data": flat(stored),
        "value": {"shape": vshape, "data": vdata},
        "log_prob_weights": {"shape": list(w.shape), "data": flat(w)},
        "entropy_weights": {"shape": list(v.shape), "data": flat(v)},
        "batch_shape": list(dist.batch_shape),
        "probs": flat(dist.probs), "logits": flat(dist.logits),
        "log_prob": {"shape": list(lp.shape), "data": flat(lp)},
        "entropy": {"shape": list(ent.shape), "data": flat(ent)},
        "log_prob_grad": flat(g_lp), "entropy_grad": flat(g_ent),
    }


def main():
    out = {"categorical": [case(*c) for c in CASES]}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "distributions.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
