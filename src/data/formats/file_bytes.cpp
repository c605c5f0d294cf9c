#include "file_bytes.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "descent/core/error.h"

namespace descent::data::fileio {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::string read_file_bytes(const std::string& path, const char* what, uint64_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  DESCENT_CHECK(!ec && fs::exists(status), what, ": ", path, ": no such file");
  DESCENT_CHECK(fs::is_regular_file(status), what, ": ", path, ": not a regular file");
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  DESCENT_CHECK(f != nullptr, what, ": ", path, ": cannot open: ", std::strerror(errno));
  const uint64_t size = fs::file_size(path, ec);
  DESCENT_CHECK(!ec, what, ": ", path, ": cannot read its size: ", ec.message());
  DESCENT_CHECK(size > 0, what, ": ", path, ": empty file (0 bytes)");
  DESCENT_CHECK(size <= max_bytes, what, ": ", path, ": ", size, " bytes is more than the limit of ", max_bytes);
  std::string bytes(size_t(size), '\0');
  const size_t got = std::fread(bytes.data(), 1, bytes.size(), f.get());
  DESCENT_CHECK(got == bytes.size(), what, ": ", path, ": read ", got, " of ", size, " bytes",
                std::ferror(f.get()) ? std::string(": ") + std::strerror(errno) : std::string());
  return bytes;
}

void write_file_bytes(const std::string& path, const std::string& bytes, const char* what) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "wb"));
  DESCENT_CHECK(f != nullptr, what, ": ", path, ": cannot create: ", std::strerror(errno));
  const size_t put = std::fwrite(bytes.data(), 1, bytes.size(), f.get());
  DESCENT_CHECK(put == bytes.size(), what, ": ", path, ": wrote ", put, " of ", bytes.size(), " bytes: ",
                std::strerror(errno));
  DESCENT_CHECK(std::fclose(f.release()) == 0, what, ": ", path, ": cannot close: ", std::strerror(errno));
}

}  // namespace descent::data::fileio
