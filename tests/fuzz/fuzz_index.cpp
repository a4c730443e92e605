// libFuzzer entry point: any byte string given to the content index reader
// (collect::PartialIndex) opens and decodes or is refused with a message;
// it never crashes or reads out of bounds, and what it decodes in blocks is
// what it decodes whole.

#include <cback/collect/content_index.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto partial = cback::collect::PartialIndex::open(text);
  if (!partial) {
    return 0;
  }
  const std::size_t entries = partial->index().entries.size();
  if (entries > 0) {
    (void)partial->decode_at(entries / 2);
    const std::string member = partial->index().entries[0].path;
    (void)partial->decode_below(member);
  }
  const auto all = partial->decode_below("");
  const auto whole = cback::collect::decode_content_index(text);
  // Decoded in blocks or whole, the same index or the same refusal.
  if (all.has_value() != whole.has_value() || (whole && !(partial->index() == *whole))) {
    __builtin_trap();
  }
  return 0;
}
