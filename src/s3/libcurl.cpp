#include <cback/s3/libcurl.hpp>

#include <cback/core/error.hpp>

#include <dlfcn.h>
#include <fmt/format.h>

#include <string>

namespace cback::s3 {
namespace {

// The ABI the headers describe: libcurl has kept soname 4 since 7.16.
constexpr const char* k_soname = "libcurl.so.4";

std::string loader_error() {
  const char* message = dlerror();
  return message != nullptr ? message : "unknown error";
}

template <typename Function>
void resolve(void* library, const char* name, Function& into) {
  void* symbol = dlsym(library, name);
  if (symbol == nullptr) {
    throw Error(ExitCode::action,
                fmt::format("Cannot use {}: it has no {} ({}).", k_soname, name, loader_error()));
  }
  // POSIX guarantees that a function's address from dlsym converts back.
  into = reinterpret_cast<Function>(symbol);
}

// The library stays loaded for the life of the process, as a linked one
// would: curl_global_init's state is never cleaned up, and a handle kept
// by a client may outlive any owner made here. So the loader's handle has
// no owner that closes it.
Libcurl load() {
  void* library = dlopen(k_soname, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    throw Error(ExitCode::action,
                fmt::format("Cannot load {} for S3 requests: {}. Install libcurl (Debian "
                            "package libcurl4).",
                            k_soname, loader_error()));
  }
  Libcurl curl{};
  decltype(&::curl_global_init) global_init = nullptr;
  resolve(library, "curl_global_init", global_init);
  resolve(library, "curl_easy_init", curl.easy_init);
  resolve(library, "curl_easy_cleanup", curl.easy_cleanup);
  resolve(library, "curl_easy_reset", curl.easy_reset);
  resolve(library, "curl_easy_setopt", curl.easy_setopt);
  resolve(library, "curl_easy_getinfo", curl.easy_getinfo);
  resolve(library, "curl_easy_perform", curl.easy_perform);
  resolve(library, "curl_easy_strerror", curl.easy_strerror);
  resolve(library, "curl_slist_append", curl.slist_append);
  resolve(library, "curl_slist_free_all", curl.slist_free_all);
  const CURLcode code = global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    throw Error(ExitCode::action,
                fmt::format("Cannot set up {}: {}.", k_soname, curl.easy_strerror(code)));
  }
  return curl;
}

} // namespace

const Libcurl& libcurl() {
  // A static's initialization runs once, and again on the next call when it
  // threw.
  static const Libcurl loaded = load();
  return loaded;
}

} // namespace cback::s3
