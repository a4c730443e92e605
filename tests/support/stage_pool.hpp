#pragma once

// What the stage integration tests share: a master with peers (local ones
// on disk, remote ones reached over the loopback sshd that tools/servers.sh
// starts, several peer names pointing at the one sshd, each with its own
// collect dir), the views of its results, and a relay that makes a peer
// hang in the middle of a transfer.

#include <cback/collect/manifest.hpp>
#include <cback/core/digest.hpp>
#include <cback/peer/status.hpp>

#include "support/parts.hpp"
#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace cback::test {

namespace fs = std::filesystem;

inline constexpr const char* k_tuesday = "2026-12-01";
inline constexpr const char* k_monday = "2026-11-30"; // the configured starting day

/// A TCP relay to the test sshd that stops passing data towards the client
/// after `budget` bytes while keeping both connections open: a peer that
/// hangs in the middle of a transfer.
class StallingRelay {
public:
  StallingRelay(int upstream_port, std::size_t budget) : m_budget(budget) {
    m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(m_listener, 1) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this, upstream_port] { relay(upstream_port); });
  }
  ~StallingRelay() {
    m_done = true;
    ::shutdown(m_listener, SHUT_RDWR);
    m_thread.join();
    ::close(m_listener);
  }
  StallingRelay(const StallingRelay&) = delete;
  StallingRelay& operator=(const StallingRelay&) = delete;
  [[nodiscard]] int port() const { return m_port; }

private:
  void relay(int upstream_port) {
    const int client = ::accept(m_listener, nullptr, nullptr);
    if (client < 0) {
      return;
    }
    const int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(upstream_port));
    if (::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      pump(client, server);
    }
    ::close(server);
    ::close(client);
  }

  void pump(int client, int server) {
    std::vector<char> block(16384);
    std::size_t down = 0;
    while (!m_done) {
      const short wanted = down < m_budget ? POLLIN : 0;
      pollfd fds[2] = {{client, POLLIN, 0}, {server, wanted, 0}};
      if (::poll(fds, 2, 100) <= 0) {
        continue;
      }
      if ((fds[0].revents & (POLLIN | POLLHUP)) != 0) {
        const auto got = ::read(client, block.data(), block.size());
        if (got <= 0 || ::write(server, block.data(), static_cast<std::size_t>(got)) != got) {
          return;
        }
      }
      if ((fds[1].revents & (POLLIN | POLLHUP)) != 0) {
        const auto got = ::read(server, block.data(), block.size());
        if (got <= 0 || ::write(client, block.data(), static_cast<std::size_t>(got)) != got) {
          return;
        }
        down += static_cast<std::size_t>(got);
      }
    }
  }

  std::size_t m_budget;
  int m_listener = -1;
  int m_port = 0;
  std::atomic<bool> m_done{false};
  std::thread m_thread;
};

/// A master with peers, each with a collect dir under dir/peers/NAME.
struct StagePool : Pool {
  std::string stage_keys;
  std::string peers;

  [[nodiscard]] fs::path collect(const std::string& name) const { return dir / ("peers/" + name); }
  [[nodiscard]] fs::path daily(const std::string& day = k_tuesday) const {
    return dir / ("staging/" + day.substr(0, 4) + "/" + day.substr(5, 2) + "/" + day.substr(8));
  }

  void local_peer(const std::string& name, const std::string& extra = "") {
    fs::create_directories(collect(name));
    peers += fmt::format("[[stage.peer]]\nname = '{}'\ntype = \"local\"\ncollect_dir = '{}'\n{}\n",
                         name, collect(name).string(), extra);
  }

  void remote_peer(const TestSshd& sshd, const std::string& name, const std::string& extra = "",
                   const std::string& port = "") {
    fs::create_directories(collect(name));
    const bool overrides_key = extra.find("identity_file") != std::string::npos;
    const bool overrides_hosts = extra.find("known_hosts_file") != std::string::npos;
    peers += fmt::format("[[stage.peer]]\nname = '{}'\ntype = \"remote\"\ncollect_dir = '{}'\n"
                         "host = \"127.0.0.1\"\nport = {}\n",
                         name, collect(name).string(), port.empty() ? sshd.port : port);
    if (!overrides_key) {
      peers += fmt::format("identity_file = '{}'\n", sshd.key);
    }
    if (!overrides_hosts) {
      peers += fmt::format("known_hosts_file = '{}'\n", sshd.known_hosts);
    }
    peers += extra + "\n";
  }

  /// A remote peer `name` whose collect dir is that of the peer `local`:
  /// the same files, read over SFTP under a second peer name.
  void remote_view(const TestSshd& sshd, const std::string& name, const std::string& local) {
    remote_peer(sshd, name);
    fs::remove(collect(name));
    fs::create_directory_symlink(collect(local), collect(name));
  }

  /// Writes `files` and cback.collect into the peer's collect dir.
  void ready(const std::string& name, const std::map<std::string, std::string>& files) const {
    for (const auto& [file, content] : files) {
      dir.write("peers/" + name + "/" + file, content);
    }
    dir.write("peers/" + name + "/cback.collect", "");
  }

  /// A cback.manifest listing `names` with their current content.
  void manifest(const std::string& name, const std::vector<std::string>& names) const {
    cback::collect::Manifest manifest;
    manifest.date = k_tuesday;
    for (const auto& file : names) {
      const auto content = read_file(collect(name) / file);
      manifest.archives.push_back({file, content.size(), cback::core::sha256(content)});
    }
    cback::collect::write_manifest(collect(name) / "cback.manifest", manifest);
  }

  RunResult stage(const std::string& day = k_tuesday, RunOptions options = {}) {
    write_config();
    options.env.push_back(std::string("CBACK_TODAY=") + day);
    return cback({"stage"}, options);
  }

  const fs::path& write_config() {
    return configure(toml_head(make_dir("work")) +
                     fmt::format("[stage]\nstaging_dir = '{}'\n{}\n{}", (dir / "staging").string(),
                                 stage_keys, peers));
  }

  [[nodiscard]] cback::peer::PeerStatus status_of(const std::string& name,
                                                  const std::string& day = k_tuesday) const {
    const auto status = cback::peer::load_status(daily(day) / "cback.peers");
    REQUIRE(status);
    for (const auto& peer : status->peers) {
      if (peer.peer == name) {
        return peer;
      }
    }
    FAIL("no status record for peer " << name);
    return {};
  }

  /// Checks that the peer's staging dir holds exactly its collect dir.
  void check_staged(const std::string& name, const std::string& day = k_tuesday) const {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(collect(name))) {
      const auto file = entry.path().filename().string();
      if (file == "cback.stage") {
        continue;
      }
      INFO("peer " << name << ", file " << file);
      REQUIRE(fs::exists(daily(day) / name / file));
      CHECK(read_file(daily(day) / name / file) == read_file(entry.path()));
      ++count;
    }
    // A re-run also stages the cback.stage the first run left on the peer,
    // as the original does.
    std::size_t staged = 0;
    for (const auto& entry : fs::directory_iterator(daily(day) / name)) {
      staged += entry.path().filename() == "cback.stage" ? 0 : 1;
    }
    CHECK(staged == count);
  }
};

} // namespace cback::test
