# The dependency graph of DESIGN.md, enforced by the compiler: there is no include path that
# reaches the whole source tree. Each target sees only the headers of the libraries it links:
# waybill_library() exposes the headers of its own folder (not of its sub-folders) under
# ${CMAKE_BINARY_DIR}/include/<target>/<folder>/ (symbolic links to the sources) and adds that
# root to the target's PUBLIC include path. A file that includes a header of a library its
# target does not link fails to compile ("No such file"), and a call into one fails to link.

# waybill_expose_headers(<target> <folder> <PUBLIC|PRIVATE|INTERFACE>)
#   folder: relative to the source root, e.g. "node/mempool".
function(waybill_expose_headers target folder scope)
  set(root "${CMAKE_BINARY_DIR}/include/${target}")
  file(GLOB headers CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/${folder}/*.h")
  file(REMOVE_RECURSE "${root}")
  file(MAKE_DIRECTORY "${root}/${folder}")
  foreach(header ${headers})
    get_filename_component(name "${header}" NAME)
    file(CREATE_LINK "${header}" "${root}/${folder}/${name}" SYMBOLIC)
  endforeach()
  target_include_directories(${target} ${scope} "${root}")
endfunction()

# waybill_library(<target> <folder> [EXCLUDE <regex>] DEPENDS <targets...>)
#   A static library of the folder's *.cpp (minus those matching EXCLUDE), linking exactly
#   DEPENDS (what the folder's README.md allows), PUBLIC so that headers may mention them.
function(waybill_library target folder)
  cmake_parse_arguments(ARG "" "EXCLUDE" "DEPENDS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/${folder}/*.cpp")
  if(ARG_EXCLUDE)
    list(FILTER sources EXCLUDE REGEX "${ARG_EXCLUDE}")
  endif()
  add_library(${target} STATIC ${sources})
  waybill_expose_headers(${target} "${folder}" PUBLIC)
  if(ARG_DEPENDS)
    target_link_libraries(${target} PUBLIC ${ARG_DEPENDS})
  endif()
endfunction()
