# `prospectd init` and `prospectd doctor` (issue 6), included from daemon/CMakeLists.txt: their
# sources in PROSPECTD_SETUP_SOURCES, with packaging/config.example.toml compiled in as the
# starter config that init writes.
set(PROSPECTD_EXAMPLE_CONFIG ${PROJECT_SOURCE_DIR}/packaging/config.example.toml)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/example_config.cpp
  COMMAND ${CMAKE_COMMAND} -DINPUT=${PROSPECTD_EXAMPLE_CONFIG}
          -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/example_config.cpp
          -P ${CMAKE_CURRENT_LIST_DIR}/embed_example_config.cmake
  DEPENDS ${PROSPECTD_EXAMPLE_CONFIG} ${CMAKE_CURRENT_LIST_DIR}/embed_example_config.cmake
  COMMENT "Embedding the example config"
  VERBATIM)

set(PROSPECTD_SETUP_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/init_command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/doctor_command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/doctor_checks.cpp
  ${CMAKE_CURRENT_BINARY_DIR}/example_config.cpp)
