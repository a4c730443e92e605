#include <cback/core/error.hpp>

#include <cxxabi.h>
#include <execinfo.h>

#include <cstdlib>
#include <memory>

namespace cback {
namespace {

constexpr int k_max_frames = 64;

std::vector<void*> capture_frames() {
  std::vector<void*> frames(k_max_frames);
  const int count = ::backtrace(frames.data(), k_max_frames);
  frames.resize(static_cast<std::size_t>(count > 0 ? count : 0));
  return frames;
}

// backtrace_symbols prints "binary(mangled+0xoff) [0xaddr]"; demangle the
// middle part so that --stack is readable without c++filt.
std::string demangle_frame(const char* raw) {
  std::string line = raw;
  const auto open = line.find('(');
  const auto plus = line.find('+', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || plus == std::string::npos || plus == open + 1) {
    return line;
  }
  const std::string mangled = line.substr(open + 1, plus - open - 1);
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> name(
      abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || !name) {
    return line;
  }
  return line.substr(0, open + 1) + name.get() + line.substr(plus);
}

std::vector<std::string> symbolize(const std::vector<void*>& frames) {
  std::vector<std::string> out;
  if (frames.empty()) {
    return out;
  }
  std::unique_ptr<char*, decltype(&std::free)> symbols(
      ::backtrace_symbols(frames.data(), static_cast<int>(frames.size())), &std::free);
  if (!symbols) {
    return out;
  }
  for (std::size_t i = 0; i < frames.size(); ++i) {
    out.push_back(demangle_frame(symbols.get()[i]));
  }
  return out;
}

} // namespace

Error::Error(ExitCode code, const std::string& message)
    : std::runtime_error(message), m_code(code), m_frames(capture_frames()) {}

std::vector<std::string> Error::stack() const {
  return symbolize(m_frames);
}

std::vector<std::string> current_stack() {
  return symbolize(capture_frames());
}

} // namespace cback
