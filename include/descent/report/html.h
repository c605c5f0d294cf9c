// A self-contained HTML report (report.html): inline CSS, inline SVG charts and data URIs only, so it
// opens offline and can be mailed as one file. Content is appended in order: a title, an optional
// summary table, then sections holding charts, tables and paragraphs.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace descent::report {

/// Builds report.html; every text argument is plain text (escaped), every svg argument a complete
/// <svg> element from svg.h (inserted as is).
class HtmlReport {
 public:
  /// A report titled `title` (the page title and the top heading).
  explicit HtmlReport(std::string title);

  /// A line under the title (e.g. the run directory and date).
  HtmlReport& subtitle(const std::string& text);
  /// The summary table right under the title: one (name, value) row each (final metrics, timings, versions).
  HtmlReport& summary(const std::vector<std::pair<std::string, std::string>>& rows);
  /// Starts a new section with a heading; what follows goes into it.
  HtmlReport& section(const std::string& heading);
  /// A paragraph of text.
  HtmlReport& paragraph(const std::string& text);
  /// A chart (an <svg> element) with an optional caption.
  HtmlReport& svg(const std::string& svg, const std::string& caption = "");
  /// A table with a header row; every row must have as many cells as the header.
  HtmlReport& table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                    const std::string& caption = "");

  /// Number of sections so far.
  size_t section_count() const { return sections_.size(); }
  /// The whole document.
  std::string render() const;
  /// Writes render() to path atomically (a temp file, then rename): readers never see half a report.
  void write(const std::string& path) const;

 private:
  struct Section {
    std::string heading;
    std::string body;
  };
  std::string& body();

  std::string title_;
  std::string subtitle_;
  std::string summary_;
  std::string preamble_;  // content added before the first section
  std::vector<Section> sections_;
};

}  // namespace descent::report
