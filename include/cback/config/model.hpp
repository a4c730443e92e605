#pragma once

// The in-memory configuration: one model for both file formats (TOML and the
// legacy Cedar Backup XML). Field names follow the XML tags, which are also
// the TOML keys. Fields whose *presence* matters to a rule (a mode that may
// be given on the item or as the section default, say) are std::optional;
// fields with a fixed default hold the default.
//
// `where` members record the element/table a value came from; they take no
// part in comparisons, so a converted file compares equal to its source.

#include <cback/config/location.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cback::config {

/// Equality that ignores source locations (see the note above).
struct Where {
  Location loc;
  bool operator==(const Where&) const { return true; }
};

enum class Weekday { monday, tuesday, wednesday, thursday, friday, saturday, sunday };
/// The same day as a std::chrono::weekday.
constexpr std::chrono::weekday to_chrono(Weekday day) {
  return std::chrono::weekday{static_cast<unsigned>(day) + 1}; // 7 is Sunday too
}
enum class CollectMode { daily, weekly, incr };
/// tar, tar.gz, tar.bz2 as the original; tarzst (tar.zst) is new.
enum class ArchiveMode { tar, targz, tarbz2, tarzst };
/// Compression of extension outputs; zstd is new.
enum class CompressMode { none, gzip, bzip2, zstd };
enum class OrderMode { index, dependency };
enum class PeerType { local, remote };
enum class IgnoreFailures { none, all, daily, weekly };
/// The original's media plus DVD-R/RW and BD-R/RE (new).
enum class MediaType {
  cdr_74,
  cdrw_74,
  cdr_80,
  cdrw_80,
  dvd_plus_r,
  dvd_plus_rw,
  dvd_minus_r,
  dvd_minus_rw,
  bd_r,
  bd_re,
};
enum class DeviceType { cdwriter, dvdwriter, bdwriter };
enum class BlankMode { daily, weekly };
/// How an incremental collect recognises a changed file (new).
enum class ChangeDetection { stat, content };
/// The file I/O backend of the run (collect, stage) (new); CBACK_IO wins
/// when set (docs/io.md).
enum class IoBackend { automatic, uring, posix };
/// What makes a file recently used for purge (new); the original used the
/// later of atime and mtime.
enum class AgeBasis { max_atime_mtime, mtime };

/// A byte quantity (docs/compatibility.md, "Byte quantities"): "250 MB", "1.1 GB", "10240".
/// The text is kept so a converted file shows what the user wrote.
struct ByteQuantity {
  std::string text;   ///< as written, trimmed
  double bytes = 0.0; ///< value in bytes (KB/MB/GB are powers of 1024)
  bool operator==(const ByteQuantity& other) const { return bytes == other.bytes; }
};

// ---------------------------------------------------------------- reference
struct Reference {
  std::optional<std::string> author, revision, description, generator;
  Where where;
  bool operator==(const Reference&) const = default;
};

// --------------------------------------------------------------- extensions
struct Dependencies {
  std::vector<std::string> run_before, run_after;
  bool operator==(const Dependencies&) const = default;
};

struct ExtendedAction {
  std::string name; ///< the action name on the command line
  std::optional<std::string>
      module; ///< legacy "CedarBackup3.extend.X"; absent in TOML = built-in `name`
  std::optional<std::string> function; ///< legacy "executeAction"
  std::optional<int> index;            ///< required in index mode
  std::optional<Dependencies> depends; ///< required in dependency mode (may be empty)
  std::optional<std::string> command;  ///< new: an executable to run (the `command` extension)
  Where where;
  bool operator==(const ExtendedAction&) const = default;
};

struct Extensions {
  OrderMode order_mode = OrderMode::index;
  std::vector<ExtendedAction> actions;
  Where where;
  bool operator==(const Extensions&) const = default;
};

