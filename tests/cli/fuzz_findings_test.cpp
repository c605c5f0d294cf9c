// Regression tests for what the fuzzers (fuzz/, scripts/fuzz.sh) found, each from the crashing
// input or the smallest input of the same kind, and for the checks added after reading the
// readers with those findings in mind. fuzz/README.md lists the findings.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "data_setup.h"
#include "descent/data/formats/audio.h"
#include "descent/data/tabular.h"
#include "descent/data/text.h"
#include "descent/descent.h"
#include "descent/io/safetensors.h"
#include "descent/train/train.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace descent;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

nn::Sequential seeded_model() {
  manual_seed(1);
  return nn::Sequential(nn::Linear(2, 2));
}

std::shared_ptr<data::TensorDataset> tiny_data() {
  Generator g(2);
  Tensor x = randn({8, 2}, {}, &g);
  return std::make_shared<data::TensorDataset>(x, x.select(1, 0).gt(0).to(kInt64));
}

// A 2-epoch run of 2 steps per epoch, resuming from `resume` when not empty.
struct TinyRun {
  explicit TinyRun(const std::string& resume)
      : model(seeded_model()),
        opt(model->parameters(), optim::SGDOptions(0.1)),
        loader(tiny_data(), data::DataLoaderOptions().batch_size(4)),
        trainer(train::TrainerOptions().epochs(2).task(train::Task::MultiClass, 2).resume_from(resume)) {}
  nn::Sequential model;
  optim::SGD opt;
  data::DataLoader loader;
  train::Trainer trainer;
};

}  // namespace

// preprocess_fuzz: an integer too large for int64 is parsed as a double by nlohmann, and
// get<int64_t>() on it was undefined behaviour (UBSan: "1.92234e+20 is outside the range of
// representable values of type 'long'"). Integers are now checked before conversion and ranges after.
TEST(FuzzFindings, PreprocessIntegerOutOfRange) {
  const std::string crash = R"({"class_names": ["yes", "no"], "hop_length": 192233720368547758076, "modality": "audio",
                                "n_fft": 44, "n_mels": 8, "num_samples": 400, "sample_rate": 16000})";
  std::string m = error_of([&] { cli::Preprocessor::from_json(crash, "preprocess.json"); });
  EXPECT_NE(m.find("preprocess.json: hop_length: expected an integer"), std::string::npos) << m;
  for (const char* bad : {"1.5", "-3", "1e300", "0", "\"7\""}) {
    std::string text = crash;
    text.replace(text.find("192233720368547758076"), 21, bad);
    m = error_of([&] { cli::Preprocessor::from_json(text, "preprocess.json"); });
    EXPECT_NE(m.find("hop_length"), std::string::npos) << bad << ": " << m;
  }
  // Values that would make predict allocate without bound or divide by zero.
  const std::string image = R"({"modality": "image", "class_names": [], "channels": 1, "height": 1000000000, "width": 28,
                                "mean": [], "std": []})";
  m = error_of([&] { cli::Preprocessor::from_json(image, "p.json"); });
  EXPECT_NE(m.find("p.json: height = 1000000000 is outside [1, 4096]"), std::string::npos) << m;
  const std::string zero_std = R"({"modality": "image", "class_names": [], "channels": 1, "height": 28, "width": 28,
                                   "mean": [0.5], "std": [0]})";
  EXPECT_NE(error_of([&] { cli::Preprocessor::from_json(zero_std, "p.json"); }).find("std"), std::string::npos);
  const std::string tab = R"({"modality": "tabular", "class_names": [], "columns": [{"name": "x", "categorical": false,
      "categories": [], "fill_number": 0, "fill_category": ""}], "impute": false, "missing_values": [],
      "feature_mean": [0, 1], "feature_std": [1, 1], "target": "y"})";
  m = error_of([&] { cli::Preprocessor::from_json(tab, "p.json"); });
  EXPECT_NE(m.find("feature_mean and feature_std need 1 values each"), std::string::npos) << m;
}

