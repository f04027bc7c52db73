#!/usr/bin/python3
"""Generate tests/golden/torch_state.safetensors and its expected values torch_state.json.

Run:  /usr/bin/python3 tests/golden/make_safetensors.py   (PyTorch 1.13, CPU)

The `safetensors` package is not installed here, so the file is written by hand
exactly as the reference writer (safetensors.torch.save_file) lays it out:
  8-byte little-endian header length N, then N bytes of UTF-8 JSON
  {"__metadata__": {...}, "name": {"dtype", "shape", "data_offsets": [begin, end]}, ...}
  padded with spaces to a multiple of 8, then the raw little-endian data;
  tensors ordered by dtype size (largest first), then by name.

torch_state.json holds what Nabla must read back:
  {"metadata": {...}, "tensors": [{"name", "file_dtype", "shape", "data"}, ...]}
in the file's data order; `data` is flat row-major, float16/bfloat16 values are
widened to float64 exactly, bools and small ints are integers. Deterministic.
"""
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

DTYPES = {
    torch.float64: ("F64", 8), torch.float32: ("F32", 4), torch.float16: ("F16", 2),
    torch.bfloat16: ("BF16", 2), torch.int64: ("I64", 8), torch.int32: ("I32", 4),
    torch.int16: ("I16", 2), torch.int8: ("I8", 1), torch.uint8: ("U8", 1), torch.bool: ("BOOL", 1),
}


def state():
    torch.manual_seed(0)
    linear = torch.nn.Linear(4, 3)
    bn = torch.nn.BatchNorm1d(2).double()
    bn.train()
    bn(torch.randn(5, 2, dtype=torch.float64))
    return {
        "linear.weight": linear.weight.detach(),
        "linear.bias": linear.bias.detach(),
        # A transposed view: the writer must store it contiguously.
        "linear.weight_t": linear.weight.detach().t(),
        "bn.running_mean": bn.running_mean,
        "bn.running_var": bn.running_var,
        "bn.num_batches_tracked": bn.num_batches_tracked,  # a 0-d int64 tensor
        "labels": torch.tensor([3, -1, 0, 2**40, -(2**62)], dtype=torch.int64),
        "empty": torch.zeros(0, 3),
        "half": torch.tensor([0.5, -2.0, 65504.0, 6.103515625e-05], dtype=torch.float16),
        "bfloat": torch.tensor([1.0, -3.140625, 1e30], dtype=torch.bfloat16),
        "int32": torch.tensor([[-7, 2147483647], [-2147483648, 0]], dtype=torch.int32),
        "int16": torch.tensor([-32768, 32767], dtype=torch.int16),
        "int8": torch.tensor([-128, 127, 0], dtype=torch.int8),
        "uint8": torch.tensor([0, 255, 17], dtype=torch.uint8),
        "mask": torch.tensor([True, False, True]),
    }


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def main():
    tensors = state()
    metadata = {"format": "pt", "source": "tests/golden/make_safetensors.py"}
    order = sorted(tensors, key=lambda n: (-DTYPES[tensors[n].dtype][1], n))
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in order:
        t = tensors[name]
        blob = raw_bytes(t)
        assert len(blob) == t.numel() * DTYPES[t.dtype][1]
        header[name] = {"dtype": DTYPES[t.dtype][0], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(os.path.join(HERE, "torch_state.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)

    expected = {"metadata": metadata, "tensors": []}
    for name in order:
        t = tensors[name]
        values = t.double() if t.is_floating_point() else t.long()
        expected["tensors"].append({
            "name": name, "file_dtype": DTYPES[t.dtype][0], "shape": list(t.shape),
            "data": values.reshape(-1).tolist(),
        })
    with open(os.path.join(HERE, "torch_state.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
