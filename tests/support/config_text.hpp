#pragma once

// Pieces of the TOML configurations the integration tests write.

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace cback::test {

/// Who the outputs of a run are given to (backup_user, backup_group).
struct Owner {
  std::string_view user = "root";
  std::string_view group = "root";
};

/// The [options] table of a test configuration: the week starts on Monday,
/// `owner` (root unless given) owns the backups, `working_dir` is the given
/// directory, and `extra` (whole lines) is added to the table. Ends with a
/// blank line.
inline std::string options_table(const std::filesystem::path& working_dir,
                                 std::string_view extra = "", const Owner& owner = {}) {
  return fmt::format(R"([options]
starting_day = "monday"
working_dir = '{}'
backup_user = "{}"
backup_group = "{}"
rcp_command = "/usr/bin/scp -B"
{}
)",
                     working_dir.string(), owner.user, owner.group, extra);
}

/// options_table() as the <options> element of an XML configuration, for
/// `rcp_command`. Ends with a newline.
inline std::string options_element(const std::filesystem::path& working_dir,
                                   std::string_view rcp_command = "/usr/bin/scp -B") {
  return fmt::format(R"(  <options>
    <starting_day>monday</starting_day>
    <working_dir>{}</working_dir>
    <backup_user>root</backup_user>
    <backup_group>root</backup_group>
    <rcp_command>{}</rcp_command>
  </options>
)",
                     working_dir.string(), rcp_command);
}

/// A whole Cedar Backup 3 configuration of one collect directory item, for
/// runs of the original: options_element(working_dir) and a <collect>
/// section writing into `collect_dir`.
inline std::string cback3_collect_config(const std::filesystem::path& working_dir,
                                         const std::filesystem::path& collect_dir,
                                         std::string_view collect_mode,
                                         std::string_view archive_mode,
                                         const std::filesystem::path& item) {
  return "<?xml version=\"1.0\"?>\n<cb_config>\n" + options_element(working_dir) +
         fmt::format(R"(  <collect>
    <collect_dir>{}</collect_dir>
    <collect_mode>{}</collect_mode>
    <archive_mode>{}</archive_mode>
    <ignore_file>.cbignore</ignore_file>
    <dir><abs_path>{}</abs_path></dir>
  </collect>
</cb_config>
)",
                     collect_dir.string(), collect_mode, archive_mode, item.string());
}

/// An [extensions] table of one action; `extra` (whole lines) is added to
/// its entry (`command = '...'`). Ends with a blank line.
inline std::string extensions_table(std::string_view name, int index, std::string_view extra = "") {
  return fmt::format("[extensions]\n[[extensions.action]]\nname = \"{}\"\nindex = {}\n{}\n", name,
                     index, extra);
}

/// A [stage] table with one local peer, `peer`, whose collect dir is
/// `collect_dir`. Ends with a blank line.
inline std::string local_stage_table(const std::filesystem::path& staging_dir,
                                     std::string_view peer,
                                     const std::filesystem::path& collect_dir) {
  return fmt::format("[stage]\nstaging_dir = '{}'\n\n[[stage.peer]]\nname = \"{}\"\ntype = "
                     "\"local\"\ncollect_dir = '{}'\n\n",
                     staging_dir.string(), peer, collect_dir.string());
}

/// A [collect] table into `collect_dir` with the ignore file .cbignore:
/// `extra` (whole lines) is added to the table, then the `items`
/// (dir_item(), file_item()).
inline std::string collect_table(const std::filesystem::path& collect_dir, std::string_view items,
                                 std::string_view extra = "") {
  return fmt::format("[collect]\ncollect_dir = '{}'\nignore_file = \".cbignore\"\n{}\n{}\n",
                     collect_dir.string(), extra, items);
}

/// A [[collect.dir]] item.
inline std::string dir_item(const std::filesystem::path& path, std::string_view collect_mode,
                            std::string_view archive_mode) {
  return fmt::format("[[collect.dir]]\nabs_path = '{}'\ncollect_mode = \"{}\"\narchive_mode = "
                     "\"{}\"\n",
                     path.string(), collect_mode, archive_mode);
}

/// A [[collect.file]] item, collected daily as tar.
inline std::string file_item(const std::filesystem::path& path) {
  return fmt::format(
      "[[collect.file]]\nabs_path = '{}'\ncollect_mode = \"daily\"\narchive_mode = \"tar\"\n",
      path.string());
}

/// A [collect] table that collects into `collect_dir` daily, as tar,
/// without items of its own. Ends with a blank line.
inline std::string daily_collect_table(const std::filesystem::path& collect_dir) {
  return fmt::format("[collect]\ncollect_dir = '{}'\ncollect_mode = \"daily\"\narchive_mode = "
                     "\"tar\"\n\n",
                     collect_dir.string());
}

/// A [[options.pre_action_hook]] for `action`, to pass as the `extra` of
/// options_table().
inline std::string pre_action_hook(std::string_view action, std::string_view command) {
  return fmt::format("\n[[options.pre_action_hook]]\naction = \"{}\"\ncommand = '{}'\n", action,
                     command);
}

/// A [purge] table of one directory, kept `retain_days` days.
inline std::string purge_table(const std::filesystem::path& dir, int retain_days = 7) {
  return fmt::format("[purge]\n[[purge.dir]]\nabs_path = '{}'\nretain_days = {}\n", dir.string(),
                     retain_days);
}

} // namespace cback::test
