#!/usr/bin/env python3
"""The benchmark workloads of bench/Nabla.Bench in PyTorch, printing the same JSON lines as Nabla.Bench.

Run with Debian's torch in its best configuration:
    OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=2 /usr/bin/python3 bench/peers/pytorch_bench.py --workload gemm
One workload per process, so that peak_rss_mb belongs to that workload alone.
"""
import argparse
import gzip
import json
import math
import os
import resource
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION_DIR = "/usr/share/datasets/fashion-mnist"


# Test images per evaluation batch, as in Nabla.Bench.
EVAL_BATCH = 250

def emit(workload, figure, value, unit):
    print(json.dumps({"workload": workload, "figure": figure, "value": round(value, 4), "unit": unit}), flush=True)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def gemm(seconds):
    shapes = [("64x64x64", 64, 64, 64, False, False), ("128x784x256", 128, 784, 256, False, False),
              ("256x256x256", 256, 256, 256, False, False), ("512x512x512", 512, 512, 512, False, False),
              ("1024x1024x1024", 1024, 1024, 1024, False, False), ("2048x2048x2048", 2048, 2048, 2048, False, False),
              ("AtB_128x784x256", 128, 784, 256, True, False), ("ABt_128x784x256", 128, 784, 256, False, True),
              ("AtB_512x512x512", 512, 512, 512, True, False), ("ABt_512x512x512", 512, 512, 512, False, True)]
    for name, m, k, n, ta, tb in shapes:
        a = torch.randn(k, m) if ta else torch.randn(m, k)
        b = torch.randn(n, k) if tb else torch.randn(k, n)
        a_op = a.t() if ta else a
        b_op = b.t() if tb else b
        c = torch.empty(m, n)
        # Repetitions of at least 20 ms, median rate: the same method as Nabla's GemmWorkload.
        calls = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(calls):
                torch.matmul(a_op, b_op, out=c)
            if time.perf_counter() - t0 >= 0.02:
                break
            calls *= 2
        rates, start = [], time.perf_counter()
        while time.perf_counter() - start < seconds or len(rates) < 3:
            t0 = time.perf_counter()
            for _ in range(calls):
                torch.matmul(a_op, b_op, out=c)
            rates.append(2.0 * m * n * k * calls / (time.perf_counter() - t0) / 1e9)
        emit("gemm_" + name, "GFLOP/s", sorted(rates)[len(rates) // 2], "GFLOP/s")


def make_moons(n, noise, seed):
    rng = np.random.default_rng(seed)
    n_out, n_in = n // 2, n - n // 2
    t_out = np.linspace(0, math.pi, n_out)
    t_in = np.linspace(0, math.pi, n_in)
    x = np.vstack([np.column_stack([np.cos(t_out), np.sin(t_out)]),
                   np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5])])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    x += rng.normal(scale=noise, size=x.shape)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32).unsqueeze(1)


