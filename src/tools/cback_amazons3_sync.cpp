// cback-amazons3-sync: makes an S3 bucket path hold a local directory's
// files and verifies it (docs/cback-amazons3-sync.1), with the amazons3
// extension's S3 client. Exit codes as cback's.

#include <cback/cli/main.hpp>

int main(int argc, char** argv) {
  return cback::cli::amazons3_sync_main(argc, argv);
}
