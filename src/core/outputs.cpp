#include <cback/core/outputs.hpp>

#include <cback/core/atomic_file.hpp>

#include <unistd.h>

namespace cback::core {

Outputs::Outputs(const std::string& user, const std::string& group) {
  if (::geteuid() == 0) {
    m_owner = Ownership::lookup(user, group);
  }
}

void Outputs::own(const std::filesystem::path& path, Logger& log) const {
  if (m_owner) {
    m_owner->apply(path, log);
  }
}

void Outputs::write_indicator(const std::filesystem::path& path, Logger& log) const {
  core::write_indicator(path);
  own(path, log);
}

} // namespace cback::core
