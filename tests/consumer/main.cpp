// A consumer of an installed (or subproject) aiocpp: serves one route on a
// free loopback port and fetches it through a Session, all in one aio::run.
// Prints "consumer: ok" and exits 0 on success.
#include <aio/aio.hpp>
#include <aio/http/server.hpp>

#include <cstdio>
#include <string>

namespace {

aio::Task<aio::http::ServerResponse> hello(aio::http::ServerRequest& req) {
  co_return aio::http::ServerResponse::text(200, "hello from " + req.path);
}

aio::Task<std::string> fetch(std::string url) {
  aio::http::Session session;
  aio::http::Response r = co_await session.get(url);
  std::string body = co_await r.text();
  int status = r.status();
  co_await session.close();
  co_return std::to_string(status) + " " + body;
}

aio::Task<int> amain() {
  aio::http::Server server;
  server.route("GET", "/consumer", hello);
  server.listen(aio::Address::parse("127.0.0.1", 0).value());
  aio::Scope scope;
  scope.spawn(server.serve());
  std::string url = "http://127.0.0.1:" + std::to_string(server.local_address().port()) + "/consumer";
  std::string got;
  try {
    got = co_await fetch(url);
  } catch (const aio::Error& e) {
    got = std::string("error: ") + e.what();
  }
  server.close();
  co_await scope.join();
  std::printf("consumer: %s\n", got.c_str());
  co_return got == "200 hello from /consumer" ? 0 : 1;
}

}  // namespace

int main() {
  int rc = aio::run(amain());
  if (rc == 0) std::printf("consumer: ok\n");
  return rc;
}
