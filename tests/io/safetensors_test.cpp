// safetensors: round trips of every dtype, module weights, a file written from PyTorch, atomic
// writes, and every kind of hostile file giving a descent::Error that names the file and tensor.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "descent/descent.h"
#include "test_util.h"
#include "descent/io/file.h"
#include "descent/io/safetensors.h"

using namespace descent;
using namespace test_util;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("descent_io_test_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d / name;
}


// A file with the given header text and data bytes.
std::string make_file(const std::string& header, const std::string& data, int64_t claimed_len = -1) {
  uint64_t hl = claimed_len < 0 ? header.size() : uint64_t(claimed_len);
  std::string out;
  out.resize(8);
  std::memcpy(out.data(), &hl, 8);
  out.append(header);
  out.append(data);
  return out;
}

}  // namespace

TEST(Safetensors, RoundTripEveryDtypeAndLayout) {
  nn::OrderedDict<Tensor> t;
  t.insert("f32", randn({2, 3}));
  t.insert("f64", randn({4}, kFloat64));
  t.insert("i64", arange(5));
  t.insert("i32", tensor({1, -2, 3}, kInt32));
  t.insert("u8", tensor({0, 200, 255}, kUInt8));
  t.insert("bool", tensor({true, false, true}));
  t.insert("scalar", scalar_tensor(2.5));
  t.insert("empty", zeros({0, 4}));
  t.insert("transposed", randn({3, 2}).t());  // stored row-major
  fs::path p = scratch("all.safetensors");
  io::save_safetensors(p.string(), t, {{"epoch", "3"}});
  io::SafetensorsData d = io::load_safetensors(p.string());
  ASSERT_EQ(d.tensors.keys(), t.keys());
  for (auto& [k, v] : t) {
    EXPECT_EQ(d.tensors[k].dtype(), v.dtype()) << k;
    EXPECT_TRUE(equal(d.tensors[k], v)) << k;
  }
  EXPECT_EQ(d.metadata.at("epoch"), "3");
  // The header is valid JSON with PyTorch's dtype names and 8-byte aligned data.
  std::ifstream f(p, std::ios::binary);
  uint64_t hl;
  f.read(reinterpret_cast<char*>(&hl), 8);
  EXPECT_EQ(hl % 8, 0u);
  std::string h(hl, '\0');
  f.read(h.data(), std::streamsize(hl));
  auto j = nlohmann::json::parse(h);
  EXPECT_EQ(j["f32"]["dtype"], "F32");
  EXPECT_EQ(j["bool"]["dtype"], "BOOL");
  EXPECT_EQ(j["f32"]["shape"], nlohmann::json::array({2, 3}));
}

TEST(Safetensors, ReadsAFileWrittenFromPyTorch) {
  io::SafetensorsData d = io::load_safetensors(std::string(DESCENT_GOLDEN_DIR) + "/torch_written.safetensors");
  EXPECT_TRUE(equal(d.tensors["linear.weight"], arange(6.0).reshape({2, 3}) * 0.5));
  EXPECT_TRUE(equal(d.tensors["linear.bias"], tensor({-1.5, 2.25})));
  EXPECT_TRUE(allclose(d.tensors["double"], arange(4.0, kFloat64).reshape({2, 2}) / 3, 0, 1e-15));
  EXPECT_EQ(d.tensors["steps"].dim(), 0);
  EXPECT_EQ(d.tensors["steps"].item<int64_t>(), 7);
  EXPECT_TRUE(equal(d.tensors["ints"], tensor({1, -2, 3}, kInt32)));
  EXPECT_TRUE(equal(d.tensors["bytes"], tensor({0, 127, 255}, kUInt8)));
  EXPECT_TRUE(equal(d.tensors["mask"], tensor({true, false, true})));
  EXPECT_EQ(d.tensors["empty"].sizes(), (Shape{0, 3}));
  EXPECT_EQ(d.metadata.at("format"), "pt");
}

TEST(Safetensors, ModuleSaveLoadAndKeyChecks) {
  manual_seed(0);
  nn::Sequential a(nn::Linear(3, 4), nn::Linear(4, 2)), b(nn::Linear(3, 4), nn::Linear(4, 2));
  fs::path p = scratch("model.safetensors");
  io::save(a, p.string());
  auto rep = io::load(b, p.string());
  EXPECT_TRUE(rep.ok());
  Tensor x = randn({5, 3});
  EXPECT_TRUE(equal(a(x), b(x)));
  nn::Sequential c(nn::Linear(3, 4));
  std::string msg = error_of([&] { io::load(c, p.string()); });
  EXPECT_NE(msg.find("unexpected key(s): \"1.weight\""), std::string::npos) << msg;
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_FALSE(io::load(c, p.string(), /*strict=*/false).ok());
  nn::Sequential d(nn::Linear(3, 5), nn::Linear(5, 2));
  msg = error_of([&] { io::load(d, p.string()); });
  EXPECT_NE(msg.find("size mismatch for 0.weight"), std::string::npos) << msg;
}

