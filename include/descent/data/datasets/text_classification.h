#pragma once
// Text classification datasets: from a CSV file (a text column and a label column chosen by name)
// or from a folder with one subfolder of .txt files per class. Texts are tokenized once when the
// dataset is built; get(i) encodes example i with the vocabulary (and TF-IDF weights).
//
//   auto all = TextClassification::from_csv("reviews.csv", TextClassificationOptions().text_column("review"));
//   auto parts = random_split_indices(all->size(), {0.7, 0.2, 0.1}, 42);
//   auto ds = all->fit_on(parts[0]);            // vocabulary from the training texts only
//   auto train = std::make_shared<Subset>(ds, parts[0]);
//   DataLoader loader(train, DataLoaderOptions().batch_size(32).collate(pad_collate_fn(Vocab::kPadIndex)));
//
// Labels are indices into classes(): for a CSV the sorted distinct label strings (in numeric order
// when all of them are integers, so "2" comes before "10"); for a folder the class folder names in
// byte order, as ImageFolder (and torchvision) sort them.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "descent/data/dataset.h"
#include "descent/data/formats/csv.h"
#include "descent/data/text.h"

namespace descent::data {

/// What get(i).data is.
enum class TextRepresentation : uint8_t {
  kIndices,     ///< int64 [L] vocabulary indices (L <= max_length); batch with pad_collate
  kBagOfWords,  ///< float32 [V] token counts
  kTfidf,       ///< float32 [V] TF-IDF weights (l2-normalised)
};

/// Options of TextClassification.
struct TextClassificationOptions {
  /// The CSV column holding the text ("text").
  TextClassificationOptions& text_column(std::string v) { text_column_ = std::move(v); return *this; }
  /// The CSV column holding the label ("label").
  TextClassificationOptions& label_column(std::string v) { label_column_ = std::move(v); return *this; }
  TextClassificationOptions& tokenizer(TokenizerOptions v) { tokenizer_ = v; return *this; }
  /// How the vocabulary is built when none is given.
  TextClassificationOptions& vocab_options(VocabOptions v) { vocab_options_ = v; return *this; }
  /// A ready vocabulary (e.g. loaded with a model); otherwise one is built from all texts.
  TextClassificationOptions& vocab(std::shared_ptr<const Vocab> v) { vocab_ = std::move(v); return *this; }
  TextClassificationOptions& representation(TextRepresentation v) { representation_ = v; return *this; }
  TextClassificationOptions& tfidf_options(TfidfOptions v) { tfidf_options_ = v; return *this; }
  /// Longest index sequence; longer texts keep their first max_length tokens (0: no limit).
  TextClassificationOptions& max_length(int64_t v) { max_length_ = v; return *this; }
  TextClassificationOptions& csv(CsvOptions v) { csv_ = v; return *this; }
  /// File extensions read from class folders (".txt"), compared without case.
  TextClassificationOptions& extensions(std::vector<std::string> v) { extensions_ = std::move(v); return *this; }
  /// Largest text file read from a folder (1 MiB); larger files are an Error.
  TextClassificationOptions& max_file_bytes(size_t v) { max_file_bytes_ = v; return *this; }
  /// from_folder: a file that cannot be read (too large, invalid UTF-8, unreadable) is left out
  /// and listed in bad_files() instead of being an Error (false).
  TextClassificationOptions& skip_bad_files(bool v) { skip_bad_files_ = v; return *this; }

  std::string text_column_ = "text";
  std::string label_column_ = "label";
  TokenizerOptions tokenizer_;
  VocabOptions vocab_options_;
  std::shared_ptr<const Vocab> vocab_;
  TextRepresentation representation_ = TextRepresentation::kIndices;
  TfidfOptions tfidf_options_;
  int64_t max_length_ = 0;
  CsvOptions csv_;
  std::vector<std::string> extensions_ = {".txt"};
  size_t max_file_bytes_ = size_t(1) << 20;
  bool skip_bad_files_ = false;
};

/// Labelled texts: examples (data as TextRepresentation says, int64 0-d label).
class TextClassification : public Dataset {
 public:
  /// Reads a CSV file with a header; an empty label is an Error naming the row.
  static std::shared_ptr<TextClassification> from_csv(const std::string& path, TextClassificationOptions options = {});
  /// Reads root/<class>/**/*.txt with the layout rules of ImageFolder (scan_class_folders: sorted
  /// class folders, files sorted within a class, hidden files and other extensions skipped and
  /// counted, an empty class an Error); invalid UTF-8 is an Error naming the file and line.
  static std::shared_ptr<TextClassification> from_folder(const std::string& root,
                                                         TextClassificationOptions options = {});

  int64_t size() const override;
  Example get(int64_t index) const override;

  /// This dataset with its vocabulary (and TF-IDF weights) rebuilt from the examples at `indices`
  /// only, the training split, so that nothing of the validation and test texts leaks into them.
  std::shared_ptr<TextClassification> fit_on(const std::vector<int64_t>& indices) const;
  /// This dataset with another vocabulary (and TF-IDF weights, for kTfidf).
  std::shared_ptr<TextClassification> with_vocab(std::shared_ptr<const Vocab> vocab,
                                                 std::shared_ptr<const Tfidf> tfidf = nullptr) const;

  /// Sorted class names; label i means classes()[i].
  const std::vector<std::string>& classes() const;
  /// The raw texts, their tokens and labels, in file order.
  const std::vector<std::string>& texts() const;
  const std::vector<std::vector<std::string>>& tokens() const;
  const std::vector<int64_t>& labels() const;
  /// Where each text came from ("file.csv:row 7" or the .txt path).
  const std::vector<std::string>& sources() const;
  /// Files skipped in class folders (other extensions, hidden files).
  int64_t skipped_files() const;
  /// Files left out because they could not be read (skip_bad_files): "path: what is wrong".
  const std::vector<std::string>& bad_files() const;
  const std::shared_ptr<const Vocab>& vocab() const { return vocab_; }
  /// The TF-IDF weights (kTfidf only; null otherwise).
  const std::shared_ptr<const Tfidf>& tfidf() const { return tfidf_; }
  const Tokenizer& tokenizer() const;
  const TextClassificationOptions& options() const { return options_; }
  /// All examples encoded at once: ids [N, L] and lengths [N] (L = max_length, or the longest).
  PaddedSequences encode_all() const;

  struct Data;  // the texts, shared by the datasets fit_on/with_vocab make

 private:
  // Builds the vocabulary (and TF-IDF weights) that are not given from the examples at fit_indices
  // (all when null), and encodes every text.
  TextClassification(std::shared_ptr<const Data> data, TextClassificationOptions options,
                     std::shared_ptr<const Vocab> vocab, std::shared_ptr<const Tfidf> tfidf,
                     const std::vector<int64_t>* fit_indices);
  std::shared_ptr<const Data> data_;
  TextClassificationOptions options_;
  std::shared_ptr<const Vocab> vocab_;
  std::shared_ptr<const Tfidf> tfidf_;
  std::vector<std::vector<int64_t>> ids_;  // every text's vocabulary indices, untruncated
};

/// Sorts distinct label strings: numerically when every one is an integer, else in byte order.
std::vector<std::string> sorted_class_names(std::vector<std::string> labels);

}  // namespace descent::data
