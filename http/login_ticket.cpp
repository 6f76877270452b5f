// Ticket files: "expires_at=<unix seconds>\n", named by the keyed hash so a ticket is found without a
// scan and the directory listing gives no ticket away; consumed by unlink(2), which succeeds once.
#include "http/login_ticket.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "util/keyed_hash.h"
#include "util/random_secret.h"

namespace prospectd::http {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kTicketBytes = 32;
constexpr std::string_view kExpiryKey = "expires_at=";
constexpr std::string_view kPartialPrefix = ".partial-";

fs::path ticket_dir(const fs::path& data_dir) { return data_dir / "login-tickets"; }

// The expiry a ticket file holds; nullopt when it cannot be read or holds something else.
std::optional<std::time_t> read_expiry(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::array<char, 64> buffer{};
  const ssize_t got = ::read(fd, buffer.data(), buffer.size());
  ::close(fd);
  if (got <= 0) return std::nullopt;
  std::string_view text(buffer.data(), static_cast<std::size_t>(got));
  if (!text.starts_with(kExpiryKey) || !text.ends_with('\n')) return std::nullopt;
  text.remove_prefix(kExpiryKey.size());
  text.remove_suffix(1);
  std::time_t expiry = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), expiry);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return expiry;
}

// Removes the ticket files whose time is up (and unreadable or half-written ones once they are
// older than a ticket's lifetime), so unused links leave nothing behind for long.
void remove_expired(const fs::path& dir, std::time_t now) {
  std::error_code error;
  for (fs::directory_iterator entry(dir, error), end; !error && entry != end; entry.increment(error)) {
    const fs::path file = entry->path();
    const auto expiry = read_expiry(file);
    if (expiry) {
      if (now >= *expiry) ::unlink(file.c_str());
      continue;
    }
    struct stat info {};
    if (::lstat(file.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        now - info.st_mtim.tv_sec > kLoginTicketLifetime.count()) {
      ::unlink(file.c_str());
    }
  }
}

void make_private_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throw std::runtime_error("cannot create " + dir.string() + ": " + std::strerror(errno));
  }
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    throw std::runtime_error(dir.string() + " is not a directory");
  }
  if ((info.st_mode & 077) != 0) ::chmod(dir.c_str(), 0700);
}

void write_whole(const fs::path& file, const std::string& content) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + file.string() + ": " + std::strerror(errno));
  const bool written = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  const int saved_errno = errno;
  ::close(fd);
  if (!written) {
    ::unlink(file.c_str());
    throw std::runtime_error("cannot write " + file.string() + ": " + std::strerror(saved_errno));
  }
}

}  // namespace

std::string issue_login_ticket(const fs::path& data_dir, std::string_view http_token, std::time_t now) {
  const fs::path dir = ticket_dir(data_dir);
  make_private_dir(dir);
  remove_expired(dir, now);
  const std::string ticket = util::random_hex(kTicketBytes);
  const fs::path file = dir / util::hmac_sha256_hex(http_token, ticket);
  const fs::path partial = dir / (std::string(kPartialPrefix) + util::random_hex(8));
  write_whole(partial, std::string(kExpiryKey) + std::to_string(now + kLoginTicketLifetime.count()) + "\n");
  if (::rename(partial.c_str(), file.c_str()) != 0) {
    const int saved_errno = errno;
    ::unlink(partial.c_str());
    throw std::runtime_error("cannot write " + file.string() + ": " + std::strerror(saved_errno));
  }
  return ticket;
}

TicketCheck consume_login_ticket(const fs::path& data_dir, std::string_view http_token, std::string_view ticket,
                                 std::time_t now) {
  const fs::path dir = ticket_dir(data_dir);
  if (!util::is_lowercase_hex(ticket, 2 * kTicketBytes)) return TicketCheck::not_valid;
  const fs::path file = dir / util::hmac_sha256_hex(http_token, ticket);
  const auto expiry = read_expiry(file);
  // Whoever removes the file owns the ticket; a concurrent request with the same one finds it gone.
  const bool taken = ::unlink(file.c_str()) == 0;
  remove_expired(dir, now);
  if (!taken || !expiry) return TicketCheck::not_valid;
  if (now >= *expiry) return TicketCheck::expired;
  // Made by someone else than issue_login_ticket, or the clock went back: not ours to honour.
  if (*expiry - now > kLoginTicketLifetime.count()) return TicketCheck::not_valid;
  return TicketCheck::accepted;
}

}  // namespace prospectd::http
