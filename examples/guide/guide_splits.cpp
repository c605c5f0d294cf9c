// Guide section 10, train / validation / test splits. The training set fits the weights, the
// validation set chooses among models and hyper-parameters (and stops training), the test set
// measures the chosen model once. Two common proportions (data::split_sizes), and how precise
// each split's accuracy estimate is: its standard error sqrt(p (1 - p) / n) at p = 0.9.
// Then why the test set is touched once: 50 candidate "models" that guess at random (true
// accuracy 50%) are scored on a 100-example validation set and the best is chosen. Its validation
// accuracy looks good only because it was chosen on that set; on the untouched test set it is back
// to about 50%. Any set used for choosing gives an optimistic score, so the test set must not be.
// Claims checked: the split sizes add up; the chosen model's validation accuracy is >= 0.1 above its
// test accuracy.
//
//   ./build/release/examples/guide/guide_splits [--out DIR]
#include "descent/data/data.h"
#include "guide_util.h"

using namespace descent;

int main(int argc, char** argv) {
  const guide::Args args = guide::parse_args(argc, argv);
  guide::Claims claims;

  bool sizes_add_up = true;
  std::printf("examples    split     train    val   test  val std.err  test std.err\n");
  for (int64_t n : {int64_t(1000), int64_t(1000000)}) {
    for (auto fractions : {std::vector<double>{0.9, 0.05, 0.05}, std::vector<double>{0.7, 0.2, 0.1}}) {
      auto sizes = data::split_sizes(n, fractions);
      sizes_add_up = sizes_add_up && sizes[0] + sizes[1] + sizes[2] == n;
      auto se = [](int64_t m) { return std::sqrt(0.9 * 0.1 / double(m)); };
      std::printf("%8lld  %2.0f/%2.0f/%2.0f  %8lld %6lld %6lld  %11.4f  %12.4f\n", static_cast<long long>(n),
                  fractions[0] * 100, fractions[1] * 100, fractions[2] * 100, static_cast<long long>(sizes[0]),
                  static_cast<long long>(sizes[1]), static_cast<long long>(sizes[2]), se(sizes[1]), se(sizes[2]));
    }
  }
  claims.check(sizes_add_up, "each split uses every example exactly once");
  // The index lists themselves: disjoint, from one seeded permutation.
  auto parts = data::random_split_indices(20, {0.7, 0.2, 0.1}, 0);
  for (size_t k = 0; k < parts.size(); ++k) {
    std::printf("%-5s", k == 0 ? "train" : k == 1 ? "val" : "test");
    for (int64_t i : parts[k]) std::printf(" %lld", static_cast<long long>(i));
    std::printf("\n");
  }

  // Choosing on a set makes its score optimistic.
  manual_seed(0);
  const int64_t candidates = 50, n_val = 100, n_test = 100;
  Tensor val_labels = randint(0, 2, {n_val}), test_labels = randint(0, 2, {n_test});
  std::vector<double> val_acc, test_acc;
  for (int64_t c = 0; c < candidates; ++c) {
    // A candidate that ignores its input: its predictions are coin flips.
    val_acc.push_back(randint(0, 2, {n_val}).eq(val_labels).to(kFloat64).mean().item<double>());
    test_acc.push_back(randint(0, 2, {n_test}).eq(test_labels).to(kFloat64).mean().item<double>());
  }
  const size_t best = std::max_element(val_acc.begin(), val_acc.end()) - val_acc.begin();
  std::printf("best of %lld random candidates on validation: %.2f; the same model on test: %.2f\n",
              static_cast<long long>(candidates), val_acc[best], test_acc[best]);
  claims.check(val_acc[best] - test_acc[best] >= 0.1, "the chosen model's validation score is optimistic by >= 0.1");

  report::ChartOptions o;
  o.title = "50 coin-flip models: validation vs test accuracy";
  o.x_label = "validation accuracy";
  o.y_label = "test accuracy";
  std::vector<int64_t> group(candidates, 0);
  group[best] = 1;
  guide::write_svg(args, "splits_selection.svg",
                   report::cluster_scatter(val_acc, test_acc, group, {"candidate", "chosen (best on validation)"}, o));
  return claims.exit_code();
}
