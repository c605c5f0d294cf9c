// Datasets, splits and the Preprocessor of the `descent` tool; see data_setup.h.
#include "data_setup.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "descent/backend/parallel.h"
#include "descent/data/formats/csv.h"
#include "descent/data/formats/text.h"
#include "descent/descent.h"
#include "io/json_checked.h"

namespace descent::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;
using data::DatasetPtr;

// ---- Preprocessor ------------------------------------------------------------------------------

Tensor Preprocessor::image(const Tensor& img) const {
  Tensor x = data::convert_image_channels(img.dim() == 2 ? img.unsqueeze(2) : img, int(channels));
  if (x.size(0) != height || x.size(1) != width) x = data::image::resize(x, height, width);
  x = data::image::to_tensor(x);
  if (!mean.empty()) x = data::image::normalize(x, mean, std);
  return x;
}

Tensor Preprocessor::audio(const Tensor& waveform) const {
  Tensor x = waveform.size(0) > 1 ? data::mix_down(waveform) : waveform;
  x = data::pad_or_trim(x, num_samples, std::max<int64_t>(0, (x.size(1) - num_samples) / 2));
  auto mel = data::MelSpectrogramOptions().sample_rate(sample_rate).n_fft(n_fft).hop_length(hop_length).n_mels(n_mels);
  return data::AmplitudeToDB()(data::mel_spectrogram(x, mel));
}

namespace {

/// A text as the model gets it: token ids (at most max_length, at least one position), or the
/// TF-IDF weights (`tfidf`, parsed once by the caller) or counts of all its tokens.
Tensor encode_text(const data::Tokenizer& tok, const data::Vocab& vocab, const data::Tfidf* tfidf, const Preprocessor& pre,
                   const std::string& s, const std::string& source) {
  std::vector<std::string> tokens = tok.tokenize(s, source);
  if (pre.representation == "tokens" && int64_t(tokens.size()) > pre.max_length) tokens.resize(size_t(pre.max_length));
  std::vector<int64_t> ids = vocab.encode(tokens);  // unknown tokens -> <unk>
  if (pre.representation == "tfidf") return tfidf->transform(ids);
  if (pre.representation == "counts") return data::bag_of_words(ids, vocab.size());
  if (ids.empty()) ids.push_back(data::Vocab::kUnkIndex);  // an empty text still gives one position
  return from_vector(ids, {int64_t(ids.size())});
}

}  // namespace

Tensor Preprocessor::text(const std::string& s, const std::string& source) const {
  const std::optional<data::Tfidf> weights = text_tfidf();
  return encode_text(data::Tokenizer::from_json(tokenizer_json, "preprocess.json"), data::Vocab::from_tokens(vocab),
                     weights ? &*weights : nullptr, *this,
                     s, source);
}

std::optional<data::Tfidf> Preprocessor::text_tfidf() const {
  if (representation != "tfidf") return std::nullopt;
  return data::Tfidf::from_json(tfidf_json, "preprocess.json");
}

Tensor Preprocessor::tabular(const std::vector<std::string>& header, const std::vector<std::string>& row,
                             const std::string& where) const {
  std::vector<float> out;
  for (const auto& c : columns) {
    auto it = std::find(header.begin(), header.end(), c.name);
    DESCENT_CHECK(it != header.end(), where, ": no column '", c.name, "' (the model needs: ", [&] {
      std::vector<std::string> names;
      for (const auto& cc : columns) names.push_back(cc.name);
      return join(names);
    }(), ")");
    std::string v = row[size_t(it - header.begin())];
    const bool missing = std::find(missing_values.begin(), missing_values.end(), v) != missing_values.end();
    if (missing) DESCENT_CHECK(impute, where, ": column '", c.name, "' is missing and the model was trained without imputation");
    if (c.categorical) {
      if (missing) v = c.fill_category;
      auto k = std::find(c.categories.begin(), c.categories.end(), v);
      DESCENT_CHECK(k != c.categories.end(), where, ": column '", c.name, "': unknown category '", v, "'; known: ",
                    join(c.categories));
      for (size_t j = 0; j < c.categories.size(); ++j) out.push_back(c.categories.begin() + long(j) == k ? 1.f : 0.f);
    } else {
      double x = c.fill_number;
      if (!missing) {
        char* end = nullptr;
        x = std::strtod(v.c_str(), &end);
        DESCENT_CHECK(end != v.c_str() && *end == '\0' && std::isfinite(x), where, ": column '", c.name,
                      "': expected a number, got '", v, "'");
      }
      out.push_back(float(x));
    }
  }
  Tensor t = from_vector(out, {int64_t(out.size())});
  if (!feature_mean.empty()) t = data::Standardizer(feature_mean, feature_std).transform(t);
  return t;
}

