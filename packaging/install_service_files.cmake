# Runs at install time (install(SCRIPT) from packaging/CMakeLists.txt, after install(CODE) set
# the PROSPECTD_* variables): writes the systemd units and the launchd agent with the path the
# binary is installed at (CMAKE_INSTALL_PREFIX is final only now) and installs them.

if(IS_ABSOLUTE "${PROSPECTD_BINDIR}")
  set(prospectd_program "${PROSPECTD_BINDIR}/prospectd")
else()
  set(prospectd_program "${CMAKE_INSTALL_PREFIX}/${PROSPECTD_BINDIR}/prospectd")
endif()

# A relative directory is below the prefix; an absolute one (pkg-config's /lib/systemd/system)
# only when installing into the prefix it belongs to, else below the prefix we install into.
function(prospectd_destination dir out)
  if(NOT IS_ABSOLUTE "${dir}")
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  elseif(CMAKE_INSTALL_PREFIX STREQUAL PROSPECTD_SYSTEMD_PREFIX)
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    string(REGEX REPLACE "^/+" "" below "${dir}")
    set(${out} "${CMAKE_INSTALL_PREFIX}/${below}" PARENT_SCOPE)
  endif()
endfunction()

# Copies SOURCE with PLACEHOLDER (the program path written in it) replaced, into DIR.
function(prospectd_install_service_file source placeholder dir)
  file(READ "${PROSPECTD_PACKAGING_DIR}/${source}" text)
  string(FIND "${text}" "${placeholder}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${source} does not mention ${placeholder}")
  endif()
  string(REPLACE "${placeholder}" "${prospectd_program}" text "${text}")
  get_filename_component(name "${source}" NAME)
  file(WRITE "${PROSPECTD_STAGING_DIR}/${name}" "${text}")
  prospectd_destination("${dir}" destination)
  file(INSTALL DESTINATION "${destination}" TYPE FILE
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${PROSPECTD_STAGING_DIR}/${name}")
endfunction()

if(DEFINED PROSPECTD_USER_UNIT_DIR)
  prospectd_install_service_file(systemd/prospectd.service /usr/bin/prospectd
                                 "${PROSPECTD_USER_UNIT_DIR}")
  prospectd_install_service_file(systemd/prospectd@.service /usr/bin/prospectd
                                 "${PROSPECTD_SYSTEM_UNIT_DIR}")
endif()
prospectd_install_service_file(launchd/com.prospectd.agent.plist /usr/local/bin/prospectd
                               "${PROSPECTD_AGENT_DIR}")
