// The builtin models against PyTorch 1.13 (tests/golden/models.json, from tools/golden/models.py):
// the same layers built in PyTorch with the names descent documents, so PyTorch's state_dict loads
// strictly into the descent model; outputs in eval mode (running stats) and train mode (batch stats),
// in float64 (tight) and float32, NCHW and channels-last for the image models.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "descent/models/models.h"
#include "test_util.h"

using namespace descent;
using namespace descent::models;
using json = nlohmann::json;

namespace {

Tensor from_json(const json& j, DType dt) {
  Shape s;
  for (auto& v : j["shape"]) s.push_back(v.get<int64_t>());
  Tensor t = dt == DType::Int64 ? from_vector(j["data"].get<std::vector<int64_t>>())
                                : from_vector(j["data"].get<std::vector<double>>(), {}, DType::Float64).to(dt);
  return t.reshape(s);  // also 0-d tensors (num_batches_tracked), which from_vector would make 1-D
}

std::vector<int64_t> ints(const json& j) { return j.get<std::vector<int64_t>>(); }

std::shared_ptr<nn::Module> build(const json& c) {
  const std::string m = c["model"];
  const json& o = c["options"];
  if (m == "mlp")
    return MLP(MLPOptions(o["in_features"], o["out_features"])
                   .hidden(ints(o["hidden"]))
                   .activation(o["activation"].get<std::string>())
                   .batch_norm(o["batch_norm"].get<bool>()))
        .ptr();
  if (m == "cnn")
    return CNN(CNNOptions(o["in_channels"], o["num_classes"])
                   .image_size(o["height"], o["width"])
                   .channels(ints(o["channels"]))
                   .batch_norm(o["batch_norm"].get<bool>())
                   .double_conv(o["double_conv"].get<bool>())
                   .hidden(o["hidden"])
                   .dropout(0.0))
        .ptr();
  if (m == "resnet_small")
    return ResNetSmall(ResNetSmallOptions(o["in_channels"], o["num_classes"])
                           .widths(ints(o["widths"]))
                           .blocks_per_stage(o["blocks_per_stage"]))
        .ptr();
  if (m == "audio_cnn")
    return AudioCNN(AudioCNNOptions(o["in_channels"], o["num_classes"]).channels(ints(o["channels"])).dropout(0.0))
        .ptr();
  if (m == "text_embedding_bag")
    return TextEmbeddingBag(
               TextEmbeddingBagOptions(o["vocab_size"], o["num_classes"]).embed_dim(o["embed_dim"]).padding_idx(o["padding_idx"]))
        .ptr();
  if (m == "text_gru")
    return TextGRU(TextGRUOptions(o["vocab_size"], o["num_classes"])
                       .embed_dim(o["embed_dim"])
                       .hidden(o["hidden"])
                       .num_layers(o["num_layers"])
                       .bidirectional(o["bidirectional"].get<bool>())
                       .padding_idx(o["padding_idx"]))
        .ptr();
  ADD_FAILURE() << "unknown model " << m;
  return nullptr;
}

const json& golden() {
  static const json doc = [] {
    std::ifstream f(DESCENT_GOLDEN_DIR "/models.json");
    EXPECT_TRUE(f.good()) << "missing " << DESCENT_GOLDEN_DIR "/models.json (run tools/golden/models.py)";
    return json::parse(f);
  }();
  return doc;
}

void run_case(const json& c, DType dt, bool channels_last) {
  SCOPED_TRACE(c["name"].get<std::string>() + " " + dtype_name(dt) + (channels_last ? " channels-last" : ""));
  auto m = build(c);
  ASSERT_TRUE(m);
  m->to(dt);
  nn::StateDict sd;
  for (auto& [k, v] : c["state"].items()) sd.insert(k, from_json(v, k.find("num_batches") != std::string::npos ? DType::Int64 : dt));
  m->load_state_dict(sd);  // strict: the names are PyTorch's
  const bool text = c["model"].get<std::string>().rfind("text", 0) == 0;
  Tensor x = from_json(c["input"], text ? DType::Int64 : dt);
  if (channels_last) x = x.contiguous(MemoryFormat::ChannelsLast);
  const double rtol = dt == DType::Float32 ? 1e-4 : 1e-9;
  auto check = [&](const Tensor& got, const json& want, const char* what) {
    Tensor w = from_json(want, DType::Float64);
    const double scale = w.abs().max().item<double>();
    EXPECT_TRUE(allclose(got.to(DType::Float64), w, rtol, rtol * scale)) << what << ": got " << got << "\nwant " << w;
  };
  NoGradGuard ng;
  m->eval();
  check(m->forward(x), c["output_eval"], "eval-mode output");
  m->train();
  check(m->forward(x), c["output_train"], "train-mode output");
}

}  // namespace

TEST(ModelsGolden, MatchPyTorch) {
  const json& cases = golden()["cases"];
  ASSERT_GE(cases.size(), 9u);
  for (const json& c : cases) {
    const std::string model = c["model"];
    for (DType dt : {DType::Float64, DType::Float32}) {
      run_case(c, dt, false);
      if (model == "cnn" || model == "resnet_small" || model == "audio_cnn") run_case(c, dt, true);
    }
  }
}
