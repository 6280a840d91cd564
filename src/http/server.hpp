// The HTTP/1.1 server (Boost.Beast inside server.cpp only). It reads requests
// with a body limit and header/idle timeouts, keeps connections alive, hands
// each request to the Router, streams server-sent events for responses that
// ask for them, and shuts down gracefully on SIGTERM/SIGINT or stop().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/event_hub.hpp"
#include "http/router.hpp"

namespace firstline::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;         // 0 picks a free port (see Server::port())
  unsigned threads = 4;              // I/O threads; handlers run on them
  std::size_t body_limit = 64u << 20;  // bytes; larger bodies get 413
  std::chrono::seconds header_timeout{30};  // to receive a whole request
  std::chrono::seconds idle_timeout{60};    // between keep-alive requests
  std::chrono::seconds shutdown_grace{10};  // wait for requests in flight
  bool handle_signals = true;        // stop on SIGTERM / SIGINT
};

class Server {
 public:
  /// The router and hub must outlive the server.
  Server(ServerOptions options, const Router& router, core::EventHub& hub);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds the port; throws std::runtime_error with the reason when it cannot.
  void listen();
  /// The bound port (after listen()).
  std::uint16_t port() const;
  /// Serves until stop() or a signal; returns after the graceful shutdown.
  void run();
  /// Asks run() to finish; safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace firstline::http
