# entratool_add_plugin(<target>
#     ID <id> KIND flow|formatter|secret-store VERSION <x.y.z> [DESCRIPTION "<one line>"]
#     SOURCES <files...> [OUTPUT_DIRECTORY <dir>] [INSTALL_DESTINATION <dir>])
#
# Builds a plugin: a MODULE library linked to EntraToolSDK::sdk with hidden visibility and no
# undefined symbols, named entratool-<id>.so, with its manifest <id>.plugin.json generated beside
# it. The manifest is what the host reads to discover the plugin without running its code.
set(_ENTRATOOL_PLUGIN_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})

function(entratool_add_plugin target)
  cmake_parse_arguments(ETP "" "ID;KIND;VERSION;DESCRIPTION;OUTPUT_DIRECTORY;INSTALL_DESTINATION" "SOURCES" ${ARGN})
  foreach(required ID KIND VERSION SOURCES)
    if(NOT ETP_${required})
      message(FATAL_ERROR "entratool_add_plugin(${target}): ${required} is required")
    endif()
  endforeach()
  if(NOT ETP_KIND MATCHES "^(flow|formatter|secret-store)$")
    message(FATAL_ERROR "entratool_add_plugin(${target}): KIND must be flow, formatter or secret-store")
  endif()
  if(NOT ETP_ID MATCHES "^[a-z0-9][a-z0-9._-]*$")
    message(FATAL_ERROR "entratool_add_plugin(${target}): ID must be lower-case letters, digits, '.', '_' or '-'")
  endif()
  if(NOT ETP_OUTPUT_DIRECTORY)
    if(ENTRATOOL_PLUGIN_OUTPUT_DIR)
      set(ETP_OUTPUT_DIRECTORY ${ENTRATOOL_PLUGIN_OUTPUT_DIR})
    else()
      set(ETP_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/plugins)
    endif()
  endif()
  if(NOT ENTRATOOL_SDK_VERSION)
    message(FATAL_ERROR "entratool_add_plugin: ENTRATOOL_SDK_VERSION is unknown; find_package(EntraToolSDK) first")
  endif()
  set(ETP_TARGET ${target})

  add_library(${target} MODULE ${ETP_SOURCES})
  target_link_libraries(${target} PRIVATE EntraToolSDK::sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "entratool-${ETP_ID}"
    LIBRARY_OUTPUT_DIRECTORY ${ETP_OUTPUT_DIRECTORY}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,-z,defs)

  configure_file(${_ENTRATOOL_PLUGIN_CMAKE_DIR}/plugin-manifest.json.in
    ${CMAKE_CURRENT_BINARY_DIR}/${ETP_ID}.plugin.json.in @ONLY)
  # The host refuses plugin files and folders that group or others can write (docs/plugin-abi.md),
  # so their modes must not depend on the template's mode or the umask of whoever builds.
  file(GENERATE OUTPUT ${ETP_OUTPUT_DIRECTORY}/${ETP_ID}.plugin.json
    INPUT ${CMAKE_CURRENT_BINARY_DIR}/${ETP_ID}.plugin.json.in
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND chmod go-w $<TARGET_FILE:${target}> ${ETP_OUTPUT_DIRECTORY}
    VERBATIM)

  if(ETP_INSTALL_DESTINATION)
    install(TARGETS ${target} LIBRARY DESTINATION ${ETP_INSTALL_DESTINATION})
    install(FILES ${ETP_OUTPUT_DIRECTORY}/${ETP_ID}.plugin.json DESTINATION ${ETP_INSTALL_DESTINATION})
  endif()
endfunction()
