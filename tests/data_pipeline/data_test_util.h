#pragma once
// Helpers for the data pipeline tests: scratch folders, byte files, a timeout guard.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "descent/data/data.h"
#include "descent/descent.h"
#include "test_util.h"

namespace data_test {

/// A fresh folder under the system temp dir, removed with its contents at the end of the scope.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("descent_data_") + (info ? info->name() : "x") + "_" + std::to_string(::getpid());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

/// Runs f on another thread; a hang fails the test and ends the process (a deadlock cannot be undone).
inline void with_timeout(const std::function<void()>& f, int seconds = 60) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> fut = done->get_future();
  std::thread t([f, done] {
    try {
      f();
      done->set_value();
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  });
  if (fut.wait_for(std::chrono::seconds(seconds)) == std::future_status::timeout) {
    ADD_FAILURE() << "timed out after " << seconds << " s: the DataLoader hangs";
    std::fprintf(stderr, "FATAL: test timed out after %d s (hang)\n", seconds);
    std::fflush(nullptr);
    std::_Exit(1);
  }
  t.join();
  fut.get();
}

using test_util::error_of;

}  // namespace data_test
