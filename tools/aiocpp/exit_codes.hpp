// Exit codes of the aiocpp tool: curl's, so that scripts written for curl
// keep working (DESIGN.md).
#pragma once

#include <exception>
#include <string>

namespace aiocpp_cli {

enum Exit : int {
  kOk = 0,
  kUsage = 2,
  kMalformedUrl = 3,
  kResolve = 6,
  kConnect = 7,
  kMalformedResponse = 8,
  kTruncatedBody = 18,
  kHttpError = 22,  // with --fail
  kWrite = 23,      // cannot write the output
  kReadFile = 26,
  kTimeout = 28,
  kTls = 35,
  kTooManyRedirects = 47,
  kEmptyReply = 52,
  kSend = 55,
  kSendRewind = 65,  // a 307/308 would need a streamed body (stdin) sent again
  kReceive = 56,
  kCertificate = 60,
  kBadEncoding = 61,
  kOther = 1,
};

// The exit code for an exception thrown by a request.
int exit_code_for(const std::exception_ptr& e);
// Its one-line message.
std::string message_for(const std::exception_ptr& e);

}  // namespace aiocpp_cli