std::vector<Tensor> Preprocessor::read_inputs(const std::vector<std::string>& args, std::vector<std::string>& names) const {
  std::vector<Tensor> out;
  std::error_code ec;
  // Text: the tokenizer and vocabulary are built once for all inputs.
  std::optional<data::Tokenizer> tokenizer;
  std::optional<data::Vocab> vocabulary;
  std::optional<data::Tfidf> weights;
  if (modality == "text") {
    tokenizer = data::Tokenizer::from_json(tokenizer_json, "preprocess.json");
    vocabulary = data::Vocab::from_tokens(vocab);
    weights = text_tfidf();
  }
  for (const auto& a : args) {
    const bool is_file = fs::is_regular_file(a, ec);
    if (modality == "image") {
      DESCENT_CHECK(is_file, a, ": no such image file");
      out.push_back(image(data::read_image(a, int(channels))));
      names.push_back(a);
    } else if (modality == "audio") {
      DESCENT_CHECK(is_file, a, ": no such audio file");
      data::Audio clip = data::read_audio(a, data::AudioReadOptions().mono(true).sample_rate(sample_rate));
      out.push_back(audio(clip.samples));
      names.push_back(a);
    } else if (modality == "text") {
      if (!is_file) {  // a literal text
        out.push_back(encode_text(*tokenizer, *vocabulary, weights ? &*weights : nullptr, *this, a, "<text>"));
        names.push_back(a.size() > 40 ? a.substr(0, 37) + "..." : a);
        continue;
      }
      std::istringstream lines(data::read_text_file(a));
      int64_t n = 0;
      for (std::string line; std::getline(lines, line);) {
        ++n;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        out.push_back(encode_text(*tokenizer, *vocabulary, weights ? &*weights : nullptr, *this, line,
                                  a + ":" + std::to_string(n)));
        names.push_back(a + ":" + std::to_string(n));
      }
    } else {
      DESCENT_CHECK(is_file, a, ": no such CSV file (predict takes CSV files with a header row)");
      data::CsvTable table = data::read_csv(a);
      for (size_t r = 0; r < table.rows.size(); ++r) {
        const std::string where = a + ":" + std::to_string(table.row_numbers[r]);
        DESCENT_CHECK(table.rows[r].size() == table.header.size(), where, ": ", table.rows[r].size(),
                      " fields, the header has ", table.header.size());
        out.push_back(tabular(table.header, table.rows[r], where));
        names.push_back(where);
      }
    }
  }
  DESCENT_CHECK(!out.empty(), "predict: no inputs found in ", join(args));
  return out;
}

std::string Preprocessor::to_json() const {
  json j;
  j["modality"] = modality;
  j["class_names"] = class_names;
  if (modality == "image") {
    j["channels"] = channels;
    j["height"] = height;
    j["width"] = width;
    j["mean"] = mean;
    j["std"] = std;
  } else if (modality == "audio") {
    j["sample_rate"] = sample_rate;
    j["num_samples"] = num_samples;
    j["n_mels"] = n_mels;
    j["n_fft"] = n_fft;
    j["hop_length"] = hop_length;
  } else if (modality == "text") {
    j["tokenizer"] = json::parse(tokenizer_json);
    j["vocab"] = vocab;
    j["max_length"] = max_length;
    if (representation != "tokens") j["representation"] = representation;
    if (representation == "tfidf") j["tfidf"] = json::parse(tfidf_json);
  } else {
    json cols = json::array();
    for (const auto& c : columns)
      cols.push_back({{"name", c.name}, {"categorical", c.categorical}, {"categories", c.categories},
                      {"fill_number", c.fill_number}, {"fill_category", c.fill_category}});
    j["columns"] = cols;
    j["impute"] = impute;
    j["missing_values"] = missing_values;
    j["feature_mean"] = feature_mean;
    j["feature_std"] = feature_std;
    j["target"] = target_name;
    if (target_standardized) j["target_scale"] = {{"mean", target_mean}, {"std", target_std}};
  }
  return j.dump(1);
}

Preprocessor Preprocessor::from_json(const std::string& text, const std::string& source) {
  Preprocessor p;
  auto int_at = [&](const json& j, const char* key) { return io::detail::json_int(j.at(key), source + ": " + key); };
  try {
    json j = json::parse(text);
    p.modality = j.at("modality").get<std::string>();
    p.class_names = j.at("class_names").get<std::vector<std::string>>();
    if (p.modality == "image") {
      p.channels = int_at(j, "channels");
      p.height = int_at(j, "height");
      p.width = int_at(j, "width");
      p.mean = j.at("mean").get<std::vector<double>>();
      p.std = j.at("std").get<std::vector<double>>();
    } else if (p.modality == "audio") {
      p.sample_rate = int_at(j, "sample_rate");
      p.num_samples = int_at(j, "num_samples");
      p.n_mels = int_at(j, "n_mels");
      p.n_fft = int_at(j, "n_fft");
      p.hop_length = int_at(j, "hop_length");
    } else if (p.modality == "text") {
      p.tokenizer_json = j.at("tokenizer").dump();
      p.vocab = j.at("vocab").get<std::vector<std::string>>();
      p.max_length = int_at(j, "max_length");
      p.representation = j.value("representation", std::string("tokens"));
      if (p.representation == "tfidf") p.tfidf_json = j.at("tfidf").dump();
    } else if (p.modality == "tabular") {
      for (const auto& c : j.at("columns"))
        p.columns.push_back({c.at("name"), c.at("categorical"), c.at("categories").get<std::vector<std::string>>(),
                             c.at("fill_number"), c.at("fill_category")});
      p.impute = j.at("impute");
      p.missing_values = j.at("missing_values").get<std::vector<std::string>>();
      p.feature_mean = j.at("feature_mean").get<std::vector<double>>();
      p.feature_std = j.at("feature_std").get<std::vector<double>>();
      p.target_name = j.at("target");
      if (j.contains("target_scale")) {
        p.target_standardized = true;
        p.target_mean = j.at("target_scale").at("mean");
        p.target_std = j.at("target_scale").at("std");
        DESCENT_CHECK(std::isfinite(p.target_mean) && std::isfinite(p.target_std) && p.target_std > 0, source,
                      ": bad target_scale (mean ", p.target_mean, ", std ", p.target_std, ")");
      }
    } else {
      DESCENT_FAIL("unknown modality '", p.modality, "'");
    }
  } catch (const json::exception& e) {
    DESCENT_FAIL(source, ": bad preprocessing file: ", e.what());
  }
  p.validate(source);
  return p;
}

