// The bearer token that authorises the HTTP API (ARCHITECTURE.md "Interfaces"): 32 random bytes as
// hex, kept in data_dir/http-token (0600), created at first start. Pure functions over files; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace prospectd::http {

// Reads data_dir/http-token, or creates it (and data_dir, 0700) with a new random token.
// A token file readable by others is tightened to 0600. Throws std::runtime_error naming the
// file when it cannot be read or written, or holds no token. The token is never logged.
std::string load_or_create_http_token(const std::filesystem::path& data_dir);

// Reads an existing data_dir/http-token and never creates one (the CLI signs in to a running
// daemon with it). Throws std::runtime_error naming the file when it is missing or unreadable.
std::string read_http_token(const std::filesystem::path& data_dir);

// Compares a presented token with the real one in time independent of where they differ.
bool token_matches(std::string_view presented, std::string_view expected);

}  // namespace prospectd::http
