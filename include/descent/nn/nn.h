#pragma once
// descent::nn: modules, containers, layers, init and functional.
#include "descent/nn/functional.h"
#include "descent/nn/init.h"
#include "descent/nn/module.h"
#include "descent/nn/modules/linear.h"
#include "descent/nn/modules/module_list.h"
#include "descent/nn/modules/sequential.h"
