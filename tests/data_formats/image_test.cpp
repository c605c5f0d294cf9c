// PNG and JPEG decoding: every colour type and bit depth, channel conversions, encoders, and broken,
// truncated and hostile files (each a descent::Error naming the file; run these under ASan + UBSan).
#include <atomic>
#include <cmath>
#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <jpeglib.h>  // after <cstdio>: it needs FILE and size_t

#include "descent/data/formats/image.h"
#include "descent/data/transforms.h"
#include "formats_test_util.h"

using namespace descent;
using namespace descent::data;
using namespace formats_test;

namespace {

// A uint8 [H, W, C] image with pseudo-random pixels.
Tensor random_image(int64_t h, int64_t w, int64_t c, uint32_t seed) {
  Tensor t = empty({h, w, c}, kUInt8);
  uint8_t* p = t.data_ptr<uint8_t>();
  uint32_t s = seed * 2654435761u + 1;
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = uint8_t((s = s * 1664525u + 1013904223u) >> 24);
  return t;
}

// A smooth uint8 [H, W, C] image (JPEG keeps it close).
Tensor smooth_image(int64_t h, int64_t w, int64_t c) {
  Tensor t = empty({h, w, c}, kUInt8);
  uint8_t* p = t.data_ptr<uint8_t>();
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t k = 0; k < c; ++k)
        p[(y * w + x) * c + k] = uint8_t(40 + (x * 150) / w + (y * 50) / h + k * 10);
  return t;
}

std::vector<uint8_t> pixels(const Tensor& t) { return t.contiguous().to_vector<uint8_t>(); }

bool same_image(const Tensor& a, const Tensor& b) { return a.sizes() == b.sizes() && pixels(a) == pixels(b); }

int max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  const auto pa = pixels(a), pb = pixels(b);
  int m = 0;
  for (size_t i = 0; i < pa.size() && i < pb.size(); ++i) m = std::max(m, std::abs(int(pa[i]) - int(pb[i])));
  return m;
}

Tensor decode_bytes(const std::string& bytes, int channels = 0, const std::string& name = "test") {
  return decode_image(bytes.data(), bytes.size(), channels, name);
}

// ---- a JPEG writer with the options encode_jpeg does not offer (progressive, CMYK) ----

struct TestJpegErr {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
};

void test_jpeg_error(j_common_ptr c) { std::longjmp(reinterpret_cast<TestJpegErr*>(c->err)->jump, 1); }

int test_jpeg_steps(jpeg_compress_struct* ci, TestJpegErr* e, unsigned char** buf, unsigned long* size, int w, int h,
                    int comps, J_COLOR_SPACE space, bool progressive, const unsigned char* px) {
  if (setjmp(e->jump)) return 0;
  jpeg_create_compress(ci);
  jpeg_mem_dest(ci, buf, size);
  ci->image_width = JDIMENSION(w);
  ci->image_height = JDIMENSION(h);
  ci->input_components = comps;
  ci->in_color_space = space;
  jpeg_set_defaults(ci);
  jpeg_set_quality(ci, 95, TRUE);
  if (progressive) jpeg_simple_progression(ci);
  jpeg_start_compress(ci, TRUE);
  while (ci->next_scanline < ci->image_height) {
    JSAMPROW row = const_cast<unsigned char*>(px) + size_t(ci->next_scanline) * size_t(w) * size_t(comps);
    jpeg_write_scanlines(ci, &row, 1);
  }
  jpeg_finish_compress(ci);
  return 1;
}

std::string test_jpeg(const Tensor& img, J_COLOR_SPACE space, bool progressive) {
  jpeg_compress_struct ci;
  TestJpegErr err;
  std::memset(&ci, 0, sizeof ci);
  ci.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = test_jpeg_error;
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const Tensor c = img.contiguous();
  const int ok = test_jpeg_steps(&ci, &err, &buf, &size, int(c.size(1)), int(c.size(0)), int(c.size(2)), space,
                                 progressive, c.data_ptr<uint8_t>());
  jpeg_destroy_compress(&ci);
  std::string out = ok ? std::string(reinterpret_cast<char*>(buf), size) : std::string();
  std::free(buf);
  EXPECT_TRUE(ok) << "test JPEG writer failed";
  return out;
}

