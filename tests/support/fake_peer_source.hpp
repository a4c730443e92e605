#pragma once

// A peer::PeerSource whose collect directory is whatever the test scripts:
// its files (or bare listing entries, as a hostile server would send), a
// manifest, cback.collect or not; and how it fails: open() throws, a pull
// sends part of a file and then fails, a pull waits at a PullGate until the
// test opens it or a stop is requested. It records every call in order, so
// that a test asserts what was asked of the peer (which files were pulled,
// whether cback.stage was written) rather than private state.
//
// FakePeers holds one fake per peer name and gives the stage the
// actions::SourceMaker that hands them out; the fakes stay the test's, to
// be looked at once the run is over.

#include <cback/actions/stage.hpp>
#include <cback/collect/manifest.hpp>
#include <cback/config/model.hpp>
#include <cback/core/buffer_pool.hpp>
#include <cback/core/digest.hpp>
#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>
#include <cback/peer/source.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace cback::test {

/// Where scripted pulls wait: until the test opens the gate, or until the
/// stop flag given at construction is raised, which ends the pull as a
/// stopped SFTP connection does (Error(interrupted)). Thread-safe.
class PullGate {
public:
  explicit PullGate(const core::StopFlag* stop = nullptr) : m_stop(stop) {}

  /// Called by a pull: waits until open() or a stop request.
  void pass() {
    std::unique_lock lock(m_mutex);
    ++m_waiting;
    m_changed.notify_all();
    // The stop flag has no way to wake anyone: look at it every millisecond.
    while (!m_open && !stopped()) {
      m_changed.wait_for(lock, std::chrono::milliseconds(1));
    }
    --m_waiting;
    m_changed.notify_all();
    if (!m_open) {
      throw Error(ExitCode::interrupted, "Backup interrupted.");
    }
  }

  /// Lets every waiting and later pull through.
  void open() {
    const std::lock_guard lock(m_mutex);
    m_open = true;
    m_changed.notify_all();
  }

  /// Waits until `count` pulls wait here at once; false after `timeout`.
  [[nodiscard]] bool wait_for_waiting(std::size_t count,
                                      std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, timeout, [&] { return m_waiting >= count; });
  }

private:
  [[nodiscard]] bool stopped() const { return m_stop != nullptr && m_stop->requested(); }

  const core::StopFlag* m_stop;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::size_t m_waiting = 0;
  bool m_open = false;
};

class FakePeerSource final : public peer::PeerSource {
public:
  /// A peer named `name` with an empty collect directory (not ready).
  explicit FakePeerSource(std::string name = "fake") : m_name(std::move(name)) {}

  // The script, written before the run.

  /// A regular file with `content` (replacing one of that name).
  FakePeerSource& file(const std::string& name, std::string content, std::int64_t mtime = 1000) {
    peer::SourceEntry entry;
    entry.name = name;
    entry.size = content.size();
    entry.mtime = mtime;
    File made{std::move(entry), std::move(content)};
    if (auto* found = find(name)) {
      *found = std::move(made);
    } else {
      m_files.push_back(std::move(made));
    }
    return *this;
  }
  /// One more entry, listed exactly as given whatever its name, kind or
  /// size (twice, if given twice); pulled, it reads as entry.size bytes of
  /// 'x'.
  FakePeerSource& listed(peer::SourceEntry entry) {
    m_files.push_back({std::move(entry), std::nullopt});
    return *this;
  }
  /// cback.collect: the peer is ready to be staged.
  FakePeerSource& ready() { return file(peer::k_collect_indicator, ""); }
  /// A cback.manifest listing every file so far but cback.*, with its size
  /// and digest (a file changed afterwards no longer matches it).
  FakePeerSource& manifest() {
    collect::Manifest manifest;
    manifest.date = "2026-12-01";
    for (const auto& file : m_files) {
      if (!file.entry.name.starts_with("cback.") && file.content) {
        manifest.archives.push_back(
            {file.entry.name, file.entry.size, core::sha256(*file.content)});
      }
    }
    return file(std::string(collect::k_manifest_file_name), collect::encode_manifest(manifest));
  }
  /// open() throws Error(action) with `message`.
  FakePeerSource& fail_open(std::string message) {
    m_open_failure = std::move(message);
    return *this;
  }
  /// The pull of `name` sends its first `bytes` bytes, then throws
  /// Error(action) with `message`.
  FakePeerSource& fail_pull(const std::string& name, std::uint64_t bytes, std::string message) {
    m_pull_failures[name] = {bytes, std::move(message)};
    return *this;
  }
  /// The pull of `name` passes `gate` before it sends anything.
  FakePeerSource& hold_pull(const std::string& name, PullGate& gate) {
    m_gates[name] = &gate;
    return *this;
  }

  // What was asked.

  /// Every call so far, in order: "open", "collect_indicator_present",
  /// "list", "read_small NAME", "pull NAME from OFFSET",
  /// "write_stage_indicator".
  [[nodiscard]] std::vector<std::string> calls() const {
    const std::lock_guard lock(m_mutex);
    return m_calls;
  }
  /// Whether `call` (as calls() spells it) was made.
  [[nodiscard]] bool asked(const std::string& call) const {
    const auto all = calls();
    return std::find(all.begin(), all.end(), call) != all.end();
  }
  /// The names pulled, in order.
  [[nodiscard]] std::vector<std::string> pulled() const {
    std::vector<std::string> names;
    for (const auto& call : calls()) {
      if (call.starts_with("pull ")) {
        names.push_back(call.substr(5, call.rfind(" from ") - 5));
      }
    }
    return names;
  }
  [[nodiscard]] bool stage_indicator_written() const { return asked("write_stage_indicator"); }

