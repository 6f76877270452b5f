// CurrentHttpToken: the file's identity (device, inode, size, mtime) tells whether it changed, so
// an unchanged file costs one stat(2) per request and a replaced one is read once.
#include "http/current_token.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <stdexcept>

#include "http/token.h"

namespace prospectd::http {

bool CurrentHttpToken::FileIdentity::operator==(const FileIdentity& other) const {
  return device == other.device && inode == other.inode && size == other.size &&
         modified.tv_sec == other.modified.tv_sec && modified.tv_nsec == other.modified.tv_nsec;
}

bool CurrentHttpToken::identify(const std::filesystem::path& file, FileIdentity& identity) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return false;
  identity = {info.st_dev, info.st_ino, info.st_size, info.st_mtim};
  return true;
}

CurrentHttpToken::CurrentHttpToken(std::filesystem::path data_dir)
    : data_dir_(std::move(data_dir)), file_(data_dir_ / "http-token") {
  token_ = std::make_shared<const std::string>(load_or_create_http_token(data_dir_));
  identified_ = identify(file_, identity_);
}

CurrentHttpToken::Snapshot CurrentHttpToken::current() {
  std::lock_guard lock(mutex_);
  FileIdentity now;
  if (!identify(file_, now) || !identified_ || !(now == identity_)) reload();
  return {token_, generation_};
}

void CurrentHttpToken::reload() {
  std::string token;
  try {
    token = load_or_create_http_token(data_dir_);  // a removed file is made anew
  } catch (const std::exception& failure) {
    identified_ = identify(file_, identity_);
    if (last_warning_ != failure.what()) {
      last_warning_ = failure.what();
      spdlog::warn("{}; the HTTP API keeps the token it had", last_warning_);
    }
    return;
  }
  last_warning_.clear();
  identified_ = identify(file_, identity_);
  if (token == *token_) return;
  token_ = std::make_shared<const std::string>(std::move(token));
  ++generation_;
  spdlog::info("{} changed: the old token and browser sessions signed in before no longer work", file_.string());
}

}  // namespace prospectd::http