// Offset of the first JPEG marker FF xx at or after `from`.
size_t find_marker(const std::string& jpg, uint8_t marker, size_t from = 2) {
  for (size_t i = from; i + 1 < jpg.size(); ++i)
    if (uint8_t(jpg[i]) == 0xFF && uint8_t(jpg[i + 1]) == marker) return i;
  return std::string::npos;
}

}  // namespace

// ---- PNG ----

TEST(Png, EncodeDecodeRoundTripsEveryChannelCount) {
  for (int64_t c = 1; c <= 4; ++c) {
    const Tensor img = random_image(7, 5, c, uint32_t(c));
    const std::string png = encode_png(img);
    EXPECT_EQ(detect_image_format(png.data(), png.size()), ImageFormat::Png);
    EXPECT_TRUE(same_image(decode_png(png.data(), png.size()), img)) << c << " channels";
    EXPECT_TRUE(same_image(decode_bytes(png), img));
    for (int level : {0, 9}) EXPECT_TRUE(same_image(decode_bytes(encode_png(img, level)), img));
  }
  // [H, W] is one channel.
  const Tensor gray = random_image(4, 6, 1, 9).reshape({4, 6});
  EXPECT_TRUE(same_image(decode_bytes(encode_png(gray)), gray.reshape({4, 6, 1})));
}

TEST(Png, EveryChannelRequestMatchesConvertImageChannels) {
  for (int64_t c = 1; c <= 4; ++c) {
    const Tensor img = random_image(6, 9, c, uint32_t(10 + c));
    const std::string png = encode_png(img);
    for (int want = 1; want <= 4; ++want) {
      const Tensor got = decode_bytes(png, want);
      EXPECT_EQ(got.sizes(), (Shape{6, 9, want}));
      EXPECT_TRUE(same_image(got, convert_image_channels(img, want))) << c << " -> " << want;
    }
  }
}

TEST(Png, PaletteWithAndWithoutTransparency) {
  RawPng p;
  p.width = 4;
  p.height = 2;
  p.bit_depth = 2;
  p.color_type = PNG_COLOR_TYPE_PALETTE;
  p.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}};
  // Indices 0 1 2 3 / 3 2 1 0, two bits each, packed MSB first.
  p.rows = {std::string(1, char(0b00011011)), std::string(1, char(0b11100100))};
  const Tensor rgb = decode_bytes(raw_png(p));
  ASSERT_EQ(rgb.sizes(), (Shape{2, 4, 3}));
  EXPECT_EQ(pixels(rgb), (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30,  //
                                               10, 20, 30, 0, 0, 255, 0, 255, 0, 255, 0, 0}));
  p.trns = {0, 128};  // entries 2 and 3 stay opaque
  const Tensor rgba = decode_bytes(raw_png(p));
  ASSERT_EQ(rgba.sizes(), (Shape{2, 4, 4}));
  EXPECT_EQ(pixels(rgba.select(0, 0)), (std::vector<uint8_t>{255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 10, 20,
                                                             30, 255}));
  EXPECT_TRUE(same_image(decode_bytes(raw_png(p), 3), rgb));
  // Gray from a palette image: luma of the colours.
  EXPECT_EQ(pixels(decode_bytes(raw_png(p), 1).select(0, 0)),
            (std::vector<uint8_t>{76, 150, 29, 18}));  // round(0.299*255), round(0.587*255), round(0.114*255), 18.15
}

TEST(Png, LowBitDepthGrayIsScaledTo8Bits) {
  RawPng p;
  p.width = 8;
  p.height = 1;
  p.bit_depth = 1;
  p.rows = {std::string(1, char(0b10110001))};
  EXPECT_EQ(pixels(decode_bytes(raw_png(p))), (std::vector<uint8_t>{255, 0, 255, 255, 0, 0, 0, 255}));
  p.bit_depth = 4;
  p.width = 4;
  p.rows = {std::string{char(0x0F), char(0x5A)}};
  EXPECT_EQ(pixels(decode_bytes(raw_png(p))), (std::vector<uint8_t>{0, 255, 85, 170}));
}

