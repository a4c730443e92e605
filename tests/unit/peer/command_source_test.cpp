#include <cback/peer/command_source.hpp>

#include <catch2/catch.hpp>

TEST_CASE("Words for su -c are single-quoted so that the shell passes them unchanged",
          "[peer][command]") {
  using cback::peer::shell_join;
  CHECK(shell_join({"/usr/bin/scp", "-B", "backup@host:/srv/collect dir/*", "/stage/x"}) ==
        "'/usr/bin/scp' '-B' 'backup@host:/srv/collect dir/*' '/stage/x'");
  CHECK(shell_join({"it's", "$(rm -rf /)"}) == "'it'\\''s' '$(rm -rf /)'");
  CHECK(shell_join({}).empty());
}
