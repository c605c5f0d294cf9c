#pragma once
// descent::models: the builtin models the `descent` CLI names in its configs (mlp, cnn, resnet_small,
// text_embedding_bag, text_gru, audio_cnn; the conv autoencoder has its own header). Each is an ordinary nn::Module with an
// Options struct, a one-tensor forward and PyTorch-style state-dict names.
#include "descent/models/audio_cnn.h"
#include "descent/models/cnn.h"
#include "descent/models/mlp.h"
#include "descent/models/resnet_small.h"
#include "descent/models/text_embedding_bag.h"
#include "descent/models/text_gru.h"
