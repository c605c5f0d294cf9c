#include "descent/io/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <map>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "descent/io/file.h"

#include "descent/autograd/grad_mode.h"
#include "descent/ops/ops.h"

namespace descent::io {
namespace {

using json = nlohmann::json;
constexpr uint64_t kMaxHeader = 100ull * 1000 * 1000;  // 100 MB, as the reference implementation

const char* st_dtype(DType t) {
  switch (t) {
    case DType::Bool: return "BOOL";
    case DType::UInt8: return "U8";
    case DType::Int32: return "I32";
    case DType::Int64: return "I64";
    case DType::Float32: return "F32";
    case DType::Float64: return "F64";
  }
  return "?";
}

bool parse_dtype(const std::string& s, DType& out) {
  static const std::map<std::string, DType> m = {{"BOOL", DType::Bool}, {"U8", DType::UInt8},   {"I32", DType::Int32},
                                                 {"I64", DType::Int64}, {"F32", DType::Float32}, {"F64", DType::Float64}};
  auto it = m.find(s);
  if (it == m.end()) return false;
  out = it->second;
  return true;
}

static_assert(std::endian::native == std::endian::little, "descent's safetensors I/O assumes a little-endian host");

}  // namespace

std::string serialize_safetensors(const OrderedDict<Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> data;
  uint64_t offset = 0;
  for (auto& [name, t] : tensors) {
    DESCENT_CHECK(t.defined(), "save_safetensors: tensor '", name, "' is undefined");
    DESCENT_CHECK(name != "__metadata__", "save_safetensors: '__metadata__' is reserved and cannot name a tensor");
    Tensor c = t.detach().contiguous();
    const uint64_t n = c.nbytes();
    header[name] = {{"dtype", st_dtype(c.dtype())}, {"shape", c.sizes().vec()}, {"data_offsets", {offset, offset + n}}};
    offset += n;
    data.push_back(c);
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // pad so the data starts 8-byte aligned
  std::string out;
  out.reserve(8 + h.size() + offset);
  const uint64_t hl = h.size();
  out.append(reinterpret_cast<const char*>(&hl), 8);
  out += h;
  for (auto& c : data)
    if (c.nbytes()) out.append(static_cast<const char*>(c.raw_data()), c.nbytes());
  return out;
}

void save_safetensors(const std::string& path, const OrderedDict<Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  atomic_write(path, serialize_safetensors(tensors, metadata));
}

SafetensorsData parse_safetensors(const std::string& bytes, const std::string& file) {
  DESCENT_CHECK(bytes.size() >= 8, file, ": not a safetensors file (", bytes.size(),
                " bytes, shorter than the 8-byte header length)");
  uint64_t hl = 0;
  std::memcpy(&hl, bytes.data(), 8);
  DESCENT_CHECK(hl <= kMaxHeader, file, ": header length ", hl, " is above the 100 MB limit");
  DESCENT_CHECK(hl <= bytes.size() - 8, file, ": header length ", hl, " goes beyond the end of the file (",
                bytes.size(), " bytes)");
  const std::string header_text = bytes.substr(8, hl);
  // Parse with a callback that rejects duplicate top-level names (JSON parsers keep the last one).
  std::set<std::string> seen;
  std::string duplicate;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::key && depth == 1) {
      const std::string k = parsed.get<std::string>();
      if (!seen.insert(k).second && duplicate.empty()) duplicate = k;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(header_text, cb);
  } catch (const json::exception& e) {
    DESCENT_FAIL(file, ": invalid JSON header: ", e.what());
  }
  DESCENT_CHECK(duplicate.empty(), file, ": tensor '", duplicate, "' appears twice in the header");
  DESCENT_CHECK(header.is_object(), file, ": header is not a JSON object");
  const uint64_t data_size = bytes.size() - 8 - hl;
  const char* data = bytes.data() + 8 + hl;

  SafetensorsData out;
  struct Entry {
    std::string name;
    DType dtype;
    Shape shape;
    uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      DESCENT_CHECK(v.is_object(), file, ": __metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        DESCENT_CHECK(m.value().is_string(), file, ": __metadata__ value for '", m.key(), "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    DESCENT_CHECK(v.is_object() && v.contains("dtype") && v.contains("shape") && v.contains("data_offsets"), file,
                  ": tensor '", name, "' needs dtype, shape and data_offsets");
    Entry e;
    e.name = name;
    DESCENT_CHECK(v["dtype"].is_string() && parse_dtype(v["dtype"].get<std::string>(), e.dtype), file, ": tensor '",
                  name, "' has unsupported dtype ", v["dtype"].dump(), " (descent reads BOOL, U8, I32, I64, F32, F64)");
    DESCENT_CHECK(v["shape"].is_array() && v["shape"].size() <= 16, file, ": tensor '", name, "' has a bad shape ",
                  v["shape"].dump());
    uint64_t count = 1;
    for (auto& d : v["shape"]) {
      DESCENT_CHECK(d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0), file, ": tensor '",
                    name, "' has a bad shape ", v["shape"].dump());
      const uint64_t s = d.get<uint64_t>();
      DESCENT_CHECK(s <= data_size + 1 && (s == 0 || count <= data_size / s + 1), file, ": tensor '", name,
                    "' has shape ", v["shape"].dump(), " larger than the file");
      count *= s;
      e.shape.push_back(static_cast<int64_t>(s));
    }
    const json& off = v["data_offsets"];
    DESCENT_CHECK(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() && off[1].is_number_unsigned(), file,
                  ": tensor '", name, "' has bad data_offsets ", off.dump());
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    DESCENT_CHECK(e.begin <= e.end && e.end <= data_size, file, ": tensor '", name, "' has data_offsets [", e.begin,
                  ", ", e.end, "] outside the ", data_size, " data bytes");
    DESCENT_CHECK(count * itemsize(e.dtype) == e.end - e.begin, file, ": tensor '", name, "' has shape ",
                  v["shape"].dump(), " of ", dtype_name(e.dtype), " (", count * itemsize(e.dtype),
                  " bytes) but data_offsets span ", e.end - e.begin, " bytes");
    entries.push_back(std::move(e));
  }
  // Offsets must tile the data section exactly: no overlap, no gap.
  std::vector<const Entry*> by_offset;
  for (auto& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t pos = 0;
  for (const Entry* e : by_offset) {
    DESCENT_CHECK(e->begin >= pos, file, ": tensor '", e->name, "' overlaps another tensor's data (offset ", e->begin,
                  " < ", pos, ")");
    DESCENT_CHECK(e->begin == pos, file, ": gap in the data before tensor '", e->name, "' (offset ", e->begin,
                  ", expected ", pos, ")");
    pos = e->end;
  }
  DESCENT_CHECK(pos == data_size, file, ": ", data_size - pos, " trailing bytes after the last tensor");
  // Tensors in the order of their data (the writer's order; JSON objects do not keep one).
  for (const Entry* ep : by_offset) {
    const Entry& e = *ep;
    Tensor t = empty(e.shape, e.dtype);
    if (e.end > e.begin) std::memcpy(t.raw_data(), data + e.begin, e.end - e.begin);
    if (e.dtype == DType::Bool) {  // any non-zero byte is true; keep bool storage canonical (0/1)
      uint8_t* p = static_cast<uint8_t*>(t.raw_data());
      for (uint64_t i = 0; i < e.end - e.begin; ++i) p[i] = p[i] != 0;
    }
    out.tensors.insert(e.name, t);
  }
  return out;
}

SafetensorsData load_safetensors(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  DESCENT_CHECK(fs::is_regular_file(path, ec), path, ": no such file");
  const uint64_t size = fs::file_size(path, ec);
  DESCENT_CHECK(!ec, path, ": cannot read size: ", ec.message());
  std::ifstream f(path, std::ios::binary);
  DESCENT_CHECK(f.good(), path, ": cannot open for reading");
  std::string bytes(size, '\0');
  f.read(bytes.data(), static_cast<std::streamsize>(size));
  DESCENT_CHECK(static_cast<uint64_t>(f.gcount()) == size, path, ": short read (", f.gcount(), " of ", size, " bytes)");
  return parse_safetensors(bytes, path);
}

void save(const nn::Module& module, const std::string& path, const std::map<std::string, std::string>& metadata) {
  std::map<std::string, std::string> md = metadata;
  md.emplace("format", "pt");
  save_safetensors(path, module.state_dict(), md);
}

nn::LoadReport load(nn::Module& module, const std::string& path, bool strict) {
  SafetensorsData d = load_safetensors(path);
  try {
    return module.load_state_dict(d.tensors, strict);
  } catch (const Error& e) {
    DESCENT_FAIL(path, ": ", e.message());
  }
}

}  // namespace descent::io
