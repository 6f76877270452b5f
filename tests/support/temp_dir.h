// A fresh directory under the system's temporary directory (TMPDIR), removed with its contents
// when the test ends: the one temporary directory of every unit test. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>

namespace prospectd::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to the file `name` in the directory and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

}  // namespace prospectd::testing
