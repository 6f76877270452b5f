# The HTTP API and status page (issue 5) as the library prospectd_http, included from
# daemon/CMakeLists.txt. The page's files are compiled in by cmake/embed_files.cmake.
set(PROSPECTD_STATUS_PAGE_DIR ${CMAKE_CURRENT_LIST_DIR}/status_page)
set(PROSPECTD_STATUS_PAGE_FILES index.html app.css app.js)
list(TRANSFORM PROSPECTD_STATUS_PAGE_FILES PREPEND ${PROSPECTD_STATUS_PAGE_DIR}/
     OUTPUT_VARIABLE prospectd_status_page_paths)
string(REPLACE ";" "," prospectd_status_page_names "${PROSPECTD_STATUS_PAGE_FILES}")
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/http_assets.cpp
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/http_assets.cpp
          -DINPUT_DIR=${PROSPECTD_STATUS_PAGE_DIR} -DFILES=${prospectd_status_page_names}
          -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
  DEPENDS ${prospectd_status_page_paths} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
  COMMENT "Embedding the status page"
  VERBATIM)

add_library(prospectd_http STATIC
  ${CMAKE_CURRENT_LIST_DIR}/http_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_worker_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_handlers_status.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_handlers_crm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_handlers_dashboard.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_handlers_writes.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_handlers_page.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_token.cpp
  ${CMAKE_CURRENT_LIST_DIR}/metrics_text.cpp
  # The JSON documents and live status the CLI shares with the API (moved here from
  # prospectd_daemon, which links this library).
  ${CMAKE_CURRENT_LIST_DIR}/status_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/crm_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/time_format.cpp
  ${CMAKE_CURRENT_LIST_DIR}/live_status.cpp
  ${CMAKE_CURRENT_BINARY_DIR}/http_assets.cpp)
target_compile_definitions(prospectd_http PRIVATE PROSPECTD_VERSION="${PROJECT_VERSION}")
target_link_libraries(prospectd_http
  PUBLIC prospectd_store prospectd_rules prospectd_standard_settings PkgConfig::HTTPLIB
         nlohmann_json::nlohmann_json spdlog::spdlog Threads::Threads)
