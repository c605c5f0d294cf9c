#pragma once
// Audio signal processing and features, with torchaudio 0.13's definitions (torchaudio.functional and
// torchaudio.transforms): resample, spectrogram, melscale_fbanks, MelSpectrogram, AmplitudeToDB, MFCC;
// plus mixing down and padding/cropping to a fixed length.
//
// Waveforms are floating [..., N] tensors (usually [C, N] from read_audio); features keep the leading
// dims: a spectrogram of [C, N] is [C, n_fft / 2 + 1, T]. Results are float32. The FFT is kissfft in
// float32 (as Debian builds it); windows, filter banks and DCT matrices are computed in float64.
// Every function here is safe to call from several threads at once (DataLoader workers).
#include <cstdint>
#include <optional>
#include <vector>

#include "descent/core/tensor.h"
#include "descent/data/transforms.h"

namespace descent::data {

// ---- resampling ----

/// The window of the resampling filter's sinc.
enum class ResampleWindow { Hann, Kaiser };

/// The band-limited sinc interpolation of torchaudio.functional.resample. The defaults are torchaudio's
/// (Hann, width 6, rolloff 0.99); kaiser_best() and kaiser_fast() are the sharper presets its docs
/// give (after resampy/librosa). Measured on sines (16 -> 8 kHz; "Nyquist" is the lower rate's):
///   default:      flat within 0.15 dB up to 0.75 x Nyquist (-0.5 dB at 0.8, -3 dB at 0.92); aliases of
///                 tones above Nyquist are 14 dB down at 1.1 x, 28 dB at 1.2 x, at least 45 dB beyond 1.25 x.
///   kaiser_fast:  flat within 0.15 dB up to 0.75 x (-22 dB at 0.92); aliases at least 80 dB down beyond 1.02 x.
///   kaiser_best:  flat within 0.05 dB up to 0.9 x (-3 dB at 0.935); aliases at least 140 dB down beyond 1.02 x.
struct ResampleOptions {
  /// Zero crossings of the sinc on each side (sharper cut-off and more work when larger).
  ResampleOptions& lowpass_filter_width(int64_t v) { lowpass_filter_width_ = v; return *this; }
  /// Cut-off as a fraction of the lower Nyquist frequency (< 1 leaves room for the transition band).
  ResampleOptions& rolloff(double v) { rolloff_ = v; return *this; }
  /// Hann (torchaudio's "sinc_interp_hann") or Kaiser ("sinc_interp_kaiser").
  ResampleOptions& window(ResampleWindow v) { window_ = v; return *this; }
  /// Kaiser's beta.
  ResampleOptions& beta(double v) { beta_ = v; return *this; }

  /// Kaiser, width 64, rolloff 0.9475937167399596, beta 14.769656459379492 (about 135 taps per output sample).
  static ResampleOptions kaiser_best() {
    return ResampleOptions().window(ResampleWindow::Kaiser).lowpass_filter_width(64).rolloff(0.9475937167399596)
        .beta(14.769656459379492);
  }
  /// Kaiser, width 16, rolloff 0.85, beta 8.555504641634386 (about 38 taps per output sample).
  static ResampleOptions kaiser_fast() {
    return ResampleOptions().window(ResampleWindow::Kaiser).lowpass_filter_width(16).rolloff(0.85)
        .beta(8.555504641634386);
  }

