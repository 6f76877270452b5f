// Modes read with lstat (symlinks are neither followed nor changed) and narrowed with chmod.
#include "util/private_files.h"

#include <sys/stat.h>

#include <cstdio>

namespace prospectd::util {
namespace {

struct WideEntry {
  std::filesystem::path path;
  mode_t mode;
  mode_t allowed;
};

std::string describe(const WideEntry& entry) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(entry.mode & 07777));
  return entry.path.string() + " (mode " + mode + ")";
}

std::vector<WideEntry> wide_entries(const std::filesystem::path& dir) {
  std::vector<WideEntry> wide;
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return wide;
  if ((info.st_mode & 077) != 0) wide.push_back({dir, info.st_mode, 0700});
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (::lstat(entry.path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    if ((info.st_mode & 0177) != 0) wide.push_back({entry.path(), info.st_mode, 0600});
  }
  return wide;
}

}  // namespace

std::vector<std::string> wider_than_private(const std::filesystem::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : wide_entries(dir)) found.push_back(describe(entry));
  return found;
}

std::vector<std::string> make_private(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir)) {
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
    return {};
  }
  std::vector<std::string> narrowed;
  for (const auto& entry : wide_entries(dir)) {
    if (::chmod(entry.path.c_str(), entry.mode & entry.allowed) == 0) narrowed.push_back(describe(entry));
  }
  return narrowed;
}

}  // namespace prospectd::util
