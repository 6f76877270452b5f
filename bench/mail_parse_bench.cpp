// Micro benchmark of connectors/mail: parses one realistic header block N times and prints
// the time per header block. Usage: mail_parse_bench [N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "connectors/mail/header_parser.h"

namespace {

// A reply in a sales thread as a big mail client writes it: encoded names, a folded To/Cc,
// eight References, an encoded Subject, list and automation headers.
constexpr std::string_view kHeaderBlock =
    "Return-Path: <jane.doe@acme-corp.example>\r\n"
    "Received: from mail-ed1-f54.google.com (mail-ed1-f54.google.com [209.85.208.54])\r\n"
    "\tby mx.seller.example with ESMTPS id 4Vx3k; Tue, 14 May 2024 09:31:15 +0200\r\n"
    "From: =?UTF-8?Q?Jane_D=C3=B6e?= <jane.doe@acme-corp.example>\r\n"
    "Sender: =?UTF-8?B?SmFuZSBEw7Zl?= <jane.doe@acme-corp.example>\r\n"
    "Reply-To: \"Doe, Jane\" <jane.doe+sales@acme-corp.example>\r\n"
    "To: \"Rep, Sales\" <rep@seller.example>, =?iso-8859-1?Q?J=FCrgen_M=FCller?=\r\n"
    " <j.mueller@seller.example>\r\n"
    "Cc: =?UTF-8?B?RnJhbsOnb2lzZSBMYWZvcsOqdA==?= <f.laforet@acme-corp.example>,\r\n"
    " \"Procurement Team\" <procurement@acme-corp.example>, ops@acme-corp.example\r\n"
    "Subject: =?UTF-8?B?UmU6IEFXOiBBbmdlYm90IGbDvHIgZGllIExpemVueg==?=\r\n"
    " =?UTF-8?B?ZW4gUTMgKDUwMCBTaXR6ZSk=?=\r\n"
    "Date: Tue, 14 May 2024 09:31:07 +0200\r\n"
    "Message-ID: <CAF3x9Qm7=kPz8vYh2+Lw@mail.gmail.com>\r\n"
    "In-Reply-To: <20240513.offer.7781@seller.example>\r\n"
    "References: <20240402.intro.1001@seller.example>\r\n"
    " <CAF3x9Qm1=aa@mail.gmail.com> <20240410.followup.2002@seller.example>\r\n"
    " <CAF3x9Qm2=bb@mail.gmail.com> <20240425.demo.3003@seller.example>\r\n"
    " <CAF3x9Qm3=cc@mail.gmail.com> <20240507.pricing.4004@seller.example>\r\n"
    " <20240513.offer.7781@seller.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3\"\r\n"
    "X-Mailer: Microsoft Outlook 16.0\r\n"
    "\r\n";

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 20000;
  std::size_t sink = prospectd::connectors::mail::parse_header_block(kHeaderBlock).to.size();
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) {
    sink += prospectd::connectors::mail::parse_header_block(kHeaderBlock).references.size();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
                    static_cast<double>(iterations);
  std::printf("mail_parse_bench: %ld header blocks, %.0f ns per header block (check %zu)\n", iterations, ns, sink);
  return 0;
}
