// Terminal columns of UTF-8 text and fitting it to a table column (cli tables).
#include "util/display_width.h"

#include <doctest/doctest.h>

namespace prospectd::util {
namespace {

TEST_CASE("display width counts columns, not bytes") {
  CHECK(display_width("Jane Doe") == 8);
  CHECK(display_width("Αντώνης Παππάς") == 14);  // 27 bytes
  CHECK(display_width("山田太郎") == 8);         // wide: two columns each
  CHECK(display_width("e\u0301") == 1);          // a combining accent takes none
  CHECK(display_width("a\xff"
                      "b") == 3);  // an invalid byte counts as one
}

TEST_CASE("fitting cuts at a character boundary with an ellipsis and pads to the width") {
  CHECK(fit_to_width("Jane", 6) == "Jane  ");
  CHECK(fit_to_width("Αντώνης Παππάς", 10) == "Αντώνης Π…");
  CHECK(display_width(fit_to_width("Αντώνης Παππάς", 10)) == 10);
  // A wide character that does not fit whole is left out, and the column still lines up.
  CHECK(fit_to_width("山田太郎さん", 6) == "山田… ");
  CHECK(display_width(fit_to_width("山田太郎さん", 6)) == 6);
  CHECK(fit_to_width("exactly", 7) == "exactly");
  CHECK(fit_to_width("", 3) == "   ");
}

}  // namespace
}  // namespace prospectd::util
