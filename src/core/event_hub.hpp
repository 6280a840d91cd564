// Publish/subscribe of live events for open pages (server-sent events).
// Services publish to a topic ("areas", "residents:grid:17"); the HTTP server
// subscribes a stream per open page. Thread-safe; callbacks are called on the
// publishing thread and must not block (the server only queues the event).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace firstline::core {

class EventHub {
 public:
  using Callback = std::function<void(const std::string& event, const std::string& data)>;

  /// Registers a callback for a topic; returns an id for unsubscribe().
  std::uint64_t subscribe(const std::string& topic, Callback callback);
  void unsubscribe(std::uint64_t id);
  /// Sends `data` (one line of JSON) to every subscriber of `topic`.
  void publish(const std::string& topic, const std::string& event, const std::string& data);
  std::size_t subscriber_count() const;

 private:
  struct Subscriber {
    std::string topic;
    Callback callback;
  };
  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Subscriber> subscribers_;
};

}  // namespace firstline::core
