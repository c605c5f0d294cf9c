// Text classification from a CSV file: read a text column and a label column by name, split
// 70/20/10 keeping class proportions, build the vocabulary from the training split only, and
// iterate DataLoaders of padded int64 sequences (with their lengths). Then the same texts as
// TF-IDF vectors train a linear classifier for a few epochs.
//
//   data_text_csv [file.csv [text_column label_column]] [--quiet]
//
// Without a file it writes the synthetic review CSV of tools/make_sample_data_text into a temp
// folder, and exits non-zero unless the classifier beats chance clearly (ctest runs it so).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "descent/data/data.h"
#include "descent/data/datasets/text_classification.h"
#include "descent/data/synthetic.h"
#include "descent/descent.h"
#include "example_util.h"

using namespace descent;
using namespace descent::data;

namespace {

using example::describe;

}  // namespace

int main(int argc, char** argv) {
  const example::Args a = example::parse_args(argc, argv);
  const bool quiet = a.quiet;
  const std::vector<std::string>& args = a.positional;
  namespace fs = std::filesystem;
  const bool generated = args.empty();
  const fs::path tmp = fs::temp_directory_path() / ("descent_example_text_" + std::to_string(::getpid()));
  std::string path = generated ? (tmp / "text.csv").string() : args[0];
  const std::string text_col = args.size() >= 3 ? args[1] : "text";
  const std::string label_col = args.size() >= 3 ? args[2] : "label";
  int status = 0;
  try {
    if (generated) synthetic::write_text_csv(path, 300, 3, 0);
    manual_seed(0);
    const auto options = TextClassificationOptions().text_column(text_col).label_column(label_col).max_length(24);
    auto all = TextClassification::from_csv(path, options);
    std::printf("%s: %lld texts, %zu classes:", path.c_str(), static_cast<long long>(all->size()),
                all->classes().size());
    for (const auto& c : all->classes()) std::printf(" %s", c.c_str());
    std::printf("\n");

    // 70/20/10, each split with the class proportions of the whole.
    const auto parts = stratified_split_indices(all->labels(), {0.7, 0.2, 0.1}, /*seed=*/0);
    auto ds = all->fit_on(parts[0]);  // vocabulary from the training texts only
    std::printf("vocabulary: %lld tokens from the training split (first: %s %s %s %s)\n",
                static_cast<long long>(ds->vocab()->size()), ds->vocab()->token(0).c_str(),
                ds->vocab()->token(1).c_str(), ds->vocab()->token(2).c_str(), ds->vocab()->token(3).c_str());
    const char* names[] = {"train", "val", "test"};
    for (int k = 0; k < 3; ++k) {
      auto split = std::make_shared<Subset>(ds, parts[size_t(k)]);
      DataLoader loader(split, DataLoaderOptions()
                                   .batch_size(32)
                                   .shuffle(k == 0)
                                   .seed(0)
                                   .num_workers(k == 0 ? 2 : 0)
                                   .collate(pad_collate_fn(double(Vocab::kPadIndex))));
      int64_t batches = 0;
      for (auto& batch : loader) {
        if (batches == 0)
          std::printf("%-5s %3lld examples, %lld batches; first: data %s, lengths %s, target %s\n", names[k],
                      static_cast<long long>(split->size()), static_cast<long long>(loader.size()),
                      describe(batch.data).c_str(), describe(batch.lengths).c_str(), describe(batch.target).c_str());
        ++batches;
      }
    }

    // The same texts as TF-IDF vectors (idf fitted on the training split) and a linear classifier.
    auto tfidf = TextClassification::from_csv(path, TextClassificationOptions(options).representation(
                                                        TextRepresentation::kTfidf))
                     ->fit_on(parts[0]);
    const int64_t vocab = tfidf->vocab()->size(), classes = int64_t(tfidf->classes().size());
    nn::Linear model(vocab, classes);
    optim::Adam adam(model->parameters(), optim::AdamOptions(0.05));
    nn::CrossEntropyLoss criterion;
    DataLoader train(std::make_shared<Subset>(tfidf, parts[0]),
                     DataLoaderOptions().batch_size(32).shuffle(true).seed(1));
    for (int epoch = 1; epoch <= 10; ++epoch) {
      double total = 0;
      int64_t n = 0;
      for (auto& batch : train) {
        adam.zero_grad();
        Tensor loss = criterion(model(batch.data), batch.target);
        loss.backward();
        adam.step();
        total += loss.item<double>() * double(batch.size());
        n += batch.size();
      }
      if (!quiet) std::printf("epoch %2d: train loss %.4f\n", epoch, total / double(n));
    }
    auto accuracy = [&](const std::vector<int64_t>& idx) {
      NoGradGuard no_grad;
      DataLoader loader(std::make_shared<Subset>(tfidf, idx), DataLoaderOptions().batch_size(64));
      int64_t right = 0;
      for (auto& batch : loader) right += model(batch.data).argmax(1).eq(batch.target).sum().item<int64_t>();
      return double(right) / double(idx.size());
    };
    const double val = accuracy(parts[1]), test = accuracy(parts[2]);
    std::printf("TF-IDF [N, %lld] + linear: val accuracy %.3f, test accuracy %.3f\n", static_cast<long long>(vocab),
                val, test);
    if (generated && val < 0.8) {
      std::printf("FAILED: expected a val accuracy above 0.8 on the synthetic reviews\n");
      status = 1;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "data_text_csv: %s\n", e.message().c_str());
    status = 1;
  }
  if (generated) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
  }
  return status;
}
