// Hostile input: random bytes and header-looking noise never crash, throw or yield invalid
// UTF-8 (a cheap stand-in for fuzzing, with a fixed seed so failures reproduce).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "connectors/mail/address_list.h"
#include "connectors/mail/date.h"
#include "connectors/mail/encoded_words.h"
#include "connectors/mail/header_parser.h"
#include "connectors/mail/message_ids.h"
#include "connectors/mail/subject.h"

namespace prospectd::connectors::mail {
namespace {

std::string random_header(std::mt19937& rng) {
  static constexpr std::string_view kPieces[] = {"From: ",
                                                 "To: ",
                                                 "Subject: ",
                                                 "References: ",
                                                 "Date: ",
                                                 "\r\n",
                                                 "\r\n ",
                                                 "\n",
                                                 "\r",
                                                 "<",
                                                 ">",
                                                 "\"",
                                                 "(",
                                                 ")",
                                                 ",",
                                                 ";",
                                                 ":",
                                                 "@",
                                                 "=?",
                                                 "?=",
                                                 "=?utf-8?q?",
                                                 "=?iso-8859-1?b?",
                                                 "?Q?",
                                                 "=C3",
                                                 "==",
                                                 "[",
                                                 "]",
                                                 "Re: ",
                                                 "\\",
                                                 " ",
                                                 "\t",
                                                 "a@b.example",
                                                 "Jürgen",
                                                 std::string_view("\0", 1),
                                                 "\xFF",
                                                 "\xC3",
                                                 "\xED\xA0\x80",
                                                 "1 Jan 2020 10:00 +0100"};
  std::uniform_int_distribution<std::size_t> piece(0, std::size(kPieces) - 1);
  std::uniform_int_distribution<int> length(0, 60);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out;
  for (int i = length(rng); i > 0; --i) {
    if (i % 7 == 0) {
      out.push_back(static_cast<char>(byte(rng)));
    } else {
      out += kPieces[piece(rng)];
    }
  }
  return out;
}

TEST_CASE("random header bytes never break the parsers or their UTF-8 guarantee") {
  std::mt19937 rng(20240601);
  for (int round = 0; round < 3000; ++round) {
    const std::string input = random_header(rng);
    const core::MessageMeta meta = parse_header_block(input);
    CHECK(is_valid_utf8(meta.subject));
    for (const auto* list : {&meta.from, &meta.to}) {
      for (const core::Address& a : *list) {
        CHECK(is_valid_utf8(a.name));
        CHECK(is_valid_utf8(a.email));
      }
    }
    for (const auto& a : parse_address_list(input)) CHECK(is_valid_utf8(a.name + a.email));
    CHECK(is_valid_utf8(decode_unstructured(input)));
    CHECK(is_valid_utf8(base_subject(decode_unstructured(input))));
    for (const auto& id : parse_message_id_list(input)) CHECK(is_valid_utf8(id));
    (void)parse_date(input);
    (void)has_reply_prefix(input);
  }
}

TEST_CASE("parsers called from several threads at once agree with a single thread") {
  const std::string block =
      "From: =?iso-8859-1?Q?J=FCrgen?= <j@x.de>\r\nTo: a@x.example; b@x.example\r\n"
      "Subject: =?gb2312?b?1eLKx9bQzsSy4srUo6E=?=\r\nDate: 1 Jan 2020 10:00 +0100\r\n"
      "References: <a@x> <b@x>\r\n";
  const core::MessageMeta expected = parse_header_block(block);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const core::MessageMeta meta = parse_header_block(block);
        if (meta.from != expected.from || meta.to != expected.to || meta.subject != expected.subject ||
            meta.date != expected.date || meta.references != expected.references) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(mismatches == std::vector<int>(4, 0));
  CHECK(expected.to.size() == 2);
}

}  // namespace
}  // namespace prospectd::connectors::mail
