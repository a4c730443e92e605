#include <cback/s3/client.hpp>

#include <cback/core/digest.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/pacer.hpp>
#include <cback/core/stop.hpp>
#include <cback/s3/checksums.hpp>
#include <cback/s3/libcurl.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

namespace cback::s3 {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

// What an answer may hold in memory: its headers, and a body read as text
// (an XML listing page of 1000 keys is below 2 MB; error documents are
// small). A ranged GET's bytes go into the caller's buffer instead.
constexpr std::size_t k_headers_limit = 256 << 10;
constexpr std::size_t k_text_limit = 16 << 20;

struct CurlDelete {
  void operator()(CURL* handle) const noexcept { libcurl().easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDelete>;

struct HeaderListDelete {
  void operator()(curl_slist* list) const noexcept { libcurl().slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, HeaderListDelete>;

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string encode(std::string_view text, bool keep_slash) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (unreserved(byte) || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// One request as the caller describes it.
struct Request {
  Request(std::string operation_name, std::string http_method, std::string bucket_name,
          std::string object_key, Query parameters = {})
      : operation(std::move(operation_name)), method(std::move(http_method)),
        bucket(std::move(bucket_name)), key(std::move(object_key)), query(std::move(parameters)) {}

  std::string operation; ///< for messages: "PUT", "ListObjectsV2", ...
  std::string method;
  std::string bucket;
  std::string key;
  Query query; ///< written sorted by name (SigV4's canonical order)
  std::vector<std::string> headers;
  std::span<const std::byte> body;
  std::span<std::byte> into; ///< where a successful answer's body goes; empty: into the text
};

struct Response {
  long status = 0;
  std::string body;                           ///< the text of the answer
  std::map<std::string, std::string> headers; ///< names in lower case
  std::size_t header_bytes = 0;
  std::size_t filled = 0; ///< bytes written into Request::into
  bool too_long = false;  ///< the server sent more than the answer can hold
};

// Where libcurl writes an answer's body.
struct BodySink {
  CURL* curl = nullptr;
  Response* response = nullptr;
  std::span<std::byte> into;
};

// Where a body being sent stands, for libcurl's read callback.
struct Upload {
  std::span<const std::byte> body;
  std::size_t sent = 0;
  std::mutex* pacer_mutex = nullptr;
  core::Pacer* pacer = nullptr;
  const core::StopFlag* stop = nullptr;
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& upload = *static_cast<Upload*>(user);
  const std::size_t take = std::min(size * count, upload.body.size() - upload.sent);
  std::memcpy(buffer, upload.body.data() + upload.sent, take);
  upload.sent += take;
  if (upload.pacer != nullptr && take > 0) {
    core::Pacer::Seconds wait{};
    {
      const std::lock_guard lock(*upload.pacer_mutex);
      upload.pacer->count(static_cast<std::int64_t>(take));
      wait = upload.pacer->ahead();
    }
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline &&
           (upload.stop == nullptr || !upload.stop->requested())) {
      std::this_thread::sleep_for(std::min<core::Pacer::Seconds>(
          deadline - std::chrono::steady_clock::now(), std::chrono::milliseconds(100)));
    }
  }
  return take;
}

// A short count makes libcurl fail the transfer: that is how an answer
// longer than its bound is cut off.
std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& sink = *static_cast<BodySink*>(user);
  auto& response = *sink.response;
  const std::size_t length = size * count;
  long status = 0;
  libcurl().easy_getinfo(sink.curl, CURLINFO_RESPONSE_CODE, &status);
  if (!sink.into.empty() && (status == 200 || status == 206)) {
    if (length > sink.into.size() - response.filled) {
      response.too_long = true;
      return 0;
    }
    std::memcpy(sink.into.data() + response.filled, data, length);
    response.filled += length;
    return length;
  }
  if (length > k_text_limit - response.body.size()) {
    response.too_long = true;
    return 0;
  }
  response.body.append(data, length);
  return length;
}

std::size_t write_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& response = *static_cast<Response*>(user);
  const std::string_view line(data, size * count);
  response.header_bytes += line.size();
  if (response.header_bytes > k_headers_limit) {
    response.too_long = true;
    return 0;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    response.headers[lower(line.substr(0, colon))] = std::string(value);
  }
  return size * count;
}

int progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* stop = static_cast<const core::StopFlag*>(user);
  return stop != nullptr && stop->requested() ? 1 : 0;
}

bool retryable(long status, const std::optional<ErrorAnswer>& answer) {
  if (status >= 500 || status == 429) {
    return true;
  }
  return answer && (answer->code == "RequestTimeout" || answer->code == "SlowDown");
}

void add_put_headers(const PutOptions& options, std::vector<std::string>& headers) {
  if (!options.storage_class.empty()) {
    headers.push_back("x-amz-storage-class: " + options.storage_class);
  }
  for (const auto& [name, value] : options.metadata) {
    headers.push_back("x-amz-meta-" + name + ": " + value);
  }
}

// A header's decimal number, or Error(action) naming the request.
std::int64_t header_number(const Request& request, const std::string& text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    throw Error(ExitCode::action,
                fmt::format("S3 {} s3://{}/{}: the server's answer has an "
                            "invalid number [{}]",
                            request.operation, request.bucket, request.key, text.substr(0, 40)));
  }
  return value;
}

} // namespace

