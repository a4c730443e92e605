#pragma once

// The value kinds of configuration keys: how one scalar is read from
// either format and written back to TOML. Used by the schema tables in
// schemas.cpp; each codec reports its own problems at the offending node.

#include <cback/config/schema.hpp>

#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

namespace cback::config::codecs {

using schema::Codec;

/// Non-empty free text.
Codec<std::string> text();
/// A non-empty absolute POSIX path. XML text is not trimmed, so " /etc" is
/// relative, as in the original.
Codec<std::string> abs_path();
/// An absolute device path, or "stdio:" followed by an absolute path.
Codec<std::string> device_path();
/// ^[a-z0-9]+$: action names, managed actions, dependencies, hook actions.
Codec<std::string> action_name();
/// A dotted Python module name ("CedarBackup3.extend.mysql").
Codec<std::string> module_name();
/// A Python identifier ("executeAction").
Codec<std::string> identifier();
/// A regular expression that PCRE2 compiles (see values.hpp).
Codec<std::string> regex();
/// A SCSI id as the original's validateScsiId.
Codec<std::string> scsi_id();
/// Y/y/N/n in XML; a boolean in TOML.
Codec<bool> boolean();
/// Python int() text in XML; an integer in TOML; within [min, max].
Codec<int> integer(int min, int max);
/// A float kept as text (blanking factor, capacity percentage): any Python
/// float() text in XML; a string or a number in TOML; within [min, max].
Codec<std::string> float_text(double min, double max);
/// A byte quantity: "250 MB" text in XML; a string or a number of bytes in TOML.
Codec<ByteQuantity> bytes();

/// One of a fixed set of spellings.
Codec<int> spelling(std::vector<std::string_view> spellings);

/// An enum spelled as in the original ("dvd+rw", "targz"...). Spellings
/// are listed in the enum's order.
template <class E>
Codec<E> enumeration(std::initializer_list<std::string_view> spellings) {
  const Codec<int> index = spelling(spellings);
  const std::vector<std::string_view> names(spellings);
  return Codec<E>{[index](schema::Binder& binder, const Node& node) -> std::optional<E> {
                    if (std::optional<int> i = index.read(binder, node)) {
                      return static_cast<E>(*i);
                    }
                    return std::nullopt;
                  },
                  [names](const E& value) -> schema::Scalar {
                    return std::string(names.at(static_cast<std::size_t>(value)));
                  }};
}

/// The mode enums shared by collect and the extension sections.
Codec<CollectMode> collect_mode();
Codec<ArchiveMode> archive_mode();
Codec<CompressMode> compress_mode();

} // namespace cback::config::codecs
