#pragma once

// The XML S3 speaks, read and written with pugixml: the answers the client
// parses (errors, listings, a new multipart upload's id, a batch delete's
// failures) and the bodies it sends (CompleteMultipartUpload,
// DeleteObjects). Element names are matched without namespaces.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cback::s3 {

/// An S3 error answer: `<Error><Code>…<Message>…`.
struct ErrorAnswer {
  std::string code;
  std::string message;
};
/// std::nullopt when `body` is not an S3 error document.
std::optional<ErrorAnswer> parse_error(std::string_view body);

struct ObjectEntry {
  std::string key;
  std::int64_t size = 0;
  std::string etag; ///< with its quotes, as S3 gives it
};
/// One page of ListObjectsV2.
struct ObjectsPage {
  std::vector<ObjectEntry> objects;
  std::vector<std::string> prefixes; ///< CommonPrefixes, when listed with a delimiter
  std::string next_token;            ///< empty when this is the last page
};
ObjectsPage parse_objects_page(std::string_view body);

/// InitiateMultipartUploadResult's UploadId.
std::string parse_upload_id(std::string_view body);

struct UploadEntry {
  std::string key;
  std::string upload_id;
  std::string initiated; ///< ISO 8601, as S3 gives it (sorts by time)
};
/// One page of ListMultipartUploads.
struct UploadsPage {
  std::vector<UploadEntry> uploads;
  std::string next_key_marker; ///< both empty when this is the last page
  std::string next_upload_id_marker;
};
UploadsPage parse_uploads_page(std::string_view body);

struct PartEntry {
  int number = 0;
  std::int64_t size = 0;
  std::string etag; ///< with its quotes
};
/// One page of ListParts.
struct PartsPage {
  std::vector<PartEntry> parts;
  std::optional<int> next_marker; ///< none when this is the last page
};
PartsPage parse_parts_page(std::string_view body);

/// A key DeleteObjects could not delete, with the server's code and message.
struct DeleteFailure {
  std::string key;
  std::string code;
  std::string message;
};
std::vector<DeleteFailure> parse_delete_failures(std::string_view body);

/// The CompleteMultipartUpload body for parts 1..N with these ETags.
std::string complete_body(const std::vector<std::string>& part_etags);
/// A quiet DeleteObjects body for these keys (at most 1000).
std::string delete_body(const std::vector<std::string>& keys);

} // namespace cback::s3
