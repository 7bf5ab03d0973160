// aiocpp serve / aiocpp demo: placeholders until the embedded server lands.
#include <cstdio>

#include "commands.hpp"
#include "exit_codes.hpp"

namespace aiocpp_cli {

const char* const kServeHelp = "usage: aiocpp serve [--port P]\n";
const char* const kDemoHelp = "usage: aiocpp demo\n";

int cmd_serve(Args&) {
  std::fprintf(stderr, "aiocpp serve: the embedded server is not built yet\n");
  return kOther;
}

int cmd_demo(Args&) {
  std::fprintf(stderr, "aiocpp demo: the embedded server is not built yet\n");
  return kOther;
}

}  // namespace aiocpp_cli
