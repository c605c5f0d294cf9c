#pragma once
// descent::nn: modules, containers, layers, init and functional.
#include "descent/nn/functional.h"
#include "descent/nn/init.h"
#include "descent/nn/module.h"
#include "descent/nn/modules/batchnorm.h"
#include "descent/nn/modules/embedding.h"
#include "descent/nn/modules/linear.h"
#include "descent/nn/modules/module_list.h"
#include "descent/nn/modules/normalization.h"
#include "descent/nn/modules/rnn.h"
#include "descent/nn/modules/sequential.h"
