// Audio DSP with torchaudio 0.13's formulas. Plain loops (no thread pool): these run on DataLoader
// workers. kissfft configurations hold scratch buffers, so each call allocates its own.
#include "descent/data/audio_features.h"

#include <kiss_fft.h>
#include <kiss_fftr.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numbers>
#include <numeric>
#include <vector>

#include "descent/core/error.h"
#include "descent/data/formats/audio.h"
#include "descent/ops/ops.h"

namespace descent::data {
namespace {

constexpr double kPi = std::numbers::pi;

// A floating tensor [..., N] as rows of N values, read as double.
class Rows {
 public:
  Rows(const Tensor& x, const char* fn) {
    DESCENT_CHECK(x.defined(), fn, ": the waveform is undefined");
    DESCENT_CHECK(x.dtype() == kFloat32 || x.dtype() == kFloat64, fn,
                  ": expected a float32 or float64 waveform [..., N], got dtype ", x.dtype(), " shape ", x.sizes());
    DESCENT_CHECK(x.dim() >= 1, fn, ": expected a waveform [..., N], got a 0-d tensor");
    t_ = x.is_contiguous() ? x : x.contiguous();
    n_ = x.size(-1);
    rows_ = n_ > 0 ? x.numel() / n_ : 1;
    for (int64_t d = 0; d + 1 < x.dim(); ++d) lead_.push_back(x.size(d));
    if (n_ == 0) rows_ = shape_numel(lead_);
    f64_ = x.dtype() == kFloat64;
  }
  int64_t rows() const { return rows_; }
  int64_t n() const { return n_; }
  const Shape& lead() const { return lead_; }
  double at(int64_t r, int64_t i) const {
    const size_t k = size_t(r * n_ + i);
    return f64_ ? t_.data_ptr<double>()[k] : double(t_.data_ptr<float>()[k]);
  }
  /// The leading dims followed by `tail`.
  Shape shape_with(std::initializer_list<int64_t> tail) const {
    Shape s = lead_;
    for (int64_t v : tail) s.push_back(v);
    return s;
  }

