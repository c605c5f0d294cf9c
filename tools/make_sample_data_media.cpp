// Writes the small synthetic image and audio class folders of descent::data::synthetic (the same ones
// the tests and examples use) into a folder:
//   images/   circle/, square/, triangle/: 20 RGB 32x32 PNG/JPEG shapes each, plus a README.txt per class
//   audio/    high/, low/, noise/: 20 mono 16 kHz WAV/FLAC clips of about 0.5 s each, plus a README.txt per class
//
//   make_sample_data_media <folder> [--seed N] [--per-class N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "descent/core/error.h"
#include "descent/data/synthetic_media.h"

namespace {

bool parse_u64(const char* s, uint64_t* out) {
  char* end = nullptr;
  if (!s || !*s || *s == '-') return false;
  *out = std::strtoull(s, &end, 10);
  return end && !*end;
}

}  // namespace

int main(int argc, char** argv) {
  std::string root;
  uint64_t seed = 0, per_class = 20;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--seed") == 0 && has_value) {
      if (!parse_u64(argv[++i], &seed)) {
        std::fprintf(stderr, "make_sample_data_media: --seed needs a non-negative integer, got '%s'\n", argv[i]);
        return 2;
      }
    } else if (std::strcmp(argv[i], "--per-class") == 0 && has_value) {
      if (!parse_u64(argv[++i], &per_class) || per_class == 0 || per_class > 100000) {
        std::fprintf(stderr, "make_sample_data_media: --per-class needs an integer in 1..100000, got '%s'\n",
                     argv[i]);
        return 2;
      }
    } else if (argv[i][0] == '-' || !root.empty()) {
      std::fprintf(stderr, "usage: make_sample_data_media <folder> [--seed N] [--per-class N]\n");
      return 2;
    } else {
      root = argv[i];
    }
  }
  if (root.empty()) {
    std::fprintf(stderr, "usage: make_sample_data_media <folder> [--seed N] [--per-class N]\n");
    return 2;
  }
  try {
    namespace fs = std::filesystem;
    descent::data::synthetic::write_image_folder((fs::path(root) / "images").string(), int64_t(per_class), seed);
    descent::data::synthetic::write_audio_folder((fs::path(root) / "audio").string(), int64_t(per_class), seed);
  } catch (const descent::Error& e) {
    std::fprintf(stderr, "make_sample_data_media: %s\n", e.what());
    return 1;
  }
  std::printf("wrote %s/images (3 classes x %llu images) and %s/audio (3 classes x %llu clips)\n", root.c_str(),
              static_cast<unsigned long long>(per_class), root.c_str(), static_cast<unsigned long long>(per_class));
  return 0;
}
