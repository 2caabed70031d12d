# entratool_add_plugin(<target>
#     ID <library id> VERSION <x.y.z> [DESCRIPTION "<one line>"]
#     KIND flow|formatter|secret-store      one component of this kind whose id is ID
#   | COMPONENTS <file.json>                a JSON array of component objects (several, or a flow
#                                           with declarations)
#     SOURCES <files...> [OUTPUT_DIRECTORY <dir>] [INSTALL_DESTINATION <dir>])
#
# Builds a plugin: a MODULE library named entratool-<id>.so linked to EntraToolSDK::sdk (the
# header-only contract), with hidden visibility and no undefined symbols, and writes its manifest
# <id>.plugin.json (format 2) beside it. The manifest is what the host reads to discover the
# plugin and its components without running its code (docs/writing-a-plugin.md).
#
# The sources get ENTRATOOL_PLUGIN_ID, ENTRATOOL_PLUGIN_VERSION and ENTRATOOL_PLUGIN_DESCRIPTION
# as C string literals, which ENTRATOOL_PLUGIN() (entratool/sdk/plugin.h) puts in the descriptor,
# so the id, version and description are written once, here.
#
# A component object in a COMPONENTS file:
#   {"kind": "flow", "id": "my-flow", "description": "...", "flow": {<declarations>}}
# where "flow" is only for flows and every declaration is optional: "aliases" [names],
# "interactive" true|false, "browser" true|false, "refresh_tokens" none|issues|redeems, "client_auth"
# none|optional|required, "requires" [tenant, client_id], "secrets" [names], "fields" [names],
# "default_for" [secret|certificate|none|managed-identity], "environment" [VARIABLE names]. Everything is checked here, at configure time.
#
# A plugin must not link the host (entratool_host) or Boost: it would carry a second copy of the
# host's code or of a library whose types must never cross the boundary. Checked when the
# top-level CMakeLists.txt has been read (every target_link_libraries() call is in by then),
# through the whole chain of static libraries and interface targets the plugin links.
include_guard(GLOBAL)
set(_ENTRATOOL_PLUGIN_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})

# ---- helpers ----------------------------------------------------------------------------------

# The error every check below reports through: names the call and, for a components file, where.
macro(_etp_fail what)
  message(FATAL_ERROR "entratool_add_plugin(${_etp_target}): ${what}")
endmacro()

