#!/usr/bin/python3
"""Golden values for descent's audio features (include/descent/data/audio_features.h).

Run with Debian's PyTorch (python3-torch 1.13):  /usr/bin/python3 tools/golden/audio.py
Writes tests/golden/audio.json, read by tests/data_formats/audio_features_test.cpp.

torchaudio is not packaged in Debian, so this script restates torchaudio 0.13's definitions with
plain torch, in float64: functional.spectrogram (torch.stft, periodic windows, centre padding,
normalized="window", power), functional.melscale_fbanks (HTK and Slaney mel scales, Slaney area
normalisation), MelSpectrogram, functional.amplitude_to_DB (top_db over the last three dims),
functional.create_dct (DCT-II, ortho or none), MFCC (dB with top_db 80 or log(mel + 1e-6)), and
functional.resample (sinc_interp_hann / sinc_interp_kaiser kernels applied with conv1d).
Inputs are float32 values (stored exactly); descent computes its FFT in float32, so the test
compares to these float64 references at 1e-4 (relative to each output's scale).
"""
import json
import math
import pathlib

import torch
import torch.nn.functional as F

DT = torch.float64
OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "audio.json"


def enc(t, digits=9):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float("%.*g" % (digits, v)) for v in t.reshape(-1).tolist()]}


# ---- inputs: float32 signals ----

def signals():
    g = torch.Generator().manual_seed(20261127)
    sr = 16000
    n = 1200
    t = torch.arange(n, dtype=DT) / sr
    noise = torch.randn(2, n, generator=g, dtype=DT)
    a = 0.5 * torch.sin(2 * math.pi * 440 * t) + 0.2 * torch.sin(2 * math.pi * 3100 * t + 0.3) + 0.05 * noise[0]
    chirp = 0.4 * torch.sin(2 * math.pi * (200 * t + 0.5 * 12000 * t * t))
    b = chirp + 0.05 * noise[1]
    stereo = torch.stack([a, b]).float().double()
    return {"stereo": stereo, "short": stereo[0, :301].clone(), "pair": stereo[:, 300:900].clone()}


# ---- torchaudio's formulas ----

def window_fn(name, length):
    if name == "hann":
        return torch.hann_window(length, dtype=DT)
    if name == "hamming":
        return torch.hamming_window(length, dtype=DT)
    return torch.ones(length, dtype=DT)


def spectrogram(x, n_fft=400, win_length=None, hop_length=None, pad=0, window="hann", power=2.0,
                normalized=False, center=True, pad_mode="reflect"):
    win_length = win_length or n_fft
    hop_length = hop_length or win_length // 2
    w = window_fn(window, win_length)
    if pad > 0:
        x = F.pad(x, (pad, pad), "constant")
    shape = x.size()
    x = x.reshape(-1, shape[-1])
    spec = torch.stft(x, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=w, center=center,
                      pad_mode=pad_mode, normalized=False, onesided=True, return_complex=True)
    spec = spec.reshape(shape[:-1] + spec.shape[-2:])
    if normalized:
        spec = spec / w.pow(2.0).sum().sqrt()
    if power == 1.0:
        return spec.abs()
    return spec.abs().pow(power)


def hz_to_mel(freq, mel_scale):
    if mel_scale == "htk":
        return 2595.0 * math.log10(1.0 + freq / 700.0)
    f_sp = 200.0 / 3
    mels = freq / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    if freq >= min_log_hz:
        mels = min_log_mel + math.log(freq / min_log_hz) / logstep
    return mels


def mel_to_hz(mels, mel_scale):
    if mel_scale == "htk":
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    freqs = f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    log_t = mels >= min_log_mel
    freqs[log_t] = min_log_hz * torch.exp(logstep * (mels[log_t] - min_log_mel))
    return freqs


def melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm=None, mel_scale="htk"):
    all_freqs = torch.linspace(0, sample_rate // 2, n_freqs, dtype=DT)
    m_min = hz_to_mel(f_min, mel_scale)
    m_max = hz_to_mel(f_max, mel_scale)
    m_pts = torch.linspace(m_min, m_max, n_mels + 2, dtype=DT)
    f_pts = mel_to_hz(m_pts, mel_scale)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = (-1.0 * slopes[:, :-2]) / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    fb = torch.max(torch.zeros(1, dtype=DT), torch.min(down, up))
    if norm == "slaney":
        enorm = 2.0 / (f_pts[2:n_mels + 2] - f_pts[:n_mels])
        fb *= enorm.unsqueeze(0)
    return fb


def mel_spectrogram(x, sample_rate=16000, f_min=0.0, f_max=None, n_mels=128, norm=None, mel_scale="htk", **stft):
    spec = spectrogram(x, **stft)
    n_fft = stft.get("n_fft", 400)
    fb = melscale_fbanks(n_fft // 2 + 1, f_min, f_max if f_max is not None else float(sample_rate // 2), n_mels,
                         sample_rate, norm, mel_scale)
    return torch.matmul(spec.transpose(-1, -2), fb).transpose(-1, -2)


def amplitude_to_db(x, multiplier, amin=1e-10, db_multiplier=0.0, top_db=None):
    x_db = multiplier * torch.log10(torch.clamp(x, min=amin))
    x_db -= multiplier * db_multiplier
    if top_db is not None:
        shape = x_db.size()
        packed_channels = shape[-3] if x_db.dim() > 2 else 1
        x_db = x_db.reshape(-1, packed_channels, shape[-2], shape[-1])
        x_db = torch.max(x_db, (x_db.amax(dim=(-3, -2, -1)) - top_db).view(-1, 1, 1, 1))
        x_db = x_db.reshape(shape)
    return x_db


def create_dct(n_mfcc, n_mels, norm):
    n = torch.arange(float(n_mels), dtype=DT)
    k = torch.arange(float(n_mfcc), dtype=DT).unsqueeze(1)
    dct = torch.cos(math.pi / float(n_mels) * (n + 0.5) * k)
    if norm is None:
        dct *= 2.0
    else:
        dct[0] *= 1.0 / math.sqrt(2.0)
        dct *= math.sqrt(2.0 / float(n_mels))
    return dct.t()


def mfcc(x, n_mfcc=40, norm="ortho", log_mels=False, **mel):
    m = mel_spectrogram(x, **mel)
    if log_mels:
        m = torch.log(m + 1e-6)
    else:
        m = amplitude_to_db(m, 10.0, top_db=80.0)
    dct = create_dct(n_mfcc, mel.get("n_mels", 128), norm)
    return torch.matmul(m.transpose(-1, -2), dct).transpose(-1, -2)


def resample(x, orig_freq, new_freq, lowpass_filter_width=6, rolloff=0.99, method="sinc_interp_hann",
             beta=14.769656459379492):
    gcd = math.gcd(orig_freq, new_freq)
    orig = orig_freq // gcd
    new = new_freq // gcd
    base_freq = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base_freq)
    idx = torch.arange(-width, width + orig, dtype=DT)[None, None] / orig
    t = torch.arange(0, -new, -1, dtype=DT)[:, None, None] / new + idx
    t *= base_freq
    t = t.clamp_(-lowpass_filter_width, lowpass_filter_width)
    if method == "sinc_interp_hann":
        window = torch.cos(t * math.pi / lowpass_filter_width / 2) ** 2
    else:
        beta_t = torch.tensor(float(beta), dtype=DT)
        window = torch.i0(beta_t * torch.sqrt(1 - (t / lowpass_filter_width) ** 2)) / torch.i0(beta_t)
    t *= math.pi
    scale = base_freq / orig
    kernels = torch.where(t == 0, torch.tensor(1.0, dtype=DT), t.sin() / t)
    kernels *= window * scale
    shape = x.size()
    x = x.reshape(-1, shape[-1])
    n = x.shape[-1]
    xp = F.pad(x, (width, width + orig))
    y = F.conv1d(xp[:, None], kernels, stride=orig)
    y = y.transpose(1, 2).reshape(x.shape[0], -1)
    target = int(math.ceil(new * n / orig))
    return y[..., :target].reshape(shape[:-1] + (target,))


# ---- cases ----