  int64_t lowpass_filter_width_ = 6;
  double rolloff_ = 0.99;
  ResampleWindow window_ = ResampleWindow::Hann;
  double beta_ = 14.769656459379492;
};

/// Resamples the last dim from orig_freq to new_freq Hz (torchaudio.functional.resample): the rates
/// are reduced by their gcd to orig/new, and output sample j (of ceil(N * new / orig)) is
///   y[j] = sum_i x[i] k(i / orig - j / new),   k(t) = r sinc(r t) w(r t / width),   r = rolloff min(orig, new),
/// with x zero outside the signal and w the Hann (cos^2(pi u / 2)) or Kaiser (I0(beta sqrt(1 - u^2)) / I0(beta))
/// window, cut at |u| = 1. Only the taps inside the window are summed; the kernel values are tabulated
/// per output phase when the table is small (at most 4 Mi values) and computed per sample otherwise,
/// so coprime rates cost time, not memory. float32 or float64 in, the same dtype out (sums in float64).
Tensor resample(const Tensor& waveform, int64_t orig_freq, int64_t new_freq, const ResampleOptions& options = {});

/// The mean of the channels: [C, N] -> [1, N] (and [..., C, N] -> [..., 1, N]).
Tensor mix_down(const Tensor& waveform);

/// The last dim made exactly num_samples long: samples [offset, offset + num_samples) when longer
/// (offset clamped to fit), zeros appended when shorter.
Tensor pad_or_trim(const Tensor& waveform, int64_t num_samples, int64_t offset = 0);

// ---- spectrograms ----

/// Window functions (periodic, as torch.hann_window / torch.hamming_window).
enum class WindowFn { Hann, Hamming, Rectangular };
/// How center=true pads the signal (torch.stft's pad_mode).
enum class PadMode { Reflect, Constant };

/// torchaudio.transforms.Spectrogram's parameters (with its defaults).
struct SpectrogramOptions {
  /// FFT size; n_fft / 2 + 1 frequency bins.
  SpectrogramOptions& n_fft(int64_t v) { n_fft_ = v; return *this; }
  /// Window length (<= n_fft, zero-padded on both sides to n_fft); 0 = n_fft.
  SpectrogramOptions& win_length(int64_t v) { win_length_ = v; return *this; }
  /// Samples between frames; 0 = win_length / 2.
  SpectrogramOptions& hop_length(int64_t v) { hop_length_ = v; return *this; }
  /// Zeros added on both sides of the signal first.
  SpectrogramOptions& pad(int64_t v) { pad_ = v; return *this; }
  SpectrogramOptions& window(WindowFn v) { window_ = v; return *this; }
  /// |X|^power (1: magnitude, 2: power); > 0.
  SpectrogramOptions& power(double v) { power_ = v; return *this; }
  /// Divide X by sqrt(sum of window^2) (torchaudio normalized=True / "window").
  SpectrogramOptions& normalized(bool v) { normalized_ = v; return *this; }
  /// Pad n_fft / 2 samples on both sides so that frame t is centred on sample t * hop_length.
  SpectrogramOptions& center(bool v) { center_ = v; return *this; }
  SpectrogramOptions& pad_mode(PadMode v) { pad_mode_ = v; return *this; }

  int64_t n_fft_ = 400;
  int64_t win_length_ = 0;
  int64_t hop_length_ = 0;
  int64_t pad_ = 0;
  WindowFn window_ = WindowFn::Hann;
  double power_ = 2.0;
  bool normalized_ = false;
  bool center_ = true;
  PadMode pad_mode_ = PadMode::Reflect;

