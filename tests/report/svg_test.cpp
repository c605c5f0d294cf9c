#include "descent/report/svg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <regex>

#include "descent/core/error.h"
#include "descent/data/formats/image.h"
#include "descent/ops/ops.h"
#include "xml_check.h"

namespace descent::report {
namespace {

using testing::xml_problem;

void expect_well_formed(const std::string& svg) {
  EXPECT_EQ(xml_problem(svg), "") << svg.substr(0, 2000);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
}

size_t count(const std::string& s, const std::string& what) {
  size_t k = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++k;
  return k;
}

const std::string kNasty = "a<b & c>d \"q\" 'x' \x01 \xff caf\xc3\xa9";

TEST(ReportXml, EscapesMarkupAndBadBytes) {
  EXPECT_EQ(xml_escape("a<b & c>d"), "a&lt;b &amp; c&gt;d");
  EXPECT_EQ(xml_escape("\"'"), "&quot;&#39;");
  EXPECT_EQ(xml_escape("x\x01y"), "xy");                    // control characters are not XML
  EXPECT_EQ(xml_escape("caf\xc3\xa9"), "caf\xc3\xa9");      // valid UTF-8 stays
  EXPECT_EQ(xml_escape("\xff"), "\xEF\xBF\xBD");             // invalid bytes become U+FFFD
  EXPECT_EQ(xml_escape("\xc3"), "\xEF\xBF\xBD");             // truncated sequence
  EXPECT_EQ(xml_escape("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

TEST(ReportXml, CheckerCatchesBrokenMarkup) {
  EXPECT_EQ(xml_problem("<svg><g></g></svg>"), "");
  EXPECT_NE(xml_problem("<svg><g></svg>"), "");
  EXPECT_NE(xml_problem("<svg>a < b</svg>"), "");
  EXPECT_NE(xml_problem("<svg>a & b</svg>"), "");
  EXPECT_NE(xml_problem("<svg x=1/>"), "");
  EXPECT_NE(xml_problem("<svg x=\"<\"/>"), "");
  EXPECT_NE(xml_problem("<svg></svg><svg></svg>"), "");
  EXPECT_NE(xml_problem("<svg>"), "");
}

TEST(ReportBase64, KnownVectorsAndRoundTrip) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  std::string all;
  for (int i = 0; i < 256; ++i) all += char(i);
  for (size_t len : {0, 1, 2, 3, 100, 256}) EXPECT_EQ(base64_decode(base64_encode(all.substr(0, len))), all.substr(0, len));
  EXPECT_THROW(base64_decode("abc"), Error);
  EXPECT_THROW(base64_decode("ab!d"), Error);
  EXPECT_THROW(base64_decode("a=bc"), Error);
}

TEST(ReportTicks, NiceLinearTicks) {
  Ticks t = nice_ticks(0, 1, 6);
  EXPECT_DOUBLE_EQ(t.step, 0.2);
  EXPECT_DOUBLE_EQ(t.lo, 0);
  EXPECT_DOUBLE_EQ(t.hi, 1);
  ASSERT_EQ(t.values.size(), 6u);
  EXPECT_DOUBLE_EQ(t.values[3], 0.6000000000000001);

  t = nice_ticks(0.37, 2.41, 6);  // raw step 0.408 -> 0.5
  EXPECT_DOUBLE_EQ(t.step, 0.5);
  EXPECT_DOUBLE_EQ(t.lo, 0);
  EXPECT_DOUBLE_EQ(t.hi, 2.5);
  EXPECT_EQ(t.values.size(), 6u);

  t = nice_ticks(-13, 87, 5);  // raw 25 -> 25 (2.5 x 10)
  EXPECT_DOUBLE_EQ(t.step, 25);
  EXPECT_DOUBLE_EQ(t.lo, -25);
  EXPECT_DOUBLE_EQ(t.hi, 100);

  t = nice_ticks(1, 30, 4);  // epochs 1..30: raw 9.67 -> 10
  EXPECT_DOUBLE_EQ(t.step, 10);
  EXPECT_DOUBLE_EQ(t.lo, 0);
  EXPECT_DOUBLE_EQ(t.hi, 30);

  t = nice_ticks(5, 5, 6);  // a constant gets a range around it
  EXPECT_LT(t.lo, 5);
  EXPECT_GT(t.hi, 5);
  t = nice_ticks(0, 0, 6);
  EXPECT_LT(t.lo, 0);
  EXPECT_GT(t.hi, 0);
  for (double v : t.values) EXPECT_TRUE(std::isfinite(v));

  // Whole-number axes (epochs): never a step below 1, never 2.5.
  t = nice_ticks(1, 3, 6, /*integer=*/true);
  EXPECT_DOUBLE_EQ(t.step, 1);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2, 3}));
  t = nice_ticks(0, 11, 5, true);  // raw 2.75: 5 rather than 2.5
  EXPECT_DOUBLE_EQ(t.step, 5);
  t = nice_ticks(0, 100, 5, true);  // 25 is a whole number
  EXPECT_DOUBLE_EQ(t.step, 25);
  t = nice_ticks(1, 1, 6, true);  // a single epoch
  EXPECT_EQ(t.values, (std::vector<double>{0, 1, 2}));

