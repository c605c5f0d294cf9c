// Models from a config's [model] section; see model_setup.h.
#include "model_setup.h"

#include <sstream>

#include "descent/descent.h"

namespace descent::cli {

namespace {

/// The output shape (without the batch dimension) of m on a probe batch of 2 examples.
Shape probe(nn::Module& m, const Shape& in, DType dtype) {
  NoGradGuard no_grad;
  Shape batch{2};
  for (int64_t s : in) batch.push_back(s);
  const bool training = m.is_training();
  m.eval();
  Tensor out = m.call(zeros(batch, TensorOptions().dtype(dtype)));
  m.train(training);
  Shape shape;
  for (int64_t d = 1; d < out.dim(); ++d) shape.push_back(out.size(d));
  return shape;
}

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

/// One layer of a layer list: builds the module for input shape `in`.
std::shared_ptr<nn::Module> make_layer(Section& s, const std::string& type, const Shape& in, DType dtype,
                                       const DataBundle& bundle, bool last) {
  auto need_rank = [&](size_t rank, const char* what) {
    DESCENT_CONFIG_CHECK(in.size() == rank, s.path(), " (", type, "): needs ", what, " input, got per-example shape ",
                         shape_str(in), rank == 1 ? "; add { type = \"flatten\" } before it" : "");
  };
  auto floating = [&] {
    DESCENT_CONFIG_CHECK(dtype != kInt64, s.path(), " (", type, "): the input is token indices (int64); start with ",
                         "{ type = \"embedding\" } or { type = \"embedding_bag\" }");
  };
  if (type == "linear") {
    floating();
    need_rank(1, "a flat [features]");
    const int64_t out = s.integer("out", last ? bundle.num_outputs : 0, 1, 1 << 24);
    return nn::Linear(nn::LinearOptions(in[0], out).bias(s.boolean("bias", true))).ptr();
  }
  if (type == "conv2d" || type == "conv1d") {
    floating();
    const bool two = type == "conv2d";
    need_rank(two ? 3 : 2, two ? "an image [C, H, W]" : "a sequence [C, L]");
    const int64_t out = s.integer("out", 0, 1, 1 << 20), k = s.integer("kernel", 3, 1, 1024),
                  st = s.integer("stride", 1, 1, 1024), pad = s.integer("padding", 0, 0, 1024),
                  dil = s.integer("dilation", 1, 1, 1024), groups = s.integer("groups", 1, 1, 1 << 20);
    const bool bias = s.boolean("bias", true);
    DESCENT_CONFIG_CHECK(in[0] % groups == 0 && out % groups == 0, s.path(), " (", type, "): groups = ", groups,
                         " must divide the input channels (", in[0], ") and out (", out, ")");
    if (two) return nn::Conv2d(nn::Conv2dOptions(in[0], out, k).stride(st).padding(pad).dilation(dil).groups(groups).bias(bias)).ptr();
    return nn::Conv1d(nn::Conv1dOptions(in[0], out, k).stride(st).padding(pad).dilation(dil).groups(groups).bias(bias)).ptr();
  }
  if (type == "maxpool2d" || type == "avgpool2d" || type == "maxpool1d" || type == "avgpool1d") {
    floating();
    const bool two = type.back() == 'd' && type[type.size() - 2] == '2';
    need_rank(two ? 3 : 2, two ? "an image [C, H, W]" : "a sequence [C, L]");
    const int64_t k = s.integer("kernel", 2, 1, 1024), st = s.integer("stride", k, 1, 1024), pad = s.integer("padding", 0, 0, 1024);
    if (type == "maxpool2d") return nn::MaxPool2d(nn::MaxPool2dOptions(k).stride(st).padding(pad)).ptr();
    if (type == "avgpool2d") return nn::AvgPool2d(nn::AvgPool2dOptions(k).stride(st).padding(pad)).ptr();
    if (type == "maxpool1d") return nn::MaxPool1d(nn::MaxPool1dOptions(k).stride(st).padding(pad)).ptr();
    return nn::AvgPool1d(nn::AvgPool1dOptions(k).stride(st).padding(pad)).ptr();
  }
  if (type == "adaptive_avgpool2d") {
    floating();
    need_rank(3, "an image [C, H, W]");
    const int64_t o = s.integer("out", 1, 1, 4096);
    return nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(o)).ptr();
  }
  if (type == "batchnorm2d" || type == "batchnorm1d") {
    floating();
    if (type == "batchnorm2d") need_rank(3, "an image [C, H, W]");
    else DESCENT_CONFIG_CHECK(in.size() == 1 || in.size() == 2, s.path(), " (batchnorm1d): needs [features] or [C, L] input, got ",
                              shape_str(in));
    auto o = nn::BatchNormOptions(in[0]).eps(s.number("eps", 1e-5, 0, 1)).momentum(s.number("momentum", 0.1, 0, 1));
    if (type == "batchnorm2d") return nn::BatchNorm2d(o).ptr();
    return nn::BatchNorm1d(o).ptr();
  }
  if (type == "layernorm") {
    floating();
    DESCENT_CONFIG_CHECK(!in.empty(), s.path(), " (layernorm): needs at least one dimension");
    return nn::LayerNorm(nn::LayerNormOptions({in.back()}).eps(s.number("eps", 1e-5, 0, 1))).ptr();
  }
  if (type == "groupnorm") {
    floating();
    DESCENT_CONFIG_CHECK(in.size() >= 2, s.path(), " (groupnorm): needs [C, ...] input, got ", shape_str(in));
    const int64_t g = s.integer("groups", 1, 1, 1 << 20);
    DESCENT_CONFIG_CHECK(in[0] % g == 0, s.path(), " (groupnorm): groups = ", g, " must divide the channels (", in[0], ")");
    return nn::GroupNorm(g, in[0]).ptr();
  }
  if (type == "dropout" || type == "dropout2d") {
    const double p = s.number("p", 0.5, 0.0, 1.0);
    if (type == "dropout2d") return nn::Dropout2d(nn::DropoutOptions(p)).ptr();
    return nn::Dropout(nn::DropoutOptions(p)).ptr();
  }
  if (type == "flatten") return nn::Flatten().ptr();
  if (type == "embedding" || type == "embedding_bag") {
    DESCENT_CONFIG_CHECK(dtype == kInt64 && bundle.vocab_size > 0, s.path(), " (", type,
                         "): needs token indices (data.kind text_csv or text_folder)");
    const int64_t dim = s.integer("dim", 64, 1, 1 << 16);
    if (type == "embedding") return nn::Embedding(nn::EmbeddingOptions(bundle.vocab_size, dim).padding_idx(data::Vocab::kPadIndex)).ptr();
    const std::string mode = s.choice("mode", "mean", {"mean", "sum"});
    auto o = nn::EmbeddingBagOptions(bundle.vocab_size, dim).padding_idx(data::Vocab::kPadIndex);
    o.mode(mode == "mean" ? nn::functional::EmbeddingBagMode::Mean : nn::functional::EmbeddingBagMode::Sum);
    return nn::EmbeddingBag(o).ptr();
  }
  if (type == "leaky_relu") return nn::LeakyReLU(nn::LeakyReLUOptions(s.number("negative_slope", 0.01))).ptr();
  if (type == "elu") return nn::ELU(nn::ELUOptions(s.number("alpha", 1.0))).ptr();
  if (type == "relu") return nn::ReLU().ptr();
  if (type == "relu6") return nn::ReLU6().ptr();
  if (type == "selu") return nn::SELU().ptr();
  if (type == "gelu") return nn::GELU().ptr();
  if (type == "silu") return nn::SiLU().ptr();
  if (type == "mish") return nn::Mish().ptr();
  if (type == "sigmoid") return nn::Sigmoid().ptr();
  if (type == "tanh") return nn::Tanh().ptr();
  if (type == "softplus") return nn::Softplus().ptr();
  if (type == "hardswish") return nn::Hardswish().ptr();
  DESCENT_CONFIG_FAIL(s.path(), ".type: unknown '", type, "'; one of ", join(layer_types()));
}

std::shared_ptr<nn::Module> build_layers(const ModelSettings& m, const DataBundle& bundle) {
  DESCENT_CONFIG_CHECK(!m.layers.empty(), "model.layers: empty; list at least one layer");
  nn::Sequential seq;
  Shape shape = bundle.input_shape;
  DType dtype = bundle.input_dtype;
  toml::array layers = m.layers;
  for (size_t i = 0; i < layers.size(); ++i) {
    toml::table& t = *layers.get(i)->as_table();
    Section s(t, "model.layers[" + std::to_string(i) + "]");
    const std::string type = s.choice("type", "", layer_types());
    auto layer = make_layer(s, type, shape, dtype, bundle, i + 1 == layers.size());
    s.finish();
    try {
      shape = probe(*layer, shape, dtype);
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {
      DESCENT_CONFIG_FAIL(s.path(), " (", type, "): does not fit its input of per-example shape ", shape_str(shape), ": ",
                          e.message());
    }
    dtype = kFloat32;
    seq->push_back(layer);
  }
  Shape want = bundle.num_outputs == 1 && bundle.num_classes == 0 ? Shape{1} : Shape{bundle.num_outputs};
  DESCENT_CONFIG_CHECK(shape == want || (bundle.num_outputs == 1 && shape.empty()), "model.layers: the last layer gives ",
                       "per-example shape ", shape_str(shape), " but the task needs ", shape_str(want),
                       bundle.num_classes ? " (one logit per class)" : "",
                       "; end with { type = \"linear\" } (its out defaults to the task's size)");
  return seq.ptr();
}

}  // namespace

const std::vector<std::string>& layer_types() {
  static const std::vector<std::string> types = {
      "linear",      "conv1d",        "conv2d",     "maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d",
      "adaptive_avgpool2d", "batchnorm1d", "batchnorm2d", "layernorm", "groupnorm", "dropout",   "dropout2d",
      "flatten",     "embedding",     "embedding_bag", "relu",    "relu6",     "leaky_relu", "elu",
      "selu",        "gelu",          "silu",       "mish",      "sigmoid",   "tanh",      "softplus", "hardswish"};
  return types;
}

std::shared_ptr<nn::Module> build_builtin(ModelSettings& m, const DataBundle& bundle);

std::shared_ptr<nn::Module> build_model(ModelSettings& m, const DataBundle& bundle) {
  if (!m.builtin.empty()) return build_builtin(m, bundle);
  return build_layers(m, bundle);
}

}  // namespace descent::cli
