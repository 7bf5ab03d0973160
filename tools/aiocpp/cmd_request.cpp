// aiocpp get|post|put|patch|delete|head|options URL: one request, the body
// streamed to stdout (or -o FILE) with flat memory.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include <aio/aio.hpp>

#include "client_config.hpp"
#include "request_body.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "pretty_json.hpp"

namespace aiocpp_cli {

const char* const kRequestHelp =
    "usage: aiocpp get|post|put|patch|delete|head|options URL [options]\n"
    "\n"
    "Sends one request and writes the response body to stdout.\n"
    "\n"
    "  -X, --request METHOD     use METHOD instead of the command's\n"
    "  -i, --include            print the status line and headers before the body\n"
    "  -d, --data DATA|@FILE    send DATA as the body (application/x-www-form-urlencoded);\n"
    "                           @FILE or @- (stdin): their bytes, CR and LF removed\n"
    "      --data-binary DATA|@FILE   send DATA as is; @FILE or @- is streamed\n"
    "      --json JSON          send JSON as the body (application/json)\n"
    "  -T, --upload-file FILE   stream FILE (or - for stdin) as the body; PUT with `get`\n"
    "  -F, --form name=value|name=@FILE[;type=T][;filename=N]|name=<FILE\n"
    "                           a multipart/form-data body; files are streamed\n"
    "  -o, --output FILE        write the body to FILE\n"
    "  -v, --verbose            show what was sent and received on stderr\n"
    "\n"
    "A JSON body is pretty-printed when stdout is a terminal. With `get`, a body\n"
    "option makes the request a POST (-T: a PUT), as with curl; -X overrides.\n"
    "A file that cannot be read exits 26, a failure while sending 55.\n";

namespace {

struct RequestConfig {
  std::string method;
  std::string url;
  ClientConfig client;
  RequestBody body;
  bool include = false;
  bool verbose = false;
  std::string output;
};

void print_head(std::FILE* out, const aio::http::Response& r, const char* prefix) {
  std::fprintf(out, "%sHTTP/1.%d %d %s\r\n", prefix, r.version_minor(), r.status(), r.reason().c_str());
  for (const auto& [name, value] : r.headers()) 
    std::fprintf(out, "%s%.*s: %.*s\r\n", prefix, static_cast<int>(name.size()), name.data(),
                 static_cast<int>(value.size()), value.data());
  std::fprintf(out, "%s\r\n", prefix);
}

// The request head as sent, each line prefixed with "> ".
void print_sent(const std::string& head) {
  std::size_t at = 0;
  while (at < head.size()) {
    std::size_t end = head.find("\r\n", at);
    if (end == std::string::npos) end = head.size();
    std::fprintf(stderr, "> %.*s\r\n", static_cast<int>(end - at), head.data() + at);
    at = end + 2;
  }
}

aio::Task<int> run_request(RequestConfig c) {
  aio::http::SessionOptions session_options = c.client.session_options();
  session_options.keep_request_head = c.verbose;
  aio::http::Session session(session_options);
  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  int code = kOk;
  std::exception_ptr err;
  try {
    aio::http::RequestOptions opts;
    aio::http::Headers extra;
    std::string sent_body = c.body.apply(opts, extra);
    for (const auto& [name, value] : extra) opts.header(std::string(name), std::string(value));
    aio::http::Response r = co_await session.request(c.method, c.url, std::move(opts));
    if (c.verbose) {
      for (const auto& h : r.history()) {
        print_sent(h.request_head());
        print_head(stderr, h, "< ");
      }
      print_sent(r.request_head());
      if (!sent_body.empty()) std::fprintf(stderr, "> %s\n", sent_body.c_str());
      print_head(stderr, r, "< ");
    }
    if (c.client.fail && r.status() >= 400) {
      std::fprintf(stderr, "aiocpp: %s %s: the server returned %d %s\n", c.method.c_str(), r.url().redacted().c_str(),
                   r.status(), r.reason().c_str());
      code = kHttpError;
    } else {
      if (!c.output.empty()) {
        file.reset(std::fopen(c.output.c_str(), "wb"));
        if (!file) {
          std::fprintf(stderr, "aiocpp: cannot write %s\n", c.output.c_str());
          code = kWrite;
        }
        out = file.get();
      }
      if (code == kOk) {
        if (c.include) print_head(out, r, "");
        // A JSON body on a terminal is pretty-printed; piped, it is streamed
        // byte for byte.
        if (out == stdout && isatty(STDOUT_FILENO) && is_json_media_type(r.content_type())) {
          std::string body = co_await r.read();
          std::string pretty = pretty_json(body);
          if (pretty.empty()) {
            std::fwrite(body.data(), 1, body.size(), out);
          } else {
            pretty.push_back('\n');
            std::fwrite(pretty.data(), 1, pretty.size(), out);
          }
        }
        for (;;) {
          std::string_view piece = co_await r.read_chunk();
          if (piece.empty()) break;
          if (std::fwrite(piece.data(), 1, piece.size(), out) != piece.size()) {
            code = kWrite;
            break;
          }
        }
        std::fflush(out);
      }
    }
  } catch (...) {
    err = std::current_exception();
  }
  co_await session.close();
  if (err) {
    std::fprintf(stderr, "aiocpp: %s\n", message_for(err).c_str());
    co_return exit_code_for(err);
  }
  co_return code;
}

}  // namespace

int cmd_request(const std::string& method, Args& args) {
  RequestConfig c;
  c.method = method;
  std::string forced_method;
  while (!args.done()) {
    if (c.client.parse(args)) continue;
    if (c.body.parse(args)) continue;
    if (args.flag("--include", "-i")) {
      c.include = true;
    } else if (args.flag("--verbose", "-v")) {
      c.verbose = true;
    } else if (auto v = args.option("--request", "-X")) {
      forced_method = *v;
    } else if (auto v = args.option("--output", "-o")) {
      c.output = *v;
    } else if (!args.peek().empty() && args.peek()[0] == '-' && args.peek() != "-") {
      throw UsageError{"unknown option " + args.peek()};
    } else if (c.url.empty()) {
      c.url = args.next();
    } else {
      throw UsageError{"more than one URL"};
    }
  }
  if (c.url.empty()) throw UsageError{"a URL is required"};
  if (!forced_method.empty())
    c.method = forced_method;
  else if (c.method == "GET" && !c.body.empty())
    c.method = c.body.implied_method();
  c.url = c.body.adjust_url(c.url);
  return aio::run(run_request(std::move(c)));
}

}  // namespace aiocpp_cli
