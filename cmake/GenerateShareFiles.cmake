# Runs the built entratool to write what it generates from its own command table: the shell
# completion scripts and the man page (host/CMakeLists.txt). Called with
#   cmake -DTOOL=<entratool> -DOUT=<build>/share -DGZIP=<gzip> -P GenerateShareFiles.cmake
foreach(var TOOL OUT GZIP)
  if(NOT ${var})
    message(FATAL_ERROR "GenerateShareFiles.cmake: ${var} is not set")
  endif()
endforeach()

# The tool must not read the user's settings or plugins while generating.
set(ENV{ENTRATOOL_CONFIG_DIR} "${OUT}/.no-config")
set(ENV{ENTRATOOL_PLUGIN_PATH} "")

function(generate file)
  get_filename_component(dir "${OUT}/${file}" DIRECTORY)
  file(MAKE_DIRECTORY "${dir}")
  execute_process(COMMAND "${TOOL}" ${ARGN} OUTPUT_FILE "${OUT}/${file}.tmp" ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "'entratool ${ARGN}' failed (${rc}): ${err}")
  endif()
  file(RENAME "${OUT}/${file}.tmp" "${OUT}/${file}")
endfunction()

generate(bash-completion/completions/entratool completion bash)
generate(zsh/vendor-completions/_entratool completion zsh)
generate(fish/vendor_completions.d/entratool.fish completion fish)
generate(man/man1/entratool.1 __man)
# Debian compresses man pages with gzip -9n (no name or time stamp: reproducible).
execute_process(COMMAND "${GZIP}" -9nc "${OUT}/man/man1/entratool.1" OUTPUT_FILE "${OUT}/man/man1/entratool.1.gz"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip of entratool.1 failed (${rc})")
endif()
