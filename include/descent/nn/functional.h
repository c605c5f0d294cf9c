#pragma once
// torch.nn.functional: stateless forms of the layers, activations and losses.
// Use as `namespace F = descent::nn::functional;`.
#include "descent/nn/functional/linear.h"
