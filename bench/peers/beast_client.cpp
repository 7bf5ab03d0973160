// Load-generator peer for bench/compare: Boost.Beast with C++20 coroutines.
//
//   beast_client URL CONNS N EXPECTED_LEN        (http:// only)
//
// N keep-alive HTTP/1.1 GETs of URL over CONNS connections: one io_context
// on one thread, CONNS coroutines (co_spawn + use_awaitable), each with its
// own beast::tcp_stream, flat_buffer and request, issuing GETs back to back
// (a fresh response object per response, as Beast's parsers are single-use).
// Every response must be 200 with a body of EXPECTED_LEN bytes, else it counts
// as an error; after a transport error or a response that does not keep the
// connection alive, the coroutine reconnects. Prints one JSON line:
//   {"requests": OK, "errors": FAILED, "seconds": WALL_TIME_OF_REQUESTS}
//
//   g++ -std=c++20 -O2 -o beast_client beast_client.cpp -lpthread
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without it (GCC 12)

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#if !defined(BOOST_ASIO_HAS_CO_AWAIT)
#error "Boost.Asio did not detect C++20 coroutine support (compile with -std=c++20)"
#endif

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Run {
    tcp::resolver::results_type endpoints;
    std::string host;    // Host header
    std::string target;  // path?query
    std::size_t expected = 0;
    long total = 0, issued = 0, ok = 0, errors = 0;
};

static asio::awaitable<void> worker(Run& run) {
    auto ex = co_await asio::this_coro::executor;
    beast::tcp_stream stream(ex);
    beast::flat_buffer buffer;
    // Room for large reads: a flat_buffer otherwise stays near its first
    // allocation and Beast reads max(512, free capacity) bytes at a time.
    buffer.reserve(64 * 1024);
    http::request<http::empty_body> req{http::verb::get, run.target, 11};
    req.set(http::field::host, run.host);
    req.set(http::field::user_agent, "beast-bench");
    bool connected = false;
    while (run.issued < run.total) {
        ++run.issued;
        try {
            if (!connected) {
                co_await stream.async_connect(run.endpoints, asio::use_awaitable);
                stream.socket().set_option(tcp::no_delay(true));
                buffer.clear();
                connected = true;
            }
            co_await http::async_write(stream, req, asio::use_awaitable);
            http::response<http::string_body> res;
            co_await http::async_read(stream, buffer, res, asio::use_awaitable);
            if (res.result() == http::status::ok && res.body().size() == run.expected)
                ++run.ok;
            else
                ++run.errors;
            if (!res.keep_alive()) {
                beast::error_code ec;
                stream.socket().shutdown(tcp::socket::shutdown_both, ec);
                stream.close();
                connected = false;
            }
        } catch (const boost::system::system_error&) {
            ++run.errors;
            stream.close();
            connected = false;
        }
    }
    if (connected) {
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream.close();
    }
}

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s URL CONNS N EXPECTED_LEN\n", argv[0]);
        return 2;
    }
    std::string url = argv[1];
    long conns = std::atol(argv[2]);
    Run run;
    run.total = std::atol(argv[3]);
    run.expected = std::strtoull(argv[4], nullptr, 10);
    if (url.rfind("http://", 0) != 0) {
        std::fprintf(stderr, "%s: only http:// URLs are supported\n", argv[0]);
        return 2;
    }
    if (conns < 1 || run.total < 0) {
        std::fprintf(stderr, "%s: CONNS must be >= 1 and N >= 0\n", argv[0]);
        return 2;
    }
    // http://host[:port][/target]
    std::string rest = url.substr(7);
    auto slash = rest.find('/');
    run.host = rest.substr(0, slash);
    run.target = slash == std::string::npos ? "/" : rest.substr(slash);
    std::string hostname = run.host, port = "80";
    if (!hostname.empty() && hostname.front() == '[') {  // [v6]:port
        auto close = hostname.find(']');
        if (close + 1 < hostname.size() && hostname[close + 1] == ':') port = hostname.substr(close + 2);
        hostname = hostname.substr(1, close - 1);
    } else if (auto colon = hostname.rfind(':'); colon != std::string::npos) {
        port = hostname.substr(colon + 1);
        hostname = hostname.substr(0, colon);
    }

    asio::io_context ioc(1);
    try {
        run.endpoints = tcp::resolver(ioc).resolve(hostname, port);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 1;
    }
    if (conns > run.total && run.total > 0) conns = run.total;
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < conns; ++i) asio::co_spawn(ioc, worker(run), asio::detached);
    ioc.run();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"requests\": %ld, \"errors\": %ld, \"seconds\": %.6f}\n", run.ok, run.errors, seconds);
    return 0;
}
