// Test helpers for tls/: the test PKI, engines paired in memory, and TLS
// peers (openssl s_server, Python's ssl) started as child processes.
//
//   test::pki_file("good.chain.pem")   // tests/pki/make-pki.sh output, made
//                                      // once per test process in a temp dir
//   test::EnginePair p(client_cfg, server_cfg, "localhost");
//   p.handshake();                     // throws what either side threw
//   test::SServer s({"-www"}, "good"); // openssl s_server with good.chain.pem
//   test::TlsPeer t("good", "truncate");  // tests/pki/tls_peer.py
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <aio/tls/config.hpp>
#include <aio/tls/engine.hpp>

#include "peers.hpp"
#include "process.hpp"

namespace test {

// The folder holding the test PKI (see tests/pki/make-pki.sh for its
// files), generated on first use and removed when the process exits.
inline const std::string& pki() {
  static TempDir dir("aiocpp-pki");
  static const bool made = [] {
    std::string cmd = "sh '" + source_dir() + "/pki/make-pki.sh' '" + dir.path() + "'";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("tests/pki/make-pki.sh failed");
    return true;
  }();
  (void)made;
  return dir.path();
}

inline std::string pki_file(std::string_view name) { return pki() + "/" + std::string(name); }

// A client config trusting the test root only. (Overloads, not default
// arguments: a defaulted options aggregate inside a co_await statement is
// the g++ 12 double free of TOOLCHAIN.md §2.)
inline std::shared_ptr<const aio::tls::Config> test_client_config(aio::tls::ClientOptions o) {
  if (o.ca_file.empty() && o.ca_pem.empty() && o.verify) o.ca_file = pki_file("root.crt");
  return aio::tls::Config::client(o);
}
inline std::shared_ptr<const aio::tls::Config> test_client_config() {
  return test_client_config(aio::tls::ClientOptions());
}

// A server config presenting LEAF.chain.pem with LEAF.key.
inline std::shared_ptr<const aio::tls::Config> test_server_config(const std::string& leaf,
                                                                  aio::tls::ServerOptions o) {
  o.cert_file = pki_file(leaf + ".chain.pem");
  o.key_file = pki_file(leaf + ".key");
  return aio::tls::Config::server(o);
}
inline std::shared_ptr<const aio::tls::Config> test_server_config(const std::string& leaf) {
  return test_server_config(leaf, aio::tls::ServerOptions());
}

// A client and a server engine wired to each other in memory.
struct EnginePair {
  EnginePair(std::shared_ptr<const aio::tls::Config> client_cfg,
             std::shared_ptr<const aio::tls::Config> server_cfg, std::string host)
      : client(aio::tls::Engine::client(std::move(client_cfg), std::move(host))),
        server(aio::tls::Engine::server(std::move(server_cfg))) {}

  // Moves every pending output byte to the other side; returns how many.
  std::size_t pump() {
    std::size_t moved = 0;
    client.take_output(buf);
    moved += buf.size();
    to_server += buf.size();
    server.feed(buf);
    server.take_output(buf);
    moved += buf.size();
    to_client += buf.size();
    client.feed(buf);
    return moved;
  }

  // Both handshakes to completion (or the first exception).
  void handshake() {
    for (int i = 0; i < 100; ++i) {
      aio::tls::Status c = client.handshake();
      aio::tls::Status s = server.handshake();
      std::size_t moved = pump();
      if (c == aio::tls::Status::ok && s == aio::tls::Status::ok && moved == 0) return;
    }
    throw std::runtime_error("handshake made no progress");
  }

  aio::tls::Engine client;
  aio::tls::Engine server;
  std::string buf;
  std::size_t to_server = 0;
  std::size_t to_client = 0;
};

// openssl s_server on 127.0.0.1 at a port it chose, presenting LEAF.chain.pem
// (leaf empty: the caller's args name the certificate).
class SServer {
 public:
  SServer(std::vector<std::string> args, const std::string& leaf)
      : proc_(argv(std::move(args), leaf)) {
    for (int i = 0; i < 10; ++i) {
      std::string l = proc_.line(std::chrono::seconds(10));
      if (l.rfind("ACCEPT ", 0) == 0) {
        port_ = std::stoi(l.substr(l.rfind(':') + 1));
        return;
      }
    }
    throw std::runtime_error("openssl s_server printed no ACCEPT line");
  }
  int port() const { return port_; }
  std::string url(const std::string& path, const std::string& host = "localhost") const {
    return "https://" + host + ":" + std::to_string(port_) + path;
  }

 private:
  static std::vector<std::string> argv(std::vector<std::string> extra, const std::string& leaf) {
    std::vector<std::string> a{"openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1000"};
    if (!leaf.empty()) {
      a.insert(a.end(), {"-cert", pki_file(leaf + ".crt"), "-key", pki_file(leaf + ".key")});
      // The intermediate the leaf's issuer is (none for a root-issued one).
      if (leaf == "notca-leaf")
        a.insert(a.end(), {"-cert_chain", pki_file("notca-inter.crt")});
      else if (leaf != "self-signed" && leaf != "untrusted")
        a.insert(a.end(), {"-cert_chain", pki_file("inter.crt")});
    }
    for (auto& e : extra) a.push_back(std::move(e));
    return a;
  }
  Process proc_;
  int port_ = 0;
};

// tests/pki/tls_peer.py: Python's ssl answering a close-delimited body, then
// ending with close_notify ("notify") or a bare TCP close ("truncate").
class TlsPeer {
 public:
  TlsPeer(const std::string& leaf, const std::string& ending, std::vector<std::string> extra = {})
      : proc_(argv(leaf, ending, std::move(extra))), port_(proc_.port(std::chrono::seconds(10))) {}
  int port() const { return port_; }
  std::string url(const std::string& path, const std::string& host = "localhost") const {
    return "https://" + host + ":" + std::to_string(port_) + path;
  }

 private:
  static std::vector<std::string> argv(const std::string& leaf, const std::string& ending,
                                       std::vector<std::string> extra) {
    std::vector<std::string> a{
        python(), source_dir() + "/pki/tls_peer.py", "--cert",   pki_file(leaf + ".chain.pem"),
        "--key",  pki_file(leaf + ".key"),           "--ending", ending};
    for (auto& e : extra) a.push_back(std::move(e));
    return a;
  }
  Process proc_;
  int port_;
};

}  // namespace test
