// Audio features against torchaudio's definitions (tools/golden/audio.py -> tests/golden/audio.json),
// resampling quality on sines, and the shaping helpers and transforms.
#include <cmath>
#include <map>
#include <set>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <thread>

#include "descent/data/audio_features.h"
#include "descent/data/dataloader.h"
#include "descent/data/transforms.h"
#include "formats_test_util.h"

using namespace descent;
using namespace descent::data;
using namespace formats_test;
using json = nlohmann::json;

namespace {

constexpr double kPi = std::numbers::pi;

const json& golden() {
  static const json j = [] {
    std::ifstream f(std::string(DESCENT_GOLDEN_DIR) + "/audio.json");
    EXPECT_TRUE(f.good()) << "missing tests/golden/audio.json (run tools/golden/audio.py)";
    return json::parse(f);
  }();
  return j;
}

Tensor tensor_of(const json& enc, DType dtype = kFloat32) {
  Shape shape;
  for (auto& s : enc["shape"]) shape.push_back(s.get<int64_t>());
  std::vector<double> data = enc["data"].get<std::vector<double>>();
  return from_vector(data, shape).to(dtype);
}

std::vector<double> as_doubles(const Tensor& t) { return t.to(kFloat64).contiguous().to_vector<double>(); }

// Largest |got - want| relative to the largest |want| (the output's scale).
double scaled_error(const Tensor& got, const Tensor& want) {
  EXPECT_EQ(got.sizes(), want.sizes());
  if (got.sizes() != want.sizes()) return INFINITY;
  const auto g = as_doubles(got), w = as_doubles(want);
  double scale = 0, err = 0;
  for (double v : w) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < g.size(); ++i) err = std::max(err, std::abs(g[i] - w[i]));
  return err / std::max(scale, 1e-30);
}

double max_abs_error(const Tensor& got, const Tensor& want) {
  EXPECT_EQ(got.sizes(), want.sizes());
  if (got.sizes() != want.sizes()) return INFINITY;
  const auto g = as_doubles(got), w = as_doubles(want);
  double err = 0;
  for (size_t i = 0; i < g.size(); ++i) err = std::max(err, std::abs(g[i] - w[i]));
  return err;
}

SpectrogramOptions stft_options(const json& p) {
  SpectrogramOptions o;
  if (p.contains("n_fft")) o.n_fft(p["n_fft"]);
  if (p.contains("win_length")) o.win_length(p["win_length"]);
  if (p.contains("hop_length")) o.hop_length(p["hop_length"]);
  if (p.contains("pad")) o.pad(p["pad"]);
  if (p.contains("power")) o.power(p["power"]);
  if (p.contains("normalized")) o.normalized(p["normalized"]);
  if (p.contains("center")) o.center(p["center"]);
  if (p.contains("pad_mode")) o.pad_mode(p["pad_mode"] == "reflect" ? PadMode::Reflect : PadMode::Constant);
  if (p.contains("window")) {
    const std::string w = p["window"];
    o.window(w == "hann" ? WindowFn::Hann : w == "hamming" ? WindowFn::Hamming : WindowFn::Rectangular);
  }
  return o;
}

MelScale mel_scale_of(const json& p) {
  return p.contains("mel_scale") && p["mel_scale"] == "slaney" ? MelScale::Slaney : MelScale::Htk;
}
MelNorm norm_of(const json& p) {
  return p.contains("norm") && p["norm"].is_string() && p["norm"] == "slaney" ? MelNorm::Slaney : MelNorm::None;
}

MelSpectrogramOptions mel_options(const json& p) {
  MelSpectrogramOptions o;
  o.stft(stft_options(p));
  if (p.contains("sample_rate")) o.sample_rate(p["sample_rate"]);
  if (p.contains("f_min")) o.f_min(p["f_min"]);
  if (p.contains("f_max")) o.f_max(p["f_max"]);
  if (p.contains("n_mels")) o.n_mels(p["n_mels"]);
  o.norm(norm_of(p)).mel_scale(mel_scale_of(p));
  return o;
}

