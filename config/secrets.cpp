// Secrets from a command's standard output (run by /bin/sh), a file's first line, or an
// environment variable. Errors say where the secret was looked for, not what it is.
#include "config/secrets.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace prospectd::config {
namespace {

std::string without_trailing_newline(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::expected<std::string, std::string> run_command(const SecretSource& source) {
  FILE* pipe = popen(source.value.c_str(), "r");
  if (!pipe) return std::unexpected(source.config_key + ": cannot run the command");
  std::string output;
  char buffer[4096];
  std::size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    output.append(buffer, read);
    if (output.size() > 1 << 20) break;
  }
  const int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return std::unexpected(source.config_key + ": the command failed (exit status " +
                           std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  // Only the first line is the secret (as with `pass show`).
  output = output.substr(0, output.find('\n'));
  output = without_trailing_newline(output);
  if (output.empty()) return std::unexpected(source.config_key + ": the command printed nothing");
  return output;
}

}  // namespace

std::expected<std::string, std::string> resolve_optional_secret(const SecretSource& source) {
  if (source.kind == SecretSource::Kind::none) return std::string();
  return resolve_secret(source);
}

std::expected<std::string, std::string> resolve_secret(const SecretSource& source) {
  switch (source.kind) {
    case SecretSource::Kind::none:
      return std::unexpected(std::string("no secret configured"));
    case SecretSource::Kind::command:
      return run_command(source);
    case SecretSource::Kind::file: {
      std::ifstream input(source.value, std::ios::binary);
      if (!input) return std::unexpected(source.config_key + ": cannot read " + source.value);
      std::string line;
      std::getline(input, line);
      line = without_trailing_newline(line);
      if (line.empty()) return std::unexpected(source.config_key + ": " + source.value + " is empty");
      return line;
    }
    case SecretSource::Kind::environment: {
      const char* value = std::getenv(source.value.c_str());
      if (!value || !*value) {
        return std::unexpected(source.config_key + ": the environment variable " + source.value + " is not set");
      }
      return std::string(value);
    }
  }
  return std::unexpected(std::string("unknown secret source"));
}

}  // namespace prospectd::config