TEST(Png, SixteenBitIsScaledWithRounding) {
  const std::vector<uint16_t> values = {0, 128, 129, 257, 32768, 40000, 65535, 65407};
  RawPng p;
  p.width = uint32_t(values.size());
  p.height = 1;
  p.bit_depth = 16;
  std::string row;
  for (uint16_t v : values) row += std::string{char(v >> 8), char(v & 0xFF)};
  p.rows = {row};
  const Tensor got = decode_bytes(raw_png(p));
  ASSERT_EQ(got.sizes(), (Shape{1, 8, 1}));
  std::vector<uint8_t> want;
  for (uint16_t v : values) want.push_back(uint8_t(std::lround(v * 255.0 / 65535.0)));
  EXPECT_EQ(pixels(got), want);
  // 16-bit RGBA.
  p.color_type = PNG_COLOR_TYPE_RGBA;
  p.width = 2;
  p.rows = {row};
  const Tensor rgba = decode_bytes(raw_png(p));
  ASSERT_EQ(rgba.sizes(), (Shape{1, 2, 4}));
  EXPECT_EQ(pixels(rgba), want);
  // 16-bit gray + alpha asked for RGB: alpha dropped, gray repeated.
  p.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
  p.width = 4;
  const Tensor rgb = decode_bytes(raw_png(p), 3);
  ASSERT_EQ(rgb.sizes(), (Shape{1, 4, 3}));
  EXPECT_EQ(pixels(rgb), (std::vector<uint8_t>{want[0], want[0], want[0], want[2], want[2], want[2], want[4], want[4],
                                               want[4], want[6], want[6], want[6]}));
}

TEST(Png, InterlacedImagesDecodeLikePlainOnes) {
  for (int color : {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA}) {
    const int64_t c = color == PNG_COLOR_TYPE_GRAY ? 1 : color == PNG_COLOR_TYPE_RGB ? 3 : 4;
    const Tensor img = random_image(13, 11, c, uint32_t(color + 100));
    RawPng p;
    p.width = 11;
    p.height = 13;
    p.color_type = color;
    p.interlaced = true;
    for (int64_t y = 0; y < 13; ++y) {
      const auto row = pixels(img.select(0, y));
      p.rows.push_back(std::string(row.begin(), row.end()));
    }
    const std::string png = raw_png(p);
    EXPECT_EQ(png[8 + 8 + 12], 1) << "the IHDR's interlace byte";
    EXPECT_TRUE(same_image(decode_bytes(png), img)) << "colour type " << color;
  }
}

TEST(Png, ColourKeyTransparencyBecomesAlpha) {
  RawPng p;
  p.width = 3;
  p.height = 1;
  p.rows = {std::string{char(7), char(8), char(7)}};
  p.trns_gray_or_rgb = true;
  p.trns_color.gray = 7;
  const Tensor ga = decode_bytes(raw_png(p));
  ASSERT_EQ(ga.sizes(), (Shape{1, 3, 2}));
  EXPECT_EQ(pixels(ga), (std::vector<uint8_t>{7, 0, 8, 255, 7, 0}));
}

