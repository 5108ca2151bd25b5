#!/usr/bin/env python3
"""Writes test/fixtures/python.safetensors with NumPy and the format's specification (an 8-byte
little-endian header length, a JSON header, raw little-endian data), as an independent writer
for gradnav's reader to be tested against. Run: /usr/bin/python3 scripts/safetensors_fixture.py"""
import json
import os
import struct

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
tensors = {
    "dense.weight": np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
    "dense.bias": np.array([-1.5, 2.25], dtype=np.float64),
    "steps": np.array([3], dtype=np.int32),
    "mask": np.array([True, False, True]),
}
codes = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int32): "I32", np.dtype(np.bool_): "BOOL"}
header = {"__metadata__": {"format": "pt", "written_by": "numpy"}}
data = b""
for name, arr in tensors.items():
    raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    header[name] = {"dtype": codes[arr.dtype], "shape": list(arr.shape), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
head = json.dumps(header).encode()
with open(os.path.join(ROOT, "test", "fixtures", "python.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head + data)
print("wrote test/fixtures/python.safetensors")
