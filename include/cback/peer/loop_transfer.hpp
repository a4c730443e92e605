#pragma once

// transfer_peer (peer/transfer.hpp) for a peer reached over an
// SftpConnection on an event loop: the same steps, checks and guarantees,
// with the network waits as coroutines on the connection's io_context and
// every blocking step (opening and hashing staged files, writing, syncing,
// renaming) on a worker thread, so that one loop thread serves any number
// of peers.

#include <cback/core/thread_pool.hpp>
#include <cback/peer/sftp_connection.hpp>
#include <cback/peer/transfer.hpp>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace cback::peer {

/// Runs `function` on one of `workers` and resumes the awaiting coroutine
/// on its own executor with the result (or the exception `function`
/// threw). The loop keeps running while it waits. Give it a function that
/// captures by reference (the awaiting coroutine's frame outlives the
/// call): GCC 12 may destroy a temporary in a co_await expression twice,
/// so a capture that owns something (a buffer, a string) must not be one.
template <typename Function>
asio::awaitable<std::invoke_result_t<Function>> on_worker(core::ThreadPool& workers,
                                                          Function function) {
  using Result = std::invoke_result_t<Function>;
  static_assert(!std::is_void_v<Result>, "give the function a result");
  auto initiate = [&workers](auto handler, Function work) {
    auto executor = asio::get_associated_executor(handler);
    // The pending handler holds work on its loop, which then runs on
    // until the result is back; ThreadPool tasks are copyable functions.
    auto state = std::make_shared<
        std::tuple<decltype(handler), Function, decltype(asio::make_work_guard(executor))>>(
        std::move(handler), std::move(work), asio::make_work_guard(executor));
    workers.post([state] {
      std::exception_ptr error;
      Result result{};
      try {
        result = std::get<1>(*state)();
      } catch (...) {
        error = std::current_exception();
      }
      asio::post(std::get<2>(*state).get_executor(),
                 [state, error, result = std::move(result)]() mutable {
                   std::move(std::get<0>(*state))(error, std::move(result));
                 });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                          void(std::exception_ptr, Result)>(
      initiate, asio::use_awaitable, std::move(function));
}

/// Stages every file of the collect directory `collect_dir` of the peer
/// behind `connection` (open) into `target_dir`, as transfer_peer does.
/// settings.buffer_count buffers of
/// settings.buffer_size are the peer's memory. Throws as transfer_peer.
asio::awaitable<void> transfer_peer(SftpConnection& connection, std::string collect_dir,
                                    std::filesystem::path target_dir,
                                    const TransferSettings& settings, core::ThreadPool& workers,
                                    core::Logger& log, TransferResult& result);

/// Stages exactly `entries` of that collect directory, as listed by the
/// caller (who checked them: plain names, each read up to its size), with
/// no manifest: what cback-bench stage measures.
asio::awaitable<void> transfer_files(SftpConnection& connection, std::string collect_dir,
                                     std::vector<SourceEntry> entries,
                                     std::filesystem::path target_dir,
                                     const TransferSettings& settings, core::ThreadPool& workers,
                                     core::Logger& log, TransferResult& result);

} // namespace cback::peer