// ------------------------------------------------------------------ options
struct CommandOverride {
  std::string command;  ///< first argv word to map, e.g. "cdrecord"
  std::string abs_path; ///< what to run instead
  Where where;
  bool operator==(const CommandOverride&) const = default;
};

struct ActionHook {
  std::string action;  ///< action name the hook belongs to
  std::string command; ///< split like the original's splitCommandLine, run without a shell
  Where where;
  bool operator==(const ActionHook&) const = default;
};

struct Options {
  std::optional<Weekday> starting_day;
  std::optional<std::string> working_dir;
  std::optional<std::string> backup_user;
  std::optional<std::string> backup_group;
  std::optional<std::string> rcp_command;
  std::optional<std::string> rsh_command;
  std::optional<std::string> cback_command;
  std::optional<std::vector<std::string>> managed_actions;
  std::vector<CommandOverride> overrides;      ///< XML <override>
  std::vector<ActionHook> pre_action_hooks;    ///< XML <pre_action_hook>
  std::vector<ActionHook> post_action_hooks;   ///< XML <post_action_hook>
  std::optional<std::string> identity_file;    ///< new: SSH key for every remote peer
  std::optional<std::string> known_hosts_file; ///< new: known_hosts for every remote peer
  Where where;
  bool operator==(const Options&) const = default;
};

// -------------------------------------------------------------------- peers
struct Peer {
  std::string name;
  PeerType type = PeerType::local;
  std::string collect_dir;
  std::optional<IgnoreFailures> ignore_failures;
  // Remote peers only.
  std::optional<std::string> backup_user;
  std::optional<std::string> rcp_command;
  std::optional<std::string> rsh_command;
  std::optional<std::string> cback_command;
  bool managed = false;
  std::optional<std::vector<std::string>> managed_actions;
  std::optional<std::string> host;             ///< new; default: name
  std::optional<int> port;                     ///< new; default 22
  std::optional<std::string> identity_file;    ///< new; default: options, then ~/.ssh
  std::optional<std::string> known_hosts_file; ///< new; default: options, then ~/.ssh/known_hosts
  Where where;
  bool operator==(const Peer&) const = default;
};

struct Peers {
  std::vector<Peer> peers;
  Where where;
  bool operator==(const Peers&) const = default;
};

// ------------------------------------------------------------------ collect
struct Exclusions {
  std::vector<std::string> abs_path; ///< absolute paths to skip
  std::vector<std::string> rel_path; ///< relative to the dir (dir level only)
  std::vector<std::string> pattern;  ///< regexes, full match (Python re semantics via PCRE2)
  bool operator==(const Exclusions&) const = default;
};

struct CollectFile {
  std::string abs_path;
  std::optional<CollectMode> collect_mode; ///< XML also accepts legacy <mode>, which wins
  std::optional<ArchiveMode> archive_mode;
  Where where;
  bool operator==(const CollectFile&) const = default;
};

struct CollectDir {
  std::string abs_path;
  std::optional<CollectMode> collect_mode;
  std::optional<ArchiveMode> archive_mode;
  std::optional<std::string> ignore_file;
  int link_depth = 0;
  bool dereference = false;
  int recursion_level = 0;
  Exclusions exclude;
  Where where;
  bool operator==(const CollectDir&) const = default;
};

struct Collect {
  std::string collect_dir;
  std::optional<CollectMode> collect_mode;
  std::optional<ArchiveMode> archive_mode;
  std::optional<std::string> ignore_file;
  Exclusions exclude;             ///< rel_path is not allowed at this level
  std::vector<CollectFile> files; ///< XML <file>
  std::vector<CollectDir> dirs;   ///< XML <dir>
  Where where;
  ChangeDetection change_detection = ChangeDetection::stat; ///< new
  bool cumulative = false; ///< new: incr holds the changes since the week started
  IoBackend io_backend = IoBackend::automatic; ///< new
  bool operator==(const Collect&) const = default;
};

