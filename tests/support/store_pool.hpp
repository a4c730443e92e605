#pragma once

// A master's staging directory and a stdio: disc image for the store,
// rebuild, initialize and capacity tests, which drive the real binary with
// CBACK_TODAY simulating the day. 2026-11-23 is a Monday, the starting day.

#include "support/pool.hpp"
#include "support/small_tmpfs.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cback::test {

struct StorePool {
  TempDir dir;
  std::filesystem::path image = dir / "disc.iso";
  std::string media_type = "dvd+rw";
  std::string device_type = "dvdwriter";
  std::string store_extra;         ///< more [store] lines
  std::string extra;               ///< more sections
  std::string extensions;          ///< an [extensions] section
  std::optional<SmallTmpfs> small; ///< see image_on_tmpfs(); unmounted before dir goes

  /// Puts the image on a tmpfs of `size` of its own (dir/small): a disc
  /// that fills up. False (reported as a missing part) when it cannot be
  /// mounted.
  bool image_on_tmpfs(const std::string& size) {
    small.emplace(dir / "small", size);
    image = dir / "small/disc.iso";
    return small->mounted();
  }

  [[nodiscard]] std::filesystem::path staging() const { return dir / "staging"; }

  /// staging/YYYY/MM/DD for "YYYY-MM-DD".
  [[nodiscard]] std::filesystem::path day_dir(const std::string& date) const {
    return staging() / date.substr(0, 4) / date.substr(5, 2) / date.substr(8, 2);
  }

  /// A staged day: cback.stage, two peers' files, the first of `size`
  /// bytes starting with `marker`, and a stage status record saying that
  /// peer1, the configured peer, was staged.
  std::filesystem::path stage_day(const std::string& date, const std::string& marker,
                                  std::size_t size = 50'000) const {
    std::string data = marker;
    while (data.size() < size) {
      data += fmt::format("{}:{};", marker, data.size());
    }
    const std::string day = day_dir(date).lexically_relative(dir.path()).string();
    dir.write(day + "/cback.stage", "");
    dir.write(day + "/peer1/cback.collect", "");
    dir.write(day + "/peer1/etc.tar", data);
    dir.write(day + "/peer2/home-user.tar", marker + " of peer2\n");
    dir.write(day + "/cback.peers", fmt::format("cback-stage-status 1 {}\n"
                                                "peer staged 2 {} {} 5 peer1\t\n"
                                                "end 1\n",
                                                date, data.size(), data.size()));
    return day_dir(date);
  }

  [[nodiscard]] std::filesystem::path config() const {
    std::filesystem::create_directories(dir / "work");
    std::filesystem::create_directories(staging());
    return dir.write("cback.toml", extensions + toml_head(dir / "work") +
                                       local_stage_table(staging(), "peer1", dir / "collect") +
                                       fmt::format(R"([store]
source_dir = '{}'
media_type = "{}"
device_type = "{}"
target_device = 'stdio:{}'
{}
{}
)",
                                                   staging().string(), media_type, device_type,
                                                   image.string(), store_extra, extra));
  }

  /// Runs cback with `arguments` (switches and actions) on `date`.
  RunResult run(const std::vector<std::string>& arguments, const std::string& date) const {
    RunOptions options;
    options.env.push_back("CBACK_TODAY=" + date);
    return cback::test::run(cback_command(config(), dir / "cback.log", arguments), options);
  }

  [[nodiscard]] std::string log() const { return read_file(dir / "cback.log"); }
};

} // namespace cback::test