void Preprocessor::validate(const std::string& source) const {
  // The same ranges as the config keys these values come from: a hand-edited or hostile file must
  // not make predict allocate without bound or divide by zero.
  auto in = [&](const char* key, int64_t v, int64_t lo, int64_t hi) {
    DESCENT_CHECK(v >= lo && v <= hi, source, ": ", key, " = ", v, " is outside [", lo, ", ", hi, "]");
  };
  auto positive = [&](const char* key, const std::vector<double>& v) {
    for (double x : v) DESCENT_CHECK(std::isfinite(x) && x > 0, source, ": ", key, " values must be finite and > 0, got ", x);
  };
  auto finite = [&](const char* key, const std::vector<double>& v) {
    for (double x : v) DESCENT_CHECK(std::isfinite(x), source, ": ", key, " values must be finite, got ", x);
  };
  if (modality == "image") {
    DESCENT_CHECK(channels == 1 || channels == 3 || channels == 4, source, ": channels = ", channels, " (1, 3 or 4)");
    in("height", height, 1, 4096);
    in("width", width, 1, 4096);
    DESCENT_CHECK(mean.size() == std.size() && (mean.empty() || mean.size() == 1 || int64_t(mean.size()) == channels),
                  source, ": mean and std need 1 or ", channels, " values each, got ", mean.size(), " and ", std.size());
    finite("mean", mean);
    positive("std", std);
  } else if (modality == "audio") {
    in("sample_rate", sample_rate, 1000, 384000);
    in("num_samples", num_samples, 1, sample_rate * 600);
    in("n_mels", n_mels, 1, 512);
    in("n_fft", n_fft, 16, std::min<int64_t>(65536, num_samples * 2));
    in("hop_length", hop_length, 1, 65536);
  } else if (modality == "text") {
    in("max_length", max_length, 1, 1 << 20);
    data::Tokenizer::from_json(tokenizer_json, source);
    data::Vocab::from_tokens(vocab);
    DESCENT_CHECK(representation == "tokens" || representation == "tfidf" || representation == "counts", source,
                  ": unknown representation '", representation, "' (tokens, tfidf or counts)");
    if (representation == "tfidf") {
      const data::Tfidf t = data::Tfidf::from_json(tfidf_json, source);
      DESCENT_CHECK(t.vocab_size() == int64_t(vocab.size()), source, ": the TF-IDF weights cover ", t.vocab_size(),
                    " tokens, the vocabulary has ", vocab.size());
    }
  } else {
    DESCENT_CHECK(!columns.empty(), source, ": no feature columns");
    size_t features = 0;
    for (const auto& c : columns) {
      DESCENT_CHECK(!c.categorical || !c.categories.empty(), source, ": categorical column '", c.name, "' has no categories");
      DESCENT_CHECK(std::isfinite(c.fill_number), source, ": column '", c.name, "': fill_number is not finite");
      features += c.categorical ? c.categories.size() : 1;
    }
    DESCENT_CHECK(feature_mean.size() == feature_std.size() && (feature_mean.empty() || feature_mean.size() == features),
                  source, ": feature_mean and feature_std need ", features, " values each (or none), got ",
                  feature_mean.size(), " and ", feature_std.size());
    finite("feature_mean", feature_mean);
    positive("feature_std", feature_std);
  }
}

// ---- Datasets ----------------------------------------------------------------------------------

