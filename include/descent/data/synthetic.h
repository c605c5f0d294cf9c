#pragma once
// Small synthetic text and tabular datasets written to disk, for examples, tests and trying the
// pipeline without downloading anything (tools/make_sample_data_text writes them from the command
// line). The same seed always writes the same bytes on every platform (a SplitMix64 stream and
// explicit formulas; no std:: distributions).
#include <cstdint>
#include <string>

namespace descent::data::synthetic {

/// A sentiment-like CSV "id,text,label": short reviews built from word lists, labelled "negative" /
/// "positive" (num_classes 2) or also "neutral" (3). Some texts hold commas, doubled quotes, a line
/// break and non-ASCII words (café, naïve, Größe, emoji), so that they exercise RFC 4180 quoting and UTF-8.
void write_text_csv(const std::string& path, int64_t rows = 300, int num_classes = 3, uint64_t seed = 0);

/// A text folder: root/negative/NNN.txt and root/positive/NNN.txt, files_per_class each, plus one
/// README.md per class folder that a .txt reader skips.
void write_text_folder(const std::string& root, int64_t files_per_class = 40, uint64_t seed = 0);

/// A regression CSV "sqft,rooms,city,age,garden,price": numeric and categorical features, about 5% of
/// "age" missing (NA), price = a linear function of the features plus noise.
void write_regression_csv(const std::string& path, int64_t rows = 500, uint64_t seed = 0);

/// A binary classification CSV "x1,x2,x3,color,label": label "yes"/"no" drawn from a logistic model
/// of the features.
void write_classification_csv(const std::string& path, int64_t rows = 400, uint64_t seed = 0);

/// A language-identification CSV "text,language": short texts (1 to 5 words) in eight made-up
/// languages whose spelling borrows the look of German, French, Spanish, Polish, Finnish, Dutch,
/// Portuguese and Turkish (their letters, digraphs, endings and function words; most consonants
/// are shared). 55% of the words come from a language's 306-word lexicon (Zipf frequencies), 30%
/// are new words of the language (never seen in training: only their characters tell), 15% are
/// words of a random language (loanwords, names). Balanced classes, rows in turn.
void write_language_csv(const std::string& path, int64_t rows = 2000, uint64_t seed = 0);

/// All five in root: text.csv, text_folder/, regression.csv, classification.csv, languages.csv
/// (root is created).
void write_text_and_tabular_samples(const std::string& root, uint64_t seed = 0, int64_t language_rows = 2000);

}  // namespace descent::data::synthetic
