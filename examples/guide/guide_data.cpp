// Guide section 1, data as tensors. A network only sees floating-point tensors; images, sounds and
// text are stored otherwise and must be converted:
//  (a) an image file -> uint8 [H, W, C] (0..255) -> float [C, H, W] in [0, 1]; 1 channel for
//      grayscale, 3 for RGB, 4 for RGBA (alpha = opacity);
//  (b) a WAV file -> 16-bit integer samples (-32768..32767, sample_rate per second) -> float in
//      [-1, 1) -> a log-mel spectrogram [1, n_mels, frames];
//  (c) a sentence -> tokens -> integer ids (a vocabulary), padded into a batch [N, L];
//  (d) a batch of images as NCHW and as NHWC, with their strides (how far apart in memory the
//      neighbours along each dimension are).
// The image and the sound are written to a temporary folder first, so nothing is downloaded.
// Claims checked: float CHW = uint8 HWC / 255 everywhere; the 16-bit samples read by hand / 32768
// equal read_audio's floats; the loudest mel band holds the tone's frequency (440 Hz, then 1200 Hz);
// the NCHW, NHWC and channels-last tensors hold the same pixels.
//
//   ./build/release/examples/guide/guide_data [--out DIR]
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "descent/data/data.h"
#include "guide_util.h"

using namespace descent;
namespace fs = std::filesystem;

