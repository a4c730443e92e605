#include "read_ahead.hpp"

#include <cback/core/directory.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <utility>

namespace cback::collect::detail {

namespace {

/// Directories each pool thread may have read ahead of the walk: enough
/// that the threads never wait for the walk to take one, few enough that
/// the open fds and listings stay a small, fixed number.
constexpr std::size_t k_window_per_thread = 8;

} // namespace

struct ReadRequest {
  enum class State : std::uint8_t { queued, reading, read, taken };

  std::shared_ptr<const core::UniqueFd> parent; ///< until it is read
  std::string name;
  std::string path;
  std::uint64_t sequence = 0;
  State state = State::queued;
  Listing listing;
  std::exception_ptr failure;
};

std::string join(const std::string& dir, std::string_view name) {
  std::string path;
  path.reserve(dir.size() + 1 + name.size());
  path.append(dir);
  if (path.empty() || path.back() != '/') {
    path.push_back('/');
  }
  path.append(name);
  return path;
}

bool DirReader::NearestFirst::operator()(const ReadRequest* a, const ReadRequest* b) const {
  if (path_less(a->path, b->path)) {
    return true;
  }
  return !path_less(b->path, a->path) && a->sequence < b->sequence;
}

DirReader::DirReader(const ExclusionMatcher& matcher, unsigned threads)
    : m_matcher(matcher), m_window(k_window_per_thread * threads) {
  if (threads > 0) {
    m_pool.emplace(threads);
  }
}

DirReader::~DirReader() {
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
    m_queued.clear();
  }
  m_pool.reset(); // the tasks left find nothing queued; the reads under way end
}

Listing DirReader::read(int parent_fd, const char* name, const std::string& path, Follow follow) {
  Listing listing;
  const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow == Follow::no ? O_NOFOLLOW : 0);
  core::UniqueFd fd(::openat(parent_fd, name, flags));
  if (!fd) {
    listing.open_error = errno;
    return listing;
  }
  if (m_matcher.has_ignore_file(fd.get())) {
    listing.ignored = true;
    return listing;
  }
  struct ::stat st {};
  if (::fstat(fd.get(), &st) == 0) {
    listing.self = FileStat::from(st);
  }
  auto names = core::list_names(fd.get());
  listing.read_error = names.error;
  const auto shared = std::make_shared<const core::UniqueFd>(std::move(fd));
  listing.fd = shared;
  listing.children.reserve(names.names.size());
  for (auto& child_name : names.names) {
    Child child;
    child.name = std::move(child_name);
    // One fstatat per name. Batching them through io_uring (statx) was
    // measured: no faster on a cold cache here, half again the system
    // time on a warm one.
    if (::fstatat(shared->get(), child.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      child.error = errno;
    } else {
      child.stat = FileStat::from(st);
      if (S_ISDIR(st.st_mode) && m_pool) {
        auto sub = join(path, child.name);
        if (!m_matcher.excluded(sub)) {
          child.subdir = queue(shared, child.name, std::move(sub));
        }
      }
    }
    listing.children.push_back(std::move(child));
  }
  return listing;
}

std::shared_ptr<ReadRequest> DirReader::queue(const std::shared_ptr<const core::UniqueFd>& parent,
                                              const std::string& name, std::string path) {
  auto request = std::make_shared<ReadRequest>();
  request->parent = parent;
  request->name = name;
  request->path = std::move(path);
  std::unique_lock lock(m_mutex);
  if (m_stopping) {
    return nullptr; // the walk is over: the walk reads it itself, or never
  }
  request->sequence = m_sequence++;
  m_queued.insert(request);
  fill(lock);
  return request;
}

void DirReader::fill(std::unique_lock<std::mutex>& /*locked*/) {
  while (m_in_flight + m_posted < m_window && m_posted < m_queued.size()) {
    ++m_posted;
    m_pool->post([this] { read_next(); });
  }
}

void DirReader::read_next() {
  std::shared_ptr<ReadRequest> request;
  {
    const std::lock_guard lock(m_mutex);
    --m_posted;
    if (m_stopping || m_queued.empty()) {
      return;
    }
    request = std::move(m_queued.extract(m_queued.begin()).value());
    request->state = ReadRequest::State::reading;
    ++m_in_flight;
  }
  Listing listing;
  std::exception_ptr failure;
  try {
    listing = read(request->parent->get(), request->name.c_str(), request->path, Follow::no);
  } catch (...) {
    failure = std::current_exception();
  }
  request->parent.reset();
  {
    const std::lock_guard lock(m_mutex);
    request->listing = std::move(listing);
    request->failure = failure;
    request->state = ReadRequest::State::read;
  }
  m_done.notify_all();
}

Listing DirReader::take(ReadRequest& request) {
  std::unique_lock lock(m_mutex);
  if (request.state == ReadRequest::State::queued) {
    // Not started: reading it here is sooner than waiting for a thread.
    if (const auto found = m_queued.find(&request); found != m_queued.end()) {
      m_queued.erase(found);
    }
    request.state = ReadRequest::State::taken;
    const auto parent = std::move(request.parent);
    lock.unlock();
    return read(parent->get(), request.name.c_str(), request.path, Follow::no);
  }
  m_done.wait(lock, [&] { return request.state == ReadRequest::State::read; });
  request.state = ReadRequest::State::taken;
  --m_in_flight;
  fill(lock);
  if (request.failure) {
    std::rethrow_exception(request.failure);
  }
  return std::move(request.listing);
}

} // namespace cback::collect::detail
