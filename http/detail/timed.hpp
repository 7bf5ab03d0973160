// Runs one network operation under the request's deadlines: the phase's own
// limit (sock_read, sock_connect, connect) and what is left of the total.
// A deadline that passes cancels the operation (its I/O stops) and throws
// aio::http::TimeoutError naming the request, the phase and the limit.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "../../runtime/timeout.hpp"
#include "../error.hpp"
#include "target.hpp"

namespace aio::http::detail {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// What a timeout message says: "<context>: timeout after 2.0 s <doing>".
struct Phase {
  Errc code;          // connect_timeout, read_timeout, write_timeout
  const char* doing;  // "reading the response from"
};

[[noreturn]] void throw_timeout(const RequestName& context, Errc code, Millis limit, const char* doing,
                                const std::string& peer);

// The limit in force now: the smaller of the phase limit and the time left
// before `deadline`; which one binds decides the error code.
struct Limit {
  std::optional<Millis> ms;
  bool total_binds = false;
};
Limit limit_now(Clock::time_point deadline, std::optional<Millis> phase_limit) noexcept;

// `context`, `peer` must outlive the task (they live in the caller's frame).
template <class T>
Task<T> timed(Task<T> op, Clock::time_point deadline, std::optional<Millis> phase_limit, Phase phase,
              Millis total, const RequestName& context, const std::string& peer) {
  Limit l = limit_now(deadline, phase_limit);
  if (!l.ms) co_return co_await std::move(op);
  if (l.ms->count() <= 0) {
    throw_timeout(context, Errc::total_timeout, total, phase.doing, peer);
  }
  bool timed_out = false;
  try {
    co_return co_await aio::with_timeout(*l.ms, std::move(op));
  } catch (const aio::http::TimeoutError&) {
    throw;
  } catch (const aio::TimeoutError&) {
    timed_out = true;
  }
  if (timed_out) {
    if (l.total_binds) throw_timeout(context, Errc::total_timeout, total, phase.doing, peer);
    throw_timeout(context, phase.code, *phase_limit, phase.doing, peer);
  }
  throw aio::http::TimeoutError(make_error_code(Errc::total_timeout), context.str());  // unreachable
}

}  // namespace aio::http::detail