TEST(Safetensors, AtomicWriteLeavesNoTempFilesAndKeepsOldFileOnFailure) {
  fs::path p = scratch("atomic.safetensors");
  nn::OrderedDict<Tensor> t;
  t.insert("x", ones({3}));
  io::save_safetensors(p.string(), t);
  t["x"] = zeros({3});
  io::save_safetensors(p.string(), t);  // replaces
  EXPECT_TRUE(equal(io::load_safetensors(p.string()).tensors["x"], zeros({3})));
  for (auto& e : fs::directory_iterator(p.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  EXPECT_THROW(io::save_safetensors((p.parent_path() / "no_such_dir" / "x.safetensors").string(), t), Error);
  // A failed write (undefined tensor) leaves the existing file as it was.
  nn::OrderedDict<Tensor> bad;
  bad.insert("x", Tensor());
  EXPECT_THROW(io::save_safetensors(p.string(), bad), Error);
  EXPECT_TRUE(equal(io::load_safetensors(p.string()).tensors["x"], zeros({3})));
}

TEST(Safetensors, FullDiskMidWriteKeepsOldFileAndNamesTheCause) {
  fs::path p = scratch("full_disk.safetensors");
  nn::OrderedDict<Tensor> t;
  t.insert("x", ones({1000}));
  io::save_safetensors(p.string(), t);
  t["x"] = zeros({1000});
  {
    io::WriteFault disk("full_disk.safetensors", /*skip=*/1);
    io::save_safetensors(p.string(), t);  // skipped: still succeeds
    t["x"] = full({1000}, 2.0);
    const std::string msg = error_of([&] { io::save_safetensors(p.string(), t); });
    EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
    EXPECT_THROW(io::atomic_write(p.string(), ""), io::WriteError);  // an empty file fails too
    EXPECT_EQ(disk.failures(), 2);
    io::atomic_write((p.parent_path() / "other.txt").string(), "fine");  // other files are not affected
  }
  EXPECT_TRUE(equal(io::load_safetensors(p.string()).tensors["x"], zeros({1000})));
  for (auto& e : fs::directory_iterator(p.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  {
    io::WriteFault read_only("", 0, EROFS);  // a folder that became read-only, for every file
    EXPECT_NE(error_of([&] { io::save_safetensors(p.string(), t); }).find("Read-only file system"), std::string::npos);
  }
  io::save_safetensors(p.string(), t);  // space again
  EXPECT_TRUE(equal(io::load_safetensors(p.string()).tensors["x"], full({1000}, 2.0)));
}

TEST(Safetensors, HostileFilesGiveClearErrors) {
  const std::string ok_header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string data(8, '\0');
  EXPECT_NO_THROW(io::parse_safetensors(make_file(ok_header, data), "f"));
  struct Bad {
    std::string bytes, needle;
  };
  std::vector<Bad> cases = {
      {"", "shorter than the 8-byte header"},
      {"abc", "shorter than the 8-byte header"},
      {make_file(ok_header, data, 1000), "beyond the end of the file"},
      {make_file(ok_header, data, int64_t(200) * 1000 * 1000), "above the 100 MB limit"},
      {make_file("{not json", ""), "invalid JSON"},
      {make_file("[1,2]", ""), "not a JSON object"},
      {make_file(R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", std::string(4, '\0')),
       "unsupported dtype"},
      {make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data), "span 8 bytes"},
      {make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", data), "outside the 8 data bytes"},
      {make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
                 data),
       "overlaps"},
      {make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data), "gap in the data"},
      {make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", data), "trailing bytes"},
      {make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                 data),
       "appears twice"},
      {make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data), "bad shape"},
      {make_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", data),
       "larger than the file"},
      {make_file(R"({"a":{"dtype":"F32","shape":[2]}})", data), "needs dtype, shape and data_offsets"},
      {make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data), "outside"},
      {make_file(R"({"__metadata__":{"k":1}})", ""), "is not a string"},
  };
  for (auto& c : cases) {
    std::string msg = error_of([&] { io::parse_safetensors(c.bytes, "hostile.safetensors"); });
    EXPECT_NE(msg.find(c.needle), std::string::npos) << "expected '" << c.needle << "', got: " << msg;
    EXPECT_NE(msg.find("hostile.safetensors"), std::string::npos) << msg;
  }
  // A truncated real file.
  fs::path p = scratch("trunc.safetensors");
  nn::OrderedDict<Tensor> t;
  t.insert("w", randn({16}));
  io::save_safetensors(p.string(), t);
  fs::resize_file(p, fs::file_size(p) - 5);
  std::string msg = error_of([&] { io::load_safetensors(p.string()); });
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_THROW(io::load_safetensors((p.parent_path() / "missing.safetensors").string()), Error);
}
