#pragma once
// Writing files safely: a file is either its old content or its complete new content, never a
// torn mix, whatever happens during the write (crash, kill, full disk). Used by every writer of
// descent (weights, checkpoints, logs, reports, vocabularies, datasets' caches); needs only core.
#include <cerrno>
#include <cstdint>
#include <string>

#include "descent/core/error.h"

namespace descent::io {

/// What atomic_write throws when the file cannot be written (no folder, no permission, disk
/// full, ...): the old file is still there, untouched.
class WriteError : public Error {
 public:
  using Error::Error;
};

/// Writes bytes to path atomically (temp file in the same folder, fsync, rename). On failure the
/// old file stays, the temp file is removed, and the WriteError names the path and the cause.
void atomic_write(const std::string& path, const std::string& bytes);

/// Fault injection for tests of what happens when writing fails: while a WriteFault is alive,
/// atomic_write of a file named `file_name` (any file when empty) fails as on a full disk: half
/// of the bytes reach the temp file, then the write fails with `error` (ENOSPC by default). The
/// first `skip` such writes still succeed. At most one WriteFault is alive at a time.
class WriteFault {
 public:
  explicit WriteFault(std::string file_name = "", int64_t skip = 0, int error = ENOSPC);
  ~WriteFault();
  WriteFault(const WriteFault&) = delete;
  WriteFault& operator=(const WriteFault&) = delete;
  /// How many writes it made fail so far.
  int64_t failures() const;
};

}  // namespace descent::io
