#include <cback/config/model.hpp>

namespace cback::config {

bool Config::operator==(const Config& other) const {
  // Every section but `path`: a converted file equals its source.
  return reference == other.reference && extensions == other.extensions &&
         options == other.options && peers == other.peers && collect == other.collect &&
         stage == other.stage && store == other.store && purge == other.purge &&
         mysql == other.mysql && postgresql == other.postgresql && subversion == other.subversion &&
         mbox == other.mbox && encrypt == other.encrypt && split == other.split &&
         capacity == other.capacity && amazons3 == other.amazons3;
}

bool Config::holds_password() const {
  return mysql && mysql->password;
}

} // namespace cback::config