  EXPECT_THROW(nice_ticks(2, 1), Error);
  EXPECT_THROW(nice_ticks(0, std::numeric_limits<double>::infinity()), Error);
}

TEST(ReportTicks, LogTicks) {
  Ticks t = log_ticks(1e-4, 0.1);
  ASSERT_EQ(t.values.size(), 4u);
  EXPECT_DOUBLE_EQ(t.values[0], 1e-4);
  EXPECT_DOUBLE_EQ(t.values[3], 0.1);

  t = log_ticks(0.3, 2.4);  // within one decade: 1, 2, 5 steps, trimmed to one tick either side
  std::vector<double> want{0.2, 0.5, 1, 2, 5};
  ASSERT_EQ(t.values.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(t.values[i], want[i], 1e-12);
  EXPECT_THROW(log_ticks(0, 1), Error);
}

TEST(ReportTicks, Labels) {
  EXPECT_EQ(format_tick(0.6000000000000001, 0.2), "0.6");
  EXPECT_EQ(format_tick(2.5, 0.5), "2.5");
  EXPECT_EQ(format_tick(0.25, 0.25), "0.25");
  EXPECT_EQ(format_tick(25, 25), "25");
  EXPECT_EQ(format_tick(2.5, 2.5), "2.5");
  EXPECT_EQ(format_tick(30, 10), "30");
  EXPECT_EQ(format_tick(0, 0.1), "0");
  EXPECT_EQ(format_tick(1e-5, 1e-5), "1e-5");
  EXPECT_EQ(format_tick(2e6, 1e6), "2e6");
  EXPECT_EQ(format_tick(-0.0000000000001, 0.1), "0");
}

std::vector<Series> curves() {
  Series train{"train loss", {}, {}}, val{"val <loss> & co", {}, {}};
  for (int e = 1; e <= 12; ++e) {
    train.x.push_back(e);
    train.y.push_back(1.0 / e + 0.1);
    val.x.push_back(e);
    val.y.push_back(1.2 / e + 0.15 + (e > 8 ? 0.01 * (e - 8) : 0));
  }
  return {train, val};
}

TEST(ReportSvg, LineChartIsWellFormedWithLegendAndLabels) {
  ChartOptions o;
  o.title = kNasty;
  o.x_label = "epoch";
  o.y_label = "loss";
  std::string svg = line_chart(curves(), o);
  expect_well_formed(svg);
  EXPECT_EQ(count(svg, "<path "), 2u);
  EXPECT_NE(svg.find("val &lt;loss&gt; &amp; co"), std::string::npos);
  EXPECT_NE(svg.find(">epoch</text>"), std::string::npos);
  EXPECT_NE(svg.find(">loss</text>"), std::string::npos);
  EXPECT_NE(svg.find("caf\xc3\xa9"), std::string::npos);
  // x ticks of epochs 1..12 in the ~400 pixels left by the legend: 0, 5, 10, 15.
  EXPECT_NE(svg.find(">15</text>"), std::string::npos);
  EXPECT_NE(svg.find(">10</text>"), std::string::npos);
  EXPECT_NE(svg.find(">0</text>"), std::string::npos);
}

TEST(ReportSvg, LineChartEpochAxisHasWholeNumberTicks) {
  std::string svg = line_chart({Series{"loss", {1, 2, 3}, {0.9, 0.5, 0.4}}});
  expect_well_formed(svg);
  EXPECT_NE(svg.find(">2</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">1.5</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">2.5</text>"), std::string::npos);
}

TEST(ReportSvg, LineChartLogScaleAndGaps) {
  Series s{"lr", {0, 1, 2, 3, 4}, {1, 0.1, std::nan(""), 0.001, -1}};
  ChartOptions o;
  o.log_y = true;
  std::string svg = line_chart({s}, o);
  expect_well_formed(svg);
  // The NaN breaks the line: two subpaths. The negative value is dropped on a log axis.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("<path d=\"([^\"]*)\"")));
  EXPECT_EQ(count(m[1].str(), "M"), 2u);
  EXPECT_NE(svg.find(">0.001</text>"), std::string::npos);
  EXPECT_NE(svg.find(">1</text>"), std::string::npos);
}

TEST(ReportSvg, EmptyAndMismatchedInput) {
  std::string svg = line_chart({});
  expect_well_formed(svg);
  EXPECT_NE(svg.find("no data"), std::string::npos);
  expect_well_formed(line_chart({Series{"nan", {}, {std::nan(""), std::nan("")}}}));
  EXPECT_THROW(line_chart({Series{"bad", {1, 2}, {1}}}), Error);
  ChartOptions tiny;
  tiny.width = 50;
  EXPECT_THROW(line_chart(curves(), tiny), Error);
}

TEST(ReportSvg, StepChartHoldsValues) {
  Series lr{"lr", {0, 1, 2, 3}, {0.1, 0.1, 0.01, 0.01}};
  std::string svg = step_chart(lr, {});
  expect_well_formed(svg);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("<path d=\"([^\"]*)\"")));
  // Horizontal runs with one vertical drop: no diagonal L segments.
  EXPECT_EQ(count(m[1].str(), "L"), 0u);
  EXPECT_EQ(count(m[1].str(), "V"), 1u);
  EXPECT_EQ(count(m[1].str(), "H"), 3u);
}

