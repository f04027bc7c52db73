#!/usr/bin/python3
"""Generate tests/golden/rnn.json (recurrent layers and cells) and tests/golden/lstm_state.safetensors.

Run:  /usr/bin/python3 tests/golden/make_rnn_golden.py   (PyTorch 1.13, CPU)

rnn.json, computed in float64:
  {"dtype": "float64", "cases": [case, ...], "safetensors": {...}}
  case = {"name", "kind": "RNN" | "LSTM" | "GRU" | "RNNCell" | "LSTMCell" | "GRUCell",
          "config": {"input_size", "hidden_size", "num_layers", "nonlinearity", "bias", "batch_first", "bidirectional"},
          "state_dict": {name: tensor, ...}          # in torch's state_dict order
          "input": tensor, "h0": tensor | null, "c0": tensor | null, "lengths": [int, ...] | null,
          "output": tensor, "h_n": tensor, "c_n": tensor | null,
          "grad_output": tensor, "grad_h_n": tensor, "grad_c_n": tensor | null,
          "grads": {"input": tensor, "h0": tensor?, "c0": tensor?, <parameter name>: tensor, ...}}
  tensor = {"shape": [...], "data": [flat row-major values]}
For the layers `output, h_n[, c_n]` are what the module returns (with `lengths`, the input is packed with
pack_padded_sequence(enforce_sorted=False) and the output padded back with zeros to the full length); for the cells
`output` is the next h (and `c_n` the next c of LSTMCell, `h_n` equal to `output`). The gradients are those of
sum(output·grad_output) + sum(h_n·grad_h_n) [+ sum(c_n·grad_c_n)] (for the cells: output and c_n only).
"safetensors" = {"file": "lstm_state.safetensors", "config", "input", "output"}: a float32 LSTM state dict written
as safetensors (the layout of make_safetensors.py) with an input and the float32 output torch computes for it.
Deterministic: the values come from torch.manual_seed(crc32(name)).
"""
import json
import os
import struct
import zlib

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))


def enc(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def layer_case(name, kind, input_size=4, hidden_size=5, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
               bidirectional=False, steps=6, batch=3, given_state=False, lengths=None, unbatched=False):
    torch.manual_seed(zlib.crc32(name.encode()))
    cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[kind]
    kwargs = dict(num_layers=num_layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional)
    if kind == "RNN":
        kwargs["nonlinearity"] = nonlinearity
    module = cls(input_size, hidden_size, **kwargs).double()
    d = 2 if bidirectional else 1
    shape = (steps, input_size) if unbatched else ((batch, steps, input_size) if batch_first else (steps, batch, input_size))
    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    state_shape = (num_layers * d, hidden_size) if unbatched else (num_layers * d, batch, hidden_size)
    h0 = torch.randn(*state_shape, dtype=torch.float64, requires_grad=True) if given_state else None
    c0 = torch.randn(*state_shape, dtype=torch.float64, requires_grad=True) if given_state and kind == "LSTM" else None
    hx = None if h0 is None else ((h0, c0) if kind == "LSTM" else h0)
    if lengths is not None:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
        out, state = module(packed, hx)
        out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=steps)
    else:
        out, state = module(x, hx)
    h_n, c_n = state if kind == "LSTM" else (state, None)
    go, gh = torch.randn_like(out), torch.randn_like(h_n)
    gc = torch.randn_like(c_n) if c_n is not None else None
    loss = (out * go).sum() + (h_n * gh).sum() + ((c_n * gc).sum() if c_n is not None else 0)
    named = list(module.named_parameters())
    wrt = [x] + [t for t in (h0, c0) if t is not None] + [p for _, p in named]
    grads = torch.autograd.grad(loss, wrt)
    names = ["input"] + [n for n, t in (("h0", h0), ("c0", c0)) if t is not None] + [n for n, _ in named]
    return {
        "name": name, "kind": kind,
        "config": {"input_size": input_size, "hidden_size": hidden_size, "num_layers": num_layers, "nonlinearity": nonlinearity,
                   "bias": bias, "batch_first": batch_first, "bidirectional": bidirectional},
        "state_dict": {k: enc(v) for k, v in module.state_dict().items()},
        "input": enc(x), "h0": enc(h0) if h0 is not None else None, "c0": enc(c0) if c0 is not None else None,
        "lengths": lengths,
        "output": enc(out), "h_n": enc(h_n), "c_n": enc(c_n) if c_n is not None else None,
        "grad_output": enc(go), "grad_h_n": enc(gh), "grad_c_n": enc(gc) if gc is not None else None,
        "grads": {n: enc(g) for n, g in zip(names, grads)},
    }


