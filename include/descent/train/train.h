#pragma once
// The train layer: metrics, Trainer, callbacks, semi-supervised pseudo-labelling.
#include "descent/train/callbacks.h"
#include "descent/train/metrics.h"
#include "descent/train/semi_supervised.h"
#include "descent/train/trainer.h"
