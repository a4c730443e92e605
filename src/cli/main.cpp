#include <cback/cli/main.hpp>

namespace cback::cli {

int main(int /*argc*/, char** /*argv*/) { return 0; }

} // namespace cback::cli
