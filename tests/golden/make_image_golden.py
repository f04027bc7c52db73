#!/usr/bin/python3
"""Generate Nabla's golden values for image grids and PNG output from torchvision's make_grid and save_image.

Run:  /usr/bin/python3 tests/golden/make_image_golden.py   (PyTorch 1.13, torchvision 0.14, Pillow)
Writes images.json next to this script. Deterministic: every case draws its values from random.Random(crc32(name));
float32 values on a grid of 1/512 over a range a little wider than [0, 1], so clamping, rounding and normalisation
are all exercised.

images.json
  {"cases": [{"name", "dtype", "args": {make_grid keyword arguments, value_range as [low, high]},
              "input": {"shape", "data"}, "grid": {"shape", "data"},
              "png": {"mode": Pillow's mode, "width", "height", "pixels": [bytes, row-major, channels interleaved]}}]}
  "png" is what Pillow decodes from the file save_image wrote.
"""
import io
import json
import os
import random
import zlib

import torch
from PIL import Image
from torchvision.utils import make_grid, save_image

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    # name, shape, dtype, make_grid arguments
    ("gray_batch_default", [5, 1, 4, 3], "float32", {}),
    ("rgb_batch_nrow2_pad1", [3, 3, 3, 4], "float32", {"nrow": 2, "padding": 1, "pad_value": 0.5}),
    ("gray_normalize", [4, 1, 3, 3], "float32", {"normalize": True}),
    ("rgb_normalize_range", [2, 3, 2, 2], "float32", {"normalize": True, "value_range": [-0.5, 0.75], "nrow": 1}),
    ("gray_scale_each", [3, 1, 2, 3], "float64", {"normalize": True, "scale_each": True, "padding": 0}),
    ("single_rgb_image", [3, 5, 4], "float32", {}),
    ("single_plane", [4, 6], "float32", {"padding": 3}),
    ("rgba_batch", [2, 4, 3, 3], "float32", {"nrow": 4}),
]


def values(r, n):
    return [r.randint(-64, 576) / 512 for _ in range(n)]


def enc(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def main():
    out = []
    for name, shape, dtype, args in CASES:
        r = random.Random(zlib.crc32(name.encode()))
        n = 1
        for d in shape:
            n *= d
        x = torch.tensor(values(r, n), dtype=getattr(torch, dtype)).reshape(shape)
        kwargs = dict(args)
        if "value_range" in kwargs:
            kwargs["value_range"] = tuple(kwargs["value_range"])
        grid = make_grid(x, **kwargs)
        buffer = io.BytesIO()
        save_image(x, buffer, format="png", **kwargs)
        image = Image.open(io.BytesIO(buffer.getvalue()))
        image.load()
        out.append({"name": name, "dtype": dtype, "args": args, "input": enc(x), "grid": enc(grid),
                    "png": {"mode": image.mode, "width": image.width, "height": image.height, "pixels": list(image.tobytes())}})
    with open(os.path.join(HERE, "images.json"), "w") as f:
        json.dump({"cases": out}, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(out)} cases")


if __name__ == "__main__":
    main()
