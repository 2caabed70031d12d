# entratool_cached_path_order(TARGET ORDER_FILE [SECTIONS lib...])
#
# Links TARGET (the executable or a plugin a cached get-token loads) with lld, laying out the
# functions ORDER_FILE lists first (--symbol-ordering-file). ORDER_FILE is written by
# bench/cached_path_order.sh: the functions of a cached get-token in that object, one symbol a
# line. The kernel maps file-backed code in 64 KB fault-around windows and each window is one page
# fault of about 4.5 us here (mapping 16 pages and unmapping them at exit), so the cached path's
# code spread over a library's text in link order costs a fault per window it touches
# (docs/caching.md, docs/rss.md). TARGET's own sources and the static libraries given after
# SECTIONS are compiled with -ffunction-sections so that lld can place them function by function
# (the static C++ runtime's archive already is; libsodium's is not, and moves object by object).
#
# A symbol the file names but the build no longer has is skipped, so a stale file costs faults,
# never correctness. Without lld (Debian `lld`, scripts/install-deps.sh), or off ELF, it does
# nothing and the target links as before.
if(NOT WIN32 AND NOT APPLE)
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-fuse-ld=lld" ENTRATOOL_HAVE_LLD)
endif()
if(NOT ENTRATOOL_HAVE_LLD)
  message(STATUS "lld not found: the executable and the cached-path plugins link without their cached-path.order files")
endif()

function(entratool_cached_path_order target order_file)
  cmake_parse_arguments(ECPO "" "" "SECTIONS" ${ARGN})
  if(NOT ENTRATOOL_HAVE_LLD OR NOT EXISTS ${order_file})
    return()
  endif()
  target_compile_options(${target} PRIVATE -ffunction-sections)
  foreach(lib ${ECPO_SECTIONS})
    target_compile_options(${lib} PRIVATE -ffunction-sections)
  endforeach()
  # --build-id=sha1: what GNU ld writes (lld's default is a shorter hash).
  target_link_options(${target} PRIVATE -fuse-ld=lld -Wl,--build-id=sha1
    "-Wl,--symbol-ordering-file=${order_file}" -Wl,--no-warn-symbol-ordering)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${order_file})
endfunction()