# Ids as the host accepts them (host/plugins/manifest.cpp is_valid_plugin_id).
function(_etp_check_id value what)
  string(LENGTH "${value}" n)
  if(NOT value MATCHES "^[a-z0-9][a-z0-9._-]*$" OR n GREATER 64)
    _etp_fail("${what} '${value}' must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
  endif()
endfunction()

# A one-line string as a JSON (and C) string literal's contents: backslash and quote escaped.
function(_etp_escape out value what)
  if(value MATCHES "[\n\r\t]")
    _etp_fail("${what} must be one line (no newline or tab)")
  endif()
  if(value MATCHES "\\$<")
    _etp_fail("${what} must not contain '$<' (it would be read as a generator expression)")
  endif()
  string(REPLACE "\\" "\\\\" value "${value}")
  string(REPLACE "\"" "\\\"" value "${value}")
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# Checks an array-of-words declaration; `allowed` (optional) lists the only words permitted.
function(_etp_check_words json where name)
  set(allowed ${ARGN})
  string(JSON type TYPE "${json}" ${name})
  if(NOT type STREQUAL "ARRAY")
    _etp_fail("${where}: \"${name}\" must be an array of strings")
  endif()
  string(JSON n LENGTH "${json}" ${name})
  if(n GREATER 0)
    math(EXPR last "${n} - 1")
    foreach(i RANGE ${last})
      string(JSON t TYPE "${json}" ${name} ${i})
      string(JSON word GET "${json}" ${name} ${i})
      string(LENGTH "${word}" len)
      if(NOT t STREQUAL "STRING" OR NOT word MATCHES "^[!-~]+$" OR len GREATER 64)
        _etp_fail("${where}: \"${name}\" entry ${i} must be a string of 1 to 64 printable ASCII characters without spaces")
      endif()
      if(allowed AND NOT word IN_LIST allowed)
        string(REPLACE ";" ", " choices "${allowed}")
        _etp_fail("${where}: \"${name}\" names '${word}'; allowed: ${choices}")
      endif()
    endforeach()
  endif()
endfunction()

function(_etp_check_choice json where name)
  set(allowed ${ARGN})
  string(JSON t TYPE "${json}" ${name})
  string(JSON v GET "${json}" ${name})
  if(NOT t STREQUAL "STRING" OR NOT v IN_LIST allowed)
    string(REPLACE ";" ", " choices "${allowed}")
    _etp_fail("${where}: \"${name}\" must be one of ${choices}")
  endif()
endfunction()

# The declarations of one flow (the host reads them before it loads any code).
function(_etp_check_flow_declarations flow where)
  string(JSON n LENGTH "${flow}")
  if(n EQUAL 0)
    return()
  endif()
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON key MEMBER "${flow}" ${i})
    if(key MATCHES "^(interactive|browser)$")
      string(JSON t TYPE "${flow}" ${key})
      if(NOT t STREQUAL "BOOLEAN")
        _etp_fail("${where}: \"${key}\" must be true or false")
      endif()
    elseif(key STREQUAL "refresh_tokens")
      _etp_check_choice("${flow}" "${where}" ${key} none issues redeems)
    elseif(key STREQUAL "client_auth")
      _etp_check_choice("${flow}" "${where}" ${key} none optional required)
    elseif(key STREQUAL "requires")
      _etp_check_words("${flow}" "${where}" ${key} tenant client_id)
    elseif(key STREQUAL "default_for")
      _etp_check_words("${flow}" "${where}" ${key} secret certificate none managed-identity)
    elseif(key MATCHES "^(aliases|secrets|fields)$")
      _etp_check_words("${flow}" "${where}" ${key})
    elseif(key STREQUAL "environment")
      _etp_check_words("${flow}" "${where}" ${key})
      string(JSON m LENGTH "${flow}" ${key})
      if(m GREATER 0)
        math(EXPR mlast "${m} - 1")
        foreach(j RANGE ${mlast})
          string(JSON var GET "${flow}" ${key} ${j})
          if(NOT var MATCHES "^[A-Z0-9_]+$")
            _etp_fail("${where}: \"environment\" names '${var}'; use upper-case variable names (A-Z, 0-9, _)")
          endif()
        endforeach()
      endif()
    else()
      _etp_fail("${where}: unknown flow declaration \"${key}\" (known: aliases, interactive, browser, refresh_tokens, client_auth, requires, secrets, fields, default_for, environment)")
    endif()
  endforeach()
endfunction()

# Reads and checks a COMPONENTS file; returns the array (as JSON text) in `out`.
function(_etp_read_components out file)
  get_filename_component(file "${file}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${file}")
    _etp_fail("COMPONENTS file '${file}' does not exist")
  endif()
  # Editing the file re-runs CMake, so the manifest never lags behind it.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")
  file(READ "${file}" text)
  if(text MATCHES "\\$<")
    _etp_fail("COMPONENTS file '${file}' must not contain '$<' (it would be read as a generator expression)")
  endif()
  string(JSON type ERROR_VARIABLE err TYPE "${text}")
  if(err)
    _etp_fail("COMPONENTS file '${file}' is not valid JSON: ${err}")
  endif()
  if(NOT type STREQUAL "ARRAY")
    _etp_fail("COMPONENTS file '${file}' must hold a JSON array of component objects")
  endif()
  string(JSON n LENGTH "${text}")
  if(n EQUAL 0 OR n GREATER 64)
    _etp_fail("COMPONENTS file '${file}' must list 1 to 64 components")
  endif()
  math(EXPR last "${n} - 1")
  set(seen)
  foreach(i RANGE ${last})
    set(where "COMPONENTS file '${file}', component ${i}")
    string(JSON t TYPE "${text}" ${i})
    if(NOT t STREQUAL "OBJECT")
      _etp_fail("${where} is not an object")
    endif()
    foreach(required kind id)
      string(JSON t ERROR_VARIABLE err TYPE "${text}" ${i} ${required})
      if(err OR NOT t STREQUAL "STRING")
        _etp_fail("${where}: \"${required}\" is missing or not a string")
      endif()
    endforeach()
    string(JSON kind GET "${text}" ${i} kind)
    string(JSON id GET "${text}" ${i} id)
    if(NOT kind MATCHES "^(flow|formatter|secret-store)$")
      _etp_fail("${where}: kind '${kind}' is not flow, formatter or secret-store")
    endif()
    _etp_check_id("${id}" "${where}: id")
    if(id IN_LIST seen)
      _etp_fail("${where}: id '${id}' is listed twice")
    endif()
    list(APPEND seen "${id}")
    set(where "COMPONENTS file '${file}', ${kind} '${id}'")
    string(JSON members LENGTH "${text}" ${i})
    math(EXPR last_member "${members} - 1")
    foreach(m RANGE ${last_member})
      string(JSON key MEMBER "${text}" ${i} ${m})
      if(key STREQUAL "description")
        string(JSON t TYPE "${text}" ${i} description)
        string(JSON d GET "${text}" ${i} description)
        if(NOT t STREQUAL "STRING")
          _etp_fail("${where}: \"description\" must be a string")
        endif()
        _etp_escape(d "${d}" "${where}: \"description\"")
      elseif(key STREQUAL "flow")
        if(NOT kind STREQUAL "flow")
          _etp_fail("${where}: only a flow has a \"flow\" object of declarations")
        endif()
        string(JSON t TYPE "${text}" ${i} flow)
        if(NOT t STREQUAL "OBJECT")
          _etp_fail("${where}: \"flow\" must be an object of declarations")
        endif()
        string(JSON flow GET "${text}" ${i} flow)
        _etp_check_flow_declarations("${flow}" "${where}")
      elseif(NOT key MATCHES "^(kind|id)$")
        _etp_fail("${where}: unknown member \"${key}\" (known: kind, id, description, flow)")
      endif()
    endforeach()
  endforeach()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# ---- the dependency rule ----------------------------------------------------------------------

