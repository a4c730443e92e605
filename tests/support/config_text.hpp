#pragma once

// Pieces of the TOML configurations the integration tests write.

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace cback::test {

/// The [options] table of a test configuration: the week starts on Monday,
/// root owns the backups, `working_dir` is the given directory, and `extra`
/// (whole lines) is added to the table. Ends with a blank line.
inline std::string options_table(const std::filesystem::path& working_dir,
                                 std::string_view extra = "") {
  return fmt::format(R"([options]
starting_day = "monday"
working_dir = '{}'
backup_user = "root"
backup_group = "root"
rcp_command = "/usr/bin/scp -B"
{}
)",
                     working_dir.string(), extra);
}

} // namespace cback::test