namespace {

/// A dataset whose data is pre(raw data) and whose target is kept; for per-sample preprocessing.
DatasetPtr mapped(DatasetPtr base, data::TensorTransform f) { return std::make_shared<data::MapDataset>(base, std::move(f)); }

/// Training augmentation for images: random crop after padding, random horizontal flip.
data::TensorTransform augment(const DataSettings& d, int64_t h, int64_t w) {
  std::vector<data::TensorTransform> ts;
  if (d.crop_padding > 0) ts.push_back(data::RandomCrop(h, w, d.crop_padding));
  if (d.hflip) ts.push_back(data::RandomHorizontalFlip(0.5));
  if (ts.empty()) return {};
  return data::Compose(ts);
}

struct Splits {
  std::vector<int64_t> train, val, test;
};

/// Index lists of the splits of n examples by data.split and data.split_mode: random (stratified
/// by labels when given) or ordered (consecutive runs in the data's order).
Splits split_indices(int64_t n, const std::vector<int64_t>& labels, const DataSettings& d, uint64_t seed) {
  const std::vector<double>& f = d.split;
  auto parts = d.split_mode == "ordered" ? data::ordered_split_indices(n, f)
               : labels.empty()          ? data::random_split_indices(n, f, seed)
                                         : data::stratified_split_indices(labels, f, seed);
  Splits s;
  s.train = parts[0];
  s.val = parts[1];
  if (parts.size() > 2) s.test = parts[2];
  return s;
}

void check_same_classes(const std::vector<std::string>& train, const std::vector<std::string>& other, const std::string& what,
                        const std::string& path) {
  DESCENT_CHECK(train == other, what, " '", path, "': its classes (", join(other), ") differ from the training data's (",
                join(train), ")");
}

std::string describe_splits(const DataBundle& b) {
  std::ostringstream os;
  os << "train " << b.train->size() << ", val " << b.val->size() << ", test " << b.test->size() << " examples";
  if (b.num_classes) os << ", " << b.num_classes << " classes";
  os << "; input " << b.input_shape;
  if (!b.bad_files.empty()) os << "; " << b.bad_files.size() << " unreadable files left out";
  return os.str();
}

std::vector<int64_t> pick(const std::vector<int64_t>& v, const std::vector<int64_t>& idx) {
  std::vector<int64_t> out;
  out.reserve(idx.size());
  for (int64_t i : idx) out.push_back(v[size_t(i)]);
  return out;
}

void build_idx(const Settings& st, DataBundle& b) {
  const DataSettings& d = st.data;
  std::shared_ptr<data::MNIST> train_raw, test_raw;
  if (d.kind == "fashion_mnist") {
    train_raw = std::make_shared<data::FashionMNIST>(d.path, true);
    test_raw = std::make_shared<data::FashionMNIST>(d.path, false);
    b.pre.class_names.assign(data::FashionMNIST::kClasses.begin(), data::FashionMNIST::kClasses.end());
  } else {
    train_raw = std::make_shared<data::MNIST>(d.path, true);
    test_raw = std::make_shared<data::MNIST>(d.path, false);
    for (int c = 0; c < 10; ++c) b.pre.class_names.push_back(std::to_string(c));
  }
  b.pre.modality = "image";
  b.pre.channels = 1;
  b.pre.height = train_raw->images().size(1);
  b.pre.width = train_raw->images().size(2);
  b.pre.mean = d.mean;
  b.pre.std = d.std;
  // The whole set as one float tensor [N, 1, H, W] (pixels / 255, normalised): no per-sample decoding.
  auto to_float = [&](const Tensor& images) {
    Tensor x = images.to(kFloat32).unsqueeze(1).div(255.0);
    if (!d.mean.empty()) x = data::image::normalize(x.transpose(0, 1), d.mean, d.std).transpose(0, 1).contiguous();
    return x;
  };
  Tensor train_x = to_float(train_raw->images()), test_x = to_float(test_raw->images());
  std::vector<int64_t> labels(size_t(train_raw->size()));
  const int64_t* lp = train_raw->targets().contiguous().data_ptr<int64_t>();
  std::copy(lp, lp + labels.size(), labels.begin());
  Splits s = split_indices(train_raw->size(), labels, d, uint64_t(st.seed));
  auto full = std::make_shared<data::TensorDataset>(train_x, train_raw->targets());
  DatasetPtr train_src = full;
  if (auto aug = augment(d, b.pre.height, b.pre.width)) train_src = mapped(full, aug);
  b.train = std::make_shared<data::Subset>(train_src, s.train);
  b.val = std::make_shared<data::Subset>(full, s.val);
  b.test = std::make_shared<data::TensorDataset>(test_x, test_raw->targets());
  b.train_labels = pick(labels, s.train);
  b.input_shape = {1, b.pre.height, b.pre.width};
}

/// Checks every file (in parallel) before anything is trained: `check` opens its header, or decodes
/// it whole with data.skip_bad_files. Without skip_bad_files a bad file is an error naming every
/// bad file at once (a broken file in the test folder must not surface after training); with it,
/// the bad files' messages are returned (and the caller leaves them out).
std::vector<std::string> check_files(const std::vector<std::string>& paths,
                                     const std::function<void(const std::string&)>& check, bool skip) {
  std::vector<std::string> errors(paths.size());
  parallel_for(0, int64_t(paths.size()), 64, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      try {
        check(paths[size_t(i)]);
      } catch (const Error& e) {
        errors[size_t(i)] = e.message();
      } catch (const std::exception& e) {
        errors[size_t(i)] = paths[size_t(i)] + ": " + e.what();
      }
    }
  });
  if (skip) return errors;
  std::string list;
  int64_t bad = 0;
  for (const auto& e : errors)
    if (!e.empty() && ++bad <= 20) list += "\n  " + e;
  if (bad > 20) list += "\n  ... and " + std::to_string(bad - 20) + " more";
  DESCENT_CHECK(bad == 0, "data: ", bad, " of ", paths.size(), " files cannot be read (nothing was trained; ",
                "data.skip_bad_files = true leaves such files out):", list);
  return errors;
}

/// An image file's header: not empty, and a PNG or JPEG signature.
void check_image_header(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  DESCENT_CHECK(f.good(), path, ": cannot open");
  char head[16] = {};
  f.read(head, sizeof head);
  const auto n = f.gcount();
  DESCENT_CHECK(n > 0, path, ": empty file");
  DESCENT_CHECK(data::detect_image_format(head, size_t(n)) != data::ImageFormat::Unknown, path,
                ": not a PNG or JPEG (unknown signature)");
}

