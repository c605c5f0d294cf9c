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

using LayerPtr = std::shared_ptr<nn::Module>;

LayerPtr make_conv(const LayerContext& c, bool two) {
  c.need_spatial(two);
  Section& s = c.s;
  const int64_t out = s.integer("out", 0, 1, 1 << 20), k = s.integer("kernel", 3, 1, 1024),
                st = s.integer("stride", 1, 1, 1024), pad = s.integer("padding", 0, 0, 1024),
                dil = s.integer("dilation", 1, 1, 1024), groups = s.integer("groups", 1, 1, 1 << 20);
  const bool bias = s.boolean("bias", true);
  DESCENT_CONFIG_CHECK(c.in[0] % groups == 0 && out % groups == 0, s.path(), " (", c.type, "): groups = ", groups,
                       " must divide the input channels (", c.in[0], ") and out (", out, ")");
  if (two) return nn::Conv2d(nn::Conv2dOptions(c.in[0], out, k).stride(st).padding(pad).dilation(dil).groups(groups).bias(bias)).ptr();
  return nn::Conv1d(nn::Conv1dOptions(c.in[0], out, k).stride(st).padding(pad).dilation(dil).groups(groups).bias(bias)).ptr();
}

/// kernel, stride (default: the kernel) and padding of a pooling layer.
template <typename Layer, typename Options>
LayerPtr make_pool(const LayerContext& c, bool two) {
  c.need_spatial(two);
  const int64_t k = c.s.integer("kernel", 2, 1, 1024), st = c.s.integer("stride", k, 1, 1024),
                pad = c.s.integer("padding", 0, 0, 1024);
  return Layer(Options(k).stride(st).padding(pad)).ptr();
}

LayerPtr make_batchnorm(const LayerContext& c, bool two) {
  c.floating();
  if (two) c.need_rank(3, "an image [C, H, W]");
  else DESCENT_CONFIG_CHECK(c.in.size() == 1 || c.in.size() == 2, c.s.path(), " (batchnorm1d): needs [features] or [C, L] input, got ",
                            shape_str(c.in));
  auto o = nn::BatchNormOptions(c.in[0]).eps(c.s.number("eps", 1e-5, 0, 1)).momentum(c.s.number("momentum", 0.1, 0, 1));
  if (two) return nn::BatchNorm2d(o).ptr();
  return nn::BatchNorm1d(o).ptr();
}

LayerPtr make_embedding(const LayerContext& c, bool bag) {
  DESCENT_CONFIG_CHECK(c.dtype == kInt64 && c.bundle.vocab_size > 0, c.s.path(), " (", c.type,
                       "): needs token indices (data.kind text_csv or text_folder)");
  const int64_t dim = c.s.integer("dim", 64, 1, 1 << 16);
  if (!bag) return nn::Embedding(nn::EmbeddingOptions(c.bundle.vocab_size, dim).padding_idx(data::Vocab::kPadIndex)).ptr();
  const std::string mode = c.s.choice("mode", "mean", {"mean", "sum"});
  auto o = nn::EmbeddingBagOptions(c.bundle.vocab_size, dim).padding_idx(data::Vocab::kPadIndex);
  o.mode(mode == "mean" ? nn::functional::EmbeddingBagMode::Mean : nn::functional::EmbeddingBagMode::Sum);
  return nn::EmbeddingBag(o).ptr();
}

