#pragma once
// The IDX format of the MNIST family (http://yann.lecun.com/exdb/mnist/): bytes 0, 0, a type code
// (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
// dimensions, then one big-endian uint32 size per dimension and the big-endian data. Files may
// be gzip-compressed (detected by the gzip magic, not the name).
//
// Every defect throws descent::Error naming the file and, where it applies, the byte offset:
// empty or truncated files, wrong magic, unknown type codes, sizes whose product overflows or does
// not match the data, trailing bytes, corrupt gzip streams. Nothing is allocated for the data until
// the header is known to fit the file (plain files: exactly; gzip: within deflate's best ratio), and a
// gzip stream is inflated in growing steps, so a lying header cannot make the reader allocate more
// than about twice what the file really holds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "descent/core/tensor.h"

namespace descent::data {

/// Reads an IDX file (plain or gzip): uint8 data as UInt8, int8/int16/int32 widened to Int32,
/// float32 as Float32, float64 as Float64; the shape is the header's.
Tensor read_idx(const std::string& path);
/// The same from bytes in memory; `name` stands for the file in error messages.
Tensor parse_idx(const void* data, size_t size, const std::string& name = "<memory>");
/// Writes a tensor as an IDX file (UInt8 -> 0x08, Int32 -> 0x0C, Float32 -> 0x0D, Float64 -> 0x0E),
/// gzip-compressed when `gzip` is true; for tests and for exporting data.
void write_idx(const std::string& path, const Tensor& t, bool gzip = false);
/// The bytes write_idx would write uncompressed.
std::string serialize_idx(const Tensor& t);

}  // namespace descent::data
