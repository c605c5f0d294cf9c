// Audio files: every WAV sample format (hand-made bytes, exact values), FLAC and OGG through the
// encoder, mono/resample on read, and broken, truncated and lying files (each a descent::Error
// naming the file).
#include <cmath>
#include <numbers>

#include "descent/data/formats/audio.h"
#include "formats_test_util.h"

using namespace descent;
using namespace descent::data;
using namespace formats_test;

namespace {

std::vector<float> values(const Tensor& t) { return t.contiguous().to_vector<float>(); }

template <typename T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string pcm24(const std::vector<int32_t>& v) {
  std::string s;
  for (int32_t x : v) s += std::string{char(x & 0xFF), char((x >> 8) & 0xFF), char((x >> 16) & 0xFF)};
  return s;
}

Audio decode(const std::string& bytes, const std::string& name = "test.wav", AudioReadOptions o = {}) {
  return decode_audio(bytes.data(), bytes.size(), o, name);
}

// float32 [C, N] sines: channel c at f * (c + 1) Hz.
Tensor sines(int64_t channels, int64_t n, double rate, double f, double amp = 0.5) {
  Tensor t = empty({channels, n}, kFloat32);
  float* p = t.data_ptr<float>();
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < n; ++i)
      p[c * n + i] = float(amp * std::sin(2 * std::numbers::pi * f * double(c + 1) * double(i) / rate));
  return t;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  const auto va = values(a), vb = values(b);
  double m = 0;
  for (size_t i = 0; i < va.size() && i < vb.size(); ++i) m = std::max(m, double(std::abs(va[i] - vb[i])));
  return m;
}

const std::string& small_wav() {
  static const std::string w = make_wav(1, 2, 8000, 16, raw(std::vector<int16_t>{1, -1, 1000, -1000, 32767, -32768,
                                                                                  0, 5, 7, 9, 11, 13}));
  return w;
}

}  // namespace

