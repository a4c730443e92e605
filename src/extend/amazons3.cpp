#include <cback/extend/amazons3.hpp>

#include "amazons3_source.hpp"

#include <cback/actions/store.hpp>
#include <cback/config/values.hpp>
#include <cback/context.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/perf.hpp>
#include <cback/core/progress.hpp>
#include <cback/s3/checksums.hpp>
#include <cback/s3/client.hpp>
#include <cback/s3/uploader.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_indicator = "cback.amazons3";

s3::ClientOptions client_options(const Context& context) {
  s3::ClientOptions options;
  options.settings =
      s3::resolve_settings(amazons3_settings_request(context.config), s3::process_environment());
  options.bandwidth_limit = amazons3_bandwidth_limit(context.config);
  return options;
}

// The original's size limits: on a full or start-of-week run the full
// limit, else the incremental one; checked before anything is sent.
void check_size_limit(const Context& context, const fs::path& day,
                      const std::vector<StagedObject>& objects, bool full_run) {
  const auto& s3_config = *context.config.amazons3;
  const auto& limit = full_run ? s3_config.full_size_limit : s3_config.incr_size_limit;
  std::uint64_t total = 0;
  for (const auto& object : objects) {
    total += object.size;
  }
  if (limit && static_cast<double>(total) > limit->bytes) {
    throw Error(ExitCode::action,
                fmt::format("Amount of data to upload from [{}] ({}) exceeds the {} size limit "
                            "[{}]; nothing was uploaded.",
                            day.string(), core::display_bytes(static_cast<double>(total)),
                            full_run ? "full" : "incremental", limit->text));
  }
}

// The staged day's check as store makes it (docs/stage-status.md): a day
// with failed or missing peers goes only with [store] allow_failed_peers,
// one with partial files never.
void check_complete_day(const Context& context, const fs::path& day) {
  const bool allow = context.config.store && context.config.store->allow_failed_peers;
  const auto let_through = actions::require_complete_day(
      day, actions::configured_peer_names(context.config),
      allow ? actions::IncompleteDay::warn : actions::IncompleteDay::refuse);
  for (const auto& gap : let_through) {
    context.log.warning("Uploading [{}] although {}.", day.string(), gap);
  }
}

std::string source_identity(const StagedObject& object) {
  return fmt::format("{}:{}", object.size, object.mtime_ns);
}

// What the bucket holds for the day before anything is sent.
struct Remote {
  std::map<std::string, s3::ObjectEntry> objects;
  std::map<std::string, std::vector<s3::UploadEntry>> uploads; ///< per key, oldest first
};

Remote list_remote(s3::Client& client, const s3::Location& location, const std::string& prefix) {
  Remote remote;
  for (auto& object : client.list_objects(location.bucket, prefix)) {
    remote.objects.emplace(object.key, std::move(object));
  }
  for (auto& upload : client.list_uploads(location.bucket, prefix)) {
    remote.uploads[upload.key].push_back(std::move(upload));
  }
  for (auto& [key, uploads] : remote.uploads) {
    std::sort(uploads.begin(), uploads.end(),
              [](const auto& a, const auto& b) { return a.initiated < b.initiated; });
  }
  return remote;
}

// The day's upload: one pass over the staged files in name order.
class DayUpload {
public:
  DayUpload(Context& context, s3::Client& client, s3::Location location, fs::path day,
            std::string prefix)
      : m_context(context), m_client(client), m_location(std::move(location)),
        m_day(std::move(day)), m_prefix(std::move(prefix)),
        m_remote(list_remote(client, m_location, m_prefix)),
        m_tuning(amazons3_tuning(context.config)) {}

  s3::UploadTotals run(const std::vector<StagedObject>& objects) {
    s3::Uploader uploader(m_client, m_location.bucket, m_tuning, m_context.log);
    for (const auto& object : objects) {
      m_context.stop.check();
      const std::string key = m_prefix + object.relative.generic_string();
      m_keys.insert(key);
      if (already_uploaded(object, key)) {
        ++m_skipped;
        continue;
      }
      if (!upload(uploader, object, key)) {
        break;
      }
    }
    auto totals = uploader.finish();
    abort_stale_uploads();
    return totals;
  }

  /// Deletes the day's objects that are not staged any more (the original
  /// emptied the day's prefix before its upload; here that waits until the
  /// new objects are complete).
  void delete_old_objects() {
    std::vector<std::string> old;
    for (const auto& [key, object] : m_remote.objects) {
      if (!m_keys.contains(key)) {
        old.push_back(key);
      }
    }
    if (!old.empty()) {
      m_context.log.info("Deleting {} object(s) under {} that are no longer staged.", old.size(),
                         m_location.url(m_prefix));
      m_client.delete_objects(m_location.bucket, old);
    }
  }

