// The builtin models of the `descent` tool: [model] builtin = "<name>" plus that model's options,
// mapped onto include/descent/models/. Input sizes and the output size come from the data.
#include "descent/models/models.h"
#include "model_setup.h"

namespace descent::cli {

const std::vector<std::string>& builtin_models() {
  static const std::vector<std::string> names = {"mlp", "cnn", "resnet_small", "text_embedding_bag", "text_gru",
                                                 "audio_cnn"};
  return names;
}

namespace {

void need_image(const DataBundle& b, const std::string& name) {
  DESCENT_CONFIG_CHECK(b.input_shape.size() == 3 && b.input_dtype != kInt64, "model.builtin: '", name,
                       "' needs images [C, H, W]; data gives per-example shape ", b.input_shape,
                       " (use mlp, or text_* for text)");
}
void need_text(const DataBundle& b, const std::string& name) {
  DESCENT_CONFIG_CHECK(b.input_dtype == kInt64 && b.vocab_size > 0, "model.builtin: '", name,
                       "' needs token indices (data.kind text_csv or text_folder)");
}

}  // namespace

std::shared_ptr<nn::Module> build_builtin(ModelSettings& m, const DataBundle& b) {
  toml::table options = m.options;
  Section s(options, "model");
  s.allow("builtin");
  const std::string name = m.builtin;
  const int64_t out = b.num_outputs;
  std::shared_ptr<nn::Module> model;
  if (name == "mlp") {
    DESCENT_CONFIG_CHECK(b.input_dtype != kInt64, "model.builtin: 'mlp' needs numeric inputs; for text use text_embedding_bag or text_gru");
    int64_t in = 1;
    for (int64_t d : b.input_shape) in *= d;
    auto o = models::MLPOptions(in, out)
                 .hidden(s.integers("hidden", {256, 256}, 1, 1 << 20))
                 .activation(s.choice("activation", "relu", {"relu", "gelu", "tanh", "sigmoid", "leaky_relu", "silu"}))
                 .dropout(s.number("dropout", 0.0, 0.0, 1.0))
                 .batch_norm(s.boolean("batch_norm", false));
    model = models::MLP(o).ptr();
  } else if (name == "cnn") {
    need_image(b, name);
    auto o = models::CNNOptions(b.input_shape[0], out)
                 .image_size(b.input_shape[1], b.input_shape[2])
                 .channels(s.integers("channels", {32, 64}, 1, 4096))
                 .batch_norm(s.boolean("batch_norm", true))
                 .double_conv(s.boolean("double_conv", false))
                 .hidden(s.integer("hidden", 128, 1, 1 << 20))
                 .dropout(s.number("dropout", 0.25, 0.0, 1.0));
    model = models::CNN(o).ptr();
  } else if (name == "resnet_small") {
    need_image(b, name);
    auto o = models::ResNetSmallOptions(b.input_shape[0], out)
                 .widths(s.integers("widths", {16, 32, 64}, 1, 4096))
                 .blocks_per_stage(s.integer("blocks_per_stage", 1, 1, 64));
    model = models::ResNetSmall(o).ptr();
  } else if (name == "text_embedding_bag") {
    need_text(b, name);
    auto o = models::TextEmbeddingBagOptions(b.vocab_size, out).embed_dim(s.integer("embed_dim", 64, 1, 1 << 16));
    model = models::TextEmbeddingBag(o).ptr();
  } else if (name == "text_gru") {
    need_text(b, name);
    auto o = models::TextGRUOptions(b.vocab_size, out)
                 .embed_dim(s.integer("embed_dim", 64, 1, 1 << 16))
                 .hidden(s.integer("hidden", 64, 1, 1 << 16))
                 .num_layers(s.integer("num_layers", 1, 1, 16))
                 .bidirectional(s.boolean("bidirectional", false))
                 .dropout(s.number("dropout", 0.0, 0.0, 1.0));
    model = models::TextGRU(o).ptr();
  } else if (name == "audio_cnn") {
    DESCENT_CONFIG_CHECK(b.input_shape.size() == 3 && b.input_dtype != kInt64, "model.builtin: 'audio_cnn' needs ",
                         "spectrograms [1, n_mels, frames] (data.kind audio_folder); data gives ", b.input_shape);
    auto o = models::AudioCNNOptions(b.input_shape[0], out)
                 .channels(s.integers("channels", {16, 32, 64}, 1, 4096))
                 .dropout(s.number("dropout", 0.2, 0.0, 1.0));
    model = models::AudioCNN(o).ptr();
  } else {
    DESCENT_CONFIG_FAIL("model.builtin: unknown '", name, "'; one of ", join(builtin_models()));
  }
  s.finish();
  m.options = options;  // with the defaults, for the resolved config
  return model;
}

}  // namespace descent::cli
