#include <cback/core/buffer_pool.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/io/backend.hpp>
#include <cback/io/batch_reader.hpp>
#include <cback/io/run_backend.hpp>

#include "support/io_backends.hpp"
#include "support/no_io_uring.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>

using cback::io::BackendKind;
using cback::io::BackendOptions;
using cback::io::Preference;

TEST_CASE("I/O backend preferences read and print as auto, uring and posix", "[io][backend]") {
  for (const auto preference : {Preference::automatic, Preference::uring, Preference::posix}) {
    CHECK(cback::io::parse_preference(cback::io::to_string(preference)) == preference);
  }
  CHECK_FALSE(cback::io::parse_preference("epoll"));
  CHECK_FALSE(cback::io::parse_preference(""));
}

TEST_CASE("CBACK_IO, when set, replaces the configured preference", "[io][backend]") {
  BackendOptions options;
  options.environment = "posix";
  auto backend = cback::io::make_backend(options);
  REQUIRE(backend);
  CHECK((*backend)->kind() == BackendKind::posix);
  CHECK((*backend)->note().empty());

  options.environment = "bogus";
  const auto refused = cback::io::make_backend(options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == "CBACK_IO=bogus is not an I/O backend (use auto, uring or posix)");

  options.preference = Preference::uring;
  options.environment = "posix";
  const auto overridden = cback::io::make_backend(options);
  REQUIRE(overridden);
  CHECK((*overridden)->kind() == BackendKind::posix);

  options.preference = Preference::posix;
  options.environment = "";
  const auto configured = cback::io::make_backend(options);
  REQUIRE(configured);
  CHECK((*configured)->kind() == BackendKind::posix);
}

TEST_CASE("A run's backend is made once, at its first use", "[io][backend]") {
  cback::core::Logger log;
  BackendOptions options;
  options.preference = Preference::posix;
  options.environment = "";
  cback::io::RunBackend run(options, log);
  auto& first = run.get();
  CHECK(first.kind() == BackendKind::posix);
  CHECK(&run.get() == &first);

  options.environment = "bogus";
  cback::io::RunBackend refused(options, log);
  CHECK_THROWS_WITH(refused.get(),
                    "CBACK_IO=bogus is not an I/O backend (use auto, uring or posix)");
}

TEST_CASE("Auto picks io_uring where it works", "[io][backend]") {
  CBACK_REQUIRE_PART(cback::test::backend_under_test(Preference::uring));
  BackendOptions options;
  options.environment = "";
  auto backend = cback::io::make_backend(options);
  REQUIRE(backend);
  CHECK((*backend)->kind() == BackendKind::uring);
  CHECK((*backend)->note().empty());
}

TEST_CASE("Without io_uring, auto falls back to posix and a forced uring fails clearly",
          "[io][backend][seccomp]") {
  cback::test::TempDir dir;
  const auto path = dir.write("file", "read without io_uring");
  // The seccomp filter stays for the life of the process: a forked child.
  const auto child = cback::test::run_in_child([&]() -> std::string {
    if (!cback::test::forbid_io_uring()) {
      return std::string("seccomp refused: ") + std::strerror(errno);
    }
    BackendOptions options;
    options.environment = "";
    auto fallback = cback::io::make_backend(options);
    if (!fallback) {
      return "auto failed: " + fallback.error();
    }
    cback::core::BufferPool pool(1, 4096);
    auto buffer = pool.acquire();
    auto reader = cback::io::BatchReader::open(**fallback, 4);
    const cback::core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    reader->submit({path, fd.get(), buffer->space(), 1});
    const auto result = reader->next();
    const std::string content(reinterpret_cast<const char*>(result->data().data()), result->length);
    options.preference = Preference::uring;
    const auto forced = cback::io::make_backend(options);
    return fmt::format("kind={}\nnote={}\nread={}\nforced={}\n",
                       cback::io::to_string((*fallback)->kind()), (*fallback)->note(), content,
                       forced ? "made" : forced.error());
  });

  CHECK(child.exit_status == 0);
  CHECK(child.output ==
        "kind=posix threads\n"
        "note=io_uring unavailable (io_uring_setup: Function not implemented (blocked by a "
        "seccomp filter (as in containers) or not in this kernel)); file I/O uses posix "
        "threads\n"
        "read=read without io_uring\n"
        "forced=the io_uring I/O backend was asked for but is unavailable: io_uring_setup: "
        "Function not implemented (blocked by a seccomp filter (as in containers) or not in "
        "this kernel)\n");
}
