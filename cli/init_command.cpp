// `prospectd init`: writes the commented starter config (the compiled-in example) where the other
// commands look for it, never over an existing file unless asked, and says what to do next.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli/commands.h"
#include "cli/example_config.h"

namespace prospectd::cli {
namespace {

// What the user typed at the prompts; empty means "keep the example's placeholder".
struct StarterAnswers {
  std::string provider;  // "microsoft" | "google": OAuth sign-in instead of url and password
  std::string client_id;
  std::string url;
  std::string username;
};

// A TOML basic string holding `value`.
std::string toml_string(std::string_view value) {
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

// The first line that sets `key` inside table `table` ("accounts" matches [[accounts]]), and
// where its value begins; nullptr if there is none.
std::string* find_setting(std::vector<std::string>& lines, std::string_view table, std::string_view key,
                          std::size_t& value_begin) {
  std::string current;
  for (auto& line : lines) {
    const auto first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    if (line[first] == '[') {
      const auto name_begin = line.find_first_not_of('[', first);
      current = line.substr(name_begin, line.find(']', name_begin) - name_begin);
      continue;
    }
    if (current != table || line.compare(first, key.size(), key) != 0) continue;
    const auto equals = line.find_first_not_of(' ', first + key.size());
    if (equals == std::string::npos || line[equals] != '=') continue;
    value_begin = line.find_first_not_of(' ', equals + 1);
    return &line;
  }
  return nullptr;
}

// Replaces the value of `key` (a string or an array, up to its closing quote or bracket),
// keeping the line's trailing comment. Returns false if no such line was found.
bool replace_value(std::vector<std::string>& lines, std::string_view table, std::string_view key,
                   const std::string& value) {
  std::size_t begin = 0;
  std::string* line = find_setting(lines, table, key, begin);
  if (!line || begin == std::string::npos) return false;
  const auto end = line->find((*line)[begin] == '[' ? ']' : '"', begin + 1);
  if (end == std::string::npos) return false;
  line->replace(begin, end + 1 - begin, value);
  return true;
}

// Replaces the whole line that sets `key` inside `table` with `replacement`.
bool replace_line(std::vector<std::string>& lines, std::string_view table, std::string_view key,
                  const std::string& replacement) {
  std::size_t begin = 0;
  std::string* line = find_setting(lines, table, key, begin);
  if (!line) return false;
  *line = replacement;
  return true;
}

// The example with the user's answers filled in. Throws ConfigError if the example no longer has
// the lines this edits (caught by the test that runs init on a terminal).
std::string customise(std::string_view example, const StarterAnswers& answers) {
  if (answers.url.empty() && answers.username.empty() && answers.provider.empty()) return std::string(example);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < example.size()) {
    const auto end = example.find('\n', start);
    lines.emplace_back(example.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  bool edited = true;
  if (!answers.provider.empty()) {
    // The provider sets the server; prospectd signs in with OAuth instead of a password.
    edited &=
        replace_line(lines, "accounts", "url",
                     "provider = " + toml_string(answers.provider) + "           # sets url, OAuth endpoints, scopes");
    edited &= replace_line(
        lines, "accounts", "password_cmd",
        "client_id = " + toml_string(answers.client_id.empty() ? "YOUR-APP-CLIENT-ID" : answers.client_id) +
            "   # your app registration (README)");
  }
  if (!answers.url.empty()) {
    edited &= replace_value(lines, "accounts", "url", toml_string(answers.url));
  }
  if (!answers.username.empty()) {
    edited &= replace_value(lines, "accounts", "username", toml_string(answers.username));
    // The example's own addresses and colleagues' domains are placeholders; every account's
    // username counts as one of your addresses anyway.
    edited &= replace_value(lines, "identity", "addresses", "[]");
    edited &= replace_value(lines, "identity", "internal_domains", "[]");
  }
  if (!edited) {
    throw config::ConfigError("the built-in example config lacks the lines `prospectd init` fills in");
  }
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

// One answer from the terminal; empty on EOF or a blank line.
std::string ask(const std::string& question, const std::string& placeholder) {
  std::cout << question << " [" << placeholder << "]: " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cout << "\n";
    return "";
  }
  const auto first = answer.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return answer.substr(first, answer.find_last_not_of(" \t\r") + 1 - first);
}

StarterAnswers ask_user() {
  std::cout << "A few questions for the starter config (Enter keeps the example value; edit the\n"
               "file afterwards for the rest).\n";
  StarterAnswers answers;
  for (;;) {
    const std::string provider = ask("Mail provider: microsoft (365, Outlook.com), google, or other", "other");
    if (provider.empty() || provider == "other") break;
    if (provider == "microsoft" || provider == "google") {
      answers.provider = provider;
      answers.client_id = ask("The OAuth client id of your app registration (README explains how)", "later");
      if (answers.client_id == "later" || answers.client_id.find_first_of("\"\\") != std::string::npos) {
        answers.client_id.clear();
      }
      break;
    }
    std::cout << "  microsoft, google or other, please.\n";
  }
  for (;;) {
    if (!answers.provider.empty()) break;
    answers.url = ask("IMAP server URL (imaps://host or imap://host:port)", "imaps://imap.example.com");
    if (answers.url.empty() || answers.url.starts_with("imaps://") || answers.url.starts_with("imap://")) {
      break;
    }
    std::cout << "  The URL starts with imaps:// (TLS, port 993) or imap:// (port 143, STARTTLS).\n";
  }
  for (;;) {
    answers.username = ask("Username (usually your email address)", "rep@acme-sales.com");
    if (answers.username.find_first_of("\"\\") == std::string::npos) break;
    std::cout << "  A username without quotes or backslashes, please.\n";
  }
  return answers;
}

// Writes `text` to `path` with mode 0600: a new file (O_EXCL) unless `replace`, in which case a
// temporary file is renamed over the old one. Returns an error message, empty on success.
std::string write_private_file(const std::filesystem::path& path, const std::string& text, bool replace) {
  const std::filesystem::path target = replace ? std::filesystem::path(path.string() + ".new") : path;
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_EXCL), 0600);
  if (fd < 0) return "cannot create " + target.string() + ": " + std::strerror(errno);
  ::fchmod(fd, 0600);  // O_TRUNC keeps an old temporary file's mode
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(target.c_str());
      return "cannot write " + target.string() + ": " + reason;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return "cannot write " + target.string() + ": " + std::strerror(errno);
  }
  if (replace && ::rename(target.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(target.c_str());
    return "cannot replace " + path.string() + ": " + reason;
  }
  return "";
}

}  // namespace

int run_init_command(const std::filesystem::path& config_path, const InitCommandOptions& options) {
  try {
    const std::filesystem::path path = std::filesystem::absolute(config_path);
    std::error_code error;
    if (std::filesystem::exists(std::filesystem::symlink_status(path, error)) && !options.force) {
      std::fprintf(stderr,
                   "prospectd: %s already exists; not overwriting it (check it with `prospectd doctor`, "
                   "or pass --force to replace it with the starter config)\n",
                   path.c_str());
      return 1;
    }
    const StarterAnswers answers = isatty(STDIN_FILENO) ? ask_user() : StarterAnswers{};
    const std::string text = customise(example_config_text(), answers);
    (void)config::parse_config(text, path);  // never write a file the other commands would reject

    if (path.has_parent_path() && !std::filesystem::is_directory(path.parent_path())) {
      std::filesystem::create_directories(path.parent_path());
      std::filesystem::permissions(path.parent_path(), std::filesystem::perms::owner_all);
    }
    if (const std::string failure = write_private_file(path, text, options.force); !failure.empty()) {
      std::fprintf(stderr, "prospectd: %s\n", failure.c_str());
      return 1;
    }
    const config::Config config = config::load_config(path);

    const bool default_path = path == std::filesystem::absolute(config::default_config_path());
    const std::string prospectd = default_path ? "prospectd" : "prospectd --config " + path.string();
    std::printf("Wrote the starter config %s (mode 0600).\n\nNext steps:\n", path.c_str());
    std::printf(
        "  1. Edit it: your [identity] addresses and colleagues' domains, and for each\n"
        "     [[accounts]] the url, username and where the password comes from\n"
        "     (password_cmd, password_file or password_env). Every key is explained in it.\n");
    if (!config.accounts.empty() && config.accounts.front().auth == "oauth2") {
      std::printf("     Sign in once:          %s auth %s   (add --device on a machine without a browser)\n",
                  prospectd.c_str(), config.accounts.front().name.c_str());
    }
    std::printf("  2. Check it:             %s doctor\n", prospectd.c_str());
    std::printf("  3. Sync once:            %s sync\n", prospectd.c_str());
#ifdef __APPLE__
    std::printf("  4. Run in the background: see com.prospectd.agent.plist (launchd) in prospectd(1).\n");
#else
    std::printf("  4. Run in the background: systemctl --user enable --now prospectd.service\n");
    if (!default_path) {
      std::printf("     (the unit reads %s: `systemctl --user edit prospectd` to pass --config)\n",
                  config::default_config_path().c_str());
    }
#endif
    std::printf("Data will be kept in %s.\n", config.data_dir.c_str());
    return 0;
  } catch (const config::ConfigError& error) {
    std::fprintf(stderr, "prospectd: the starter config does not load: %s\n", error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "prospectd: %s\n", error.what());
    return 1;
  }
}

}  // namespace prospectd::cli
