#pragma once
// PNG (libpng) and JPEG (libjpeg-turbo) images as uint8 [H, W, C] tensors (torchvision.io.decode_image
// with HWC layout).
//
// Decoding: PNG 8-bit gray, gray+alpha, RGB, RGBA, palette (with tRNS transparency as alpha), gray
// of 1/2/4 bits (scaled to 0..255), 16-bit (scaled to 8 bits: round(v * 255 / 65535)), interlaced;
// JPEG grayscale and RGB/YCbCr, baseline or progressive. CMYK/YCCK JPEGs are refused.
// The format is detected from the magic bytes, not the file name.
//
// Channels: 0 keeps the file's (PNG: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA, palette 3 or 4 with
// transparency; JPEG 1 or 3); 1, 2, 3 or 4 converts as torchvision/PIL do: gray -> RGB repeats the
// value, missing alpha is 255, alpha is dropped without compositing, and RGB -> gray is
// round(0.299 R + 0.587 G + 0.114 B) (ITU-R 601-2, as the Grayscale transform). A colour JPEG asked for
// 1 or 2 channels is decoded to libjpeg's luma Y directly (same weights, as torchvision does), which
// can differ by 1 from converting its RGB decode.
//
// Hostile input: empty, truncated or corrupt files (bad magic, bad chunk CRCs, bad Huffman data,
// premature end of a JPEG) throw descent::Error naming the file (or `name` for bytes) and the codec's
// message. Images of more than max_pixels pixels are refused before anything is allocated, and so are
// files whose declared size their compressed data cannot hold: a PNG's image data inflates at most
// ~1032:1, and a Huffman-coded JPEG spends at least 2 bits (sequential) or 1 bit (progressive DC scan)
// per 8x8 block. (Arithmetic-coded JPEGs have no such bound; only max_pixels limits them.) libjpeg's
// own working memory is capped at 1 GiB. The codecs' C error callbacks jump back only to C-style
// frames, so no C++ destructor is skipped and nothing aborts.
#include <cstddef>
#include <cstdint>
#include <string>

#include "descent/core/tensor.h"

namespace descent::data {

/// Image container formats (detected from the first bytes).
enum class ImageFormat { Unknown, Png, Jpeg };

/// Images with more pixels than this (2^28, e.g. 16384 x 16384) are refused before decoding.
inline constexpr int64_t kMaxImagePixels = int64_t(1) << 28;

/// The format of the bytes from their magic number (PNG signature, JPEG SOI marker), or Unknown.
ImageFormat detect_image_format(const void* data, size_t size);

/// Reads and decodes a PNG or JPEG file into uint8 [H, W, C] with C = channels (0: the file's).
/// Images of more than max_pixels pixels (at most kMaxImagePixels) are refused.
Tensor read_image(const std::string& path, int channels = 0, int64_t max_pixels = kMaxImagePixels);
/// Decodes PNG or JPEG bytes; `name` stands for the file in error messages.
Tensor decode_image(const void* data, size_t size, int channels = 0, const std::string& name = "<memory>",
                    int64_t max_pixels = kMaxImagePixels);
/// Decodes PNG bytes (an error if they are not a PNG).
Tensor decode_png(const void* data, size_t size, int channels = 0, const std::string& name = "<memory>",
                  int64_t max_pixels = kMaxImagePixels);
/// Decodes JPEG bytes (an error if they are not a JPEG).
Tensor decode_jpeg(const void* data, size_t size, int channels = 0, const std::string& name = "<memory>",
                   int64_t max_pixels = kMaxImagePixels);

/// Converts a uint8 [H, W, C] (or [H, W] = one channel) image to `channels` (1, 2, 3 or 4) channels
/// by the rules above; returns [H, W, channels].
Tensor convert_image_channels(const Tensor& img, int channels);

/// Encodes a uint8 [H, W] or [H, W, C] image (C = 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) as an 8-bit
/// PNG; compression_level 0 (none) .. 9 (smallest).
std::string encode_png(const Tensor& img, int compression_level = 6);
/// encode_png written to a file.
void write_png(const std::string& path, const Tensor& img, int compression_level = 6);
/// Encodes a uint8 [H, W] or [H, W, C] (C = 1 or 3) image as a baseline JPEG of quality 1..100.
std::string encode_jpeg(const Tensor& img, int quality = 90);
/// encode_jpeg written to a file.
void write_jpeg(const std::string& path, const Tensor& img, int quality = 90);

}  // namespace descent::data