// float32 sine [1, n] of frequency f at rate sr.
Tensor sine(double f, int64_t sr, int64_t n, double amp = 0.5) {
  Tensor t = empty({1, n}, kFloat32);
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) p[i] = float(amp * std::sin(2 * kPi * f * double(i) / double(sr)));
  return t;
}

// Amplitude and phase of frequency f in x[lo, hi) by least squares on sin/cos (x sampled at sr).
struct Tone {
  double amplitude;
  double residual_rms;
};
Tone fit_tone(const Tensor& x, double f, int64_t sr, int64_t lo, int64_t hi) {
  const auto v = as_doubles(x);
  double ss = 0, sc = 0, cc = 0, xs = 0, xc = 0;
  for (int64_t i = lo; i < hi; ++i) {
    const double s = std::sin(2 * kPi * f * double(i) / double(sr)), c = std::cos(2 * kPi * f * double(i) / double(sr));
    ss += s * s, sc += s * c, cc += c * c, xs += v[size_t(i)] * s, xc += v[size_t(i)] * c;
  }
  const double det = ss * cc - sc * sc;
  const double a = (xs * cc - xc * sc) / det, b = (xc * ss - xs * sc) / det;
  double res = 0;
  for (int64_t i = lo; i < hi; ++i) {
    const double s = std::sin(2 * kPi * f * double(i) / double(sr)), c = std::cos(2 * kPi * f * double(i) / double(sr));
    const double e = v[size_t(i)] - a * s - b * c;
    res += e * e;
  }
  return {std::hypot(a, b), std::sqrt(res / double(hi - lo))};
}

double rms(const Tensor& x, int64_t lo, int64_t hi) {
  const auto v = as_doubles(x);
  double s = 0;
  for (int64_t i = lo; i < hi; ++i) s += v[size_t(i)] * v[size_t(i)];
  return std::sqrt(s / double(hi - lo));
}

}  // namespace

// ---- golden values ----

