#!/usr/bin/python3
"""Writes tests/golden/torch_written.safetensors: PyTorch tensors in the safetensors layout,
written from Python without the safetensors package (8-byte little-endian header length, JSON
header, raw little-endian data), so descent's reader is checked against bytes it did not write.

Run with Debian's python3-torch:  /usr/bin/python3 tools/golden/safetensors_file.py
"""
import json
import os
import struct

import torch

tensors = {
    # Values are simple formulas so the C++ test can recompute them.
    "linear.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5,
    "linear.bias": torch.tensor([-1.5, 2.25], dtype=torch.float32),
    "double": torch.arange(4, dtype=torch.float64).reshape(2, 2) / 3,
    "steps": torch.tensor(7, dtype=torch.int64),
    "ints": torch.tensor([1, -2, 3], dtype=torch.int32),
    "bytes": torch.tensor([0, 127, 255], dtype=torch.uint8),
    "mask": torch.tensor([True, False, True]),
    "empty": torch.zeros(0, 3, dtype=torch.float32),
}
dtypes = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.int32: "I32",
          torch.uint8: "U8", torch.bool: "BOOL"}

header, blobs, offset = {"__metadata__": {"format": "pt", "writer": "torch " + torch.__version__}}, [], 0
for name, t in tensors.items():
    raw = t.contiguous().numpy().tobytes()  # little-endian on x86
    header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
text = json.dumps(header).encode()
text += b" " * ((8 - len(text) % 8) % 8)
out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "golden", "torch_written.safetensors")
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for b in blobs:
        f.write(b)
print("wrote", os.path.normpath(out))
