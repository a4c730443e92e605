// cback-bench-stage-loop: PEERS connections to one sshd each read one file
// and hash it, either all on one thread with the event-driven
// peer::SftpConnection (`loop`) or on a thread per peer with
// peer::SftpSource and its watchdog thread (`threads`, stage's model).
// Prints the wall time, the most threads seen, the peak RSS and whether
// every digest matched. Nothing is written to disk: it compares the two
// ways of reading, not a whole stage.
//
//   cback-bench-stage-loop loop|threads PEERS FILE
//
// The sshd is the test sshd of tools/servers.sh (CBACK_TEST_SSH_* from
// build/servers/env). Connections start in waves of 32 every 500 ms in
// both modes, so that the server's MaxStartups does not drop handshakes.

#include <cback/core/buffer_pool.hpp>
#include <cback/core/digest.hpp>
#include <cback/core/read_file.hpp>
#include <cback/peer/sftp_connection.hpp>
#include <cback/peer/sftp_source.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

/// A number field of /proc/self/status ("Threads:", "VmHWM:" in kB).
long status_field(std::string_view key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) {
      return std::strtol(line.c_str() + key.size(), nullptr, 10);
    }
  }
  return 0;
}

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) {
    throw std::runtime_error(fmt::format("{} is not set (source build/servers/env)", name));
  }
  return value;
}

cback::peer::SshEndpoint test_endpoint() {
  cback::peer::SshEndpoint endpoint;
  endpoint.peer_name = "bench";
  endpoint.host = required_env("CBACK_TEST_SSH_HOST");
  endpoint.port = std::stoi(required_env("CBACK_TEST_SSH_PORT"));
  endpoint.user = required_env("CBACK_TEST_SSH_USER");
  endpoint.identity_file = required_env("CBACK_TEST_SSH_KEY");
  endpoint.known_hosts_file = required_env("CBACK_TEST_SSH_KNOWN_HOSTS");
  endpoint.connect_timeout = std::chrono::seconds(60);
  return endpoint;
}

std::chrono::milliseconds start_delay(int peer) {
  return std::chrono::milliseconds(500 * (peer / 32));
}

struct Run {
  cback::peer::SshEndpoint endpoint;
  std::string path;
  std::uint64_t size = 0;
  std::string digest;
  std::atomic<int> matched{0};
  std::atomic<int> failed{0};
  std::atomic<long> threads{0};

  void done(cback::core::Sha256& sha) {
    (cback::core::to_hex(sha.finish()) == digest ? matched : failed)++;
    threads = std::max(threads.load(), status_field("Threads:"));
  }
};

void run_loop(Run& run, int peers) {
  asio::io_context context;
  std::vector<std::unique_ptr<cback::peer::SftpConnection>> connections;
  for (int i = 0; i < peers; ++i) {
    connections.push_back(std::make_unique<cback::peer::SftpConnection>(
        context, run.endpoint, cback::peer::SftpSettings{}));
    asio::co_spawn(
        context,
        [&, i]() -> asio::awaitable<void> {
          try {
            asio::steady_timer delay(context, start_delay(i));
            co_await delay.async_wait(asio::use_awaitable);
            auto& connection = *connections[static_cast<std::size_t>(i)];
            co_await connection.open();
            cback::core::Sha256 sha;
            co_await connection.read(
                run.path, 0, run.size,
                [&](std::span<const std::byte> bytes) -> asio::awaitable<bool> {
                  sha.update(bytes.data(), bytes.size());
                  co_return true;
                });
            run.done(sha);
          } catch (const std::exception& error) {
            fmt::print(stderr, "peer {}: {}\n", i, error.what());
            ++run.failed;
          }
        },
        asio::detached);
  }
  context.run();
}

void run_threads(Run& run, int peers) {
  const std::filesystem::path path(run.path);
  std::vector<std::thread> threads;
  for (int i = 0; i < peers; ++i) {
    threads.emplace_back([&, i] {
      try {
        std::this_thread::sleep_for(start_delay(i));
        cback::peer::SftpSource source(run.endpoint, path.parent_path().string(),
                                       cback::peer::SftpSettings{});
        source.open();
        cback::core::BufferPool pool(4); // as transfer_peer's
        cback::peer::SourceEntry entry;
        entry.name = path.filename().string();
        entry.size = run.size;
        cback::core::Sha256 sha;
        source.pull(entry, 0, pool, [&](cback::core::Buffer buffer) {
          sha.update(buffer.data(), buffer.size());
          return true;
        });
        run.done(sha);
      } catch (const std::exception& error) {
        fmt::print(stderr, "peer {}: {}\n", i, error.what());
        ++run.failed;
      }
    });
  }
  // The threads come and go: their number is sampled while peers run.
  while (run.matched + run.failed < peers) {
    run.threads = std::max(run.threads.load(), status_field("Threads:"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& thread : threads) {
    thread.join();
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fmt::print(stderr, "Usage: cback-bench-stage-loop loop|threads PEERS FILE\n");
    return 2;
  }
  try {
    const std::string mode = argv[1];
    const int peers = std::stoi(argv[2]);
    Run run;
    run.endpoint = test_endpoint();
    run.path = std::filesystem::absolute(argv[3]).string();
    const auto content = cback::core::read_file(run.path);
    if (!content) {
      throw std::runtime_error("cannot read " + run.path);
    }
    run.size = content->size();
    run.digest = cback::core::to_hex(cback::core::sha256(*content));
    const auto start = Clock::now();
    mode == "loop" ? run_loop(run, peers) : run_threads(run, peers);
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    fmt::print("{}: {} peers x {} bytes: {:.1f} s, {} matched, {} failed, at most {} threads, "
               "peak RSS {} MB\n",
               mode, peers, run.size, wall, run.matched.load(), run.failed.load(),
               run.threads.load(), status_field("VmHWM:") / 1024);
    return run.failed == 0 ? 0 : 1;
  } catch (const std::exception& error) {
    fmt::print(stderr, "cback-bench-stage-loop: {}\n", error.what());
    return 1;
  }
}
