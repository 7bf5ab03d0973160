#include "timed.hpp"

namespace aio::http::detail {

void throw_timeout(const RequestName& context, Errc code, Millis limit, const char* doing,
                   const std::string& peer) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", static_cast<double>(limit.count()) / 1000.0);
  std::string what = context + ": timeout after " + secs + " s ";
  if (code == Errc::total_timeout) what += "(total) ";
  what += doing;
  if (!peer.empty()) what += " " + peer;
  throw aio::http::TimeoutError(make_error_code(code), what);
}

Limit limit_now(Clock::time_point deadline, std::optional<Millis> phase_limit) noexcept {
  Limit l;
  if (deadline != Clock::time_point::max()) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    if (left.count() < 0) left = Millis(0);
    l.ms = left;
    l.total_binds = true;
  }
  if (phase_limit && (!l.ms || *phase_limit < *l.ms)) {
    l.ms = *phase_limit;
    l.total_binds = false;
  }
  return l;
}

}  // namespace aio::http::detail