TEST(AudioGolden, EveryCaseMatchesTorchaudioTo1e4) {
  const json& g = golden();
  std::map<std::string, Tensor> inputs;
  for (auto& [k, v] : g["inputs"].items()) inputs[k] = tensor_of(v);
  int checked = 0;
  std::map<std::string, double> worst;  // largest error per op, printed for the record
  auto note = [&](const std::string& op, double e) {
    worst[op] = std::max(worst[op], e);
    return e;
  };
  for (const json& c : g["cases"]) {
    const std::string op = c["op"];
    const json& p = c["params"];
    const Tensor want = tensor_of(c["output"], kFloat64);
    if (op == "db_input") {
      inputs["db_input"] = tensor_of(c["output"]);
      continue;
    }
    const Tensor x = c["input"].is_string() ? inputs.at(c["input"].get<std::string>()) : Tensor();
    SCOPED_TRACE(op + " " + p.dump());
    if (op == "spectrogram") {
      const Tensor got = spectrogram(x, stft_options(p));
      EXPECT_LE(note(op, scaled_error(got, want)), 1e-4);
      EXPECT_LE(scaled_error(Spectrogram(stft_options(p))(x), want), 1e-4);
    } else if (op == "fbanks") {
      const Tensor got = melscale_fbanks(p["n_freqs"], p["f_min"], p["f_max"], p["n_mels"], p["sample_rate"],
                                         norm_of(p), mel_scale_of(p));
      EXPECT_LE(note(op, max_abs_error(got, want)), 1e-6);
    } else if (op == "mel") {
      EXPECT_LE(note(op, scaled_error(mel_spectrogram(x, mel_options(p)), want)), 1e-4);
      EXPECT_LE(scaled_error(MelSpectrogram(mel_options(p))(x), want), 1e-4);
    } else if (op == "db") {
      const double mult = p["multiplier"];
      std::optional<double> top;
      if (!p["top_db"].is_null()) top = p["top_db"].get<double>();
      const Tensor in = mult == 20.0 ? inputs.at("db_input").sqrt() : inputs.at("db_input");
      EXPECT_LE(note(op, max_abs_error(amplitude_to_db(in, mult, 1e-10, top), want)), 1e-4);
      const SpectrumType stype = mult == 10.0 ? SpectrumType::Power : SpectrumType::Magnitude;
      EXPECT_LE(max_abs_error(AmplitudeToDB(stype, top)(in), want), 1e-4);
    } else if (op == "dct") {
      const bool ortho = p["norm"].is_string();
      EXPECT_LE(note(op, max_abs_error(create_dct(p["n_mfcc"], p["n_mels"], ortho), want)), 1e-6);
    } else if (op == "mfcc") {
      MFCCOptions o;
      o.n_mfcc(p["n_mfcc"]).mel(mel_options(p));
      if (p.contains("log_mels")) o.log_mels(p["log_mels"]);
      if (p.contains("norm") && p["norm"].is_null()) o.ortho(false);
      // MFCC's mel filter bank has no norm of its own here: "norm" is the DCT's.
      o.mel_.norm(MelNorm::None);
      const Tensor got = mfcc(x, o);
      const double scale = std::max(1.0, as_doubles(want.abs().max())[0]);
      EXPECT_LE(note(op, max_abs_error(got, want) / scale), 1e-4);
      EXPECT_LE(max_abs_error(MFCC(o)(x), want) / scale, 1e-4);
    } else if (op == "resample") {
      ResampleOptions o;
      if (p.contains("lowpass_filter_width")) o.lowpass_filter_width(p["lowpass_filter_width"]);
      if (p.contains("rolloff")) o.rolloff(p["rolloff"]);
      if (p.contains("method") && p["method"] == "sinc_interp_kaiser") o.window(ResampleWindow::Kaiser);
      if (p.contains("beta")) o.beta(p["beta"]);
      EXPECT_LE(note(op, max_abs_error(resample(x, p["orig_freq"], p["new_freq"], o), want)), 1e-5);
      EXPECT_LE(max_abs_error(resample(x.to(kFloat64), p["orig_freq"], p["new_freq"], o), want), 1e-6);
    } else {
      ADD_FAILURE() << "unknown golden op " << op;
      continue;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 27);
  for (auto& [op, e] : worst) std::cout << "  golden " << op << ": largest error " << e << "\n";
}

// ---- resampling on sines ----

TEST(Resample, SinesKeepFrequencyAndAmplitude) {
  struct Case {
    int64_t from, to;
    double f;
    ResampleOptions options;
  };
  const ResampleOptions best = ResampleOptions::kaiser_best();
  for (const Case& c : std::vector<Case>{{16000, 8000, 1000, {}},
                                         {16000, 8000, 2500, {}},
                                         {44100, 16000, 440, {}},
                                         {44100, 16000, 5000, {}},
                                         {8000, 44100, 1234, {}},
                                         {22050, 16000, 3000, {}},
                                         {16000, 16001, 2000, {}},
                                         {16000, 8000, 3500, best},
                                         {44100, 16000, 7000, best},
                                         {11025, 16000, 3000, ResampleOptions::kaiser_fast()}}) {
    SCOPED_TRACE(std::to_string(c.from) + " -> " + std::to_string(c.to) + " Hz, tone " + std::to_string(c.f));
    const int64_t n = c.from / 4;  // 0.25 s
    const Tensor y = resample(sine(c.f, c.from, n), c.from, c.to, c.options);
    const int64_t m = (n * c.to + c.from - 1) / c.from;
    ASSERT_EQ(y.sizes(), (Shape{1, m}));
    // Away from the edges, the output is the same tone at the new rate.
    const Tone t = fit_tone(y, c.f, c.to, m / 8, m - m / 8);
    EXPECT_NEAR(t.amplitude, 0.5, 1e-2);
    EXPECT_LT(t.residual_rms, 5e-3);
  }
}

TEST(Resample, AliasesAreSuppressedAsDocumented) {
  // 16 -> 8 kHz: tones above the new Nyquist frequency (4 kHz) must not fold back into the band.
  auto level_db = [](double f, const ResampleOptions& o) {
    const Tensor y = resample(sine(f, 16000, 8000), 16000, 8000, o);
    const int64_t m = y.size(1);
    return 20 * std::log10(rms(y, m / 8, m - m / 8) / (0.5 / std::sqrt(2.0)));
  };
  for (double f : {5200.0, 6000.0, 7200.0}) EXPECT_LT(level_db(f, {}), -44) << f << " Hz leaks (default)";
  EXPECT_LT(level_db(4400, {}), -14);
  EXPECT_LT(level_db(4800, {}), -28);
  for (double f : {4100.0, 4500.0, 6000.0}) {
    EXPECT_LT(level_db(f, ResampleOptions::kaiser_best()), -140) << f << " Hz leaks (kaiser_best)";
    EXPECT_LT(level_db(f, ResampleOptions::kaiser_fast()), -80) << f << " Hz leaks (kaiser_fast)";
  }
  // The pass band.
  for (double f : {100.0, 1000.0, 2500.0, 3000.0}) {
    EXPECT_LT(std::abs(level_db(f, {})), 0.15) << f << " Hz (default)";
    EXPECT_LT(std::abs(level_db(f, ResampleOptions::kaiser_fast())), 0.15) << f << " Hz (kaiser_fast)";
  }
  for (double f : {100.0, 2000.0, 3300.0, 3600.0})
    EXPECT_LT(std::abs(level_db(f, ResampleOptions::kaiser_best())), 0.05) << f << " Hz (kaiser_best)";
}

TEST(Resample, ShapesDtypesAndErrors) {
  const Tensor x = sine(440, 16000, 1000).repeat({2, 1}).reshape({1, 2, 1000});
  const Tensor y = resample(x, 16000, 8000);
  EXPECT_EQ(y.sizes(), (Shape{1, 2, 500}));
  EXPECT_EQ(y.dtype(), kFloat32);
  EXPECT_EQ(resample(x.to(kFloat64), 16000, 8000).dtype(), kFloat64);
  EXPECT_TRUE(resample(x, 16000, 16000).is_same(x));
  // Rates with no common factor use per-sample kernels (no big table); same values as the table path
  // would give, checked against a direct evaluation of one sample.
  const Tensor z = resample(sine(440, 16001, 400), 16001, 15999);
  EXPECT_EQ(z.size(1), (400 * 15999 + 16000) / 16001);
  EXPECT_NEAR(fit_tone(z, 440, 15999, 50, 350).amplitude, 0.5, 1e-2);
  expect_error([&] { resample(x, 0, 8000); }, {"resample", "frequencies"});
  expect_error([&] { resample(x, 16000, 8000, ResampleOptions().rolloff(0)); }, {"rolloff"});
  expect_error([&] { resample(x, 16000, 8000, ResampleOptions().lowpass_filter_width(0)); }, {"lowpass_filter_width"});
  expect_error([&] { resample(x.to(kInt64), 16000, 8000); }, {"float32 or float64", "int64"});
  expect_error([] { Resample(16000, -1); }, {"Resample"});
}

// ---- shaping ----

TEST(AudioShaping, MixDownPadOrTrim) {
  const Tensor x = from_vector(std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  EXPECT_EQ(mix_down(x).to_vector<float>(), (std::vector<float>{3, 4, 5, 6}));
  EXPECT_EQ(mix_down(x).sizes(), (Shape{1, 4}));
  EXPECT_EQ(MixDown()(x.reshape({1, 2, 4})).sizes(), (Shape{1, 1, 4}));
  expect_error([&] { mix_down(x.reshape({8})); }, {"mix_down", "[8]"});
  EXPECT_EQ(pad_or_trim(x, 6).to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 0, 0}));
  EXPECT_EQ(pad_or_trim(x, 2).to_vector<float>(), (std::vector<float>{1, 2, 5, 6}));
  EXPECT_EQ(pad_or_trim(x, 2, 1).to_vector<float>(), (std::vector<float>{2, 3, 6, 7}));
  EXPECT_EQ(pad_or_trim(x, 2, 99).to_vector<float>(), (std::vector<float>{3, 4, 7, 8}));
  EXPECT_EQ(pad_or_trim(x.transpose(0, 1).contiguous().transpose(0, 1), 3).to_vector<float>(),
            (std::vector<float>{1, 2, 3, 5, 6, 7}));
  // Random crops: every offset possible, repeatable from the SampleRng.
  const Tensor ramp = arange(0, 100, 1, kFloat32).reshape({1, 100});
  std::set<float> starts;
  for (uint64_t i = 0; i < 2000; ++i) {
    SampleRng rng(7, 0, i), again(7, 0, i);
    const Tensor c = PadOrTrim(10, true)(ramp, rng);
    ASSERT_EQ(c.sizes(), (Shape{1, 10}));
    const auto v = c.to_vector<float>();
    EXPECT_EQ(v[9] - v[0], 9.0f);
    EXPECT_EQ(PadOrTrim(10, true)(ramp, again).to_vector<float>(), v);
    starts.insert(v[0]);
  }
  EXPECT_EQ(starts.size(), 91u);
  SampleRng rng(1, 0, 0);
  EXPECT_EQ(PadOrTrim(10, false)(ramp, rng).to_vector<float>()[0], 0.0f);
  EXPECT_EQ(PadOrTrim(150, true)(ramp, rng).sizes(), (Shape{1, 150}));
  expect_error([] { PadOrTrim(0); }, {"num_samples"});
}