  [[nodiscard]] std::size_t skipped() const { return m_skipped; }

private:
  // An object of the key is there already and holds what this run would
  // send: the same bytes (size and ETag) or, encrypted, the same staged file.
  bool already_uploaded(const StagedObject& object, const std::string& key) {
    const auto found = m_remote.objects.find(key);
    if (found == m_remote.objects.end()) {
      return false;
    }
    const std::string name = (m_day / object.relative).string();
    if (encrypting(object)) {
      const auto head = m_client.head_object(m_location.bucket, key);
      const auto held = head ? head->metadata.find(std::string(k_source_metadata))
                             : std::map<std::string, std::string>::const_iterator{};
      const bool same =
          head && held != head->metadata.end() && held->second == source_identity(object);
      if (same) {
        m_context.log.debug("Skipping [{}]: {} holds its encrypted copy.", name,
                            m_location.url(key));
      }
      return same;
    }
    if (found->second.size != static_cast<std::int64_t>(object.size)) {
      return false;
    }
    const auto fd = open_staged_object(m_day, object.relative);
    const bool same = s3::etag_of(fd.get(), m_tuning.part_size, name) == found->second.etag;
    if (same) {
      m_context.log.debug("Skipping [{}]: {} holds the same bytes.", name, m_location.url(key));
    }
    return same;
  }

  [[nodiscard]] bool encrypting(const StagedObject& object) const {
    // Empty files are uploaded empty, not encrypted, as the original did.
    return m_context.config.amazons3->encrypt.has_value() && object.size > 0;
  }

  // The newest unfinished upload of `key` is continued; the others go.
  std::string resumable_upload(const std::string& key) {
    const auto found = m_remote.uploads.find(key);
    if (found == m_remote.uploads.end() || found->second.empty()) {
      return {};
    }
    auto& uploads = found->second;
    std::string newest = uploads.back().upload_id;
    uploads.pop_back();
    return newest;
  }

  bool upload(s3::Uploader& uploader, const StagedObject& object, const std::string& key) {
    const std::string name = (m_day / object.relative).string();
    auto fd = open_staged_object(m_day, object.relative);
    s3::ObjectSource source;
    source.key = key;
    source.name = name;
    source.metadata[std::string(k_source_metadata)] = source_identity(object);
    source.resume_upload_id = resumable_upload(key);
    if (!encrypting(object)) {
      source.fd = fd.get();
      return uploader.upload(std::move(source));
    }
    EncryptStream encrypted(m_context, *m_context.config.amazons3->encrypt, std::move(fd), name);
    source.fd = encrypted.output();
    source.after_read = [&encrypted] { encrypted.finish(); };
    return uploader.upload(std::move(source));
  }

  // Unfinished uploads of the day this run did not continue: of files no
  // longer staged, of objects found complete, or older than the one continued.
  void abort_stale_uploads() {
    for (const auto& [key, uploads] : m_remote.uploads) {
      for (const auto& upload : uploads) {
        m_context.log.debug("Aborting the unfinished upload of {} begun {}.", m_location.url(key),
                            upload.initiated);
        m_client.abort_upload(m_location.bucket, key, upload.upload_id);
      }
    }
  }

  Context& m_context;
  s3::Client& m_client;
  s3::Location m_location;
  fs::path m_day;
  std::string m_prefix;
  Remote m_remote;
  s3::UploadTuning m_tuning;
  std::set<std::string> m_keys;
  std::size_t m_skipped = 0;
};

void require_sections(const Context& context) {
  const auto& config = context.config;
  if (!config.options || !config.stage || !config.amazons3) {
    throw Error(ExitCode::action,
                "Extension [amazons3] needs the [options], [stage] and [amazons3] sections.");
  }
}

} // namespace

void run_amazons3(Context& context) {
  require_sections(context);
  const auto& config = context.config;
  auto& log = context.log;
  const core::Stopwatch watch;
  const auto today = core::today();
  const bool full_run =
      context.flags.full == core::Full::yes ||
      core::is_start_of_week(
          config::to_chrono(config.options->starting_day.value_or(config::Weekday::monday)), today);
  const auto selected = actions::select_staging_day(config.stage->staging_dir, today,
                                                    context.flags.full, k_indicator);
  if (selected.crossed_midnight && config.amazons3->warn_midnite) {
    log.warning("Warning: amazons3 process crossed midnite boundary to find data.");
  }
  check_complete_day(context, selected.dir);
  const auto objects = list_staged_objects(selected.dir);
  check_size_limit(context, selected.dir, objects, full_run);

  const auto location = s3::parse_location(config.amazons3->s3_bucket);
  s3::Client client(client_options(context), log, &context.stop);
  client.check_bucket(location.bucket);
  const std::string prefix = location.key(actions::graft_point(selected.day)) + "/";
  log.info("Uploading staging directory [{}] to {}.", selected.dir.string(), location.url(prefix));

  DayUpload day(context, client, location, selected.dir, prefix);
  const auto totals = day.run(objects);
  day.delete_old_objects();
  context.outputs.get().write_indicator(selected.dir / k_indicator, log);

  log.info("Uploaded {} object(s) ({} sent, {} part(s) resumed); {} already there.", totals.objects,
           core::display_bytes(static_cast<double>(totals.bytes_sent)), totals.parts_reused,
           day.skipped());
  core::PerfSample sample;
  sample.write = watch.elapsed();
  sample.bytes_in = totals.bytes_read;
  sample.bytes_out = totals.bytes_sent;
  sample.files = totals.objects;
  context.perf.add("amazons3", selected.dir.string(), sample);
  context.perf.add_stage_wall("amazons3", watch.elapsed());
  log.info("Executed the amazons3 extended action successfully.");
}

} // namespace cback::extend