TEST(ImageChannels, ConversionRules) {
  // One RGBA pixel row: (r, g, b, a).
  const Tensor rgba = from_vector(std::vector<uint8_t>{200, 100, 50, 128, 0, 0, 0, 0, 255, 255, 255, 255}, {1, 3, 4});
  EXPECT_EQ(pixels(convert_image_channels(rgba, 3)), (std::vector<uint8_t>{200, 100, 50, 0, 0, 0, 255, 255, 255}));
  // 0.299*200 + 0.587*100 + 0.114*50 = 124.2
  EXPECT_EQ(pixels(convert_image_channels(rgba, 1)), (std::vector<uint8_t>{124, 0, 255}));
  EXPECT_EQ(pixels(convert_image_channels(rgba, 2)), (std::vector<uint8_t>{124, 128, 0, 0, 255, 255}));
  EXPECT_TRUE(same_image(convert_image_channels(rgba, 4), rgba));
  const Tensor gray = from_vector(std::vector<uint8_t>{3, 250}, {1, 2});
  EXPECT_EQ(pixels(convert_image_channels(gray, 3)), (std::vector<uint8_t>{3, 3, 3, 250, 250, 250}));
  EXPECT_EQ(pixels(convert_image_channels(gray, 4)), (std::vector<uint8_t>{3, 3, 3, 255, 250, 250, 250, 255}));
  EXPECT_EQ(pixels(convert_image_channels(gray, 2)), (std::vector<uint8_t>{3, 255, 250, 255}));
  const Tensor ga = from_vector(std::vector<uint8_t>{9, 99}, {1, 1, 2});
  EXPECT_EQ(pixels(convert_image_channels(ga, 4)), (std::vector<uint8_t>{9, 9, 9, 99}));
  EXPECT_EQ(pixels(convert_image_channels(ga, 1)), (std::vector<uint8_t>{9}));
  // RGB -> gray agrees with the Grayscale transform.
  const Tensor rgb = random_image(9, 7, 3, 77);
  EXPECT_TRUE(same_image(convert_image_channels(rgb, 1), image::to_grayscale(rgb, 1)));
  EXPECT_TRUE(same_image(convert_image_channels(rgb, 1), Grayscale(1)(rgb)));
  // Bad arguments.
  expect_error([&] { convert_image_channels(rgb, 5); }, {"channels must be 1, 2, 3 or 4", "5"});
  expect_error([&] { convert_image_channels(rgb.to(kFloat32), 1); }, {"uint8", "float32"});
  expect_error([&] { convert_image_channels(random_image(2, 2, 5, 1), 3); }, {"1 to 4 channels", "[2, 2, 5]"});
}

TEST(Png, EncoderRejectsWhatPngCannotHold) {
  expect_error([] { encode_png(zeros({2, 2, 3}, kFloat32)); }, {"uint8", "float32"});
  expect_error([] { encode_png(zeros({2, 2, 5}, kUInt8)); }, {"1 to 4 channels", "[2, 2, 5]"});
  expect_error([] { encode_png(zeros({0, 2, 3}, kUInt8)); }, {"empty image"});
  expect_error([] { encode_png(zeros({2}, kUInt8)); }, {"[H, W]", "[2]"});
  expect_error([] { encode_png(zeros({2, 2}, kUInt8), 10); }, {"compression_level", "10"});
  // Non-contiguous input is fine.
  const Tensor img = random_image(5, 6, 3, 4);
  const Tensor flipped = img.flip({1});
  EXPECT_TRUE(same_image(decode_bytes(encode_png(flipped)), flipped.contiguous()));
}

// ---- JPEG ----

TEST(Jpeg, RgbAndGrayRoundTripClosely) {
  const Tensor rgb = smooth_image(24, 40, 3);
  const std::string jpg = encode_jpeg(rgb, 95);
  EXPECT_EQ(detect_image_format(jpg.data(), jpg.size()), ImageFormat::Jpeg);
  const Tensor back = decode_jpeg(jpg.data(), jpg.size());
  ASSERT_EQ(back.sizes(), (Shape{24, 40, 3}));
  EXPECT_LE(max_abs_diff(back, rgb), 8);
  const Tensor gray = smooth_image(16, 16, 1);
  const std::string gjpg = encode_jpeg(gray.reshape({16, 16}), 100);
  const Tensor gback = decode_bytes(gjpg);
  ASSERT_EQ(gback.sizes(), (Shape{16, 16, 1}));
  EXPECT_LE(max_abs_diff(gback, gray), 2);
}

