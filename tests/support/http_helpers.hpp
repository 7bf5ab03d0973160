// Helpers for the HTTP integration tests: the hostile server, error
// classification, and tiny JSON field extraction for its /echo and /stats.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <exception>
#include <string>

#include <aio/http/error.hpp>
#include <aio/http/session.hpp>
#include "loop_fixture.hpp"
#include "peers.hpp"

namespace test {

// What a request ended in.
enum class Outcome { ok, protocol, payload, disconnected, timeout, connector, invalid_url, redirects, client, other };

inline const char* name(Outcome o) {
  switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::protocol: return "ProtocolError";
    case Outcome::payload: return "PayloadError";
    case Outcome::disconnected: return "ServerDisconnectedError";
    case Outcome::timeout: return "TimeoutError";
    case Outcome::connector: return "ConnectorError";
    case Outcome::invalid_url: return "InvalidUrl";
    case Outcome::redirects: return "TooManyRedirects";
    case Outcome::client: return "ClientError";
    case Outcome::other: return "other";
  }
  return "?";
}

inline doctest::String toString(Outcome o) { return name(o); }

inline Outcome classify(std::exception_ptr e, std::string* message = nullptr) {
  if (!e) return Outcome::ok;
  try {
    std::rethrow_exception(e);
  } catch (const aio::http::ProtocolError& x) {
    if (message) *message = x.what();
    return Outcome::protocol;
  } catch (const aio::http::PayloadError& x) {
    if (message) *message = x.what();
    return Outcome::payload;
  } catch (const aio::http::ServerDisconnectedError& x) {
    if (message) *message = x.what();
    return Outcome::disconnected;
  } catch (const aio::http::TimeoutError& x) {
    if (message) *message = x.what();
    return Outcome::timeout;
  } catch (const aio::http::ConnectorError& x) {
    if (message) *message = x.what();
    return Outcome::connector;
  } catch (const aio::http::InvalidUrl& x) {
    if (message) *message = x.what();
    return Outcome::invalid_url;
  } catch (const aio::http::TooManyRedirects& x) {
    if (message) *message = x.what();
    return Outcome::redirects;
  } catch (const aio::http::ClientError& x) {
    if (message) *message = x.what();
    return Outcome::client;
  } catch (const std::exception& x) {
    if (message) *message = x.what();
    return Outcome::other;
  }
}

// "http://HOST:PORT" of a peer, to append paths to.
inline std::string base_url(int port, const std::string& host = "127.0.0.1") {
  return "http://" + host + ":" + std::to_string(port);
}

// GETs (or `method`s) `url` and reads the whole body; the outcome and body.
struct Fetch {
  Outcome outcome = Outcome::other;
  int status = 0;
  std::string body;
  std::string message;
};

inline aio::Task<Fetch> fetch(aio::http::Session& s, std::string url, std::string method = "GET",
                             aio::http::RequestOptions opts = aio::http::RequestOptions()) {
  Fetch f;
  std::exception_ptr err;
  try {
    aio::http::Response r = co_await s.request(method, url, std::move(opts));
    f.status = r.status();
    f.body = co_await r.read();
  } catch (const aio::CancelledError&) {
    throw;  // a cancelled fetch is not an outcome: let it unwind
  } catch (...) {
    err = std::current_exception();
  }
  f.outcome = classify(err, &f.message);
  co_return f;
}

// The integer after "key": in a JSON text, searching from `from` on.
inline long json_int(const std::string& doc, const std::string& key, std::size_t from = 0) {
  std::size_t at = doc.find("\"" + key + "\":", from);
  if (at == std::string::npos) return -1;
  return std::strtol(doc.c_str() + at + key.size() + 3, nullptr, 10);
}

// The integer for `key` inside the object member `object` ("posts": {...}).
inline long json_member_int(const std::string& doc, const std::string& object, const std::string& key) {
  std::size_t at = doc.find("\"" + object + "\":");
  if (at == std::string::npos) return -1;
  std::size_t end = doc.find('}', at);
  long v = json_int(doc, key, at);
  std::size_t key_at = doc.find("\"" + key + "\":", at);
  return key_at != std::string::npos && key_at < end ? v : 0;
}

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace test
