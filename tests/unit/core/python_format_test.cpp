#include <cback/core/python_format.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using cback::core::python_list;
using cback::core::python_repr;

TEST_CASE("Python list formatting matches repr()", "[core][format]") {
  CHECK(python_list(std::vector<std::string>{}) == "[]");
  CHECK(python_list(std::vector<std::string>{"a", "b c"}) == "['a', 'b c']");
  CHECK(python_repr("it's") == "\"it's\"");
  CHECK(python_repr("say \"it's\"") == "'say \"it\\'s\"'");
  CHECK(python_repr("a\\b\n") == "'a\\\\b\\n'");
  CHECK(python_repr(std::string("\x01\t\r")) == "'\\x01\\t\\r'");
}
