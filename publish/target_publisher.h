// One outbox target's publisher: drains what is due and says when to look again. The Publisher
// (publish/publisher.h) runs each on a thread of its own. REQUIRES: used by one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

namespace prospectd::publish {

class TargetPublisher {
 public:
  virtual ~TargetPublisher() = default;
  virtual const std::string& name() const = 0;
  // Publishes everything due (until `stop`); returns how long to wait before the next pass:
  // the poll interval when all went out, a backoff after a failure. Never throws for network,
  // database or receiver faults (they are recorded on the target and in the log).
  virtual std::chrono::milliseconds publish_due(const std::atomic<bool>& stop) = 0;
  // True when nothing was left to publish after the last pass (for `prospectd publish`).
  virtual bool drained() const = 0;
};

}  // namespace prospectd::publish