// ---- spectrogram details ----

TEST(Spectrogram, ShapesAndParseval) {
  const Tensor x = sine(1000, 16000, 1600);
  const Tensor s = spectrogram(x);
  EXPECT_EQ(s.sizes(), (Shape{1, 201, 9}));  // 1 + 1600 / 200 frames
  // A 1 kHz tone at 16 kHz with n_fft 400 lands in bin 25.
  const auto v = s.select(0, 0).select(1, 4).to_vector<float>();
  EXPECT_EQ(std::max_element(v.begin(), v.end()) - v.begin(), 25);
  EXPECT_EQ(spectrogram(x, SpectrogramOptions().center(false)).sizes(), (Shape{1, 201, 7}));
  EXPECT_EQ(spectrogram(x.reshape({1600})).sizes(), (Shape{201, 9}));
  EXPECT_EQ(spectrogram(x.reshape({1, 1, 1600}), SpectrogramOptions().n_fft(64).hop_length(32)).sizes(),
            (Shape{1, 1, 33, 51}));
  // Rectangular window, power 2, one frame: sum |X|^2 = n_fft * sum x^2 (Parseval, one-sided doubled).
  const Tensor frame = sine(1000, 16000, 64);
  const Tensor p = spectrogram(frame, SpectrogramOptions().n_fft(64).window(WindowFn::Rectangular).center(false));
  const auto pv = p.to_vector<float>();
  double total = pv[0] + pv[32];
  for (int k = 1; k < 32; ++k) total += 2 * pv[size_t(k)];
  double energy = 0;
  for (float a : frame.to_vector<float>()) energy += double(a) * a;
  EXPECT_NEAR(total, 64 * energy, 1e-3 * 64 * energy);
}

