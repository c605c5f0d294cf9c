#include "descent/data/datasets/text_classification.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "descent/core/error.h"
#include "descent/data/datasets/class_folder.h"
#include "descent/data/formats/text.h"
#include "descent/ops/ops.h"

namespace descent::data {

struct TextClassification::Data {
  Tokenizer tokenizer;
  std::vector<std::string> texts, sources, classes;
  std::vector<std::vector<std::string>> tokens;
  std::vector<int64_t> labels;
  int64_t skipped = 0;
  std::vector<std::string> bad_files;
  // Indices of tokens, per vocabulary; kept by the dataset rather than here.
};

namespace {

bool parse_int(const std::string& s, int64_t& v) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;
  auto r = std::from_chars(b, e, v);
  return r.ec == std::errc() && r.ptr == e && b != e;
}

// Maps label strings to indices into sorted class names.
void assign_labels(TextClassification::Data& d, const std::vector<std::string>& label_strings) {
  d.classes = sorted_class_names(label_strings);
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < d.classes.size(); ++i) index[d.classes[i]] = int64_t(i);
  d.labels.clear();
  d.labels.reserve(label_strings.size());
  for (const auto& s : label_strings) d.labels.push_back(index.at(s));
}

}  // namespace

std::vector<std::string> sorted_class_names(std::vector<std::string> labels) {
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  bool all_int = !labels.empty();
  std::vector<int64_t> values(labels.size());
  for (size_t i = 0; i < labels.size() && all_int; ++i) all_int = parse_int(labels[i], values[i]);
  if (all_int) {
    std::vector<size_t> order(labels.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
    std::vector<std::string> out;
    out.reserve(labels.size());
    for (size_t i : order) out.push_back(labels[i]);
    return out;
  }
  return labels;
}

TextClassification::TextClassification(std::shared_ptr<const Data> data, TextClassificationOptions options,
                                       std::shared_ptr<const Vocab> vocab, std::shared_ptr<const Tfidf> tfidf,
                                       const std::vector<int64_t>* fit_indices)
    : data_(std::move(data)), options_(std::move(options)), vocab_(std::move(vocab)), tfidf_(std::move(tfidf)) {
  DESCENT_CHECK(options_.max_length_ >= 0, "TextClassification: max_length must be >= 0, got ", options_.max_length_);
  const int64_t n = int64_t(data_->texts.size());
  if (fit_indices) {
    DESCENT_CHECK(!fit_indices->empty(), "TextClassification::fit_on: no indices");
    for (int64_t i : *fit_indices) check_index(i, n, "TextClassification::fit_on");
  }
  if (!vocab_) {
    if (fit_indices) {
      std::vector<std::vector<std::string>> docs;
      docs.reserve(fit_indices->size());
      for (int64_t i : *fit_indices) docs.push_back(data_->tokens[size_t(i)]);
      vocab_ = std::make_shared<const Vocab>(Vocab::build(docs, options_.vocab_options_));
    } else {
      vocab_ = std::make_shared<const Vocab>(Vocab::build(data_->tokens, options_.vocab_options_));
    }
  }
  ids_.reserve(size_t(n));
  for (const auto& t : data_->tokens) ids_.push_back(vocab_->encode(t));
  if (options_.representation_ == TextRepresentation::kTfidf) {
    if (!tfidf_) {
      Tfidf t(options_.tfidf_options_);
      if (fit_indices) {
        std::vector<std::vector<int64_t>> docs;
        docs.reserve(fit_indices->size());
        for (int64_t i : *fit_indices) docs.push_back(ids_[size_t(i)]);
        t.fit(docs, vocab_->size());
      } else {
        t.fit(ids_, vocab_->size());
      }
      tfidf_ = std::make_shared<const Tfidf>(std::move(t));
    }
    DESCENT_CHECK(tfidf_->vocab_size() == vocab_->size(), "TextClassification: the TF-IDF weights cover ",
                  tfidf_->vocab_size(), " tokens but the vocabulary has ", vocab_->size());
  }
}

std::shared_ptr<TextClassification> TextClassification::from_csv(const std::string& path,
                                                                 TextClassificationOptions options) {
  DESCENT_CHECK(options.csv_.header_, "TextClassification::from_csv: ", path,
                ": the CSV needs a header to find the columns '", options.text_column_, "' and '",
                options.label_column_, "'");
  auto data = std::make_shared<Data>(Data{Tokenizer(options.tokenizer_), {}, {}, {}, {}, {}, 0, {}});
  CsvReader csv(path, options.csv_);
  const int64_t text_col = csv.column_index(options.text_column_);
  const int64_t label_col = csv.column_index(options.label_column_);
  std::vector<std::string> row, label_strings;
  while (csv.next(row)) {
    const std::string where = detail::str_cat(path, ": row ", csv.row());
    std::string& label = row[size_t(label_col)];
    DESCENT_CHECK(!label.empty(), "TextClassification: ", path, ": row ", csv.row(), " (line ", csv.line(),
                  "): empty label in column '", options.label_column_, "'");
    data->tokens.push_back(data->tokenizer.tokenize(row[size_t(text_col)], where));
    data->texts.push_back(std::move(row[size_t(text_col)]));
    data->sources.push_back(where);
    label_strings.push_back(std::move(label));
  }
  DESCENT_CHECK(!data->texts.empty(), "TextClassification: ", path, " has a header but no rows");
  assign_labels(*data, label_strings);
  std::shared_ptr<const Vocab> vocab = options.vocab_;
  return std::shared_ptr<TextClassification>(
      new TextClassification(data, std::move(options), std::move(vocab), nullptr, nullptr));
}

std::shared_ptr<TextClassification> TextClassification::from_folder(const std::string& root,
                                                                    TextClassificationOptions options) {
  // The same layout rules as ImageFolder and AudioFolder.
  const ClassFolderIndex index = scan_class_folders(root, options.extensions_, "TextClassification::from_folder");
  auto data = std::make_shared<Data>(Data{Tokenizer(options.tokenizer_), {}, {}, {}, {}, {}, 0, {}});
  data->classes = index.classes;
  data->skipped = int64_t(index.skipped.size());
  for (size_t i = 0; i < index.paths.size(); ++i) {
    const std::string& f = index.paths[i];
    std::string text;
    std::vector<std::string> tokens;
    try {
      text = read_text_file(f, options.max_file_bytes_);
      tokens = data->tokenizer.tokenize(text, f);
    } catch (const Error& e) {
      if (!options.skip_bad_files_) throw;
      data->bad_files.push_back(e.message());
      continue;
    }
    data->tokens.push_back(std::move(tokens));
    data->texts.push_back(std::move(text));
    data->sources.push_back(f);
    data->labels.push_back(index.labels[i]);
  }
  std::shared_ptr<const Vocab> vocab = options.vocab_;
  return std::shared_ptr<TextClassification>(
      new TextClassification(data, std::move(options), std::move(vocab), nullptr, nullptr));
}

int64_t TextClassification::size() const { return int64_t(data_->texts.size()); }

Example TextClassification::get(int64_t index) const {
  check_index(index, size(), "TextClassification");
  const std::vector<int64_t>& ids = ids_[size_t(index)];
  Tensor label = empty({}, kInt64);
  *label.data_ptr<int64_t>() = data_->labels[size_t(index)];
  switch (options_.representation_) {
    case TextRepresentation::kIndices: {
      const int64_t l = options_.max_length_ > 0 ? std::min<int64_t>(options_.max_length_, int64_t(ids.size()))
                                                 : int64_t(ids.size());
      Tensor data = empty({l}, kInt64);
      std::copy(ids.begin(), ids.begin() + l, data.data_ptr<int64_t>());
      return {data, label};
    }
    case TextRepresentation::kBagOfWords:
      return {bag_of_words(ids, vocab_->size()), label};
    case TextRepresentation::kTfidf:
      return {tfidf_->transform(ids), label};
  }
  DESCENT_FAIL("TextClassification: unknown representation ", int(options_.representation_));
}

std::shared_ptr<TextClassification> TextClassification::fit_on(const std::vector<int64_t>& indices) const {
  return std::shared_ptr<TextClassification>(new TextClassification(data_, options_, nullptr, nullptr, &indices));
}

std::shared_ptr<TextClassification> TextClassification::with_vocab(std::shared_ptr<const Vocab> vocab,
                                                                   std::shared_ptr<const Tfidf> tfidf) const {
  DESCENT_CHECK(vocab, "TextClassification::with_vocab: the vocabulary is null");
  return std::shared_ptr<TextClassification>(
      new TextClassification(data_, options_, std::move(vocab), std::move(tfidf), nullptr));
}

const std::vector<std::string>& TextClassification::classes() const { return data_->classes; }
const std::vector<std::string>& TextClassification::texts() const { return data_->texts; }
const std::vector<std::vector<std::string>>& TextClassification::tokens() const { return data_->tokens; }
const std::vector<int64_t>& TextClassification::labels() const { return data_->labels; }
const std::vector<std::string>& TextClassification::sources() const { return data_->sources; }
int64_t TextClassification::skipped_files() const { return data_->skipped; }
const std::vector<std::string>& TextClassification::bad_files() const { return data_->bad_files; }
const Tokenizer& TextClassification::tokenizer() const { return data_->tokenizer; }

PaddedSequences TextClassification::encode_all() const { return pad_sequences(ids_, options_.max_length_); }

}  // namespace descent::data
