// Every configuration key, defined once. Each table below lists the keys of
// one model struct: key name (the XML tag and the TOML key), member, value
// kind, and whether it is required. These tables drive the XML binding, the
// TOML binding and the TOML writer alike (see schema.hpp).

#include "schemas.hpp"
#include "codecs.hpp"

#include <limits>

namespace cback::config::schema {
namespace {

namespace c = codecs;

constexpr int k_max = std::numeric_limits<int>::max();
constexpr int k_min = std::numeric_limits<int>::min();
using c::archive_mode;
using c::collect_mode;

} // namespace

// ---------------------------------------------------------------- reference

template <>
const Schema<Reference>& schema_of<Reference>() {
  static const Schema<Reference> schema{
      "Reference information about this configuration (free text)",
      {
          scalar("author", &Reference::author, c::text()),
          scalar("revision", &Reference::revision, c::text()),
          scalar("description", &Reference::description, c::text()),
          scalar("generator", &Reference::generator, c::text()),
      }};
  return schema;
}

// --------------------------------------------------------------- extensions

template <>
const Schema<Dependencies>& schema_of<Dependencies>() {
  static const Schema<Dependencies> schema{
      "",
      {
          comma_list("run_before", &Dependencies::run_before, c::action_name()),
          comma_list("run_after", &Dependencies::run_after, c::action_name()),
      }};
  return schema;
}

template <>
const Schema<ExtendedAction>& schema_of<ExtendedAction>() {
  static const Schema<ExtendedAction> schema{
      "",
      {
          scalar("name", &ExtendedAction::name, c::action_name(), Need::required),
          // TOML may leave out module and function: the action's name is
          // then the built-in extension to run (see extend/registry.hpp).
          scalar("module", &ExtendedAction::module, c::module_name(), Need::required_in_xml),
          scalar("function", &ExtendedAction::function, c::identifier(), Need::required_in_xml),
          scalar("index", &ExtendedAction::index, c::integer(0, k_max)),
          table("depends", &ExtendedAction::depends),
          scalar("command", &ExtendedAction::command, c::abs_path()),
      }};
  return schema;
}

template <>
const Schema<Extensions>& schema_of<Extensions>() {
  static const Schema<Extensions> schema{
      "Extended actions (built-in extensions) and the order they run in",
      {
          scalar("order_mode", &Extensions::order_mode,
                 c::enumeration<OrderMode>({"index", "dependency"})),
          tables("action", &Extensions::actions),
      }};
  return schema;
}

// ------------------------------------------------------------------ options

template <>
const Schema<CommandOverride>& schema_of<CommandOverride>() {
  static const Schema<CommandOverride> schema{
      "",
      {
          scalar("command", &CommandOverride::command, c::text(), Need::required),
          scalar("abs_path", &CommandOverride::abs_path, c::abs_path(), Need::required),
      }};
  return schema;
}

template <>
const Schema<ActionHook>& schema_of<ActionHook>() {
  static const Schema<ActionHook> schema{
      "",
      {
          scalar("action", &ActionHook::action, c::action_name(), Need::required),
          scalar("command", &ActionHook::command, c::text(), Need::required),
      }};
  return schema;
}

template <>
const Schema<Options>& schema_of<Options>() {
  static const Schema<Options> schema{
      "General options: schedule, users, commands, hooks",
      {
          scalar("starting_day", &Options::starting_day,
                 c::enumeration<Weekday>({"monday", "tuesday", "wednesday", "thursday", "friday",
                                          "saturday", "sunday"}),
                 Need::required),
          scalar("working_dir", &Options::working_dir, c::abs_path(), Need::required),
          scalar("backup_user", &Options::backup_user, c::text(), Need::required),
          scalar("backup_group", &Options::backup_group, c::text(), Need::required),
          scalar("rcp_command", &Options::rcp_command, c::text(), Need::required),
          scalar("rsh_command", &Options::rsh_command, c::text()),
          scalar("cback_command", &Options::cback_command, c::text()),
          comma_list("managed_actions", &Options::managed_actions, c::action_name()),
          scalar("identity_file", &Options::identity_file, c::abs_path()),
          scalar("known_hosts_file", &Options::known_hosts_file, c::abs_path()),
          tables("override", &Options::overrides),
          tables("pre_action_hook", &Options::pre_action_hooks),
          tables("post_action_hook", &Options::post_action_hooks),
      }};
  return schema;
}

// -------------------------------------------------------------------- peers

template <>
const Schema<Peer>& schema_of<Peer>() {
  // The original silently drops a peer whose type is neither local nor
  // remote; here that is an error, so a typo cannot lose a whole peer.
  static const Schema<Peer> schema{
      "",
      {
          scalar("name", &Peer::name, c::text(), Need::required),
          scalar("type", &Peer::type, c::enumeration<PeerType>({"local", "remote"}),
                 Need::required),
          scalar("collect_dir", &Peer::collect_dir, c::abs_path(), Need::required),
          scalar("ignore_failures", &Peer::ignore_failures,
                 c::enumeration<IgnoreFailures>({"none", "all", "daily", "weekly"})),
          scalar("backup_user", &Peer::backup_user, c::text()),
          scalar("rcp_command", &Peer::rcp_command, c::text()),
          scalar("rsh_command", &Peer::rsh_command, c::text()),
          scalar("cback_command", &Peer::cback_command, c::text()),
          scalar("managed", &Peer::managed, c::boolean()),
          comma_list("managed_actions", &Peer::managed_actions, c::action_name()),
          scalar("host", &Peer::host, c::text()),
          scalar("port", &Peer::port, c::integer(1, 65535)),
          scalar("identity_file", &Peer::identity_file, c::abs_path()),
          scalar("known_hosts_file", &Peer::known_hosts_file, c::abs_path()),
      }};
  return schema;
}

template <>
const Schema<Peers>& schema_of<Peers>() {
  static const Schema<Peers> schema{"Peers (machines) whose backups are staged",
                                    {tables("peer", &Peers::peers)}};
  return schema;
}

// ------------------------------------------------------------------ collect

template <>
const Schema<Exclusions>& schema_of<Exclusions>() {
  static const Schema<Exclusions> schema{"",
                                         {
                                             list("abs_path", &Exclusions::abs_path, c::abs_path()),
                                             list("rel_path", &Exclusions::rel_path, c::text()),
                                             list("pattern", &Exclusions::pattern, c::regex()),
                                         }};
  return schema;
}

template <>
const Schema<CollectFile>& schema_of<CollectFile>() {
  static const Schema<CollectFile> schema{
      "",
      {
          scalar("abs_path", &CollectFile::abs_path, c::abs_path(), Need::required),
          scalar("collect_mode", &CollectFile::collect_mode, collect_mode()),
          xml_alias("mode", &CollectFile::collect_mode, collect_mode()),
          scalar("archive_mode", &CollectFile::archive_mode, archive_mode()),
      }};
  return schema;
}

template <>
const Schema<CollectDir>& schema_of<CollectDir>() {
  static const Schema<CollectDir> schema{
      "",
      {
          scalar("abs_path", &CollectDir::abs_path, c::abs_path(), Need::required),
          scalar("collect_mode", &CollectDir::collect_mode, collect_mode()),
          xml_alias("mode", &CollectDir::collect_mode, collect_mode()),
          scalar("archive_mode", &CollectDir::archive_mode, archive_mode()),
          scalar("ignore_file", &CollectDir::ignore_file, c::text()),
          scalar("link_depth", &CollectDir::link_depth, c::integer(0, k_max)),
          scalar("dereference", &CollectDir::dereference, c::boolean()),
          scalar("recursion_level", &CollectDir::recursion_level, c::integer(k_min, k_max)),
          table("exclude", &CollectDir::exclude),
      }};
  return schema;
}

template <>
const Schema<Collect>& schema_of<Collect>() {
  static const Schema<Collect> schema{
      "Collect: files and directories archived on this machine",
      {
          scalar("collect_dir", &Collect::collect_dir, c::abs_path(), Need::required),
          scalar("collect_mode", &Collect::collect_mode, collect_mode()),
          scalar("archive_mode", &Collect::archive_mode, archive_mode()),
          scalar("ignore_file", &Collect::ignore_file, c::text()),
          scalar("change_detection", &Collect::change_detection,
                 c::enumeration<ChangeDetection>({"stat", "content"})),
          scalar("cumulative", &Collect::cumulative, c::boolean()),
          scalar("io_backend", &Collect::io_backend,
                 c::enumeration<IoBackend>({"auto", "uring", "posix"})),
          table("exclude", &Collect::exclude),
          tables("file", &Collect::files),
          tables("dir", &Collect::dirs),
      }};
  return schema;
}

// ------------------------------------------------------------ stage, store

template <>
const Schema<Stage>& schema_of<Stage>() {
  static const Schema<Stage> schema{
      "Stage: where peers' backups are gathered (peers here replace [peers])",
      {
          scalar("staging_dir", &Stage::staging_dir, c::abs_path(), Need::required),
          scalar("max_concurrent_peers", &Stage::max_concurrent_peers, c::integer(1, 1024)),
          scalar("transport", &Stage::transport,
                 c::enumeration<StageTransport>({"sftp", "command"})),
          // Larger SFTP read requests silently lose data with libssh 0.10
          // against OpenSSH (the server caps a read): 64 KiB is the ceiling.
          scalar("sftp_request_size", &Stage::sftp_request_size, c::integer(1024, 65536)),
          scalar("sftp_requests_in_flight", &Stage::sftp_requests_in_flight, c::integer(1, 1024)),
          scalar("bandwidth_limit", &Stage::bandwidth_limit, c::bytes()),
          scalar("total_bandwidth_limit", &Stage::total_bandwidth_limit, c::bytes()),
          scalar("connect_timeout", &Stage::connect_timeout, c::integer(1, 86400)),
          scalar("io_timeout", &Stage::io_timeout, c::integer(1, 86400)),
          scalar("ssh_compression", &Stage::ssh_compression, c::boolean()),
          scalar("accept_new_host_keys", &Stage::accept_new_host_keys, c::boolean()),
          tables("peer", &Stage::peers),
      }};
  return schema;
}

template <>
const Schema<BlankBehavior>& schema_of<BlankBehavior>() {
  static const Schema<BlankBehavior> schema{
      "",
      {
          scalar("mode", &BlankBehavior::mode, c::enumeration<BlankMode>({"daily", "weekly"})),
          scalar("factor", &BlankBehavior::factor, c::float_text(0.0, k_max)),
      }};
  return schema;
}

template <>
const Schema<Store>& schema_of<Store>() {
  static const Schema<Store> schema{
      "Store: writing the staged backups to disc",
      {
          scalar("source_dir", &Store::source_dir, c::abs_path(), Need::required),
          scalar("media_type", &Store::media_type,
                 c::enumeration<MediaType>({"cdr-74", "cdrw-74", "cdr-80", "cdrw-80", "dvd+r",
                                            "dvd+rw", "dvd-r", "dvd-rw", "bd-r", "bd-re"}),
                 Need::required),
          scalar("device_type", &Store::device_type,
                 c::enumeration<DeviceType>({"cdwriter", "dvdwriter", "bdwriter"})),
          scalar("target_device", &Store::target_device, c::device_path(), Need::required),
          scalar("target_scsi_id", &Store::target_scsi_id, c::scsi_id()),
          scalar("drive_speed", &Store::drive_speed, c::integer(1, k_max)),
          scalar("check_data", &Store::check_data, c::boolean()),
          scalar("check_media", &Store::check_media, c::boolean()),
          scalar("warn_midnite", &Store::warn_midnite, c::boolean()),
          scalar("no_eject", &Store::no_eject, c::boolean()),
          scalar("refresh_media_delay", &Store::refresh_media_delay, c::integer(0, k_max)),
          scalar("eject_delay", &Store::eject_delay, c::integer(0, k_max)),
          table("blank_behavior", &Store::blank_behavior),
          scalar("fifo_size", &Store::fifo_size, c::bytes()),
          scalar("allow_failed_peers", &Store::allow_failed_peers, c::boolean()),
      }};
  return schema;
}

// -------------------------------------------------------------------- purge

template <>
const Schema<PurgeDir>& schema_of<PurgeDir>() {
  static const Schema<PurgeDir> schema{
      "",
      {
          scalar("abs_path", &PurgeDir::abs_path, c::abs_path(), Need::required),
          scalar("retain_days", &PurgeDir::retain_days, c::integer(0, k_max), Need::required),
      }};
  return schema;
}

template <>
const Schema<Purge>& schema_of<Purge>() {
  static const Schema<Purge> schema{
      "Purge: old files removed from these directories",
      {
          scalar("age_basis", &Purge::age_basis,
                 c::enumeration<AgeBasis>({"max_atime_mtime", "mtime"})),
          tables("dir", &Purge::dirs),
      }};
  return schema;
}

} // namespace cback::config::schema
