#pragma once

// cback-amazons3-sync's work (docs/cback-amazons3-sync.1): makes
// s3://BUCKET/PATH hold the files of a local directory, then verifies it.
// Uses the same client and uploader as the amazons3 extension, so every
// object is checksummed on the way and verified by HEAD after it.

#include <cback/s3/client.hpp>
#include <cback/s3/uploader.hpp>

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace cback::core {
class Logger;
class StopFlag;
} // namespace cback::core

namespace cback::core {
class ProgressBoard;
}

namespace cback::s3 {

struct SyncRequest {
  std::filesystem::path source;
  Location target;
  bool verify_only = false;                ///< -v: change nothing, only verify
  bool upload_only = false;                ///< -u: keep objects whose file is gone
  bool ignore_encoding = false;            ///< -w: names need not be UTF-8
  bool dry_run = false;                    ///< print what would change, change nothing
  core::ProgressBoard* progress = nullptr; ///< the upload's line goes there; may be null
  UploadTuning tuning;
};

/// What a sync does to the bucket.
struct SyncPlan {
  std::vector<std::string> upload; ///< files (relative to the source), new or changed
  std::vector<std::string> remove; ///< keys whose file is gone
  std::size_t unchanged = 0;
};

/// Every regular file below `source` (symlinks not followed), relative,
/// sorted. Throws Error(action) naming a name that is not UTF-8 (S3 keys
/// are UTF-8) unless `ignore_encoding`.
std::vector<std::string> local_files(const std::filesystem::path& source, bool ignore_encoding);

/// Compares the files with the objects under the target (size, then the
/// ETag the file would get with `part_size`).
SyncPlan plan_sync(const SyncRequest& request, const std::vector<std::string>& files,
                   const std::vector<ObjectEntry>& objects);

/// Plans, prints the plan to `out` (one "upload: FILE" or "delete: URL"
/// line each), carries it out (with `progress`, a line on that board of the
/// bytes sent, their total and the rate) (not with verify_only or dry_run), then
/// verifies that every file has an object of its size (not with dry_run).
/// Throws Error(action) naming every missing or wrong-size object.
SyncPlan sync(Client& client, const SyncRequest& request, core::Logger& log, std::ostream& out);

} // namespace cback::s3
