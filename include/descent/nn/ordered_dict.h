#pragma once
// nn::OrderedDict is core's OrderedDict (the name libtorch users know from torch::OrderedDict).
#include "descent/core/ordered_dict.h"

namespace descent::nn {
using descent::OrderedDict;
}  // namespace descent::nn
