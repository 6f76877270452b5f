// Token file handling: random bytes from getrandom(2), written with O_EXCL at mode 0600 so
// the token is never readable by others, not even for an instant.
#include "http/token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "util/random_secret.h"

namespace prospectd::http {
namespace {

constexpr std::size_t kTokenBytes = 32;

std::string read_token(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string token;
  if (!in || !std::getline(in, token)) throw std::runtime_error("cannot read the HTTP token " + file.string());
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < 16) throw std::runtime_error("the HTTP token " + file.string() + " is empty or too short");
  return token;
}

// Writes a new token; false if another process created the file first (then read theirs).
bool create_token_file(const std::filesystem::path& file, const std::string& token) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    throw std::runtime_error("cannot create the HTTP token " + file.string() + ": " + std::strerror(errno));
  }
  const std::string line = token + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) {
    std::filesystem::remove(file);
    throw std::runtime_error("cannot write the HTTP token " + file.string());
  }
  return true;
}

}  // namespace

std::string load_or_create_http_token(const std::filesystem::path& data_dir) {
  std::error_code error;
  if (!std::filesystem::exists(data_dir, error)) {
    std::filesystem::create_directories(data_dir, error);
    if (error) throw std::runtime_error("cannot create " + data_dir.string() + ": " + error.message());
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all, error);
  }
  const std::filesystem::path file = data_dir / "http-token";
  if (!std::filesystem::exists(file, error)) {
    const std::string token = util::random_hex(kTokenBytes);
    if (create_token_file(file, token)) return token;
  }
  struct stat info {};
  if (::stat(file.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::chmod(file.c_str(), S_IRUSR | S_IWUSR);
  }
  return read_token(file);
}

std::string read_http_token(const std::filesystem::path& data_dir) {
  const std::filesystem::path file = data_dir / "http-token";
  std::error_code error;
  if (!std::filesystem::exists(file, error)) {
    throw std::runtime_error("there is no HTTP token " + file.string() +
                             " yet: it is made when the daemon first starts (`prospectd run`)");
  }
  return read_token(file);
}

bool token_matches(std::string_view presented, std::string_view expected) {
  // Every byte of the expected token is looked at whatever the presented one holds.
  unsigned char difference = presented.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char have = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    difference |= static_cast<unsigned char>(have ^ static_cast<unsigned char>(expected[i]));
  }
  return difference == 0;
}

}  // namespace prospectd::http
