// Synthetic Message-IDs: two independent 64-bit FNV-1a hashes over the identifying headers.
// Not cryptographic; it only has to be stable across versions and platforms (std::hash is not).
#include "store/internal/synthetic_id.h"

#include <cstdint>
#include <cstdio>

namespace prospectd::store {
namespace {

class Fnv1a64 {
 public:
  explicit Fnv1a64(std::uint64_t basis) : hash_(basis) {}
  void add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash_ ^= c;
      hash_ *= 0x100000001b3ULL;
    }
    hash_ ^= 0xff;  // field separator that no UTF-8 text contains
    hash_ *= 0x100000001b3ULL;
  }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_;
};

void add_message(Fnv1a64& hash, const core::MessageMeta& message) {
  for (const auto* field : {&message.from, &message.to, &message.cc}) {
    for (const auto& address : *field) hash.add(address.email);
    hash.add("|");
  }
  hash.add(message.date ? std::to_string(*message.date) : std::string("-"));
  hash.add(message.subject);
  hash.add(message.in_reply_to);
  for (const auto& reference : message.references) hash.add(reference);
}

}  // namespace

std::string synthetic_message_id(const core::MessageMeta& message) {
  Fnv1a64 first(0xcbf29ce484222325ULL);
  Fnv1a64 second(0x84222325cbf29ce4ULL);
  add_message(first, message);
  add_message(second, message);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%016llx%016llx@synthetic.prospectd.invalid",
                static_cast<unsigned long long>(first.value()), static_cast<unsigned long long>(second.value()));
  return buffer;
}

}  // namespace prospectd::store
