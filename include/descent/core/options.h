#pragma once
// Options structs in the style of libtorch's TORCH_ARG: one line declares a chainable setter and
// the public field it sets, the default following the macro, e.g.
//
//   struct PseudoLabelOptions {
//     /// Minimum probability of a pseudo-label, in (0, 1]. Default 0.95.
//     DESCENT_ARG_CHECKED(PseudoLabelOptions, double, threshold, v > 0 && v <= 1, "in (0, 1]") = 0.95;
//     DESCENT_ARG(PseudoLabelOptions, bool, reinit) = true;
//   };
//
// PseudoLabelOptions().threshold(0.9).reinit(false); o.threshold_ reads the value. The checked
// form rejects a value v for which the condition is false with a descent::Error naming the struct,
// the option, the rule and the value ("PseudoLabelOptions: threshold must be in (0, 1], got 1.5").
#include <cmath>
#include <utility>

#include "descent/core/error.h"

#define DESCENT_ARG(Opts, T, name)      \
  Opts& name(T v) {                     \
    name##_ = std::move(v);             \
    return *this;                       \
  }                                     \
  T name##_

#define DESCENT_ARG_CHECKED(Opts, T, name, condition, rule)                           \
  Opts& name(T v) {                                                                   \
    DESCENT_CHECK((condition), #Opts ": " #name " must be " rule ", got ", v);        \
    name##_ = v;                                                                      \
    return *this;                                                                     \
  }                                                                                   \
  T name##_

// The accessor form, as libtorch's TORCH_ARG: a checked chainable setter name(v), a getter name()
// and a private field name_ (the default following the macro). For option classes read through
// accessors (the optimizers' options). Access is private after the macro; every use starts public.
#define DESCENT_OPTION(Opts, T, name, condition, rule)                                \
 public:                                                                              \
  Opts& name(T v) {                                                                   \
    DESCENT_CHECK((condition), #Opts ": " #name " must be " rule ", got ", v);        \
    name##_ = v;                                                                      \
    return *this;                                                                     \
  }                                                                                   \
  const T& name() const { return name##_; }                                           \
                                                                                      \
 private:                                                                             \
  T name##_

/// DESCENT_OPTION without a rule (flags and free choices).
#define DESCENT_OPTION_ANY(Opts, T, name)   \
 public:                                    \
  Opts& name(T v) {                         \
    name##_ = std::move(v);                 \
    return *this;                           \
  }                                         \
  const T& name() const { return name##_; } \
                                            \
 private:                                   \
  T name##_

