# Runs a site's own Cedar Backup 3 extension function for cback, which
# starts it as `/usr/bin/python3 python-bridge ...` (a data file, not a
# program: no python3 dependency for sites without such a module)
# (include/cback/extend/python_bridge.hpp; docs/configuration.md, "Extensions").
#
# cback runs this script with Debian's python3 and reads what it prints:
# every line of a log record comes out as "@@LEVEL@@ message" (LEVEL one of
# DEBUG, INFO, WARNING, ERROR, CRITICAL) so that cback logs it at that
# level; anything else the module prints is logged at INFO. Exit status:
# 0 the function returned, 1 it raised (or exited non-zero), 2 the module,
# the function or the configuration could not be loaded.

import argparse
import importlib
import logging
import sys
import traceback

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class LineHandler(logging.Handler):
    """Writes each line of a record as '@@LEVEL@@ line' on stdout."""

    def emit(self, record):
        try:
            level = record.levelname if record.levelname in LEVELS else "INFO"
            for line in self.format(record).splitlines() or [""]:
                sys.stdout.write("@@%s@@ %s\n" % (level, line))
            sys.stdout.flush()
        except Exception:  # pylint: disable=broad-except
            self.handleError(record)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="python-bridge")
    parser.add_argument("--library", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--action", required=True)
    parser.add_argument("--module", required=True)
    parser.add_argument("--function", required=True)
    parser.add_argument("--check", action="store_true")
    for switch in ("full", "verbose", "quiet", "debug", "output"):
        parser.add_argument("--" + switch, action="store_true")
    return parser.parse_args(argv)


def setup_logging(arguments):
    handler = LineHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.DEBUG if arguments.debug else logging.INFO)
    # The original's output log (commands and what they print) is written
    # only with -O or -d; cback keeps that rule.
    output = logging.getLogger("CedarBackup3.output")
    output.disabled = not (arguments.output or arguments.debug)


def make_options(cli, arguments):
    """An Options as the original's command line would have made it."""
    options = cli.Options()
    options.config = arguments.config
    options.full = arguments.full
    options.verbose = arguments.verbose
    options.quiet = arguments.quiet
    options.debug = arguments.debug
    options.output = arguments.output
    options.actions = [arguments.action]
    return options


def load(arguments):
    """The function, the Options and the Config; exits 2 on failure."""
    log = logging.getLogger("CedarBackup3.log.cback")
    name = "%s.%s" % (arguments.module, arguments.function)
    try:
        from CedarBackup3 import cli, config  # pylint: disable=import-outside-toplevel
    except Exception as error:  # pylint: disable=broad-except
        log.error("Cedar Backup 3's library cannot be imported from [%s]: %s", arguments.library, error)
        sys.exit(2)
    try:
        module = importlib.import_module(arguments.module)
    except Exception as error:  # pylint: disable=broad-except
        log.error("Unable to import module [%s]: %s: %s", arguments.module, type(error).__name__, error)
        log.debug("%s", traceback.format_exc())
        sys.exit(2)
    function = getattr(module, arguments.function, None)
    if not callable(function):
        log.error("Unable to find function [%s].", name)
        sys.exit(2)
    try:
        parsed = config.Config(xmlPath=arguments.config)
        cli.setupPathResolver(parsed)
    except Exception as error:  # pylint: disable=broad-except
        log.error("Cedar Backup 3 cannot read the configuration [%s]: %s", arguments.config, error)
        sys.exit(2)
    return function, make_options(cli, arguments), parsed


def main(argv):
    arguments = parse_arguments(argv)
    setup_logging(arguments)
    if arguments.library not in sys.path:
        sys.path.insert(0, arguments.library)
    function, options, parsed = load(arguments)
    if arguments.check:
        return 0
    log = logging.getLogger("CedarBackup3.log.cback")
    name = "%s.%s" % (arguments.module, arguments.function)
    try:
        function(arguments.config, options, parsed)
    except SystemExit as end:
        if end.code in (None, 0):
            return 0
        log.error("Function [%s] exited with status %s.", name, end.code)
        return 1
    except BaseException as error:  # pylint: disable=broad-except
        log.debug("%s", traceback.format_exc())
        log.error("Function [%s] raised %s: %s", name, type(error).__name__, error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
