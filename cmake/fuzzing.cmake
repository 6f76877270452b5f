# libFuzzer support: PROSPECTD_FUZZ=ON with clang builds tests/fuzz/ as fuzzers (the `fuzz`
# preset, scripts/fuzz.sh); without it the same entry points replay their seed corpora in ctest.
option(PROSPECTD_FUZZ "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)

if(PROSPECTD_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "PROSPECTD_FUZZ needs clang (libFuzzer): use `cmake --preset fuzz` or "
                      "-DCMAKE_CXX_COMPILER=clang++-16 (Debian: clang-16, libclang-rt-16-dev)")
endif()

# Compile flags for code under test in a fuzzer: coverage feedback plus ASan and UBSan. Every
# UBSan finding aborts, so the fuzzer reports it as a crash with the input that caused it.
add_library(prospectd_fuzz_instrumentation INTERFACE)
if(PROSPECTD_FUZZ)
  target_compile_options(prospectd_fuzz_instrumentation INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  # libstdc++ 12 hides std::expected (connectors/message_source.h, gmail/message_mapper.h)
  # unless __cpp_concepts >= 202002L, which clang only claims from 19 on. Clang 16 implements
  # what <expected> needs (P0848, conditionally trivial special members), so it is told so;
  # clang 14 does not, and cannot build those files (llvm/llvm-project#87998).
  if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 19)
    if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
      message(FATAL_ERROR "PROSPECTD_FUZZ needs clang >= 16 (Debian 12: clang-16, "
                          "libclang-rt-16-dev); found ${CMAKE_CXX_COMPILER_VERSION}")
    endif()
    target_compile_options(prospectd_fuzz_instrumentation INTERFACE
      -D__cpp_concepts=202002L -Wno-macro-redefined)
  endif()
  target_link_options(prospectd_fuzz_instrumentation INTERFACE
    -fsanitize=fuzzer,address,undefined)
endif()
