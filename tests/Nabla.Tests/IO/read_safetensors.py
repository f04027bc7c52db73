#!/usr/bin/python3
"""Independent reader for Nabla's safetensors interop test (json + numpy only).

Usage:  /usr/bin/python3 read_safetensors.py FILE [EXPECTED.json]

Parses FILE by the safetensors specification and checks the layout rules Nabla
promises: header length a multiple of 8, JSON header, known dtypes, each tensor's
bytes equal to numel x element size, tensors tiling the data section exactly, and
every tensor aligned to its element size. With EXPECTED.json
({"metadata": {...}, "tensors": {name: {"dtype", "shape", "data"}}}) it compares
dtypes, shapes and values exactly. Prints one line per tensor; exits 1 on any mismatch.
"""
import json
import struct
import sys

import numpy as np

NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
         "I8": "i1", "U8": "u1", "BOOL": "?"}


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    if n % 8 != 0:
        fail(f"header length {n} is not a multiple of 8")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors, spans = {}, []
    for name, info in header.items():
        dtype = np.dtype(NUMPY[info["dtype"]])
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        if end - begin != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            fail(f"{name}: byte count {end - begin} does not match shape {shape} of {info['dtype']}")
        if begin % dtype.itemsize != 0:
            fail(f"{name}: offset {begin} is not aligned to {dtype.itemsize} bytes")
        spans.append((begin, end, name))
        array = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
        if info["dtype"] == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = (info["dtype"], array)
    covered = 0
    for begin, end, name in sorted(spans):
        if begin != covered:
            fail(f"{name}: starts at {begin}, expected {covered} (gap or overlap)")
        covered = end
    if covered != len(data):
        fail(f"tensors cover {covered} bytes of a {len(data)}-byte data section")
    return metadata, tensors


def main():
    metadata, tensors = read(sys.argv[1])
    for name, (dtype, array) in tensors.items():
        print(f"{name} {dtype} {list(array.shape)} {array.reshape(-1)[:4].tolist()}")
    if len(sys.argv) < 3:
        return
    with open(sys.argv[2]) as f:
        expected = json.load(f)
    if metadata != expected["metadata"]:
        fail(f"metadata {metadata} != {expected['metadata']}")
    if sorted(tensors) != sorted(expected["tensors"]):
        fail(f"names {sorted(tensors)} != {sorted(expected['tensors'])}")
    for name, want in expected["tensors"].items():
        dtype, array = tensors[name]
        if dtype != want["dtype"] or list(array.shape) != want["shape"]:
            fail(f"{name}: {dtype} {list(array.shape)} != {want['dtype']} {want['shape']}")
        flat = array.reshape(-1)
        same = (flat.tolist() == [int(v) for v in want["data"]] if flat.dtype.kind in "iu"
                else np.array_equal(flat.astype(np.float64), np.array(want["data"], dtype=np.float64)))
        if not same:
            fail(f"{name}: values {array.reshape(-1).tolist()} != {want['data']}")
    print("OK")


if __name__ == "__main__":
    main()
