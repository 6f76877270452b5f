# Micro benchmark of the mail header parsing library (connectors/mail).
# Included from bench/CMakeLists.txt: include(${CMAKE_CURRENT_SOURCE_DIR}/mail_parse_bench.cmake)
add_executable(mail_parse_bench ${CMAKE_CURRENT_LIST_DIR}/mail_parse_bench.cpp)
target_link_libraries(mail_parse_bench PRIVATE prospectd_mail)
