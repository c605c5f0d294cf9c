// PNG and JPEG through libpng and libjpeg-turbo.
//
// Both libraries report fatal errors through a callback that must not return; we longjmp out of it.
// A longjmp is only safe when every frame it skips holds nothing with a destructor, so each step that
// can fail runs in a small C-style function (png_step_* / jpeg_step_*) whose only locals are plain
// data: it calls setjmp, calls into the library, and returns 0 when the library bailed out. The C++
// caller owns every resource (the codec structs through RAII guards, the output tensor, row pointers)
// and turns a 0 into a descent::Error carrying the library's message.
#include "descent/data/formats/image.h"

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "descent/core/error.h"
#include "descent/ops/ops.h"
#include "file_bytes.h"

namespace descent::data {
namespace {

// deflate cannot do better than about 1032:1, so a PNG's filtered image data is at most this many
// times its file size (with slack for tiny files).
constexpr uint64_t kMaxDeflateRatio = 1100;
constexpr uint64_t kRatioSlack = 1 << 16;
// A sequential Huffman JPEG spends at least 2 bits (a DC code and an end-of-block code) on every
// 8x8 block of its full-resolution component: at most 256 pixels per byte. A progressive one still
// codes every block's DC in its first DC scan (1 bit at least): at most 512 pixels per byte.
constexpr uint64_t kMaxSequentialPixelsPerByte = 256;
constexpr uint64_t kMaxProgressivePixelsPerByte = 512;

constexpr size_t kMsgLen = 256;
constexpr png_alloc_size_t kPngMaxChunkBytes = png_alloc_size_t(16) << 20;

void check_channels(int channels, const char* fn, const std::string& name) {
  DESCENT_CHECK(channels >= 0 && channels <= 4, fn, ": ", name, ": channels must be 0 (keep), 1, 2, 3 or 4, got ",
                channels);
}

void check_limit(int64_t max_pixels, const char* fn, const std::string& name) {
  DESCENT_CHECK(max_pixels >= 1 && max_pixels <= kMaxImagePixels, fn, ": ", name, ": max_pixels must be in 1..",
                kMaxImagePixels, ", got ", max_pixels);
}

void check_pixels(uint64_t width, uint64_t height, int64_t max_pixels, const char* fn, const std::string& name) {
  DESCENT_CHECK(width > 0 && height > 0, fn, ": ", name, ": image of ", width, " x ", height, " pixels is empty");
  DESCENT_CHECK(width <= uint64_t(max_pixels) && height <= uint64_t(max_pixels) &&
                    width * height <= uint64_t(max_pixels),
                fn, ": ", name, ": image of ", width, " x ", height, " pixels is larger than the limit of ",
                max_pixels, " pixels");
}

// ---- channel conversion on raw HWC rows ----

inline uint8_t luma(uint8_t r, uint8_t g, uint8_t b) {
  // The Grayscale transform's rounding (nearbyint: half to even).
  const double v = 0.299 * r + 0.587 * g + 0.114 * b;
  return static_cast<uint8_t>(std::clamp(std::nearbyint(v), 0.0, 255.0));
}

void convert_pixels(const uint8_t* src, int cin, uint8_t* dst, int cout, int64_t n) {
  if (cin == cout) {
    std::memcpy(dst, src, size_t(n) * size_t(cin));
    return;
  }
  for (int64_t i = 0; i < n; ++i, src += cin, dst += cout) {
    const bool color = cin >= 3;
    const uint8_t r = src[0], g = color ? src[1] : src[0], b = color ? src[2] : src[0];
    const uint8_t a = (cin == 2 || cin == 4) ? src[cin - 1] : 255;
    switch (cout) {
      case 1: dst[0] = color ? luma(r, g, b) : r; break;
      case 2:
        dst[0] = color ? luma(r, g, b) : r;
        dst[1] = a;
        break;
      case 3:
        dst[0] = r, dst[1] = g, dst[2] = b;
        break;
      default:
        dst[0] = r, dst[1] = g, dst[2] = b, dst[3] = a;
        break;
    }
  }
}

// ---- PNG ----

struct PngIo {
  const uint8_t* data;
  size_t size;
  size_t pos;
  char msg[kMsgLen];
};

void png_read_cb(png_structp png, png_bytep out, size_t n) {
  PngIo* io = static_cast<PngIo*>(png_get_io_ptr(png));
  if (n > io->size - io->pos) png_error(png, "unexpected end of file (truncated)");
  std::memcpy(out, io->data + io->pos, n);
  io->pos += n;
}

void png_error_cb(png_structp png, png_const_charp msg) {
  PngIo* io = static_cast<PngIo*>(png_get_error_ptr(png));
  std::snprintf(io->msg, kMsgLen, "%s", msg);
  png_longjmp(png, 1);
}

void png_warning_cb(png_structp, png_const_charp) {}  // ancillary-chunk problems: the image is still good

struct PngHeader {
  png_uint_32 width, height;
  int bit_depth, color_type, interlace;
  size_t raw_rowbytes;
};

int png_step_header(png_structp png, png_infop info, PngHeader* h) {
  if (setjmp(png_jmpbuf(png))) return 0;
  png_read_info(png, info);
  png_get_IHDR(png, info, &h->width, &h->height, &h->bit_depth, &h->color_type, &h->interlace, nullptr, nullptr);
  h->raw_rowbytes = png_get_rowbytes(png, info);
  return 1;
}

// Sets up the transforms to 8-bit gray/gray+alpha/RGB/RGBA and reports the resulting channels.
int png_step_transform(png_structp png, png_infop info, int bit_depth, int* channels, size_t* rowbytes) {
  if (setjmp(png_jmpbuf(png))) return 0;
  png_set_expand(png);  // palette -> RGB, gray < 8 bits -> 8 bits, tRNS -> alpha
  if (bit_depth == 16) png_set_scale_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  *channels = png_get_channels(png, info);
  *rowbytes = png_get_rowbytes(png, info);
  return 1;
}

int png_step_read(png_structp png, png_infop info, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return 0;
  png_read_image(png, rows);
  png_read_end(png, info);
  return 1;
}

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

// Walks the chunk list before libpng sees it: every chunk must fit in the file and IEND must come.
// libpng buffers a whole ancillary chunk before reading it, so a lying length would otherwise cost
// an allocation of up to 2 GiB before the file turns out to be too short.
void check_png_chunks(const uint8_t* p, size_t size, const std::string& name) {
  size_t at = 8;
  while (true) {
    DESCENT_CHECK(size - at >= 12, "decode_png: ", name, ": file ends at byte ", size,
                  " before the IEND chunk (truncated)");
    const uint64_t len = be32(p + at);
    const std::string type(reinterpret_cast<const char*>(p + at + 4), 4);
    DESCENT_CHECK(len <= 0x7FFFFFFFu && len <= size - at - 12, "decode_png: ", name, ": chunk '", type,
                  "' at byte ", at, " declares ", len, " bytes but only ", size - at - 12,
                  " remain (truncated or corrupt file)");
    if (type == "IEND") return;
    at += 12 + size_t(len);
  }
}

class PngReadGuard {
 public:
  explicit PngReadGuard(PngIo* io) {
    png_ = png_create_read_struct(PNG_LIBPNG_VER_STRING, io, png_error_cb, png_warning_cb);
    if (png_) info_ = png_create_info_struct(png_);
  }
  ~PngReadGuard() {
    if (png_) png_destroy_read_struct(&png_, info_ ? &info_ : nullptr, nullptr);
  }
  PngReadGuard(const PngReadGuard&) = delete;
  PngReadGuard& operator=(const PngReadGuard&) = delete;
  png_structp png() const { return png_; }
  png_infop info() const { return info_; }

