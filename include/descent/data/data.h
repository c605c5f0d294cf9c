#pragma once
// descent's data pipeline (library descent_data, target descent::descent_data): datasets,
// samplers, collate, DataLoader, splits, transforms, the IDX format and (Fashion-)MNIST.
#include "descent/data/collate.h"
#include "descent/data/dataloader.h"
#include "descent/data/dataset.h"
#include "descent/data/datasets/mnist.h"
#include "descent/data/formats/idx.h"
#include "descent/data/sample_rng.h"
#include "descent/data/sampler.h"
#include "descent/data/split.h"
#include "descent/data/transforms.h"
// Images and audio: PNG/JPEG and WAV/FLAC/OGG files, audio features, ImageFolder, AudioFolder, and
// the synthetic sample data of tools/make_sample_data_media.
#include "descent/data/audio_features.h"
#include "descent/data/datasets/audio_folder.h"
#include "descent/data/datasets/class_folder.h"
#include "descent/data/datasets/image_folder.h"
#include "descent/data/formats/audio.h"
#include "descent/data/formats/image.h"
#include "descent/data/synthetic_media.h"
// Text and tabular inputs: CSV, UTF-8, Tokenizer/Vocab/TF-IDF, TextClassification, TabularDataset,
// Standardizer, and the synthetic sample data of tools/make_sample_data_text.
#include "descent/data/datasets/text_classification.h"
#include "descent/data/formats/csv.h"
#include "descent/data/formats/text.h"
#include "descent/data/synthetic.h"
#include "descent/data/tabular.h"
#include "descent/data/text.h"
