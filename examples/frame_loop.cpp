// A game-style host that owns its main loop: a fixed 60 Hz frame, in which
// "gameplay" code asks for HTTP requests and applies their results on the
// next frame. aiocpp gets a slice of each frame through loop.tick(budget).
//
//   build/examples/frame_loop [URL]     (default: an embedded local server)
//
// The pattern: gameplay never awaits. It starts a request (loop.spawn) that
// writes its result into a mailbox; the frame loop ticks aiocpp, then the
// next gameplay update reads the mailbox. Everything runs on this one thread.
#include <aio/aio.hpp>
#include <aio/http/demo_routes.hpp>
#include <aio/http/server.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What a finished request leaves for gameplay to pick up.
struct Reply {
  int id = 0;
  int status = 0;  // 0: failed, see error
  std::string body;
  std::string error;
};

struct Mailbox {
  std::vector<Reply> replies;
};

aio::Task<void> request(aio::http::Session* session, std::string url, int id, Mailbox* mailbox) {
  Reply reply;
  reply.id = id;
  try {
    aio::http::Response r = co_await session->get(url);
    reply.body = co_await r.text();
    reply.status = r.status();
  } catch (const aio::Error& e) {
    reply.error = e.what();
  }
  mailbox->replies.push_back(std::move(reply));
}

aio::Task<void> close_session(aio::http::Session* session, bool* done) {
  co_await session->close();
  *done = true;
}

// The embedded demo server, only so that the example needs no network.
aio::Task<void> serve(aio::http::Server* server, bool* done) {
  co_await server->serve();
  *done = true;
}

int main(int argc, char** argv) {
  aio::Loop loop;  // or aio::Loop loop(host_uv_loop) to share the host's libuv loop
  aio::http::Server server;
  bool server_done = true;
  std::string url;
  if (argc > 1) {
    url = argv[1];
  } else {
    aio::http::add_demo_routes(server);
    server.listen(aio::Address::parse("127.0.0.1", 0).value());
    server_done = false;
    loop.spawn(serve(&server, &server_done));
    url = "http://127.0.0.1:" + std::to_string(server.local_address().port()) + "/json";
  }

  aio::http::Session session;
  Mailbox mailbox;
  const auto frame = std::chrono::microseconds(16667);  // 60 Hz
  const auto io_budget = 2ms;                           // aiocpp's slice of each frame
  int sent = 0, received = 0;
  auto next_frame = Clock::now();

  for (int n = 0; received < 5 && n < 60 * 30; ++n) {
    // 1. Gameplay: apply what arrived during the last frame, issue new requests.
    for (Reply& r : mailbox.replies) {
      ++received;
      if (r.status != 0)
        std::printf("frame %3d: request %d -> %d, %zu bytes\n", n, r.id, r.status, r.body.size());
      else
        std::printf("frame %3d: request %d failed: %s\n", n, r.id, r.error.c_str());
    }
    mailbox.replies.clear();
    if (n % 30 == 0 && sent < 5) loop.spawn(request(&session, url, ++sent, &mailbox));  // twice a second

    // 2. Networking: run ready I/O and coroutines for at most ~2 ms.
    loop.tick(io_budget);

    // 3. Rendering would go here; then wait for the next frame.
    next_frame += frame;
    std::this_thread::sleep_until(next_frame);
  }

  // Shut down: close the session (it awaits), stop the server, let both finish.
  bool closed = false;
  loop.spawn(close_session(&session, &closed));
  server.close();
  while (!closed || !server_done) {
    loop.tick(5ms);
    std::this_thread::sleep_for(1ms);
  }
  return received == 5 ? 0 : 1;
}
