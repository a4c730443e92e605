// The keys of the built-in extensions' sections (docs/configuration.md) and of the
// document itself. See schemas.cpp for how the tables are used.

#include "codecs.hpp"
#include "schemas.hpp"

#include <fmt/format.h>

namespace cback::config::schema {
namespace {

namespace c = codecs;
using c::collect_mode;
using c::compress_mode;

} // namespace

template <>
const Schema<MysqlConfig>& schema_of<MysqlConfig>() {
  static const Schema<MysqlConfig> schema{
      "MySQL extension: dumps of databases (mysqldump)",
      {
          scalar("user", &MysqlConfig::user, c::text()),
          scalar("password", &MysqlConfig::password, c::text()),
          scalar("compress_mode", &MysqlConfig::compress_mode, compress_mode()),
          scalar("all", &MysqlConfig::all, c::boolean()),
          list("database", &MysqlConfig::databases, c::text()),
      }};
  return schema;
}

template <>
const Schema<PostgresqlConfig>& schema_of<PostgresqlConfig>() {
  static const Schema<PostgresqlConfig> schema{
      "PostgreSQL extension: dumps of databases (pg_dump, pg_dumpall)",
      {
          scalar("user", &PostgresqlConfig::user, c::text()),
          scalar("compress_mode", &PostgresqlConfig::compress_mode, compress_mode()),
          scalar("all", &PostgresqlConfig::all, c::boolean()),
          list("database", &PostgresqlConfig::databases, c::text()),
      }};
  return schema;
}

template <>
const Schema<SubversionRepository>& schema_of<SubversionRepository>() {
  static const Schema<SubversionRepository> schema{
      "",
      {
          scalar("abs_path", &SubversionRepository::abs_path, c::abs_path(), Need::required),
          scalar("collect_mode", &SubversionRepository::collect_mode, collect_mode()),
          scalar("compress_mode", &SubversionRepository::compress_mode, compress_mode()),
          scalar("type", &SubversionRepository::type, c::text()),
      }};
  return schema;
}

template <>
const Schema<SubversionRepositoryDir>& schema_of<SubversionRepositoryDir>() {
  static const Schema<SubversionRepositoryDir> schema{
      "",
      {
          scalar("abs_path", &SubversionRepositoryDir::abs_path, c::abs_path(), Need::required),
          scalar("collect_mode", &SubversionRepositoryDir::collect_mode, collect_mode()),
          scalar("compress_mode", &SubversionRepositoryDir::compress_mode, compress_mode()),
          scalar("type", &SubversionRepositoryDir::type, c::text()),
          table("exclude", &SubversionRepositoryDir::exclude),
      }};
  return schema;
}

template <>
const Schema<SubversionConfig>& schema_of<SubversionConfig>() {
  static const Schema<SubversionConfig> schema{
      "Subversion extension: dumps of repositories (svnadmin dump)",
      {
          scalar("collect_mode", &SubversionConfig::collect_mode, collect_mode()),
          scalar("compress_mode", &SubversionConfig::compress_mode, compress_mode()),
          tables("repository", &SubversionConfig::repositories),
          tables("repository_dir", &SubversionConfig::repository_dirs),
      }};
  return schema;
}

template <>
const Schema<MboxFile>& schema_of<MboxFile>() {
  static const Schema<MboxFile> schema{
      "",
      {
          scalar("abs_path", &MboxFile::abs_path, c::abs_path(), Need::required),
          scalar("collect_mode", &MboxFile::collect_mode, collect_mode()),
          scalar("compress_mode", &MboxFile::compress_mode, compress_mode()),
      }};
  return schema;
}

template <>
const Schema<MboxDir>& schema_of<MboxDir>() {
  static const Schema<MboxDir> schema{
      "",
      {
          scalar("abs_path", &MboxDir::abs_path, c::abs_path(), Need::required),
          scalar("collect_mode", &MboxDir::collect_mode, collect_mode()),
          scalar("compress_mode", &MboxDir::compress_mode, compress_mode()),
          table("exclude", &MboxDir::exclude),
      }};
  return schema;
}

template <>
const Schema<MboxConfig>& schema_of<MboxConfig>() {
  static const Schema<MboxConfig> schema{
      "Mbox extension: mail folders (grepmail)",
      {
          scalar("collect_mode", &MboxConfig::collect_mode, collect_mode()),
          scalar("compress_mode", &MboxConfig::compress_mode, compress_mode()),
          tables("file", &MboxConfig::files),
          tables("dir", &MboxConfig::dirs),
      }};
  return schema;
}

template <>
const Schema<EncryptConfig>& schema_of<EncryptConfig>() {
  static const Schema<EncryptConfig> schema{
      "Encrypt extension: staged files encrypted with GnuPG",
      {
          scalar("encrypt_mode", &EncryptConfig::encrypt_mode, c::text()),
          scalar("encrypt_target", &EncryptConfig::encrypt_target, c::text()),
      }};
  return schema;
}

template <>
const Schema<SplitConfig>& schema_of<SplitConfig>() {
  static const Schema<SplitConfig> schema{
      "Split extension: large staged files cut into pieces",
      {
          scalar("size_limit", &SplitConfig::size_limit, c::bytes()),
          scalar("split_size", &SplitConfig::split_size, c::bytes()),
      }};
  return schema;
}

template <>
const Schema<CapacityConfig>& schema_of<CapacityConfig>() {
  static const Schema<CapacityConfig> schema{
      "Capacity extension: warn when the disc is nearly full",
      {
          scalar("max_percentage", &CapacityConfig::max_percentage, c::float_text(0.0, 100.0)),
          scalar("min_bytes", &CapacityConfig::min_bytes, c::bytes()),
      }};
  return schema;
}

template <>
const Schema<AmazonS3Config>& schema_of<AmazonS3Config>() {
  static const Schema<AmazonS3Config> schema{
      "Amazon S3 extension: staged backups copied to a bucket",
      {
          scalar("warn_midnite", &AmazonS3Config::warn_midnite, c::boolean()),
          scalar("s3_bucket", &AmazonS3Config::s3_bucket, c::text()),
          scalar("encrypt", &AmazonS3Config::encrypt, c::text()),
          scalar("full_size_limit", &AmazonS3Config::full_size_limit, c::bytes()),
          scalar("incr_size_limit", &AmazonS3Config::incr_size_limit, c::bytes()),
          scalar("endpoint_url", &AmazonS3Config::endpoint_url, c::text()),
          scalar("region", &AmazonS3Config::region, c::text()),
          scalar("profile", &AmazonS3Config::profile, c::text()),
          scalar("storage_class", &AmazonS3Config::storage_class, c::text()),
          scalar("part_size", &AmazonS3Config::part_size, c::bytes()),
          scalar("parallel_parts", &AmazonS3Config::parallel_parts, c::integer(1, 64)),
          scalar("bandwidth_limit", &AmazonS3Config::bandwidth_limit, c::bytes()),
      }};
  return schema;
}

// ------------------------------------------------------------- the document

template <>
const Schema<Config>& schema_of<Config>() {
  static const Schema<Config> schema{"",
                                     {
                                         table("reference", &Config::reference),
                                         table("extensions", &Config::extensions),
                                         table("options", &Config::options),
                                         table("peers", &Config::peers),
                                         table("collect", &Config::collect),
                                         table("stage", &Config::stage),
                                         table("store", &Config::store),
                                         table("purge", &Config::purge),
                                         table("mysql", &Config::mysql),
                                         table("postgresql", &Config::postgresql),
                                         table("subversion", &Config::subversion),
                                         table("mbox", &Config::mbox),
                                         table("encrypt", &Config::encrypt),
                                         table("split", &Config::split),
                                         table("capacity", &Config::capacity),
                                         table("amazons3", &Config::amazons3),
                                     }};
  return schema;
}

namespace {

/// XML only: each section may appear once (the original would silently
/// read the first copy and ignore the rest).
void check_single_sections(Binder& binder, const Node& root) {
  for (const Field<Config>& field : schema_of<Config>().fields) {
    bool seen = false;
    for (const Node& child : root.children) {
      if (child.name == field.key) {
        if (seen) {
          binder.problem(
              child, fmt::format("second <{}> section; a section may appear only once", field.key));
        }
        seen = true;
      }
    }
  }
}

} // namespace

Config bind_config(const Node& root, Problems& problems) {
  Binder binder(problems);
  Config config;
  if (!root.is_xml()) {
    bind_struct(binder, root, config);
    return config;
  }
  // Unknown top-level XML elements are ignored: third-party extensions of
  // the original keep their own sections there.
  check_single_sections(binder, root);
  binder.push(root);
  for (const Field<Config>& field : schema_of<Config>().fields) {
    field.bind(binder, root, config);
  }
  binder.pop();
  return config;
}

} // namespace cback::config::schema
