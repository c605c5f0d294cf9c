// Writes the small synthetic text and tabular datasets of descent::data::synthetic (the same ones
// the tests and examples use) into a folder:
//   text.csv            id,text,label: 300 sentiment-like reviews, 3 classes (RFC 4180 quoting, UTF-8)
//   text_folder/        negative/*.txt, positive/*.txt (40 each) and a README.md per class that readers skip
//   regression.csv      sqft,rooms,city,age,garden,price: 500 rows, some ages NA
//   classification.csv  x1,x2,x3,color,label: 400 rows, label yes/no
//   languages.csv       text,language: 2000 short texts in 8 made-up languages (--language-rows N)
//
//   make_sample_data_text <folder> [--seed N] [--language-rows N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "descent/core/error.h"
#include "descent/data/synthetic.h"

int main(int argc, char** argv) {
  std::string root;
  uint64_t seed = 0;
  int64_t language_rows = 2000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--language-rows") == 0 && i + 1 < argc) {
      char* end = nullptr;
      language_rows = std::strtoll(argv[++i], &end, 10);
      if (!end || *end || language_rows < 1) {
        std::fprintf(stderr, "make_sample_data_text: --language-rows needs a positive integer, got '%s'\n", argv[i]);
        return 2;
      }
      continue;
    }
    if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      char* end = nullptr;
      seed = std::strtoull(argv[++i], &end, 10);
      if (!end || *end) {
        std::fprintf(stderr, "make_sample_data_text: --seed needs a non-negative integer, got '%s'\n", argv[i]);
        return 2;
      }
    } else if (argv[i][0] == '-' || !root.empty()) {
      std::fprintf(stderr, "usage: make_sample_data_text <folder> [--seed N] [--language-rows N]\n");
      return 2;
    } else {
      root = argv[i];
    }
  }
  if (root.empty()) {
    std::fprintf(stderr, "usage: make_sample_data_text <folder> [--seed N] [--language-rows N]\n");
    return 2;
  }
  try {
    descent::data::synthetic::write_text_and_tabular_samples(root, seed, language_rows);
  } catch (const descent::Error& e) {
    std::fprintf(stderr, "make_sample_data_text: %s\n", e.message().c_str());
    return 1;
  }
  std::printf("wrote %s/{text.csv, text_folder/, regression.csv, classification.csv, languages.csv} (seed %llu)\n", root.c_str(),
              static_cast<unsigned long long>(seed));
  return 0;
}
