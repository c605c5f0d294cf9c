#pragma once
// The safetensors format (https://github.com/huggingface/safetensors): 8-byte little-endian header
// length N, N bytes of JSON ({"name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]},
// "__metadata__": {"key": "value"}}), then the raw little-endian data. Files written here open
// in Python's safetensors / PyTorch and vice versa. Writes are atomic (temp file + rename).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "descent/core/tensor.h"
#include "descent/nn/module.h"
#include "descent/core/ordered_dict.h"

namespace descent::io {

/// Tensors by name (file order) and the string metadata of a safetensors file.
struct SafetensorsData {
  OrderedDict<Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

/// Writes tensors (any dtype, any strides: stored row-major) and metadata to path, atomically:
/// a temporary file in the same folder is written, flushed, synced and renamed over path.
void save_safetensors(const std::string& path, const OrderedDict<Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
/// The bytes save_safetensors would write.
std::string serialize_safetensors(const OrderedDict<Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});

/// Reads and validates a safetensors file; any defect (truncation, header length beyond the file
/// or above 100 MB, invalid JSON, unknown dtype, shape/offset mismatch, overlapping, out-of-bounds
/// or gapped offsets, duplicate names) throws descent::Error naming the file and the tensor.
SafetensorsData load_safetensors(const std::string& path);
/// The same from bytes in memory; `name` is used in error messages.
SafetensorsData parse_safetensors(const std::string& bytes, const std::string& name = "<memory>");

/// Saves a module's state_dict (parameters and buffers by dotted name).
void save(const nn::Module& module, const std::string& path, const std::map<std::string, std::string>& metadata = {});
template <typename H, typename = decltype(std::declval<H>().ptr())>
void save(const H& holder, const std::string& path, const std::map<std::string, std::string>& metadata = {}) {
  save(*holder.ptr(), path, metadata);
}
/// Loads a state_dict file into a module (strict: missing/unexpected keys throw, naming them).
nn::LoadReport load(nn::Module& module, const std::string& path, bool strict = true);
template <typename H, typename = decltype(std::declval<H>().ptr())>
nn::LoadReport load(const H& holder, const std::string& path, bool strict = true) {
  return load(*holder.ptr(), path, strict);
}

}  // namespace descent::io