std::string encode_path(std::string_view key) {
  return encode(key, true);
}

std::string encode_query(std::string_view text) {
  return encode(text, false);
}

std::string Location::key(std::string_view rest) const {
  return prefix.empty() ? std::string(rest) : prefix + "/" + std::string(rest);
}

std::string Location::url(std::string_view key) const {
  return fmt::format("s3://{}/{}", bucket, key);
}

Location parse_location(std::string_view text) {
  std::string_view rest = text;
  if (rest.starts_with("s3://")) {
    rest.remove_prefix(5);
  }
  const auto slash = rest.find('/');
  Location location;
  location.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (prefix.starts_with('/')) {
      prefix.remove_prefix(1);
    }
    while (prefix.ends_with('/')) {
      prefix.remove_suffix(1);
    }
    location.prefix = std::string(prefix);
  }
  const bool valid_name =
      location.bucket.size() >= 3 && location.bucket.size() <= 63 &&
      std::all_of(location.bucket.begin(), location.bucket.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      });
  if (!valid_name) {
    throw Error(ExitCode::action,
                fmt::format("Invalid S3 bucket in [{}]: a bucket name is 3 to 63 characters "
                            "a-z, 0-9, '.' and '-'.",
                            text));
  }
  return location;
}

struct Client::Impl {
  ClientOptions options;
  core::Logger& log;
  const core::StopFlag* stop;
  std::mutex handles_mutex;
  std::vector<CurlHandle> idle;
  std::mutex pacer_mutex;
  std::optional<core::Pacer> pacer;

  Impl(ClientOptions given, core::Logger& logger, const core::StopFlag* stop_flag)
      : options(std::move(given)), log(logger), stop(stop_flag) {
    if (options.bandwidth_limit && *options.bandwidth_limit > 0) {
      pacer.emplace(*options.bandwidth_limit);
      log.debug("S3 requests send at most {:.0f} bytes a second in all.", *options.bandwidth_limit);
    }
  }

  CurlHandle take_handle() {
    {
      const std::lock_guard lock(handles_mutex);
      if (!idle.empty()) {
        CurlHandle handle = std::move(idle.back());
        idle.pop_back();
        libcurl().easy_reset(handle.get());
        return handle;
      }
    }
    CurlHandle handle(libcurl().easy_init());
    if (!handle) {
      throw Error(ExitCode::action, "Cannot set up a libcurl handle.");
    }
    return handle;
  }

  void give_back(CurlHandle handle) {
    const std::lock_guard lock(handles_mutex);
    idle.push_back(std::move(handle));
  }