TEST(Spectrogram, Errors) {
  const Tensor x = sine(1000, 16000, 100);
  expect_error([&] { spectrogram(x, SpectrogramOptions().n_fft(0)); }, {"n_fft"});
  expect_error([&] { spectrogram(x, SpectrogramOptions().n_fft(64).win_length(65)); }, {"win_length"});
  expect_error([&] { spectrogram(x, SpectrogramOptions().n_fft(64).power(0)); }, {"power"});
  expect_error([&] { spectrogram(x, SpectrogramOptions().n_fft(256)); }, {"n_fft / 2 = 128", "100"});
  expect_error([&] { spectrogram(x, SpectrogramOptions().n_fft(256).center(false)); },
               {"shorter than n_fft = 256"});
  expect_error([&] { spectrogram(x.to(kInt32)); }, {"float32 or float64", "int32"});
  expect_error([&] { spectrogram(Tensor()); }, {"undefined"});
  expect_error([] { Spectrogram(SpectrogramOptions().n_fft(1).hop_length(0)); }, {"hop_length"});
  expect_error([] { MelSpectrogram(MelSpectrogramOptions().f_min(9000)); }, {"f_min", "8000"});
  expect_error([] { MelSpectrogram(MelSpectrogramOptions().n_mels(0)); }, {"n_mels"});
  expect_error([] { MFCC(MFCCOptions().n_mfcc(200)); }, {"n_mfcc", "128"});
  expect_error([] { melscale_fbanks(201, 10, 5, 40, 16000); }, {"f_min < f_max"});
  expect_error([] { amplitude_to_db(zeros({3}), 10, 0); }, {"amin"});
  expect_error([] { AmplitudeToDB(SpectrumType::Power, -1.0); }, {"top_db"});
}

