// libFuzzer target for the JSON files of the text and tabular pipelines that a model file or run
// directory carries: the vocabulary (descent.vocab), the tokenizer options, the TF-IDF weights and
// the Standardizer. The first byte picks the reader. Any input must either load or throw
// descent::Error; what loads must be usable (encode a text, transform a row) and write itself back
// as the same JSON. A crash, a sanitizer report, another exception type, a hang or an allocation
// above -malloc_limit_mb is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "descent/core/error.h"
#include "descent/data/tabular.h"
#include "descent/data/text.h"
#include "descent/descent.h"
#include "fuzz_util.h"

using namespace descent;
using namespace descent::data;

namespace {

// Loads with `load`, checks the JSON round trip, then runs `use` (which may throw Error).
template <typename T, typename Load, typename Use>
void check(const std::string& text, Load load, Use use) {
  T x;
  try {
    x = load(text);
  } catch (const Error&) {
    return;
  }
  try {
    if (load(x.to_json()).to_json() != x.to_json()) __builtin_trap();
  } catch (const Error&) {
    __builtin_trap();
  }
  try {
    use(x);
  } catch (const Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const Vocab v = Vocab::build({{"the", "cat", "sat"}, {"the", "dog"}});
  Tfidf tf;
  tf.fit({{2, 3, 2}, {3, 4}}, 5);
  const Standardizer s(std::vector<double>{1.0, -2.0}, std::vector<double>{0.5, 3.0});
  fuzz::write_seeds_if_asked({{"vocab", "v" + v.to_json()},
                              {"tokenizer_word", "t" + Tokenizer().to_json()},
                              {"tokenizer_char_ngram", "t" + Tokenizer(TokenizerOptions().mode(TokenizerMode::kCharNgram)).to_json()},
                              {"tfidf", "f" + tf.to_json()},
                              {"standardizer", "s" + s.to_json()}});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      check<Vocab>(text, [](const std::string& t) { return Vocab::from_json(t, "vocab.json"); },
                   [](const Vocab& v) {
                     const std::vector<int64_t> ids = v.encode(std::vector<std::string>{"the", "zebra", ""});
                     for (int64_t i : ids)
                       if (i < 0 || i >= v.size()) __builtin_trap();
                   });
      break;
    case 1:
      check<Tokenizer>(text, [](const std::string& t) { return Tokenizer::from_json(t, "tokenizer.json"); },
                       [](const Tokenizer& t) { t.tokenize("Grüße, World!  a-b 42"); });
      break;
    case 2:
      check<Tfidf>(text, [](const std::string& t) { return Tfidf::from_json(t, "tfidf.json"); },
                   [](const Tfidf& t) {
                     std::vector<int64_t> ids;
                     for (int64_t i = 0; i < std::min<int64_t>(t.vocab_size(), 4); ++i) ids.push_back(i);
                     const Tensor x = t.transform(ids);
                     if (x.dim() != 1 || x.size(0) != t.vocab_size()) __builtin_trap();
                   });
      break;
    default:
      check<Standardizer>(text, [](const std::string& t) { return Standardizer::from_json(t, "standardizer.json"); },
                          [](const Standardizer& s) { s.transform(ones({2, s.num_features()})); });
  }
  return 0;
}
