// Names of the error kinds, for logs and the status API.
#include "core/error_kind.h"

namespace prospectd::core {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::transient:
      return "transient";
    case ErrorKind::auth:
      return "auth";
    case ErrorKind::bad_item:
      return "bad_item";
    case ErrorKind::fatal:
      return "fatal";
  }
  return "unknown";
}

}  // namespace prospectd::core
