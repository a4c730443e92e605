#pragma once

// The one place that includes the C headers of libburn, libisofs and
// libisoburn; only src/media/ includes it. Their quirks in C++:
// - libburn.h wraps its API in `namespace burn` when compiled as C++;
// - libisoburn.h refers to burn:: types and must be included inside
//   `namespace burn { ... }`, after libburn.h;
// - libisofs.h needs <cstdint> first (it uses uint32_t and friends).

#include <cstdint>
#include <ctime>
#include <sys/types.h>

#include <libisofs/libisofs.h>

#include <libburn/libburn.h>

namespace burn {
#include <libisoburn/libisoburn.h>
} // namespace burn
