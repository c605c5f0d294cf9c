#include "descent/data/synthetic_media.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "descent/core/error.h"
#include "descent/data/formats/audio.h"
#include "descent/data/formats/image.h"
#include "descent/data/sample_rng.h"
#include "descent/ops/ops.h"

namespace descent::data::synthetic {
namespace {

namespace fs = std::filesystem;
constexpr double kPi = std::numbers::pi;

std::string numbered(int64_t i, const char* ext) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%03lld.%s", static_cast<long long>(i), ext);
  return buf;
}

void make_dir(const fs::path& dir, const char* fn) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  DESCENT_CHECK(!ec, fn, ": cannot create ", dir.string(), ": ", ec.message());
}

void write_readme(const fs::path& dir, const std::string& text, const char* fn) {
  std::ofstream f(dir / "README.txt");
  f << text << "\n";
  DESCENT_CHECK(f.good(), fn, ": cannot write ", (dir / "README.txt").string());
}

uint8_t clamp_u8(double v) { return uint8_t(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

void write_image_folder(const std::string& root, int64_t per_class, uint64_t seed, int64_t size) {
  const char* fn = "write_image_folder";
  DESCENT_CHECK(per_class >= 1, fn, ": per_class must be >= 1, got ", per_class);
  DESCENT_CHECK(size >= 8 && size <= 4096, fn, ": size must be in 8..4096, got ", size);
  const char* classes[] = {"circle", "square", "triangle"};
  for (uint64_t c = 0; c < 3; ++c) {
    const fs::path dir = fs::path(root) / classes[c];
    make_dir(dir, fn);
    write_readme(dir, std::string("Synthetic ") + classes[c] + " images (descent::data::synthetic).", fn);
    for (int64_t i = 0; i < per_class; ++i) {
      SampleRng rng(seed, c, uint64_t(i));
      const double s = double(size);
      const double r = s * rng.uniform(0.2, 0.35);
      const double cx = rng.uniform(r, s - r), cy = rng.uniform(r, s - r);
      double bg[3], fg[3];
      for (double& v : bg) v = rng.uniform(0, 90);
      for (double& v : fg) v = rng.uniform(130, 255);
      Tensor img = empty({size, size, 3}, kUInt8);
      uint8_t* p = img.data_ptr<uint8_t>();
      for (int64_t y = 0; y < size; ++y)
        for (int64_t x = 0; x < size; ++x) {
          const double dx = double(x) + 0.5 - cx, dy = double(y) + 0.5 - cy;
          bool inside;
          if (c == 0) inside = dx * dx + dy * dy <= r * r;
          else if (c == 1) inside = std::abs(dx) <= r * 0.85 && std::abs(dy) <= r * 0.85;
          else inside = dy >= -r && dy <= r && std::abs(dx) <= (dy + r) * 0.5;  // apex up, base 2r wide
          const double noise = rng.uniform(-8, 8);
          for (int k = 0; k < 3; ++k) p[(y * size + x) * 3 + k] = clamp_u8((inside ? fg[k] : bg[k]) + noise);
        }
      const fs::path file = dir / numbered(i, i % 2 == 0 ? "png" : "jpg");
      if (i % 2 == 0) write_png(file.string(), img);
      else write_jpeg(file.string(), img, 90);
    }
  }
}

void write_audio_folder(const std::string& root, int64_t per_class, uint64_t seed, int64_t sample_rate,
                        double seconds) {
  const char* fn = "write_audio_folder";
  DESCENT_CHECK(per_class >= 1, fn, ": per_class must be >= 1, got ", per_class);
  DESCENT_CHECK(sample_rate >= 8000 && sample_rate <= 192000, fn, ": sample_rate must be in 8000..192000, got ",
                sample_rate);
  DESCENT_CHECK(seconds >= 0.05 && seconds <= 60, fn, ": seconds must be in 0.05..60, got ", seconds);
  const char* classes[] = {"high", "low", "noise"};
  const double sr = double(sample_rate);
  for (uint64_t c = 0; c < 3; ++c) {
    const fs::path dir = fs::path(root) / classes[c];
    make_dir(dir, fn);
    write_readme(dir, std::string("Synthetic '") + classes[c] + "' clips (descent::data::synthetic).", fn);
    for (int64_t i = 0; i < per_class; ++i) {
      SampleRng rng(seed, 100 + c, uint64_t(i));
      const int64_t n = int64_t(sr * seconds * rng.uniform(0.8, 1.2));
      const double level = rng.uniform(0.2, 0.6);
      const double f = c == 0 ? rng.uniform(1500, 3000) : rng.uniform(150, 400);
      const double phase = rng.uniform(0, 2 * kPi);
      const int64_t fade = std::max<int64_t>(1, int64_t(0.01 * sr));
      Tensor wave = empty({1, n}, kFloat32);
      float* w = wave.data_ptr<float>();
      for (int64_t k = 0; k < n; ++k) {
        const double t = double(k) / sr;
        double v;
        if (c == 0) v = std::sin(2 * kPi * f * t + phase);
        else if (c == 1) v = 0.8 * std::sin(2 * kPi * f * t + phase) + 0.2 * std::sin(4 * kPi * f * t);
        else v = rng.uniform(-1, 1);
        const double env = std::min({1.0, double(k) / double(fade), double(n - 1 - k) / double(fade)});
        w[k] = float(level * env * v + 0.01 * rng.uniform(-1, 1));
      }
      const bool flac = i % 4 == 3;
      write_audio((dir / numbered(i, flac ? "flac" : "wav")).string(), wave, sample_rate,
                  flac ? AudioFormat::Flac : AudioFormat::Wav, AudioEncoding::Pcm16);
    }
  }
}

void write_image_and_audio_samples(const std::string& root, uint64_t seed) {
  write_image_folder((fs::path(root) / "images").string(), 20, seed);
  write_audio_folder((fs::path(root) / "audio").string(), 20, seed);
}

}  // namespace descent::data::synthetic