  /// win_length with 0 resolved.
  int64_t resolved_win_length() const { return win_length_ > 0 ? win_length_ : n_fft_; }
  /// hop_length with 0 resolved.
  int64_t resolved_hop_length() const { return hop_length_ > 0 ? hop_length_ : resolved_win_length() / 2; }
  /// Throws descent::Error on an invalid combination.
  void validate() const;
};

/// The window of `length` samples (periodic: Hann w[n] = 0.5 - 0.5 cos(2 pi n / length)), float64.
Tensor window_function(WindowFn fn, int64_t length);

/// |STFT(x)|^power of the last dim: [..., N] -> [..., n_fft / 2 + 1, T] float32 with
/// T = 1 + (N + 2 pad + (center ? 2 (n_fft / 2) : 0) - n_fft) / hop_length
/// (torchaudio.functional.spectrogram with torch.stft, onesided).
Tensor spectrogram(const Tensor& waveform, const SpectrogramOptions& options = {});

/// Mel scales: HTK m = 2595 log10(1 + f / 700); Slaney linear below 1 kHz (f / (200/3)) and
/// logarithmic above (15 + 27 ln(f / 1000) / ln(6.4)).
enum class MelScale { Htk, Slaney };
/// Filter normalisation: None (peak 1) or Slaney (each filter scaled by 2 / (its bandwidth in Hz)).
enum class MelNorm { None, Slaney };

double hz_to_mel(double hz, MelScale scale = MelScale::Htk);
double mel_to_hz(double mel, MelScale scale = MelScale::Htk);

/// Triangular mel filters [n_freqs, n_mels] float32 (torchaudio.functional.melscale_fbanks): bins at
/// linspace(0, sample_rate // 2, n_freqs), n_mels + 2 points equally spaced in mel between f_min and f_max.
Tensor melscale_fbanks(int64_t n_freqs, double f_min, double f_max, int64_t n_mels, int64_t sample_rate,
                       MelNorm norm = MelNorm::None, MelScale mel_scale = MelScale::Htk);

/// torchaudio.transforms.MelSpectrogram's parameters (with its defaults).
struct MelSpectrogramOptions {
  MelSpectrogramOptions& sample_rate(int64_t v) { sample_rate_ = v; return *this; }
  MelSpectrogramOptions& n_fft(int64_t v) { stft_.n_fft(v); return *this; }
  MelSpectrogramOptions& win_length(int64_t v) { stft_.win_length(v); return *this; }
  MelSpectrogramOptions& hop_length(int64_t v) { stft_.hop_length(v); return *this; }
  MelSpectrogramOptions& pad(int64_t v) { stft_.pad(v); return *this; }
  MelSpectrogramOptions& window(WindowFn v) { stft_.window(v); return *this; }
  MelSpectrogramOptions& power(double v) { stft_.power(v); return *this; }
  MelSpectrogramOptions& normalized(bool v) { stft_.normalized(v); return *this; }
  MelSpectrogramOptions& center(bool v) { stft_.center(v); return *this; }
  MelSpectrogramOptions& pad_mode(PadMode v) { stft_.pad_mode(v); return *this; }
  /// Lowest filter edge in Hz.
  MelSpectrogramOptions& f_min(double v) { f_min_ = v; return *this; }
  /// Highest filter edge in Hz; unset = sample_rate // 2.
  MelSpectrogramOptions& f_max(double v) { f_max_ = v; return *this; }
  MelSpectrogramOptions& n_mels(int64_t v) { n_mels_ = v; return *this; }
  MelSpectrogramOptions& norm(MelNorm v) { norm_ = v; return *this; }
  MelSpectrogramOptions& mel_scale(MelScale v) { mel_scale_ = v; return *this; }
  /// All the spectrogram parameters at once.
  MelSpectrogramOptions& stft(const SpectrogramOptions& v) { stft_ = v; return *this; }

  int64_t sample_rate_ = 16000;
  SpectrogramOptions stft_;
  double f_min_ = 0.0;
  std::optional<double> f_max_;
  int64_t n_mels_ = 128;
  MelNorm norm_ = MelNorm::None;
  MelScale mel_scale_ = MelScale::Htk;

