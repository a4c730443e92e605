#include <cback/s3/libcurl.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace cback::s3 {
namespace {

std::size_t append(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

} // namespace

TEST_CASE("libcurl is loaded once and its functions transfer through the loaded library",
          "[s3][libcurl]") {
  const Libcurl& curl = libcurl();
  CHECK(&libcurl() == &curl);

  // A file:// transfer: libcurl's own transfer engine, with no server.
  test::TempDir dir;
  const auto file = dir.write("object", "the bytes of an object\n");
  CURL* handle = curl.easy_init();
  REQUIRE(handle != nullptr);
  std::string body;
  const std::string url = "file://" + file.string();
  curl_slist* headers = curl.slist_append(nullptr, "x-amz-test: 1");
  REQUIRE(headers != nullptr);
  CHECK(curl.easy_setopt(handle, CURLOPT_URL, url.c_str()) == CURLE_OK);
  CHECK(curl.easy_setopt(handle, CURLOPT_HTTPHEADER, headers) == CURLE_OK);
  CHECK(curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, &append) == CURLE_OK);
  CHECK(curl.easy_setopt(handle, CURLOPT_WRITEDATA, &body) == CURLE_OK);
  CHECK(curl.easy_perform(handle) == CURLE_OK);
  CHECK(body == "the bytes of an object\n");
  curl_off_t size = 0;
  CHECK(curl.easy_getinfo(handle, CURLINFO_SIZE_DOWNLOAD_T, &size) == CURLE_OK);
  CHECK(size == 23);

  // A handle reset keeps no option: the same transfer without a URL fails.
  curl.easy_reset(handle);
  const CURLcode code = curl.easy_perform(handle);
  CHECK(code == CURLE_URL_MALFORMAT);
  CHECK(std::string(curl.easy_strerror(code)) == "URL using bad/illegal format or missing URL");
  curl.slist_free_all(headers);
  curl.easy_cleanup(handle);
}

} // namespace cback::s3
