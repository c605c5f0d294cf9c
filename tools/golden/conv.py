#!/usr/bin/python3
"""Golden values for descent's convolution and pooling layers.

Run with Debian's PyTorch (python3-torch 1.13):  /usr/bin/python3 tools/golden/conv.py
Writes tests/golden/conv.json, read by tests/nn/conv_test.cpp.

Every case names a layer and its options (the C++ test builds the same layer from them), holds
its state_dict (PyTorch names, loaded with load_state_dict), the input, an upstream gradient,
and PyTorch's output (plus max-pooling indices), input gradient and parameter gradients for
loss = sum(output * upstream). Inputs, parameters and upstream gradients are multiples of 1/256,
so float32 and float64 hold them exactly; PyTorch computes in float64 and the test compares
descent in float32 (1e-5 relative) and float64 (tight) against these values.
"""
import json
import pathlib

import torch
import torch.nn as nn

torch.manual_seed(20261127)
DT = torch.float64
OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "conv.json"


def dyadic(*shape, scale=1.0):
    """Normal values rounded to multiples of 1/256 (exact in float32 and float64)."""
    return torch.round(torch.randn(*shape, dtype=DT) * scale * 256) / 256


def enc(t, digits=12):
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        data = [int(v) for v in t.reshape(-1).tolist()]
    else:
        data = [float("%.*g" % (digits, v)) for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": data}


def case(name, layer, options, module, x_shape):
    module = module.to(DT)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(dyadic(*p.shape, scale=0.5))
    x = dyadic(*x_shape).requires_grad_(True)
    indices = None
    if layer.startswith("MaxPool"):
        module.return_indices = True
        out, indices = module(x)
    else:
        out = module(x)
    upstream = dyadic(*out.shape)
    (out * upstream).sum().backward()
    c = {
        "name": name,
        "layer": layer,
        "options": options,
        "state": {k: enc(v) for k, v in module.state_dict().items()},
        "input": enc(x),
        "upstream": enc(upstream),
        "output": enc(out),
        "grad_input": enc(x.grad),
        "grads": {k: enc(p.grad) for k, p in module.named_parameters()},
    }
    if indices is not None:
        c["indices"] = enc(indices)
    return c


cases = [
    case("conv2d_basic", "Conv2d", {"in": 3, "out": 4, "kernel": [3, 3], "padding": [1, 1]},
         nn.Conv2d(3, 4, 3, padding=1), (2, 3, 6, 5)),
    case("conv2d_stride_dilation_groups", "Conv2d",
         {"in": 4, "out": 6, "kernel": [3, 2], "stride": [2, 1], "padding": [1, 2], "dilation": [1, 2], "groups": 2},
         nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2), (2, 4, 7, 6)),
    case("conv2d_same_nobias", "Conv2d",
         {"in": 2, "out": 3, "kernel": [4, 3], "padding": "same", "dilation": [1, 2], "bias": False},
         nn.Conv2d(2, 3, (4, 3), padding="same", dilation=(1, 2), bias=False), (1, 2, 5, 6)),
    case("conv2d_depthwise", "Conv2d", {"in": 3, "out": 3, "kernel": [3, 3], "stride": [2, 2], "padding": [1, 1],
                                        "groups": 3},
         nn.Conv2d(3, 3, 3, stride=2, padding=1, groups=3), (2, 3, 7, 7)),
    case("conv2d_pointwise", "Conv2d", {"in": 5, "out": 3, "kernel": [1, 1]}, nn.Conv2d(5, 3, 1), (2, 5, 3, 4)),
    case("conv1d_stride_padding", "Conv1d", {"in": 3, "out": 5, "kernel": [3], "stride": [2], "padding": [1]},
         nn.Conv1d(3, 5, 3, stride=2, padding=1), (2, 3, 9)),
    case("conv1d_same_groups_dilation", "Conv1d",
         {"in": 4, "out": 2, "kernel": [4], "padding": "same", "dilation": [2], "groups": 2},
         nn.Conv1d(4, 2, 4, padding="same", dilation=2, groups=2), (2, 4, 8)),
    case("conv_transpose2d_output_padding_groups", "ConvTranspose2d",
         {"in": 4, "out": 6, "kernel": [3, 3], "stride": [2, 2], "padding": [1, 1], "output_padding": [1, 1],
          "groups": 2},
         nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), (2, 4, 3, 4)),
    case("conv_transpose2d_dilation_nobias", "ConvTranspose2d",
         {"in": 3, "out": 2, "kernel": [2, 3], "stride": [1, 2], "padding": [0, 1], "dilation": [2, 1],
          "bias": False},
         nn.ConvTranspose2d(3, 2, (2, 3), stride=(1, 2), padding=(0, 1), dilation=(2, 1), bias=False), (1, 3, 4, 3)),
    case("max_pool2d_ceil_padding", "MaxPool2d", {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1],
                                                  "ceil_mode": True},
         nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 7, 6)),
    case("max_pool2d_dilation", "MaxPool2d", {"kernel": [2, 2], "stride": [1, 2], "dilation": [2, 1]},
         nn.MaxPool2d(2, stride=(1, 2), dilation=(2, 1)), (1, 2, 6, 7)),
    case("max_pool1d", "MaxPool1d", {"kernel": [3], "stride": [2], "padding": [1]},
         nn.MaxPool1d(3, stride=2, padding=1), (2, 3, 9)),
    case("avg_pool2d_ceil_exclude_pad", "AvgPool2d", {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1],
                                                      "ceil_mode": True, "count_include_pad": False},
         nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 3, 7, 6)),
    case("avg_pool2d_divisor_override", "AvgPool2d", {"kernel": [2, 3], "stride": [1, 2], "padding": [1, 1],
                                                      "divisor_override": 4},
         nn.AvgPool2d((2, 3), stride=(1, 2), padding=1, divisor_override=4), (1, 2, 5, 6)),
    case("avg_pool1d_ceil_include_pad", "AvgPool1d", {"kernel": [3], "stride": [2], "padding": [1],
                                                      "ceil_mode": True},
         nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 8)),
    case("adaptive_avg_pool2d", "AdaptiveAvgPool2d", {"output_size": [3, 2]},
         nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    case("adaptive_avg_pool1d", "AdaptiveAvgPool1d", {"output_size": [4]}, nn.AdaptiveAvgPool1d(4), (2, 3, 10)),
]

doc = {
    "generator": "tools/golden/conv.py",
    "torch_version": torch.__version__,
    "cases": cases,
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")
