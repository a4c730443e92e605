#include "stat_batch.hpp"

#include <cback/core/error.hpp>

#include <fcntl.h>
#include <liburing.h>
#include <sys/sysmacros.h>

#include <array>
#include <cerrno>

#include <fmt/format.h>

namespace cback::collect::detail {

namespace {

// statx calls in flight at once: enough to keep a disk's queue busy, few
// enough that the kernel's io-wq does not start a crowd of workers.
constexpr unsigned k_depth = 64;

struct ::stat to_stat(const struct ::statx& sx) {
  struct ::stat st {};
  st.st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
  st.st_ino = sx.stx_ino;
  st.st_mode = sx.stx_mode;
  st.st_nlink = sx.stx_nlink;
  st.st_uid = sx.stx_uid;
  st.st_gid = sx.stx_gid;
  st.st_size = static_cast<off_t>(sx.stx_size);
  st.st_atim = {sx.stx_atime.tv_sec, sx.stx_atime.tv_nsec};
  st.st_mtim = {sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec};
  st.st_ctim = {sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec};
  return st;
}

StatBatch::Result stat_one(int dir_fd, const std::string& name) {
  StatBatch::Result result;
  if (::fstatat(dir_fd, name.c_str(), &result.st, AT_SYMLINK_NOFOLLOW) != 0) {
    result.error = errno;
  }
  return result;
}

bool statx_supported(io_uring& ring) {
  io_uring_probe* probe = io_uring_get_probe_ring(&ring);
  const bool supported = probe != nullptr && io_uring_opcode_supported(probe, IORING_OP_STATX);
  if (probe != nullptr) {
    io_uring_free_probe(probe);
  }
  return supported;
}

} // namespace

struct StatBatch::Ring {
  io_uring ring{};
  std::array<struct ::statx, k_depth> buffers{};
  ~Ring() { io_uring_queue_exit(&ring); }
};

StatBatch::StatBatch(StatMethod method) {
  if (method != StatMethod::batched) {
    return;
  }
  auto ring = std::make_unique<Ring>();
  // io_uring may be unavailable (an old kernel, a sysctl, a seccomp filter):
  // the walk then stats one name after the other.
  if (io_uring_queue_init(k_depth, &ring->ring, 0) < 0) {
    return;
  }
  if (statx_supported(ring->ring)) {
    m_ring = std::move(ring);
  }
}

StatBatch::~StatBatch() = default;

std::vector<StatBatch::Result> StatBatch::stat_all(int dir_fd,
                                                   const std::vector<std::string>& names) {
  std::vector<Result> out(names.size());
  for (std::size_t first = 0; first < names.size(); first += k_depth) {
    const std::size_t count = std::min<std::size_t>(k_depth, names.size() - first);
    if (m_ring && count > 1) {
      stat_chunk(dir_fd, names, first, count, out);
    } else {
      for (std::size_t i = first; i < first + count; ++i) {
        out[i] = stat_one(dir_fd, names[i]);
      }
    }
  }
  return out;
}

void StatBatch::stat_chunk(int dir_fd, const std::vector<std::string>& names, std::size_t first,
                           std::size_t count, std::vector<Result>& out) {
  io_uring& ring = m_ring->ring;
  for (std::size_t i = 0; i < count; ++i) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring); // the ring holds k_depth: never null here
    io_uring_prep_statx(sqe, dir_fd, names[first + i].c_str(),
                        AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS,
                        &m_ring->buffers[i]);
    io_uring_sqe_set_data64(sqe, i);
  }
  for (std::size_t done = 0; done < count;) {
    const int submitted = io_uring_submit_and_wait(&ring, 1);
    if (submitted < 0 && submitted != -EINTR) {
      throw Error(ExitCode::action,
                  fmt::format("Cannot stat names in a directory: io_uring: {}",
                              std::error_code(-submitted, std::generic_category()).message()));
    }
    io_uring_cqe* cqe = nullptr;
    while (io_uring_peek_cqe(&ring, &cqe) == 0 && cqe != nullptr) {
      const auto i = static_cast<std::size_t>(io_uring_cqe_get_data64(cqe));
      const auto& sx = m_ring->buffers[i];
      if (cqe->res < 0) {
        out[first + i].error = -cqe->res;
      } else if ((sx.stx_mask & STATX_BASIC_STATS) != STATX_BASIC_STATS) {
        out[first + i] = stat_one(dir_fd, names[first + i]); // a filesystem short of fields
      } else {
        out[first + i].st = to_stat(sx);
      }
      io_uring_cqe_seen(&ring, cqe);
      ++done;
    }
  }
}

} // namespace cback::collect::detail
