// A background thread that runs one step at once and then every `tick` until
// stopped: the schedulers of the services (retention purge, missed-report
// flags, warning escalation, risk levels) share it. The step itself decides
// from the injected Clock whether there is work, so tests drive it on fake
// time with a short tick. A step that throws is logged and tried again at the
// next tick.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace firstline::core {

class PeriodicTask {
 public:
  PeriodicTask() = default;
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  ~PeriodicTask() { stop(); }

  /// Stops a running task, then starts `step`; `name` labels its errors in the log.
  void start(std::string name, std::chrono::milliseconds tick, std::function<void()> step);
  /// Wakes the thread and waits for it to end; a step in progress finishes first.
  void stop();

 private:
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace firstline::core
