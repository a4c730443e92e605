// cback-hostile-sftp: an SFTP (version 3) server that lies, run by a test
// sshd as its sftp subsystem, to check that cback's stage survives a
// compromised peer. It serves no real files: every directory lists the
// scenario's entries and every file reads as the scenario says.
//
//   cback-hostile-sftp SCENARIO_FILE
//
// SCENARIO_FILE holds the mode on its first line and an argument on the
// second:
//   name NAME      a collect dir of cback.collect and one 6-byte file
//                  called NAME (an absolute name, "../x", "a/b" ...)
//   size BYTES     cback.collect and big.tar listed with BYTES bytes,
//                  whose reads never end (every READ is answered in full)
//   endless -      a listing that never ends: every READDIR answers new
//                  names
//   repeat -       the listing is sent twice (same names again) before EOF
//
// Only what a client that stages needs is answered: INIT, REALPATH,
// STAT/LSTAT/FSTAT, OPENDIR/READDIR, OPEN/READ/WRITE/CLOSE; anything else
// gets STATUS "unsupported".

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

enum : std::uint8_t {
  fxp_init = 1,
  fxp_version = 2,
  fxp_open = 3,
  fxp_close = 4,
  fxp_read = 5,
  fxp_write = 6,
  fxp_lstat = 7,
  fxp_fstat = 8,
  fxp_opendir = 11,
  fxp_readdir = 12,
  fxp_realpath = 16,
  fxp_stat = 17,
  fxp_status = 101,
  fxp_handle = 102,
  fxp_data = 103,
  fxp_name = 104,
  fxp_attrs = 105,
};

enum : std::uint32_t {
  fx_ok = 0,
  fx_eof = 1,
  fx_no_such_file = 2,
  fx_op_unsupported = 8,
};

constexpr std::uint32_t k_attr_size = 0x1;
constexpr std::uint32_t k_attr_permissions = 0x4;
constexpr std::uint32_t k_attr_times = 0x8;
constexpr std::uint32_t k_regular = 0100644;
constexpr std::uint32_t k_directory = 040755;

struct Entry {
  std::string name;
  std::uint64_t size = 0;
  std::uint32_t mode = k_regular;
};

struct Scenario {
  std::string mode;
  std::string argument;
  std::vector<Entry> entries;
};

class Reader {
public:
  explicit Reader(std::string data) : m_data(std::move(data)) {}
  std::uint8_t byte() { return static_cast<std::uint8_t>(take(1)[0]); }
  std::uint32_t u32() {
    const auto bytes = take(4);
    std::uint32_t value = 0;
    for (const char c : bytes) {
      value = (value << 8U) | static_cast<std::uint8_t>(c);
    }
    return value;
  }
  std::uint64_t u64() {
    const std::uint64_t high = u32();
    return (high << 32U) | u32();
  }
  std::string string() { return take(u32()); }

private:
  std::string take(std::size_t count) {
    if (m_data.size() - m_at < count) {
      throw std::runtime_error("short packet");
    }
    auto part = m_data.substr(m_at, count);
    m_at += count;
    return part;
  }
  std::string m_data;
  std::size_t m_at = 0;
};

class Writer {
public:
  explicit Writer(std::uint8_t type) { m_data.push_back(static_cast<char>(type)); }
  Writer& u32(std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      m_data.push_back(static_cast<char>((value >> static_cast<unsigned>(shift)) & 0xFFU));
    }
    return *this;
  }
  Writer& u64(std::uint64_t value) {
    u32(static_cast<std::uint32_t>(value >> 32U));
    return u32(static_cast<std::uint32_t>(value));
  }
  Writer& string(const std::string& text) {
    u32(static_cast<std::uint32_t>(text.size()));
    m_data += text;
    return *this;
  }
  Writer& attributes(std::uint64_t size, std::uint32_t mode) {
    return u32(k_attr_size | k_attr_permissions | k_attr_times)
        .u64(size)
        .u32(mode)
        .u32(1764547200)
        .u32(1764547200);
  }
  void send() const {
    std::string packet;
    const auto length = static_cast<std::uint32_t>(m_data.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
      packet.push_back(static_cast<char>((length >> static_cast<unsigned>(shift)) & 0xFFU));
    }
    packet += m_data;
    for (std::size_t done = 0; done < packet.size();) {
      const auto wrote = ::write(1, packet.data() + done, packet.size() - done);
      if (wrote <= 0) {
        throw std::runtime_error("write failed");
      }
      done += static_cast<std::size_t>(wrote);
    }
  }

private:
  std::string m_data;
};

bool read_exactly(std::string& into, std::size_t count) {
  into.resize(count);
  for (std::size_t done = 0; done < count;) {
    const auto got = ::read(0, into.data() + done, count - done);
    if (got <= 0) {
      return false;
    }
    done += static_cast<std::size_t>(got);
  }
  return true;
}

void status(std::uint32_t id, std::uint32_t code, const std::string& message) {
  Writer(fxp_status).u32(id).u32(code).string(message).string("").send();
}

// The "ls -l" line of a READDIR answer: libssh takes the owner and group
// from it when the server says it is OpenSSH.
std::string long_name(const std::string& name, std::uint64_t size) {
  return "-rw-r--r--    1 root     root     " + std::to_string(size) + " Dec  1 00:00 " + name;
}

std::string basename_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

class Server {
public:
  explicit Server(Scenario scenario) : m_scenario(std::move(scenario)) {}

