// libFuzzer entry point for the IMAP response parser: arbitrary server bytes must yield
// responses or a ProtocolError, never a crash, hang, or an answer that depends on the split.
// Built by the fuzz preset (tests/fuzz/CMakeLists.txt); run with scripts/fuzz.sh [SECONDS].
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/imap/response_parser.h"

namespace {

namespace imap = prospectd::connectors::imap;

// Small enough that the size guard is exercised by the fuzzer's inputs.
constexpr std::size_t kMaxResponseSize = 4096;

struct Outcome {
  std::vector<imap::Response> responses;
  std::optional<std::uint64_t> error_offset;  // where the ProtocolError was, if there was one
};

// Feeds `bytes` in two pieces split at `split`, draining after each; stops at the first error.
Outcome parse(std::string_view bytes, std::size_t split) {
  imap::ResponseParser parser(kMaxResponseSize);
  Outcome outcome;
  try {
    for (const std::string_view piece : {bytes.substr(0, split), bytes.substr(split)}) {
      parser.feed(piece);
      while (std::optional<imap::Response> response = parser.next()) {
        (void)imap::debug_string(*response);
        outcome.responses.push_back(std::move(*response));
      }
    }
  } catch (const imap::ProtocolError& error) {
    outcome.error_offset = error.stream_offset();
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The split point comes from the data so the fuzzer explores it along with the content.
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  const Outcome whole = parse(bytes, size);
  const Outcome pieces = parse(bytes, split);
  // How the bytes arrive must not change the answer: same responses, same error at the same byte.
  if (whole.error_offset != pieces.error_offset || whole.responses != pieces.responses) {
    __builtin_trap();
  }
  return 0;
}
