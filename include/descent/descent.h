#pragma once
// descent: everything a program needs, in one include.
#include "descent/autograd/grad_mode.h"
#include "descent/autograd/gradcheck.h"
#include "descent/autograd/node.h"
#include "descent/backend/parallel.h"
#include "descent/core/dtype.h"
#include "descent/core/error.h"
#include "descent/core/generator.h"
#include "descent/core/scalar.h"
#include "descent/core/tensor.h"
#include "descent/ops/op_list.h"
#include "descent/ops/ops.h"
#include "descent/nn/nn.h"
