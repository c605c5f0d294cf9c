#pragma once
// torch.nn.functional: stateless forms of the layers, activations and losses.
// Use as `namespace F = descent::nn::functional;`.
#include "descent/nn/functional/activation.h"
#include "descent/nn/functional/conv.h"
#include "descent/nn/functional/dropout.h"
#include "descent/nn/functional/embedding.h"
#include "descent/nn/functional/linear.h"
#include "descent/nn/functional/loss.h"
#include "descent/nn/functional/normalization.h"
#include "descent/nn/functional/pool.h"
#include "descent/nn/functional/rnn.h"
