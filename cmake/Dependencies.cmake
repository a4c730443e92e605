# Finds every library cback uses and bundles them into one interface target,
# cback::deps. Why each library was chosen: docs/ARCHITECTURE.md.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

find_package(zstd REQUIRED CONFIG)
find_package(LibArchive REQUIRED)
find_package(libssh REQUIRED CONFIG)
find_package(tomlplusplus REQUIRED CONFIG)
find_package(fmt REQUIRED CONFIG)
find_package(spdlog REQUIRED CONFIG)
find_package(pugixml REQUIRED CONFIG)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
# libcurl's headers only: the S3 client loads the library itself when the
# first client is made (s3/libcurl.hpp), so that no program maps it and
# what it pulls in at start-up; the Debian package depends on it by name.
find_package(CURL REQUIRED)
find_package(tl-expected QUIET CONFIG)

pkg_check_modules(URING REQUIRED IMPORTED_TARGET liburing)
pkg_check_modules(BURN REQUIRED IMPORTED_TARGET libburn-1)
pkg_check_modules(ISOFS REQUIRED IMPORTED_TARGET libisofs-1)
pkg_check_modules(ISOBURN REQUIRED IMPORTED_TARGET libisoburn-1)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)

# Standalone Asio ships neither a CMake config nor a pkg-config file.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(cback_asio INTERFACE)
target_include_directories(cback_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(cback_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED ASIO_HAS_IO_URING)
target_link_libraries(cback_asio INTERFACE PkgConfig::URING Threads::Threads)
# Asio 1.22 enables co_await under clang only with <experimental/coroutine>,
# which libstdc++ lacks; clang 14 has C++20's <coroutine>, which Asio uses
# once told that the compiler supports coroutines.
# clang 14's -fsanitize=function (part of UBSan) cannot compile coroutines
# ("Cannot represent a difference across sections"): the files with
# coroutines go without that one check.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_definitions(cback_asio INTERFACE ASIO_HAS_CO_AWAIT)
  set_source_files_properties(${PROJECT_SOURCE_DIR}/src/peer/sftp_connection.cpp
                              ${PROJECT_SOURCE_DIR}/src/peer/loop_transfer.cpp
                              ${PROJECT_SOURCE_DIR}/src/actions/stage_run.cpp
                              ${PROJECT_SOURCE_DIR}/src/bench_stage/measure.cpp
                              PROPERTIES COMPILE_OPTIONS -fno-sanitize=function)
endif()

# tl::expected is header-only; Debian's package may lack a CMake config.
find_path(TL_EXPECTED_INCLUDE_DIR tl/expected.hpp REQUIRED)

add_library(cback_deps INTERFACE)
add_library(cback::deps ALIAS cback_deps)
target_include_directories(cback_deps SYSTEM INTERFACE ${TL_EXPECTED_INCLUDE_DIR} ${CURL_INCLUDE_DIRS})
target_link_libraries(cback_deps INTERFACE
  cback_asio
  zstd::libzstd_shared
  LibArchive::LibArchive
  ssh
  tomlplusplus::tomlplusplus
  fmt::fmt
  spdlog::spdlog
  pugixml::pugixml
  PkgConfig::PCRE2
  OpenSSL::Crypto
  PkgConfig::BURN PkgConfig::ISOFS PkgConfig::ISOBURN
  Threads::Threads
  ${CMAKE_DL_LIBS})
