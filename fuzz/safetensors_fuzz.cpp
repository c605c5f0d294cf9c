// libFuzzer target for the safetensors reader (weights, best.safetensors, and the container of
// last.ckpt). Any input must either parse or throw descent::Error; a crash, a sanitizer report,
// another exception type, a hang or an allocation above -malloc_limit_mb is a bug. What parses
// must serialize and parse back to the same names, dtypes, shapes, bytes and metadata.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "descent/core/error.h"
#include "descent/descent.h"
#include "descent/io/safetensors.h"
#include "fuzz_util.h"

using namespace descent;

namespace {

bool same(const io::SafetensorsData& a, const io::SafetensorsData& b) {
  if (a.metadata != b.metadata || a.tensors.keys() != b.tensors.keys()) return false;
  for (const auto& [k, v] : a.tensors) {
    const Tensor& w = b.tensors[k];
    if (v.dtype() != w.dtype() || v.sizes() != w.sizes()) return false;
    const Tensor x = v.contiguous(), y = w.contiguous();
    if (x.nbytes() != y.nbytes() || (x.nbytes() && std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) != 0)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  OrderedDict<Tensor> a;
  a.insert("linear.weight", arange(0, 6, 1, TensorOptions().dtype(kFloat32)).reshape({2, 3}));
  a.insert("linear.bias", zeros({2}));
  a.insert("steps", from_vector(std::vector<int64_t>{7}));
  OrderedDict<Tensor> b;
  b.insert("scalar", full({}, 2.5, TensorOptions().dtype(kFloat64)));
  b.insert("empty", zeros({0, 4}));
  b.insert("mask", ones({3}, TensorOptions().dtype(kBool)));
  fuzz::write_seeds_if_asked({{"weights", io::serialize_safetensors(a, {{"format", "pt"}})},
                              {"dtypes", io::serialize_safetensors(b)},
                              {"empty", io::serialize_safetensors(OrderedDict<Tensor>{})}});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  io::SafetensorsData d;
  try {
    d = io::parse_safetensors(bytes, "fuzz.safetensors");
  } catch (const Error&) {
    return 0;
  }
  try {
    if (!same(d, io::parse_safetensors(io::serialize_safetensors(d.tensors, d.metadata), "round-trip"))) __builtin_trap();
  } catch (const Error&) {
    __builtin_trap();  // what was read must be writable and readable again
  }
  return 0;
}
