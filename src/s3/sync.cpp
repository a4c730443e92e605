#include <cback/s3/sync.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/s3/checksums.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <optional>
#include <unistd.h>

namespace cback::s3 {
namespace {

namespace fs = std::filesystem;

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80                    ? 1
                         : lead >= 0xC2 && lead <= 0xDF ? 2
                         : lead >= 0xE0 && lead <= 0xEF ? 3
                         : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                        : 0;
    if (length == 0 || i + length > text.size()) {
      return false;
    }
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0U) != 0x80) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

core::UniqueFd open_file(const fs::path& path) {
  core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    throw Error(ExitCode::action,
                fmt::format("Cannot open [{}]: {}", path.string(), std::strerror(errno)));
  }
  return fd;
}

std::string file_etag(const fs::path& path, std::size_t part_size) {
  return etag_of(open_file(path).get(), part_size, path.string());
}

std::string key_prefix(const Location& target) {
  return target.prefix.empty() ? std::string() : target.prefix + "/";
}

void verify(Client& client, const SyncRequest& request, const std::vector<std::string>& files) {
  std::map<std::string, std::int64_t> sizes;
  for (const auto& object :
       client.list_objects(request.target.bucket, key_prefix(request.target))) {
    sizes.emplace(object.key, object.size);
  }
  std::vector<std::string> wrong;
  for (const auto& file : files) {
    const std::string key = request.target.key(file);
    const auto size = static_cast<std::int64_t>(fs::file_size(request.source / file));
    const auto found = sizes.find(key);
    if (found == sizes.end()) {
      wrong.push_back(fmt::format("{} is missing", request.target.url(key)));
    } else if (found->second != size) {
      wrong.push_back(fmt::format("{} has {} bytes, [{}] {}", request.target.url(key),
                                  found->second, file, size));
    }
  }
  if (!wrong.empty()) {
    throw Error(ExitCode::action, fmt::format("The bucket does not match [{}]: {}.",
                                              request.source.string(), fmt::join(wrong, "; ")));
  }
}

// The upload's line on the run's progress board: the bytes every sending
// thread has sent, against the total planned.
class SentProgress {
public:
  SentProgress(core::ProgressBoard& board, std::uint64_t total)
      : m_job(board.start("sent", total)), m_total(total) {}
  ~SentProgress() {
    m_job.finish(m_sent >= m_total ? core::FinalLine::keep : core::FinalLine::drop);
  }
  SentProgress(const SentProgress&) = delete;
  SentProgress& operator=(const SentProgress&) = delete;

  void add(std::uint64_t bytes) {
    const std::lock_guard lock(m_mutex);
    m_sent += bytes;
    m_job.update(m_sent);
  }

private:
  std::mutex m_mutex;
  core::ProgressJob m_job;
  std::uint64_t m_total;
  std::uint64_t m_sent = 0;
};

std::uint64_t total_size(const SyncRequest& request, const std::vector<std::string>& files) {
  std::uint64_t total = 0;
  for (const auto& file : files) {
    total += fs::file_size(request.source / file);
  }
  return total;
}

} // namespace

std::vector<std::string> local_files(const fs::path& source, bool ignore_encoding) {
  std::vector<std::string> files;
  std::error_code error;
  for (fs::recursive_directory_iterator it(source, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file() && !it->is_symlink()) {
      std::string relative = it->path().lexically_relative(source).generic_string();
      if (!ignore_encoding && !valid_utf8(relative)) {
        throw Error(ExitCode::action,
                    fmt::format("Inconsistent encoding for [{}]: an S3 key must be UTF-8.",
                                it->path().string()));
      }
      files.push_back(std::move(relative));
    }
  }
  if (error) {
    throw Error(ExitCode::action,
                fmt::format("Cannot list [{}]: {}", source.string(), error.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

SyncPlan plan_sync(const SyncRequest& request, const std::vector<std::string>& files,
                   const std::vector<ObjectEntry>& objects) {
  std::map<std::string, const ObjectEntry*> remote;
  for (const auto& object : objects) {
    remote.emplace(object.key, &object);
  }
  SyncPlan plan;
  for (const auto& file : files) {
    const auto found = remote.find(request.target.key(file));
    const fs::path path = request.source / file;
    const bool same = found != remote.end() &&
                      found->second->size == static_cast<std::int64_t>(fs::file_size(path)) &&
                      found->second->etag == file_etag(path, request.tuning.part_size);
    if (same) {
      ++plan.unchanged;
    } else {
      plan.upload.push_back(file);
    }
    if (found != remote.end()) {
      remote.erase(found);
    }
  }
  if (!request.upload_only) {
    for (const auto& [key, object] : remote) {
      plan.remove.push_back(key);
    }
  }
  return plan;
}

SyncPlan sync(Client& client, const SyncRequest& request, core::Logger& log, std::ostream& out) {
  const auto files = local_files(request.source, request.ignore_encoding);
  client.check_bucket(request.target.bucket);
  SyncPlan plan;
  if (!request.verify_only) {
    plan = plan_sync(request, files,
                     client.list_objects(request.target.bucket, key_prefix(request.target)));
    for (const auto& file : plan.upload) {
      out << fmt::format("upload: {} to {}\n", file, request.target.url(request.target.key(file)));
    }
    for (const auto& key : plan.remove) {
      out << fmt::format("delete: {}\n", request.target.url(key));
    }
    if (request.dry_run) {
      return plan;
    }
    // Before the uploader: its sending threads may call it until they stop.
    std::optional<SentProgress> progress;
    Uploader uploader(client, request.target.bucket, request.tuning, log);
    if (request.progress != nullptr && !plan.upload.empty()) {
      progress.emplace(*request.progress, total_size(request, plan.upload));
      uploader.on_sent([&progress](std::uint64_t bytes) { progress->add(bytes); });
    }
    for (const auto& file : plan.upload) {
      const auto fd = open_file(request.source / file);
      ObjectSource source;
      source.key = request.target.key(file);
      source.name = (request.source / file).string();
      source.fd = fd.get();
      if (!uploader.upload(std::move(source))) {
        break;
      }
    }
    uploader.finish();
    client.delete_objects(request.target.bucket, plan.remove);
  }
  verify(client, request, files);
  log.info("Synchronized [{}] with {}: {} uploaded, {} deleted, {} unchanged; verified.",
           request.source.string(), request.target.url(key_prefix(request.target)),
           plan.upload.size(), plan.remove.size(), plan.unchanged);
  return plan;
}

} // namespace cback::s3
