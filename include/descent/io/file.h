#pragma once
// Writing files safely: a file is either its old content or its complete new content, never a
// torn mix, whatever happens during the write (crash, kill, full disk). Used by every writer of
// descent (weights, checkpoints, logs, reports, vocabularies, datasets' caches); needs only core.
#include <string>

namespace descent::io {

/// Writes bytes to path atomically (temp file in the same folder, fsync, rename). On failure the
/// old file stays, the temp file is removed, and the descent::Error names the path and the cause.
void atomic_write(const std::string& path, const std::string& bytes);

}  // namespace descent::io
