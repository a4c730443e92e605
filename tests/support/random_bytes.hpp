#pragma once

// Incompressible test content, the same for the same seed.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

namespace cback::test {

/// `size` pseudo-random bytes from `seed`.
inline std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t word = random();
    for (std::size_t j = 0; j < 8 && i + j < size; ++j) {
      bytes[i + j] = static_cast<char>(word >> (8 * j));
    }
  }
  return bytes;
}

} // namespace cback::test