/// The indices of ds's files that pass the check (all of them, or an error, without
/// data.skip_bad_files); the others' messages are added to `bad`.
std::vector<int64_t> readable(const data::ClassFolderDataset& ds, const std::function<void(const std::string&)>& check,
                              bool skip, std::vector<std::string>& bad) {
  const std::vector<std::string> errors = check_files(ds.paths(), check, skip);
  std::vector<int64_t> good;
  for (size_t i = 0; i < errors.size(); ++i) {
    if (errors[i].empty())
      good.push_back(int64_t(i));
    else
      bad.push_back(errors[i]);
  }
  DESCENT_CHECK(!good.empty(), ds.root(), ": none of its ", errors.size(), " files can be read");
  return good;
}

/// The splits of a class-folder dataset: `open(root, training)` opens a folder with the training
/// (augmenting) or the evaluation pipeline; val and test come from data.val_path / test_path when
/// given (with the same classes), else from the split of data.path. Every file is checked first:
/// its header, or (data.skip_bad_files) a whole decode by `check_whole`, bad files left out.
template <typename Open>
void class_folder_splits(const Settings& st, DataBundle& b, Open open,
                         const std::function<void(const std::string&)>& check_header,
                         const std::function<void(const std::string&)>& check_whole) {
  const DataSettings& d = st.data;
  const bool skip = d.skip_bad_files;
  const auto& check = skip ? check_whole : check_header;
  auto train_all = open(d.path, true), eval_all = open(d.path, false);
  b.pre.class_names = train_all->classes();
  const std::vector<int64_t> good = readable(*train_all, check, skip, b.bad_files);
  Splits s = split_indices(int64_t(good.size()), pick(train_all->targets(), good), d, uint64_t(st.seed));
  for (auto* part : {&s.train, &s.val, &s.test})
    for (int64_t& i : *part) i = good[size_t(i)];
  b.train = std::make_shared<data::Subset>(train_all, s.train);
  b.train_labels = pick(train_all->targets(), s.train);
  auto given_or_split = [&](const std::string& path, const char* key, const std::vector<int64_t>& idx) -> DatasetPtr {
    if (path.empty()) return std::make_shared<data::Subset>(eval_all, idx);
    auto other = open(path, false);
    check_same_classes(b.pre.class_names, other->classes(), key, path);
    return std::make_shared<data::Subset>(other, readable(*other, check, skip, b.bad_files));
  };
  b.val = given_or_split(d.val_path, "data.val_path", s.val);
  b.test = given_or_split(d.test_path, "data.test_path", s.test);
  b.input_shape = eval_all->get(good.front()).data.sizes();
}

void build_image_folder(const Settings& st, DataBundle& b) {
  const DataSettings& d = st.data;
  b.pre.modality = "image";
  b.pre.channels = d.channels;
  b.pre.height = d.height;
  b.pre.width = d.width;
  b.pre.mean = d.mean;
  b.pre.std = d.std;
  const Preprocessor pre = b.pre;
  data::TensorTransform eval_t = [pre](const Tensor& img, data::SampleRng&) { return pre.image(img); };
  data::TensorTransform train_t = eval_t;
  if (auto aug = augment(d, d.height, d.width))
    train_t = [pre, aug](const Tensor& img, data::SampleRng& rng) { return aug(pre.image(img), rng); };
  class_folder_splits(
      st, b,
      [&](const std::string& root, bool training) {
        return std::make_shared<data::ImageFolder>(
            root, data::ImageFolderOptions().channels(int(d.channels)).transform(training ? train_t : eval_t));
      },
      check_image_header, [&](const std::string& path) { pre.image(data::read_image(path, int(d.channels))); });
}

void build_audio_folder(const Settings& st, DataBundle& b) {
  const DataSettings& d = st.data;
  b.pre.modality = "audio";
  b.pre.sample_rate = d.sample_rate;
  b.pre.num_samples = std::max<int64_t>(1, int64_t(std::llround(d.seconds * double(d.sample_rate))));
  b.pre.n_mels = d.n_mels;
  b.pre.n_fft = d.n_fft;
  b.pre.hop_length = d.hop_length;
  DESCENT_CONFIG_CHECK(d.n_fft <= b.pre.num_samples * 2, "data.n_fft: ", d.n_fft, " is longer than the clip (",
                       b.pre.num_samples, " samples of data.seconds = ", d.seconds, ")");
  const auto mel = data::MelSpectrogramOptions().sample_rate(d.sample_rate).n_fft(d.n_fft).hop_length(d.hop_length).n_mels(d.n_mels);
  data::TensorTransform features = data::Compose({data::MelSpectrogram(mel), data::AmplitudeToDB()});
  auto open = [&](const std::string& root, bool random_crop) {
    return std::make_shared<data::AudioFolder>(root, data::AudioFolderOptions()
                                                         .sample_rate(d.sample_rate)
                                                         .mono(true)
                                                         .num_samples(b.pre.num_samples)
                                                         .random_crop(random_crop)
                                                         .transform(features));
  };
  const auto read = data::AudioReadOptions().mono(true).sample_rate(d.sample_rate);
  class_folder_splits(
      st, b, open, [](const std::string& path) { data::read_audio_info(path); },
      [read](const std::string& path) { data::read_audio(path, read); });
}

