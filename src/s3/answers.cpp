#include <cback/s3/answers.hpp>

#include <cback/core/error.hpp>

#include <fmt/format.h>
#include <pugixml.hpp>

#include <charconv>
#include <sstream>

namespace cback::s3 {
namespace {

// The document of an answer that must be XML, or Error(action) naming `what`.
pugi::xml_document parse(std::string_view body, std::string_view what) {
  pugi::xml_document document;
  const auto result = document.load_buffer(body.data(), body.size());
  if (!result) {
    throw Error(ExitCode::action, fmt::format("The S3 server's answer to {} is not XML: {}", what,
                                              result.description()));
  }
  return document;
}

std::string text(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().as_string();
}

std::int64_t number(const pugi::xml_node& node, const char* child, std::string_view what) {
  const std::string value = text(node, child);
  std::int64_t parsed = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (error != std::errc() || end != value.data() + value.size() || parsed < 0) {
    throw Error(
        ExitCode::action,
        fmt::format("The S3 server's answer to {} has an invalid {} [{}].", what, child, value));
  }
  return parsed;
}

bool truncated(const pugi::xml_node& root) {
  return std::string_view(root.child("IsTruncated").text().as_string()) == "true";
}

std::string serialize(const pugi::xml_document& document) {
  std::ostringstream out;
  document.save(out, "", pugi::format_raw);
  return out.str();
}

} // namespace

std::optional<ErrorAnswer> parse_error(std::string_view body) {
  pugi::xml_document document;
  if (!document.load_buffer(body.data(), body.size())) {
    return std::nullopt;
  }
  const auto root = document.child("Error");
  if (!root) {
    return std::nullopt;
  }
  return ErrorAnswer{text(root, "Code"), text(root, "Message")};
}

ObjectsPage parse_objects_page(std::string_view body) {
  constexpr std::string_view what = "ListObjectsV2";
  const auto document = parse(body, what);
  const auto root = document.child("ListBucketResult");
  ObjectsPage page;
  for (const auto& entry : root.children("Contents")) {
    page.objects.push_back({text(entry, "Key"), number(entry, "Size", what), text(entry, "ETag")});
  }
  for (const auto& common : root.children("CommonPrefixes")) {
    page.prefixes.push_back(text(common, "Prefix"));
  }
  if (truncated(root)) {
    page.next_token = text(root, "NextContinuationToken");
    if (page.next_token.empty()) {
      throw Error(ExitCode::action, "The S3 server's truncated listing has no continuation token.");
    }
  }
  return page;
}

std::string parse_upload_id(std::string_view body) {
  const auto document = parse(body, "CreateMultipartUpload");
  std::string id = text(document.child("InitiateMultipartUploadResult"), "UploadId");
  if (id.empty()) {
    throw Error(ExitCode::action,
                "The S3 server's answer to CreateMultipartUpload has no UploadId.");
  }
  return id;
}

UploadsPage parse_uploads_page(std::string_view body) {
  const auto document = parse(body, "ListMultipartUploads");
  const auto root = document.child("ListMultipartUploadsResult");
  UploadsPage page;
  for (const auto& upload : root.children("Upload")) {
    page.uploads.push_back(
        {text(upload, "Key"), text(upload, "UploadId"), text(upload, "Initiated")});
  }
  if (truncated(root)) {
    page.next_key_marker = text(root, "NextKeyMarker");
    page.next_upload_id_marker = text(root, "NextUploadIdMarker");
  }
  return page;
}

PartsPage parse_parts_page(std::string_view body) {
  constexpr std::string_view what = "ListParts";
  const auto document = parse(body, what);
  const auto root = document.child("ListPartsResult");
  PartsPage page;
  for (const auto& part : root.children("Part")) {
    page.parts.push_back({static_cast<int>(number(part, "PartNumber", what)),
                          number(part, "Size", what), text(part, "ETag")});
  }
  if (truncated(root)) {
    page.next_marker = static_cast<int>(number(root, "NextPartNumberMarker", what));
  }
  return page;
}

std::vector<DeleteFailure> parse_delete_failures(std::string_view body) {
  const auto document = parse(body, "DeleteObjects");
  std::vector<DeleteFailure> failures;
  for (const auto& error : document.child("DeleteResult").children("Error")) {
    failures.push_back({text(error, "Key"), text(error, "Code"), text(error, "Message")});
  }
  return failures;
}

std::string complete_body(const std::vector<std::string>& part_etags) {
  pugi::xml_document document;
  auto root = document.append_child("CompleteMultipartUpload");
  int number = 0;
  for (const auto& etag : part_etags) {
    auto part = root.append_child("Part");
    part.append_child("PartNumber").text().set(++number);
    part.append_child("ETag").text().set(etag.c_str());
  }
  return serialize(document);
}

std::string delete_body(const std::vector<std::string>& keys) {
  pugi::xml_document document;
  auto root = document.append_child("Delete");
  root.append_child("Quiet").text().set("true");
  for (const auto& key : keys) {
    root.append_child("Object").append_child("Key").text().set(key.c_str());
  }
  return serialize(document);
}

} // namespace cback::s3