def cell_case(name, kind, input_size=4, hidden_size=5, nonlinearity="tanh", bias=True, batch=3, given_state=True, unbatched=False):
    torch.manual_seed(zlib.crc32(name.encode()))
    cls = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}[kind]
    kwargs = {"bias": bias}
    if kind == "RNNCell":
        kwargs["nonlinearity"] = nonlinearity
    module = cls(input_size, hidden_size, **kwargs).double()
    x = torch.randn(*((input_size,) if unbatched else (batch, input_size)), dtype=torch.float64, requires_grad=True)
    state_shape = (hidden_size,) if unbatched else (batch, hidden_size)
    h0 = torch.randn(*state_shape, dtype=torch.float64, requires_grad=True) if given_state else None
    c0 = torch.randn(*state_shape, dtype=torch.float64, requires_grad=True) if given_state and kind == "LSTMCell" else None
    hx = None if h0 is None else ((h0, c0) if kind == "LSTMCell" else h0)
    result = module(x, hx)
    h, c = result if kind == "LSTMCell" else (result, None)
    go = torch.randn_like(h)
    gc = torch.randn_like(c) if c is not None else None
    loss = (h * go).sum() + ((c * gc).sum() if c is not None else 0)
    named = list(module.named_parameters())
    wrt = [x] + [t for t in (h0, c0) if t is not None] + [p for _, p in named]
    grads = torch.autograd.grad(loss, wrt)
    names = ["input"] + [n for n, t in (("h0", h0), ("c0", c0)) if t is not None] + [n for n, _ in named]
    return {
        "name": name, "kind": kind,
        "config": {"input_size": input_size, "hidden_size": hidden_size, "num_layers": 1, "nonlinearity": nonlinearity,
                   "bias": bias, "batch_first": False, "bidirectional": False},
        "state_dict": {k: enc(v) for k, v in module.state_dict().items()},
        "input": enc(x), "h0": enc(h0) if h0 is not None else None, "c0": enc(c0) if c0 is not None else None,
        "lengths": None,
        "output": enc(h), "h_n": enc(h), "c_n": enc(c) if c is not None else None,
        "grad_output": enc(go), "grad_h_n": None, "grad_c_n": enc(gc) if gc is not None else None,
        "grads": {n: enc(g) for n, g in zip(names, grads)},
    }


def cases():
    out = []
    for kind in ("RNN", "LSTM", "GRU"):
        k = kind.lower()
        out.append(layer_case(f"{k}_basic", kind))
        out.append(layer_case(f"{k}_two_layers_bidirectional_state", kind, num_layers=2, bidirectional=True, given_state=True))
        out.append(layer_case(f"{k}_batch_first_no_bias", kind, batch_first=True, bias=False, given_state=True))
        out.append(layer_case(f"{k}_lengths", kind, batch=4, lengths=[6, 2, 4, 1], given_state=True))
        out.append(layer_case(f"{k}_lengths_bidirectional_batch_first", kind, num_layers=2, bidirectional=True, batch_first=True,
                              batch=4, lengths=[3, 6, 1, 5]))
        out.append(layer_case(f"{k}_unbatched", kind, num_layers=2, given_state=True, unbatched=True))
    out.append(layer_case("rnn_relu_two_layers_bidirectional", "RNN", nonlinearity="relu", num_layers=2, bidirectional=True, given_state=True))
    out.append(layer_case("rnn_relu_lengths", "RNN", nonlinearity="relu", batch=4, lengths=[2, 6, 5, 3]))
    for kind in ("RNNCell", "LSTMCell", "GRUCell"):
        k = kind.lower()
        out.append(cell_case(f"{k}_state", kind))
        out.append(cell_case(f"{k}_no_state_no_bias", kind, given_state=False, bias=False))
        out.append(cell_case(f"{k}_unbatched", kind, unbatched=True))
    out.append(cell_case("rnncell_relu", "RNNCell", nonlinearity="relu"))
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        blob = tensors[name].contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def safetensors_case():
    torch.manual_seed(7)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    write_safetensors(os.path.join(HERE, "lstm_state.safetensors"), {k: v.detach() for k, v in lstm.state_dict().items()})
    x = torch.randn(2, 5, 3)
    with torch.no_grad():
        out, _ = lstm(x)
    return {"file": "lstm_state.safetensors",
            "config": {"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True, "batch_first": True},
            "input": enc(x), "output": enc(out)}


def main():
    torch.set_num_threads(1)
    data = {"dtype": "float64", "cases": cases(), "safetensors": safetensors_case()}
    with open(os.path.join(HERE, "rnn.json"), "w") as f:
        json.dump(data, f)
        f.write("\n")


if __name__ == "__main__":
    main()