/// A text CSV or a class folder of texts, as data.kind says.
std::shared_ptr<data::TextClassification> open_text(const DataSettings& d, const std::string& path,
                                                    const data::TextClassificationOptions& o) {
  return d.kind == "text_csv" ? data::TextClassification::from_csv(path, o) : data::TextClassification::from_folder(path, o);
}

void build_text(const Settings& st, DataBundle& b) {
  const DataSettings& d = st.data;
  auto options = data::TextClassificationOptions()
                     .text_column(d.text_column)
                     .label_column(d.label_column)
                     .max_length(d.max_length)
                     .vocab_options(data::VocabOptions().min_freq(d.min_freq).max_size(d.max_tokens));
  auto tok = data::TokenizerOptions().lowercase(d.lowercase).keep_punctuation(d.keep_punctuation);
  tok.normalization(d.normalization == "nfkc"  ? data::UnicodeNormalization::kNFKC
                    : d.normalization == "nfc" ? data::UnicodeNormalization::kNFC
                                               : data::UnicodeNormalization::kNone);
  if (d.tokenizer == "char") tok.mode(data::TokenizerMode::kCharacter);
  if (d.tokenizer == "char_ngram")
    tok.mode(data::TokenizerMode::kCharNgram).ngram_range(int(d.ngram_range[0]), int(d.ngram_range[1]));
  options.tokenizer(tok);
  options.skip_bad_files(d.skip_bad_files);
  const bool bag = d.representation != "tokens";
  if (d.representation == "tfidf") {
    options.representation(data::TextRepresentation::kTfidf);
    options.tfidf_options(data::TfidfOptions().sublinear_tf(d.sublinear_tf));
  } else if (d.representation == "counts") {
    options.representation(data::TextRepresentation::kBagOfWords);
  }
  auto open = [&](const std::string& p) {
    auto ds = open_text(d, p, options);
    b.bad_files.insert(b.bad_files.end(), ds->bad_files().begin(), ds->bad_files().end());
    return ds;
  };
  auto all = open(d.path);
  Splits s = split_indices(all->size(), all->labels(), d, uint64_t(st.seed));
  auto ds = all->fit_on(s.train);  // the vocabulary comes from the training texts only
  b.pre.modality = "text";
  b.pre.class_names = ds->classes();
  b.pre.vocab = ds->vocab()->tokens();
  b.pre.tokenizer_json = ds->tokenizer().to_json();
  b.pre.max_length = d.max_length;
  b.pre.representation = d.representation;
  if (d.representation == "tfidf") b.pre.tfidf_json = ds->tfidf()->to_json();
  b.vocab_size = ds->vocab()->size();
  b.train = std::make_shared<data::Subset>(ds, s.train);
  b.train_labels = pick(all->labels(), s.train);
  auto open_with_vocab = [&](const std::string& p, const char* what) -> DatasetPtr {
    auto o = data::TextClassificationOptions(options).vocab(ds->vocab());
    auto other = open_text(d, p, o);
    if (ds->tfidf()) other = other->with_vocab(ds->vocab(), ds->tfidf());  // the training split's weights
    b.bad_files.insert(b.bad_files.end(), other->bad_files().begin(), other->bad_files().end());
    check_same_classes(b.pre.class_names, other->classes(), what, p);
    return other;
  };
  b.val = d.val_path.empty() ? DatasetPtr(std::make_shared<data::Subset>(ds, s.val)) : open_with_vocab(d.val_path, "data.val_path");
  b.test = d.test_path.empty() ? DatasetPtr(std::make_shared<data::Subset>(ds, s.test)) : open_with_vocab(d.test_path, "data.test_path");
  if (bag) {  // float [vocab] vectors: the default stacking collate
    b.input_shape = {b.vocab_size};
  } else {
    b.collate = data::pad_collate_fn(double(data::Vocab::kPadIndex));
    b.input_shape = {d.max_length};
    b.input_dtype = kInt64;
  }
}

