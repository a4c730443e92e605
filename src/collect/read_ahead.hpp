#pragma once

// The system-call half of collect's directory walk, run ahead of it on a
// few threads: each directory the walk will enter is opened, checked for
// the ignore file, listed and its names lstat'ed by a pool thread while
// the walk is still busy with the directories before it. The walk (one
// thread, walker.cpp) takes the listings in its own order, so what it
// delivers is the same whatever the number of threads.
//
// Why: an unchanged incremental run is nothing but these system calls;
// on one thread they take twice what the rest of the run does, and on a
// cold cache each waits for the disk. Why not more: the walk decides
// everything else (links, exclusions of what is not a directory, the
// order), so the rules stay in one place.

#include <cback/collect/exclusions.hpp>
#include <cback/collect/walker.hpp>
#include <cback/core/thread_pool.hpp>
#include <cback/core/unique_fd.hpp>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace cback::collect::detail {

enum class Follow { no, yes };

/// `dir` + "/" + `name` (one slash, also when `dir` is "/").
std::string join(const std::string& dir, std::string_view name);

/// A subdirectory queued to be read ahead (owned by the reader's queue and
/// by the Child that names it).
struct ReadRequest;

/// One name of a listed directory, with its lstat.
struct Child {
  std::string name;
  FileStat stat;                       ///< from fstatat(AT_SYMLINK_NOFOLLOW); valid when error == 0
  int error = 0;                       ///< the errno of that fstatat
  std::shared_ptr<ReadRequest> subdir; ///< a real directory the walk will enter
};

/// What the walk needs of one directory, read beneath its parent's fd.
struct Listing {
  std::shared_ptr<const core::UniqueFd> fd; ///< open while the walk or a child needs it
  int open_error = 0;                       ///< set: the directory could not be opened
  bool ignored = false;                     ///< it holds the ignore file
  std::optional<FileStat> self;             ///< its own fstat, when that worked
  std::error_code read_error;               ///< not every name could be read
  std::vector<Child> children;              ///< sorted byte-wise by name
};

/// Reads directories for one walk, ahead of it on a pool of its own. The
/// number of directories read and not yet taken is bounded (so are the fds
/// and memory they hold); the queue is served in walk order (path_less),
/// nearest first. The walk thread may read itself (read) and takes what
/// was read ahead with take; a request nobody started yet is read by the
/// walk thread at once rather than waited for.
class DirReader {
public:
  /// `threads` pool threads (0: read nothing ahead, every directory is
  /// read when the walk takes it).
  DirReader(const ExclusionMatcher& matcher, unsigned threads);
  /// Drops what is queued and waits for the reads under way.
  ~DirReader();
  DirReader(const DirReader&) = delete;
  DirReader& operator=(const DirReader&) = delete;

  /// Reads the directory `name` beneath `parent_fd` (AT_FDCWD and an
  /// absolute path for the item itself) and queues its subdirectories.
  /// With Follow::no a symlink is refused (O_NOFOLLOW): the name was a
  /// real directory when it was lstat'ed.
  Listing read(int parent_fd, const char* name, const std::string& path, Follow follow);

  /// The listing of a queued subdirectory: taken when read, waited for
  /// while being read, read now when not started. Rethrows what reading
  /// it threw.
  Listing take(ReadRequest& request);

private:
  /// Orders the queue by path_less (then by when queued): a request
  /// compares with another or with a plain pointer to one.
  struct NearestFirst {
    using is_transparent = void;
    bool operator()(const ReadRequest* a, const ReadRequest* b) const;
    bool operator()(const std::shared_ptr<ReadRequest>& a,
                    const std::shared_ptr<ReadRequest>& b) const {
      return (*this)(a.get(), b.get());
    }
    bool operator()(const std::shared_ptr<ReadRequest>& a, const ReadRequest* b) const {
      return (*this)(a.get(), b);
    }
    bool operator()(const ReadRequest* a, const std::shared_ptr<ReadRequest>& b) const {
      return (*this)(a, b.get());
    }
  };

  std::shared_ptr<ReadRequest> queue(const std::shared_ptr<const core::UniqueFd>& parent,
                                     const std::string& name, std::string path);
  void fill(std::unique_lock<std::mutex>& lock);
  void read_next();

  const ExclusionMatcher& m_matcher;
  const std::size_t m_window; ///< directories read (or being read) and not taken, at most
  std::mutex m_mutex;
  std::condition_variable m_done;
  std::set<std::shared_ptr<ReadRequest>, NearestFirst> m_queued;
  std::size_t m_in_flight = 0; ///< read or being read, not taken
  std::size_t m_posted = 0;    ///< pool tasks not started yet
  std::uint64_t m_sequence = 0;
  bool m_stopping = false;
  std::optional<core::ThreadPool> m_pool; ///< last: joined before the rest goes
};

} // namespace cback::collect::detail
