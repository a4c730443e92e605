#include <cback/core/thread_pool.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

using cback::core::for_each_index;
using cback::core::ThreadPool;

TEST_CASE("A thread pool runs every posted task before wait returns", "[core][thread_pool]") {
  ThreadPool pool(4);
  std::atomic<int> sum{0};
  for (int i = 1; i <= 100; ++i) {
    pool.post([&sum, i] { sum += i; });
  }
  pool.wait();
  CHECK(sum == 5050);
  // The pool takes more work after a wait.
  pool.post([&sum] { sum = 0; });
  pool.wait();
  CHECK(sum == 0);
}

TEST_CASE("A thread pool runs its tasks on as many threads as it has", "[core][thread_pool]") {
  // Three tasks that each wait for the other two can only finish when all
  // three run at once.
  ThreadPool pool(3);
  std::mutex mutex;
  std::condition_variable all_here;
  int here = 0;
  for (int i = 0; i < 3; ++i) {
    pool.post([&] {
      std::unique_lock lock(mutex);
      ++here;
      all_here.notify_all();
      all_here.wait(lock, [&] { return here == 3; });
    });
  }
  pool.wait();
  CHECK(here == 3);
}

TEST_CASE("A thread pool of one thread runs tasks in the order they were posted",
          "[core][thread_pool]") {
  std::vector<int> order;
  {
    ThreadPool pool(0); // counts as one
    for (int i = 0; i < 10; ++i) {
      pool.post([&order, i] { order.push_back(i); });
    }
  } // the destructor runs what is still queued
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("A task's exception reaches wait, and the other tasks still run", "[core][thread_pool]") {
  ThreadPool pool(2);
  std::atomic<int> ran{0};
  pool.post([] { throw std::runtime_error("first"); });
  for (int i = 0; i < 5; ++i) {
    pool.post([&ran] { ++ran; });
  }
  CHECK_THROWS_WITH(pool.wait(), "first");
  CHECK(ran == 5);
  pool.wait(); // the failure was reported once
}

TEST_CASE("A task may post more tasks, and wait waits for them too", "[core][thread_pool]") {
  ThreadPool pool(2);
  std::atomic<int> ran{0};
  pool.post([&] {
    for (int i = 0; i < 3; ++i) {
      pool.post([&ran] { ++ran; });
    }
    ++ran;
  });
  pool.wait();
  CHECK(ran == 4);
}

TEST_CASE("for_each_index calls the body once per index and rethrows its failure",
          "[core][thread_pool]") {
  std::vector<std::atomic<int>> calls(50);
  for_each_index(calls.size(), 4, [&](std::size_t i) { ++calls[i]; });
  for (const auto& count : calls) {
    CHECK(count == 1);
  }
  for_each_index(0, 4, [](std::size_t) { FAIL("no index to call"); });
  CHECK_THROWS_WITH(for_each_index(3, 2,
                                   [](std::size_t i) {
                                     if (i == 1) {
                                       throw std::runtime_error("index 1");
                                     }
                                   }),
                    "index 1");
}