  void handle(Reader& in, std::uint8_t type) {
    if (type == fxp_init) {
      Writer(fxp_version).u32(3).send();
      return;
    }
    const auto id = in.u32();
    switch (type) {
    case fxp_realpath:
      Writer(fxp_name)
          .u32(id)
          .u32(1)
          .string(in.string())
          .string("")
          .attributes(0, k_directory)
          .send();
      return;
    case fxp_stat:
    case fxp_lstat:
      return stat(id, in.string());
    case fxp_fstat: {
      const auto handle = m_handles.find(in.string());
      if (handle == m_handles.end()) {
        return status(id, fx_no_such_file, "no such handle");
      }
      return stat(id, handle->second);
    }
    case fxp_opendir:
    case fxp_open:
      return open(id, in.string());
    case fxp_readdir:
      return readdir(id, in.string());
    case fxp_read: {
      const auto handle = in.string();
      const auto offset = in.u64();
      return read(id, handle, offset, in.u32());
    }
    case fxp_write:
    case fxp_close:
      return status(id, fx_ok, "");
    default:
      return status(id, fx_op_unsupported, "unsupported");
    }
  }

private:
  const Entry* find(const std::string& path) const {
    for (const auto& entry : m_scenario.entries) {
      const auto suffix = "/" + entry.name;
      if (path == entry.name || (path.size() > suffix.size() && path.ends_with(suffix))) {
        return &entry;
      }
    }
    return nullptr;
  }

  void stat(std::uint32_t id, const std::string& path) {
    if (const auto* entry = find(path)) {
      return Writer(fxp_attrs).u32(id).attributes(entry->size, entry->mode).send();
    }
    if (basename_of(path) == "cback.manifest" || basename_of(path) == "cback.stage") {
      return status(id, fx_no_such_file, "no such file");
    }
    Writer(fxp_attrs).u32(id).attributes(4096, k_directory).send(); // the collect dir
  }

  void open(std::uint32_t id, const std::string& path) {
    if (basename_of(path) == "cback.manifest") {
      return status(id, fx_no_such_file, "no such file");
    }
    const auto handle = std::to_string(m_next_handle++);
    m_handles[handle] = path;
    m_listed[handle] = 0;
    Writer(fxp_handle).u32(id).string(handle).send();
  }

  void readdir(std::uint32_t id, const std::string& handle) {
    auto& batches = m_listed[handle];
    const auto& entries = m_scenario.entries;
    const bool more = m_scenario.mode == "endless" || batches == 0 ||
                      (m_scenario.mode == "repeat" && batches == 1);
    if (!more) {
      return status(id, fx_eof, "end of directory");
    }
    Writer reply(fxp_name);
    if (m_scenario.mode == "endless") {
      reply.u32(id).u32(100);
      for (int i = 0; i < 100; ++i) {
        const auto name = "f" + std::to_string(batches * 100 + static_cast<unsigned>(i));
        reply.string(name).string(long_name(name, 1)).attributes(1, k_regular);
      }
    } else {
      reply.u32(id).u32(static_cast<std::uint32_t>(entries.size()));
      for (const auto& entry : entries) {
        reply.string(entry.name)
            .string(long_name(entry.name, entry.size))
            .attributes(entry.size, entry.mode);
      }
    }
    ++batches;
    reply.send();
  }

  void read(std::uint32_t id, const std::string& handle, std::uint64_t offset,
            std::uint32_t length) {
    const auto path = m_handles.find(handle);
    const Entry* entry = path == m_handles.end() ? nullptr : find(path->second);
    if (entry == nullptr) {
      return status(id, fx_eof, "end of file");
    }
    // A "size" file never ends, whatever its listed size: a client must
    // stop at the size it believes.
    const std::uint64_t size = m_scenario.mode == "size" ? UINT64_MAX : entry->size;
    if (offset >= size) {
      return status(id, fx_eof, "end of file");
    }
    const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(length, size - offset));
    std::string data(count, 'x');
    if (m_scenario.mode == "name") {
      data = std::string("pwned\n").substr(static_cast<std::size_t>(offset), count);
    }
    Writer(fxp_data).u32(id).string(data).send();
  }

  Scenario m_scenario;
  std::map<std::string, std::string> m_handles; ///< handle → path
  std::map<std::string, unsigned> m_listed;     ///< handle → READDIR answers sent
  unsigned m_next_handle = 1;
};

Scenario load(const char* path) {
  Scenario scenario;
  std::ifstream in(path);
  std::getline(in, scenario.mode);
  std::getline(in, scenario.argument);
  scenario.entries.push_back({"cback.collect", 0, k_regular});
  if (scenario.mode == "name") {
    scenario.entries.push_back({scenario.argument, 6, k_regular});
  } else if (scenario.mode == "size") {
    scenario.entries.push_back({"big.tar", std::stoull(scenario.argument), k_regular});
  } else if (scenario.mode == "repeat") {
    scenario.entries.push_back({"a.tar", 6, k_regular});
  }
  return scenario;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cback-hostile-sftp SCENARIO_FILE\n");
    return 2;
  }
  try {
    Server server(load(argv[1]));
    std::string header;
    std::string body;
    while (read_exactly(header, 4)) {
      const auto length = Reader(header).u32();
      if (length == 0 || length > (std::uint32_t{1} << 20U) || !read_exactly(body, length)) {
        return 1;
      }
      Reader in(body);
      server.handle(in, in.byte());
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "cback-hostile-sftp: %s\n", error.what());
    return 1;
  }
  return 0;
}
