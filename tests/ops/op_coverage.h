#pragma once
// Value-test coverage by registration, as the gradcheck table does for gradients: each test file
// of tests/ops names the ops whose values it tests, next to those tests, with
// DESCENT_VALUE_TESTS_FOR("add", "sub", ...). OpList.EveryOpHasValueTests compares the union with
// the tensor-core part of the central op list (ops/op_list.h), both ways.
#include <initializer_list>
#include <set>
#include <string>

namespace op_coverage {

inline std::set<std::string>& registry() {
  static std::set<std::string> names;
  return names;
}

struct Register {
  Register(std::initializer_list<const char*> names) {
    for (const char* n : names) registry().insert(n);
  }
};

}  // namespace op_coverage

#define DESCENT_VALUE_TESTS_CAT2(a, b) a##b
#define DESCENT_VALUE_TESTS_CAT(a, b) DESCENT_VALUE_TESTS_CAT2(a, b)
#define DESCENT_VALUE_TESTS_FOR(...) \
  static const ::op_coverage::Register DESCENT_VALUE_TESTS_CAT(descent_value_tests_, __LINE__){__VA_ARGS__}
