#pragma once
// Reads a whole file into memory for the codecs that decode from bytes (image, audio). Private to
// src/data.
#include <cstdint>
#include <string>

namespace descent::data::fileio {

/// The bytes of the file at path; a descent::Error "<what>: <path>: ..." when it cannot be opened,
/// is not a regular file, is empty, or is larger than max_bytes.
std::string read_file_bytes(const std::string& path, const char* what, uint64_t max_bytes = uint64_t(1) << 32);

/// Writes bytes to path (replacing it); a descent::Error "<what>: <path>: ..." on failure.
void write_file_bytes(const std::string& path, const std::string& bytes, const char* what);

}  // namespace descent::data::fileio
