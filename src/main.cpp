#include <cback/cli/main.hpp>

int main(int argc, char** argv) {
  return cback::cli::main(argc, argv);
}
