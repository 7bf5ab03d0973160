// aiocpp: the command-line face of the library.
//
//   aiocpp get URL [-i] [-H 'K: V'] ...     one request, body to stdout
//   aiocpp fetch -c N [URL...]              many URLs through one session
//   aiocpp bench URL -c C (-n N | -d S)     a load generator
//   aiocpp serve [--port P]                 the embedded demo server
//   aiocpp demo                             the server and a fetch against it
//
// Exit codes follow curl's (exit_codes.hpp).
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.hpp"
#include "exit_codes.hpp"

namespace {

const char* const kMainHelp =
    "usage: aiocpp <command> [options]\n"
    "\n"
    "commands:\n"
    "  get|post|put|patch|delete|head|options URL   one request; the body goes to stdout\n"
    "  fetch [-c N] [URL...]                         fetch many URLs concurrently (URLs also from stdin)\n"
    "  bench URL -c CONNS (-n REQUESTS | -d SECONDS) a load generator\n"
    "  serve [--port P]                              the embedded demo server\n"
    "  demo                                          the server plus a concurrent fetch against it\n"
    "\n"
    "  aiocpp <command> --help   options of a command\n"
    "  aiocpp --version\n";

bool wants_help(aiocpp_cli::Args& a) { return !a.done() && (a.peek() == "--help" || a.peek() == "-h"); }

}  // namespace

int main(int argc, char** argv) {
  using namespace aiocpp_cli;
  if (argc < 2) {
    std::fputs(kMainHelp, stderr);
    return kUsage;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kMainHelp, stdout);
    return kOk;
  }
  if (cmd == "--version" || cmd == "-V") {
    std::printf("aiocpp 0.1.0 (libuv, llhttp, zlib)\n");
    return kOk;
  }
  Args args(argc, argv, 2);
  try {
    if (cmd == "get" || cmd == "post" || cmd == "put" || cmd == "patch" || cmd == "delete" || cmd == "head" ||
        cmd == "options") {
      if (wants_help(args)) return std::fputs(kRequestHelp, stdout), kOk;
      std::string method;
      for (char c : cmd) method.push_back(static_cast<char>(c - 32));
      return cmd_request(method, args);
    }
    if (cmd == "fetch") return wants_help(args) ? (std::fputs(kFetchHelp, stdout), kOk) : cmd_fetch(args);
    if (cmd == "bench") return wants_help(args) ? (std::fputs(kBenchHelp, stdout), kOk) : cmd_bench(args);
    if (cmd == "serve") return wants_help(args) ? (std::fputs(kServeHelp, stdout), kOk) : cmd_serve(args);
    if (cmd == "demo") return wants_help(args) ? (std::fputs(kDemoHelp, stdout), kOk) : cmd_demo(args);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "aiocpp %s: %s (see aiocpp %s --help)\n", cmd.c_str(), e.message.c_str(), cmd.c_str());
    return kUsage;
  }
  std::fprintf(stderr, "aiocpp: unknown command '%s'\n%s", cmd.c_str(), kMainHelp);
  return kUsage;
}