// The same undefined conversion in the other JSON readers: versions, n-gram ranges, frequencies.
TEST(FuzzFindings, JsonReadersRejectNonIntegers) {
  std::string m = error_of([] {
    data::Vocab::from_json(R"({"format": "descent.vocab", "version": 1e300, "tokens": ["<pad>", "<unk>"]})", "v.json");
  });
  EXPECT_NE(m.find("unsupported vocabulary version 1e+300"), std::string::npos) << m;
  m = error_of([] {
    data::Vocab::from_json(R"({"format": "descent.vocab", "version": 1, "tokens": ["<pad>", "<unk>"], "frequencies": [0, 2.5]})",
                           "v.json");
  });
  EXPECT_NE(m.find("v.json: frequencies: expected an integer, got 2.5"), std::string::npos) << m;
  m = error_of([] {
    data::Tokenizer::from_json(R"({"format": "descent.tokenizer", "version": 1, "mode": "char_ngram", "lowercase": true,
                                   "keep_punctuation": true, "ngram_range": [1e300, 2]})",
                               "t.json");
  });
  EXPECT_NE(m.find("t.json: ngram_range[0]: expected an integer"), std::string::npos) << m;
}

// wav_fuzz, at 200k executions: an RF64 file whose first chunk is a LIST chunk claiming 1.6 GB
// made libsndfile 1.2.0 loop for more than the fuzzer's 30 s timeout. RF64 and RIFX files now get
// the chunk checks RIFF files had: a ds64 chunk first (RF64), every chunk within the file.
TEST(FuzzFindings, AudioRf64WithALyingChunkIsRefused) {
  const unsigned char crash[] = {0x52, 0x46, 0x36, 0x34, 0x28, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x4c,
                                 0x49, 0x53, 0x54, 0x10, 0x02, 0x49, 0xc8, 0x62, 0x00, 0xff, 0xff, 0xf8, 0xff,
                                 0xff, 0xff, 0x00, 0x02, 0x00, 0x18, 0x00, 0x20, 0x64, 0x8e, 0x49, 0xc8, 0x62};
  std::string m = error_of([&] { data::decode_audio(crash, sizeof crash, data::AudioReadOptions(), "hang.wav"); });
  EXPECT_NE(m.find("hang.wav: RF64 file without a valid ds64 chunk first"), std::string::npos) << m;
  // The same lying chunk after a valid ds64 chunk, and in a big-endian RIFX file.
  std::string rf64("RF64\xff\xff\xff\xffWAVEds64\x1c\x00\x00\x00", 20);
  rf64 += std::string(28, '\0') + std::string("LIST\x00\x00\x00\x40", 8) + "xx";
  m = error_of([&] { data::decode_audio(rf64.data(), rf64.size(), data::AudioReadOptions(), "a.wav"); });
  EXPECT_NE(m.find("WAV chunk 'LIST' at byte 48 declares 1073741824 bytes"), std::string::npos) << m;
  // wav_fuzz again, against the first version of that check: a second ds64 chunk, 0 bytes long,
  // was read as if it held the data size (a heap overflow under ASan). Only the first is read.
  std::string two_ds64("RF64\xff\xff\xff\xffWAVEds64\x1c\x00\x00\x00", 20);
  two_ds64 += std::string(28, '\0') + std::string("ds64\x00\x00\x00\x00", 8);
  m = error_of([&] { data::decode_audio(two_ds64.data(), two_ds64.size(), data::AudioReadOptions(), "c.wav"); });
  EXPECT_NE(m.find("c.wav: WAV file ends at byte 56 before its fmt chunk"), std::string::npos) << m;
  // wav_fuzz, third: a valid RIFF file whose data chunk is followed by a LIST chunk claiming 4 GB
  // made libsndfile loop too. The chunks after the data are walked as well, and libsndfile gets the
  // file only up to the first one that runs past the end (WavHostile.LyingDataSize: trailing junk is ignored).
  const unsigned char after_data[] = {
      0x52, 0x49, 0x46, 0x46, 0x3c, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20, 0x10, 0x00,
      0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x40, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54,
      0x64, 0x61, 0x74, 0x61, 0x13, 0x00, 0x00, 0x00, 0x40, 0xb7, 0xff, 0x52, 0x46, 0x36, 0x35, 0x44, 0x62, 0x46,
      0x46, 0x58, 0x00, 0xf7, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x4c, 0x49, 0x53, 0x54, 0xff, 0x52, 0x46, 0xfe,
      0xff, 0x36, 0x35, 0xff, 0xf7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  m = error_of([&] { data::decode_audio(after_data, sizeof after_data, data::AudioReadOptions(), "d.wav"); });
  EXPECT_NE(m.find("d.wav: cannot decode"), std::string::npos) << m;  // its fmt chunk says 21504 bits per sample
  const std::string rifx = std::string("RIFX\x00\x00\x00\x20WAVELIST\x40\x00\x00\x00", 20) + "xx";
  m = error_of([&] { data::decode_audio(rifx.data(), rifx.size(), data::AudioReadOptions(), "b.wav"); });
  EXPECT_NE(m.find("WAV chunk 'LIST' at byte 12 declares 1073741824 bytes"), std::string::npos) << m;
}

// Features and targets are float32: 1e39 used to become an infinity silently.
TEST(FuzzFindings, TabularValuesBeyondFloat32) {
  const fs::path p = fs::temp_directory_path() / ("fuzz_findings_" + std::to_string(::getpid()) + ".csv");
  std::ofstream(p) << "x,y\n1,2\n1e39,3\n";
  std::string m = error_of([&] { data::TabularDataset::from_csv(p.string(), data::TabularOptions("y")); });
  EXPECT_NE(m.find("'1e39' is beyond float32's range"), std::string::npos) << m;
  std::ofstream(p) << "x,y\n1,2\n2,-4e38\n";
  m = error_of([&] { data::TabularDataset::from_csv(p.string(), data::TabularOptions("y")); });
  EXPECT_NE(m.find("target '-4e38' is beyond float32's range"), std::string::npos) << m;
  fs::remove(p);
}

// Found when the fuzz targets were first built with UBSan: AdamOptions' constructor called the
// chaining setters, which downcast to the derived options class before it was constructed. The
// constructor now checks and sets the fields itself; its checks still hold.
TEST(FuzzFindings, AdamOptionsConstructorChecks) {
  EXPECT_NE(error_of([] { optim::AdamOptions(-1.0); }).find("lr"), std::string::npos);
  EXPECT_NE(error_of([] { optim::AdamWOptions(-0.5); }).find("lr"), std::string::npos);
  EXPECT_EQ(optim::AdamWOptions(0.02).lr(), 0.02);
}

// checkpoint_fuzz: counters in last.ckpt bound the work fit still does; a lying one (a negative
// epoch, a step beyond the epoch, a non-integer) is an error naming it, not hours of training.
TEST(FuzzFindings, CheckpointCountersAreChecked) {
  const fs::path dir = fs::temp_directory_path() / ("fuzz_findings_ckpt_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto make = [](const std::string& resume) { return std::make_unique<TinyRun>(resume); };
  {
    auto r = make("");
    r->trainer.add_callback(std::make_shared<train::ModelCheckpoint>(train::ModelCheckpointOptions(dir.string())));
    r->trainer.fit(r->model, nullptr, r->opt, r->loader, &r->loader);
  }
  const io::SafetensorsData good = io::load_safetensors((dir / "last.ckpt").string());
  for (const auto& [key, value, expect] :
       std::vector<std::tuple<std::string, json, std::string>>{{"epoch", -5, "bad counters"},
                                                               {"epoch", 1e300, "epoch: expected an integer"},
                                                               {"batch_in_epoch", 7, "bad counters"},
                                                               {"global_step", -1, "bad counters"},
                                                               {"steps_per_epoch", 1.5, "steps_per_epoch: expected an integer"},
                                                               {"version", 1e300, "unknown checkpoint version"}}) {
    json meta = json::parse(good.metadata.at("descent.trainer"));
    meta[key] = value;
    const fs::path bad = dir / "bad.ckpt";
    io::save_safetensors(bad.string(), good.tensors, {{"descent.trainer", meta.dump()}});
    auto r = make(bad.string());
    const std::string m = error_of([&] { r->trainer.fit(r->model, nullptr, r->opt, r->loader, &r->loader); });
    EXPECT_NE(m.find(expect), std::string::npos) << key << " = " << value.dump() << ": " << m;
    EXPECT_NE(m.find(bad.string()), std::string::npos) << m;
  }
  fs::remove_all(dir);
}
