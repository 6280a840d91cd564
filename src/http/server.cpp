#include "http/server.hpp"

#include "core/text.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <deque>
#include <mutex>
#include <map>
#include <thread>

namespace firstline::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct SessionRegistry;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Router& router, core::EventHub& hub, const ServerOptions& options,
          SessionRegistry& registry)
      : stream_(std::move(socket)), router_(router), hub_(hub), options_(options), registry_(registry) {}

  void start();
  void shutdown() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      if (self->idle_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
      if (self->sse_) self->close_stream();
    });
  }
  ~Session();

 private:
  void read_request() {
    if (stopping_) return close();
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(64 * 1024);
    idle_ = true;
    stream_.expires_after(options_.idle_timeout);
    // The first bytes start the header timeout.
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    idle_ = false;
    if (ec) return on_read_error(ec);
    stream_.expires_after(options_.header_timeout);
    auto content_length = parser_->content_length();
    if (content_length && *content_length > options_.body_limit) {
      return reply_error(core::ErrorCode::payload_too_large, "the request body is larger than the limit", false);
    }
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return reply_error(core::ErrorCode::payload_too_large, "the request body is larger than the limit", false);
    }
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    if (ec.category() == beast::error_code(bhttp::error::bad_method).category()) {
      return reply_error(core::ErrorCode::bad_request, "malformed HTTP request: " + ec.message(), false);
    }
    close();
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    auto& msg = parser_->get();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    const auto qpos = req.target.find('?');
    auto path = percent_decode(std::string_view(req.target).substr(0, qpos), false);
    if (!path || !core::is_valid_utf8(*path) || path->find('\0') != std::string::npos) {
      return reply_error(core::ErrorCode::bad_request, "the path is not valid UTF-8 text", msg.keep_alive());
    }
    req.path = std::move(*path);
    if (qpos != std::string::npos) {
      std::string_view q = std::string_view(req.target).substr(qpos + 1);
      while (!q.empty()) {
        auto amp = q.find('&');
        auto part = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
        if (part.empty()) continue;
        auto eq = part.find('=');
        auto key = percent_decode(part.substr(0, eq), true);
        auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1), true);
        if (!key || !value || !core::is_valid_utf8(*key) || !core::is_valid_utf8(*value) ||
            key->find('\0') != std::string::npos || value->find('\0') != std::string::npos) {
          return reply_error(core::ErrorCode::bad_request, "the query is not valid UTF-8 text", msg.keep_alive());
        }
        req.query.emplace(std::move(*key), std::move(*value));
      }
    }
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string(field.value());
    }
    req.body = std::move(msg.body());
    beast::error_code rec;
    auto endpoint = stream_.socket().remote_endpoint(rec);
    if (!rec) req.remote = endpoint.address().to_string();
    const bool keep_alive = msg.keep_alive();
    const bool head = msg.method() == bhttp::verb::head;
    const unsigned version = msg.version();

    Response res = router_.dispatch(req);
    if (res.event_topic) return start_stream(*res.event_topic, std::move(res.event_filter), version);
    send(std::move(res), keep_alive && !stopping_, version, head);
  }

  void reply_error(core::ErrorCode code, const std::string& message, bool keep_alive) {
    send(error_response({code, message}), keep_alive, 11, false);
  }

  void send(Response res, bool keep_alive, unsigned version, bool head) {
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(version);
    out->result(static_cast<unsigned>(res.status));
    out->set(bhttp::field::server, "firstline");
    out->set(bhttp::field::content_type, res.content_type);
    for (auto& [k, v] : res.headers) out->set(k, v);
    out->keep_alive(keep_alive);
    const auto size = res.body.size();
    if (!head) out->body() = std::move(res.body);
    out->content_length(size);
    stream_.expires_after(options_.header_timeout);
    bhttp::async_write(stream_, *out,
                       [self = shared_from_this(), out, keep_alive](beast::error_code ec, std::size_t) {
                         if (ec || !keep_alive) return self->close();
                         self->read_request();
                       });
  }

  // Server-sent events: a header, then one "event:/data:" block per published
  // event, and a comment every 15 s so proxies keep the connection.
  void start_stream(const std::string& topic, std::function<bool(const std::string&)> filter, unsigned version) {
    sse_ = true;
    stream_.expires_never();
    std::string head = version == 10 ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.1 200 OK\r\n";
    head += "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n"
            "X-Accel-Buffering: no\r\n\r\n: connected\n\n";
    std::weak_ptr<Session> weak = weak_from_this();
    auto executor = stream_.get_executor();
    subscription_ = hub_.subscribe(topic, [weak, executor, filter = std::move(filter)](const std::string& event,
                                                                                  const std::string& data) {
      if (filter && !filter(data)) return;
      std::string block = "event: " + event + "\ndata: " + data + "\n\n";
      net::post(executor, [weak, block = std::move(block)]() mutable {
        if (auto self = weak.lock()) self->enqueue(std::move(block));
      });
    });
    enqueue(std::move(head));
    heartbeat_ = std::make_unique<net::steady_timer>(stream_.get_executor());
    schedule_heartbeat();
    watch_disconnect();
  }

  // A pending read keeps the stream's session alive and notices when the client goes away.
  void watch_disconnect() {
    stream_.socket().async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close_stream();
      self->watch_disconnect();
    });
  }

  void schedule_heartbeat() {
    heartbeat_->expires_after(std::chrono::seconds(15));
    heartbeat_->async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->sse_) return;
      self->enqueue(": keep-alive\n\n");
      self->schedule_heartbeat();
    });
  }

  void enqueue(std::string block) {
    if (closed_) return;
    outbox_.push_back(std::move(block));
    if (outbox_.size() == 1) write_next();
  }

  void write_next() {
    net::async_write(stream_.socket(), net::buffer(outbox_.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->outbox_.pop_front();
                       if (!self->outbox_.empty()) self->write_next();
                     });
  }

  void close_stream() {
    sse_ = false;
    if (heartbeat_) heartbeat_->cancel();
    close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    if (subscription_) {
      hub_.unsubscribe(subscription_);
      subscription_ = 0;
    }
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const Router& router_;
  core::EventHub& hub_;
  const ServerOptions& options_;
  SessionRegistry& registry_;
  std::deque<std::string> outbox_;
  std::array<char, 256> discard_{};
  std::unique_ptr<net::steady_timer> heartbeat_;
  std::uint64_t subscription_ = 0;
  bool idle_ = false, sse_ = false, closed_ = false, stopping_ = false;
};

