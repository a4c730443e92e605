#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace cback::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/cback-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  m_path = pattern;
}

TempDir::~TempDir() {
  // Catch2 v2 has no per-test status query; a failed assertion in this test
  // case shows up as a non-OK result of the running section.
  if (Catch::getResultCapture().lastAssertionPassed()) {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  } else {
    std::cerr << "test directory kept: " << m_path << '\n';
  }
}

std::filesystem::path TempDir::write(const std::string& relative,
                                     const std::string& content) const {
  const auto target = m_path / relative;
  std::filesystem::create_directories(target.parent_path());
  std::ofstream out(target, std::ios::binary);
  out << content;
  if (!out) {
    throw std::runtime_error("cannot write " + target.string());
  }
  return target;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

} // namespace cback::test
