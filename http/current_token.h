// The daemon's copy of data_dir/http-token, followed while it runs: a token file replaced (or
// removed, and so made anew) is the token from the next request on, under a new generation that
// ends the browser sessions signed in before. Owned by HttpServer; thread-safe (one mutex).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace prospectd::http {

class CurrentHttpToken {
 public:
  struct Snapshot {
    std::shared_ptr<const std::string> token;  // never null
    std::uint64_t generation = 0;              // changes whenever the token does
  };

  // Reads or creates data_dir/http-token (load_or_create_http_token; throws like it).
  explicit CurrentHttpToken(std::filesystem::path data_dir);

  // The token now. One stat(2): the file is read again only when it changed on disk; a file that
  // cannot be read keeps the previous token (logged once). Never logs the token.
  Snapshot current();

 private:
  struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec modified{};
    bool operator==(const FileIdentity& other) const;
  };
  static bool identify(const std::filesystem::path& file, FileIdentity& identity);
  void reload();  // REQUIRES: mutex_ held

  const std::filesystem::path data_dir_;
  const std::filesystem::path file_;
  std::mutex mutex_;  // guards the members below
  FileIdentity identity_;
  bool identified_ = false;
  std::shared_ptr<const std::string> token_;
  std::uint64_t generation_ = 1;
  std::string last_warning_;  // why the file could not be read, said once
};

}  // namespace prospectd::http