  std::string url_of(const Request& request) const {
    std::string base;
    if (options.settings.endpoint_url) {
      base = *options.settings.endpoint_url;
      while (base.ends_with('/')) {
        base.pop_back();
      }
      base += "/" + request.bucket;
    } else if (request.bucket.find('.') != std::string::npos) {
      // A dotted bucket name does not match the wildcard certificate of
      // virtual hosts: the path style is the one that works.
      base = fmt::format("https://s3.{}.amazonaws.com/{}", options.settings.region, request.bucket);
    } else {
      base = fmt::format("https://{}.s3.{}.amazonaws.com", request.bucket, options.settings.region);
    }
    std::string url = base + "/" + encode_path(request.key);
    Query query = request.query;
    std::sort(query.begin(), query.end());
    char separator = '?';
    for (const auto& [name, value] : query) {
      url += separator + encode_query(name) + "=" + encode_query(value);
      separator = '&';
    }
    return url;
  }

  // One attempt; returns the libcurl result and fills `response`.
  CURLcode attempt(const Request& request, const std::string& url, const std::string& payload_hash,
                   Response& response) {
    CurlHandle handle = take_handle();
    CURL* curl = handle.get();
    const Libcurl& api = libcurl();
    const auto& settings = options.settings;
    const std::string sigv4 = fmt::format("aws:amz:{}:s3", settings.region);
    std::vector<std::string> lines = request.headers;
    lines.push_back("x-amz-content-sha256: " + payload_hash);
    if (!settings.credentials.session_token.empty()) {
      lines.push_back("x-amz-security-token: " + settings.credentials.session_token);
    }
    curl_slist* raw = nullptr;
    for (const auto& line : lines) {
      raw = api.slist_append(raw, line.c_str());
    }
    const HeaderList headers(raw);
    Upload upload{request.body, 0, &pacer_mutex, pacer ? &*pacer : nullptr, stop};
    BodySink sink{curl, &response, request.into};

    api.easy_setopt(curl, CURLOPT_URL, url.c_str());
    api.easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    api.easy_setopt(curl, CURLOPT_USERNAME, settings.credentials.access_key_id.c_str());
    api.easy_setopt(curl, CURLOPT_PASSWORD, settings.credentials.secret_access_key.c_str());
    api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                    static_cast<long>(options.connect_timeout.count()));
    api.easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    api.easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout.count()));
    api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, &write_body);
    api.easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    api.easy_setopt(curl, CURLOPT_HEADERFUNCTION, &write_header);
    api.easy_setopt(curl, CURLOPT_HEADERDATA, &response);
    api.easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    api.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &progress);
    api.easy_setopt(curl, CURLOPT_XFERINFODATA, stop);
    if (request.method == "PUT") {
      api.easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      api.easy_setopt(curl, CURLOPT_READFUNCTION, &read_body);
      api.easy_setopt(curl, CURLOPT_READDATA, &upload);
      api.easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else if (request.method == "POST") {
      api.easy_setopt(curl, CURLOPT_POST, 1L);
      api.easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      api.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                      static_cast<curl_off_t>(request.body.size()));
    } else if (request.method == "HEAD") {
      api.easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request.method != "GET") {
      api.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    const CURLcode code = api.easy_perform(curl);
    api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    if (code == CURLE_OK) {
      give_back(std::move(handle)); // keeps its connection for the next request
    }
    return code;
  }

  void pause(std::chrono::milliseconds length) const {
    const auto deadline = std::chrono::steady_clock::now() + length;
    while (std::chrono::steady_clock::now() < deadline) {
      if (stop != nullptr) {
        stop->check();
      }
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          deadline - std::chrono::steady_clock::now(), std::chrono::milliseconds(100)));
    }
  }

  // Sends `request`, retrying what may pass; returns the last answer (any
  // status). Throws Error(action) when every attempt failed to get one.
  Response send(const Request& request) {
    const std::string url = url_of(request);
    const std::string where =
        fmt::format("{} s3://{}/{}", request.operation, request.bucket, request.key);
    const auto digest = core::sha256(
        std::string_view(reinterpret_cast<const char*>(request.body.data()), request.body.size()));
    const std::string payload_hash = core::to_hex(digest);
    auto wait = options.first_pause;
    for (int attempt_number = 1;; ++attempt_number) {
      if (stop != nullptr) {
        stop->check();
      }
      Response response;
      const CURLcode code = attempt(request, url, payload_hash, response);
      if (code == CURLE_ABORTED_BY_CALLBACK && stop != nullptr) {
        stop->check();
      }
      if (response.too_long) {
        // Not retried: the same server would send the same again.
        throw Error(ExitCode::action,
                    fmt::format("S3 {}: the server's answer is longer than it can be ({} bytes "
                                "of body, {} of headers at most); refused",
                                where, request.into.empty() ? k_text_limit : request.into.size(),
                                k_headers_limit));
      }
      std::string failure;
      if (code != CURLE_OK) {
        failure = libcurl().easy_strerror(code);
      } else {
        const auto answer = parse_error(response.body);
        if (!retryable(response.status, answer)) {
          log.debug("S3 {}: HTTP {} ({} bytes sent, try {})", where, response.status,
                    request.body.size(), attempt_number);
          return response;
        }
        failure = fmt::format("HTTP {}{}", response.status, answer ? " " + answer->code : "");
      }
      if (attempt_number >= options.attempts) {
        throw Error(ExitCode::action,
                    fmt::format("S3 {} failed after {} tries: {}", where, attempt_number, failure));
      }
      log.debug("S3 {}: {}; trying again in {} ms", where, failure, wait.count());
      pause(wait);
      wait *= 2;
    }
  }

  // Lists the keys below `prefix` page by page (ListObjectsV2), handing
  // each page to `take`; `delimiter` empty: every key below, else one level.
  // A listing past max_listed entries, or a server that repeats its
  // continuation token, is an error: neither can make it run on for ever.
  template <typename Take>
  void list_pages(const std::string& bucket, const std::string& prefix,
                  const std::string& delimiter, Take take) {
    std::string token;
    std::size_t listed = 0;
    do {
      Request request("ListObjectsV2", "GET", bucket, "", {{"list-type", "2"}, {"prefix", prefix}});
      if (!delimiter.empty()) {
        request.query.emplace_back("delimiter", delimiter);
      }
      if (!token.empty()) {
        request.query.emplace_back("continuation-token", token);
      }
      auto page = parse_objects_page(require(request).body);
      listed += page.objects.size() + page.prefixes.size();
      if (listed > options.max_listed) {
        throw Error(ExitCode::action,
                    fmt::format("S3 ListObjectsV2 of s3://{}/{} lists more than {} entries; "
                                "refused",
                                bucket, prefix, options.max_listed));
      }
      if (!page.next_token.empty() && page.next_token == token) {
        throw Error(ExitCode::action,
                    fmt::format("S3 ListObjectsV2 of s3://{}/{}: the server repeats its "
                                "continuation token",
                                bucket, prefix));
      }
      token = page.next_token;
      take(page);
    } while (!token.empty());
  }

  // Throws the error `response` stands for, naming the request.
  [[noreturn]] static void fail(const Request& request, const Response& response) {
    const auto answer = parse_error(response.body);
    std::string detail = answer ? fmt::format("{}: {}", answer->code, answer->message)
                                : std::string("no S3 error document");
    throw Error(ExitCode::action,
                fmt::format("S3 {} s3://{}/{} failed: HTTP {} {}", request.operation,
                            request.bucket, request.key, response.status, detail));
  }

  Response require(const Request& request) {
    Response response = send(request);
    if (response.status < 200 || response.status > 299) {
      fail(request, response);
    }
    return response;
  }
};

