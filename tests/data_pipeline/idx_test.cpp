// The IDX reader: round trips (plain and gzip, every type) and hostile files.
#include <zlib.h>

#include <cstring>

#include "data_test_util.h"

using namespace descent;
using namespace descent::data;
using data_test::error_of;
using data_test::read_bytes;
using data_test::TempDir;
using data_test::write_bytes;

namespace {

std::string gzip_bytes(const std::string& raw, int level = Z_DEFAULT_COMPRESSION) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, uLong(raw.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = uInt(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = uInt(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string header(uint8_t type, std::vector<uint32_t> dims) {
  std::string h = {0, 0, char(type), char(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) h.push_back(char((d >> s) & 0xff));
  return h;
}

Tensor parse(const std::string& bytes, const std::string& name = "test.idx") {
  return parse_idx(bytes.data(), bytes.size(), name);
}

}  // namespace

TEST(Idx, RoundTripsEveryTypePlainAndGzip) {
  TempDir dir;
  const std::vector<Tensor> tensors = {
      randint(0, 256, {3, 4, 5}).to(kUInt8), randint(-1000000, 1000000, {7}).to(kInt32),
      randn({2, 3}), randn({4, 1, 2}, kFloat64), zeros({0, 28, 28}, kUInt8)};
  for (size_t i = 0; i < tensors.size(); ++i)
    for (bool gz : {false, true}) {
      std::string name = "t";  // built by appends: GCC 12 warns (-Wrestrict) on "t" + string
      name.append(std::to_string(i)).append(gz ? ".gz" : "");
      const std::string path = dir.file(name);
      write_idx(path, tensors[i], gz);
      Tensor back = read_idx(path);
      EXPECT_TRUE(equal(back, tensors[i])) << path;
      const std::string bytes = read_bytes(path);
      EXPECT_EQ(bytes[0] == char(0x1f), gz);
      EXPECT_TRUE(equal(parse(bytes), tensors[i]));
    }
  // The header and byte order as MNIST writes them: 00 00 08 03, then big-endian sizes.
  const std::string raw = serialize_idx(from_vector(std::vector<int32_t>{1, -2}));
  std::string expect = header(0x0C, {2});
  expect.append("\x00\x00\x00\x01\xff\xff\xff\xfe", 8);  // appended: GCC 12 warns (-Wrestrict) on operator+
  EXPECT_EQ(raw, expect);
  // int8 and int16 widen to int32.
  EXPECT_EQ(parse(header(0x09, {2}) + "\xff\x05").to_vector<int32_t>(), (std::vector<int32_t>{-1, 5}));
  EXPECT_EQ(parse(header(0x0B, {2}) + std::string("\xff\xfe\x01\x00", 4)).to_vector<int32_t>(),
            (std::vector<int32_t>{-2, 256}));
  // Concatenated gzip members read as one stream (as gunzip does).
  const std::string two = gzip_bytes(header(0x08, {4}) + "ab") + gzip_bytes("cd");
  EXPECT_EQ(parse(two).to_vector<int64_t>(), (std::vector<int64_t>{'a', 'b', 'c', 'd'}));
}

TEST(Idx, HostileFilesGiveErrorsNamingTheFile) {
  TempDir dir;
  auto err_file = [&](const std::string& name, const std::string& bytes) {
    const std::string path = dir.file(name);
    write_bytes(path, bytes);
    return error_of([&] { read_idx(path); });
  };
  auto expect_has = [](const std::string& msg, std::initializer_list<const char*> parts) {
    EXPECT_FALSE(msg.empty()) << "no error";
    for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  };
  const std::string good = header(0x08, {2, 3}) + "abcdef";
  expect_has(err_file("empty.idx", ""), {"empty.idx", "empty (0 bytes)"});
  expect_has(err_file("short.idx", std::string("\0\0", 2)), {"short.idx", "shorter than the 4-byte"});
  expect_has(err_file("magic.idx", "\x12\x34\x08\x01xxxx"), {"magic.idx", "bad magic number 0x12340801", "offset 0"});
  expect_has(err_file("type.idx", header(0x07, {1}) + "x"), {"type.idx", "unknown data type code 0x7", "offset 2"});
  expect_has(err_file("ndims.idx", std::string("\0\0\x08\0", 4)), {"0 dimensions at offset 3"});
  expect_has(err_file("ndims9.idx", std::string("\0\0\x08\x09", 4)), {"9 dimensions"});
  expect_has(err_file("hdr.idx", header(0x08, {2, 3}).substr(0, 9)), {"hdr.idx", "ends at offset 9 inside the header"});
  expect_has(err_file("trunc.idx", good.substr(0, good.size() - 2)),
             {"trunc.idx", "truncated", "2 x 3 uint8 (6 data bytes)", "only 4 bytes follow the 12-byte header"});
  expect_has(err_file("trail.idx", good + "zz"), {"trail.idx", "2 trailing bytes", "offset 18"});
  // 2^31 images of 28 x 28: rejected from the header alone (nothing is allocated).
  expect_has(err_file("huge.idx", header(0x08, {0x80000000u, 28, 28}) + "x"),
             {"huge.idx", "dimension 0 has size 2147483648", "offset 4", "2^31 - 1"});
  // 2^31 - 1 images: allowed by the format, but far beyond the file.
  expect_has(err_file("big.idx", header(0x08, {0x7fffffffu, 28, 28}) + "x"),
             {"big.idx", "2147483647 x 28 x 28 uint8 (1683627179248 data bytes)", "only 1 bytes follow"});
  // Sizes whose product overflows 64 bits.
  expect_has(err_file("ovf.idx", header(0x0E, {0x7fffffff, 0x7fffffff, 0x7fffffff})),
             {"ovf.idx", "more elements than any file can hold"});
  // ... also when a zero size makes the element count 0 (found by the fuzzer: the strides of
  // such an empty tensor would overflow).
  expect_has(err_file("ovf0.idx", header(0x0D, {0x200, 0x70fe00, 0, 0x42, 0x7a000000})),
             {"ovf0.idx", "more elements than any file can hold"});
  EXPECT_EQ(parse(header(0x08, {0, 0x7fffffff})).sizes(), Shape({0, 0x7fffffff}));
  EXPECT_NE(error_of([&] { read_idx(dir.file("missing.idx")); }).find("missing.idx: no such file"), std::string::npos);
  EXPECT_NE(error_of([&] { read_idx(dir.str()); }).find("not a regular file"), std::string::npos);

  // gzip: the same checks on the decompressed stream, plus corrupt and truncated compression.
  expect_has(err_file("trunc.gz", gzip_bytes(good.substr(0, 15))), {"trunc.gz", "truncated", "ends at offset 15"});
  expect_has(err_file("trail.gz", gzip_bytes(good + "z")), {"trail.gz", "trailing bytes", "offset 18"});
  expect_has(err_file("magic.gz", gzip_bytes("PK\x03\x04 not idx")), {"magic.gz", "bad magic"});
  expect_has(err_file("empty.gz", gzip_bytes("")), {"empty.gz", "no data"});
  const std::string gz = gzip_bytes(header(0x08, {1000}) + std::string(1000, 'q'));
  expect_has(err_file("cut.gz", gz.substr(0, gz.size() - 12)), {"cut.gz", "gzip stream is truncated"});
  std::string corrupt = gz;
  corrupt[12] ^= 0x55;
  corrupt[13] ^= 0x55;
  expect_has(err_file("corrupt.gz", corrupt), {"corrupt.gz"});
  std::string crc = gz;
  crc[crc.size() - 6] ^= 1;  // the CRC32 in the trailer
  expect_has(err_file("crc.gz", crc), {"crc.gz", "incorrect data check"});
  expect_has(err_file("garbage.gz", gz + "junk"), {"garbage.gz", "garbage after the end of the gzip stream"});
  // A small gzip file whose header claims a terabyte: rejected before inflating.
  expect_has(err_file("bomb.gz", gzip_bytes(header(0x08, {0x7fffffff, 28, 28}))),
             {"bomb.gz", "more than a", "1032:1"});
  // A claim within deflate's ratio but beyond the real data: memory follows the stream.
  std::string noise(200000, '\0');
  uint32_t state = 1;
  for (char& c : noise) c = char((state = state * 1664525u + 1013904223u) >> 24);
  expect_has(err_file("lie.gz", gzip_bytes(header(0x08, {50000, 28, 28}) + noise)),
             {"lie.gz", "truncated", "ends at offset 200016"});
}

TEST(Idx, SeedCorpusForTheFuzzer) {
#ifdef DESCENT_FUZZ_CORPUS_DIR
  // Written for fuzz/idx_fuzz.cpp (scripts/fuzz.sh): valid files of each type, plain and gzip,
  // and a few broken ones.
  const std::string dir = std::string(DESCENT_FUZZ_CORPUS_DIR) + "/idx";
  std::filesystem::create_directories(dir);
  std::vector<std::pair<std::string, std::string>> seeds = {
      {"u8_3d", serialize_idx(arange(0, 24, 1, kUInt8).reshape({2, 3, 4}))},
      {"u8_labels", serialize_idx(from_vector(std::vector<uint8_t>{9, 0, 0, 3, 0, 2, 7, 2}))},
      {"i32", serialize_idx(from_vector(std::vector<int32_t>{-1, 1 << 20, 7}))},
      {"f32", serialize_idx(tensor({{1.5, -2.0}, {0.0, 3.25}}))},
      {"f64", serialize_idx(tensor({1e300, -0.0}, kFloat64))},
      {"i8", header(0x09, {3}).append("\x80\x7f\x00", 3)},
      {"i16", header(0x0B, {1, 2}) + std::string("\x80\x00\x7f\xff", 4)},
      {"empty_dim", serialize_idx(zeros({0, 2}, kUInt8))},
      {"truncated", header(0x08, {4, 4}) + "abc"},
      {"bad_magic", std::string("\x1f\x00\x08\x01\x00\x00\x00\x01x", 9)},
  };
  const size_t plain = seeds.size();
  for (size_t i = 0; i < plain; ++i) seeds.push_back({seeds[i].first + ".gz", gzip_bytes(seeds[i].second)});
  for (auto& [name, bytes] : seeds) write_bytes(dir + "/" + name, bytes);
  EXPECT_TRUE(equal(parse(seeds[0].second), parse(seeds[plain].second)));
#else
  GTEST_SKIP() << "DESCENT_FUZZ_CORPUS_DIR not set";
#endif
}