void build_tabular(const Settings& st, DataBundle& b) {
  const DataSettings& d = st.data;
  auto options = data::TabularOptions(d.target).features(d.features).categorical(d.categorical);
  options.task(st.task == TaskKind::Regression ? data::TabularTask::kRegression : data::TabularTask::kClassification);
  const data::Imputation imp = d.imputation == "mean"            ? data::Imputation::kMean
                               : d.imputation == "median"        ? data::Imputation::kMedian
                               : d.imputation == "most_frequent" ? data::Imputation::kMostFrequent
                                                                 : data::Imputation::kNone;
  options.imputation(imp);
  options.allow_missing_target(d.missing_labels);
  auto all = data::TabularDataset::from_csv(d.path, options);
  std::vector<int64_t> labels;
  if (st.task != TaskKind::Regression) {
    const Tensor t = all->targets().contiguous();
    labels.assign(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  }
  Splits s;
  if (d.missing_labels) {
    // Rows without a label (target -1) all join the training split as its unlabelled part; the
    // labelled rows are split into train / val / test as usual.
    std::vector<int64_t> labelled, unlabelled, labelled_classes;
    for (size_t i = 0; i < labels.size(); ++i) {
      (labels[i] >= 0 ? labelled : unlabelled).push_back(int64_t(i));
      if (labels[i] >= 0) labelled_classes.push_back(labels[i]);
    }
    Splits ls = split_indices(int64_t(labelled.size()), labelled_classes, d, uint64_t(st.seed));
    for (auto* part : {&ls.train, &ls.val, &ls.test})
      for (auto& i : *part) i = labelled[size_t(i)];
    s = ls;
    s.train.insert(s.train.end(), unlabelled.begin(), unlabelled.end());
  } else {
    s = split_indices(all->size(), labels, d, uint64_t(st.seed));
  }
  b.pre.modality = "tabular";
  b.pre.class_names = all->classes();
  b.pre.target_name = all->target_name();
  b.pre.impute = imp != data::Imputation::kNone;
  b.pre.missing_values = options.missing_values_;
  // Fill values for predict: what the reader filled (or would fill) each column with.
  const Tensor X = all->features().to(kFloat64).contiguous();
  const int64_t D = X.size(1), N = X.size(0);
  const double* xp = X.data_ptr<double>();
  for (const auto& c : all->columns()) {
    Preprocessor::Column col{c.name, c.categorical, c.categories, 0.0, c.categories.empty() ? "" : c.categories[0]};
    if (!c.categorical) {
      std::vector<double> v(static_cast<size_t>(N));
      for (int64_t i = 0; i < N; ++i) v[size_t(i)] = xp[i * D + c.first];
      if (imp == data::Imputation::kMedian) {
        std::sort(v.begin(), v.end());
        col.fill_number = N % 2 ? v[size_t(N / 2)] : 0.5 * (v[size_t(N / 2 - 1)] + v[size_t(N / 2)]);
      } else {
        double sum = 0;
        for (double x : v) sum += x;
        col.fill_number = N ? sum / double(N) : 0.0;
      }
      if (!c.filled_with.empty()) col.fill_number = std::strtod(c.filled_with.c_str(), nullptr);
    } else {
      int64_t best = 0;
      double best_count = -1;
      for (int64_t k = 0; k < c.width; ++k) {
        double cnt = 0;
        for (int64_t i = 0; i < N; ++i) cnt += xp[i * D + c.first + k];
        if (cnt > best_count) best_count = cnt, best = k;
      }
      col.fill_category = c.filled_with.empty() ? c.categories[size_t(best)] : c.filled_with;
    }
    b.pre.columns.push_back(col);
  }
  DatasetPtr source = all;
  if (d.standardize) {
    data::Standardizer scaler =
        data::Standardizer::fit(all->features().index_select(0, from_vector(s.train, {int64_t(s.train.size())})), all->numeric_mask());
    b.pre.feature_mean = scaler.mean();
    b.pre.feature_std = scaler.std();
    source = scaler.apply(all);
  }
  b.train = std::make_shared<data::Subset>(source, s.train);
  // Given validation / test files are encoded with the schema and scaling fitted on the training rows.
  b.val = d.val_path.empty() ? DatasetPtr(std::make_shared<data::Subset>(source, s.val))
                             : tabular_file(b.pre, d.val_path, st.task, "data.val_path");
  b.test = d.test_path.empty() ? DatasetPtr(std::make_shared<data::Subset>(source, s.test))
                               : tabular_file(b.pre, d.test_path, st.task, "data.test_path");
  if (!labels.empty()) b.train_labels = pick(labels, s.train);
  if (st.task == TaskKind::Regression && d.standardize_target) {
    // The training split's mean and (population) standard deviation; a constant target keeps std 1.
    const Tensor y = all->targets().to(kFloat64).contiguous();
    double sum = 0, sq = 0;
    for (int64_t i : s.train) sum += y.data_ptr<double>()[i];
    const double mean = sum / double(s.train.size());
    for (int64_t i : s.train) sq += (y.data_ptr<double>()[i] - mean) * (y.data_ptr<double>()[i] - mean);
    const double sd = std::sqrt(sq / double(s.train.size()));
    b.pre.target_standardized = true;
    b.pre.target_mean = mean;
    b.pre.target_std = sd > 1e-12 * std::max(1.0, std::abs(mean)) ? sd : 1.0;
  }
  b.input_shape = {all->num_features()};
}

}  // namespace

data::DatasetPtr tabular_file(const Preprocessor& pre, const std::string& path, TaskKind task, const std::string& what) {
  DESCENT_CHECK(pre.modality == "tabular", what, ": a CSV of rows needs a tabular model");
  const std::string ctx = what + " '" + path + "'";
  data::CsvTable table = data::read_csv(path);
  auto t = std::find(table.header.begin(), table.header.end(), pre.target_name);
  DESCENT_CHECK(t != table.header.end(), ctx, ": no target column '", pre.target_name, "' (the header has ", join(table.header), ")");
  const size_t target_col = size_t(t - table.header.begin());
  DESCENT_CHECK(!table.rows.empty(), ctx, ": the file has a header but no rows");
  std::vector<Tensor> xs;
  std::vector<float> reg;
  std::vector<int64_t> cls;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string where = path + ":" + std::to_string(table.row_numbers[r]);
    DESCENT_CHECK(table.rows[r].size() == table.header.size(), where, ": ", table.rows[r].size(), " fields, the header has ",
                  table.header.size());
    xs.push_back(pre.tabular(table.header, table.rows[r], where));
    const std::string& y = table.rows[r][target_col];
    if (task == TaskKind::Regression) {
      char* end = nullptr;
      const double v = std::strtod(y.c_str(), &end);
      DESCENT_CHECK(!y.empty() && *end == '\0' && std::isfinite(v), where, ": target '", pre.target_name, "' = '", y,
                    "' is not a finite number");
      reg.push_back(float(v));
    } else {
      auto k = std::find(pre.class_names.begin(), pre.class_names.end(), y);
      DESCENT_CHECK(k != pre.class_names.end(), where, ": target '", pre.target_name, "' = '", y,
                    "' is not a class of the training data (", join(pre.class_names), ")");
      cls.push_back(int64_t(k - pre.class_names.begin()));
    }
  }
  const int64_t n = int64_t(xs.size());
  Tensor y = task == TaskKind::Regression ? from_vector(reg, {n}) : from_vector(cls, {n});
  return std::make_shared<data::TensorDataset>(stack(xs, 0), y);
}