Client::Client(ClientOptions options, core::Logger& log, const core::StopFlag* stop)
    : m_impl(std::make_unique<Impl>(std::move(options), log, stop)) {
  libcurl(); // loads libcurl now: a missing library fails here, not at the first request
}

Client::~Client() = default;

const Settings& Client::settings() const {
  return m_impl->options.settings;
}

void Client::check_bucket(const std::string& bucket) {
  // ListObjectsV2 of nothing rather than HEAD: HEAD answers carry no error
  // document, and the server's code (NoSuchBucket, AccessDenied …) is what
  // the user needs to read.
  Request request("ListObjectsV2", "GET", bucket, "", {{"list-type", "2"}, {"max-keys", "0"}});
  m_impl->require(request);
}

std::optional<ObjectHead> Client::head_object(const std::string& bucket, const std::string& key) {
  Request request("HEAD", "HEAD", bucket, key);
  const Response response = m_impl->send(request);
  if (response.status == 404) {
    return std::nullopt;
  }
  if (response.status != 200) {
    Impl::fail(request, response);
  }
  ObjectHead head;
  const auto length = response.headers.find("content-length");
  if (length != response.headers.end()) {
    head.size = header_number(request, length->second);
  }
  const auto etag = response.headers.find("etag");
  head.etag = etag == response.headers.end() ? std::string() : etag->second;
  constexpr std::string_view k_meta = "x-amz-meta-";
  for (const auto& [name, value] : response.headers) {
    if (name.starts_with(k_meta)) {
      head.metadata[name.substr(k_meta.size())] = value;
    }
  }
  return head;
}

