// Writing files safely (see file.h).
#include "descent/io/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "descent/core/error.h"

namespace descent::io {

void atomic_write(const std::string& path, const std::string& bytes) {
  namespace fs = std::filesystem;
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  DESCENT_CHECK(fs::is_directory(dir), "cannot write ", path, ": folder ", dir.string(), " does not exist");
  std::string tmp_name = ".";  // built by appends: GCC 12 warns (-Wrestrict) on "." + string
  tmp_name.append(p.filename().string()).append(".tmp.").append(std::to_string(::getpid()));
  const std::string tmp = (dir / tmp_name).string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  DESCENT_CHECK(fd >= 0, "cannot write ", path, ": ", std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      DESCENT_FAIL("cannot write ", path, ": ", std::strerror(e));
    }
    done += size_t(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    DESCENT_FAIL("cannot write ", path, ": ", std::strerror(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    DESCENT_FAIL("cannot write ", path, ": rename failed: ", std::strerror(e));
  }
}

}  // namespace descent::io
