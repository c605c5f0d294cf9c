#include <cmath>
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

void check_vocab_size(int64_t vocab_size, const char* what) {
  DESCENT_CHECK(vocab_size >= 2, what, ": vocab_size must be >= 2 (<pad> and <unk>), got ", vocab_size);
}

// Adds the counts of ids to out[0..V), skipping <pad> and <unk>.
void count_into(const std::vector<int64_t>& ids, int64_t vocab_size, float* out, const char* what) {
  for (int64_t id : ids) {
    DESCENT_CHECK(id >= 0 && id < vocab_size, what, ": index ", id, " is outside the vocabulary of ", vocab_size,
                  " tokens");
    if (id >= 2) out[id] += 1.0f;
  }
}

}  // namespace

Tensor bag_of_words(const std::vector<int64_t>& ids, int64_t vocab_size, bool binary) {
  check_vocab_size(vocab_size, "bag_of_words");
  Tensor out = zeros({vocab_size}, kFloat32);
  float* p = out.data_ptr<float>();
  count_into(ids, vocab_size, p, "bag_of_words");
  if (binary)
    for (int64_t i = 0; i < vocab_size; ++i) p[i] = p[i] > 0 ? 1.0f : 0.0f;
  return out;
}

Tensor bag_of_words(const std::vector<std::vector<int64_t>>& documents, int64_t vocab_size, bool binary) {
  check_vocab_size(vocab_size, "bag_of_words");
  const int64_t n = int64_t(documents.size());
  Tensor out = zeros({n, vocab_size}, kFloat32);
  float* p = out.data_ptr<float>();
  for (int64_t d = 0; d < n; ++d) {
    float* row = p + d * vocab_size;
    count_into(documents[size_t(d)], vocab_size, row, "bag_of_words");
    if (binary)
      for (int64_t i = 0; i < vocab_size; ++i) row[i] = row[i] > 0 ? 1.0f : 0.0f;
  }
  return out;
}

Tfidf::Tfidf(TfidfOptions options) : options_(options) {}

void Tfidf::fit(const std::vector<std::vector<int64_t>>& documents, int64_t vocab_size) {
  check_vocab_size(vocab_size, "Tfidf::fit");
  DESCENT_CHECK(!documents.empty(), "Tfidf::fit: no documents");
  std::vector<int64_t> df(size_t(vocab_size), 0);
  std::vector<int64_t> last_doc(size_t(vocab_size), -1);  // counts each term once per document
  for (size_t d = 0; d < documents.size(); ++d) {
    for (int64_t id : documents[d]) {
      DESCENT_CHECK(id >= 0 && id < vocab_size, "Tfidf::fit: document ", d, " has index ", id,
                    ", outside the vocabulary of ", vocab_size, " tokens");
      if (last_doc[size_t(id)] != int64_t(d)) {
        last_doc[size_t(id)] = int64_t(d);
        ++df[size_t(id)];
      }
    }
  }
  const double n = double(documents.size());
  idf_.assign(size_t(vocab_size), 0.0);
  for (int64_t t = 0; t < vocab_size; ++t) {
    const double f = double(df[size_t(t)]);
    if (options_.smooth_idf_) idf_[size_t(t)] = std::log((1.0 + n) / (1.0 + f)) + 1.0;
    else idf_[size_t(t)] = f > 0 ? std::log(n / f) + 1.0 : 0.0;  // never seen when fitting: weight 0
  }
}

void Tfidf::weigh(const std::vector<int64_t>& ids, float* out) const {
  const int64_t v = vocab_size();
  count_into(ids, v, out, "Tfidf::transform");
  double sq = 0;
  for (int64_t t = 2; t < v; ++t) {
    double x = out[t];
    if (x == 0) continue;
    if (options_.binary_) x = 1;
    if (options_.sublinear_tf_) x = 1 + std::log(x);
    x *= idf_[size_t(t)];
    out[t] = float(x);
    sq += x * x;
  }
  if (options_.l2_normalize_ && sq > 0) {
    const double inv = 1.0 / std::sqrt(sq);
    for (int64_t t = 2; t < v; ++t) out[t] = float(double(out[t]) * inv);
  }
}

Tensor Tfidf::transform(const std::vector<int64_t>& ids) const {
  DESCENT_CHECK(!idf_.empty(), "Tfidf::transform: call fit() first");
  Tensor out = zeros({vocab_size()}, kFloat32);
  weigh(ids, out.data_ptr<float>());
  return out;
}

Tensor Tfidf::transform(const std::vector<std::vector<int64_t>>& documents) const {
  DESCENT_CHECK(!idf_.empty(), "Tfidf::transform: call fit() first");
  const int64_t n = int64_t(documents.size()), v = vocab_size();
  Tensor out = zeros({n, v}, kFloat32);
  float* p = out.data_ptr<float>();
  for (int64_t d = 0; d < n; ++d) weigh(documents[size_t(d)], p + d * v);
  return out;
}

std::string Tfidf::to_json() const {
  json j = {{"format", "descent.tfidf"},           {"version", 1},
            {"smooth_idf", options_.smooth_idf_},    {"sublinear_tf", options_.sublinear_tf_},
            {"l2_normalize", options_.l2_normalize_}, {"binary", options_.binary_},
            {"idf", idf_}};
  return j.dump();
}

Tfidf Tfidf::from_json(const std::string& text, const std::string& source) {
  Tfidf t;
  try {
    const json j = json::parse(text);
    DESCENT_CHECK(j.is_object() && j.value("format", "") == "descent.tfidf", source,
                  ": not descent TF-IDF weights (expected \"format\": \"descent.tfidf\")");
    DESCENT_CHECK(io::detail::json_version(j) == 1, source, ": unsupported TF-IDF version ", j.value("version", json()).dump());
    t.options_.smooth_idf(j.at("smooth_idf").get<bool>())
        .sublinear_tf(j.at("sublinear_tf").get<bool>())
        .l2_normalize(j.at("l2_normalize").get<bool>())
        .binary(j.at("binary").get<bool>());
    t.idf_ = j.at("idf").get<std::vector<double>>();
  } catch (const json::exception& e) {
    DESCENT_FAIL(source, ": bad TF-IDF JSON: ", e.what());
  }
  DESCENT_CHECK(t.idf_.size() >= 2, source, ": idf must have an entry per vocabulary token (at least 2)");
  for (size_t i = 0; i < t.idf_.size(); ++i)
    DESCENT_CHECK(std::isfinite(t.idf_[i]) && t.idf_[i] >= 0, source, ": idf[", i, "] = ", t.idf_[i],
                  " is not a finite non-negative number");
  return t;
}

void Tfidf::save(const std::string& path) const { io::atomic_write(path, to_json()); }

Tfidf Tfidf::load(const std::string& path) { return from_json(read_text_file(path), path); }

}  // namespace descent::data
