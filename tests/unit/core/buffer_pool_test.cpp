#include <cback/core/buffer_pool.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <future>
#include <thread>
#include <vector>

using cback::core::Buffer;
using cback::core::BufferPool;

TEST_CASE("A buffer pool hands out aligned buffers of its size until it is empty",
          "[core][buffer_pool]") {
  BufferPool pool(3, 5000);
  CHECK(pool.buffer_size() == 8192);
  std::vector<Buffer> taken;
  for (int i = 0; i < 3; ++i) {
    auto buffer = pool.try_acquire();
    REQUIRE(buffer);
    CHECK(buffer->capacity() == 8192);
    CHECK(buffer->size() == 0);
    CHECK(reinterpret_cast<std::uintptr_t>(buffer->data()) % BufferPool::k_alignment == 0);
    taken.push_back(std::move(*buffer));
  }
  CHECK(pool.available() == 0);
  CHECK_FALSE(pool.try_acquire());
  CHECK_FALSE(pool.acquire_for(std::chrono::milliseconds(1)));
  taken.pop_back();
  CHECK(pool.available() == 1);
}

TEST_CASE("A buffer goes back to its pool when its handle dies or is released",
          "[core][buffer_pool]") {
  BufferPool pool(1, 4096);
  {
    auto buffer = pool.acquire();
    REQUIRE(buffer);
    buffer->resize(10);
    CHECK(buffer->bytes().size() == 10);
    Buffer moved = std::move(*buffer);
    CHECK_FALSE(*buffer);
    CHECK(moved);
    CHECK(pool.available() == 0);
  }
  CHECK(pool.available() == 1);
  auto again = pool.acquire();
  REQUIRE(again);
  again->release();
  CHECK_FALSE(*again);
  CHECK(pool.available() == 1);
}

TEST_CASE("Acquiring from an empty pool waits until a buffer comes back", "[core][buffer_pool]") {
  BufferPool pool(1, 4096);
  auto held = pool.acquire();
  std::atomic<bool> got{false};
  auto waiter = std::async(std::launch::async, [&] {
    auto buffer = pool.acquire();
    got = true;
    return buffer.has_value();
  });
  // The waiter cannot finish while the buffer is held; no timing assumed
  // beyond "it has not finished yet" being allowed either way.
  CHECK(waiter.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout);
  CHECK_FALSE(got);
  held->release();
  CHECK(waiter.get());
}

TEST_CASE("Closing a pool wakes its waiters with nothing", "[core][buffer_pool]") {
  BufferPool pool(1, 4096);
  auto held = pool.acquire();
  auto waiter = std::async(std::launch::async, [&] { return pool.acquire().has_value(); });
  pool.close();
  CHECK_FALSE(waiter.get());
  CHECK_FALSE(pool.acquire());
}

TEST_CASE("Many threads share a small pool without losing a buffer", "[core][buffer_pool]") {
  BufferPool pool(4, 4096);
  std::atomic<int> in_use{0};
  std::atomic<int> most_in_use{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        auto buffer = pool.acquire();
        const int now = ++in_use;
        int seen = most_in_use.load();
        while (now > seen && !most_in_use.compare_exchange_weak(seen, now)) {
        }
        buffer->data()[0] = std::byte{1};
        --in_use;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(most_in_use.load() <= 4);
  CHECK(pool.available() == 4);
}
