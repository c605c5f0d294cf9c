#!/usr/bin/python3
"""Golden values for descent's normalisation, embedding and recurrent layers.

Run with Debian's PyTorch (python3-torch 1.13):  /usr/bin/python3 tools/golden/norm_rnn.py
Writes tests/golden/norm_rnn.json, read by tests/nn/{norm,embedding,rnn}_test.cpp.

Every case holds the layer's options, its state_dict (PyTorch names, loaded into the descent
module with load_state_dict), the inputs, an upstream gradient per output, and PyTorch's outputs,
input gradients and parameter gradients for loss = sum_k sum(output_k * upstream_k).
Inputs, states and upstream gradients are multiples of 1/256, so float32 and float64 hold them
exactly; PyTorch computes in float64, and the tests compare both descent float32 (1e-5
relative) and float64 (tight) against these values.
"""
import json
import pathlib

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(20240611)
DT = torch.float64
OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "norm_rnn.json"


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


def randomise(module, positive=()):
    """Dyadic parameter and buffer values (positive ones for variances)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(dyadic(*p.shape, scale=0.5))
        for name, b in module.named_buffers():
            if b.dtype.is_floating_point:
                v = dyadic(*b.shape, scale=0.5)
                b.copy_(v.abs() + 0.5 if name in positive else v)


def run_case(module, inputs, forward, train=True):
    """inputs: name -> tensor (float ones get gradients). forward(module, inputs) -> dict of outputs."""
    module.train(train)
    state = {k: enc(v) for k, v in module.state_dict().items()}
    for v in inputs.values():
        if v.dtype.is_floating_point:
            v.requires_grad_(True)
    outputs = forward(module, inputs)
    upstream = {k: dyadic(*v.shape) for k, v in outputs.items()}
    loss = sum((outputs[k] * upstream[k]).sum() for k in outputs)
    loss.backward()
    grads = {k: enc(v.grad) for k, v in inputs.items() if v.dtype.is_floating_point and v.grad is not None}
    for name, p in module.named_parameters():
        if p.grad is not None:
            grads[name] = enc(p.grad)
    return {
        "train": train,
        "state": state,
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "upstream": {k: enc(v) for k, v in upstream.items()},
        "outputs": {k: enc(v) for k, v in outputs.items()},
        "grads": grads,
        "state_after": {k: enc(v) for k, v in module.state_dict().items()},
    }


def one(m, i):
    return {"output": m(i["input"])}


def bag(m, i):
    return {"output": m(i["input"], i.get("offsets"), per_sample_weights=i.get("per_sample_weights"))}


def rnn_fwd(m, i):
    if "lengths" in i:
        batch_first = m.batch_first
        packed = pack_padded_sequence(i["input"], i["lengths"], batch_first=batch_first, enforce_sorted=False)
        hx = i.get("h0")
        if isinstance(m, nn.LSTM):
            hx = (i["h0"], i["c0"]) if "h0" in i else None
        out, state = m(packed, hx)
        total = i["input"].shape[1 if batch_first else 0]
        out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=total)
    else:
        hx = i.get("h0")
        if isinstance(m, nn.LSTM):
            hx = (i["h0"], i["c0"]) if "h0" in i else None
        out, state = m(i["input"], hx)
    if isinstance(m, nn.LSTM):
        return {"output": out, "h_n": state[0], "c_n": state[1]}
    return {"output": out, "h_n": state}


cases = {}

# ---- batch norm ----
m = nn.BatchNorm1d(3).to(DT)
randomise(m, positive=("running_var",))
cases["batchnorm1d_train"] = dict(options={"num_features": 3, "momentum": 0.1},
                                  **run_case(m, {"input": dyadic(4, 3)}, one))

m = nn.BatchNorm1d(3, eps=1e-3).to(DT)
randomise(m, positive=("running_var",))
cases["batchnorm1d_eval_3d"] = dict(options={"num_features": 3, "eps": 1e-3},
                                    **run_case(m, {"input": dyadic(2, 3, 4)}, one, train=False))

# momentum None (cumulative average): the recorded pass is the second one.
m = nn.BatchNorm2d(3, momentum=None).to(DT)
randomise(m, positive=("running_var",))
with torch.no_grad():
    m.num_batches_tracked.fill_(1)
cases["batchnorm2d_train_cumulative"] = dict(options={"num_features": 3, "momentum": None},
                                             **run_case(m, {"input": dyadic(2, 3, 2, 2)}, one))

m = nn.BatchNorm2d(2, affine=False).to(DT)
randomise(m, positive=("running_var",))
cases["batchnorm2d_no_affine_train"] = dict(options={"num_features": 2, "affine": False},
                                            **run_case(m, {"input": dyadic(3, 2, 2, 1)}, one))

# ---- layer / group norm ----
m = nn.LayerNorm([3, 4]).to(DT)
randomise(m)
cases["layernorm"] = dict(options={"normalized_shape": [3, 4]}, **run_case(m, {"input": dyadic(2, 3, 4)}, one))

m = nn.GroupNorm(2, 4).to(DT)
randomise(m)
cases["groupnorm"] = dict(options={"num_groups": 2, "num_channels": 4}, **run_case(m, {"input": dyadic(2, 4, 3)}, one))

# ---- embeddings ----
m = nn.Embedding(6, 3, padding_idx=1).to(DT)
randomise(m)
cases["embedding_padding"] = dict(options={"num_embeddings": 6, "embedding_dim": 3, "padding_idx": 1},
                                  **run_case(m, {"input": torch.tensor([[1, 2, 5], [0, 1, 2]])}, one))

m = nn.Embedding(5, 3, max_norm=1.0).to(DT)
randomise(m)
with torch.no_grad():
    m.weight.mul_(3)
cases["embedding_max_norm"] = dict(options={"num_embeddings": 5, "embedding_dim": 3, "max_norm": 1.0},
                                   **run_case(m, {"input": torch.tensor([4, 0, 4, 2])}, one))

m = nn.EmbeddingBag(6, 3, mode="sum", padding_idx=0).to(DT)
randomise(m)
cases["embeddingbag_sum"] = dict(
    options={"num_embeddings": 6, "embedding_dim": 3, "mode": "sum", "padding_idx": 0},
    **run_case(m, {"input": torch.tensor([1, 0, 5, 5, 2, 3, 4]), "offsets": torch.tensor([0, 3, 3, 5]),
                   "per_sample_weights": dyadic(7)}, bag))

m = nn.EmbeddingBag(6, 3, mode="mean", padding_idx=0).to(DT)
randomise(m)
cases["embeddingbag_mean_2d"] = dict(
    options={"num_embeddings": 6, "embedding_dim": 3, "mode": "mean", "padding_idx": 0},
    **run_case(m, {"input": torch.tensor([[1, 2, 0], [3, 3, 4], [0, 0, 5]])}, bag))

# ---- recurrent ----
m = nn.RNN(3, 4, num_layers=2).to(DT)
randomise(m)
cases["rnn_tanh_2layer"] = dict(options={"input_size": 3, "hidden_size": 4, "num_layers": 2},
                                **run_case(m, {"input": dyadic(5, 2, 3), "h0": dyadic(2, 2, 4)}, rnn_fwd))

m = nn.RNN(3, 4, nonlinearity="relu", bidirectional=True, batch_first=True).to(DT)
randomise(m)
cases["rnn_relu_bidirectional"] = dict(
    options={"input_size": 3, "hidden_size": 4, "nonlinearity": "relu", "bidirectional": True, "batch_first": True},
    **run_case(m, {"input": dyadic(2, 5, 3)}, rnn_fwd))

m = nn.LSTM(3, 3, num_layers=2, bidirectional=True).to(DT)
randomise(m)
cases["lstm_bidirectional_2layer"] = dict(
    options={"input_size": 3, "hidden_size": 3, "num_layers": 2, "bidirectional": True},
    **run_case(m, {"input": dyadic(4, 2, 3), "h0": dyadic(4, 2, 3), "c0": dyadic(4, 2, 3)}, rnn_fwd))

m = nn.LSTM(2, 3, bidirectional=True, batch_first=True).to(DT)
randomise(m)
cases["lstm_lengths"] = dict(
    options={"input_size": 2, "hidden_size": 3, "bidirectional": True, "batch_first": True},
    **run_case(m, {"input": dyadic(3, 5, 2), "lengths": torch.tensor([5, 2, 4])}, rnn_fwd))

m = nn.GRU(3, 4, num_layers=2).to(DT)
randomise(m)
cases["gru_2layer"] = dict(options={"input_size": 3, "hidden_size": 4, "num_layers": 2},
                           **run_case(m, {"input": dyadic(5, 2, 3), "h0": dyadic(2, 2, 4)}, rnn_fwd))

m = nn.GRU(2, 3, bidirectional=True).to(DT)
randomise(m)
cases["gru_lengths_bidirectional"] = dict(
    options={"input_size": 2, "hidden_size": 3, "bidirectional": True},
    **run_case(m, {"input": dyadic(4, 3, 2), "h0": dyadic(2, 3, 3), "lengths": torch.tensor([3, 4, 1])}, rnn_fwd))

doc = {
    "generator": "tools/golden/norm_rnn.py",
    "torch": torch.__version__,
    "note": "computed in float64; loss = sum over outputs of sum(output * upstream)",
    "cases": cases,
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")