TEST(Jpeg, ChannelRequests) {
  const Tensor rgb = smooth_image(16, 24, 3);
  const std::string jpg = encode_jpeg(rgb, 90);
  const Tensor as_rgb = decode_bytes(jpg, 3);
  // Gray comes from libjpeg's luma Y: within 1-2 of converting the RGB decode.
  const Tensor as_gray = decode_bytes(jpg, 1);
  ASSERT_EQ(as_gray.sizes(), (Shape{16, 24, 1}));
  EXPECT_LE(max_abs_diff(as_gray, convert_image_channels(as_rgb, 1)), 2);
  const Tensor as_rgba = decode_bytes(jpg, 4);
  EXPECT_TRUE(same_image(as_rgba, convert_image_channels(as_rgb, 4)));
  const Tensor as_ga = decode_bytes(jpg, 2);
  EXPECT_TRUE(same_image(as_ga, convert_image_channels(as_gray, 2)));
  // A gray JPEG asked for RGB repeats the value.
  const std::string gjpg = encode_jpeg(smooth_image(8, 8, 1), 90);
  const Tensor g = decode_bytes(gjpg);
  EXPECT_TRUE(same_image(decode_bytes(gjpg, 3), convert_image_channels(g, 3)));
  EXPECT_TRUE(same_image(decode_bytes(gjpg, 0), g));
}

TEST(Jpeg, ProgressiveDecodesLikeBaseline) {
  const Tensor rgb = smooth_image(32, 48, 3);
  const Tensor base = decode_bytes(test_jpeg(rgb, JCS_RGB, false));
  const Tensor prog = decode_bytes(test_jpeg(rgb, JCS_RGB, true));
  ASSERT_EQ(prog.sizes(), base.sizes());
  EXPECT_LE(max_abs_diff(prog, rgb), 8);
}

TEST(Jpeg, CmykIsAClearError) {
  const Tensor cmyk = smooth_image(8, 8, 4);
  const std::string jpg = test_jpeg(cmyk, JCS_CMYK, false);
  expect_error([&] { decode_bytes(jpg, 0, "print.jpg"); }, {"print.jpg", "CMYK", "not supported"});
}

TEST(Jpeg, EncoderRejectsAlpha) {
  expect_error([] { encode_jpeg(zeros({2, 2, 4}, kUInt8)); }, {"1 to 3 channels"});
  expect_error([] { encode_jpeg(zeros({2, 2, 2}, kUInt8)); }, {"gray or RGB"});
  expect_error([] { encode_jpeg(zeros({2, 2, 3}, kUInt8), 0); }, {"quality"});
}

// ---- files ----

TEST(ImageFiles, ReadImageAndWriters) {
  TempDir dir;
  const Tensor img = random_image(5, 4, 3, 5);
  write_png(dir.file("a.png"), img);
  EXPECT_TRUE(same_image(read_image(dir.file("a.png")), img));
  EXPECT_TRUE(same_image(read_image(dir.file("a.png"), 1), convert_image_channels(img, 1)));
  write_jpeg(dir.file("b.jpg"), smooth_image(8, 8, 3));
  EXPECT_EQ(read_image(dir.file("b.jpg")).sizes(), (Shape{8, 8, 3}));
  // The format comes from the bytes, not the name.
  write_png(dir.file("really_a_png.jpg"), img);
  EXPECT_TRUE(same_image(read_image(dir.file("really_a_png.jpg")), img));
  expect_error([&] { read_image(dir.file("missing.png")); }, {"missing.png", "no such file"});
  expect_error([&] { read_image(dir.str()); }, {"not a regular file"});
  write_bytes(dir.file("empty.png"), "");
  expect_error([&] { read_image(dir.file("empty.png")); }, {"empty.png", "empty file"});
  write_bytes(dir.file("text.png"), "hello, I am not an image");
  expect_error([&] { read_image(dir.file("text.png")); }, {"text.png", "not a PNG or JPEG"});
  expect_error([&] { read_image(dir.file("a.png"), 7); }, {"a.png", "channels must be 0 (keep), 1, 2, 3 or 4"});
  expect_error([&] { write_png(dir.file("no/such/dir/x.png"), img); }, {"x.png", "cannot create"});
}

// ---- hostile PNGs ----

TEST(PngHostile, EveryTruncationIsAnError) {
  const std::string png = encode_png(random_image(6, 5, 3, 21));
  for (size_t n = 1; n < png.size(); ++n) {
    const std::string cut = png.substr(0, n);
    const std::string msg = error_of([&] { decode_image(cut.data(), cut.size(), 0, "cut.png"); });
    EXPECT_NE(msg.find("cut.png"), std::string::npos) << "truncated at " << n << ": " << msg;
  }
}

