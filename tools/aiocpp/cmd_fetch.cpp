// aiocpp fetch -c N [URL...]: the seed's job. One session, at most N
// requests in flight, a line per URL in completion order, then a summary.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <aio/aio.hpp>

#include "client_config.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "fetch_report.hpp"

namespace aiocpp_cli {

const char* const kFetchHelp =
    "usage: aiocpp fetch [-c N] [options] [URL...]\n"
    "\n"
    "Fetches every URL (or each line of stdin when none is given) through one\n"
    "session with at most N requests in flight, printing one line per URL as it\n"
    "completes: URL STATUS BYTES TIME, or URL error CODE MESSAGE. Then a summary.\n"
    "Exits 0 when every URL got an HTTP response (with --fail: a status < 400),\n"
    "otherwise with the exit code of the first failure.\n"
    "\n"
    "  -c, --concurrency N      requests in flight at once (default 10)\n";

int cmd_fetch(Args& args) {
  ClientConfig client;
  std::size_t concurrency = 10;
  std::vector<std::string> urls;
  while (!args.done()) {
    if (client.parse(args)) continue;
    if (auto v = args.option("--concurrency", "-c")) {
      concurrency = static_cast<std::size_t>(parse_count(*v, "-c"));
      if (concurrency == 0) throw UsageError{"-c must be at least 1"};
    } else if (!args.peek().empty() && args.peek()[0] == '-') {
      throw UsageError{"unknown option " + args.peek()};
    } else {
      urls.push_back(args.next());
    }
  }
  if (urls.empty()) {
    std::string line;
    while (std::getline(std::cin, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty() && line[0] != '#') urls.push_back(line);
    }
  }
  if (urls.empty()) throw UsageError{"no URL given (as arguments or on stdin)"};
  FetchPlan plan;
  plan.urls = std::move(urls);
  plan.concurrency = concurrency;
  plan.session = client.session_options();
  plan.fail_on_http_error = client.fail;
  plan.progress = isatty(STDERR_FILENO) != 0;
  return aio::run(run_fetch(std::move(plan)));
}

}  // namespace aiocpp_cli