# True (in `out`) when `item` (a name from a link list) is the host or Boost.
function(_etp_is_refused out item)
  set(refused FALSE)
  if(item MATCHES "^(entratool_host|EntraTool::host|Boost::.*|Boost)$" OR item MATCHES "(^|/|-l|lib)boost_[A-Za-z0-9_]+")
    set(refused TRUE)
  elseif(TARGET "${item}")
    get_target_property(aliased "${item}" ALIASED_TARGET)
    if(aliased AND aliased MATCHES "^(entratool_host|Boost::.*)$")
      set(refused TRUE)
    endif()
  endif()
  set(${out} ${refused} PARENT_SCOPE)
endfunction()

# Names in a link list entry, with generator expression syntax taken apart:
# "$<LINK_ONLY:Boost::headers>" and "$<$<CONFIG:Debug>:x>" yield the names inside.
function(_etp_link_names out entry)
  string(REGEX REPLACE "\\$<[A-Za-z_]+:" " " entry "${entry}")
  string(REPLACE "$<" " " entry "${entry}")
  string(REGEX REPLACE ">:?" " " entry "${entry}")
  string(REPLACE "," " " entry "${entry}")
  separate_arguments(names UNIX_COMMAND "${entry}")
  set(${out} ${names} PARENT_SCOPE)
endfunction()

# Deferred to the end of the top-level directory: walks everything `target` links, directly or
# through static libraries and interface targets, and refuses the host and Boost.
function(_etp_check_links target)
  set(_etp_target ${target})
  get_target_property(direct ${target} LINK_LIBRARIES)
  if(NOT direct)
    set(direct)
  endif()
  set(queue)
  foreach(entry IN LISTS direct)
    _etp_link_names(names "${entry}")
    foreach(n IN LISTS names)
      list(APPEND queue "${n}" "${n}")  # pairs: name, the direct dependency it came through
    endforeach()
  endforeach()
  set(visited)
  while(queue)
    list(POP_FRONT queue name via)
    if(name IN_LIST visited OR name MATCHES "^::@")
      continue()
    endif()
    list(APPEND visited "${name}")
    _etp_is_refused(refused "${name}")
    if(refused)
      if(name STREQUAL via)
        set(how "links ${name}")
      else()
        set(how "links ${name} (through ${via})")
      endif()
      message(FATAL_ERROR
        "entratool_add_plugin(${target}): the plugin ${how}. A plugin must not link the entratool host "
        "(entratool_host) or Boost: it talks to the host only through the SDK (EntraToolSDK::sdk) and "
        "may use EntraToolSDK::support and libraries whose types stay inside the plugin "
        "(docs/writing-a-plugin.md, CONTRIBUTING.md).")
    endif()
    if(TARGET "${name}")
      get_target_property(aliased "${name}" ALIASED_TARGET)
      if(aliased)
        list(APPEND queue "${aliased}" "${via}")
        continue()
      endif()
      get_target_property(type "${name}" TYPE)
      set(deps)
      get_target_property(iface "${name}" INTERFACE_LINK_LIBRARIES)
      if(iface)
        list(APPEND deps ${iface})
      endif()
      if(type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "OBJECT_LIBRARY")
        get_target_property(imported "${name}" IMPORTED)
        if(NOT imported)
          get_target_property(private "${name}" LINK_LIBRARIES)
          if(private)
            list(APPEND deps ${private})
          endif()
        endif()
      endif()
      foreach(entry IN LISTS deps)
        _etp_link_names(names "${entry}")
        foreach(n IN LISTS names)
          list(APPEND queue "${n}" "${via}")
        endforeach()
      endforeach()
    endif()
  endwhile()
