#include "core/periodic_task.hpp"

#include <spdlog/spdlog.h>

namespace firstline::core {

void PeriodicTask::start(std::string name, std::chrono::milliseconds tick, std::function<void()> step) {
  stop();
  {
    std::lock_guard lock(mutex_);
    stop_ = false;
  }
  thread_ = std::thread([this, name = std::move(name), tick, step = std::move(step)] {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      lock.unlock();
      try {
        step();
      } catch (const std::exception& e) {
        spdlog::error("{} failed: {}", name, e.what());
      }
      lock.lock();
      cv_.wait_for(lock, tick, [this] { return stop_; });
    }
  });
}

void PeriodicTask::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace firstline::core