 private:
  Tensor t_;
  int64_t n_ = 0, rows_ = 0;
  Shape lead_;
  bool f64_ = false;
};

// Kernel value of torchaudio's sinc resampler for phase p and tap k.
struct SincKernel {
  int64_t orig, neu, width, lw;
  double base, scale, beta, i0_beta;
  ResampleWindow window;
  double operator()(int64_t p, int64_t k) const {
    double t = (double(k - width) / double(orig) - double(p) / double(neu)) * base;
    t = std::clamp(t, -double(lw), double(lw));
    double w;
    if (window == ResampleWindow::Hann) {
      const double c = std::cos(t * kPi / double(lw) / 2.0);
      w = c * c;
    } else {
      const double u = t / double(lw);
      w = std::cyl_bessel_i(0.0, beta * std::sqrt(std::max(0.0, 1.0 - u * u))) / i0_beta;
    }
    const double pt = t * kPi;
    const double sinc = pt == 0.0 ? 1.0 : std::sin(pt) / pt;
    return sinc * w * scale;
  }
};

// The n_fft-long analysis window: `win_length` samples centred, zeros around.
std::vector<double> padded_window(const SpectrogramOptions& o) {
  const int64_t n_fft = o.n_fft_, wl = o.resolved_win_length();
  const Tensor w = window_function(o.window_, wl);
  std::vector<double> full(size_t(n_fft), 0.0);
  const int64_t left = (n_fft - wl) / 2;
  const double* p = w.data_ptr<double>();
  for (int64_t i = 0; i < wl; ++i) full[size_t(left + i)] = p[i];
  return full;
}

struct FreeDeleter {
  void operator()(void* p) const { KISS_FFT_FREE(p); }
};

// |STFT|^power of every row into out [rows, F, T] (double), with T frames.
std::vector<double> stft_power(const Rows& x, const SpectrogramOptions& o, int64_t* frames_out, const char* fn) {
  o.validate();
  const int64_t n_fft = o.n_fft_, hop = o.resolved_hop_length(), pad = o.pad_;
  const int64_t len = x.n() + 2 * pad;
  const int64_t cpad = o.center_ ? n_fft / 2 : 0;
  if (o.center_ && o.pad_mode_ == PadMode::Reflect)
    DESCENT_CHECK(cpad < len, fn, ": center=true with reflect padding needs more than n_fft / 2 = ", cpad,
                  " samples, got ", len, " (", x.n(), " + 2 x pad ", pad, "); use a shorter n_fft or pad the signal");
  const int64_t total = len + 2 * cpad;
  DESCENT_CHECK(total >= n_fft, fn, ": the signal of ", x.n(), " samples (", total,
                " after padding) is shorter than n_fft = ", n_fft);
  const int64_t frames = 1 + (total - n_fft) / hop;
  const int64_t F = n_fft / 2 + 1;
  *frames_out = frames;
  const std::vector<double> window = padded_window(o);
  double norm = 1.0;
  if (o.normalized_) {
    double s = 0;
    for (double v : window) s += v * v;
    norm = 1.0 / std::sqrt(s);
  }
  const bool real_fft = n_fft % 2 == 0;
  void* raw_cfg = real_fft ? static_cast<void*>(kiss_fftr_alloc(int(n_fft), 0, nullptr, nullptr))
                           : static_cast<void*>(kiss_fft_alloc(int(n_fft), 0, nullptr, nullptr));
  std::unique_ptr<void, FreeDeleter> cfg(raw_cfg);
  DESCENT_CHECK(cfg != nullptr, fn, ": cannot allocate an FFT of size ", n_fft);
  std::vector<double> out(size_t(x.rows() * F * frames));
  std::vector<float> sig(static_cast<size_t>(total));
  std::vector<kiss_fft_scalar> rbuf(static_cast<size_t>(n_fft));
  std::vector<kiss_fft_cpx> cin(static_cast<size_t>(n_fft)), cout(static_cast<size_t>(n_fft));
  for (int64_t r = 0; r < x.rows(); ++r) {
    // The signal with `pad` zeros each side, then the centre padding.
    auto padded = [&](int64_t i) -> double {  // index into the pad-extended signal, 0 <= i < len
      const int64_t k = i - pad;
      return (k >= 0 && k < x.n()) ? x.at(r, k) : 0.0;
    };
    for (int64_t i = 0; i < total; ++i) {
      int64_t j = i - cpad;
      double v;
      if (j >= 0 && j < len) v = padded(j);
      else if (o.pad_mode_ == PadMode::Constant) v = 0.0;
      else v = padded(j < 0 ? -j : 2 * (len - 1) - j);  // reflect without repeating the edge
      sig[size_t(i)] = float(v);
    }
    double* dst = out.data() + size_t(r * F * frames);
    for (int64_t t = 0; t < frames; ++t) {
      const float* s = sig.data() + size_t(t * hop);
      if (real_fft) {
        for (int64_t k = 0; k < n_fft; ++k) rbuf[size_t(k)] = float(double(s[k]) * window[size_t(k)]);
        kiss_fftr(static_cast<kiss_fftr_cfg>(cfg.get()), rbuf.data(), cout.data());
      } else {
        for (int64_t k = 0; k < n_fft; ++k) {
          cin[size_t(k)].r = float(double(s[k]) * window[size_t(k)]);
          cin[size_t(k)].i = 0.0f;
        }
        kiss_fft(static_cast<kiss_fft_cfg>(cfg.get()), cin.data(), cout.data());
      }
      for (int64_t f = 0; f < F; ++f) {
        const double re = double(cout[size_t(f)].r) * norm, im = double(cout[size_t(f)].i) * norm;
        const double p2 = re * re + im * im;
        double v;
        if (o.power_ == 2.0) v = p2;
        else if (o.power_ == 1.0) v = std::sqrt(p2);
        else v = std::pow(std::sqrt(p2), o.power_);
        dst[f * frames + t] = v;
      }
    }
  }
  return out;
}

Tensor to_float_tensor(const std::vector<double>& v, const Shape& shape) {
  Tensor out = empty(shape, kFloat32);
  float* p = out.data_ptr<float>();
  for (size_t i = 0; i < v.size(); ++i) p[i] = float(v[i]);
  return out;
}

std::vector<double> fbanks_values(int64_t n_freqs, double f_min, double f_max, int64_t n_mels, int64_t sample_rate,
                                  MelNorm norm, MelScale scale) {
  DESCENT_CHECK(n_freqs >= 1, "melscale_fbanks: n_freqs must be >= 1, got ", n_freqs);
  DESCENT_CHECK(n_mels >= 1, "melscale_fbanks: n_mels must be >= 1, got ", n_mels);
  DESCENT_CHECK(sample_rate > 0, "melscale_fbanks: sample_rate must be > 0, got ", sample_rate);
  DESCENT_CHECK(std::isfinite(f_min) && std::isfinite(f_max) && f_min >= 0 && f_min < f_max,
                "melscale_fbanks: need 0 <= f_min < f_max, got f_min = ", f_min, ", f_max = ", f_max);
  auto linspace = [](double a, double b, int64_t n, int64_t i) {
    return n == 1 ? a : a + (b - a) * double(i) / double(n - 1);
  };
  const double nyq = double(sample_rate / 2);
  const double m_min = hz_to_mel(f_min, scale), m_max = hz_to_mel(f_max, scale);
  std::vector<double> f_pts(size_t(n_mels + 2));
  for (int64_t i = 0; i < n_mels + 2; ++i) f_pts[size_t(i)] = mel_to_hz(linspace(m_min, m_max, n_mels + 2, i), scale);
  std::vector<double> fb(size_t(n_freqs * n_mels));
  for (int64_t f = 0; f < n_freqs; ++f) {
    const double hz = linspace(0.0, nyq, n_freqs, f);
    for (int64_t m = 0; m < n_mels; ++m) {
      const double lo = f_pts[size_t(m)], mid = f_pts[size_t(m + 1)], hi = f_pts[size_t(m + 2)];
      const double down = (hz - lo) / (mid - lo), up = (hi - hz) / (hi - mid);
      double v = std::max(0.0, std::min(down, up));
      if (norm == MelNorm::Slaney) v *= 2.0 / (hi - lo);
      fb[size_t(f * n_mels + m)] = v;
    }
  }
  return fb;
}

// mel[r, m, t] = sum_f fb[f, m] spec[r, f, t].
std::vector<double> apply_fbanks(const std::vector<double>& spec, int64_t rows, int64_t F, int64_t T,
                                 const std::vector<double>& fb, int64_t n_mels) {
  std::vector<double> mel(size_t(rows * n_mels * T), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t f = 0; f < F; ++f) {
      const double* s = spec.data() + size_t((r * F + f) * T);
      for (int64_t m = 0; m < n_mels; ++m) {
        const double w = fb[size_t(f * n_mels + m)];
        if (w == 0.0) continue;
        double* d = mel.data() + size_t((r * n_mels + m) * T);
        for (int64_t t = 0; t < T; ++t) d[t] += w * s[t];
      }
    }
  return mel;
}

// In-place decibels with torchaudio's top_db grouping (per item of the dims before the last three).
void to_db(std::vector<double>& x, const Shape& shape, double multiplier, double amin, std::optional<double> top_db) {
  for (double& v : x) v = multiplier * std::log10(std::max(v, amin));
  if (!top_db || x.empty()) return;
  size_t group = x.size();
  if (shape.size() > 3) group = size_t(shape[shape.size() - 1] * shape[shape.size() - 2] * shape[shape.size() - 3]);
  if (group == 0) return;
  for (size_t g = 0; g < x.size(); g += group) {
    const double mx = *std::max_element(x.begin() + long(g), x.begin() + long(g + group));
    const double floor = mx - *top_db;
    for (size_t i = g; i < g + group; ++i) x[i] = std::max(x[i], floor);
  }
}

std::vector<double> dct_values(int64_t n_mfcc, int64_t n_mels, bool ortho) {
  DESCENT_CHECK(n_mels >= 1 && n_mfcc >= 1, "create_dct: n_mfcc and n_mels must be >= 1, got ", n_mfcc, " and ",
                n_mels);
  std::vector<double> d(size_t(n_mels * n_mfcc));  // [n_mels, n_mfcc]
  for (int64_t n = 0; n < n_mels; ++n)
    for (int64_t k = 0; k < n_mfcc; ++k) {
      double v = std::cos(kPi / double(n_mels) * (double(n) + 0.5) * double(k));
      if (ortho) {
        if (k == 0) v *= 1.0 / std::sqrt(2.0);
        v *= std::sqrt(2.0 / double(n_mels));
      } else {
        v *= 2.0;
      }
      d[size_t(n * n_mfcc + k)] = v;
    }
  return d;
}

Tensor mfcc_impl(const Tensor& waveform, const MFCCOptions& o, const std::vector<double>& fb,
                 const std::vector<double>& dct) {
  const Rows x(waveform, "MFCC");
  const int64_t F = o.mel_.stft_.n_fft_ / 2 + 1, M = o.mel_.n_mels_, K = o.n_mfcc_;
  int64_t T = 0;
  const std::vector<double> spec = stft_power(x, o.mel_.stft_, &T, "MFCC");
  std::vector<double> mel = apply_fbanks(spec, x.rows(), F, T, fb, M);
  if (o.log_mels_) {
    for (double& v : mel) v = std::log(v + 1e-6);
  } else {
    to_db(mel, x.shape_with({M, T}), 10.0, 1e-10, 80.0);
  }
  std::vector<double> out(size_t(x.rows() * K * T), 0.0);
  for (int64_t r = 0; r < x.rows(); ++r)
    for (int64_t m = 0; m < M; ++m) {
      const double* s = mel.data() + size_t((r * M + m) * T);
      for (int64_t k = 0; k < K; ++k) {
        const double w = dct[size_t(m * K + k)];
        double* d = out.data() + size_t((r * K + k) * T);
        for (int64_t t = 0; t < T; ++t) d[t] += w * s[t];
      }
    }
  return to_float_tensor(out, x.shape_with({K, T}));
}

Tensor mel_impl(const Tensor& waveform, const MelSpectrogramOptions& o, const std::vector<double>& fb) {
  const Rows x(waveform, "MelSpectrogram");
  const int64_t F = o.stft_.n_fft_ / 2 + 1;
  int64_t T = 0;
  const std::vector<double> spec = stft_power(x, o.stft_, &T, "MelSpectrogram");
  return to_float_tensor(apply_fbanks(spec, x.rows(), F, T, fb, o.n_mels_), x.shape_with({o.n_mels_, T}));
}

std::vector<double> mel_fb(const MelSpectrogramOptions& o) {
  return fbanks_values(o.stft_.n_fft_ / 2 + 1, o.f_min_, o.resolved_f_max(), o.n_mels_, o.sample_rate_, o.norm_,
                       o.mel_scale_);
}

}  // namespace

// ---- resampling ----

Tensor resample(const Tensor& waveform, int64_t orig_freq, int64_t new_freq, const ResampleOptions& o) {
  DESCENT_CHECK(orig_freq > 0 && new_freq > 0, "resample: frequencies must be > 0, got orig_freq = ", orig_freq,
                ", new_freq = ", new_freq);
  DESCENT_CHECK(o.lowpass_filter_width_ > 0 && o.lowpass_filter_width_ <= 1024,
                "resample: lowpass_filter_width must be in 1..1024, got ", o.lowpass_filter_width_);
  DESCENT_CHECK(o.rolloff_ > 0 && o.rolloff_ <= 1, "resample: rolloff must be in (0, 1], got ", o.rolloff_);
  DESCENT_CHECK(o.window_ == ResampleWindow::Hann || (std::isfinite(o.beta_) && o.beta_ >= 0),
                "resample: Kaiser beta must be finite and >= 0, got ", o.beta_);
  const Rows x(waveform, "resample");
  if (orig_freq == new_freq) return waveform;
  const int64_t g = std::gcd(orig_freq, new_freq);
  const int64_t orig = orig_freq / g, neu = new_freq / g;
  const double base = double(std::min(orig, neu)) * o.rolloff_;
  const int64_t lw = o.lowpass_filter_width_;
  const int64_t width = int64_t(std::ceil(double(lw) * double(orig) / base));
  const int64_t taps = 2 * width + orig;
  const SincKernel kernel{orig, neu, width, lw, base, base / double(orig), o.beta_,
                          o.window_ == ResampleWindow::Kaiser ? std::cyl_bessel_i(0.0, o.beta_) : 1.0, o.window_};
  const int64_t n = x.n();
  const __int128 out_len128 = ((__int128)neu * n + orig - 1) / orig;
  DESCENT_CHECK(out_len128 <= kMaxAudioSamples, "resample: ", n, " samples at ", orig_freq, " -> ",
                new_freq, " Hz would give ", int64_t(out_len128), " samples, more than ",
                kMaxAudioSamples);
  const int64_t out_len = int64_t(out_len128);
  // The kernel is zero (to ~1e-17) outside |t| < width, so each phase only needs taps
  // [lo[p], hi[p]) of the 2 width + orig that torchaudio's conv1d runs over.
  std::vector<int64_t> lo(static_cast<size_t>(neu)), hi(static_cast<size_t>(neu));
  const double reach = double(lw) / base * double(orig);
  for (int64_t p = 0; p < neu; ++p) {
    const double centre = double(width) + double(orig) * double(p) / double(neu);
    lo[size_t(p)] = std::clamp<int64_t>(int64_t(std::floor(centre - reach)) - 1, 0, taps);
    hi[size_t(p)] = std::clamp<int64_t>(int64_t(std::ceil(centre + reach)) + 2, lo[size_t(p)], taps);
  }
  // The kernel values of every phase when that table is small; otherwise computed for each sample.
  int64_t table_size = 0;
  for (int64_t p = 0; p < neu; ++p) table_size += hi[size_t(p)] - lo[size_t(p)];
  const bool table = table_size <= (int64_t(1) << 22);
  std::vector<double> kt;
  std::vector<int64_t> row_at(size_t(neu) + 1, 0);
  if (table) {
    kt.resize(size_t(table_size));
    for (int64_t p = 0; p < neu; ++p) {
      row_at[size_t(p + 1)] = row_at[size_t(p)] + hi[size_t(p)] - lo[size_t(p)];
      for (int64_t k = lo[size_t(p)]; k < hi[size_t(p)]; ++k)
        kt[size_t(row_at[size_t(p)] + k - lo[size_t(p)])] = kernel(p, k);
    }
  }
  std::vector<double> krow(table ? 0 : size_t(taps));
  std::vector<double> row(static_cast<size_t>(n));
  Tensor out = empty(x.shape_with({out_len}), waveform.dtype());
  const bool f64 = waveform.dtype() == kFloat64;
  for (int64_t r = 0; r < x.rows(); ++r) {
    for (int64_t i = 0; i < n; ++i) row[size_t(i)] = x.at(r, i);
    for (int64_t j = 0; j < out_len; ++j) {
      const int64_t p = j % neu, b = j / neu;
      const int64_t plo = lo[size_t(p)], phi = hi[size_t(p)];
      const double* kp;  // kp[k - plo] is the kernel at tap k
      if (table) {
        kp = kt.data() + row_at[size_t(p)];
      } else {
        for (int64_t k = plo; k < phi; ++k) krow[size_t(k - plo)] = kernel(p, k);
        kp = krow.data();
      }
      // Tap k reads x[b * orig + k - width] (zero outside the signal).
      const int64_t start = b * orig - width;
      const int64_t k0 = std::max<int64_t>(plo, -start), k1 = std::min<int64_t>(phi, n - start);
      double acc = 0;
      for (int64_t k = k0; k < k1; ++k) acc += row[size_t(start + k)] * kp[k - plo];
      const size_t at = size_t(r * out_len + j);
      if (f64) out.data_ptr<double>()[at] = acc;
      else out.data_ptr<float>()[at] = float(acc);
    }
  }
  return out;
}

Tensor mix_down(const Tensor& waveform) {
  DESCENT_CHECK(waveform.defined() && waveform.dim() >= 2, "mix_down: expected a waveform [..., C, N], got ",
                waveform.defined() ? detail::str_cat("shape ", waveform.sizes()) : std::string("undefined"));
  DESCENT_CHECK(waveform.dtype() == kFloat32 || waveform.dtype() == kFloat64,
                "mix_down: expected a float32 or float64 waveform, got ", waveform.dtype());
  const int64_t C = waveform.size(-2), N = waveform.size(-1);
  DESCENT_CHECK(C >= 1, "mix_down: the waveform has no channels (shape ", waveform.sizes(), ")");
  const Rows x(waveform, "mix_down");
  Shape shape = waveform.sizes();
  shape[shape.size() - 2] = 1;
  Tensor out = empty(shape, waveform.dtype());
  const int64_t items = x.rows() / C;
  for (int64_t b = 0; b < items; ++b)
    for (int64_t i = 0; i < N; ++i) {
      double s = 0;
      for (int64_t c = 0; c < C; ++c) s += x.at(b * C + c, i);
      s /= double(C);
      if (waveform.dtype() == kFloat64) out.data_ptr<double>()[b * N + i] = s;
      else out.data_ptr<float>()[b * N + i] = float(s);
    }
  return out;
}

Tensor pad_or_trim(const Tensor& waveform, int64_t num_samples, int64_t offset) {
  DESCENT_CHECK(num_samples >= 0, "pad_or_trim: num_samples must be >= 0, got ", num_samples);
  DESCENT_CHECK(waveform.defined() && waveform.dim() >= 1, "pad_or_trim: expected a waveform [..., N]");
  const int64_t n = waveform.size(-1);
  if (n == num_samples) return waveform;
  offset = std::clamp<int64_t>(offset, 0, std::max<int64_t>(0, n - num_samples));
  const Tensor src = waveform.is_contiguous() ? waveform : waveform.contiguous();
  Shape shape = waveform.sizes();
  shape.back() = num_samples;
  Tensor out = zeros(shape, waveform.dtype());
  const int64_t rows = n > 0 ? src.numel() / n : 0;
  const int64_t keep = std::min(n, num_samples);
  const size_t es = src.element_size();
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(out.raw_data());
  for (int64_t r = 0; r < rows; ++r)
    if (keep > 0) std::memcpy(d + size_t(r * num_samples) * es, s + size_t(r * n + offset) * es, size_t(keep) * es);
  return out;
}

// ---- spectrograms ----

void SpectrogramOptions::validate() const {
  DESCENT_CHECK(n_fft_ >= 1 && n_fft_ <= (int64_t(1) << 20), "Spectrogram: n_fft must be in 1..2^20, got ", n_fft_);
  const int64_t wl = resolved_win_length();
  DESCENT_CHECK(wl >= 1 && wl <= n_fft_, "Spectrogram: win_length must be in 1..n_fft = ", n_fft_, ", got ",
                win_length_);
  DESCENT_CHECK(hop_length_ >= 0, "Spectrogram: hop_length must be >= 0 (0 = win_length / 2), got ", hop_length_);
  DESCENT_CHECK(resolved_hop_length() >= 1, "Spectrogram: hop_length resolves to 0 (win_length ", wl,
                " / 2); set hop_length");
  DESCENT_CHECK(pad_ >= 0, "Spectrogram: pad must be >= 0, got ", pad_);
  DESCENT_CHECK(std::isfinite(power_) && power_ > 0, "Spectrogram: power must be > 0, got ", power_);
}

Tensor window_function(WindowFn fn, int64_t length) {
  DESCENT_CHECK(length >= 1, "window_function: length must be >= 1, got ", length);
  Tensor w = empty({length}, kFloat64);
  double* p = w.data_ptr<double>();
  for (int64_t n = 0; n < length; ++n) {
    const double c = std::cos(2.0 * kPi * double(n) / double(length));
    switch (fn) {
      case WindowFn::Hann: p[n] = 0.5 - 0.5 * c; break;
      case WindowFn::Hamming: p[n] = 0.54 - 0.46 * c; break;
      case WindowFn::Rectangular: p[n] = 1.0; break;
    }
  }
  if (length == 1) p[0] = 1.0;  // torch: a window of length 1 is [1]
  return w;
}

Tensor spectrogram(const Tensor& waveform, const SpectrogramOptions& options) {
  const Rows x(waveform, "Spectrogram");
  int64_t T = 0;
  const std::vector<double> spec = stft_power(x, options, &T, "Spectrogram");
  return to_float_tensor(spec, x.shape_with({options.n_fft_ / 2 + 1, T}));
}

double hz_to_mel(double hz, MelScale scale) {
  if (scale == MelScale::Htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
  const double logstep = std::log(6.4) / 27.0;
  if (hz >= min_log_hz) return min_log_mel + std::log(hz / min_log_hz) / logstep;
  return hz / f_sp;
}

double mel_to_hz(double mel, MelScale scale) {
  if (scale == MelScale::Htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
  const double logstep = std::log(6.4) / 27.0;
  if (mel >= min_log_mel) return min_log_hz * std::exp(logstep * (mel - min_log_mel));
  return f_sp * mel;
}

Tensor melscale_fbanks(int64_t n_freqs, double f_min, double f_max, int64_t n_mels, int64_t sample_rate,
                       MelNorm norm, MelScale mel_scale) {
  return to_float_tensor(fbanks_values(n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale),
                         {n_freqs, n_mels});
}

void MelSpectrogramOptions::validate() const {
  stft_.validate();
  DESCENT_CHECK(sample_rate_ > 0, "MelSpectrogram: sample_rate must be > 0, got ", sample_rate_);
  DESCENT_CHECK(n_mels_ >= 1, "MelSpectrogram: n_mels must be >= 1, got ", n_mels_);
  DESCENT_CHECK(f_min_ >= 0 && f_min_ < resolved_f_max(), "MelSpectrogram: need 0 <= f_min < f_max, got f_min = ",
                f_min_, ", f_max = ", resolved_f_max());
}

Tensor mel_spectrogram(const Tensor& waveform, const MelSpectrogramOptions& options) {
  options.validate();
  return mel_impl(waveform, options, mel_fb(options));
}

Tensor amplitude_to_db(const Tensor& x, double multiplier, double amin, std::optional<double> top_db) {
  DESCENT_CHECK(amin > 0, "amplitude_to_db: amin must be > 0, got ", amin);
  DESCENT_CHECK(!top_db || (std::isfinite(*top_db) && *top_db >= 0), "amplitude_to_db: top_db must be >= 0, got ",
                top_db ? *top_db : 0.0);
  DESCENT_CHECK(x.defined() && (x.dtype() == kFloat32 || x.dtype() == kFloat64),
                "amplitude_to_db: expected a float32 or float64 spectrogram, got ",
                x.defined() ? detail::str_cat("dtype ", x.dtype()) : std::string("undefined"));
  const Tensor c = x.is_contiguous() ? x : x.contiguous();
  std::vector<double> v(size_t(c.numel()));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = c.dtype() == kFloat64 ? c.data_ptr<double>()[i] : double(c.data_ptr<float>()[i]);
  to_db(v, x.sizes(), multiplier, amin, top_db);
  return to_float_tensor(v, x.sizes());
}

Tensor create_dct(int64_t n_mfcc, int64_t n_mels, bool ortho) {
  return to_float_tensor(dct_values(n_mfcc, n_mels, ortho), {n_mels, n_mfcc});
}

void MFCCOptions::validate() const {
  mel_.validate();
  DESCENT_CHECK(n_mfcc_ >= 1 && n_mfcc_ <= mel_.n_mels_, "MFCC: n_mfcc must be in 1..n_mels = ", mel_.n_mels_,
                ", got ", n_mfcc_);
}

Tensor mfcc(const Tensor& waveform, const MFCCOptions& options) {
  options.validate();
  return mfcc_impl(waveform, options, mel_fb(options.mel_),
                   dct_values(options.n_mfcc_, options.mel_.n_mels_, options.ortho_));
}

// ---- transforms ----

Resample::Resample(int64_t orig_freq, int64_t new_freq, ResampleOptions options)
    : orig_(orig_freq), new_(new_freq), options_(options) {
  DESCENT_CHECK(orig_ > 0 && new_ > 0, "Resample: frequencies must be > 0, got ", orig_, " -> ", new_);
}
Tensor Resample::apply(const Tensor& x, SampleRng&) const { return resample(x, orig_, new_, options_); }

Tensor MixDown::apply(const Tensor& x, SampleRng&) const { return mix_down(x); }

PadOrTrim::PadOrTrim(int64_t num_samples, bool random_crop) : n_(num_samples), random_(random_crop) {
  DESCENT_CHECK(n_ >= 1, "PadOrTrim: num_samples must be >= 1, got ", n_);
}
Tensor PadOrTrim::apply(const Tensor& x, SampleRng& rng) const {
  DESCENT_CHECK(x.defined() && x.dim() >= 1, "PadOrTrim: expected a waveform [..., N]");
  const int64_t n = x.size(-1);
  const int64_t offset = (random_ && n > n_) ? rng.randint(0, n - n_ + 1) : 0;
  return pad_or_trim(x, n_, offset);
}

Spectrogram::Spectrogram(SpectrogramOptions options) : options_(options) { options_.validate(); }
Tensor Spectrogram::apply(const Tensor& x, SampleRng&) const { return spectrogram(x, options_); }

MelSpectrogram::MelSpectrogram(MelSpectrogramOptions options) : options_(options) {
  options_.validate();
  fb_values_ = mel_fb(options_);
  fb_ = to_float_tensor(fb_values_, {options_.stft_.n_fft_ / 2 + 1, options_.n_mels_});
}
Tensor MelSpectrogram::apply(const Tensor& x, SampleRng&) const { return mel_impl(x, options_, fb_values_); }

AmplitudeToDB::AmplitudeToDB(SpectrumType stype, std::optional<double> top_db)
    : multiplier_(stype == SpectrumType::Power ? 10.0 : 20.0), top_db_(top_db) {
  DESCENT_CHECK(!top_db || (std::isfinite(*top_db) && *top_db >= 0), "AmplitudeToDB: top_db must be >= 0, got ",
                top_db ? *top_db : 0.0);
}
Tensor AmplitudeToDB::apply(const Tensor& x, SampleRng&) const {
  return amplitude_to_db(x, multiplier_, 1e-10, top_db_);
}

MFCC::MFCC(MFCCOptions options) : options_(options) {
  options_.validate();
  fb_values_ = mel_fb(options_.mel_);
  dct_values_ = dct_values(options_.n_mfcc_, options_.mel_.n_mels_, options_.ortho_);
}
Tensor MFCC::apply(const Tensor& x, SampleRng&) const { return mfcc_impl(x, options_, fb_values_, dct_values_); }

}  // namespace descent::data
