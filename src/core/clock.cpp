#include <cback/core/clock.hpp>

#include <thread>

namespace cback::core {
namespace {

class SteadyClock final : public Clock {
public:
  [[nodiscard]] TimePoint now() const override { return std::chrono::steady_clock::now(); }
  void sleep_for(Duration duration) override { std::this_thread::sleep_for(duration); }
};

} // namespace

Clock& Clock::steady() {
  static SteadyClock clock;
  return clock;
}

} // namespace cback::core
