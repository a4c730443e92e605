#include <cback/io/error.hpp>

#include <system_error>

namespace cback::io {

std::string IoError::message() const {
  // std::system_category().message() is thread-safe, unlike strerror().
  std::string text = operation;
  if (!path.empty()) {
    text += ' ';
    text += path.string();
  }
  text += ": ";
  text += std::system_category().message(error_number);
  return text;
}

} // namespace cback::io