std::string Client::put_object(const std::string& bucket, const std::string& key,
                               std::span<const std::byte> body, const Md5Digest& body_md5,
                               const PutOptions& options) {
  Request request("PUT", "PUT", bucket, key);
  request.headers.push_back("Content-MD5: " + base64(body_md5));
  add_put_headers(options, request.headers);
  request.body = body;
  const Response response = m_impl->require(request);
  const auto etag = response.headers.find("etag");
  return etag == response.headers.end() ? std::string() : etag->second;
}

std::string Client::create_upload(const std::string& bucket, const std::string& key,
                                  const PutOptions& options) {
  Request request("CreateMultipartUpload", "POST", bucket, key, {{"uploads", ""}});
  add_put_headers(options, request.headers);
  return parse_upload_id(m_impl->require(request).body);
}

std::string Client::upload_part(const std::string& bucket, const std::string& key,
                                const std::string& upload_id, int number,
                                std::span<const std::byte> body, const Md5Digest& body_md5) {
  Request request(fmt::format("UploadPart {} of", number), "PUT", bucket, key,
                  {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}});
  request.headers.push_back("Content-MD5: " + base64(body_md5));
  request.body = body;
  const Response response = m_impl->require(request);
  const auto etag = response.headers.find("etag");
  return etag == response.headers.end() ? std::string() : etag->second;
}

void Client::complete_upload(const std::string& bucket, const std::string& key,
                             const std::string& upload_id,
                             const std::vector<std::string>& part_etags) {
  const std::string body = complete_body(part_etags);
  Request request("CompleteMultipartUpload", "POST", bucket, key, {{"uploadId", upload_id}});
  request.headers.emplace_back("Content-Type: application/xml");
  request.body = std::as_bytes(std::span(body));
  const Response response = m_impl->require(request);
  // The answer may be 200 with an error document in it, when the server
  // failed after it had started to answer.
  if (const auto answer = parse_error(response.body)) {
    Response failed = response;
    failed.status = 500;
    Impl::fail(request, failed);
  }
}

void Client::abort_upload(const std::string& bucket, const std::string& key,
                          const std::string& upload_id) {
  Request request("AbortMultipartUpload", "DELETE", bucket, key, {{"uploadId", upload_id}});
  const Response response = m_impl->send(request);
  if (response.status != 204 && response.status != 200 && response.status != 404) {
    Impl::fail(request, response);
  }
}

std::vector<ObjectEntry> Client::list_objects(const std::string& bucket,
                                              const std::string& prefix) {
  std::vector<ObjectEntry> objects;
  m_impl->list_pages(bucket, prefix, "", [&](ObjectsPage& page) {
    std::move(page.objects.begin(), page.objects.end(), std::back_inserter(objects));
  });
  return objects;
}