def moons(steps, warmup_seconds):
    torch.manual_seed(0)
    x, y = make_moons(1000, 0.1, 0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    warmup_end = time.perf_counter() + warmup_seconds
    while time.perf_counter() < warmup_end:
        step()
    start = time.perf_counter()
    for _ in range(steps):
        loss = step()
    elapsed = time.perf_counter() - start
    emit("moons", "steps/s", steps / elapsed, "steps/s")
    with torch.no_grad():
        acc = ((model(x) > 0).float() == y).float().mean().item()
    emit("moons", "train_accuracy", acc, "fraction")


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(FASHION_DIR, candidate)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{name} not found in {FASHION_DIR}: apt-get install dataset-fashion-mnist")


def fashion(train):
    prefix = "train" if train else "t10k"
    x = read_idx(find(f"{prefix}-images-idx3-ubyte")).astype(np.float32) / 255.0
    y = read_idx(find(f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(x.copy()).unsqueeze(1), torch.from_numpy(y.copy())


def train_epoch(workload, model, flatten):
    torch.manual_seed(0)
    x, y = fashion(True)
    xt, yt = fashion(False)
    if flatten:
        x, xt = x.reshape(len(x), -1), xt.reshape(len(xt), -1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch = 128
    perm = torch.randperm(len(x))
    start = time.perf_counter()
    for i in range(0, len(x), batch):
        idx = perm[i:i + batch]
        opt.zero_grad()
        loss = F.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    elapsed = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        correct = sum((model(xt[i:i + EVAL_BATCH]).argmax(1) == yt[i:i + EVAL_BATCH]).sum().item()
                      for i in range(0, len(xt), EVAL_BATCH))
    emit(workload, "samples/s", len(x) / elapsed, "samples/s")
    emit(workload, "peak_rss_mb", peak_rss_mb(), "MB")
    emit(workload, "test_accuracy", correct / len(xt), "fraction")


def mlp():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    train_epoch("mlp", model, flatten=True)


def cnn():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    train_epoch("cnn", model, flatten=False)


def cnnbn():
    """The CLI's cnn-bn: convolutions without bias, each followed by batch normalisation; dropout before each linear layer."""
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(3136, 128), nn.ReLU(),
        nn.Dropout(0.25), nn.Linear(128, 10))
    train_epoch("cnnbn", model, flatten=False)


def language_model(workload, params, logits):
    """200 timed Adam steps (after 10 warm-up ones) of next-token cross-entropy on random tokens of a 96-character vocabulary."""
    vocabulary, sequence, batch = 96, 64, 32
    opt = torch.optim.Adam(params, lr=1e-3)

    def step():
        tokens = torch.randint(0, vocabulary, (batch, sequence + 1))
        loss = F.cross_entropy(logits(tokens[:, :sequence]).reshape(-1, vocabulary), tokens[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(10):
        step()
    start = time.perf_counter()
    for _ in range(200):
        step()
    emit(workload, "steps/s", 200 / (time.perf_counter() - start), "steps/s")
    emit(workload, "peak_rss_mb", peak_rss_mb(), "MB")


def char_lstm():
    """Character LM on random tokens, as Nabla.Bench's lstm workload: Embedding(96, 64) - LSTM(256) - Linear."""
    torch.manual_seed(0)
    embedding, lstm, head = nn.Embedding(96, 64), nn.LSTM(64, 256, batch_first=True), nn.Linear(256, 96)
    params = [p for m in (embedding, lstm, head) for p in m.parameters()]
    language_model("lstm", params, lambda x: head(lstm(embedding(x))[0]))


def char_gru():
    """Character LM on random tokens, as Nabla.Bench's gru workload: Embedding(96, 64) - GRU(256) - Linear."""
    torch.manual_seed(0)
    embedding, gru, head = nn.Embedding(96, 64), nn.GRU(64, 256, batch_first=True), nn.Linear(256, 96)
    params = [p for m in (embedding, gru, head) for p in m.parameters()]
    language_model("gru", params, lambda x: head(gru(embedding(x))[0]))


def transformer():
    """Causal character LM on random tokens, as Nabla.Bench's transformer workload."""
    width, length = 128, 64
    torch.manual_seed(0)
    tokens = nn.Embedding(96, width)
    positions = nn.Embedding(length, width)
    layer = nn.TransformerEncoderLayer(width, 4, 512, 0.0, batch_first=True)
    encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    head = nn.Linear(width, 96)
    params = [p for m in (tokens, positions, encoder, head) for p in m.parameters()]
    mask = nn.Transformer.generate_square_subsequent_mask(length)
    pos = torch.arange(length)
    language_model("transformer", params, lambda x: head(encoder(tokens(x) + positions(pos), mask=mask)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=["gemm", "moons", "mlp", "cnn", "cnnbn", "lstm", "gru", "transformer"], required=True)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per gemm shape")
    parser.add_argument("--steps", type=int, default=2000, help="moons training steps")
    parser.add_argument("--warmup-seconds", type=float, default=3.0, help="moons steps run before timing")
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    {"gemm": lambda: gemm(args.seconds), "moons": lambda: moons(args.steps, args.warmup_seconds), "mlp": mlp, "cnn": cnn, "cnnbn": cnnbn,
     "lstm": char_lstm, "gru": char_gru, "transformer": transformer}[args.workload]()


if __name__ == "__main__":
    main()