def main():
    sig = signals()
    cases = []

    def add(op, input_name, params, out):
        cases.append({"op": op, "input": input_name, "params": params, "output": enc(out)})

    for p in [
        {},
        {"n_fft": 512, "win_length": 400, "hop_length": 160, "power": 1.0, "normalized": True},
        {"n_fft": 255, "hop_length": 64, "pad": 10, "center": True, "window": "hamming"},
        {"n_fft": 256, "hop_length": 128, "center": False, "power": 2.0},
        {"n_fft": 128, "hop_length": 50, "pad_mode": "constant", "power": 1.5},
    ]:
        add("spectrogram", "stereo", p, spectrogram(sig["stereo"], **p))
    add("spectrogram", "short", {"n_fft": 64, "hop_length": 16, "window": "rect"},
        spectrogram(sig["short"], n_fft=64, hop_length=16, window="rect"))

    for p in [
        {"n_freqs": 201, "f_min": 0.0, "f_max": 8000.0, "n_mels": 40, "sample_rate": 16000, "norm": None,
         "mel_scale": "htk"},
        {"n_freqs": 257, "f_min": 50.0, "f_max": 7600.0, "n_mels": 64, "sample_rate": 16000, "norm": "slaney",
         "mel_scale": "slaney"},
        {"n_freqs": 257, "f_min": 20.0, "f_max": 11025.0, "n_mels": 48, "sample_rate": 22050, "norm": None,
         "mel_scale": "slaney"},
        {"n_freqs": 201, "f_min": 300.0, "f_max": 9000.0, "n_mels": 23, "sample_rate": 16000, "norm": "slaney",
         "mel_scale": "htk"},
    ]:
        add("fbanks", None, p, melscale_fbanks(**p))

    mel_cases = [
        {"sample_rate": 16000, "n_fft": 400, "n_mels": 40},
        {"sample_rate": 16000, "n_fft": 512, "win_length": 400, "hop_length": 160, "f_min": 20.0, "f_max": 7600.0,
         "n_mels": 64, "norm": "slaney", "mel_scale": "slaney"},
        {"sample_rate": 16000, "n_fft": 256, "hop_length": 100, "n_mels": 32, "power": 1.0, "center": False},
    ]
    for p in mel_cases:
        add("mel", "stereo", p, mel_spectrogram(sig["stereo"], **p))

    spec_in = spectrogram(sig["stereo"], n_fft=256, hop_length=128)
    cases.append({"op": "db_input", "input": None, "params": {}, "output": enc(spec_in, 12)})
    add("db", "db_input", {"multiplier": 10.0, "top_db": 80.0}, amplitude_to_db(spec_in, 10.0, top_db=80.0))
    add("db", "db_input", {"multiplier": 20.0, "top_db": None}, amplitude_to_db(spec_in.sqrt(), 20.0))
    add("db", "db_input", {"multiplier": 10.0, "top_db": 40.0}, amplitude_to_db(spec_in, 10.0, top_db=40.0))

    for n_mfcc, n_mels, norm in [(13, 40, "ortho"), (20, 20, None), (40, 128, "ortho")]:
        add("dct", None, {"n_mfcc": n_mfcc, "n_mels": n_mels, "norm": norm}, create_dct(n_mfcc, n_mels, norm))

    for p in [
        {"n_mfcc": 13, "sample_rate": 16000, "n_fft": 400, "n_mels": 40},
        {"n_mfcc": 20, "sample_rate": 16000, "n_fft": 512, "hop_length": 160, "n_mels": 40, "log_mels": True},
        {"n_mfcc": 12, "sample_rate": 16000, "n_fft": 256, "n_mels": 24, "norm": None, "mel_scale": "slaney"},
    ]:
        add("mfcc", "stereo", p, mfcc(sig["stereo"], **p))

    for p in [
        {"orig_freq": 16000, "new_freq": 8000},
        {"orig_freq": 16000, "new_freq": 44100},
        {"orig_freq": 16000, "new_freq": 22050, "method": "sinc_interp_kaiser", "lowpass_filter_width": 16,
         "rolloff": 0.95},
        {"orig_freq": 16000, "new_freq": 11025, "lowpass_filter_width": 4, "rolloff": 0.9},
        {"orig_freq": 16000, "new_freq": 12000, "method": "sinc_interp_kaiser", "beta": 8.0},
    ]:
        add("resample", "pair", p, resample(sig["pair"], **p))

    inputs = {k: enc(v, 9) for k, v in sig.items()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "inputs": inputs, "cases": cases}, f, separators=(",", ":"))
    print("wrote", OUT, "with", len(cases), "cases")


if __name__ == "__main__":
    main()
