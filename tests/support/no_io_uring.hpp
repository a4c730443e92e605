#pragma once

// Makes io_uring unavailable to the calling process the way container
// runtimes do (Docker's default seccomp profile): io_uring_setup() fails with
// ENOSYS. The filter is permanent for the process and its children, so call
// it only in a forked child. Hand-written BPF: libseccomp is not installed.

#include <cerrno>
#include <cstddef>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace cback::test {

/// True when the filter is in place; false (errno set) when the kernel
/// refused it.
inline bool forbid_io_uring() {
#if defined(__x86_64__)
  constexpr unsigned k_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  constexpr unsigned k_arch = AUDIT_ARCH_AARCH64;
#else
#error "forbid_io_uring: unknown architecture"
#endif
  constexpr auto k_load = static_cast<unsigned short>(BPF_LD | BPF_W | BPF_ABS);
  constexpr auto k_jump_eq = static_cast<unsigned short>(BPF_JMP | BPF_JEQ | BPF_K);
  constexpr auto k_return = static_cast<unsigned short>(BPF_RET | BPF_K);
  sock_filter filter[] = {
      // Another architecture's system call numbers mean other calls: allow.
      {k_load, 0, 0, offsetof(seccomp_data, arch)},
      {k_jump_eq, 1, 0, k_arch},
      {k_return, 0, 0, SECCOMP_RET_ALLOW},
      {k_load, 0, 0, offsetof(seccomp_data, nr)},
      {k_jump_eq, 0, 1, __NR_io_uring_setup},
      {k_return, 0, 0, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)},
      {k_return, 0, 0, SECCOMP_RET_ALLOW},
  };
  sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
  // Without root, a filter may only be installed with no_new_privs set.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return false;
  }
  return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0;
}

} // namespace cback::test
