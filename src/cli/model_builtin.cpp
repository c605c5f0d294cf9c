// The builtin models of the `descent` tool: [model] builtin = "<name>" plus that model's options,
// mapped onto include/descent/models/. Input sizes and the output size come from the data.
#include "descent/models/models.h"
#include "descent/nn/modules/activation.h"
#include "descent/nn/modules/sequential.h"
#include "descent/nn/modules/linear.h"
#include "model_setup.h"

namespace descent::cli {

namespace {

using ModelPtr = std::shared_ptr<nn::Module>;

void need_image(const DataBundle& b, const std::string& name) {
  DESCENT_CONFIG_CHECK(b.input_shape.size() == 3 && b.input_dtype != kInt64, "model.builtin: '", name,
                       "' needs images [C, H, W]; data gives per-example shape ", b.input_shape,
                       " (use mlp, or text_* for text)");
}
void need_text(const DataBundle& b, const std::string& name) {
  DESCENT_CONFIG_CHECK(b.input_dtype == kInt64 && b.vocab_size > 0, "model.builtin: '", name,
                       "' needs token indices (data.kind text_csv or text_folder, data.representation = \"tokens\")");
}

ModelPtr mlp(Section& s, const DataBundle& b) {
  DESCENT_CONFIG_CHECK(b.input_dtype != kInt64, "model.builtin: 'mlp' needs numeric inputs; for text use text_embedding_bag or text_gru, ",
                       "or data.representation = \"tfidf\"");
  int64_t in = 1;
  for (int64_t d : b.input_shape) in *= d;
  auto o = models::MLPOptions(in, b.num_outputs)
               .hidden(s.integers("hidden", {256, 256}, 1, 1 << 20))
               .activation(s.choice("activation", "relu", nn::activation_names()))
               .dropout(s.number("dropout", 0.0, 0.0, 1.0))
               .batch_norm(s.boolean("batch_norm", false));
  return models::MLP(o).ptr();
}

// A linear model on the flattened input: logistic (softmax) regression for classes, linear
// regression for a number. The classic baseline on TF-IDF text vectors and tables.
ModelPtr linear(Section&, const DataBundle& b) {
  DESCENT_CONFIG_CHECK(b.input_dtype != kInt64, "model.builtin: 'linear' needs numeric inputs; for text set ",
                       "data.representation = \"tfidf\" (or \"counts\"), or use text_embedding_bag");
  int64_t in = 1;
  for (int64_t d : b.input_shape) in *= d;
  return nn::Sequential(nn::Flatten(), nn::Linear(in, b.num_outputs)).ptr();
}

ModelPtr cnn(Section& s, const DataBundle& b) {
  need_image(b, "cnn");
  auto o = models::CNNOptions(b.input_shape[0], b.num_outputs)
               .image_size(b.input_shape[1], b.input_shape[2])
               .channels(s.integers("channels", {32, 64}, 1, 4096))
               .batch_norm(s.boolean("batch_norm", true))
               .double_conv(s.boolean("double_conv", false))
               .hidden(s.integer("hidden", 128, 1, 1 << 20))
               .dropout(s.number("dropout", 0.25, 0.0, 1.0));
  return models::CNN(o).ptr();
}

ModelPtr resnet_small(Section& s, const DataBundle& b) {
  need_image(b, "resnet_small");
  auto o = models::ResNetSmallOptions(b.input_shape[0], b.num_outputs)
               .widths(s.integers("widths", {16, 32, 64}, 1, 4096))
               .blocks_per_stage(s.integer("blocks_per_stage", 1, 1, 64));
  return models::ResNetSmall(o).ptr();
}

ModelPtr text_embedding_bag(Section& s, const DataBundle& b) {
  need_text(b, "text_embedding_bag");
  auto o = models::TextEmbeddingBagOptions(b.vocab_size, b.num_outputs).embed_dim(s.integer("embed_dim", 64, 1, 1 << 16));
  return models::TextEmbeddingBag(o).ptr();
}

ModelPtr text_gru(Section& s, const DataBundle& b) {
  need_text(b, "text_gru");
  auto o = models::TextGRUOptions(b.vocab_size, b.num_outputs)
               .embed_dim(s.integer("embed_dim", 64, 1, 1 << 16))
               .hidden(s.integer("hidden", 64, 1, 1 << 16))
               .num_layers(s.integer("num_layers", 1, 1, 16))
               .bidirectional(s.boolean("bidirectional", false))
               .dropout(s.number("dropout", 0.0, 0.0, 1.0));
  return models::TextGRU(o).ptr();
}

ModelPtr audio_cnn(Section& s, const DataBundle& b) {
  DESCENT_CONFIG_CHECK(b.input_shape.size() == 3 && b.input_dtype != kInt64, "model.builtin: 'audio_cnn' needs ",
                       "spectrograms [1, n_mels, frames] (data.kind audio_folder); data gives ", b.input_shape);
  auto o = models::AudioCNNOptions(b.input_shape[0], b.num_outputs)
               .channels(s.integers("channels", {16, 32, 64}, 1, 4096))
               .dropout(s.number("dropout", 0.2, 0.0, 1.0));
  return models::AudioCNN(o).ptr();
}

}  // namespace

const Catalog<BuiltinEntry>& builtin_models() {
  static const Catalog<BuiltinEntry> table(
      "builtin model",
      {
          {"mlp", "fully connected layers on the flattened input: hidden = [256, 256], activation = \"relu\", "
                  "dropout = 0.0, batch_norm = false",
           mlp},
          {"linear", "one linear layer on the flattened input (logistic or linear regression; for text with "
                     "data.representation = \"tfidf\")",
           linear},
          {"cnn", "convolution blocks then a hidden linear layer, for images: channels = [32, 64], batch_norm = true, "
                  "double_conv = false, hidden = 128, dropout = 0.25",
           cnn},
          {"resnet_small", "a small residual network for images: widths = [16, 32, 64], blocks_per_stage = 1",
           resnet_small},
          {"text_embedding_bag", "the mean of token embeddings, then a linear layer: embed_dim = 64", text_embedding_bag},
          {"text_gru", "token embeddings into a GRU: embed_dim = 64, hidden = 64, num_layers = 1, "
                       "bidirectional = false, dropout = 0.0",
           text_gru},
          {"audio_cnn", "convolutions over log-mel spectrograms: channels = [16, 32, 64], dropout = 0.2", audio_cnn},
      });
  return table;
}

std::shared_ptr<nn::Module> build_builtin(ModelSettings& m, const DataBundle& b) {
  toml::table options = m.options;
  Section s(options, "model");
  s.allow("builtin");
  auto model = builtin_models().at(m.builtin, "model.builtin").make(s, b);
  s.finish();
  m.options = options;  // with the defaults, for the resolved config
  return model;
}

}  // namespace descent::cli
