#include "descent/data/formats/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <vector>

#include "descent/core/error.h"
#include "descent/io/file.h"
#include "descent/ops/ops.h"

namespace descent::data {
namespace {

constexpr int kMaxDims = 8;
// deflate cannot compress better than about 1032:1; a header promising more data than that times
// the compressed size is a lie we can reject before inflating anything.
constexpr uint64_t kMaxDeflateRatio = 1032;
constexpr uint64_t kSlack = 1 << 16;
constexpr size_t kFirstChunk = size_t(1) << 20;

#define IDX_CHECK(cond, ...) DESCENT_CHECK(cond, "read_idx: ", name, ": ", __VA_ARGS__)
#define IDX_FAIL(...) DESCENT_FAIL("read_idx: ", name, ": ", __VA_ARGS__)

// A stream of (decompressed) bytes. read() returns fewer than n bytes only at the end of the data.
class Source {
 public:
  virtual ~Source() = default;
  virtual size_t read(uint8_t* dst, size_t n) = 0;
};

class MemorySource : public Source {
 public:
  MemorySource(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  size_t read(uint8_t* dst, size_t n) override {
    const size_t k = std::min(n, n_ - at_);
    if (k) std::memcpy(dst, p_ + at_, k);
    at_ += k;
    return k;
  }

 private:
  const uint8_t* p_;
  size_t n_, at_ = 0;
};

class FileSource : public Source {
 public:
  FileSource(std::FILE* f, const std::string& name) : f_(f), name_(name) {}
  size_t read(uint8_t* dst, size_t n) override {
    const std::string& name = name_;
    const size_t k = std::fread(dst, 1, n, f_);
    IDX_CHECK(k == n || !std::ferror(f_), "read error: ", std::strerror(errno));
    return k;
  }

 private:
  std::FILE* f_;
  std::string name_;
};

// Inflates gzip data held in memory (several concatenated members are one stream, as gunzip reads them).
class InflateSource : public Source {
 public:
  InflateSource(const uint8_t* p, size_t n, const std::string& name) : in_(p), n_(n), name_(name) {
    std::memset(&zs_, 0, sizeof zs_);
    IDX_CHECK(inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK, "cannot initialise zlib");
    live_ = true;
  }
  ~InflateSource() override {
    if (live_) inflateEnd(&zs_);
  }
  size_t read(uint8_t* dst, size_t n) override {
    const std::string& name = name_;
    size_t got = 0;
    while (got < n && !ended_) {
      if (zs_.avail_in == 0 && consumed_ < n_) {
        const size_t k = std::min<size_t>(n_ - consumed_, UINT_MAX);
        zs_.next_in = const_cast<Bytef*>(in_ + consumed_);
        zs_.avail_in = static_cast<uInt>(k);
        consumed_ += k;
      }
      const size_t want = std::min<size_t>(n - got, UINT_MAX);
      const size_t in_before = consumed_ - zs_.avail_in;
      zs_.next_out = dst + got;
      zs_.avail_out = static_cast<uInt>(want);
      const int ret = inflate(&zs_, Z_NO_FLUSH);
      got += want - zs_.avail_out;
      const size_t in_pos = consumed_ - zs_.avail_in;
      if (ret == Z_STREAM_END) {
        if (in_pos == n_) {
          ended_ = true;
        } else {
          // Another gzip member may follow; anything else after the stream is corrupt.
          IDX_CHECK(n_ - in_pos >= 2 && in_[in_pos] == 0x1f && in_[in_pos + 1] == 0x8b, n_ - in_pos,
                    " bytes of garbage after the end of the gzip stream at compressed offset ", in_pos);
          IDX_CHECK(inflateReset(&zs_) == Z_OK, "cannot reset zlib");
        }
      } else if (ret == Z_BUF_ERROR) {
        // No progress possible: the compressed data ran out before the stream's end.
        IDX_CHECK(!(zs_.avail_in == 0 && consumed_ == n_), "the gzip stream is truncated (the ", n_,
                  "-byte file ends inside it, after ", out_total_ + got, " decompressed bytes)");
        // zlib makes progress whenever it has input and output room; guard against looping anyway.
        IDX_CHECK(in_pos != in_before || zs_.avail_out != want, "zlib made no progress at compressed offset ", in_pos);
      } else if (ret != Z_OK) {
        IDX_FAIL("corrupt gzip data at compressed offset ", in_pos, " (", out_total_ + got,
                 " bytes decompressed): ", zs_.msg ? zs_.msg : zError(ret));
      }
    }
    out_total_ += got;
    return got;
  }

