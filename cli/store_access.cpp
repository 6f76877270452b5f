// Opening the store for read commands (cli/store_access.h).
#include "cli/store_access.h"

#include "store/store.h"

namespace prospectd::cli {

void upgrade_store(const std::filesystem::path& file) {
  bool current = false;
  {
    store::StoreReader probe(file);  // throws for a missing store: "run `prospectd sync` first"
    current = probe.schema_current();
  }
  if (!current) store::Store upgrade(file);  // the constructor runs the migrations
}

store::StoreReader open_reader(const std::filesystem::path& file) {
  upgrade_store(file);
  return store::StoreReader(file);
}

}  // namespace prospectd::cli
