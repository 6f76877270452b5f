// Names of the error kinds, for logs and the status API.
#include "core/error_kind.h"

#include "util/enum_names.h"

namespace prospectd::core {

// In ErrorKind's declaration order (util::enum_name).
constexpr std::array<const char*, 4> kErrorKindNames = {"transient", "auth", "bad_item", "fatal"};

const char* to_string(ErrorKind kind) { return util::enum_name(kind, kErrorKindNames, "unknown"); }

}  // namespace prospectd::core