Level Client::list_level(const std::string& bucket, const std::string& prefix) {
  Level level;
  m_impl->list_pages(bucket, prefix, "/", [&](ObjectsPage& page) {
    std::move(page.objects.begin(), page.objects.end(), std::back_inserter(level.objects));
    std::move(page.prefixes.begin(), page.prefixes.end(), std::back_inserter(level.prefixes));
  });
  return level;
}

RangeRead Client::get_range(const std::string& bucket, const std::string& key, std::uint64_t offset,
                            std::span<std::byte> out) {
  if (out.empty()) {
    return {};
  }
  const std::uint64_t last = offset + out.size() - 1;
  Request request("GET", "GET", bucket, key);
  request.headers.push_back(fmt::format("Range: bytes={}-{}", offset, last));
  request.into = out;
  const Response response = m_impl->send(request);
  // A server may answer a range that covers the whole object with all of
  // it (200); the sink has then refused anything past `out`.
  if (response.status != 206 && !(response.status == 200 && offset == 0)) {
    Impl::fail(request, response);
  }
  const auto header = [&](const char* name) {
    const auto found = response.headers.find(name);
    return found == response.headers.end() ? std::string() : found->second;
  };
  const std::string range = header("content-range");
  const bool right_range =
      response.status == 200 || range.starts_with(fmt::format("bytes {}-{}/", offset, last));
  if (!right_range || response.filled != out.size()) {
    throw Error(ExitCode::action,
                fmt::format("S3 GET s3://{}/{} bytes {}-{}: the server sent {} bytes{}", bucket,
                            key, offset, last, response.filled,
                            range.empty() ? std::string() : " of the range " + range));
  }
  return {response.filled, header("etag")};
}

std::vector<UploadEntry> Client::list_uploads(const std::string& bucket,
                                              const std::string& prefix) {
  std::vector<UploadEntry> uploads;
  UploadsPage page;
  do {
    Request request("ListMultipartUploads", "GET", bucket, "",
                    {{"prefix", prefix}, {"uploads", ""}});
    if (!page.next_key_marker.empty()) {
      request.query.emplace_back("key-marker", page.next_key_marker);
      request.query.emplace_back("upload-id-marker", page.next_upload_id_marker);
    }
    page = parse_uploads_page(m_impl->require(request).body);
    uploads.insert(uploads.end(), page.uploads.begin(), page.uploads.end());
  } while (!page.next_key_marker.empty());
  return uploads;
}

std::vector<PartEntry> Client::list_parts(const std::string& bucket, const std::string& key,
                                          const std::string& upload_id) {
  std::vector<PartEntry> parts;
  std::optional<int> marker;
  do {
    Request request("ListParts", "GET", bucket, key, {{"uploadId", upload_id}});
    if (marker) {
      request.query.emplace_back("part-number-marker", std::to_string(*marker));
    }
    auto page = parse_parts_page(m_impl->require(request).body);
    parts.insert(parts.end(), page.parts.begin(), page.parts.end());
    marker = page.next_marker;
  } while (marker);
  return parts;
}

void Client::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  constexpr std::size_t k_batch = 1000;
  std::vector<std::string> failed;
  for (std::size_t first = 0; first < keys.size(); first += k_batch) {
    const std::vector<std::string> batch(
        keys.begin() + static_cast<std::ptrdiff_t>(first),
        keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), first + k_batch)));
    const std::string body = delete_body(batch);
    Request request("DeleteObjects", "POST", bucket, "", {{"delete", ""}});
    request.headers.push_back("Content-MD5: " + base64(md5(std::as_bytes(std::span(body)))));
    request.headers.emplace_back("Content-Type: application/xml");
    request.body = std::as_bytes(std::span(body));
    for (const auto& failure : parse_delete_failures(m_impl->require(request).body)) {
      failed.push_back(fmt::format("{} ({}: {})", failure.key, failure.code, failure.message));
    }
  }
  if (!failed.empty()) {
    throw Error(ExitCode::action, fmt::format("S3 DeleteObjects in s3://{} failed for: {}", bucket,
                                              fmt::join(failed, ", ")));
  }
}

} // namespace cback::s3
