#pragma once
// Error reporting: every user-facing failure is a descent::Error carrying file:line and a message
// that names the shapes, dtypes or argument at fault.
#include <sstream>
#include <stdexcept>
#include <string>

namespace descent {

/// The one exception type descent throws for bad input, bad shapes, bad files and misuse.
class Error : public std::runtime_error {
 public:
  Error(const std::string& msg, const char* file, int line)
      : std::runtime_error(msg + " (" + file + ":" + std::to_string(line) + ")"), msg_(msg) {}
  /// The message without the source location.
  const std::string& message() const { return msg_; }

 private:
  std::string msg_;
};

namespace detail {
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  ((os << args), ...);
  return os.str();
}
}  // namespace detail

}  // namespace descent

/// Throws descent::Error with the streamed message when cond is false.
#define DESCENT_CHECK(cond, ...)                                                              \
  do {                                                                                        \
    if (!(cond)) [[unlikely]] {                                                               \
      throw ::descent::Error(::descent::detail::str_cat(__VA_ARGS__), __FILE__, __LINE__);     \
    }                                                                                         \
  } while (0)

/// Unconditionally throws descent::Error with the streamed message.
#define DESCENT_FAIL(...) throw ::descent::Error(::descent::detail::str_cat(__VA_ARGS__), __FILE__, __LINE__)
