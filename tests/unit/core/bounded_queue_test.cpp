#include <cback/core/bounded_queue.hpp>
#include <cback/core/buffer_pool.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

using cback::core::BoundedQueue;

TEST_CASE("A bounded queue gives items back in order", "[core][queue]") {
  BoundedQueue<int> queue(3);
  CHECK(queue.push(1));
  CHECK(queue.push(2));
  CHECK(queue.size() == 2);
  CHECK(queue.pop() == 1);
  CHECK(queue.try_pop() == 2);
  CHECK_FALSE(queue.try_pop());
  CHECK(queue.capacity() == 3);
}

TEST_CASE("A producer waits while the queue is full", "[core][queue]") {
  BoundedQueue<int> queue(2);
  CHECK(queue.push(1));
  CHECK(queue.push(2));
  int third = 3;
  CHECK_FALSE(queue.try_push(third));
  std::atomic<bool> pushed{false};
  auto producer = std::async(std::launch::async, [&] {
    const bool ok = queue.push(3);
    pushed = true;
    return ok;
  });
  CHECK(producer.wait_for(std::chrono::milliseconds(20)) == std::future_status::timeout);
  CHECK_FALSE(pushed);
  CHECK(queue.pop() == 1);
  CHECK(producer.get());
  CHECK(queue.pop() == 2);
  CHECK(queue.pop() == 3);
}

TEST_CASE("Closing a queue wakes producers and lets consumers drain", "[core][queue]") {
  BoundedQueue<int> queue(1);
  CHECK(queue.push(1));
  auto producer = std::async(std::launch::async, [&] { return queue.push(2); });
  queue.close();
  CHECK_FALSE(producer.get());
  CHECK(queue.closed());
  CHECK_FALSE(queue.push(3));
  CHECK(queue.pop() == 1);
  CHECK_FALSE(queue.pop());

  BoundedQueue<int> empty(1);
  auto consumer = std::async(std::launch::async, [&] { return empty.pop(); });
  empty.close();
  CHECK_FALSE(consumer.get());
}

TEST_CASE("Abandoning a queue drops its items and gives their buffers back", "[core][queue]") {
  cback::core::BufferPool pool(2, 4096);
  BoundedQueue<cback::core::Buffer> queue(2);
  CHECK(queue.push(std::move(*pool.acquire())));
  CHECK(queue.push(std::move(*pool.acquire())));
  CHECK(pool.available() == 0);
  queue.abandon();
  CHECK(pool.available() == 2);
  CHECK_FALSE(queue.pop());
}

TEST_CASE("Many producers and consumers pass every item exactly once", "[core][queue]") {
  BoundedQueue<std::unique_ptr<int>> queue(4);
  constexpr int k_producers = 4;
  constexpr int k_per_producer = 2000;
  std::vector<std::atomic<int>> seen(k_producers * k_per_producer);
  std::vector<std::thread> producers;
  std::vector<std::thread> consumers;
  for (int p = 0; p < k_producers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < k_per_producer; ++i) {
        queue.push(std::make_unique<int>(p * k_per_producer + i));
      }
    });
  }
  for (int c = 0; c < 3; ++c) {
    consumers.emplace_back([&] {
      while (auto item = queue.pop()) {
        ++seen[static_cast<std::size_t>(**item)];
      }
    });
  }
  for (auto& producer : producers) {
    producer.join();
  }
  queue.close();
  for (auto& consumer : consumers) {
    consumer.join();
  }
  int wrong = 0;
  for (const auto& count : seen) {
    wrong += count.load() == 1 ? 0 : 1;
  }
  CHECK(wrong == 0);
  CHECK(queue.size() == 0);
}