namespace {

// The 16-bit samples of a PCM WAV file, read from its bytes: the "data" chunk after the RIFF header.
std::vector<int16_t> wav_samples(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  DESCENT_CHECK(bytes.size() >= 12 && bytes.compare(0, 4, "RIFF") == 0 && bytes.compare(8, 4, "WAVE") == 0,
                path, ": not a WAV file");
  size_t pos = 12;
  while (pos + 8 <= bytes.size()) {  // chunks: 4-byte id, 4-byte little-endian size, payload
    uint32_t size;
    std::memcpy(&size, bytes.data() + pos + 4, 4);
    if (bytes.compare(pos, 4, "data") == 0) {
      std::vector<int16_t> s(std::min<size_t>(size, bytes.size() - pos - 8) / 2);
      std::memcpy(s.data(), bytes.data() + pos + 8, s.size() * 2);
      return s;
    }
    pos += 8 + size + (size & 1);
  }
  DESCENT_CHECK(false, path, ": no data chunk");
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;
  const fs::path tmp = fs::temp_directory_path() / ("descent_guide_data_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  struct Cleanup {
    fs::path p;
    ~Cleanup() { std::error_code ec; fs::remove_all(p, ec); }
  } cleanup{tmp};

  // (a) An RGBA image, 4 rows x 6 columns: red grows left to right, green top to bottom, blue 128,
  // the right half half-transparent.
  std::printf("== (a) an image file ==\n");
  Tensor rgba = empty({4, 6, 4}, kUInt8);
  for (int64_t h = 0; h < 4; ++h)
    for (int64_t w = 0; w < 6; ++w) {
      rgba[h][w][0].fill_(int64_t(w * 50));
      rgba[h][w][1].fill_(int64_t(h * 80));
      rgba[h][w][2].fill_(int64_t(128));
      rgba[h][w][3].fill_(int64_t(w < 3 ? 255 : 128));
    }
  const std::string png = (tmp / "picture.png").string();
  data::write_png(png, rgba);
  Tensor as_is = data::read_image(png);  // the file's own channels
  std::printf("read_image (file's channels) %s %s\n", guide::str(as_is.sizes()).c_str(), dtype_name(as_is.dtype()));
  for (int c : {1, 3, 4}) {
    Tensor img = data::read_image(png, c);
    std::printf("read_image(channels=%d)       %s  pixel (row 0, col 5) = [", c, guide::str(img.sizes()).c_str());
    auto px = guide::values(img[0][5]);
    for (size_t i = 0; i < px.size(); ++i) std::printf("%s%.0f", i ? " " : "", px[i]);
    std::printf("]\n");
  }
  Tensor rgb = data::read_image(png, 3);
  Tensor chw = data::ToTensor()(rgb);  // uint8 HWC -> float32 CHW / 255
  std::printf("ToTensor: %s %s, pixel (row 0, col 5) = [%.4f %.4f %.4f]\n", guide::str(chw.sizes()).c_str(),
              dtype_name(chw.dtype()), chw[0][0][5].item<double>(), chw[1][0][5].item<double>(),
              chw[2][0][5].item<double>());
  claims.check(allclose(chw, rgb.permute({2, 0, 1}).to(kFloat32) / 255.0, 0, 1e-7),
               "float CHW = uint8 HWC / 255, moved channel-first");

  // (b) Half a second of sound at 16 kHz: 440 Hz, then 1200 Hz, at half the full scale.
  std::printf("== (b) a WAV file ==\n");
  const int64_t rate = 16000;
  Tensor t = arange(rate / 2).to(kFloat64) / double(rate);
  Tensor tone = where(t.lt(0.25), (t * (2 * M_PI * 440)).sin(), (t * (2 * M_PI * 1200)).sin()) * 0.5;
  const std::string wav = (tmp / "tone.wav").string();
  data::write_audio(wav, tone.to(kFloat32), rate);  // 16-bit PCM WAV
  auto raw = wav_samples(wav);
  std::printf("file %lld bytes; %zu 16-bit samples (%.2f s at %lld Hz); first samples:",
              static_cast<long long>(fs::file_size(wav)), raw.size(), double(raw.size()) / double(rate),
              static_cast<long long>(rate));
  for (int i = 0; i < 5; ++i) std::printf(" %d", raw[i]);
  std::printf("\nas floats (x / 32768):");
  for (int i = 0; i < 5; ++i) std::printf(" %.5f", raw[i] / 32768.0);
  std::printf("\n");
  data::Audio audio = data::read_audio(wav);
  std::printf("read_audio: samples %s float32, sample_rate %lld\n", guide::str(audio.samples.sizes()).c_str(),
              static_cast<long long>(audio.sample_rate));
  std::vector<float> by_hand(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) by_hand[i] = float(raw[i] / 32768.0);
  claims.check(equal(from_vector(by_hand, {1, int64_t(raw.size())}), audio.samples),
               "16-bit samples / 32768 = read_audio's float samples");

  const int64_t n_mels = 32, hop = 320;  // 32 bands, a frame every 20 ms
  auto mel_opts = data::MelSpectrogramOptions().sample_rate(rate).n_fft(400).hop_length(hop).n_mels(n_mels);
  Tensor logmel = data::amplitude_to_db(data::mel_spectrogram(audio.samples, mel_opts), 10.0, 1e-10, 80.0);
  std::printf("log-mel spectrogram %s (mel bands x frames of 20 ms)\n", guide::str(logmel.sizes()).c_str());
  // Band m of the mel filterbank spans the mel points m .. m + 2 (equally spaced in mel from 0 to 8 kHz).
  auto band_edges = [&](int64_t m) {
    const double top = data::hz_to_mel(rate / 2.0);
    return std::make_pair(data::mel_to_hz(top * double(m) / double(n_mels + 1)),
                          data::mel_to_hz(top * double(m + 2) / double(n_mels + 1)));
  };
  for (auto [frame, hz] : {std::pair<int64_t, double>{5, 440.0}, {20, 1200.0}}) {
    const int64_t m = logmel[0].select(1, frame).argmax().item<int64_t>();
    auto [lo, hi] = band_edges(m);
    std::printf("frame %lld (t = %.2f s): loudest mel band %lld, %.0f-%.0f Hz\n", static_cast<long long>(frame),
                double(frame * hop) / double(rate), static_cast<long long>(m), lo, hi);
    claims.check(lo < hz && hz < hi, "the loudest band at frame " + std::to_string(frame) + " holds " +
                                         std::to_string(int(hz)) + " Hz");
  }
  {
    // Heat map rows from the highest band (top) to the lowest; a label every 5 bands.
    std::vector<std::vector<double>> rows;
    std::vector<std::string> row_labels, col_labels;
    for (int64_t m = n_mels - 1; m >= 0; --m) {
      rows.push_back(guide::values(logmel[0][m]));
      row_labels.push_back(m % 5 == 0 ? std::to_string(int(band_edges(m).first + 0.5)) + " Hz" : "");
    }
    for (int64_t f = 0; f < logmel.size(2); ++f) col_labels.push_back(f % 5 == 0 ? std::to_string(f * hop * 1000 / rate) + " ms" : "");
    report::ChartOptions o;
    o.title = "Log-mel spectrogram (dB): 440 Hz, then 1200 Hz";
    o.cell_values = false;
    o.width = 720;
    o.height = 480;
    guide::write_svg(args, "data_logmel.svg", report::heat_map(rows, row_labels, col_labels, o));
  }

  // (c) Text: words -> ids.
  std::printf("== (c) a sentence ==\n");
  data::Tokenizer tokenizer;  // words, lower-cased; punctuation marks are tokens too
  std::vector<std::vector<std::string>> corpus = {tokenizer.tokenize("The cat sat on the mat."),
                                                  tokenizer.tokenize("The dog sat on the cat!")};
  data::Vocab vocab = data::Vocab::build(corpus);
  std::printf("vocabulary (%lld):", static_cast<long long>(vocab.size()));
  for (int64_t i = 0; i < vocab.size(); ++i) std::printf(" %lld=%s", static_cast<long long>(i), vocab.token(i).c_str());
  std::printf("\n");
  auto tokens = tokenizer.tokenize("The dog sat on the log.");
  auto ids = vocab.encode(tokens);
  std::printf("\"The dog sat on the log.\" ->");
  for (size_t i = 0; i < tokens.size(); ++i) std::printf(" %s:%lld", tokens[i].c_str(), static_cast<long long>(ids[i]));
  std::printf("  (log is unknown: <unk>)\n");
  auto batch = data::encode(vocab, {tokens, tokenizer.tokenize("A cat.")});
  std::printf("a batch of 2 sentences: ids %s int64 (0 = <pad>), lengths [%lld, %lld]\n",
              guide::str(batch.ids.sizes()).c_str(), static_cast<long long>(batch.lengths[0].item<int64_t>()),
              static_cast<long long>(batch.lengths[1].item<int64_t>()));
  std::cout << batch.ids << "\n";

  // (d) A batch of two RGB images: NCHW and NHWC.
  std::printf("== (d) a batch of images ==\n");
  Tensor nchw = stack({chw, 1 - chw});                                   // [N, C, H, W]
  Tensor nhwc = nchw.permute({0, 2, 3, 1}).contiguous();                 // [N, H, W, C], TensorFlow's order
  Tensor channels_last = nchw.contiguous(MemoryFormat::ChannelsLast);    // NCHW shape, NHWC memory
  std::printf("NCHW           shape %-14s strides %s\n", guide::str(nchw.sizes()).c_str(), guide::str(nchw.strides()).c_str());
  std::printf("NHWC           shape %-14s strides %s\n", guide::str(nhwc.sizes()).c_str(), guide::str(nhwc.strides()).c_str());
  std::printf("channels-last  shape %-14s strides %s\n", guide::str(channels_last.sizes()).c_str(),
              guide::str(channels_last.strides()).c_str());
  const bool same = equal(nchw, nhwc.permute({0, 3, 1, 2})) && equal(nchw, channels_last) &&
                    nchw[1][2][3][5].item<float>() == nhwc[1][3][5][2].item<float>();
  claims.check(same, "NCHW, NHWC and channels-last hold the same pixels (n, c, h, w) = (n, h, w, c)");
  return claims.exit_code();
}
