#pragma once

// A second loopback sshd whose sftp subsystem is cback-hostile-sftp, the
// SFTP server that lies (tests/hostile_sftp/server.cpp), for the tests that
// hold stage and its SFTP client to what a compromised peer may send.

#include "support/local_socket.hpp"
#include "support/parts.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace cback::test {

namespace fs = std::filesystem;

inline void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

inline bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

/// A second sshd on 127.0.0.1 whose sftp subsystem is cback-hostile-sftp
/// playing `mode` with `argument` (see tests/hostile_sftp/server.cpp). Its
/// files live in `dir`; it is stopped by its PID.
class HostileSshd {
public:
  static std::optional<HostileSshd> start(const TestSshd& parts, const fs::path& dir,
                                          const std::string& mode, const std::string& argument) {
    HostileSshd sshd;
    sshd.m_dir = dir;
    fs::create_directories(dir);
    std::error_code ignored;
    fs::create_directories("/run/sshd", ignored); // privilege separation, as root
    write_text(dir / "scenario", mode + "\n" + argument + "\n");
    fs::copy_file(parts.key + ".pub", dir / "authorized_keys");
    const auto host_key = parts.host_pub.substr(0, parts.host_pub.size() - 4);
    const auto host_pub = read_file(parts.host_pub);
    for (int attempt = 0; attempt < 5; ++attempt) {
      sshd.m_port = free_port();
      write_text(dir / "sshd_config",
                 fmt::format("ListenAddress 127.0.0.1\nPort {}\nHostKey {}\nPidFile none\n"
                             "AuthorizedKeysFile {}\nStrictModes no\n"
                             "PermitRootLogin prohibit-password\n"
                             "PubkeyAuthentication yes\nPasswordAuthentication no\n"
                             "KbdInteractiveAuthentication no\nUsePAM no\n"
                             "LogLevel VERBOSE\nSubsystem sftp '{}' '{}'\n",
                             sshd.m_port, host_key, (dir / "authorized_keys").string(),
                             CBACK_HOSTILE_SFTP, (dir / "scenario").string()));
      write_text(dir / "known_hosts", fmt::format("[127.0.0.1]:{} {}", sshd.m_port,
                                                  host_pub.substr(0, host_pub.rfind(' '))) +
                                          "\n");
      if (sshd.spawn() && sshd.wait_ready()) {
        return sshd;
      }
      sshd.stop();
    }
    report_missing_part("hostile sshd", "it did not start; see " + (dir / "sshd.log").string() +
                                            ": " + read_log(dir));
    return std::nullopt;
  }

  HostileSshd() = default;
  HostileSshd(HostileSshd&& other) noexcept
      : m_dir(std::move(other.m_dir)), m_port(other.m_port), m_pid(std::exchange(other.m_pid, -1)) {
  }
  HostileSshd& operator=(HostileSshd&&) = delete;
  HostileSshd(const HostileSshd&) = delete;
  HostileSshd& operator=(const HostileSshd&) = delete;
  ~HostileSshd() { stop(); }

  [[nodiscard]] int port() const { return m_port; }
  [[nodiscard]] fs::path known_hosts() const { return m_dir / "known_hosts"; }

private:
  static std::string read_log(const fs::path& dir) {
    return fs::exists(dir / "sshd.log") ? read_file(dir / "sshd.log") : "(no log)";
  }

  bool spawn() {
    const std::string config = (m_dir / "sshd_config").string();
    const std::string log = (m_dir / "sshd.log").string();
    std::vector<std::string> argv{"/usr/sbin/sshd", "-D", "-f", config, "-E", log};
    std::vector<char*> args;
    for (auto& word : argv) {
      args.push_back(word.data());
    }
    args.push_back(nullptr);
    return ::posix_spawn(&m_pid, args[0], nullptr, nullptr, args.data(), environ) == 0;
  }

  bool wait_ready() {
    for (int i = 0; i < 100; ++i) {
      if (accepts(m_port)) {
        return true;
      }
      int status = 0;
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_pid = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  void stop() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGTERM);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
      m_pid = -1;
    }
  }

  fs::path m_dir;
  int m_port = 0;
  pid_t m_pid = -1;
};

} // namespace cback::test
