#include "descent/report/html.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <unistd.h>

#include "descent/core/error.h"
#include "descent/ops/ops.h"
#include "descent/report/svg.h"
#include "xml_check.h"

namespace descent::report {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

HtmlReport sample_report() {
  HtmlReport r("Run <fashion_cnn> & friends");
  r.subtitle("runs/2026-11-27");
  r.summary({{"test accuracy", "0.9213"}, {"epochs", "12"}, {"train time", "241.5 s"}, {"descent", "0.1.0"}});
  r.section("Training curves");
  r.svg(line_chart({Series{"train", {}, {1, 0.5, 0.3}}, Series{"val", {}, {1.1, 0.6, 0.45}}}), "loss per epoch");
  r.section("Learning rate");
  r.svg(step_chart(Series{"lr", {}, {0.1, 0.1, 0.01}}));
  r.section("Per-class metrics");
  r.table({"class", "precision", "recall"}, {{"Coat", "0.91", "0.88"}, {"Shirt <x>", "0.72", "0.70"}});
  r.paragraph("Five & more.");
  r.section("Samples");
  std::vector<uint8_t> px(3 * 4 * 4, 200);
  r.svg(image_grid(from_vector<uint8_t>(px, {3, 4, 4}), {"a", "b", "c"}));
  return r;
}

TEST(ReportHtml, ContainsSectionsInOrder) {
  HtmlReport r = sample_report();
  EXPECT_EQ(r.section_count(), 4u);
  std::string html = r.render();
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  size_t prev = 0;
  for (const char* h : {"<h1>Run &lt;fashion_cnn&gt; &amp; friends</h1>", "<h2>Training curves</h2>",
                        "<h2>Learning rate</h2>", "<h2>Per-class metrics</h2>", "<h2>Samples</h2>"}) {
    size_t p = html.find(h);
    ASSERT_NE(p, std::string::npos) << h;
    EXPECT_GT(p, prev) << h;
    prev = p;
  }
  EXPECT_NE(html.find("<figcaption>loss per epoch</figcaption>"), std::string::npos);
  EXPECT_NE(html.find("<td>Shirt &lt;x&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">0.9213</td>"), std::string::npos);
  EXPECT_NE(html.find("<p>Five &amp; more.</p>"), std::string::npos);
  // The summary comes before the first section.
  EXPECT_LT(html.find("test accuracy"), html.find("<h2>"));
  // Written as XHTML-compatible markup: well formed with the doctype allowed.
  EXPECT_EQ(testing::xml_problem(html, /*allow_doctype=*/true), "");
}

TEST(ReportHtml, SelfContainedNoExternalReferences) {
  std::string html = sample_report().render();
  // The only URL allowed is the SVG namespace, which browsers never fetch.
  std::string stripped = std::regex_replace(html, std::regex("xmlns=\"http://www\\.w3\\.org/2000/svg\""), "");
  EXPECT_EQ(stripped.find("http://"), std::string::npos);
  EXPECT_EQ(stripped.find("https://"), std::string::npos);
  EXPECT_EQ(stripped.find("//"), std::string::npos);  // no protocol-relative URLs either
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  // Every src/href is a data: URI.
  std::regex ref("(src|href)=\"([^\"]*)\"");
  size_t refs = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), ref), end; it != end; ++it, ++refs)
    EXPECT_EQ((*it)[2].str().rfind("data:", 0), 0u) << (*it)[2].str().substr(0, 40);
  EXPECT_EQ(refs, 3u);  // the three grid images
}

TEST(ReportHtml, Deterministic) { EXPECT_EQ(sample_report().render(), sample_report().render()); }

TEST(ReportHtml, RejectsBadInput) {
  HtmlReport r("x");
  EXPECT_THROW(r.svg("<div></div>"), Error);
  EXPECT_THROW(r.table({"a", "b"}, {{"1"}}), Error);
  // Content before any section goes right under the summary.
  r.paragraph("intro");
  EXPECT_NE(r.render().find("<p>intro</p>"), std::string::npos);
}

TEST(ReportHtml, WritesAtomically) {
  fs::path dir = fs::temp_directory_path() / ("descent_report_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path out = dir / "report.html";
  {
    std::ofstream old(out);
    old << "old contents";
  }
  HtmlReport r = sample_report();
  r.write(out.string());
  EXPECT_EQ(read_file(out), r.render());
  // No temp file left behind: the report is the only file.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);
  // A missing directory is an error, and no partial file appears.
  EXPECT_THROW(r.write((dir / "missing" / "report.html").string()), Error);
  EXPECT_FALSE(fs::exists(dir / "missing"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace descent::report
