// The subcommands of the aiocpp tool. Each parses its own options from
// `args` (positioned after the subcommand) and returns the exit code.
#pragma once

#include <string>

#include "args.hpp"

namespace aiocpp_cli {

int cmd_request(const std::string& method, Args& args);  // get, post, put, delete, head
int cmd_fetch(Args& args);
int cmd_bench(Args& args);
int cmd_serve(Args& args);
int cmd_demo(Args& args);

// Usage texts (--help of each subcommand).
extern const char* const kRequestHelp;
extern const char* const kFetchHelp;
extern const char* const kBenchHelp;
extern const char* const kServeHelp;
extern const char* const kDemoHelp;

}  // namespace aiocpp_cli