data::DatasetPtr text_file(const Preprocessor& pre, const DataSettings& d, const std::string& path, const std::string& what) {
  DESCENT_CHECK(pre.modality == "text", what, ": texts need a text model");
  auto o = data::TextClassificationOptions()
               .text_column(d.text_column)
               .label_column(d.label_column)
               .max_length(pre.max_length)
               .tokenizer(data::Tokenizer::from_json(pre.tokenizer_json, "preprocess.json").options())
               .vocab(std::make_shared<const data::Vocab>(data::Vocab::from_tokens(pre.vocab)));
  if (pre.representation == "counts") o.representation(data::TextRepresentation::kBagOfWords);
  if (pre.representation == "tfidf") o.representation(data::TextRepresentation::kTfidf);
  auto ds = open_text(d, path, o);
  if (pre.representation == "tfidf")  // the training split's weights, not ones fitted on this file
    ds = ds->with_vocab(ds->vocab(), std::make_shared<const data::Tfidf>(data::Tfidf::from_json(pre.tfidf_json, "preprocess.json")));
  check_same_classes(pre.class_names, ds->classes(), what, path);
  return ds;
}

DataBundle build_data(const Settings& st) {
  DataBundle b;
  const std::string& k = st.data.kind;
  if (k == "fashion_mnist" || k == "mnist") build_idx(st, b);
  else if (k == "image_folder") build_image_folder(st, b);
  else if (k == "audio_folder") build_audio_folder(st, b);
  else if (k == "text_csv" || k == "text_folder") build_text(st, b);
  else build_tabular(st, b);
  if (st.task == TaskKind::Regression) {
    b.num_classes = 0;
    b.num_outputs = 1;
  } else {
    b.num_classes = int64_t(b.pre.class_names.size());
    DESCENT_CONFIG_CHECK(b.num_classes >= 2, "data: classification needs at least 2 classes, found ", b.num_classes, " (",
                         join(b.pre.class_names), ")");
    if (st.task == TaskKind::Binary)
      DESCENT_CONFIG_CHECK(b.num_classes == 2, "task: 'binary' needs exactly 2 classes, the data has ", b.num_classes, " (",
                           join(b.pre.class_names), "); use task = \"classification\"");
    b.num_outputs = st.task == TaskKind::Binary ? 1 : b.num_classes;
  }
  DESCENT_CHECK(b.train->size() > 0 && b.val->size() > 0 && b.test->size() > 0, "data: a split is empty (train ",
                b.train->size(), ", val ", b.val->size(), ", test ", b.test->size(), "); use more data or other data.split fractions");
  b.summary = describe_splits(b);
  return b;
}

DataBundle bundle_from_preprocessor(const Settings& st, const Preprocessor& pre) {
  DataBundle b;
  b.pre = pre;
  if (pre.modality == "image") b.input_shape = {pre.channels, pre.height, pre.width};
  else if (pre.modality == "audio") b.input_shape = pre.audio(zeros({1, pre.num_samples})).sizes();
  else if (pre.modality == "text") {
    b.vocab_size = int64_t(pre.vocab.size());
    if (pre.representation == "tokens") {
      b.input_shape = {pre.max_length};
      b.input_dtype = kInt64;
      b.collate = data::pad_collate_fn(double(data::Vocab::kPadIndex));
    } else {
      b.input_shape = {b.vocab_size};
    }
  } else {
    int64_t d = 0;
    for (const auto& c : pre.columns) d += c.categorical ? int64_t(c.categories.size()) : 1;
    b.input_shape = {d};
  }
  b.num_classes = st.task == TaskKind::Regression ? 0 : int64_t(pre.class_names.size());
  b.num_outputs = st.task == TaskKind::Binary || st.task == TaskKind::Regression ? 1 : b.num_classes;
  return b;
}

data::DataLoader make_loader(const DataBundle& bundle, DatasetPtr dataset, int64_t batch_size, bool shuffle, uint64_t seed,
                             int64_t num_workers) {
  auto o = data::DataLoaderOptions().batch_size(batch_size).shuffle(shuffle).seed(seed).num_workers(num_workers);
  if (bundle.collate) o.collate(bundle.collate);
  return data::DataLoader(std::move(dataset), o);
}

}  // namespace descent::cli
