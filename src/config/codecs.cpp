#include "codecs.hpp"

#include <cback/config/target_device.hpp>
#include <cback/config/values.hpp>

#include <fmt/format.h>

#include <cmath>
#include <functional>

namespace cback::config::codecs {
namespace {

using schema::Binder;
using schema::Scalar;

/// A text codec: non-empty text that `valid` accepts; `what` names the
/// expected kind of text in messages ("an absolute path").
Codec<std::string> checked_text(std::string_view what,
                                std::function<bool(const std::string&)> valid) {
  return Codec<std::string>{
      [what, valid](Binder& binder, const Node& node) -> std::optional<std::string> {
        std::optional<std::string> value = binder.text(node, "a string");
        if (!value) {
          return std::nullopt;
        }
        if (value->empty()) {
          binder.problem(node, "must not be empty");
          return std::nullopt;
        }
        if (valid && !valid(*value)) {
          binder.problem(node, fmt::format("must be {}, not \"{}\"", what, *value));
          return std::nullopt;
        }
        return value;
      },
      [](const std::string& value) -> Scalar { return value; }};
}

std::string range_text(double min, double max) {
  if (max >= std::numeric_limits<int>::max()) {
    return fmt::format("at least {}", min);
  }
  return fmt::format("between {} and {}", min, max);
}

/// The text of a number given as text or as a TOML number.
std::optional<std::string> number_text(Binder& binder, const Node& node) {
  if (node.kind == Node::Kind::integer) {
    return std::to_string(node.integer);
  }
  if (node.kind == Node::Kind::floating) {
    return fmt::format("{}", node.floating);
  }
  return binder.text(node, "a number or a string");
}

} // namespace

Codec<std::string> text() {
  return checked_text("text", nullptr);
}

Codec<std::string> abs_path() {
  return checked_text("an absolute path", [](const std::string& v) { return v.front() == '/'; });
}

Codec<std::string> device_path() {
  // A device node, or a libburn pseudo-drive on an image file
  // ("stdio:/path"), whose file name may hold {week}.
  Codec<std::string> codec =
      checked_text("an absolute device path or stdio:/path", [](const std::string& v) {
        const std::string_view path = std::string_view(v).starts_with("stdio:")
                                          ? std::string_view(v).substr(6)
                                          : std::string_view(v);
        return !path.empty() && path.front() == '/';
      });
  codec.read = [path = codec.read](Binder& binder, const Node& node) -> std::optional<std::string> {
    std::optional<std::string> value = path(binder, node);
    if (value) {
      if (const auto problem = target_device_problem(*value)) {
        binder.problem(node, *problem);
        return std::nullopt;
      }
    }
    return value;
  };
  return codec;
}

Codec<std::string> action_name() {
  return checked_text("an action name (lower-case letters and digits)",
                      [](const std::string& v) { return is_action_name(v); });
}

Codec<std::string> module_name() {
  return checked_text("a dotted module name",
                      [](const std::string& v) { return is_dotted_identifier(v); });
}

Codec<std::string> identifier() {
  return checked_text("an identifier", [](const std::string& v) { return is_identifier(v); });
}

Codec<std::string> scsi_id() {
  return checked_text("a SCSI id ([method:]bus,target,lun)",
                      [](const std::string& v) { return is_scsi_id(v); });
}

Codec<std::string> regex() {
  Codec<std::string> codec = text();
  const auto read_text = codec.read;
  codec.read = [read_text](Binder& binder, const Node& node) -> std::optional<std::string> {
    std::optional<std::string> pattern = read_text(binder, node);
    if (pattern) {
      if (std::optional<std::string> error = regex_error(*pattern)) {
        binder.problem(node,
                       fmt::format("invalid regular expression \"{}\": {}", *pattern, *error));
        return std::nullopt;
      }
    }
    return pattern;
  };
  return codec;
}

Codec<bool> boolean() {
  return Codec<bool>{[](Binder& binder, const Node& node) -> std::optional<bool> {
                       if (node.kind == Node::Kind::boolean) {
                         return node.boolean;
                       }
                       if (!node.is_xml()) {
                         binder.problem(node,
                                        fmt::format("must be a boolean, not {}", describe(node)));
                         return std::nullopt;
                       }
                       // The original accepts exactly these four spellings.
                       const std::string& value = *node.text;
                       if (value == "Y" || value == "y" || value == "N" || value == "n") {
                         return value == "Y" || value == "y";
                       }
                       binder.problem(node, fmt::format("must be Y or N, not \"{}\"", value));
                       return std::nullopt;
                     },
                     [](const bool& value) -> Scalar { return value; }};
}

Codec<int> integer(int min, int max) {
  return Codec<int>{
      [min, max](Binder& binder, const Node& node) -> std::optional<int> {
        std::optional<std::int64_t> value;
        if (node.kind == Node::Kind::integer) {
          value = node.integer;
        } else if (node.is_xml()) {
          value = parse_python_int(*node.text);
          if (!value) {
            binder.problem(node, fmt::format("must be an integer, not \"{}\"", *node.text));
            return std::nullopt;
          }
        } else {
          binder.problem(node, fmt::format("must be an integer, not {}", describe(node)));
          return std::nullopt;
        }
        if (*value < min || *value > max) {
          binder.problem(node, fmt::format("must be {}, not {}", range_text(min, max), *value));
          return std::nullopt;
        }
        return static_cast<int>(*value);
      },
      [](const int& value) -> Scalar { return std::int64_t{value}; }};
}

Codec<std::string> float_text(double min, double max) {
  return Codec<std::string>{
      [min, max](Binder& binder, const Node& node) -> std::optional<std::string> {
        std::optional<std::string> text = number_text(binder, node);
        if (!text) {
          return std::nullopt;
        }
        const std::optional<double> value = parse_python_float(*text);
        if (!value) {
          binder.problem(node, fmt::format("must be a number, not \"{}\"", *text));
          return std::nullopt;
        }
        if (*value < min || *value > max) {
          binder.problem(node, fmt::format("must be {}, not {}", range_text(min, max), *text));
          return std::nullopt;
        }
        return text;
      },
      [](const std::string& value) -> Scalar { return value; }};
}

Codec<ByteQuantity> bytes() {
  return Codec<ByteQuantity>{[](Binder& binder, const Node& node) -> std::optional<ByteQuantity> {
                               std::optional<std::string> text = number_text(binder, node);
                               if (!text) {
                                 return std::nullopt;
                               }
                               std::string error;
                               std::optional<ByteQuantity> quantity =
                                   parse_byte_quantity(*text, error);
                               if (!quantity) {
                                 binder.problem(node, error);
                               }
                               return quantity;
                             },
                             [](const ByteQuantity& value) -> Scalar { return value.text; }};
}

Codec<int> spelling(std::vector<std::string_view> spellings) {
  return Codec<int>{[spellings](Binder& binder, const Node& node) -> std::optional<int> {
                      std::optional<std::string> value = binder.text(node, "a string");
                      if (!value) {
                        return std::nullopt;
                      }
                      for (std::size_t i = 0; i < spellings.size(); ++i) {
                        if (spellings[i] == *value) {
                          return static_cast<int>(i);
                        }
                      }
                      binder.problem(node, fmt::format("must be one of \"{}\", not \"{}\"",
                                                       fmt::join(spellings, "\", \""), *value));
                      return std::nullopt;
                    },
                    [spellings](const int& value) -> Scalar {
                      return std::string(spellings.at(static_cast<std::size_t>(value)));
                    }};
}

Codec<CollectMode> collect_mode() {
  return enumeration<CollectMode>({"daily", "weekly", "incr"});
}

Codec<ArchiveMode> archive_mode() {
  return enumeration<ArchiveMode>({"tar", "targz", "tarbz2", "tarzst"});
}

Codec<CompressMode> compress_mode() {
  return enumeration<CompressMode>({"none", "gzip", "bzip2", "zstd"});
}

} // namespace cback::config::codecs