// -------------------------------------------------------------------- stage
/// How remote peers are pulled (new): SFTP over libssh, or the original's
/// rcp_command (scp) for peers that need it.
enum class StageTransport { sftp, command };

struct Stage {
  std::string staging_dir;
  std::vector<Peer> peers; ///< if non-empty, replaces <peers> for staging
  Where where;
  // New keys (docs/configuration.md, [stage]); all have defaults.
  int max_concurrent_peers = 8;                        ///< peers staged at the same time
  StageTransport transport = StageTransport::sftp;     ///< for every remote peer
  int sftp_request_size = 65536;                       ///< bytes per SFTP read request (<= 64 KiB)
  int sftp_requests_in_flight = 32;                    ///< pipelined read requests per file
  std::optional<ByteQuantity> bandwidth_limit{};       ///< bytes per second, per peer
  std::optional<ByteQuantity> total_bandwidth_limit{}; ///< bytes per second, all peers
  int connect_timeout = 30;                            ///< seconds to connect and authenticate
  int io_timeout = 120;                                ///< seconds without progress = failure
  bool ssh_compression = false;                        ///< SSH compression (slow links)
  bool accept_new_host_keys = false;                   ///< add unknown host keys instead of failing
  bool operator==(const Stage&) const = default;
};

// -------------------------------------------------------------------- store
struct BlankBehavior {
  std::optional<BlankMode> mode;
  std::optional<std::string> factor; ///< float string >= 0
  bool operator==(const BlankBehavior&) const = default;
};

struct Store {
  std::string source_dir;
  MediaType media_type = MediaType::cdrw_74;
  DeviceType device_type = DeviceType::cdwriter;
  std::string target_device;
  std::optional<std::string> target_scsi_id;
  std::optional<int> drive_speed;
  bool check_data = false;
  bool check_media = false;
  bool warn_midnite = false;
  bool no_eject = false;
  std::optional<BlankBehavior> blank_behavior;
  std::optional<int> refresh_media_delay;
  std::optional<int> eject_delay;
  std::optional<ByteQuantity> fifo_size; ///< new; default: about 10 s at the nominal speed
  bool allow_failed_peers = false;       ///< new: store a day whose stage had failed peers
  Where where;
  bool operator==(const Store&) const = default;
};

// -------------------------------------------------------------------- purge
struct PurgeDir {
  std::string abs_path;
  int retain_days = 0;
  Where where;
  bool operator==(const PurgeDir&) const = default;
};

struct Purge {
  std::vector<PurgeDir> dirs;
  Where where;
  AgeBasis age_basis = AgeBasis::max_atime_mtime; ///< new
  bool operator==(const Purge&) const = default;
};

// ------------------------------------------------------ extension sections
struct MysqlConfig {
  std::optional<std::string> user;
  std::optional<std::string> password; ///< never put on a command line or in the log
  CompressMode compress_mode = CompressMode::none;
  bool all = false;
  std::vector<std::string> databases; ///< XML <database>
  Where where;
  bool operator==(const MysqlConfig&) const = default;
};

struct PostgresqlConfig {
  std::optional<std::string> user;
  CompressMode compress_mode = CompressMode::none;
  bool all = false;
  std::vector<std::string> databases; ///< XML <database>
  Where where;
  bool operator==(const PostgresqlConfig&) const = default;
};

struct SubversionRepository {
  std::string abs_path;
  std::optional<CollectMode> collect_mode;
  std::optional<CompressMode> compress_mode;
  std::optional<std::string> type; ///< informational (BDB, FSFS)
  Where where;
  bool operator==(const SubversionRepository&) const = default;
};

struct SubversionRepositoryDir {
  std::string abs_path;
  std::optional<CollectMode> collect_mode;
  std::optional<CompressMode> compress_mode;
  std::optional<std::string> type;
  Exclusions exclude; ///< rel_path and pattern only
  Where where;
  bool operator==(const SubversionRepositoryDir&) const = default;
};