 private:
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

// ---- JPEG ----

struct JpegErr {
  jpeg_error_mgr pub;  // first, so that a j_common_ptr's err can be cast to JpegErr
  std::jmp_buf jump;
  char msg[JMSG_LENGTH_MAX];
};

[[noreturn]] void jpeg_error_cb(j_common_ptr c) {
  JpegErr* e = reinterpret_cast<JpegErr*>(c->err);
  (*c->err->format_message)(c, e->msg);
  std::longjmp(e->jump, 1);
}

// libjpeg only warns about data that ends early or cannot be decoded and fills the rest with grey;
// we treat those warnings as errors so that a broken file never decodes "successfully".
void jpeg_message_cb(j_common_ptr c, int level) {
  if (level != -1) return;  // trace messages
  const int code = c->err->msg_code;
  if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER || code == JWRN_MUST_RESYNC || code == JWRN_HUFF_BAD_CODE ||
      code == JWRN_NOT_SEQUENTIAL || code == JWRN_BOGUS_PROGRESSION) {
    jpeg_error_cb(c);
  }
  c->err->num_warnings++;
}

int jpeg_step_create(jpeg_decompress_struct* ci, JpegErr* e) {
  if (setjmp(e->jump)) return 0;
  jpeg_create_decompress(ci);
  return 1;
}

int jpeg_step_header(jpeg_decompress_struct* ci, JpegErr* e, const uint8_t* data, size_t size) {
  if (setjmp(e->jump)) return 0;
  jpeg_mem_src(ci, data, static_cast<unsigned long>(size));
  jpeg_read_header(ci, TRUE);
  return 1;
}

int jpeg_step_start(jpeg_decompress_struct* ci, JpegErr* e, J_COLOR_SPACE out_space, long max_memory) {
  if (setjmp(e->jump)) return 0;
  ci->out_color_space = out_space;
  ci->mem->max_memory_to_use = max_memory;
  jpeg_start_decompress(ci);
  return 1;
}

int jpeg_step_read(jpeg_decompress_struct* ci, JpegErr* e, uint8_t* out, size_t row_stride) {
  if (setjmp(e->jump)) return 0;
  while (ci->output_scanline < ci->output_height) {
    JSAMPROW row = out + size_t(ci->output_scanline) * row_stride;
    if (jpeg_read_scanlines(ci, &row, 1) != 1) {
      // Suspension cannot happen with a memory source; treat it as truncation.
      ERREXIT(ci, JERR_INPUT_EOF);
    }
  }
  jpeg_finish_decompress(ci);
  return 1;
}

class JpegReadGuard {
 public:
  JpegReadGuard() {
    std::memset(&ci_, 0, sizeof ci_);
    std::memset(&err_, 0, sizeof err_);
    ci_.err = jpeg_std_error(&err_.pub);
    err_.pub.error_exit = jpeg_error_cb;
    err_.pub.emit_message = jpeg_message_cb;
  }
  ~JpegReadGuard() { jpeg_destroy_decompress(&ci_); }  // safe on a half-created struct (mem == NULL)
  JpegReadGuard(const JpegReadGuard&) = delete;
  JpegReadGuard& operator=(const JpegReadGuard&) = delete;
  jpeg_decompress_struct* ci() { return &ci_; }
  JpegErr* err() { return &err_; }

