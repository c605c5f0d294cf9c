#!/usr/bin/python3
"""Golden values for descent's builtin models (include/descent/models).

Run with Debian's PyTorch (python3-torch 1.13):  /usr/bin/python3 tools/golden/models.py
Writes tests/golden/models.json, read by tests/models/golden_test.cpp.

Each case builds, in PyTorch, the layers a descent model documents (same module names, so the
state_dict keys are the ones descent uses), randomises its parameters and BatchNorm running stats,
and records the options (the C++ test builds the descent model from them), the state_dict, an input
and PyTorch's outputs in eval mode and in train mode (batch statistics; the cases have no dropout).
Values are multiples of 1/256 where they are inputs; PyTorch computes in float64.
"""
import json
import pathlib

import torch
import torch.nn as nn

torch.manual_seed(20261127)
DT = torch.float64
OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "models.json"


def dyadic(*shape, scale=1.0):
    return torch.round(torch.randn(*shape, dtype=DT) * scale * 256) / 256


def enc(t, digits=15):
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        data = [int(v) for v in t.reshape(-1).tolist()]
    else:
        data = [float("%.*g" % (digits, v)) for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": data}


def randomise(module):
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(dyadic(*p.shape, scale=0.5))
        for m in module.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.copy_(dyadic(*m.running_mean.shape, scale=0.2))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, dtype=DT))
                m.num_batches_tracked.fill_(3)
    # Embedding padding rows are zero in both frameworks' init; keep them zero.
    for m in module.modules():
        if isinstance(m, (nn.Embedding, nn.EmbeddingBag)) and m.padding_idx is not None:
            with torch.no_grad():
                m.weight[m.padding_idx].zero_()


def case(name, model_name, options, module, x):
    module = module.to(DT)
    randomise(module)
    state = {k: enc(v) for k, v in module.state_dict().items()}
    module.eval()
    with torch.no_grad():
        y_eval = module(x)
    module.train()
    with torch.no_grad():
        y_train = module(x)
    return {"name": name, "model": model_name, "options": options, "state": state, "input": enc(x),
            "output_eval": enc(y_eval), "output_train": enc(y_train)}


ACTS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "leaky_relu": nn.LeakyReLU,
        "silu": nn.SiLU}