TEST(Spectrogram, TopDbGroupsByLeadingItem) {
  // [2, 1, 1, 2]: each leading item clamps against its own maximum; 3-D and less clamp globally.
  const Tensor x = from_vector(std::vector<float>{1.0f, 1e-9f, 1e-3f, 1e-9f}, {2, 1, 1, 2});
  auto near = [](const Tensor& got, std::vector<double> want) {
    EXPECT_LE(max_abs_error(got, from_vector(want, got.sizes())), 1e-4) << got;
  };
  near(amplitude_to_db(x, 10, 1e-10, 20.0), {0, -20, -30, -50});
  near(amplitude_to_db(x.reshape({2, 1, 2}), 10, 1e-10, 20.0), {0, -20, -20, -20});
  near(amplitude_to_db(x.reshape({4}), 10, 1e-10), {0, -90, -30, -90});
  near(amplitude_to_db(x.reshape({4}), 20, 1e-10), {0, -180, -60, -180});
  near(amplitude_to_db(x.reshape({4}), 10, 1e-5), {0, -50, -30, -50});
}

TEST(AudioTransforms, ComposeInAMapDatasetFromWorkers) {
  // Waveforms [1, N] of different lengths become fixed-size log-mels; identical for any worker count.
  std::vector<Tensor> waves;
  for (int i = 0; i < 12; ++i) waves.push_back(sine(200.0 * (i + 1), 16000, 3000 + 500 * i));
  struct Waves : Dataset {
    std::vector<Tensor> w;
    int64_t size() const override { return int64_t(w.size()); }
    Example get(int64_t i) const override { return {w[size_t(i)], scalar_tensor(i % 3, kInt64)}; }
  };
  auto base = std::make_shared<Waves>();
  base->w = waves;
  Compose features({PadOrTrim(4000, true), MelSpectrogram(MelSpectrogramOptions().n_mels(32)),
                    AmplitudeToDB(SpectrumType::Power, 80.0)});
  auto ds = std::make_shared<MapDataset>(base, features);
  std::vector<std::vector<float>> runs;
  for (int workers : {0, 3}) {
    DataLoader loader(ds, DataLoaderOptions().batch_size(4).num_workers(workers).seed(5).shuffle(true));
    std::vector<float> all;
    for (auto& b : loader) {
      EXPECT_EQ(b.data.sizes(), (Shape{4, 1, 32, 21}));
      const auto v = b.data.to_vector<float>();
      all.insert(all.end(), v.begin(), v.end());
    }
    runs.push_back(all);
  }
  EXPECT_EQ(runs[0], runs[1]);
}
