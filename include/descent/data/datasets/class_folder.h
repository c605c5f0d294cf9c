#pragma once
// The "one subfolder per class" layout of torchvision's ImageFolder/DatasetFolder:
//   root/cat/001.png, root/cat/sub/002.png, root/dog/003.jpg, ...
// Class names are the subfolders of root, sorted (byte order), and their index is their position.
// Files under a class folder (searched recursively, directory symlinks not followed) are kept when
// their extension is wanted (case-insensitive) and counted as skipped otherwise; files directly in
// root are ignored.
#include <cstdint>
#include <string>
#include <vector>

#include "descent/data/dataset.h"

namespace descent::data {

/// The files of a class-folder tree.
struct ClassFolderIndex {
  /// Sorted class names; class i is classes[i].
  std::vector<std::string> classes;
  /// Paths of the kept files, grouped by class and sorted within each class.
  std::vector<std::string> paths;
  /// The class index of each path.
  std::vector<int64_t> labels;
  /// Files under class folders that were not kept (other extensions, hidden files).
  std::vector<std::string> skipped;
};

/// Scans root. extensions are like ".png" or "png". Errors (naming root and `what`): root missing or
/// not a folder, no class folders, no kept files at all, or a class without files unless allow_empty.
ClassFolderIndex scan_class_folders(const std::string& root, const std::vector<std::string>& extensions,
                                    const char* what, bool allow_empty = false);

/// The part ImageFolder and AudioFolder share: the scanned tree and its accessors. Subclasses
/// decode files in get().
class ClassFolderDataset : public Dataset {
 public:
  int64_t size() const override { return static_cast<int64_t>(index_.paths.size()); }
  /// Sorted class names.
  const std::vector<std::string>& classes() const { return index_.classes; }
  /// The index of a class name; an error listing the classes when unknown.
  int64_t class_index(const std::string& name) const;
  /// The file of each example.
  const std::vector<std::string>& paths() const { return index_.paths; }
  /// The class index of each example, without decoding (for stratified_split_indices).
  const std::vector<int64_t>& targets() const { return index_.labels; }
  /// Files under the class folders that were not kept (other extensions, hidden files).
  int64_t num_skipped() const { return static_cast<int64_t>(index_.skipped.size()); }
  const std::vector<std::string>& skipped_files() const { return index_.skipped; }
  const std::string& root() const { return root_; }

 protected:
  /// Scans root (see scan_class_folders); `what` ("ImageFolder", ...) prefixes error messages.
  ClassFolderDataset(const std::string& root, const std::vector<std::string>& extensions, const char* what,
                     bool allow_empty);
  std::string root_;
  std::string what_;
  ClassFolderIndex index_;
};

}  // namespace descent::data