TEST(PngHostile, WrongMagicAndEmpty) {
  const std::string png = encode_png(random_image(2, 2, 1, 3));
  std::string bad = png;
  bad[1] = 'Q';
  expect_error([&] { decode_png(bad.data(), bad.size(), 0, "bad.png"); }, {"bad.png", "not a PNG"});
  expect_error([&] { decode_image(bad.data(), bad.size(), 0, "bad.png"); }, {"bad.png", "not a PNG or JPEG"});
  expect_error([&] { decode_png(png.data(), 0, 0, "zero.png"); }, {"zero.png", "empty"});
  expect_error([&] { decode_image("", 0, 0, "zero"); }, {"zero", "empty"});
}

TEST(PngHostile, CorruptChunksAndCrcs) {
  const std::string png = encode_png(random_image(8, 8, 3, 4));
  // IHDR CRC.
  std::string s = png;
  s[8 + 8 + 13] ^= 0x55;
  expect_error([&] { decode_bytes(s, 0, "ihdr_crc.png"); }, {"ihdr_crc.png", "CRC"});
  // IDAT CRC.
  const size_t idat = find_chunk(png, "IDAT");
  ASSERT_NE(idat, std::string::npos);
  const uint32_t idat_len = uint32_t((unsigned char)png[idat + 2]) << 8 | uint32_t((unsigned char)png[idat + 3]);
  s = png;
  s[idat + 8 + idat_len] ^= 0x01;
  expect_error([&] { decode_bytes(s, 0, "idat_crc.png"); }, {"idat_crc.png", "CRC"});
  // IDAT payload corrupted with a valid CRC: zlib complains.
  s = png;
  for (size_t i = idat + 8 + 2; i < idat + 8 + idat_len; i += 3) s[i] = char(s[i] ^ 0xA5);
  const std::string data = s.substr(idat + 4, 4 + idat_len);
  s.replace(idat + 8 + idat_len, 4, be32(crc32_of(data)));
  EXPECT_NE(error_of([&] { decode_bytes(s, 0, "idat_zlib.png"); }).find("idat_zlib.png"), std::string::npos);
  // A chunk whose length runs past the end of the file.
  s = png.substr(0, idat) + be32(0x7FFFFFF0u) + "tEXt" + "abc";
  expect_error([&] { decode_bytes(s, 0, "long_chunk.png"); }, {"long_chunk.png"});
  // No IDAT at all.
  s = kPngSignature + png_ihdr(4, 4, 8, 0) + png_chunk("IEND", "");
  expect_error([&] { decode_bytes(s, 0, "no_idat.png"); }, {"no_idat.png"});
  // Missing IEND after the image data.
  const size_t iend = find_chunk(png, "IEND");
  s = png.substr(0, iend);
  expect_error([&] { decode_bytes(s, 0, "no_iend.png"); }, {"no_iend.png"});
  // A bad colour type / bit depth combination.
  s = kPngSignature + png_ihdr(4, 4, 3, 2) + png.substr(idat);
  expect_error([&] { decode_bytes(s, 0, "bad_depth.png"); }, {"bad_depth.png"});
}

TEST(PngHostile, AbsurdDimensionsAreRefusedBeforeAllocating) {
  const std::string png = encode_png(random_image(8, 8, 1, 4));
  const std::string rest = png.substr(find_chunk(png, "IDAT"));
  // More pixels than kMaxImagePixels.
  std::string s = kPngSignature + png_ihdr(20000, 20000, 8, 6) + rest;
  expect_error([&] { decode_bytes(s, 0, "huge.png"); }, {"huge.png", "20000 x 20000", "limit"});
  // Under the pixel cap, but far more than this tiny file can hold.
  s = kPngSignature + png_ihdr(16000, 16000, 8, 6) + rest;
  expect_error([&] { decode_bytes(s, 0, "liar.png"); }, {"liar.png", "16000 x 16000", "can hold"});
  // Past libpng's own limits, and zero.
  s = kPngSignature + png_ihdr(0x7FFFFFFF, 2, 8, 0) + rest;
  expect_error([&] { decode_bytes(s, 0, "wide.png"); }, {"wide.png"});
  s = kPngSignature + png_ihdr(0, 2, 8, 0) + rest;
  expect_error([&] { decode_bytes(s, 0, "zero_w.png"); }, {"zero_w.png"});
  // The declared size is smaller than the data: decodes the declared rows (libpng ignores extra data).
  s = kPngSignature + png_ihdr(8, 4, 8, 0) + rest;
  EXPECT_EQ(decode_bytes(s).sizes(), (Shape{4, 8, 1}));
}

