// aio::http::Connection: one keep-alive connection to an origin — its
// transport, its response parser, and what the pool needs to know about it.
// At most one request is in flight on a connection: only the holder of its
// pool Lease uses it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "response_parser.hpp"
#include "../runtime/stream.hpp"

namespace aio::http {

struct Connection {
  Connection(std::unique_ptr<ByteStream> t, const ResponseLimits& limits)
      : transport(std::move(t)), parser(limits), peer(transport->peer_address().to_string()) {}

  std::unique_ptr<ByteStream> transport;
  ResponseParser parser;
  std::string peer;  // "127.0.0.1:8080", for messages: read once, not per request
  // Requests completed on it: a connection that served one before is
  // "reused", which decides whether a failure may be retried (HOSTILE.md).
  unsigned requests = 0;
  std::chrono::steady_clock::time_point idle_since{};
};

}  // namespace aio::http
