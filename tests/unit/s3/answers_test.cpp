#include <cback/core/error.hpp>
#include <cback/s3/answers.hpp>
#include <cback/s3/client.hpp>

#include <catch2/catch.hpp>

namespace cback::s3 {

TEST_CASE("S3 error documents give their code and message", "[s3][answers]") {
  const auto error = parse_error(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message><RequestId>x</RequestId></Error>)");
  REQUIRE(error);
  CHECK(error->code == "SignatureDoesNotMatch");
  CHECK(error->message == "bad");
  CHECK_FALSE(parse_error(""));
  CHECK_FALSE(parse_error("<ListBucketResult/>"));
}

TEST_CASE("Listings are read page by page", "[s3][answers]") {
  const auto objects =
      parse_objects_page(R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<IsTruncated>true</IsTruncated><NextContinuationToken>t2</NextContinuationToken>
<Contents><Key>pool/a b</Key><Size>12</Size><ETag>"abc"</ETag></Contents>
<Contents><Key>pool/c</Key><Size>0</Size><ETag>"def-2"</ETag></Contents>
</ListBucketResult>)");
  REQUIRE(objects.objects.size() == 2);
  CHECK(objects.objects[0].key == "pool/a b");
  CHECK(objects.objects[0].size == 12);
  CHECK(objects.objects[1].etag == "\"def-2\"");
  CHECK(objects.next_token == "t2");
  CHECK(objects.prefixes.empty());

  const auto level = parse_objects_page(R"(<ListBucketResult><IsTruncated>false</IsTruncated>
<Contents><Key>pool/2026/11/24/host/etc.tar</Key><Size>3</Size><ETag>"e"</ETag></Contents>
<CommonPrefixes><Prefix>pool/2026/11/24/host/sub/</Prefix></CommonPrefixes>
</ListBucketResult>)");
  REQUIRE(level.prefixes.size() == 1);
  CHECK(level.prefixes[0] == "pool/2026/11/24/host/sub/");
  CHECK(level.next_token.empty());

  const auto uploads = parse_uploads_page(R"(<ListMultipartUploadsResult>
<IsTruncated>false</IsTruncated>
<Upload><Key>k</Key><UploadId>u1</UploadId><Initiated>2026-11-24T10:00:00.000Z</Initiated></Upload>
</ListMultipartUploadsResult>)");
  REQUIRE(uploads.uploads.size() == 1);
  CHECK(uploads.uploads[0].upload_id == "u1");
  CHECK(uploads.next_key_marker.empty());

  const auto parts = parse_parts_page(R"(<ListPartsResult><IsTruncated>true</IsTruncated>
<NextPartNumberMarker>1</NextPartNumberMarker>
<Part><PartNumber>1</PartNumber><ETag>"p1"</ETag><Size>5242880</Size></Part></ListPartsResult>)");
  REQUIRE(parts.parts.size() == 1);
  CHECK(parts.parts[0].number == 1);
  CHECK(parts.parts[0].size == 5242880);
  CHECK(parts.next_marker == 1);

  CHECK(parse_upload_id("<InitiateMultipartUploadResult><UploadId>2~x</UploadId>"
                        "</InitiateMultipartUploadResult>") == "2~x");
  const auto failures = parse_delete_failures(
      "<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code><Message>no</Message></Error>"
      "</DeleteResult>");
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].code == "AccessDenied");
}

TEST_CASE("Answers that are not what they should be are errors", "[s3][answers]") {
  CHECK_THROWS_AS(parse_objects_page("not xml <"), Error);
  CHECK_THROWS_AS(parse_objects_page("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size>"
                                     "</Contents></ListBucketResult>"),
                  Error);
  CHECK_THROWS_AS(parse_upload_id("<InitiateMultipartUploadResult/>"), Error);
}

TEST_CASE("Request bodies escape keys", "[s3][answers]") {
  CHECK(complete_body({"\"e1\"", "\"e2\""})
            .find("<Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part>"
                  "<Part><PartNumber>2</PartNumber>") != std::string::npos);
  CHECK(delete_body({"a<b&c"}).find("<Object><Key>a&lt;b&amp;c</Key></Object>") !=
        std::string::npos);
}

TEST_CASE("Keys and query values are percent-encoded as SigV4 signs them", "[s3]") {
  CHECK(encode_path("pool/2026/11/24/peer/a b+c~_-.txt") ==
        "pool/2026/11/24/peer/a%20b%2Bc~_-.txt");
  CHECK(encode_path("Grüße") == "Gr%C3%BC%C3%9Fe");
  CHECK(encode_query("pool/2026/") == "pool%2F2026%2F");
}

TEST_CASE("A bucket location splits into bucket and prefix", "[s3]") {
  const auto plain = parse_location("example-backups");
  CHECK(plain.bucket == "example-backups");
  CHECK(plain.prefix.empty());
  CHECK(plain.key("2026/11/24") == "2026/11/24");
  const auto nested = parse_location("s3://example-backups/pool/site/");
  CHECK(nested.bucket == "example-backups");
  CHECK(nested.prefix == "pool/site");
  CHECK(nested.key("2026/11/24") == "pool/site/2026/11/24");
  CHECK(nested.url("k") == "s3://example-backups/k");
  CHECK_THROWS_WITH(parse_location("Bad_Bucket/x"),
                    Catch::Contains("Invalid S3 bucket in [Bad_Bucket/x]"));
  CHECK_THROWS_AS(parse_location("ab"), Error);
}

} // namespace cback::s3