endfunction()

# ---- entratool_add_plugin ---------------------------------------------------------------------

function(entratool_add_plugin target)
  set(_etp_target ${target})
  cmake_parse_arguments(ETP "" "ID;KIND;COMPONENTS;VERSION;DESCRIPTION;OUTPUT_DIRECTORY;INSTALL_DESTINATION" "SOURCES" ${ARGN})
  if(ETP_UNPARSED_ARGUMENTS)
    _etp_fail("unknown arguments: ${ETP_UNPARSED_ARGUMENTS}")
  endif()
  foreach(required ID VERSION SOURCES)
    if(NOT ETP_${required})
      _etp_fail("${required} is required")
    endif()
  endforeach()
  if(NOT ENTRATOOL_SDK_VERSION)
    _etp_fail("ENTRATOOL_SDK_VERSION is unknown; find_package(EntraToolSDK) first")
  endif()
  _etp_check_id("${ETP_ID}" "ID")
  if(NOT ETP_VERSION MATCHES "^[0-9A-Za-z][0-9A-Za-z.+~-]*$")
    _etp_fail("VERSION '${ETP_VERSION}' must be a version such as 1.0.0")
  endif()
  _etp_escape(description "${ETP_DESCRIPTION}" "DESCRIPTION")

  # The components: KIND for the simple case of one, COMPONENTS for a list.
  if(ETP_KIND AND ETP_COMPONENTS)
    _etp_fail("give KIND (one component) or COMPONENTS (a file listing them), not both")
  elseif(ETP_KIND)
    if(NOT ETP_KIND MATCHES "^(flow|formatter|secret-store)$")
      _etp_fail("KIND '${ETP_KIND}' is not flow, formatter or secret-store")
    endif()
    set(components "[{\"kind\": \"${ETP_KIND}\", \"id\": \"${ETP_ID}\"}]")
    if(NOT description STREQUAL "")
      string(JSON components SET "${components}" 0 description "\"${description}\"")
    endif()
  elseif(ETP_COMPONENTS)
    _etp_read_components(components "${ETP_COMPONENTS}")
  else()
    _etp_fail("KIND <flow|formatter|secret-store> or COMPONENTS <file.json> is required")
  endif()

  if(NOT ETP_OUTPUT_DIRECTORY)
    if(ENTRATOOL_PLUGIN_OUTPUT_DIR)
      set(ETP_OUTPUT_DIRECTORY ${ENTRATOOL_PLUGIN_OUTPUT_DIR})
    else()
      set(ETP_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/plugins)
    endif()
  endif()

  add_library(${target} MODULE ${ETP_SOURCES})
  target_link_libraries(${target} PRIVATE EntraToolSDK::sdk)
  if(ETP_SOURCES MATCHES "\\.(cpp|cc|cxx|c\\+\\+|C)(;|$)")
    target_compile_features(${target} PRIVATE cxx_std_17)  # the C++ adapter's minimum
  endif()
  target_compile_definitions(${target} PRIVATE
    "ENTRATOOL_PLUGIN_ID=\"${ETP_ID}\""
    "ENTRATOOL_PLUGIN_VERSION=\"${ETP_VERSION}\""
    "ENTRATOOL_PLUGIN_DESCRIPTION=\"${description}\"")
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "entratool-${ETP_ID}"
    LIBRARY_OUTPUT_DIRECTORY ${ETP_OUTPUT_DIRECTORY}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Every symbol resolved at link time: a missing one fails the build, not the user's run.
  # -z defs: every symbol the plugin needs is found at link time. -z now: the plugin's own
  # references are bound when it is loaded, so one that is missing on the user's machine is a
  # refusal at load time, not a crash at first call (the host opens plugins RTLD_LAZY, so the C++
  # runtime a plugin brings along is bound only as far as it is used).
  # ELF only: a PE DLL (Windows) cannot be linked with an undefined symbol anyway, and Apple's
  # linker has no -z; there -undefined error gives the same refusal at link time.
  if(APPLE)
    target_link_options(${target} PRIVATE -Wl,-undefined,error)
  elseif(NOT WIN32)
    target_link_options(${target} PRIVATE -Wl,-z,defs -Wl,-z,now)
  endif()
  # ENTRATOOL_PLUGIN_STATIC_RUNTIME (set by entratool's own build; off for other users of the
  # SDK): with g++, the plugin carries its own libstdc++/libgcc as the host does, so loading it
  # maps and relocates no libstdc++.so (a cached get-token loads two plugins). Safe because nothing
  # C++ crosses the boundary; --exclude-libs keeps the copy's symbols private. A plugin that links
  # a shared C++ library (whose objects it shares) sets the target property
  # ENTRATOOL_SHARED_RUNTIME to keep the shared runtime.
  if(ENTRATOOL_PLUGIN_STATIC_RUNTIME AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND NOT APPLE AND NOT WIN32)
    set(static_runtime "$<NOT:$<BOOL:$<TARGET_PROPERTY:${target},ENTRATOOL_SHARED_RUNTIME>>>")
    target_link_options(${target} PRIVATE
      "$<${static_runtime}:-static-libstdc++;-static-libgcc;-Wl,--exclude-libs,ALL;-Wl,--gc-sections>")
  endif()
  # Only the entry point is exported: hidden visibility alone leaves the C++ library's template
  # instantiations (std::vector<std::string>::_M_realloc_insert, ...) in the dynamic symbol table.
  if(NOT APPLE AND NOT WIN32)
    set(exports ${CMAKE_BINARY_DIR}/entratool-plugin-exports.map)
    if(NOT EXISTS ${exports})
      file(WRITE ${exports} "{\n  global: entratool_plugin_entry;\n  local: *;\n};\n")
    endif()
    target_link_options(${target} PRIVATE "-Wl,--version-script=${exports}")
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${exports})
  endif()

  # The manifest (format 2), from the template's skeleton.
  file(READ ${_ENTRATOOL_PLUGIN_CMAKE_DIR}/plugin-manifest.json.in manifest)
  string(JSON manifest SET "${manifest}" id "\"${ETP_ID}\"")
  string(JSON manifest SET "${manifest}" version "\"${ETP_VERSION}\"")
  string(JSON manifest SET "${manifest}" sdk "\"${ENTRATOOL_SDK_VERSION}\"")
  string(JSON manifest SET "${manifest}" library "\"$<TARGET_FILE_NAME:${target}>\"")
  string(JSON manifest SET "${manifest}" description "\"${description}\"")
  string(JSON manifest SET "${manifest}" components "${components}")
  # The host refuses plugin files and folders that group or others can write (docs/plugin-abi.md),
  # so their modes must not depend on the umask of whoever builds.
  file(GENERATE OUTPUT ${ETP_OUTPUT_DIRECTORY}/${ETP_ID}.plugin.json
    CONTENT "${manifest}\n"
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  if(CMAKE_HOST_UNIX)
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND chmod go-w $<TARGET_FILE:${target}> ${ETP_OUTPUT_DIRECTORY}
      VERBATIM)
  endif()

  # The dependency rule, once every target_link_libraries() call has been made.
  # (Through EVAL so the target name is taken now: deferred arguments are read when they run.)
  cmake_language(EVAL CODE "cmake_language(DEFER DIRECTORY [[${CMAKE_SOURCE_DIR}]] CALL _etp_check_links [[${target}]])")

  if(ETP_INSTALL_DESTINATION)
    install(TARGETS ${target} LIBRARY DESTINATION ${ETP_INSTALL_DESTINATION})
    install(FILES ${ETP_OUTPUT_DIRECTORY}/${ETP_ID}.plugin.json DESTINATION ${ETP_INSTALL_DESTINATION})
  endif()
endfunction()