struct SubversionConfig {
  std::optional<CollectMode> collect_mode;
  std::optional<CompressMode> compress_mode;
  std::vector<SubversionRepository> repositories;       ///< XML <repository>
  std::vector<SubversionRepositoryDir> repository_dirs; ///< XML <repository_dir>
  Where where;
  bool operator==(const SubversionConfig&) const = default;
};

struct MboxFile {
  std::string abs_path;
  std::optional<CollectMode> collect_mode;
  std::optional<CompressMode> compress_mode;
  Where where;
  bool operator==(const MboxFile&) const = default;
};

struct MboxDir {
  std::string abs_path;
  std::optional<CollectMode> collect_mode;
  std::optional<CompressMode> compress_mode;
  Exclusions exclude; ///< rel_path and pattern only
  Where where;
  bool operator==(const MboxDir&) const = default;
};

struct MboxConfig {
  std::optional<CollectMode> collect_mode;
  std::optional<CompressMode> compress_mode;
  std::vector<MboxFile> files; ///< XML <file>
  std::vector<MboxDir> dirs;   ///< XML <dir>
  Where where;
  bool operator==(const MboxConfig&) const = default;
};

struct EncryptConfig {
  std::string encrypt_mode;   ///< must be "gpg"
  std::string encrypt_target; ///< GPG recipient
  Where where;
  bool operator==(const EncryptConfig&) const = default;
};

struct SplitConfig {
  ByteQuantity size_limit;
  ByteQuantity split_size;
  Where where;
  bool operator==(const SplitConfig&) const = default;
};

struct CapacityConfig {
  std::optional<std::string> max_percentage; ///< float string 0..100
  std::optional<ByteQuantity> min_bytes;
  Where where;
  bool operator==(const CapacityConfig&) const = default;
};

struct AmazonS3Config {
  bool warn_midnite = false;
  std::string s3_bucket;
  std::optional<std::string> encrypt; ///< command with ${input} and ${output}
  std::optional<ByteQuantity> full_size_limit;
  std::optional<ByteQuantity> incr_size_limit;
  std::optional<std::string> endpoint_url;     ///< any S3-compatible service; none: AWS
  std::optional<std::string> region;           ///< SigV4 region; none: the AWS CLI's sources
  std::optional<std::string> profile;          ///< profile of ~/.aws/credentials and config
  std::optional<std::string> storage_class;    ///< x-amz-storage-class of every object
  std::optional<ByteQuantity> part_size;       ///< multipart part size; none: 8 MiB
  int parallel_parts = 4;                      ///< requests in flight (and buffers in memory)
  std::optional<ByteQuantity> bandwidth_limit; ///< bytes per second over all requests
  Where where;
  bool operator==(const AmazonS3Config&) const = default;
};

// ------------------------------------------------------------- the document
/// The syntax of a configuration file: cback's TOML or the original's XML.
enum class Format { toml, xml };

struct Config {
  std::string path;             ///< the file it was read from
  Format format = Format::toml; ///< the syntax it was read in (a site's Python module needs XML)
  std::optional<Reference> reference;
  std::optional<Extensions> extensions;
  std::optional<Options> options;
  std::optional<Peers> peers;
  std::optional<Collect> collect;
  std::optional<Stage> stage;
  std::optional<Store> store;
  std::optional<Purge> purge;
  std::optional<MysqlConfig> mysql;
  std::optional<PostgresqlConfig> postgresql;
  std::optional<SubversionConfig> subversion;
  std::optional<MboxConfig> mbox;
  std::optional<EncryptConfig> encrypt;
  std::optional<SplitConfig> split;
  std::optional<CapacityConfig> capacity;
  std::optional<AmazonS3Config> amazons3;

  /// Compares every section; ignores `path`, `format` and source locations.
  bool operator==(const Config& other) const;

  /// True when a section holds a password (mysql's): a file written from
  /// this configuration must be readable by its owner alone.
  [[nodiscard]] bool holds_password() const;
};

} // namespace cback::config
