#pragma once
// The train layer: metrics, Trainer, callbacks.
#include "descent/train/callbacks.h"
#include "descent/train/metrics.h"
#include "descent/train/trainer.h"
