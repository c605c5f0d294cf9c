#include "descent/data/datasets/class_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "descent/core/error.h"

namespace descent::data {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

ClassFolderIndex scan_class_folders(const std::string& root, const std::vector<std::string>& extensions,
                                    const char* what, bool allow_empty) {
  DESCENT_CHECK(!extensions.empty(), what, ": no file extensions given");
  std::vector<std::string> exts;
  for (const std::string& e : extensions) {
    DESCENT_CHECK(!e.empty() && e != ".", what, ": empty file extension in the list");
    exts.push_back(lower(e[0] == '.' ? e : "." + e));
  }
  std::error_code ec;
  DESCENT_CHECK(fs::exists(root, ec), what, ": ", root, ": no such folder");
  DESCENT_CHECK(fs::is_directory(root, ec), what, ": ", root, ": not a folder");
  ClassFolderIndex index;
  fs::directory_iterator it(root, ec), end;
  DESCENT_CHECK(!ec, what, ": ", root, ": cannot list: ", ec.message());
  for (; it != end; it.increment(ec)) {
    DESCENT_CHECK(!ec, what, ": ", root, ": cannot list: ", ec.message());
    std::error_code ec2;
    if (it->is_directory(ec2)) index.classes.push_back(it->path().filename().string());
  }
  DESCENT_CHECK(!ec, what, ": ", root, ": cannot list: ", ec.message());
  std::sort(index.classes.begin(), index.classes.end());
  DESCENT_CHECK(!index.classes.empty(), what, ": ", root,
                ": no class folders (expected one subfolder per class, e.g. ", root, "/cat/001.png)");
  std::vector<std::string> empty_classes;
  for (size_t c = 0; c < index.classes.size(); ++c) {
    const fs::path dir = fs::path(root) / index.classes[c];
    std::vector<std::string> kept;
    fs::recursive_directory_iterator rit(dir, fs::directory_options::skip_permission_denied, ec), rend;
    DESCENT_CHECK(!ec, what, ": ", dir.string(), ": cannot list: ", ec.message());
    for (; rit != rend; rit.increment(ec)) {
      DESCENT_CHECK(!ec, what, ": ", dir.string(), ": cannot list: ", ec.message());
      std::error_code ec2;
      if (!rit->is_regular_file(ec2)) continue;
      const fs::path& p = rit->path();
      const std::string name = p.filename().string();
      const std::string ext = lower(p.extension().string());
      const bool wanted = !name.empty() && name[0] != '.' && std::find(exts.begin(), exts.end(), ext) != exts.end();
      if (wanted) kept.push_back(p.string());
      else index.skipped.push_back(p.string());
    }
    DESCENT_CHECK(!ec, what, ": ", dir.string(), ": cannot list: ", ec.message());
    std::sort(kept.begin(), kept.end());
    if (kept.empty()) empty_classes.push_back(index.classes[c]);
    for (std::string& p : kept) {
      index.paths.push_back(std::move(p));
      index.labels.push_back(int64_t(c));
    }
  }
  std::sort(index.skipped.begin(), index.skipped.end());
  std::string wanted_list;
  for (const std::string& e : exts) wanted_list += (wanted_list.empty() ? "" : ", ") + e;
  DESCENT_CHECK(!index.paths.empty(), what, ": ", root, ": no files with extensions ", wanted_list, " in its ",
                index.classes.size(), " class folders (", index.skipped.size(), " other files skipped)");
  if (!allow_empty && !empty_classes.empty()) {
    std::string list;
    for (const std::string& c : empty_classes) list += (list.empty() ? "" : ", ") + c;
    DESCENT_FAIL(what, ": ", root, ": class folder(s) ", list, " hold no files with extensions ", wanted_list,
                 " (set allow_empty to keep empty classes)");
  }
  return index;
}

ClassFolderDataset::ClassFolderDataset(const std::string& root, const std::vector<std::string>& extensions,
                                       const char* what, bool allow_empty)
    : root_(root), what_(what), index_(scan_class_folders(root, extensions, what, allow_empty)) {}

int64_t ClassFolderDataset::class_index(const std::string& name) const {
  for (size_t i = 0; i < index_.classes.size(); ++i)
    if (index_.classes[i] == name) return int64_t(i);
  std::string list;
  for (const std::string& c : index_.classes) list += (list.empty() ? "" : ", ") + c;
  DESCENT_FAIL(what_, ": ", root_, ": no class '", name, "' (classes: ", list, ")");
}

}  // namespace descent::data
