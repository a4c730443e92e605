# What `cmake --install` puts where, and the Debian packages CPack makes of
# it (tools/package.sh). Every installed file belongs to one component, and
# each component is one package:
#   cback        the programs of the product, their man pages, the manual,
#                the sample configurations, the systemd units, the cron.d
#                templates and the logrotate configuration
#   tools        cback-tools: cback-bench and cback-corpus, for developers
#                and for tuning a site's burner
# The list of programs comes from the targets (cback and one per
# src/tools/*.cpp), so a new program joins the cback package by itself;
# its man page is docs/<program>.1.

set(CBACK_DEVELOPER_TOOLS cback-bench cback-corpus)
set(CBACK_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)
set(CBACK_MAN_DIR ${PROJECT_BINARY_DIR}/man)
find_program(CBACK_GZIP gzip REQUIRED)

# Installs `file` compressed (gzip -9n: no name or time in the header, so
# the same input makes the same bytes) as `destination`/`name`.gz.
function(cback_install_gzipped file destination name component)
  set(compressed ${CBACK_MAN_DIR}/${component}/${name}.gz)
  add_custom_command(OUTPUT ${compressed}
    COMMAND sh -c "mkdir -p \"$(dirname \"$2\")\" && \"$0\" -9nc \"$1\" > \"$2\""
            ${CBACK_GZIP} ${file} ${compressed}
    DEPENDS ${file} VERBATIM)
  set_property(GLOBAL APPEND PROPERTY CBACK_COMPRESSED_FILES ${compressed})
  install(FILES ${compressed} DESTINATION ${destination} COMPONENT ${component})
endfunction()

function(cback_install_program program)
  if(program IN_LIST CBACK_DEVELOPER_TOOLS)
    set(component tools)
  else()
    set(component cback)
  endif()
  install(TARGETS ${program} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ${component})
  set(page ${PROJECT_SOURCE_DIR}/docs/${program}.1)
  if(EXISTS ${page})
    cback_install_gzipped(${page} ${CMAKE_INSTALL_MANDIR}/man1 ${program}.1 ${component})
  else()
    # The package test fails on it (man -w for every installed program).
    message(WARNING "${program} has no man page: write docs/${program}.1")
  endif()
endfunction()

foreach(program IN ITEMS cback ${CBACK_TOOLS})
  cback_install_program(${program})
endforeach()

# The manual and the pages it links to; the developer documents
# (ARCHITECTURE, io, performance) stay in the source tree.
install(FILES
  docs/manual.md docs/configuration.md docs/compatibility.md docs/tuning.md
  docs/manifest.md docs/stage-status.md docs/state-format.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT cback)
install(FILES config/cback.toml config/cback.xml
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT cback)

# Scheduling and logs: nothing here runs until a site enables it (the
# timers are not enabled, the cron lines are comments).
install(FILES
  ${CBACK_PACKAGING_DIR}/systemd/cback@.service
  ${CBACK_PACKAGING_DIR}/systemd/cback-failure-mail@.service
  ${CBACK_PACKAGING_DIR}/systemd/cback-all.timer
  ${CBACK_PACKAGING_DIR}/systemd/cback-collect.timer
  ${CBACK_PACKAGING_DIR}/systemd/cback-stage.timer
  ${CBACK_PACKAGING_DIR}/systemd/cback-store.timer
  ${CBACK_PACKAGING_DIR}/systemd/cback-purge.timer
  DESTINATION lib/systemd/system COMPONENT cback)
install(PROGRAMS ${CBACK_PACKAGING_DIR}/failure-mail
  DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/cback COMPONENT cback)
# A site's own Python extension runs through this script and Cedar Backup
# 3's library (cedar-backup3, suggested below); cback finds it at
# ../libexec/cback from its own directory.
install(FILES ${PROJECT_SOURCE_DIR}/src/extend/python_bridge.py RENAME python-bridge
  DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/cback COMPONENT cback)
install(FILES ${CBACK_PACKAGING_DIR}/cron/cback
  DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/cron.d COMPONENT cback)
install(FILES ${CBACK_PACKAGING_DIR}/logrotate/cback
  DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/logrotate.d COMPONENT cback)

# Every package carries its copyright and changelog in its own doc folder.
configure_file(${CBACK_PACKAGING_DIR}/changelog.in ${PROJECT_BINARY_DIR}/packaging/changelog @ONLY)
foreach(component IN ITEMS cback tools)
  if(component STREQUAL "cback")
    set(doc_dir ${CMAKE_INSTALL_DOCDIR})
  else()
    set(doc_dir ${CMAKE_INSTALL_DATAROOTDIR}/doc/cback-tools)
  endif()
  install(FILES ${CBACK_PACKAGING_DIR}/copyright DESTINATION ${doc_dir} COMPONENT ${component})
  cback_install_gzipped(${PROJECT_BINARY_DIR}/packaging/changelog ${doc_dir} changelog ${component})
endforeach()

get_property(compressed_files GLOBAL PROPERTY CBACK_COMPRESSED_FILES)
add_custom_target(cback_compressed_docs ALL DEPENDS ${compressed_files})

# The Debian packages. Depends: is computed by dpkg-shlibdeps from the
# shared libraries the programs link.
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL cback tools)
set(CPACK_PACKAGE_NAME cback)
set(CPACK_PACKAGE_VENDOR "the cback developers")
set(CPACK_PACKAGE_CONTACT "cback developers <cback@example.org>")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_CBACK_PACKAGE_NAME cback)
# dpkg-shlibdeps does not see libcurl: the S3 client loads it on first use
# (s3/libcurl.hpp). 7.75 brought the SigV4 signing the client relies on.
set(CPACK_DEBIAN_CBACK_PACKAGE_DEPENDS "libcurl4 (>= 7.75.0)")
set(CPACK_DEBIAN_CBACK_PACKAGE_RECOMMENDS "openssh-client")
set(CPACK_DEBIAN_CBACK_PACKAGE_SUGGESTS
  "gnupg, default-mta | mail-transport-agent, default-mysql-client | mariadb-client, postgresql-client, subversion, grepmail, bzip2, zstd, cedar-backup3")
# CPack indents the lines after the summary and writes an empty one as " .".
set(CPACK_COMPONENT_CBACK_DESCRIPTION
  "local and remote backups to CD, DVD and BD discs
cback backs up a pool of machines every night: each machine collects its
data into tar archives, the master stages every peer's archives over SSH
and writes the day to a CD, DVD or BD disc, and old files are purged.
It reads Cedar Backup 3 configurations unchanged and keeps its command
line, exit codes, indicator files and layout; its own format is TOML.

The package installs systemd timers and cron.d templates for a single
machine, a client and a master, all disabled until the site enables them.")
configure_file(${CBACK_PACKAGING_DIR}/conffiles.in ${PROJECT_BINARY_DIR}/packaging/conffiles @ONLY)
set(CPACK_DEBIAN_CBACK_PACKAGE_CONTROL_EXTRA
  ${PROJECT_BINARY_DIR}/packaging/conffiles
  ${CBACK_PACKAGING_DIR}/postinst
  ${CBACK_PACKAGING_DIR}/postrm)

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME cback-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION devel)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
  "cback's benchmark and test-data tools
cback-bench burn writes an image through cback's FIFO into a pseudo-drive
that takes data at a medium's nominal speed, to find the FIFO size a
burner needs; cback-corpus generates reproducible trees of files for
benchmarks.")

include(CPack)
