// libFuzzer target for tabular CSV with its schema (TabularDataset::from_csv: header, target
// column, numeric / categorical inference, missing values and imputation, one-hot or index
// encoding, classification labels). The first byte picks the options; the rest is the file, whose
// target column is "y". Any input must either load or throw descent::Error; what loads must hold
// consistent shapes and finite features. A crash, a sanitizer report, another exception type, a
// hang or an allocation above -malloc_limit_mb is a bug.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "descent/core/error.h"
#include "descent/data/tabular.h"
#include "descent/descent.h"
#include "fuzz_util.h"

using namespace descent;
using namespace descent::data;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::write_seeds_if_asked({
      {"regression", std::string(1, '\0') + "x,colour,y\n1.5,red,3\n2,blue,4.5\n,red,1\n"},
      {"classification", std::string(1, '\x05') + "a,b,y\n1,2,cat\n3,,dog\n5,6,cat\n"},
      {"imputed", std::string(1, '\x0a') + "zip,age,y\n75001,NA,yes\n10115,31,no\n75001,40,\n"},
      {"quoted", std::string(1, '\x0d') + "\"name, full\",n,y\n\"a\"\"b\",1,0\n\"c\",2,1\n"},
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t f = data[0];
  const std::string path = fuzz::input_file(data + 1, size - 1, ".csv");
  static const Imputation kImpute[] = {Imputation::kNone, Imputation::kMean, Imputation::kMedian,
                                       Imputation::kMostFrequent, Imputation::kConstant};
  TabularOptions o("y");
  o.task((f & 1) ? TabularTask::kClassification : TabularTask::kRegression)
      .imputation(kImpute[(f >> 1) % 5])
      .encoding((f & 16) ? CategoricalEncoding::kIndex : CategoricalEncoding::kOneHot)
      .allow_missing_target((f & 33) == 33);
  if (f & 64) o.categorical({"zip"});
  if (f & 128) o.csv(CsvOptions().delimiter(';'));
  try {
    auto ds = TabularDataset::from_csv(path, o);
    const Tensor& x = ds->features();
    if (x.dim() != 2 || ds->targets().dim() != 1 || ds->targets().size(0) != x.size(0)) __builtin_trap();
    if (int64_t(ds->feature_names().size()) != x.size(1) || int64_t(ds->numeric_mask().size()) != x.size(1)) __builtin_trap();
    const Tensor c = x.contiguous();
    const float* p = c.data_ptr<float>();
    for (int64_t i = 0; i < c.numel(); ++i)
      if (!std::isfinite(p[i])) __builtin_trap();
    if (ds->size() > 0) ds->get(ds->size() - 1);
  } catch (const Error&) {
  }
  return 0;
}
