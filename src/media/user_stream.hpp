#pragma once

// cback's own libisofs stream classes ("user" streams), for src/media only:
// the layout libisofs documents for making one (libisofs.h,
// IsoStreamIface), which libisofs.h itself hides from C++ because the
// struct's first member is named `class`.

#include <cback/core/error.hpp>
#include <cback/media/libraries.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <unistd.h>

namespace cback::media {

struct UserStreamHeader {
  IsoStreamIface* iface;
  int refcount;
  void* data;
};

/// The state a user stream was made with.
template <typename State>
State* user_stream_state(IsoStream* stream) {
  return static_cast<State*>(reinterpret_cast<UserStreamHeader*>(stream)->data);
}

/// The functions a stream class supplies; the rest is common to cback's
/// streams: repeatable (a file can be read again), sizes fixed when the
/// stream is made, the state deleted when libisofs frees the stream.
struct UserStreamFunctions {
  int (*open)(IsoStream*);
  int (*close)(IsoStream*);
  off_t (*size)(IsoStream*);
  int (*read)(IsoStream*, void*, size_t);
  void (*id)(IsoStream*, unsigned int*, dev_t*, ino_t*);
};

/// A stream class ("user", version 1) whose streams own a `State`.
template <typename State>
IsoStreamIface user_stream_class(const UserStreamFunctions& functions) {
  return IsoStreamIface{1,
                        {'u', 's', 'e', 'r'},
                        functions.open,
                        functions.close,
                        functions.size,
                        functions.read,
                        [](IsoStream*) { return 1; },
                        functions.id,
                        [](IsoStream* stream) { delete user_stream_state<State>(stream); },
                        [](IsoStream*) { return 1; },
                        nullptr,
                        nullptr,
                        nullptr};
}

/// A new stream of class `iface` owning `state` (one reference). libisofs
/// frees the stream itself with free(), so it comes from calloc; the class's
/// free function deletes the state. Throws cback::Error(action) when memory
/// runs out.
template <typename State>
IsoStream* new_user_stream(IsoStreamIface* iface, std::unique_ptr<State> state) {
  auto* header = static_cast<UserStreamHeader*>(std::calloc(1, sizeof(UserStreamHeader)));
  if (header == nullptr) {
    throw Error(ExitCode::action, "Out of memory for the image's streams.");
  }
  header->iface = iface;
  header->refcount = 1;
  header->data = state.release();
  return reinterpret_cast<IsoStream*>(header);
}

/// Reads up to `count` bytes at `offset` of `fd`, as many as there are
/// (libisofs wants full reads but for the last one). Returns the bytes read
/// (fewer only at the end of the file) or -errno.
inline std::int64_t read_at(int fd, char* out, std::size_t count, std::int64_t offset) {
  std::size_t done = 0;
  while (done < count) {
    const ssize_t got = ::pread(fd, out + done, count - done, offset + static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return -errno;
    }
    if (got == 0) {
      break;
    }
    done += static_cast<std::size_t>(got);
  }
  return static_cast<std::int64_t>(done);
}

} // namespace cback::media
