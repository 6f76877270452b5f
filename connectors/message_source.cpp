// Names of connector error kinds, for logs and the status API.
#include "connectors/message_source.h"

namespace prospectd::connectors {

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

}  // namespace prospectd::connectors
