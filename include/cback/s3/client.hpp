#pragma once

// A native S3 client on libcurl (docs/ARCHITECTURE.md, "S3"): requests are
// signed with SigV4 by libcurl itself (CURLOPT_AWS_SIGV4), with the
// payload's SHA-256 in x-amz-content-sha256, so the server checks every
// body it receives; query parameters are written sorted, as SigV4's
// canonical request wants them (libcurl signs the query as written).
// Answers are read with pugixml (answers.hpp).
//
// Every request is retried on a lost or refused connection, a timeout, an
// HTTP 5xx or 429 (and S3's RequestTimeout and SlowDown), with a doubling
// pause; other failures throw cback::Error(action) at once, naming the
// request, s3://BUCKET/KEY, the HTTP status and the server's code and
// message. The secret key goes to libcurl only: it is never logged, put on
// a command line or in a message. Thread-safe: each request takes an idle
// libcurl handle (kept with its connection for the next request).

#include <cback/s3/answers.hpp>
#include <cback/s3/checksums.hpp>
#include <cback/s3/credentials.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cback::core {
class Logger;
class StopFlag;
} // namespace cback::core

namespace cback::s3 {

/// A bucket and a key prefix, from "BUCKET[/PATH]" or "s3://BUCKET[/PATH]".
struct Location {
  std::string bucket;
  std::string prefix; ///< no leading or trailing '/'; empty for the bucket's root

  /// prefix + "/" + `rest` (or `rest` alone for an empty prefix).
  [[nodiscard]] std::string key(std::string_view rest) const;
  /// s3://BUCKET/KEY, for messages.
  [[nodiscard]] std::string url(std::string_view key) const;
};

/// Parses "BUCKET[/PATH]" or "s3://BUCKET[/PATH]". Throws Error(action)
/// naming `text` when the bucket name is not 3–63 characters of a–z, 0–9,
/// '.' and '-'.
Location parse_location(std::string_view text);

struct ClientOptions {
  Settings settings;
  /// Bytes per second over all requests' bodies; none: no limit.
  std::optional<double> bandwidth_limit;
  int attempts = 5;                                 ///< tries of one request
  std::chrono::milliseconds first_pause{250};       ///< doubled after each retry
  std::chrono::milliseconds connect_timeout{10000}; ///< to open a connection
  std::chrono::seconds stall_timeout{60};           ///< no byte moving for this long
  /// Entries one listing may hold, all its pages together: more is an
  /// error naming the bucket and prefix, so that no server can make a
  /// listing grow without end.
  std::size_t max_listed = 4'000'000;
};

/// What HEAD says of an object.
struct ObjectHead {
  std::int64_t size = 0;
  std::string etag;                            ///< with its quotes
  std::map<std::string, std::string> metadata; ///< x-amz-meta-NAME, NAME in lower case
};

/// One level of a bucket below a prefix.
struct Level {
  std::vector<ObjectEntry> objects;  ///< the keys with no '/' after the prefix
  std::vector<std::string> prefixes; ///< "PREFIX" + name + "/" of each level below
};

/// What a ranged GET read.
struct RangeRead {
  std::size_t bytes = 0;
  std::string etag; ///< of the object read, with its quotes (empty when the server gave none)
};

/// What a new object is stored with.
struct PutOptions {
  std::string storage_class;                   ///< empty: the bucket's default
  std::map<std::string, std::string> metadata; ///< sent as x-amz-meta-NAME
};

class Client {
public:
  Client(ClientOptions options, core::Logger& log, const core::StopFlag* stop);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] const Settings& settings() const;

  /// Throws naming the bucket when it does not exist or cannot be reached.
  void check_bucket(const std::string& bucket);
  /// std::nullopt when there is no such object.
  std::optional<ObjectHead> head_object(const std::string& bucket, const std::string& key);
  /// A single PUT with Content-MD5 (`body_md5`, the MD5 of `body`, which
  /// the caller needs for the ETag anyway); returns the ETag the server gave.
  std::string put_object(const std::string& bucket, const std::string& key,
                         std::span<const std::byte> body, const Md5Digest& body_md5,
                         const PutOptions& options);

  /// CreateMultipartUpload; returns the upload id.
  std::string create_upload(const std::string& bucket, const std::string& key,
                            const PutOptions& options);
  /// UploadPart with Content-MD5 (`body_md5`, the MD5 of `body`); returns
  /// the part's ETag.
  std::string upload_part(const std::string& bucket, const std::string& key,
                          const std::string& upload_id, int number, std::span<const std::byte> body,
                          const Md5Digest& body_md5);
  /// CompleteMultipartUpload of parts 1..N with these ETags. (Some servers
  /// answer with an empty ETag: verify the object with head_object.)
  void complete_upload(const std::string& bucket, const std::string& key,
                       const std::string& upload_id, const std::vector<std::string>& part_etags);
  void abort_upload(const std::string& bucket, const std::string& key,
                    const std::string& upload_id);

  /// Every object whose key starts with `prefix` (all pages of ListObjectsV2).
  std::vector<ObjectEntry> list_objects(const std::string& bucket, const std::string& prefix);
  /// The objects just below `prefix` (empty, or ending in '/') and the
  /// levels under it (ListObjectsV2 with the delimiter '/', all pages).
  Level list_level(const std::string& bucket, const std::string& prefix);
  /// The bytes [offset, offset + out.size()) of an object, read into `out`
  /// by one GET with an HTTP Range. The answer must be exactly that range:
  /// a server sending more than `out` holds, less, or another range is an
  /// error naming the object. Every other answer's body (XML, an error
  /// document) is read into memory up to a fixed bound, past which the
  /// request fails, as do its headers.
  RangeRead get_range(const std::string& bucket, const std::string& key, std::uint64_t offset,
                      std::span<std::byte> out);
  /// Every unfinished multipart upload whose key starts with `prefix`.
  std::vector<UploadEntry> list_uploads(const std::string& bucket, const std::string& prefix);
  /// Every part an unfinished upload holds.
  std::vector<PartEntry> list_parts(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id);
  /// Deletes these keys (DeleteObjects, 1000 at a time); throws naming
  /// every key the server could not delete.
  void delete_objects(const std::string& bucket, const std::vector<std::string>& keys);

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// The key in a URL path: every byte but A–Z a–z 0–9 - . _ ~ and '/' as %XX.
std::string encode_path(std::string_view key);
/// A query parameter's name or value: as encode_path, '/' encoded too.
std::string encode_query(std::string_view text);

} // namespace cback::s3
