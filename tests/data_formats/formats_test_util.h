#pragma once
// Helpers for the image/audio format tests: scratch folders, byte files, hand-made PNG/WAV bytes
// and a libpng writer for the PNG flavours encode_png does not produce (palette, 16-bit, interlaced).
#include <gtest/gtest.h>
#include <png.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "descent/descent.h"
#include "test_util.h"

namespace formats_test {

/// A fresh folder under the system temp dir, removed with its contents at the end of the scope.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("descent_formats_") + (info ? info->test_suite_name() : "x") + "_" +
                       (info ? info->name() : "x") + "_" + std::to_string(::getpid());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

using test_util::error_of;

/// Expects f to throw a descent::Error whose message contains every piece.
inline void expect_error(const std::function<void()>& f, std::initializer_list<std::string> pieces) {
  const std::string msg = error_of(f);
  EXPECT_FALSE(msg.empty()) << "no descent::Error thrown (expected one mentioning " << *pieces.begin() << ")";
  for (const std::string& p : pieces) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
}

// ---- PNG bytes by hand ----

/// CRC-32 as PNG chunks use it.
inline uint32_t crc32_of(const std::string& bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

inline std::string be32(uint32_t v) {
  return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

/// One PNG chunk: length, type, data, CRC over type + data.
inline std::string png_chunk(const std::string& type, const std::string& data) {
  return be32(uint32_t(data.size())) + type + data + be32(crc32_of(type + data));
}

inline const std::string kPngSignature("\x89PNG\r\n\x1a\n", 8);

/// An IHDR chunk.
inline std::string png_ihdr(uint32_t w, uint32_t h, int bit_depth, int color_type, int interlace = 0) {
  return png_chunk("IHDR", be32(w) + be32(h) + std::string{char(bit_depth), char(color_type), 0, 0, char(interlace)});
}

/// Offset of the first chunk of a type in PNG bytes (npos when absent).
inline size_t find_chunk(const std::string& png, const std::string& type) {
  size_t at = 8;
  while (at + 8 <= png.size()) {
    const uint32_t len = uint32_t((unsigned char)png[at]) << 24 | uint32_t((unsigned char)png[at + 1]) << 16 |
                         uint32_t((unsigned char)png[at + 2]) << 8 | uint32_t((unsigned char)png[at + 3]);
    if (png.compare(at + 4, 4, type) == 0) return at;
    at += 12 + len;
  }
  return std::string::npos;
}

/// A PNG written with libpng from raw rows (any colour type and bit depth, optional palette, tRNS, Adam7).
struct RawPng {
  uint32_t width = 0, height = 0;
  int bit_depth = 8;
  int color_type = PNG_COLOR_TYPE_GRAY;
  bool interlaced = false;
  std::vector<png_color> palette;
  std::vector<png_byte> trns;        // palette alpha values
  bool trns_gray_or_rgb = false;     // a tRNS colour key for gray/RGB
  png_color_16 trns_color{};
  std::vector<std::string> rows;     // packed rows as PNG stores them (16-bit big-endian)
};

inline void png_test_error(png_structp png, png_const_charp msg) {
  ADD_FAILURE() << "libpng (test writer): " << msg;
  png_longjmp(png, 1);
}

inline void png_test_write(png_structp png, png_bytep data, size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}
inline void png_test_flush(png_structp) {}

inline int raw_png_write_steps(png_structp png, png_infop info, const RawPng* p, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return 0;
  png_set_IHDR(png, info, p->width, p->height, p->bit_depth, p->color_type,
               p->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!p->palette.empty()) png_set_PLTE(png, info, p->palette.data(), int(p->palette.size()));
  if (!p->trns.empty()) png_set_tRNS(png, info, p->trns.data(), int(p->trns.size()), nullptr);
  if (p->trns_gray_or_rgb) png_set_tRNS(png, info, nullptr, 0, &p->trns_color);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return 1;
}

/// The PNG bytes of a RawPng.
inline std::string raw_png(const RawPng& p) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, png_test_error, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, png_test_write, png_test_flush);
  std::vector<std::string> copy = p.rows;
  std::vector<png_bytep> rows;
  for (auto& r : copy) rows.push_back(reinterpret_cast<png_bytep>(r.data()));
  const int ok = raw_png_write_steps(png, info, &p, rows.data());
  png_destroy_write_struct(&png, &info);
  EXPECT_TRUE(ok);
  return out;
}

// ---- WAV bytes by hand ----

inline std::string le16(uint16_t v) { return std::string{char(v & 0xFF), char(v >> 8)}; }
inline std::string le32(uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; }

/// A RIFF/WAVE file: fmt chunk (format tag 1 = PCM, 3 = float), then `data` as the data chunk. The
/// declared data size is data.size() unless data_size_override >= 0.
inline std::string make_wav(int format_tag, int channels, int sample_rate, int bits, const std::string& data,
                            int64_t data_size_override = -1) {
  const int block = channels * bits / 8;
  std::string fmt = le16(uint16_t(format_tag)) + le16(uint16_t(channels)) + le32(uint32_t(sample_rate)) +
                    le32(uint32_t(sample_rate * block)) + le16(uint16_t(block)) + le16(uint16_t(bits));
  const uint32_t dsize = data_size_override >= 0 ? uint32_t(data_size_override) : uint32_t(data.size());
  std::string body = "WAVE" + std::string("fmt ") + le32(uint32_t(fmt.size())) + fmt + "data" + le32(dsize) + data;
  if (data.size() % 2) body += '\0';
  return "RIFF" + le32(uint32_t(body.size())) + body;
}

}  // namespace formats_test
