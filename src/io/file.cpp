// Writing files safely (see file.h).
#include "descent/io/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "descent/core/error.h"

namespace descent::io {

namespace {

struct Fault {
  bool active = false;
  std::string file_name;
  int64_t skip = 0;
  int error = 0;
  int64_t failures = 0;
};
std::mutex fault_mu;
Fault fault;

/// The errno an injected fault gives this write of `file_name`, or 0.
int injected_error(const std::string& file_name) {
  std::lock_guard<std::mutex> g(fault_mu);
  if (!fault.active || (!fault.file_name.empty() && fault.file_name != file_name)) return 0;
  if (fault.skip > 0) {
    --fault.skip;
    return 0;
  }
  ++fault.failures;
  return fault.error;
}

}  // namespace

WriteFault::WriteFault(std::string file_name, int64_t skip, int error) {
  std::lock_guard<std::mutex> g(fault_mu);
  DESCENT_CHECK(!fault.active, "WriteFault: another one is alive");
  DESCENT_CHECK(error != 0 && skip >= 0, "WriteFault: error must be an errno value and skip >= 0");
  fault = {true, std::move(file_name), skip, error, 0};
}

WriteFault::~WriteFault() {
  std::lock_guard<std::mutex> g(fault_mu);
  fault = {};
}

int64_t WriteFault::failures() const {
  std::lock_guard<std::mutex> g(fault_mu);
  return fault.failures;
}

void atomic_write(const std::string& path, const std::string& bytes) {
  namespace fs = std::filesystem;
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) throw WriteError(detail::str_cat("cannot write ", path, ": folder ", dir.string(), " does not exist"), __FILE__, __LINE__);
  std::string tmp_name = ".";  // built by appends: GCC 12 warns (-Wrestrict) on "." + string
  tmp_name.append(p.filename().string()).append(".tmp.").append(std::to_string(::getpid()));
  const std::string tmp = (dir / tmp_name).string();
  auto fail = [&](const char* what, int e) {
    throw WriteError(detail::str_cat("cannot write ", path, ": ", what, std::strerror(e)), __FILE__, __LINE__);
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("", errno);
  // An injected fault lets half of the bytes through, then fails as the disk would.
  const int injected = injected_error(p.filename().string());
  const size_t limit = injected ? bytes.size() / 2 : bytes.size();
  size_t done = 0;
  while (done < bytes.size() || injected) {
    ssize_t w = -1;
    if (injected && done >= limit)
      errno = injected;
    else
      w = ::write(fd, bytes.data() + done, limit - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int e = errno ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("", e);
    }
    done += size_t(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    fail("", e);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    fail("rename failed: ", e);
  }
}

}  // namespace descent::io
