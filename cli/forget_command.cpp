// Canonicalises the address and asks the store to forget it; says what that means.
#include "cli/forget_command.h"

#include <cstdio>
#include <filesystem>

#include "rules/canonical_address.h"
#include "store/store.h"

namespace prospectd::cli {

int run_forget_command(const config::Config& config, const ForgetCommandOptions& options) {
  const std::string email = rules::canonical_address(options.email);
  if (email.empty() || email.find('@') == std::string::npos) {
    std::fprintf(stderr, "prospectd: \"%s\" is not an e-mail address\n", options.email.c_str());
    return 1;
  }
  if (!std::filesystem::exists(config.store_file())) {
    std::fprintf(stderr, "prospectd: %s is not in the store (nothing synced yet)\n", email.c_str());
    return 1;
  }
  store::Store store(config.store_file());
  if (!store.forget(email)) {
    std::fprintf(stderr, "prospectd: %s is not in the store: nothing to forget\n", email.c_str());
    return 1;
  }
  std::printf(
      "forgot %s: the contact, its history and the address in every stored message are erased; "
      "later mail from or to them is stored without it\n",
      email.c_str());
  return 0;
}

}  // namespace prospectd::cli