TEST(ReportSvg, ConfusionMatrixCellsLabelsAndCounts) {
  std::vector<std::vector<int64_t>> cm{{50, 2, 0}, {3, 41, 7}, {0, 9, 38}};
  std::vector<std::string> names{"T-shirt/top", "Coat & <Jacket>", "Shirt"};
  ChartOptions o;
  o.title = "Confusion matrix";
  std::string svg = confusion_matrix_chart(cm, names, o);
  expect_well_formed(svg);
  EXPECT_EQ(count(svg, "<title>"), 9u);  // one tooltip per cell
  EXPECT_NE(svg.find(">41</text>"), std::string::npos);
  EXPECT_NE(svg.find("Coat &amp; &lt;Jacket&gt;"), std::string::npos);
  EXPECT_NE(svg.find(">predicted</text>"), std::string::npos);
  EXPECT_NE(svg.find(">true</text>"), std::string::npos);
  // The largest count gets the darkest colour, zero the lightest.
  EXPECT_NE(svg.find("fill=\"#08306b\""), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#f7fbff\""), std::string::npos);
  EXPECT_THROW(confusion_matrix_chart({{1, 2}, {3}}, {}), Error);
  EXPECT_THROW(confusion_matrix_chart(cm, {"a", "b"}), Error);
}

TEST(ReportSvg, ConfusionMatrixRowNormalizedColours) {
  // A rare class (row 0: 1 sample, right) and a common one (row 1: half right).
  ChartOptions o;
  o.normalize_rows = true;
  std::string svg = confusion_matrix_chart({{1, 0}, {100, 100}}, {"rare", "common"}, o);
  expect_well_formed(svg);
  // Cell (0, 0) is 100% of its row: the darkest colour; the counts are still written.
  size_t first_cell = svg.find("<rect x=", svg.find("<rect x=") + 1);
  EXPECT_NE(svg.substr(first_cell, 200).find("fill=\"#08306b\""), std::string::npos);
  EXPECT_NE(svg.find(">100</text>"), std::string::npos);
  EXPECT_NE(svg.find(">100%</text>"), std::string::npos);
  // Without normalisation the single sample is nearly white.
  svg = confusion_matrix_chart({{1, 0}, {100, 100}}, {"rare", "common"});
  first_cell = svg.find("<rect x=", svg.find("<rect x=") + 1);
  EXPECT_EQ(svg.substr(first_cell, 200).find("fill=\"#08306b\""), std::string::npos);
}

TEST(ReportSvg, BarChartOneBarPerClassAndSeries) {
  std::vector<std::string> classes{"a", "b", "c", "d"};
  std::vector<Series> s{{"precision", {}, {0.9, 0.8, 0.95, 0.7}}, {"recall", {}, {0.85, 0.9, 0.9, 0.6}}};
  ChartOptions o;
  o.y_min = 0;
  o.y_max = 1;
  std::string svg = bar_chart(classes, s, o);
  expect_well_formed(svg);
  EXPECT_EQ(count(svg, "<title>"), 8u);
  EXPECT_NE(svg.find(">1</text>"), std::string::npos);  // the fixed axis top
  EXPECT_THROW(bar_chart(classes, {{"short", {}, {1, 2}}}), Error);
}

TEST(ReportSvg, ScatterWithIdentityLineAndClusters) {
  std::vector<double> x, y;
  for (int i = 0; i < 50; ++i) {
    x.push_back(i * 0.1);
    y.push_back(i * 0.1 + std::sin(i) * 0.2);
  }
  ChartOptions o;
  o.identity_line = true;
  o.x_label = "true";
  o.y_label = "predicted";
  std::string svg = scatter_plot(x, y, o);
  expect_well_formed(svg);
  EXPECT_EQ(count(svg, "<circle "), 50u);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  EXPECT_NE(svg.find("y = x"), std::string::npos);

  std::vector<int64_t> g(50);
  for (int i = 0; i < 50; ++i) g[size_t(i)] = i % 3;
  svg = cluster_scatter(x, y, g, {"zero", "one"});
  expect_well_formed(svg);
  EXPECT_EQ(count(svg, "<circle "), 53u);  // 50 points + 3 legend dots
  EXPECT_NE(svg.find(">one</text>"), std::string::npos);
  EXPECT_NE(svg.find(">2</text>"), std::string::npos);  // unnamed group
  EXPECT_NE(svg.find(series_color(2)), std::string::npos);
  EXPECT_THROW(scatter_plot({1, 2}, {1}), Error);
  EXPECT_THROW(cluster_scatter({1}, {1}, {-1}), Error);
}

// Every data:image/png URI in svg, decoded.
std::vector<std::string> embedded_pngs(const std::string& svg) {
  std::vector<std::string> out;
  const std::string key = "href=\"data:image/png;base64,";
  for (size_t p = svg.find(key); p != std::string::npos; p = svg.find(key, p + 1)) {
    size_t b = p + key.size(), e = svg.find('"', b);
    out.push_back(base64_decode(svg.substr(b, e - b)));
  }
  return out;
}

TEST(ReportSvg, ImageGridEmbedsPngsOfTheRightSize) {
  // uint8 [N, H, W]: 5 gray 28x20 images.
  Tensor imgs = randint(0, 256, {5, 28, 20}, TensorOptions().dtype(kInt64)).to(kUInt8);
  std::vector<std::string> caps{"pred: Coat / true: Shirt", "pred: Bag / true: Bag", "c", "d", "e <&>"};
  ImageGridOptions o;
  o.columns = 3;
  o.title = "Test samples";
  std::string svg = image_grid(imgs, caps, o, {true, false, false, false, false});
  expect_well_formed(svg);
  auto pngs = embedded_pngs(svg);
  ASSERT_EQ(pngs.size(), 5u);
  for (size_t i = 0; i < pngs.size(); ++i) {
    Tensor d = data::decode_png(pngs[i].data(), pngs[i].size());
    ASSERT_EQ(d.dim(), 3);
    EXPECT_EQ(d.size(0), 28);
    EXPECT_EQ(d.size(1), 20);
    EXPECT_EQ(d.size(2), 1);
    // Exactly the pixels of image i.
    EXPECT_EQ(d.reshape({28, 20}).to_vector<uint8_t>(), imgs[int64_t(i)].contiguous().to_vector<uint8_t>());
  }
  // Long captions wrap at a space onto a second line.
  EXPECT_NE(svg.find(">pred: Coat /</text>"), std::string::npos);
  EXPECT_NE(svg.find(">true: Shirt</text>"), std::string::npos);
  EXPECT_NE(svg.find("e &lt;&amp;&gt;"), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#d62728\">pred: Coat /<"), std::string::npos);  // highlighted caption
  // 28 rows scale by 3 to 84 pixels.
  EXPECT_NE(svg.find("width=\"60\" height=\"84\""), std::string::npos);

  // Float RGB [N, C, H, W] in [0, 1].
  Tensor rgb = rand({2, 3, 8, 6});
  pngs = embedded_pngs(image_grid(rgb, {}));
  ASSERT_EQ(pngs.size(), 2u);
  Tensor d = data::decode_png(pngs[1].data(), pngs[1].size());
  EXPECT_EQ(d.size(0), 8);
  EXPECT_EQ(d.size(1), 6);
  EXPECT_EQ(d.size(2), 3);
  float want = rgb.at<float>({1, 2, 3, 4});
  EXPECT_NEAR(double(d.at<uint8_t>({3, 4, 2})), std::round(want * 255), 1.0);

  EXPECT_THROW(image_grid(imgs, {"only one"}), Error);
  EXPECT_THROW(image_grid(rand({2, 4, 3, 3}), {}), Error);  // 4 channels
  EXPECT_THROW(image_grid(rand({3, 3}), {}), Error);
}

TEST(ReportSvg, FloatImagesOutsideUnitRangeAreRescaled) {
  Tensor img = from_vector<float>({-1, 0, 1, 3}, {2, 2});
  std::string png = image_png(img);
  Tensor d = data::decode_png(png.data(), png.size());
  EXPECT_EQ(d.reshape({4}).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 64, 128, 255}));
}

