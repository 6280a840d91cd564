#include "core/event_hub.hpp"

#include <vector>

namespace firstline::core {

std::uint64_t EventHub::subscribe(const std::string& topic, Callback callback) {
  std::lock_guard lock(mutex_);
  const auto id = next_id_++;
  subscribers_.emplace(id, Subscriber{topic, std::move(callback)});
  return id;
}

void EventHub::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(id);
}

void EventHub::publish(const std::string& topic, const std::string& event, const std::string& data) {
  std::vector<Callback> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, s] : subscribers_) {
      if (s.topic == topic) targets.push_back(s.callback);
    }
  }
  for (auto& cb : targets) cb(event, data);
}

std::size_t EventHub::subscriber_count() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

}  // namespace firstline::core