 private:
  jpeg_decompress_struct ci_;
  JpegErr err_;
};

const char* jpeg_space_name(J_COLOR_SPACE s) {
  switch (s) {
    case JCS_GRAYSCALE: return "grayscale";
    case JCS_RGB: return "RGB";
    case JCS_YCbCr: return "YCbCr";
    case JCS_CMYK: return "CMYK";
    case JCS_YCCK: return "YCCK";
    default: return "an unusual colour space";
  }
}

// ---- encoders: output buffers are plain malloc'd memory so that the write callbacks cannot throw ----

struct PngOut {
  unsigned char* data;
  size_t size, cap;
  char msg[kMsgLen];
};

void png_write_cb(png_structp png, png_bytep in, size_t n) {
  PngOut* o = static_cast<PngOut*>(png_get_io_ptr(png));
  if (n > o->cap - o->size) {
    size_t cap = std::max(o->cap * 2, o->size + n);
    void* p = std::realloc(o->data, cap);
    if (!p) png_error(png, "out of memory");
    o->data = static_cast<unsigned char*>(p);
    o->cap = cap;
  }
  std::memcpy(o->data + o->size, in, n);
  o->size += n;
}

void png_flush_cb(png_structp) {}

void png_write_error_cb(png_structp png, png_const_charp msg) {
  PngOut* o = static_cast<PngOut*>(png_get_error_ptr(png));
  std::snprintf(o->msg, kMsgLen, "%s", msg);
  png_longjmp(png, 1);
}

int png_step_write(png_structp png, png_infop info, png_uint_32 w, png_uint_32 h, int color_type, int level,
                   png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return 0;
  png_set_compression_level(png, level);
  png_set_IHDR(png, info, w, h, 8, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return 1;
}

int jpeg_step_write(jpeg_compress_struct* ci, JpegErr* e, unsigned char** buf, unsigned long* size, int w, int h,
                    int channels, int quality, const uint8_t* pixels) {
  if (setjmp(e->jump)) return 0;
  jpeg_create_compress(ci);
  jpeg_mem_dest(ci, buf, size);
  ci->image_width = JDIMENSION(w);
  ci->image_height = JDIMENSION(h);
  ci->input_components = channels;
  ci->in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(ci);
  jpeg_set_quality(ci, quality, TRUE);
  jpeg_start_compress(ci, TRUE);
  while (ci->next_scanline < ci->image_height) {
    JSAMPROW row = const_cast<uint8_t*>(pixels) + size_t(ci->next_scanline) * size_t(w) * size_t(channels);
    jpeg_write_scanlines(ci, &row, 1);
  }
  jpeg_finish_compress(ci);
  return 1;
}

// A contiguous uint8 [H, W, C] view of an image for the encoders.
Tensor encodable(const Tensor& img, const char* fn, int max_channels) {
  DESCENT_CHECK(img.defined(), fn, ": the image is undefined");
  DESCENT_CHECK(img.dtype() == kUInt8, fn, ": expected a uint8 image, got dtype ", img.dtype(), " (shape ",
                img.sizes(), "); convert floats in [0, 1] with (x * 255).round().to(uint8)");
  DESCENT_CHECK(img.dim() == 2 || img.dim() == 3, fn, ": expected an image [H, W] or [H, W, C], got shape ",
                img.sizes());
  Tensor t = img.dim() == 2 ? img.unsqueeze(2) : img;
  DESCENT_CHECK(t.size(2) >= 1 && t.size(2) <= max_channels, fn, ": expected 1 to ", max_channels,
                " channels in [H, W, C], got shape ", img.sizes());
  DESCENT_CHECK(t.size(0) > 0 && t.size(1) > 0, fn, ": cannot encode an empty image of shape ", img.sizes());
  DESCENT_CHECK(t.size(0) * t.size(1) <= kMaxImagePixels, fn, ": image of shape ", img.sizes(),
                " is larger than the limit of ", kMaxImagePixels, " pixels");
  return t.contiguous();
}

}  // namespace

ImageFormat detect_image_format(const void* data, size_t size) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size >= 8 && std::memcmp(p, kPng, 8) == 0) return ImageFormat::Png;
  if (size >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return ImageFormat::Jpeg;
  return ImageFormat::Unknown;
}

Tensor decode_png(const void* data, size_t size, int channels, const std::string& name, int64_t max_pixels) {
  check_channels(channels, "decode_png", name);
  check_limit(max_pixels, "decode_png", name);
  DESCENT_CHECK(size > 0, "decode_png: ", name, ": empty file (0 bytes)");
  DESCENT_CHECK(detect_image_format(data, size) == ImageFormat::Png, "decode_png: ", name,
                ": not a PNG file (wrong signature in the first 8 bytes)");
  PngIo io{static_cast<const uint8_t*>(data), size, 0, {0}};
  PngReadGuard g(&io);
  DESCENT_CHECK(g.png() && g.info(), "decode_png: ", name, ": cannot create the libpng decoder");
  check_png_chunks(static_cast<const uint8_t*>(data), size, name);
  png_set_read_fn(g.png(), &io, png_read_cb);
  // Metadata we do not use is skipped unread (libpng would buffer and inflate it), and any other
  // ancillary chunk is capped.
  static const png_byte kIgnored[] = "tEXt\0zTXt\0iTXt\0iCCP\0sPLT\0eXIf\0";
  png_set_keep_unknown_chunks(g.png(), PNG_HANDLE_CHUNK_NEVER, kIgnored, 6);
  png_set_chunk_malloc_max(g.png(), kPngMaxChunkBytes);

  PngHeader h{};
  DESCENT_CHECK(png_step_header(g.png(), g.info(), &h), "decode_png: ", name, ": ", io.msg);
  check_pixels(h.width, h.height, max_pixels, "decode_png", name);
  const unsigned __int128 raw = (unsigned __int128)h.height * (h.raw_rowbytes + 1);
  DESCENT_CHECK(raw <= (unsigned __int128)size * kMaxDeflateRatio + kRatioSlack, "decode_png: ", name,
                ": the header declares ", h.width, " x ", h.height, " pixels (", uint64_t(raw),
                " bytes of image data), more than its ", size, " bytes can hold (truncated or corrupt file)");

  int file_channels = 0;
  size_t rowbytes = 0;
  DESCENT_CHECK(png_step_transform(g.png(), g.info(), h.bit_depth, &file_channels, &rowbytes), "decode_png: ", name,
                ": ", io.msg);
  DESCENT_CHECK(file_channels >= 1 && file_channels <= 4 && rowbytes == size_t(h.width) * size_t(file_channels),
                "decode_png: ", name, ": unexpected decoded layout (", file_channels, " channels, ", rowbytes,
                " bytes per row)");
  const int out_channels = channels == 0 ? file_channels : channels;
  const int64_t H = h.height, W = h.width;
  Tensor decoded = empty({H, W, file_channels}, kUInt8);
  std::vector<png_bytep> rows(static_cast<size_t>(H));
  uint8_t* base = decoded.data_ptr<uint8_t>();
  for (int64_t y = 0; y < H; ++y) rows[size_t(y)] = base + size_t(y) * rowbytes;
  DESCENT_CHECK(png_step_read(g.png(), g.info(), rows.data()), "decode_png: ", name, ": ", io.msg);
  if (out_channels == file_channels) return decoded;
  Tensor out = empty({H, W, out_channels}, kUInt8);
  convert_pixels(base, file_channels, out.data_ptr<uint8_t>(), out_channels, H * W);
  return out;
}

Tensor decode_jpeg(const void* data, size_t size, int channels, const std::string& name, int64_t max_pixels) {
  check_channels(channels, "decode_jpeg", name);
  check_limit(max_pixels, "decode_jpeg", name);
  DESCENT_CHECK(size > 0, "decode_jpeg: ", name, ": empty file (0 bytes)");
  DESCENT_CHECK(detect_image_format(data, size) == ImageFormat::Jpeg, "decode_jpeg: ", name,
                ": not a JPEG file (no FF D8 FF start-of-image marker)");
  JpegReadGuard g;
  jpeg_decompress_struct* ci = g.ci();
  DESCENT_CHECK(jpeg_step_create(ci, g.err()), "decode_jpeg: ", name, ": ", g.err()->msg);
  DESCENT_CHECK(jpeg_step_header(ci, g.err(), static_cast<const uint8_t*>(data), size), "decode_jpeg: ", name, ": ",
                g.err()->msg);
  const J_COLOR_SPACE space = ci->jpeg_color_space;
  DESCENT_CHECK(space == JCS_GRAYSCALE || space == JCS_YCbCr || space == JCS_RGB, "decode_jpeg: ", name,
                ": ", jpeg_space_name(space), " JPEGs (", ci->num_components,
                " components) are not supported; convert the file to RGB or grayscale");
  check_pixels(ci->image_width, ci->image_height, max_pixels, "decode_jpeg", name);
  if (!ci->arith_code) {
    const uint64_t per_byte = ci->progressive_mode ? kMaxProgressivePixelsPerByte : kMaxSequentialPixelsPerByte;
    DESCENT_CHECK(uint64_t(ci->image_width) * ci->image_height <= uint64_t(size) * per_byte + 4096, "decode_jpeg: ",
                  name, ": the header declares ", ci->image_width, " x ", ci->image_height, " pixels, more than its ",
                  size, " bytes can hold (truncated or corrupt file)");
  }
  const bool file_gray = space == JCS_GRAYSCALE;
  const int file_channels = file_gray ? 1 : 3;
  const int out_channels = channels == 0 ? file_channels : channels;
  const bool decode_gray = file_gray || out_channels <= 2;
  // libjpeg's working memory (whole-image coefficient buffers of progressive files: 2 bytes per
  // coefficient, at most 3 full-resolution components) is capped by what max_pixels needs.
  const long max_memory = long(max_pixels) * 6 + (16L << 20);
  DESCENT_CHECK(jpeg_step_start(ci, g.err(), decode_gray ? JCS_GRAYSCALE : JCS_RGB, max_memory), "decode_jpeg: ",
                name, ": ", g.err()->msg);
  const int decoded_channels = ci->output_components;
  DESCENT_CHECK(decoded_channels == (decode_gray ? 1 : 3), "decode_jpeg: ", name, ": unexpected ", decoded_channels,
                " output components");
  const int64_t H = ci->output_height, W = ci->output_width;
  Tensor decoded = empty({H, W, decoded_channels}, kUInt8);
  uint8_t* base = decoded.data_ptr<uint8_t>();
  DESCENT_CHECK(jpeg_step_read(ci, g.err(), base, size_t(W) * size_t(decoded_channels)), "decode_jpeg: ", name, ": ",
                g.err()->msg);
  if (out_channels == decoded_channels) return decoded;
  Tensor out = empty({H, W, out_channels}, kUInt8);
  convert_pixels(base, decoded_channels, out.data_ptr<uint8_t>(), out_channels, H * W);
  return out;
}

Tensor decode_image(const void* data, size_t size, int channels, const std::string& name, int64_t max_pixels) {
  check_channels(channels, "decode_image", name);
  DESCENT_CHECK(size > 0, "decode_image: ", name, ": empty file (0 bytes)");
  switch (detect_image_format(data, size)) {
    case ImageFormat::Png: return decode_png(data, size, channels, name, max_pixels);
    case ImageFormat::Jpeg: return decode_jpeg(data, size, channels, name, max_pixels);
    case ImageFormat::Unknown: break;
  }
  DESCENT_FAIL("decode_image: ", name, ": not a PNG or JPEG file (unknown magic bytes)");
}

Tensor read_image(const std::string& path, int channels, int64_t max_pixels) {
  check_channels(channels, "read_image", path);
  check_limit(max_pixels, "read_image", path);
  const std::string bytes = fileio::read_file_bytes(path, "read_image");
  return decode_image(bytes.data(), bytes.size(), channels, path, max_pixels);
}

Tensor convert_image_channels(const Tensor& img, int channels) {
  DESCENT_CHECK(img.defined() && img.dtype() == kUInt8 && (img.dim() == 2 || img.dim() == 3),
                "convert_image_channels: expected a uint8 image [H, W] or [H, W, C], got ",
                img.defined() ? detail::str_cat("dtype ", img.dtype(), " shape ", img.sizes())
                              : std::string("undefined"));
  DESCENT_CHECK(channels >= 1 && channels <= 4, "convert_image_channels: channels must be 1, 2, 3 or 4, got ",
                channels);
  const Tensor src = (img.dim() == 2 ? img.unsqueeze(2) : img).contiguous();
  const int64_t cin = src.size(2);
  DESCENT_CHECK(cin >= 1 && cin <= 4, "convert_image_channels: expected 1 to 4 channels, got shape ", img.sizes());
  const int64_t H = src.size(0), W = src.size(1);
  Tensor out = empty({H, W, channels}, kUInt8);
  convert_pixels(src.data_ptr<uint8_t>(), int(cin), out.data_ptr<uint8_t>(), channels, H * W);
  return out;
}

std::string encode_png(const Tensor& img, int compression_level) {
  DESCENT_CHECK(compression_level >= 0 && compression_level <= 9, "encode_png: compression_level must be 0..9, got ",
                compression_level);
  const Tensor t = encodable(img, "encode_png", 4);
  const int64_t H = t.size(0), W = t.size(1), C = t.size(2);
  static const int kColor[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                PNG_COLOR_TYPE_RGBA};
  PngOut out{nullptr, 0, 0, {0}};
  struct Owner {
    PngOut* o;
    png_structp png = nullptr;
    png_infop info = nullptr;
    ~Owner() {
      if (png) png_destroy_write_struct(&png, info ? &info : nullptr);
      std::free(o->data);
    }
  } owner{&out};
  owner.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &out, png_write_error_cb, png_warning_cb);
  DESCENT_CHECK(owner.png != nullptr, "encode_png: cannot create the libpng encoder");
  owner.info = png_create_info_struct(owner.png);
  DESCENT_CHECK(owner.info != nullptr, "encode_png: cannot create the libpng encoder");
  png_set_write_fn(owner.png, &out, png_write_cb, png_flush_cb);
  std::vector<png_bytep> rows(static_cast<size_t>(H));
  uint8_t* base = t.data_ptr<uint8_t>();
  for (int64_t y = 0; y < H; ++y) rows[size_t(y)] = base + size_t(y) * size_t(W * C);
  DESCENT_CHECK(png_step_write(owner.png, owner.info, png_uint_32(W), png_uint_32(H), kColor[C], compression_level,
                               rows.data()),
                "encode_png: ", out.msg);
  return std::string(reinterpret_cast<const char*>(out.data), out.size);
}