class MLP(nn.Module):
    def __init__(self, i, hidden, o, act, bn):
        super().__init__()
        layers = [nn.Flatten()]
        d = i
        for h in hidden:
            layers.append(nn.Linear(d, h))
            if bn:
                layers.append(nn.BatchNorm1d(h))
            layers.append(ACTS[act]())
            d = h
        layers.append(nn.Linear(d, o))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class CNN(nn.Module):
    def __init__(self, cin, k, h, w, channels, bn, double, hidden):
        super().__init__()
        f = []
        c = cin

        def cbr(a, b):
            f.append(nn.Conv2d(a, b, 3, padding=1, bias=not bn))
            if bn:
                f.append(nn.BatchNorm2d(b))
            f.append(nn.ReLU())

        for ch in channels:
            cbr(c, ch)
            if double:
                cbr(ch, ch)
            f.append(nn.MaxPool2d(2))
            c = ch
        self.features = nn.Sequential(*f)
        n = len(channels)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c * (h >> n) * (w >> n), hidden), nn.ReLU(),
                                        nn.Linear(hidden, k))

    def forward(self, x):
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    def __init__(self, i, o, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(i, o, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(o)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(o, o, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(o)
        self.downsample = None
        if stride != 1 or i != o:
            self.downsample = nn.Sequential(nn.Conv2d(i, o, 1, stride=stride, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (self.downsample(x) if self.downsample is not None else x))


class ResNetSmall(nn.Module):
    def __init__(self, cin, k, widths, blocks):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(cin, widths[0], 3, padding=1, bias=False), nn.BatchNorm2d(widths[0]),
                                  nn.ReLU())
        c = widths[0]
        self.n_stages = len(widths)
        for s, w in enumerate(widths):
            blks = []
            for b in range(blocks):
                blks.append(BasicBlock(c, w, 2 if (s > 0 and b == 0) else 1))
                c = w
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*blks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c, k)

    def forward(self, x):
        h = self.stem(x)
        for s in range(self.n_stages):
            h = getattr(self, "layer%d" % (s + 1))(h)
        return self.fc(self.flatten(self.avgpool(h)))


class AudioCNN(nn.Module):
    def __init__(self, cin, k, channels):
        super().__init__()
        f = []
        c = cin
        for ch in channels:
            f += [nn.Conv2d(c, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(), nn.MaxPool2d(2)]
            c = ch
        self.features = nn.Sequential(*f)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c, k)

    def forward(self, x):
        return self.fc(self.flatten(self.pool(self.features(x))))


class TextEmbeddingBag(nn.Module):
    def __init__(self, vocab, k, embed, pad):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab, embed, mode="mean", padding_idx=pad)
        self.fc = nn.Linear(embed, k)

    def forward(self, x):
        return self.fc(self.embedding(x))


class TextGRU(nn.Module):
    def __init__(self, vocab, k, embed, hidden, layers, bidir, pad):
        super().__init__()
        self.pad, self.layers, self.d, self.hidden = pad, layers, 2 if bidir else 1, hidden
        self.embedding = nn.Embedding(vocab, embed, padding_idx=pad)
        self.gru = nn.GRU(embed, hidden, num_layers=layers, bidirectional=bidir, batch_first=True)
        self.fc = nn.Linear(self.d * hidden, k)

    def forward(self, x):
        L = x.shape[1]
        pos = torch.arange(1, L + 1).expand_as(x)
        lengths = torch.where(x != self.pad, pos, torch.zeros_like(pos)).amax(1).clamp_min(1)
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(x), lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.gru(packed)
        h = h_n[(self.layers - 1) * self.d:].permute(1, 0, 2).reshape(x.shape[0], self.d * self.hidden)
        return self.fc(h)


def tokens(lengths, L, vocab, pad=0):
    x = torch.randint(1, vocab, (len(lengths), L))
    for i, n in enumerate(lengths):
        x[i, n:] = pad
    return x


cases = [
    case("mlp_bn_gelu", "mlp", {"in_features": 12, "hidden": [10, 7], "out_features": 3, "activation": "gelu",
                                "batch_norm": True},
         MLP(12, [10, 7], 3, "gelu", True), dyadic(5, 3, 4)),
    case("mlp_tanh", "mlp", {"in_features": 6, "hidden": [5], "out_features": 2, "activation": "tanh",
                             "batch_norm": False},
         MLP(6, [5], 2, "tanh", False), dyadic(4, 6)),
    case("cnn_bn_double", "cnn", {"in_channels": 2, "num_classes": 4, "height": 12, "width": 10, "channels": [3, 5],
                                  "batch_norm": True, "double_conv": True, "hidden": 6},
         CNN(2, 4, 12, 10, [3, 5], True, True, 6), dyadic(3, 2, 12, 10)),
    case("cnn_plain", "cnn", {"in_channels": 1, "num_classes": 3, "height": 9, "width": 8, "channels": [4],
                              "batch_norm": False, "double_conv": False, "hidden": 5},
         CNN(1, 3, 9, 8, [4], False, False, 5), dyadic(2, 1, 9, 8)),
    case("resnet_small", "resnet_small", {"in_channels": 2, "num_classes": 5, "widths": [3, 4, 6],
                                          "blocks_per_stage": 2},
         ResNetSmall(2, 5, [3, 4, 6], 2), dyadic(3, 2, 9, 7)),
    case("audio_cnn", "audio_cnn", {"in_channels": 1, "num_classes": 4, "channels": [3, 5]},
         AudioCNN(1, 4, [3, 5]), dyadic(2, 1, 10, 13)),
    case("text_embedding_bag", "text_embedding_bag", {"vocab_size": 20, "num_classes": 3, "embed_dim": 6,
                                                      "padding_idx": 0},
         TextEmbeddingBag(20, 3, 6, 0), tokens([4, 1, 6, 0], 6, 20)),
    case("text_gru_bi2", "text_gru", {"vocab_size": 20, "num_classes": 3, "embed_dim": 5, "hidden": 4,
                                      "num_layers": 2, "bidirectional": True, "padding_idx": 0},
         TextGRU(20, 3, 5, 4, 2, True, 0), tokens([4, 1, 7, 2], 7, 20)),
    case("text_gru_uni_pad3", "text_gru", {"vocab_size": 15, "num_classes": 2, "embed_dim": 4, "hidden": 3,
                                           "num_layers": 1, "bidirectional": False, "padding_idx": 3},
         TextGRU(15, 2, 4, 3, 1, False, 3), tokens([2, 5, 3], 5, 15, pad=3)),
]

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({"source": "tools/golden/models.py, PyTorch " + torch.__version__, "cases": cases}) + "\n")
print("wrote", OUT, len(cases), "cases")
