#include <algorithm>
#include <nlohmann/json.hpp>

#include "descent/core/error.h"
#include "descent/data/formats/text.h"
#include "descent/data/text.h"
#include "descent/io/file.h"
#include "descent/ops/ops.h"
#include "io/json_checked.h"

namespace descent::data {
namespace {
using json = nlohmann::json;
}  // namespace

Vocab::Vocab()
    : tokens_{kPadToken, kUnkToken}, freqs_{0, 0}, index_{{kPadToken, kPadIndex}, {kUnkToken, kUnkIndex}} {}

Vocab Vocab::build(const std::vector<std::vector<std::string>>& documents, const VocabOptions& options) {
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& doc : documents)
    for (const auto& tok : doc) ++counts[tok];
  return from_counts(counts, options);
}

Vocab Vocab::from_counts(const std::unordered_map<std::string, int64_t>& counts, const VocabOptions& options) {
  DESCENT_CHECK(options.min_freq_ >= 1, "Vocab: min_freq must be >= 1, got ", options.min_freq_);
  DESCENT_CHECK(options.max_size_ == 0 || options.max_size_ >= 2, "Vocab: max_size must be 0 (no limit) or >= 2 ",
                "(room for <pad> and <unk>), got ", options.max_size_);
  std::vector<std::pair<const std::string*, int64_t>> kept;
  for (const auto& [tok, n] : counts) {
    DESCENT_CHECK(n >= 0, "Vocab: negative count ", n, " for token '", tok, "'");
    if (n >= options.min_freq_ && tok != kPadToken && tok != kUnkToken) kept.emplace_back(&tok, n);
  }
  // Most frequent first; ties in byte order, so the result does not depend on hash order.
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : *a.first < *b.first;
  });
  if (options.max_size_ > 0 && int64_t(kept.size()) > options.max_size_ - 2) kept.resize(size_t(options.max_size_ - 2));
  std::vector<std::string> tokens = {kPadToken, kUnkToken};
  std::vector<int64_t> freqs = {0, 0};
  tokens.reserve(kept.size() + 2);
  freqs.reserve(kept.size() + 2);
  for (const auto& [tok, n] : kept) {
    tokens.push_back(*tok);
    freqs.push_back(n);
  }
  return from_tokens(std::move(tokens), std::move(freqs));
}

Vocab Vocab::from_tokens(std::vector<std::string> tokens, std::vector<int64_t> frequencies) {
  DESCENT_CHECK(tokens.size() >= 2 && tokens[0] == kPadToken && tokens[1] == kUnkToken,
                "Vocab: the first two tokens must be <pad> and <unk>");
  if (frequencies.empty()) frequencies.assign(tokens.size(), 0);
  DESCENT_CHECK(frequencies.size() == tokens.size(), "Vocab: ", tokens.size(), " tokens but ", frequencies.size(),
                " frequencies");
  Vocab v;
  v.index_.clear();
  v.index_.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (auto err = find_invalid_utf8(tokens[i]))
      DESCENT_FAIL("Vocab: token ", i, " is not valid UTF-8: ", err->reason);
    DESCENT_CHECK(frequencies[i] >= 0, "Vocab: token ", i, " ('", tokens[i], "') has a negative frequency");
    const auto [it, inserted] = v.index_.emplace(tokens[i], int64_t(i));
    DESCENT_CHECK(inserted, "Vocab: token '", tokens[i], "' appears twice (indices ", it->second, " and ", i, ")");
  }
  v.tokens_ = std::move(tokens);
  v.freqs_ = std::move(frequencies);
  return v;
}

int64_t Vocab::index(std::string_view token) const {
  auto it = index_.find(token);
  return it == index_.end() ? kUnkIndex : it->second;
}

bool Vocab::contains(std::string_view token) const { return index_.find(token) != index_.end(); }

const std::string& Vocab::token(int64_t index) const {
  DESCENT_CHECK(index >= 0 && index < size(), "Vocab: index ", index, " is out of range for a vocabulary of ", size(),
                " tokens");
  return tokens_[size_t(index)];
}

std::vector<int64_t> Vocab::encode(const std::vector<std::string>& tokens) const {
  std::vector<int64_t> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) out.push_back(index(t));
  return out;
}

std::vector<std::string> Vocab::decode(const std::vector<int64_t>& indices) const {
  std::vector<std::string> out;
  out.reserve(indices.size());
  for (int64_t i : indices) out.push_back(token(i));
  return out;
}

std::string Vocab::to_json() const {
  json j = {{"format", "descent.vocab"}, {"version", 1}, {"tokens", tokens_}, {"frequencies", freqs_}};
  return j.dump();
}

Vocab Vocab::from_json(const std::string& text, const std::string& source) {
  std::vector<std::string> tokens;
  std::vector<int64_t> freqs;
  try {
    const json j = json::parse(text);
    DESCENT_CHECK(j.is_object() && j.value("format", "") == "descent.vocab", source,
                  ": not a descent vocabulary (expected \"format\": \"descent.vocab\")");
    DESCENT_CHECK(io::detail::json_version(j) == 1, source, ": unsupported vocabulary version ", j.value("version", json()).dump());
    tokens = j.at("tokens").get<std::vector<std::string>>();
    if (j.contains("frequencies"))
      for (const json& f : j.at("frequencies")) freqs.push_back(io::detail::json_int(f, source + ": frequencies"));  // the sign is checked below
  } catch (const json::exception& e) {
    DESCENT_FAIL(source, ": bad vocabulary JSON: ", e.what());
  }
  try {
    return from_tokens(std::move(tokens), std::move(freqs));
  } catch (const Error& e) {
    DESCENT_FAIL(source, ": ", e.message());
  }
}

void Vocab::save(const std::string& path) const { io::atomic_write(path, to_json()); }

Vocab Vocab::load(const std::string& path) { return from_json(read_text_file(path), path); }

// ---- sequences ----

PaddedSequences pad_sequences(const std::vector<std::vector<int64_t>>& sequences, int64_t max_length,
                              int64_t pad_index) {
  DESCENT_CHECK(max_length >= 0, "pad_sequences: max_length must be >= 0 (0: the longest), got ", max_length);
  int64_t width = max_length;
  if (width == 0)
    for (const auto& s : sequences) width = std::max<int64_t>(width, int64_t(s.size()));
  const int64_t n = int64_t(sequences.size());
  Tensor ids = full({n, width}, Scalar(pad_index), kInt64);
  Tensor lengths = empty({n}, kInt64);
  int64_t* p = ids.data_ptr<int64_t>();
  int64_t* len = lengths.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const auto& s = sequences[size_t(i)];
    const int64_t l = std::min<int64_t>(width, int64_t(s.size()));
    std::copy(s.begin(), s.begin() + l, p + i * width);
    len[i] = l;
  }
  return {ids, lengths};
}

PaddedSequences encode(const Vocab& vocab, const std::vector<std::vector<std::string>>& documents,
                       int64_t max_length) {
  std::vector<std::vector<int64_t>> seqs;
  seqs.reserve(documents.size());
  for (const auto& d : documents) seqs.push_back(vocab.encode(d));
  return pad_sequences(seqs, max_length);
}

}  // namespace descent::data