std::vector<LayerEntry> layer_entries() {
  std::vector<LayerEntry> e = {
      {"linear", "fully connected: out (default for the last layer: the task's size), bias = true",
       [](const LayerContext& c) -> LayerPtr {
         c.floating();
         c.need_rank(1, "a flat [features]");
         const int64_t out = c.s.integer("out", c.last ? c.bundle.num_outputs : 0, 1, 1 << 24);
         return nn::Linear(nn::LinearOptions(c.in[0], out).bias(c.s.boolean("bias", true))).ptr();
       }},
      {"conv1d", "1-d convolution of [C, L]: out, kernel = 3, stride = 1, padding = 0, dilation = 1, groups = 1, bias = true",
       [](const LayerContext& c) { return make_conv(c, false); }},
      {"conv2d", "2-d convolution of [C, H, W]: out, kernel = 3, stride = 1, padding = 0, dilation = 1, groups = 1, bias = true",
       [](const LayerContext& c) { return make_conv(c, true); }},
      {"maxpool1d", "max pooling of [C, L]: kernel = 2, stride = kernel, padding = 0",
       [](const LayerContext& c) { return make_pool<nn::MaxPool1d, nn::MaxPool1dOptions>(c, false); }},
      {"maxpool2d", "max pooling of [C, H, W]: kernel = 2, stride = kernel, padding = 0",
       [](const LayerContext& c) { return make_pool<nn::MaxPool2d, nn::MaxPool2dOptions>(c, true); }},
      {"avgpool1d", "average pooling of [C, L]: kernel = 2, stride = kernel, padding = 0",
       [](const LayerContext& c) { return make_pool<nn::AvgPool1d, nn::AvgPool1dOptions>(c, false); }},
      {"avgpool2d", "average pooling of [C, H, W]: kernel = 2, stride = kernel, padding = 0",
       [](const LayerContext& c) { return make_pool<nn::AvgPool2d, nn::AvgPool2dOptions>(c, true); }},
      {"adaptive_avgpool2d", "average pooling of [C, H, W] to out x out: out = 1",
       [](const LayerContext& c) -> LayerPtr {
         c.need_spatial(true);
         return nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(c.s.integer("out", 1, 1, 4096))).ptr();
       }},
      {"batchnorm1d", "batch normalisation of [features] or [C, L]: eps = 1e-5, momentum = 0.1",
       [](const LayerContext& c) { return make_batchnorm(c, false); }},
      {"batchnorm2d", "batch normalisation of [C, H, W]: eps = 1e-5, momentum = 0.1",
       [](const LayerContext& c) { return make_batchnorm(c, true); }},
      {"layernorm", "layer normalisation over the last dimension: eps = 1e-5",
       [](const LayerContext& c) -> LayerPtr {
         c.floating();
         DESCENT_CONFIG_CHECK(!c.in.empty(), c.s.path(), " (layernorm): needs at least one dimension");
         return nn::LayerNorm(nn::LayerNormOptions({c.in.back()}).eps(c.s.number("eps", 1e-5, 0, 1))).ptr();
       }},
      {"groupnorm", "group normalisation of [C, ...]: groups = 1",
       [](const LayerContext& c) -> LayerPtr {
         c.floating();
         DESCENT_CONFIG_CHECK(c.in.size() >= 2, c.s.path(), " (groupnorm): needs [C, ...] input, got ", shape_str(c.in));
         const int64_t g = c.s.integer("groups", 1, 1, 1 << 20);
         DESCENT_CONFIG_CHECK(c.in[0] % g == 0, c.s.path(), " (groupnorm): groups = ", g, " must divide the channels (",
                              c.in[0], ")");
         return nn::GroupNorm(g, c.in[0]).ptr();
       }},
      {"dropout", "zeroes elements with probability p while training: p = 0.5",
       [](const LayerContext& c) -> LayerPtr { return nn::Dropout(nn::DropoutOptions(c.s.number("p", 0.5, 0.0, 1.0))).ptr(); }},
      {"dropout2d", "zeroes whole channels with probability p while training: p = 0.5",
       [](const LayerContext& c) -> LayerPtr {
         return nn::Dropout2d(nn::DropoutOptions(c.s.number("p", 0.5, 0.0, 1.0))).ptr();
       }},
      {"flatten", "flattens the example to [features]", [](const LayerContext&) -> LayerPtr { return nn::Flatten().ptr(); }},
      {"embedding", "token vectors [L, dim] from token indices: dim = 64",
       [](const LayerContext& c) { return make_embedding(c, false); }},
      {"embedding_bag", "the mean or sum of the token vectors [dim]: dim = 64, mode = \"mean\" (or \"sum\")",
       [](const LayerContext& c) { return make_embedding(c, true); }},
  };
  // Activations come from nn's table; two of them read a setting.
  for (const std::string& name : nn::activation_names()) {
    if (name == "leaky_relu")
      e.push_back({name, "activation: negative_slope = 0.01", [](const LayerContext& c) -> LayerPtr {
                     return nn::LeakyReLU(nn::LeakyReLUOptions(c.s.number("negative_slope", 0.01))).ptr();
                   }});
    else if (name == "elu")
      e.push_back({name, "activation: alpha = 1.0", [](const LayerContext& c) -> LayerPtr {
                     return nn::ELU(nn::ELUOptions(c.s.number("alpha", 1.0))).ptr();
                   }});
    else
      e.push_back({name, "activation (nn::" + nn::make_activation(name)->type_name() + ")",
                   [](const LayerContext& c) { return nn::make_activation(c.type); }});
  }
  return e;
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
    const std::string type = s.choice("type", "", layer_types().names());
    auto layer = layer_types().at(type, s.key_path("type")).make(LayerContext{s, type, shape, dtype, bundle, i + 1 == layers.size()});
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

void LayerContext::need_rank(size_t rank, const char* what) const {
  DESCENT_CONFIG_CHECK(in.size() == rank, s.path(), " (", type, "): needs ", what, " input, got per-example shape ",
                       shape_str(in), rank == 1 ? "; add { type = \"flatten\" } before it" : "");
}

void LayerContext::floating() const {
  DESCENT_CONFIG_CHECK(dtype != kInt64, s.path(), " (", type, "): the input is token indices (int64); start with ",
                       "{ type = \"embedding\" } or { type = \"embedding_bag\" }");
}

void LayerContext::need_spatial(bool two) const {
  floating();
  need_rank(two ? 3 : 2, two ? "an image [C, H, W]" : "a sequence [C, L]");
}

const Catalog<LayerEntry>& layer_types() {
  static const Catalog<LayerEntry> table("layer", layer_entries());
  return table;
}

std::shared_ptr<nn::Module> build_builtin(ModelSettings& m, const DataBundle& bundle);

namespace {

/// A regression model trained on the standardised target (data.standardize_target): the network
/// learns (y - mean) / std and this wrapper scales its output back, so predictions, metrics and
/// reports are in the target's own units.
class TargetScaleImpl : public nn::Module {
 public:
  TargetScaleImpl(std::shared_ptr<nn::Module> net, double mean, double std)
      : nn::Module("TargetScale"), mean_(mean), std_(std) {
    this->net = register_module("net", std::move(net));
  }
  Tensor forward(const Tensor& x) override { return net->call(x).mul(std_).add(mean_); }
  std::string extra_repr() const override {
    std::ostringstream os;
    os << "mean=" << mean_ << ", std=" << std_;
    return os.str();
  }
  std::shared_ptr<nn::Module> net;

 private:
  double mean_, std_;
};

}  // namespace

std::shared_ptr<nn::Module> build_model(ModelSettings& m, const DataBundle& bundle) {
  auto net = m.builtin.empty() ? build_layers(m, bundle) : build_builtin(m, bundle);
  if (!bundle.pre.target_standardized) return net;
  return std::make_shared<TargetScaleImpl>(net, bundle.pre.target_mean, bundle.pre.target_std);
}

}  // namespace descent::cli
