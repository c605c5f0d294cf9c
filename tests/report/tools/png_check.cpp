// report_png_check SCREENSHOT.png [MIN_WIDTH MIN_HEIGHT]: exits 0 when the PNG decodes, is at least
// the given size, and is not blank: several colours and at least 1% of pixels differ from the most
// common (background) colour. Used by scripts/check_report_render.sh on Chromium's screenshot.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "descent/data/formats/image.h"

int main(int argc, char** argv) {
  if (argc != 2 && argc != 4) {
    std::fprintf(stderr, "usage: report_png_check SCREENSHOT.png [MIN_WIDTH MIN_HEIGHT]\n");
    return 2;
  }
  try {
    std::ifstream f(argv[1], std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "%s: cannot open\n", argv[1]);
      return 1;
    }
    std::ostringstream s;
    s << f.rdbuf();
    std::string bytes = s.str();
    descent::Tensor img = descent::data::decode_png(bytes.data(), bytes.size(), 3, argv[1]);
    int64_t h = img.size(0), w = img.size(1);
    auto px = img.contiguous().to_vector<uint8_t>();
    std::map<uint32_t, int64_t> colours;
    for (size_t i = 0; i + 2 < px.size(); i += 3) ++colours[uint32_t(px[i]) << 16 | uint32_t(px[i + 1]) << 8 | px[i + 2]];
    int64_t top = 0;
    for (const auto& [c, k] : colours) top = std::max(top, k);
    double other = 1.0 - double(top) / double(h * w);
    std::printf("%s: %lldx%lld, %zu colours, %.1f%% non-background\n", argv[1], (long long)w, (long long)h,
                colours.size(), other * 100);
    if (argc == 4 && (w < std::stoll(argv[2]) || h < std::stoll(argv[3]))) {
      std::fprintf(stderr, "too small\n");
      return 1;
    }
    if (colours.size() < 16 || other < 0.01) {
      std::fprintf(stderr, "blank screenshot\n");
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