TEST(ReportSvg, ArbitraryBytesInLabelsStayWellFormed) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 40);
  auto junk = [&] {
    std::string s;
    for (int i = len(rng); i > 0; --i) s += char(byte(rng));
    return s;
  };
  for (int round = 0; round < 20; ++round) {
    ChartOptions o;
    o.title = junk();
    o.x_label = junk();
    o.y_label = junk();
    expect_well_formed(line_chart({Series{junk(), {}, {1, 2, 3}}, Series{junk(), {}, {3, 2, 1}}}, o));
    expect_well_formed(confusion_matrix_chart({{1, 2}, {3, 4}}, {junk(), junk()}, o));
    expect_well_formed(bar_chart({junk(), junk()}, {Series{junk(), {}, {0.5, 0.7}}}, o));
    expect_well_formed(cluster_scatter({1, 2}, {2, 1}, {0, 1}, {junk(), junk()}, o));
    ImageGridOptions g;
    g.title = junk();
    expect_well_formed(image_grid(zeros({2, 4, 4}), {junk(), junk()}, g));
  }
}

TEST(ReportSvg, SameInputSameBytes) {
  auto all = [] {
    ChartOptions o;
    o.title = "t";
    std::string s = line_chart(curves(), o);
    s += step_chart(Series{"lr", {}, {0.1, 0.05, 0.01}}, o);
    s += confusion_matrix_chart({{3, 1}, {0, 4}}, {"x", "y"}, o);
    s += bar_chart({"x", "y"}, {{"p", {}, {0.5, 0.25}}}, o);
    s += scatter_plot({1, 2, 3}, {1.1, 1.9, 3.2}, o);
    std::vector<uint8_t> px(2 * 5 * 5);
    for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t(i * 7);
    s += image_grid(from_vector<uint8_t>(px, {2, 5, 5}), {"a", "b"});
    return s;
  };
  std::string a = all(), b = all();
  EXPECT_EQ(a, b);
  EXPECT_EQ(std::hash<std::string>{}(a), std::hash<std::string>{}(b));
}

}  // namespace
}  // namespace descent::report
