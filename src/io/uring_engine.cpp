#include "engines.hpp"

#include <cback/core/error.hpp>

#include <liburing.h>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <fmt/format.h>

namespace cback::io::detail {
namespace {

/// One ring. Operations go into the submission queue when started and are
/// handed to the kernel in one io_uring_enter() by wait(), so a batch of
/// starts costs one system call.
class UringEngine final : public Engine {
public:
  explicit UringEngine(unsigned depth) : m_depth(depth) {}
  ~UringEngine() override {
    if (!m_ready) {
      return;
    }
    // The kernel may still write into buffers of reads in flight: wait for
    // them before the ring (and the caller's buffers) go away.
    while (m_in_flight > 0) {
      wait();
    }
    io_uring_queue_exit(&m_ring);
  }

  int init() {
    const int rc = io_uring_queue_init(m_depth, &m_ring, 0);
    m_ready = rc == 0;
    return rc;
  }

  [[nodiscard]] unsigned depth() const noexcept override { return m_depth; }
  [[nodiscard]] unsigned in_flight() const noexcept override { return m_in_flight; }

  void start_read(int fd, std::span<std::byte> into, std::uint64_t offset,
                  std::uint64_t token) override {
    io_uring_prep_read(next_sqe(token), fd, into.data(), static_cast<unsigned>(into.size()),
                       offset);
  }
  void start_write(int fd, std::span<const std::byte> from, std::uint64_t offset,
                   std::uint64_t token) override {
    io_uring_prep_write(next_sqe(token), fd, from.data(), static_cast<unsigned>(from.size()),
                        offset);
  }
  void start_fdatasync(int fd, std::uint64_t token) override {
    io_uring_prep_fsync(next_sqe(token), fd, IORING_FSYNC_DATASYNC);
  }
  void start_writeback(int fd, std::uint64_t offset, std::uint64_t length,
                       std::uint64_t token) override {
    // The ring takes 32 bits of length; 0 means "to the end of the file".
    const auto bytes = length > 0xffffffffU ? 0U : static_cast<unsigned>(length);
    io_uring_prep_sync_file_range(next_sqe(token), fd, bytes, offset, SYNC_FILE_RANGE_WRITE);
  }

  Completion wait() override {
    io_uring_cqe* cqe = nullptr;
    for (;;) {
      if (io_uring_sq_ready(&m_ring) == 0 && io_uring_peek_cqe(&m_ring, &cqe) == 0) {
        break;
      }
      const int rc = io_uring_submit_and_wait(&m_ring, 1);
      if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
        throw Error(ExitCode::action, IoError{"io_uring_enter", {}, -rc}.message());
      }
      if (io_uring_peek_cqe(&m_ring, &cqe) == 0) {
        break;
      }
    }
    return take(cqe);
  }

  std::optional<Completion> poll() override {
    if (io_uring_sq_ready(&m_ring) > 0) {
      io_uring_submit(&m_ring);
    }
    io_uring_cqe* cqe = nullptr;
    if (m_in_flight == 0 || io_uring_peek_cqe(&m_ring, &cqe) != 0) {
      return std::nullopt;
    }
    return take(cqe);
  }

private:
  Completion take(io_uring_cqe* cqe) {
    const Completion done{io_uring_cqe_get_data64(cqe), cqe->res};
    io_uring_cqe_seen(&m_ring, cqe);
    --m_in_flight;
    return done;
  }

  io_uring_sqe* next_sqe(std::uint64_t token) {
    // At most depth() in flight and the ring has >= depth() entries, so a
    // free entry always exists.
    io_uring_sqe* sqe = io_uring_get_sqe(&m_ring);
    if (sqe == nullptr) {
      throw Error(ExitCode::action, "io_uring: submission queue full (more than depth in flight)");
    }
    io_uring_sqe_set_data64(sqe, token);
    ++m_in_flight;
    return sqe;
  }

  unsigned m_depth;
  unsigned m_in_flight = 0;
  bool m_ready = false;
  io_uring m_ring{};
};

class UringBackend final : public Backend {
public:
  [[nodiscard]] BackendKind kind() const noexcept override { return BackendKind::uring; }
  Result<std::unique_ptr<Engine>> make_engine(unsigned depth) override {
    auto engine = std::make_unique<UringEngine>(std::max(depth, 1U));
    if (const int rc = engine->init(); rc < 0) {
      return tl::make_unexpected(IoError{"io_uring_setup", {}, -rc});
    }
    return engine;
  }
};

} // namespace

std::optional<IoError> probe_uring() {
  io_uring ring{};
  if (const int rc = io_uring_queue_init(2, &ring, 0); rc < 0) {
    return IoError{"io_uring_setup", {}, -rc};
  }
  // Every operation the engine uses must be known to this kernel.
  std::optional<IoError> missing;
  io_uring_probe* probe = io_uring_get_probe_ring(&ring);
  if (probe == nullptr) {
    missing = IoError{"io_uring_register(probe)", {}, ENOSYS};
  } else {
    for (const int op :
         {IORING_OP_READ, IORING_OP_WRITE, IORING_OP_FSYNC, IORING_OP_SYNC_FILE_RANGE}) {
      if (io_uring_opcode_supported(probe, op) == 0) {
        missing = IoError{fmt::format("io_uring opcode {}", op), {}, EOPNOTSUPP};
      }
    }
    io_uring_free_probe(probe);
  }
  io_uring_queue_exit(&ring);
  return missing;
}

std::string uring_hint(int error_number) {
  switch (error_number) {
  case EPERM:
    return "disabled by sysctl kernel.io_uring_disabled or a security policy";
  case ENOSYS:
    return "blocked by a seccomp filter (as in containers) or not in this kernel";
  case ENOMEM:
    return "not enough locked memory (see ulimit -l)";
  default:
    return "";
  }
}

std::unique_ptr<Backend> make_uring_backend() {
  return std::make_unique<UringBackend>();
}

} // namespace cback::io::detail
