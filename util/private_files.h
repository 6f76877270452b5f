// The rep's data is private (ARCHITECTURE.md "Interfaces"): the data directory 0700 and every
// file in it 0600, whatever the umask. Stateless; any thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace prospectd::util {

// What is wider than private in `dir`: the directory itself (beyond 0700) and the regular
// files directly in it (beyond 0600), as "PATH (mode 0755)". Nothing when `dir` is missing.
std::vector<std::string> wider_than_private(const std::filesystem::path& dir);

// Creates `dir` (and its parents) 0700 when missing; narrows it to 0700 and its files to 0600
// when wider. Returns what it narrowed, as wider_than_private names it. Throws
// std::filesystem::filesystem_error when the directory cannot be created.
std::vector<std::string> make_private(const std::filesystem::path& dir);

}  // namespace prospectd::util