 private:
  const uint8_t* in_;
  size_t n_, consumed_ = 0;
  std::string name_;
  z_stream zs_;
  bool live_ = false, ended_ = false;
  uint64_t out_total_ = 0;
};

struct Header {
  uint8_t type = 0;
  DType dtype = kUInt8;
  size_t elem = 1;  // bytes per element in the file
  Shape shape;
  uint64_t count = 1;
  uint64_t data_bytes = 0;
  uint64_t header_bytes = 0;
};

const char* type_name(uint8_t t) {
  switch (t) {
    case 0x08: return "uint8";
    case 0x09: return "int8";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
  }
  return "?";
}

uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }

std::string describe(const Header& h) {
  std::string s;
  for (size_t i = 0; i < h.shape.size(); ++i) s += (i ? " x " : "") + std::to_string(h.shape[i]);
  return s + " " + type_name(h.type) + " (" + std::to_string(h.data_bytes) + " data bytes)";
}

Header read_header(Source& src, const std::string& name, uint64_t total_hint) {
  uint8_t m[4];
  const size_t k = src.read(m, 4);
  IDX_CHECK(k > 0, total_hint == 0 ? "the file is empty (0 bytes), not an IDX file" : "no data (empty stream)");
  IDX_CHECK(k == 4, "truncated: ", k, " bytes, shorter than the 4-byte IDX magic number");
  IDX_CHECK(m[0] == 0 && m[1] == 0, "bad magic number 0x", std::hex, be32(m), std::dec,
            " at offset 0: an IDX file starts with bytes 00 00, a type code and the number of dimensions");
  Header h;
  h.type = m[2];
  switch (h.type) {
    case 0x08: h.dtype = kUInt8; h.elem = 1; break;
    case 0x09: h.dtype = kInt32; h.elem = 1; break;
    case 0x0B: h.dtype = kInt32; h.elem = 2; break;
    case 0x0C: h.dtype = kInt32; h.elem = 4; break;
    case 0x0D: h.dtype = kFloat32; h.elem = 4; break;
    case 0x0E: h.dtype = kFloat64; h.elem = 8; break;
    default:
      IDX_FAIL("unknown data type code 0x", std::hex, int(h.type), std::dec,
               " at offset 2 (IDX knows 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)");
  }
  const int ndims = m[3];
  IDX_CHECK(ndims >= 1 && ndims <= kMaxDims, "the header declares ", ndims, " dimensions at offset 3 (expected 1 to ",
            kMaxDims, ")");
  uint8_t d[4 * kMaxDims];
  const size_t need = 4 * size_t(ndims);
  const size_t got = src.read(d, need);
  IDX_CHECK(got == need, "truncated: the file ends at offset ", 4 + got, " inside the header, which needs ", 4 + need,
            " bytes for ", ndims, " dimensions");
  // The product of the sizes with zeros counted as ones must fit too: a tensor's strides are
  // computed that way even when it has no elements.
  bool overflow = false;
  uint64_t span = 1;
  for (int i = 0; i < ndims; ++i) {
    const uint32_t s = be32(d + 4 * i);
    IDX_CHECK(s <= uint32_t(INT32_MAX), "dimension ", i, " has size ", s, " (at offset ", 4 + 4 * i,
              "), beyond the format's limit of 2^31 - 1");
    h.shape.push_back(int64_t(s));
    h.count *= s;
    overflow = overflow || __builtin_mul_overflow(span, uint64_t(std::max<uint32_t>(s, 1)), &span);
  }
  h.header_bytes = 4 + need;
  const uint64_t limit = uint64_t(std::numeric_limits<int64_t>::max()) / 8;
  overflow = overflow || span > limit;
  IDX_CHECK(!overflow, "the header's sizes ", h.shape, " multiply to more elements than any file can hold");
  h.data_bytes = h.count * h.elem;  // count <= span <= 2^60 and elem <= 8: no overflow
  return h;
}

// Converts the big-endian file elements in `raw` to the tensor's dtype.
Tensor to_tensor(const Header& h, const uint8_t* raw) {
  Tensor t = empty(h.shape, h.dtype);
  const uint64_t n = h.count;
  switch (h.type) {
    case 0x08:
      if (n) std::memcpy(t.raw_data(), raw, n);
      break;
    case 0x09: {
      int32_t* o = t.data_ptr<int32_t>();
      for (uint64_t i = 0; i < n; ++i) o[i] = static_cast<int8_t>(raw[i]);
      break;
    }
    case 0x0B: {
      int32_t* o = t.data_ptr<int32_t>();
      for (uint64_t i = 0; i < n; ++i) o[i] = static_cast<int16_t>(uint16_t((raw[2 * i] << 8) | raw[2 * i + 1]));
      break;
    }
    case 0x0C: {
      int32_t* o = t.data_ptr<int32_t>();
      for (uint64_t i = 0; i < n; ++i) o[i] = static_cast<int32_t>(be32(raw + 4 * i));
      break;
    }
    case 0x0D: {
      float* o = t.data_ptr<float>();
      for (uint64_t i = 0; i < n; ++i) {
        const uint32_t b = be32(raw + 4 * i);
        std::memcpy(o + i, &b, 4);
      }
      break;
    }
    case 0x0E: {
      double* o = t.data_ptr<double>();
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t b = (uint64_t(be32(raw + 8 * i)) << 32) | be32(raw + 8 * i + 4);
        std::memcpy(o + i, &b, 8);
      }
      break;
    }
  }
  return t;
}

// Plain data of known total size: the header must account for every byte.
void check_plain_size(const Header& h, uint64_t total, const std::string& name) {
  const uint64_t have = total - h.header_bytes;
  IDX_CHECK(have >= h.data_bytes, "truncated: the header declares ", describe(h), " but only ", have,
            " bytes follow the ", h.header_bytes, "-byte header (the data ends at offset ", total, ", expected ",
            h.header_bytes + h.data_bytes, ")");
  IDX_CHECK(have == h.data_bytes, total - h.header_bytes - h.data_bytes, " trailing bytes after the declared data at offset ",
            h.header_bytes + h.data_bytes, " (the header declares ", describe(h), ")");
}

// Reads a gzip stream's data in growing steps, so memory follows what the stream really holds.
Tensor read_inflated(const uint8_t* p, size_t n, const std::string& name) {
  InflateSource src(p, n, name);
  const Header h = read_header(src, name, n);
  IDX_CHECK(h.data_bytes <= uint64_t(n) * kMaxDeflateRatio + kSlack, "the header declares ", describe(h),
            ", more than a ", n, "-byte gzip file can hold (deflate compresses at most about 1032:1)");
  std::vector<uint8_t> buf;
  uint64_t have = 0;
  while (have < h.data_bytes) {
    const uint64_t cap = std::min<uint64_t>(h.data_bytes, std::max<uint64_t>(kFirstChunk, 2 * buf.size()));
    buf.resize(size_t(cap));
    const size_t want = size_t(cap - have);
    const size_t got = src.read(buf.data() + have, want);
    have += got;
    IDX_CHECK(got == want, "truncated: the header declares ", describe(h), " but the decompressed data ends at offset ",
              h.header_bytes + have, " (expected ", h.header_bytes + h.data_bytes, ")");
  }
  uint8_t extra[64];
  const size_t more = src.read(extra, sizeof extra);
  IDX_CHECK(more == 0, "trailing bytes after the declared data at decompressed offset ", h.header_bytes + h.data_bytes,
            " (the header declares ", describe(h), ")");
  return to_tensor(h, buf.data());
}

bool is_gzip(const uint8_t* p, size_t n) { return n >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

Tensor parse_idx(const void* data, size_t size, const std::string& name) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  if (is_gzip(p, size)) return read_inflated(p, size, name);
  MemorySource src(p, size);
  const Header h = read_header(src, name, size);
  check_plain_size(h, size, name);
  return to_tensor(h, p + h.header_bytes);
}

Tensor read_idx(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string& name = path;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  IDX_CHECK(!ec && fs::exists(st), "no such file");
  IDX_CHECK(fs::is_regular_file(st), "not a regular file");
  const uint64_t total = fs::file_size(path, ec);
  IDX_CHECK(!ec, "cannot get the file size: ", ec.message());
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  IDX_CHECK(f != nullptr, "cannot open: ", std::strerror(errno));
  uint8_t magic[2] = {0, 0};
  const size_t k = std::fread(magic, 1, 2, f.get());
  if (is_gzip(magic, k)) {
    // The compressed file is read whole (its size is real); the data then grows with the stream.
    std::vector<uint8_t> bytes(static_cast<size_t>(total));
    std::rewind(f.get());
    const size_t got = total ? std::fread(bytes.data(), 1, bytes.size(), f.get()) : 0;
    IDX_CHECK(got == total, "read error after ", got, " of ", total, " bytes: ", std::strerror(errno));
    return read_inflated(bytes.data(), bytes.size(), name);
  }
  std::rewind(f.get());
  FileSource src(f.get(), name);
  const Header h = read_header(src, name, total);
  check_plain_size(h, total, name);
  // Sizes match the file exactly, so this allocation is no bigger than the file.
  if (h.elem == 1 && h.type == 0x08) {
    Tensor t = empty(h.shape, kUInt8);
    const size_t got = h.count ? src.read(static_cast<uint8_t*>(t.raw_data()), size_t(h.count)) : 0;
    IDX_CHECK(got == h.count, "truncated: the file ended at offset ", h.header_bytes + got, " while reading (expected ",
              h.header_bytes + h.data_bytes, ")");
    return t;
  }
  std::vector<uint8_t> raw(size_t(h.data_bytes));
  const size_t got = raw.empty() ? 0 : src.read(raw.data(), raw.size());
  IDX_CHECK(got == raw.size(), "truncated: the file ended at offset ", h.header_bytes + got, " while reading (expected ",
            h.header_bytes + h.data_bytes, ")");
  return to_tensor(h, raw.data());
}

std::string serialize_idx(const Tensor& t) {
  DESCENT_CHECK(t.defined(), "write_idx: tensor is undefined");
  DESCENT_CHECK(t.dim() >= 1 && t.dim() <= kMaxDims, "write_idx: IDX holds 1 to ", kMaxDims, " dimensions, got shape ",
                t.sizes());
  uint8_t type = 0;
  switch (t.dtype()) {
    case kUInt8: type = 0x08; break;
    case kInt32: type = 0x0C; break;
    case kFloat32: type = 0x0D; break;
    case kFloat64: type = 0x0E; break;
    default: DESCENT_FAIL("write_idx: IDX has no type for dtype ", t.dtype(), " (use uint8, int32, float32 or float64)");
  }
  for (int64_t d = 0; d < t.dim(); ++d)
    DESCENT_CHECK(t.size(d) <= INT32_MAX, "write_idx: dimension ", d, " of shape ", t.sizes(), " exceeds 2^31 - 1");
  const Tensor c = t.contiguous();
  std::string out;
  out.push_back(0);
  out.push_back(0);
  out.push_back(char(type));
  out.push_back(char(t.dim()));
  auto put32 = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(char((v >> s) & 0xff));
  };
  for (int64_t d = 0; d < t.dim(); ++d) put32(uint32_t(t.size(d)));
  const size_t es = c.element_size();
  const uint8_t* p = static_cast<const uint8_t*>(c.raw_data());
  const size_t n = size_t(c.numel());
  out.reserve(out.size() + n * es);
  for (size_t i = 0; i < n; ++i)
    for (size_t b = 0; b < es; ++b) out.push_back(char(p[i * es + (es - 1 - b)]));  // little -> big endian
  return out;
}

void write_idx(const std::string& path, const Tensor& t, bool gzip) {
  std::string bytes = serialize_idx(t);
  if (gzip) {
    DESCENT_CHECK(bytes.size() < UINT_MAX / 2, "write_idx: ", path, ": ", bytes.size(),
                  " bytes is too large to gzip in one piece");
    z_stream zs;
    std::memset(&zs, 0, sizeof zs);
    DESCENT_CHECK(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK,
                  "write_idx: cannot initialise zlib");
    std::string out(deflateBound(&zs, uLong(bytes.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(bytes.data());
    zs.avail_in = uInt(bytes.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = uInt(out.size());
    const int ret = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    DESCENT_CHECK(ret == Z_STREAM_END, "write_idx: gzip compression failed for ", path);
    bytes = std::move(out);
  }
  io::atomic_write(path, bytes);
}

}  // namespace descent::data
