// Behaviour of parse_date on the Date headers found in real mail.
// Expected instants were computed independently (Python email.utils).
#include "connectors/mail/date.h"

#include <doctest/doctest.h>

#include <string>

namespace prospectd::connectors::mail {
namespace {

TEST_CASE("an RFC 5322 date gives its instant in UTC") {
  CHECK(parse_date("Mon, 17 Jan 1994 11:14:55 -0500") == 758823295);
  CHECK(parse_date("Thu, 13 Feb 1969 23:32:54 -0330") == -27723426);
}

TEST_CASE("obsolete named zones are honoured, unknown ones count as UTC") {
  CHECK(parse_date("Sat, 24 Mar 2007 21:23:03 EDT") == 1174785783);
  CHECK(parse_date("Sat, 24 Mar 2007 21:23:03 GMT") == 1174771383);
  CHECK(parse_date("Sat, 24 Mar 2007 21:23:03 CEST") == 1174771383);
  // RFC 5322 §4.3: military zones were defined backwards in RFC 822; read them as -0000.
  CHECK(parse_date("Sat, 24 Mar 2007 21:23:03 A") == 1174771383);
}

TEST_CASE("missing seconds, a missing day name and dots in the time are accepted") {
  CHECK(parse_date("24 Mar 2007 21:23 +0000") == 1174771380);
  CHECK(parse_date("5 Feb 2003 13.47.26 -0800") == parse_date("5 Feb 2003 13:47:26 -0800"));
  CHECK(parse_date("Wed, 3 Apr 2002 14:58:26-0800") == 1017874706);
}

TEST_CASE("two- and three-digit years follow RFC 5322 section 4.3") {
  CHECK(parse_date("1 Jan 49 00:00:00 +0000") == parse_date("1 Jan 2049 00:00:00 +0000"));
  CHECK(parse_date("1 Jan 50 00:00:00 +0000") == parse_date("1 Jan 1950 00:00:00 +0000"));
  CHECK(parse_date("1 Jan 103 00:00:00 +0000") == parse_date("1 Jan 2003 00:00:00 +0000"));
}

TEST_CASE("asctime order and numeric dates are read") {
  CHECK(parse_date("Sat Mar 24 21:23:03 EDT 2007") == 1174785783);
  CHECK(parse_date("17-6-2008 17:10:08") == 1213722608);
  CHECK(parse_date("17.06.2008 17:10:08") == 1213722608);
}

TEST_CASE("comments and a Received prefix are skipped") {
  CHECK(parse_date("Fri, 21 Nov 1997 09:55:06 -0600 (MDT)") == 880127706);
  CHECK(parse_date("by mx.example with SMTP id x; Fri, 21 Nov 1997 09:55:06 -0600") == 880127706);
}

TEST_CASE("a date that names no single instant is rejected") {
  CHECK_FALSE(parse_date(""));
  CHECK_FALSE(parse_date("not a date"));
  CHECK_FALSE(parse_date("17 June , 2022"));                   // no time: no invented midnight
  CHECK_FALSE(parse_date("Tue, 06 Jun 2017 27:39:33 +0600"));  // hour 27
  CHECK_FALSE(parse_date("Tue, 06 Jun 2017 07:39:33 +2600"));  // offset of 26 hours
  CHECK_FALSE(parse_date("Tue, 31 Feb 2017 07:39:33 +0000"));  // no such day
  CHECK_FALSE(parse_date("Wed, 3 Apr 2002 12.34.56.78+0800"));
  CHECK_FALSE(parse_date("Mon, 20 Nov 9999999999 12:00:00 +0000"));
  CHECK_FALSE(parse_date(std::string(1 << 20, '9')));
}

TEST_CASE("a NUL byte in a date does not crash") {
  CHECK(parse_date(std::string("Mon, 17 Jan 1994 11:14:55\0 -0500", 32)) == 758823295);
}

}  // namespace
}  // namespace prospectd::connectors::mail
