// The fetch job itself, shared by `aiocpp fetch` and `aiocpp demo`: fetch
// every URL through one session with at most `concurrency` in flight, print
// a line per URL as it completes and a summary; the result is the exit code.
#pragma once

#include <string>
#include <vector>

#include <aio/http/options.hpp>
#include <aio/runtime/task.hpp>

namespace aiocpp_cli {

struct FetchPlan {
  std::vector<std::string> urls;
  std::size_t concurrency = 10;
  aio::http::SessionOptions session;
  bool fail_on_http_error = false;
  bool progress = false;  // a live line on stderr (a terminal only)
};

// Returns 0 when every URL got an HTTP response (a status < 400 with
// fail_on_http_error), otherwise the exit code of the first failure.
aio::Task<int> run_fetch(FetchPlan plan);

}  // namespace aiocpp_cli
