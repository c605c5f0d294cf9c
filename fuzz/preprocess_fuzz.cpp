// libFuzzer target for a run directory's preprocess.json (what `descent predict` and `eval --data`
// trust to turn raw inputs into model inputs: image size and normalisation, audio features, the
// tokenizer and vocabulary, the tabular schema and scaling). Any input must either load or throw
// descent::Error; what loads must then preprocess a small input of its modality without a crash
// and write itself back as the same JSON. A crash, a sanitizer report, another exception type, a
// hang or an allocation above -malloc_limit_mb is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data_setup.h"
#include "descent/core/error.h"
#include "descent/descent.h"
#include "fuzz_util.h"

using namespace descent;
using namespace descent::cli;

namespace {

void use(const Preprocessor& p) {
  if (p.modality == "image") {
    p.image(full({5, 7, 3}, 200, TensorOptions().dtype(kUInt8)));
  } else if (p.modality == "audio") {
    p.audio(full({2, 300}, 0.25));
  } else if (p.modality == "text") {
    p.text("Hello, wörld! 42");
  } else {
    std::vector<std::string> header, row;
    for (const auto& c : p.columns) {
      header.push_back(c.name);
      row.push_back(c.categorical ? (c.categories.empty() ? "" : c.categories.front()) : "1.5");
    }
    p.tabular(header, row, "fuzz.csv:2");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Preprocessor img;
  img.modality = "image";
  img.class_names = {"a", "b"};
  img.channels = 1;
  img.mean = {0.5};
  img.std = {0.25};
  Preprocessor au;
  au.modality = "audio";
  au.class_names = {"yes", "no"};
  au.num_samples = 400;
  au.n_fft = 64;
  au.hop_length = 32;
  au.n_mels = 8;
  Preprocessor tx;
  tx.modality = "text";
  tx.class_names = {"en", "fr"};
  tx.tokenizer_json = data::Tokenizer(data::TokenizerOptions().mode(data::TokenizerMode::kCharNgram).ngram_range(1, 2)).to_json();
  tx.vocab = {"<pad>", "<unk>", "h", "e", "he", " "};
  tx.max_length = 8;
  Preprocessor tb;
  tb.modality = "tabular";
  tb.columns = {{"x", false, {}, 0.5, ""}, {"colour", true, {"blue", "red"}, 0, "<missing>"}};
  tb.impute = true;
  tb.missing_values = {"", "NA"};
  tb.feature_mean = {1.0, 0.0, 0.0};
  tb.feature_std = {2.0, 1.0, 1.0};
  tb.target_name = "y";
  tb.target_standardized = true;
  tb.target_mean = 3;
  tb.target_std = 0.5;
  fuzz::write_seeds_if_asked(
      {{"image", img.to_json()}, {"audio", au.to_json()}, {"text", tx.to_json()}, {"tabular", tb.to_json()}});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Preprocessor p;
  try {
    p = Preprocessor::from_json(text, "preprocess.json");
  } catch (const Error&) {
    return 0;
  }
  try {
    if (Preprocessor::from_json(p.to_json(), "round-trip").to_json() != p.to_json()) __builtin_trap();
  } catch (const Error&) {
    __builtin_trap();
  }
  try {
    use(p);
  } catch (const Error&) {
  }
  return 0;
}
