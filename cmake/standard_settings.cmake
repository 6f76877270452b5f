# Build settings shared by every target, as INTERFACE targets (no global flags).
add_library(prospectd_standard_settings INTERFACE)
# Includes are rooted at the project (#include "store/store.h"). Which layer may include which
# is written in ARCHITECTURE.md and enforced by the layer_check test (scripts/check_layers.py).
target_include_directories(prospectd_standard_settings INTERFACE ${PROJECT_SOURCE_DIR})
target_compile_features(prospectd_standard_settings INTERFACE cxx_std_23)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

add_library(prospectd_standard_warnings INTERFACE)
target_compile_options(prospectd_standard_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough)
target_link_libraries(prospectd_standard_settings INTERFACE prospectd_standard_warnings)

if(PROSPECTD_SANITIZE)
  target_compile_options(prospectd_standard_settings INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(prospectd_standard_settings INTERFACE -fsanitize=address,undefined)
endif()