TEST(Wav, EverySampleFormatDecodesExactly) {
  struct Case {
    const char* what;
    std::string wav;
    std::vector<float> want;
  };
  const std::vector<Case> cases = {
      {"PCM_U8", make_wav(1, 1, 8000, 8, std::string{char(0), char(128), char(255), char(64)}),
       {-1.0f, 0.0f, 127.0f / 128, -0.5f}},
      {"PCM_16", make_wav(1, 1, 8000, 16, raw(std::vector<int16_t>{-32768, 0, 32767, 16384})),
       {-1.0f, 0.0f, 32767.0f / 32768, 0.5f}},
      {"PCM_24", make_wav(1, 1, 8000, 24, pcm24({-8388608, 0, 8388607, 4194304})),
       {-1.0f, 0.0f, float(8388607.0 / 8388608), 0.5f}},
      {"PCM_32", make_wav(1, 1, 8000, 32, raw(std::vector<int32_t>{INT32_MIN, 0, 1 << 30, -(1 << 29)})),
       {-1.0f, 0.0f, 0.5f, -0.25f}},
      {"FLOAT", make_wav(3, 1, 8000, 32, raw(std::vector<float>{-1.5f, 0.25f, 2.0f, 0.0f})),
       {-1.5f, 0.25f, 2.0f, 0.0f}},
      {"DOUBLE", make_wav(3, 1, 8000, 64, raw(std::vector<double>{0.125, -0.75, 1.0, -3.0})),
       {0.125f, -0.75f, 1.0f, -3.0f}},
  };
  for (const Case& c : cases) {
    const Audio a = decode(c.wav, c.what);
    EXPECT_EQ(a.sample_rate, 8000) << c.what;
    ASSERT_EQ(a.samples.sizes(), (Shape{1, 4})) << c.what;
    EXPECT_EQ(a.samples.dtype(), kFloat32);
    const auto got = values(a.samples);
    for (size_t i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(got[i], c.want[i]) << c.what << " sample " << i;
    TempDir dir;
    write_bytes(dir.file("x.wav"), c.wav);
    EXPECT_EQ(read_audio_info(dir.file("x.wav")).encoding, c.what);
  }
}

TEST(Wav, ChannelsAreDeinterleaved) {
  const Audio a = decode(small_wav());
  ASSERT_EQ(a.samples.sizes(), (Shape{2, 6}));
  EXPECT_EQ(a.channels(), 2);
  EXPECT_EQ(a.frames(), 6);
  EXPECT_DOUBLE_EQ(a.duration(), 6.0 / 8000);
  const auto v = values(a.samples);
  const std::vector<int> left = {1, 1000, 32767, 0, 7, 11}, right = {-1, -1000, -32768, 5, 9, 13};
  for (int i = 0; i < 6; ++i) {
    EXPECT_FLOAT_EQ(v[size_t(i)], float(left[size_t(i)]) / 32768);
    EXPECT_FLOAT_EQ(v[size_t(6 + i)], float(right[size_t(i)]) / 32768);
  }
  // Mixed down: the mean of the channels.
  const Audio m = decode(small_wav(), "m.wav", AudioReadOptions().mono(true));
  ASSERT_EQ(m.samples.sizes(), (Shape{1, 6}));
  const auto mv = values(m.samples);
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(mv[size_t(i)], (v[size_t(i)] + v[size_t(6 + i)]) / 2);
}

TEST(AudioFiles, InfoAndWriters) {
  TempDir dir;
  const Tensor x = sines(2, 4000, 16000, 440);
  write_audio(dir.file("a.wav"), x, 16000);
  const AudioInfo info = read_audio_info(dir.file("a.wav"));
  EXPECT_EQ(info.frames, 4000);
  EXPECT_EQ(info.sample_rate, 16000);
  EXPECT_EQ(info.channels, 2);
  EXPECT_EQ(info.format, "WAV");
  EXPECT_EQ(info.encoding, "PCM_16");
  const Audio a = read_audio(dir.file("a.wav"));
  EXPECT_LE(max_abs_diff(a.samples, x), 1.0 / 32768 + 1e-7);
  // Each container and encoding.
  struct Case {
    AudioFormat format;
    AudioEncoding enc;
    const char* ext;
    double tol;
  };
  for (const Case& c : std::vector<Case>{{AudioFormat::Wav, AudioEncoding::PcmU8, "u8.wav", 1.0 / 128},
                                         {AudioFormat::Wav, AudioEncoding::Pcm24, "24.wav", 1e-6},
                                         {AudioFormat::Wav, AudioEncoding::Pcm32, "32.wav", 1e-6},
                                         {AudioFormat::Wav, AudioEncoding::Float32, "f.wav", 0},
                                         {AudioFormat::Wav, AudioEncoding::Float64, "d.wav", 0},
                                         {AudioFormat::Flac, AudioEncoding::Pcm16, "16.flac", 1.0 / 32768 + 1e-7},
                                         {AudioFormat::Flac, AudioEncoding::Pcm24, "24.flac", 1e-6},
                                         {AudioFormat::Flac, AudioEncoding::PcmS8, "8.flac", 1.0 / 128}}) {
    write_audio(dir.file(c.ext), x, 16000, c.format, c.enc);
    const Audio b = read_audio(dir.file(c.ext));
    EXPECT_EQ(b.sample_rate, 16000) << c.ext;
    EXPECT_LE(max_abs_diff(b.samples, x), c.tol) << c.ext;
  }
  EXPECT_EQ(read_audio_info(dir.file("16.flac")).format, "FLAC");
  // Ogg Vorbis is lossy: same length, small error.
  write_audio(dir.file("a.ogg"), x, 16000, AudioFormat::Ogg, AudioEncoding::Vorbis);
  const AudioInfo oi = read_audio_info(dir.file("a.ogg"));
  EXPECT_EQ(oi.format, "OGG");
  EXPECT_EQ(oi.encoding, "VORBIS");
  const Audio o = read_audio(dir.file("a.ogg"));
  ASSERT_EQ(o.samples.sizes(), x.sizes());
  const auto ov = values(o.samples), xv = values(x);
  double err = 0, ref = 0;
  for (size_t i = 0; i < ov.size(); ++i) err += (ov[i] - xv[i]) * (ov[i] - xv[i]), ref += xv[i] * xv[i];
  EXPECT_LT(err / ref, 0.01) << "Vorbis error energy relative to the signal";
  // [N] is one channel; values beyond [-1, 1] clip in integer encodings.
  const Tensor loud = from_vector(std::vector<float>{2.0f, -3.0f, 0.5f});
  const Audio c = decode(encode_audio(loud, 8000), "clip.wav");
  EXPECT_EQ(c.samples.sizes(), (Shape{1, 3}));
  EXPECT_NEAR(values(c.samples)[0], 1.0f, 1e-4);
  EXPECT_NEAR(values(c.samples)[1], -1.0f, 1e-4);
}

TEST(AudioFiles, ResampleOnRead) {
  const Tensor x = sines(1, 1600, 16000, 300);
  const std::string wav = encode_audio(x, 16000, AudioFormat::Wav, AudioEncoding::Float32);
  const Audio a = decode(wav, "r.wav", AudioReadOptions().sample_rate(8000));
  EXPECT_EQ(a.sample_rate, 8000);
  EXPECT_EQ(a.samples.sizes(), (Shape{1, 800}));
  const Audio up = decode(wav, "r.wav", AudioReadOptions().sample_rate(44100));
  EXPECT_EQ(up.samples.sizes(), (Shape{1, 4410}));
  EXPECT_TRUE(decode(wav, "r.wav", AudioReadOptions().sample_rate(16000)).samples.sizes() == x.sizes());
}

TEST(AudioFiles, EncoderErrors) {
  expect_error([] { encode_audio(zeros({2, 3}, kInt64), 8000); }, {"float samples", "int64"});
  expect_error([] { encode_audio(zeros({2, 3}), 0); }, {"sample_rate", "0"});
  expect_error([] { encode_audio(zeros({2, 3}), 8000, AudioFormat::Wav, AudioEncoding::Vorbis); }, {"cannot hold"});
  expect_error([] { encode_audio(zeros({2, 3, 4}), 8000); }, {"[2, 3, 4]"});
  expect_error([] { encode_audio(zeros({0, 3}), 8000); }, {"channels"});
}

// ---- hostile files ----

TEST(WavHostile, LyingDataSize) {
  const std::string pcm = raw(std::vector<int16_t>{1, 2, 3, 4, 5, 6, 7, 8});
  // Claims more bytes than follow.
  expect_error([&] { decode(make_wav(1, 1, 8000, 16, pcm, 1000), "liar.wav"); },
               {"liar.wav", "declares 1000 bytes but only 16 follow"});
  expect_error([&] { decode(make_wav(1, 1, 8000, 16, pcm, 0xFFFFFFFF), "stream.wav"); }, {"stream.wav", "declares"});
  // Claims fewer: the declared frames are the audio, the rest is ignored.
  const Audio a = decode(make_wav(1, 1, 8000, 16, pcm, 8), "short.wav");
  EXPECT_EQ(a.samples.sizes(), (Shape{1, 4}));
  // A data chunk of zero frames.
  expect_error([&] { decode(make_wav(1, 1, 8000, 16, ""), "nothing.wav"); }, {"nothing.wav"});
}

TEST(WavHostile, BadHeaders) {
  const std::string pcm = raw(std::vector<int16_t>{1, 2, 3, 4});
  expect_error([&] { decode(make_wav(1, 0, 8000, 16, pcm), "mono0.wav"); }, {"mono0.wav", "0 channels"});
  expect_error([&] { decode(make_wav(1, 1, 0, 16, pcm), "rate0.wav"); }, {"rate0.wav", "0 Hz"});
  expect_error([&] { decode(make_wav(1, 5000, 8000, 16, std::string(20000, '\0')), "many.wav"); }, {"many.wav"});
  expect_error([&] { decode(make_wav(1, 1, 8000, 13, pcm), "bits13.wav"); }, {"bits13.wav"});
  expect_error([&] { decode(make_wav(77, 1, 8000, 16, pcm), "tag77.wav"); }, {"tag77.wav"});
  // data before fmt.
  const std::string no_fmt = "RIFF" + le32(4 + 8 + 8) + "WAVE" + "data" + le32(8) + pcm;
  expect_error([&] { decode(no_fmt, "nofmt.wav"); }, {"nofmt.wav", "before the fmt chunk"});
  // A fmt chunk that claims to be longer than the file.
  std::string w = make_wav(1, 1, 8000, 16, pcm);
  w[16] = char(0xFF), w[17] = char(0xFF);
  expect_error([&] { decode(w, "fmtlen.wav"); }, {"fmtlen.wav", "'fmt '"});
  // Only a RIFF header.
  expect_error([&] { decode(std::string("RIFF\x04\x00\x00\x00WAVE", 12), "bare.wav"); }, {"bare.wav", "truncated"});
}

TEST(WavHostile, EveryTruncationIsAnError) {
  const std::string& wav = small_wav();
  for (size_t n = 1; n < wav.size(); ++n) {
    const std::string cut = wav.substr(0, n);
    const std::string msg = error_of([&] { decode(cut, "cut.wav"); });
    EXPECT_NE(msg.find("cut.wav"), std::string::npos) << "truncated at " << n << ": " << msg;
  }
}

TEST(AudioHostile, GarbageEmptyAndMissing) {
  expect_error([] { decode(std::string(64, 'z'), "noise.wav"); }, {"noise.wav", "not a WAV, FLAC, OGG"});
  // MP3 (ID3 tag or a bare MPEG frame sync) is not handed to libsndfile's MPEG decoder.
  expect_error([] { decode("ID3\x04" + std::string(60, '\0'), "song.mp3"); }, {"song.mp3", "not a WAV"});
  expect_error([] { decode("\xFF\xFB\x90\x64" + std::string(400, '\x11'), "frames.mp3"); },
               {"frames.mp3", "not a WAV"});
  // A RIFF file that is not WAVE.
  const std::string avi = std::string("RIFF\x04\x00\x00\x00" "AVI LIST", 16) + std::string(40, '\0');
  expect_error([&] { decode(avi, "clip.avi"); }, {"clip.avi"});
  // A recognised container libsndfile cannot make sense of.
  const std::string aiff = std::string("FORM\x00\x00\x00\x10" "AIFFjunkjunkjunk", 24);
  expect_error([&] { decode(aiff, "bad.aiff"); }, {"bad.aiff", "cannot decode"});
  expect_error([] { decode_audio("", 0, {}, "empty.wav"); }, {"empty.wav", "empty"});
  expect_error([] { read_audio("/nonexistent/x.flac"); }, {"/nonexistent/x.flac", "no such file"});
  TempDir dir;
  write_bytes(dir.file("zero.wav"), "");
  expect_error([&] { read_audio(dir.file("zero.wav")); }, {"zero.wav", "empty file"});
  expect_error([&] { read_audio_info(dir.file("zero.wav")); }, {"zero.wav", "empty file"});
  expect_error([&] { decode(small_wav(), "x.wav", AudioReadOptions().max_samples(5)); }, {"x.wav", "max_samples"});
  expect_error([&] { decode(small_wav(), "x.wav", AudioReadOptions().sample_rate(-1)); }, {"sample_rate"});
}

TEST(AudioHostile, TruncatedFlacAndOgg) {
  const Tensor x = sines(1, 8000, 16000, 440);
  const std::string flac = encode_audio(x, 16000, AudioFormat::Flac, AudioEncoding::Pcm16);
  for (size_t n : {size_t(10), size_t(40), flac.size() / 3, flac.size() / 2, flac.size() - 20, flac.size() - 1}) {
    const std::string cut = flac.substr(0, n);
    const std::string msg = error_of([&] { decode(cut, "cut.flac"); });
    EXPECT_NE(msg.find("cut.flac"), std::string::npos) << "FLAC truncated at " << n << " of " << flac.size() << ": "
                                                       << msg;
  }
  const std::string ogg = encode_audio(x, 16000, AudioFormat::Ogg, AudioEncoding::Vorbis);
  for (size_t n : {size_t(10), size_t(100), ogg.size() / 2, ogg.size() - 30, ogg.size() - 1}) {
    const std::string cut = ogg.substr(0, n);
    const std::string msg = error_of([&] { decode(cut, "cut.ogg"); });
    EXPECT_NE(msg.find("cut.ogg"), std::string::npos) << "Ogg truncated at " << n << " of " << ogg.size() << ": "
                                                      << msg;
  }
  // Corrupt bytes in the middle of a FLAC stream (its frames carry CRCs).
  std::string bad = flac;
  for (size_t i = flac.size() / 2; i < flac.size() / 2 + 64; ++i) bad[i] = char(bad[i] ^ 0x5A);
  expect_error([&] { decode(bad, "bad.flac"); }, {"bad.flac"});
}

// ---- seeds for fuzz/wav_fuzz.cpp ----

TEST(AudioFormats, SeedCorpusForTheFuzzer) {
#ifdef DESCENT_FUZZ_CORPUS_DIR
  const std::string dir = std::string(DESCENT_FUZZ_CORPUS_DIR) + "/wav";
  std::filesystem::create_directories(dir);
  const Tensor x = sines(2, 64, 8000, 440);
  write_bytes(dir + "/pcm16_stereo", small_wav());
  write_bytes(dir + "/u8", make_wav(1, 1, 8000, 8, std::string{char(0), char(128), char(255), char(64)}));
  write_bytes(dir + "/pcm24", make_wav(1, 1, 8000, 24, pcm24({-8388608, 0, 8388607, 4194304})));
  write_bytes(dir + "/float", make_wav(3, 1, 8000, 32, raw(std::vector<float>{-1.5f, 0.25f, 2.0f, 0.0f})));
  write_bytes(dir + "/lying_size", make_wav(1, 1, 8000, 16, raw(std::vector<int16_t>{1, 2}), 1000));
  write_bytes(dir + "/pcm32_lib", encode_audio(x, 8000, AudioFormat::Wav, AudioEncoding::Pcm32));
  write_bytes(dir + "/flac", encode_audio(x, 8000, AudioFormat::Flac, AudioEncoding::Pcm16));
  write_bytes(dir + "/ogg", encode_audio(sines(1, 400, 8000, 440), 8000, AudioFormat::Ogg, AudioEncoding::Vorbis));
  EXPECT_TRUE(std::filesystem::exists(dir + "/flac"));
#else
  GTEST_SKIP() << "DESCENT_FUZZ_CORPUS_DIR not set";
#endif
}