  // peer::PeerSource

  void open() override {
    note("open");
    if (m_open_failure) {
      throw Error(ExitCode::action, fmt::format("{}: {}", describe(), *m_open_failure));
    }
  }
  bool collect_indicator_present() override {
    note("collect_indicator_present");
    return find(peer::k_collect_indicator) != nullptr;
  }
  std::vector<peer::SourceEntry> list() override {
    note("list");
    std::vector<peer::SourceEntry> entries;
    for (const auto& file : m_files) {
      entries.push_back(file.entry);
    }
    return entries;
  }
  std::optional<std::string> read_small(const std::string& name) override {
    note("read_small " + name);
    const auto* found = find(name);
    if (found == nullptr) {
      return std::nullopt;
    }
    return found->content.value_or(std::string(found->entry.size, 'x'));
  }
  bool pull(const peer::SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
            const peer::ChunkSink& sink) override {
    note(fmt::format("pull {} from {}", entry.name, offset));
    if (const auto gate = m_gates.find(entry.name); gate != m_gates.end()) {
      gate->second->pass();
    }
    const auto* file = find(entry.name);
    if (file == nullptr) {
      throw Error(ExitCode::action, fmt::format("{}: no file [{}]", describe(), entry.name));
    }
    const auto failure = m_pull_failures.find(entry.name);
    const auto end =
        failure == m_pull_failures.end() ? entry.size : std::min(entry.size, failure->second.after);
    while (offset < end) {
      auto buffer = pool.acquire();
      if (!buffer) {
        return false;
      }
      const auto size = std::min<std::uint64_t>(buffer->capacity(), end - offset);
      const auto& content = file->content;
      if (content) {
        std::memcpy(buffer->data(), content->data() + offset, size);
      } else {
        std::memset(buffer->data(), 'x', size);
      }
      buffer->resize(size);
      offset += size;
      if (!sink(std::move(*buffer))) {
        return false;
      }
    }
    if (failure != m_pull_failures.end()) {
      throw Error(ExitCode::action, fmt::format("{}: reading [{}]: {}", describe(), entry.name,
                                                failure->second.message));
    }
    return true;
  }
  void write_stage_indicator() override {
    note("write_stage_indicator");
    file(peer::k_stage_indicator, "");
  }
  [[nodiscard]] std::string describe() const override {
    return fmt::format("peer [{}] (fake)", m_name);
  }

private:
  struct File {
    peer::SourceEntry entry;
    std::optional<std::string> content; ///< none: entry.size bytes of 'x'
  };
  struct PullFailure {
    std::uint64_t after = 0;
    std::string message;
  };

  // The first file listed as `name`.
  File* find(std::string_view name) {
    const auto found = std::find_if(m_files.begin(), m_files.end(),
                                    [&](const File& file) { return file.entry.name == name; });
    return found == m_files.end() ? nullptr : &*found;
  }

  void note(std::string call) {
    const std::lock_guard lock(m_mutex);
    m_calls.push_back(std::move(call));
  }

  std::string m_name;
  std::vector<File> m_files; ///< the collect directory, in listing order
  std::optional<std::string> m_open_failure;
  std::map<std::string, PullFailure> m_pull_failures;
  std::map<std::string, PullGate*> m_gates;
  mutable std::mutex m_mutex; ///< the test reads calls() while the peer runs
  std::vector<std::string> m_calls;
};

/// One FakePeerSource per peer name, and the source maker that gives the
/// stage each configured peer's fake.
class FakePeers {
public:
  /// The fake of peer `name`, made on first use.
  FakePeerSource& operator[](const std::string& name) {
    auto& fake = m_fakes[name];
    if (!fake) {
      fake = std::make_unique<FakePeerSource>(name);
    }
    return *fake;
  }

  /// For StagePlan::make_source: a source that forwards to the peer's fake
  /// (made before the run: the map is not changed while peers run).
  [[nodiscard]] actions::SourceMaker maker() {
    return [this](Context& /*context*/, const config::Peer& configured) {
      return std::unique_ptr<peer::PeerSource>(
          std::make_unique<Forward>(*m_fakes.at(configured.name)));
    };
  }

private:
  // What the stage owns and destroys; the fake behind it stays.
  class Forward final : public peer::PeerSource {
  public:
    explicit Forward(FakePeerSource& fake) : m_fake(fake) {}
    void open() override { m_fake.open(); }
    bool collect_indicator_present() override { return m_fake.collect_indicator_present(); }
    std::vector<peer::SourceEntry> list() override { return m_fake.list(); }
    std::optional<std::string> read_small(const std::string& name) override {
      return m_fake.read_small(name);
    }
    bool pull(const peer::SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
              const peer::ChunkSink& sink) override {
      return m_fake.pull(entry, offset, pool, sink);
    }
    void write_stage_indicator() override { m_fake.write_stage_indicator(); }
    [[nodiscard]] std::string describe() const override { return m_fake.describe(); }

  private:
    FakePeerSource& m_fake;
  };

  std::map<std::string, std::unique_ptr<FakePeerSource>> m_fakes;
};

} // namespace cback::test
