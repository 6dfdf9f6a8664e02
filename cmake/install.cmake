# cmake/install.cmake: where "cmake --install" puts surel on Debian, and the
# install rules of what no component folder installs (surel-setup, the
# systemd units, the Postfix/ppp templates surel-setup reads).
# Included by the top-level CMakeLists.txt before GNUInstallDirs.
#
# Debian's layout by default: programs in /usr/sbin, helpers in
# /usr/libexec/surel, templates in /usr/share/surel, configuration in
# /etc/surel, units in /lib/systemd/system.  Another prefix given with
# -DCMAKE_INSTALL_PREFIX=... is kept (from the second configure of a
# build tree that had CMake's /usr/local default, that default becomes /usr
# once).

if(NOT SUREL_LAYOUT_SET)
  if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT OR CMAKE_INSTALL_PREFIX STREQUAL "/usr/local")
    set(CMAKE_INSTALL_PREFIX "/usr" CACHE PATH "Install path prefix" FORCE)
  endif()
  set(SUREL_LAYOUT_SET ON CACHE INTERNAL "Debian layout applied once")
endif()
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  # /etc and /var, not /usr/etc and /usr/var (GNUInstallDirs' special case,
  # made explicit so that relative DESTINATIONs follow it too).
  if(NOT IS_ABSOLUTE "${CMAKE_INSTALL_SYSCONFDIR}")
    set(CMAKE_INSTALL_SYSCONFDIR "/etc" CACHE PATH "read-only single-machine data" FORCE)
  endif()
  if(NOT IS_ABSOLUTE "${CMAKE_INSTALL_LOCALSTATEDIR}")
    set(CMAKE_INSTALL_LOCALSTATEDIR "/var" CACHE PATH "modifiable single-machine data" FORCE)
  endif()
  set(_surel_unitdir "/lib/systemd/system")
else()
  set(_surel_unitdir "lib/systemd/system")
endif()
include(GNUInstallDirs)
set(SUREL_SYSTEMD_UNITDIR "${_surel_unitdir}" CACHE PATH "systemd system unit directory")

set(_surel_share "${CMAKE_INSTALL_DATADIR}/surel")
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/surel-setup DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/man/surel-setup.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${PROJECT_SOURCE_DIR}/etc/systemd/surel-milter.service
              ${PROJECT_SOURCE_DIR}/etc/systemd/dialctl.service
              ${PROJECT_SOURCE_DIR}/etc/systemd/surel-mxd.service
              ${PROJECT_SOURCE_DIR}/etc/systemd/surel-tunnel-firewall.service
        DESTINATION ${SUREL_SYSTEMD_UNITDIR})
# Templates that surel-setup fills in (it looks in /usr/share/surel).
install(FILES ${PROJECT_SOURCE_DIR}/etc/surel.ini DESTINATION ${_surel_share})
install(FILES ${PROJECT_SOURCE_DIR}/etc/postfix/main.cf.surel
              ${PROJECT_SOURCE_DIR}/etc/postfix/master.cf.surel
              ${PROJECT_SOURCE_DIR}/etc/postfix/main.cf.surel-ssh
              ${PROJECT_SOURCE_DIR}/etc/postfix/master.cf.surel-ssh
              ${PROJECT_SOURCE_DIR}/etc/postfix/main.cf.surel-batch
              ${PROJECT_SOURCE_DIR}/etc/postfix/master.cf.surel-batch
              ${PROJECT_SOURCE_DIR}/etc/postfix/master.cf.surel-collect
        DESTINATION ${_surel_share}/postfix)
install(FILES ${PROJECT_SOURCE_DIR}/etc/postfix/surel/mailboxes.cf
              ${PROJECT_SOURCE_DIR}/etc/postfix/surel/lists.cf
        DESTINATION ${_surel_share}/postfix/surel)
if(EXISTS ${PROJECT_SOURCE_DIR}/etc/ppp)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/etc/ppp/ DESTINATION ${_surel_share}/ppp)
endif()
# The webmail: surel-setup --webmail fills these in, and links the Roundcube
# plugin into Debian's /var/lib/roundcube/plugins.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/etc/webmail/ DESTINATION ${_surel_share}/webmail)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/webmail/roundcube/surel DESTINATION ${_surel_share}/roundcube
        PATTERN "config.inc.php.dist" EXCLUDE)