  double resolved_f_max() const { return f_max_ ? *f_max_ : double(sample_rate_ / 2); }
  void validate() const;
};

/// Mel spectrogram [..., N] -> [..., n_mels, T]: melscale_fbanks^T x spectrogram.
Tensor mel_spectrogram(const Tensor& waveform, const MelSpectrogramOptions& options = {});

/// Decibels (torchaudio.functional.amplitude_to_DB with ref 1): x_db = multiplier log10(max(x, amin)),
/// then with top_db, x_db = max(x_db, max(x_db) - top_db) where the max runs over the last three dims
/// (the whole tensor when it has at most three). multiplier 10 for power, 20 for magnitude.
Tensor amplitude_to_db(const Tensor& x, double multiplier = 10.0, double amin = 1e-10,
                       std::optional<double> top_db = std::nullopt);

/// DCT-II matrix [n_mels, n_mfcc] float32 (torchaudio.functional.create_dct): entry (n, k) =
/// cos(pi / n_mels (n + 0.5) k), times sqrt(2 / n_mels) (and 1 / sqrt(2) for k = 0) when ortho,
/// else times 2.
Tensor create_dct(int64_t n_mfcc, int64_t n_mels, bool ortho = true);

/// torchaudio.transforms.MFCC's parameters (with its defaults).
struct MFCCOptions {
  MFCCOptions& n_mfcc(int64_t v) { n_mfcc_ = v; return *this; }
  /// DCT-II normalisation: ortho (true) or none (false).
  MFCCOptions& ortho(bool v) { ortho_ = v; return *this; }
  /// Log-mels as log(mel + 1e-6) instead of decibels with top_db = 80.
  MFCCOptions& log_mels(bool v) { log_mels_ = v; return *this; }
  /// The mel spectrogram (sample rate, n_fft, hop, n_mels, ...).
  MFCCOptions& mel(const MelSpectrogramOptions& v) { mel_ = v; return *this; }

  int64_t n_mfcc_ = 40;
  bool ortho_ = true;
  bool log_mels_ = false;
  MelSpectrogramOptions mel_;
  void validate() const;
};

/// MFCCs [..., N] -> [..., n_mfcc, T]: DCT-II of the log (or dB) mel spectrogram.
Tensor mfcc(const Tensor& waveform, const MFCCOptions& options = {});

// ---- transforms (for MapDataset, Compose, AudioFolder) ----

/// resample() as a transform.
class Resample : public Transform {
 public:
  Resample(int64_t orig_freq, int64_t new_freq, ResampleOptions options = {});
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  int64_t orig_, new_;
  ResampleOptions options_;
};

/// mix_down() as a transform.
class MixDown : public Transform {
 public:
  Tensor apply(const Tensor& x, SampleRng& rng) const override;
};

/// Pads or trims the last dim to num_samples: from the start, or (random_crop) from an offset
/// uniform over the possible ones, drawn from the sample's SampleRng (for training).
class PadOrTrim : public Transform {
 public:
  explicit PadOrTrim(int64_t num_samples, bool random_crop = false);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  int64_t n_;
  bool random_;
};

/// spectrogram() as a transform (torchaudio.transforms.Spectrogram).
class Spectrogram : public Transform {
 public:
  explicit Spectrogram(SpectrogramOptions options = {});
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  SpectrogramOptions options_;
};

/// mel_spectrogram() as a transform, with its filter bank computed once.
class MelSpectrogram : public Transform {
 public:
  explicit MelSpectrogram(MelSpectrogramOptions options = {});
  Tensor apply(const Tensor& x, SampleRng& rng) const override;
  /// The filter bank [n_fft / 2 + 1, n_mels].
  const Tensor& fbanks() const { return fb_; }

 private:
  MelSpectrogramOptions options_;
  Tensor fb_;
  std::vector<double> fb_values_;  // float64 [n_freqs, n_mels]
};

/// Whether AmplitudeToDB's input is a power (x 10) or a magnitude (x 20).
enum class SpectrumType { Power, Magnitude };

/// amplitude_to_db() as a transform (torchaudio.transforms.AmplitudeToDB, amin 1e-10).
class AmplitudeToDB : public Transform {
 public:
  explicit AmplitudeToDB(SpectrumType stype = SpectrumType::Power, std::optional<double> top_db = std::nullopt);
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  double multiplier_;
  std::optional<double> top_db_;
};

/// mfcc() as a transform (torchaudio.transforms.MFCC), with its filter bank and DCT computed once.
class MFCC : public Transform {
 public:
  explicit MFCC(MFCCOptions options = {});
  Tensor apply(const Tensor& x, SampleRng& rng) const override;

 private:
  MFCCOptions options_;
  std::vector<double> fb_values_;   // float64 [n_freqs, n_mels]
  std::vector<double> dct_values_;  // float64 [n_mels, n_mfcc]
};

}  // namespace descent::data
