#pragma once

// The amazons3 extension (docs/configuration.md, "amazons3"): the staged
// day goes to s3://BUCKET[/PATH]/YYYY/MM/DD/<peer>/<file>, each file read
// once and streamed (through the encrypt command when one is configured)
// by the native S3 client (cback::s3), then marked with cback.amazons3.

#include <cback/s3/credentials.hpp>
#include <cback/s3/uploader.hpp>

#include <optional>
#include <string_view>

namespace cback {
struct Context;
}
namespace cback::config {
struct Config;
}

namespace cback::extend {

/// The metadata (x-amz-meta-NAME) every object the extension uploads
/// carries: "SIZE:MTIME_NS" of the staged file. An encrypted object cannot
/// be compared with its staged file (each encryption differs), so a re-run
/// recognises it by this; a restore knows it is encrypted by its size.
inline constexpr std::string_view k_source_metadata = "cback-source";

/// Chooses the day as store does (today, yesterday, tomorrow without
/// cback.amazons3; --full: today) and requires it complete as store does
/// (cback.peers); checks the size limit of the run (full_size_limit on a
/// full or start-of-week run, else incr_size_limit) before anything is
/// sent; uploads every staged file but the indicators, skipping objects
/// already uploaded, resuming unfinished multipart uploads and aborting
/// stale ones; verifies each object by HEAD; then deletes the day's
/// objects that are no longer staged and writes cback.amazons3. Needs the
/// [options], [stage] and [amazons3] sections. Throws Error(action) naming
/// the day, the file or the object (with the server's answer) on failure.
void run_amazons3(Context& context);

/// Where the keys, region and endpoint of `config` come from: [amazons3]
/// profile, region and endpoint_url, and the ~/.aws of [options]
/// backup_user when running as root (s3::aws_home). Shared by the
/// extension and cback-amazons3-sync -c.
s3::SettingsRequest amazons3_settings_request(const config::Config& config);

/// How objects are sent under `config`'s [amazons3]: part_size (8 MiB
/// without one), parallel_parts and storage_class. Shared by the extension
/// and cback-amazons3-sync -c; the defaults without an [amazons3] section.
s3::UploadTuning amazons3_tuning(const config::Config& config);

/// [amazons3] bandwidth_limit in bytes per second; none without one.
std::optional<double> amazons3_bandwidth_limit(const config::Config& config);

} // namespace cback::extend