// The open sessions, for the graceful shutdown. An entry leaves when its
// session is destroyed, so the registry never outgrows the live connections.
struct SessionRegistry {
  std::mutex mutex;
  std::map<Session*, std::weak_ptr<Session>> live;
  void add(const std::shared_ptr<Session>& s) {
    std::lock_guard lock(mutex);
    live.emplace(s.get(), s);
  }
  void remove(Session* s) {
    std::lock_guard lock(mutex);
    live.erase(s);
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return live.size();
  }
  void shutdown_all() {
    std::vector<std::shared_ptr<Session>> sessions;
    {
      std::lock_guard lock(mutex);
      for (auto& [ptr, weak] : live) {
        if (auto s = weak.lock()) sessions.push_back(std::move(s));
      }
    }
    for (auto& s : sessions) s->shutdown();
  }
};

void Session::start() {
  registry_.add(shared_from_this());
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read_request, shared_from_this()));
}

Session::~Session() {
  if (subscription_) hub_.unsubscribe(subscription_);
  registry_.remove(this);
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  const Router& router;
  core::EventHub& hub;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc};
  SessionRegistry registry;
  std::atomic<bool> stopping{false};
  std::unique_ptr<net::steady_timer> grace_timer;

  Impl(ServerOptions o, const Router& r, core::EventHub& h)
      : options(std::move(o)), router(r), hub(h), ioc(static_cast<int>(options.threads)) {}

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (!acceptor.is_open() || ec == net::error::operation_aborted) return;
        spdlog::warn("accept failed: {}", ec.message());
      } else {
        std::make_shared<Session>(std::move(socket), router, hub, options, registry)->start();
      }
      if (acceptor.is_open()) accept();
    });
  }

  void begin_shutdown() {
    if (stopping.exchange(true)) return;
    spdlog::info("shutting down: finishing requests in flight");
    beast::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    registry.shutdown_all();
    grace_timer = std::make_unique<net::steady_timer>(ioc);
    poll_until_drained(std::chrono::steady_clock::now() + options.shutdown_grace);
  }

  void poll_until_drained(std::chrono::steady_clock::time_point deadline) {
    if (registry.count() == 0 || std::chrono::steady_clock::now() >= deadline) {
      ioc.stop();
      return;
    }
    grace_timer->expires_after(std::chrono::milliseconds(50));
    grace_timer->async_wait([this, deadline](beast::error_code) {
      registry.shutdown_all();
      poll_until_drained(deadline);
    });
  }
};

Server::Server(ServerOptions options, const Router& router, core::EventHub& hub)
    : impl_(std::make_unique<Impl>(std::move(options), router, hub)) {}

Server::~Server() = default;

void Server::listen() {
  auto& i = *impl_;
  beast::error_code ec;
  auto address = net::ip::make_address(i.options.host, ec);
  if (ec) throw std::runtime_error("invalid listen address " + i.options.host);
  tcp::endpoint endpoint(address, i.options.port);
  i.acceptor.open(endpoint.protocol(), ec);
  if (!ec) i.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(endpoint, ec);
  if (!ec) i.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + i.options.host + ":" + std::to_string(i.options.port) + ": " +
                             ec.message());
  }
}

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::run() {
  auto& i = *impl_;
  if (i.options.handle_signals) {
    i.signals.add(SIGINT);
    i.signals.add(SIGTERM);
    i.signals.async_wait([this](beast::error_code ec, int) {
      if (!ec) impl_->begin_shutdown();
    });
  }
  i.accept();
  // A handler's unexpected exception is answered in Router::dispatch; this
  // guard only keeps a thread serving if anything else slips through.
  auto run_guarded = [&i] {
    for (;;) {
      try {
        i.ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("I/O thread caught: {}", e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < i.options.threads; ++t) threads.emplace_back(run_guarded);
  run_guarded();
  for (auto& t : threads) t.join();
}

void Server::stop() {
  net::post(impl_->ioc, [this] { impl_->begin_shutdown(); });
}

}  // namespace firstline::http