// ---- hostile JPEGs ----

TEST(JpegHostile, EveryTruncationIsAnError) {
  const std::string jpg = encode_jpeg(smooth_image(16, 16, 3), 80);
  for (size_t n = 1; n < jpg.size(); ++n) {
    const std::string cut = jpg.substr(0, n);
    const std::string msg = error_of([&] { decode_image(cut.data(), cut.size(), 0, "cut.jpg"); });
    EXPECT_NE(msg.find("cut.jpg"), std::string::npos) << "truncated at " << n << ": " << msg;
  }
}

TEST(JpegHostile, CorruptStreams) {
  const std::string jpg = encode_jpeg(smooth_image(32, 32, 3), 80);
  const size_t sos = find_marker(jpg, 0xDA);
  ASSERT_NE(sos, std::string::npos);
  // An end-of-image marker in the middle of the scan.
  std::string s = jpg;
  const size_t mid = sos + (jpg.size() - sos) / 2;
  s[mid] = char(0xFF);
  s[mid + 1] = char(0xD9);
  expect_error([&] { decode_bytes(s, 0, "early_eoi.jpg"); }, {"early_eoi.jpg"});
  // A restart marker where none belongs.
  s = jpg;
  s[mid] = char(0xFF);
  s[mid + 1] = char(0xD3);
  expect_error([&] { decode_bytes(s, 0, "rst.jpg"); }, {"rst.jpg"});
  // Garbage right after SOI.
  s = jpg.substr(0, 3) + std::string(40, 'x');
  expect_error([&] { decode_bytes(s, 0, "garbage.jpg"); }, {"garbage.jpg"});
  // A Huffman table segment with a lying length.
  const size_t dht = find_marker(jpg, 0xC4);
  ASSERT_NE(dht, std::string::npos);
  s = jpg;
  s[dht + 2] = char(0x7F);
  expect_error([&] { decode_bytes(s, 0, "dht.jpg"); }, {"dht.jpg"});
  // No scan at all: SOI, the headers, EOI.
  s = jpg.substr(0, sos) + "\xFF\xD9";
  expect_error([&] { decode_bytes(s, 0, "no_scan.jpg"); }, {"no_scan.jpg"});
}

TEST(JpegHostile, AbsurdDimensions) {
  const std::string jpg = encode_jpeg(smooth_image(16, 16, 3), 80);
  const size_t sof = find_marker(jpg, 0xC0);
  ASSERT_NE(sof, std::string::npos);
  auto with_size = [&](uint16_t h, uint16_t w) {
    std::string s = jpg;
    s[sof + 5] = char(h >> 8), s[sof + 6] = char(h & 0xFF);
    s[sof + 7] = char(w >> 8), s[sof + 8] = char(w & 0xFF);
    return s;
  };
  expect_error([&] { decode_bytes(with_size(65500, 65500), 0, "huge.jpg"); }, {"huge.jpg", "limit"});
  expect_error([&] { decode_bytes(with_size(8000, 8000), 0, "liar.jpg"); }, {"liar.jpg", "can hold"});
  expect_error([&] { decode_bytes(with_size(0, 16), 0, "zero.jpg"); }, {"zero.jpg"});
  // Slightly larger than the data: the scan ends early.
  expect_error([&] { decode_bytes(with_size(64, 64), 0, "short.jpg"); }, {"short.jpg"});
  // Progressive files get the same check (with their own bound).
  const std::string prog = test_jpeg(smooth_image(16, 16, 3), JCS_RGB, true);
  const size_t sof2 = find_marker(prog, 0xC2);
  ASSERT_NE(sof2, std::string::npos);
  std::string s = prog;
  s[sof2 + 5] = char(0x1F), s[sof2 + 6] = char(0x40);  // 8000 x 8000
  s[sof2 + 7] = char(0x1F), s[sof2 + 8] = char(0x40);
  expect_error([&] { decode_bytes(s, 0, "prog_liar.jpg"); }, {"prog_liar.jpg", "can hold"});
}