void write_png(const std::string& path, const Tensor& img, int compression_level) {
  fileio::write_file_bytes(path, encode_png(img, compression_level), "write_png");
}

std::string encode_jpeg(const Tensor& img, int quality) {
  DESCENT_CHECK(quality >= 1 && quality <= 100, "encode_jpeg: quality must be 1..100, got ", quality);
  const Tensor t = encodable(img, "encode_jpeg", 3);
  DESCENT_CHECK(t.size(2) == 1 || t.size(2) == 3, "encode_jpeg: JPEG holds gray or RGB; got shape ", img.sizes(),
                " (convert_image_channels to 1 or 3 first)");
  DESCENT_CHECK(t.size(0) <= JPEG_MAX_DIMENSION && t.size(1) <= JPEG_MAX_DIMENSION, "encode_jpeg: image of shape ",
                img.sizes(), " exceeds JPEG's ", JPEG_MAX_DIMENSION, " pixels per side");
  struct Owner {
    jpeg_compress_struct ci;
    JpegErr err;
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    ~Owner() {
      jpeg_destroy_compress(&ci);
      std::free(buf);
    }
  } o;
  std::memset(&o.ci, 0, sizeof o.ci);
  std::memset(&o.err, 0, sizeof o.err);
  o.ci.err = jpeg_std_error(&o.err.pub);
  o.err.pub.error_exit = jpeg_error_cb;
  DESCENT_CHECK(jpeg_step_write(&o.ci, &o.err, &o.buf, &o.size, int(t.size(1)), int(t.size(0)), int(t.size(2)),
                                quality, t.data_ptr<uint8_t>()),
                "encode_jpeg: ", o.err.msg);
  return std::string(reinterpret_cast<const char*>(o.buf), o.size);
}

void write_jpeg(const std::string& path, const Tensor& img, int quality) {
  fileio::write_file_bytes(path, encode_jpeg(img, quality), "write_jpeg");
}

}  // namespace descent::data
