// libFuzzer entry point: any byte string given to the content index reader
// (collect::PartialIndex) opens and decodes or is refused with a message;
// it never crashes or reads out of bounds, and what it decodes in blocks,
// from the whole text or from its head and the blocks read one by one, is
// what it decodes whole.

#include <cback/collect/content_index.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto whole = cback::collect::decode_content_index(text);
  // Opened by its head, as a restore opens an index its manifest lists
  // with its head, each block read from the text when it is decoded.
  const std::size_t head_size = std::min(cback::collect::content_index_head_size(text), size);
  auto by_head = cback::collect::PartialIndex::open_head(
      text.substr(0, head_size), size, [&text](std::uint64_t offset, std::size_t length) {
        return offset >= text.size() ? std::string() : text.substr(offset, length);
      });
  if (by_head) {
    const auto decoded = std::move(*by_head).whole();
    if (decoded && whole && !(*decoded == *whole)) {
      __builtin_trap();
    }
  }
  auto partial = cback::collect::PartialIndex::open(text);
  if (!partial) {
    return 0;
  }
  const std::size_t entries = partial->entry_count();
  if (entries > 0) {
    (void)partial->decode_at(entries / 2);
    if (partial->decode_at(0)) {
      const std::string member = partial->entry(0).path;
      (void)partial->decode_below(member);
    }
  }
  const auto all = std::move(*partial).whole();
  // Decoded in blocks or whole, the same index or the same refusal.
  if (all.has_value() != whole.has_value() || (whole && !(*all == *whole))) {
    __builtin_trap();
  }
  return 0;
}