TEST(ImageDecode, MaxPixelsIsAdjustable) {
  const std::string png = encode_png(random_image(10, 10, 3, 1));
  const std::string jpg = encode_jpeg(smooth_image(10, 10, 3));
  EXPECT_EQ(decode_image(png.data(), png.size(), 0, "a.png", 100).sizes(), (Shape{10, 10, 3}));
  expect_error([&] { decode_image(png.data(), png.size(), 0, "a.png", 99); }, {"a.png", "10 x 10", "limit of 99"});
  expect_error([&] { decode_image(jpg.data(), jpg.size(), 0, "a.jpg", 99); }, {"a.jpg", "limit of 99"});
  expect_error([&] { decode_image(png.data(), png.size(), 0, "a.png", 0); }, {"max_pixels"});
  expect_error([&] { decode_image(png.data(), png.size(), 0, "a.png", kMaxImagePixels + 1); }, {"max_pixels"});
}

// ---- threads ----

TEST(ImageDecode, ConcurrentDecodesAgree) {
  const Tensor img = random_image(20, 30, 3, 8);
  const std::string png = encode_png(img);
  const std::string jpg = encode_jpeg(smooth_image(20, 30, 3));
  const std::string bad = png.substr(0, png.size() / 2);
  const Tensor jref = decode_bytes(jpg);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 30; ++i) {
        if (!same_image(decode_bytes(png), img)) ++failures;
        if (!same_image(decode_bytes(jpg), jref)) ++failures;
        if (error_of([&] { decode_bytes(bad, 0, "half.png"); }).find("half.png") == std::string::npos) ++failures;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---- seeds for fuzz/png_fuzz.cpp and fuzz/jpeg_fuzz.cpp ----

TEST(ImageFormats, SeedCorpusForTheFuzzer) {
#ifdef DESCENT_FUZZ_CORPUS_DIR
  const std::string png_dir = std::string(DESCENT_FUZZ_CORPUS_DIR) + "/png";
  const std::string jpeg_dir = std::string(DESCENT_FUZZ_CORPUS_DIR) + "/jpeg";
  std::filesystem::create_directories(png_dir);
  std::filesystem::create_directories(jpeg_dir);
  for (int64_t c = 1; c <= 4; ++c)
    write_bytes(png_dir + "/c" + std::to_string(c), encode_png(random_image(5, 4, c, 1)));
  RawPng p;
  p.width = 4;
  p.height = 2;
  p.bit_depth = 2;
  p.color_type = PNG_COLOR_TYPE_PALETTE;
  p.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}};
  p.trns = {0, 128};
  p.rows = {std::string(1, char(0b00011011)), std::string(1, char(0b11100100))};
  write_bytes(png_dir + "/palette", raw_png(p));
  RawPng q;
  q.width = 3;
  q.height = 3;
  q.bit_depth = 16;
  q.color_type = PNG_COLOR_TYPE_RGB;
  q.interlaced = true;
  for (int y = 0; y < 3; ++y) q.rows.push_back(std::string(18, char(y * 40)));
  write_bytes(png_dir + "/rgb16_adam7", raw_png(q));
  write_bytes(jpeg_dir + "/rgb", encode_jpeg(smooth_image(16, 16, 3), 75));
  write_bytes(jpeg_dir + "/gray", encode_jpeg(smooth_image(8, 16, 1), 75));
  write_bytes(jpeg_dir + "/progressive", test_jpeg(smooth_image(16, 8, 3), JCS_RGB, true));
  write_bytes(jpeg_dir + "/cmyk", test_jpeg(smooth_image(8, 8, 4), JCS_CMYK, false));
  EXPECT_TRUE(std::filesystem::exists(png_dir + "/palette"));
#else
  GTEST_SKIP() << "DESCENT_FUZZ_CORPUS_DIR not set";
#endif
}
