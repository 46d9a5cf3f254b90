# Turns the explorer page's files (web/*, top level, but README.md and dot files) into a C++
# source at build time, so that waybilld serves them without reading the disk
# (node/rest/web_files.h). Content types come from the file extensions below; a file of any
# other extension fails the build, so nothing is served with a guessed type.
# Run: cmake -DWEB_DIR=<web/> -DOUTPUT=<.cpp> -P embed_web.cmake
cmake_minimum_required(VERSION 3.25)
# ext (lower case, with its dot) -> its content type in `out`; "" when unknown.
function(web_content_type ext out)
  set(utf8 "charset=utf-8")
  if(ext STREQUAL ".html")
    set(type "text/html; ${utf8}")
  elseif(ext STREQUAL ".js" OR ext STREQUAL ".mjs")
    set(type "text/javascript; ${utf8}")
  elseif(ext STREQUAL ".css")
    set(type "text/css; ${utf8}")
  elseif(ext STREQUAL ".txt")
    set(type "text/plain; ${utf8}")
  elseif(ext STREQUAL ".svg")
    set(type "image/svg+xml")
  elseif(ext STREQUAL ".png")
    set(type "image/png")
  elseif(ext STREQUAL ".ico")
    set(type "image/x-icon")
  elseif(ext STREQUAL ".json")
    set(type "application/json")
  elseif(ext STREQUAL ".webmanifest")
    set(type "application/manifest+json")
  else()
    set(type "")
  endif()
  set(${out} "${type}" PARENT_SCOPE)
endfunction()
file(GLOB files LIST_DIRECTORIES false RELATIVE "${WEB_DIR}" "${WEB_DIR}/*")
list(SORT files)
set(arrays "")
set(table "")
set(count 0)
foreach(name ${files})
  if(name STREQUAL "README.md" OR name MATCHES "^\\.")
    continue()
  endif()
  if(NOT name MATCHES "^[A-Za-z0-9_.-]+$")
    message(FATAL_ERROR "web/${name}: names of served files are [A-Za-z0-9_.-]")
  endif()
  string(REGEX MATCH "\\.[A-Za-z0-9]+$" ext "${name}")
  string(TOLOWER "${ext}" ext)
  web_content_type("${ext}" type)
  if(type STREQUAL "")
    message(FATAL_ERROR "web/${name}: no content type known for '${ext}' (node/rest/embed_web.cmake)")
  endif()
  file(READ "${WEB_DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  # 40 bytes per source line, each byte as \xNN (a backslash ends the escape before it).
  set(escaped "")
  set(offset 0)
  while(offset LESS hex_length)
    string(SUBSTRING "${hex}" ${offset} 80 chunk)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" chunk "${chunk}")
    string(APPEND escaped "\n    \"${chunk}\"")
    math(EXPR offset "${offset} + 80")
  endwhile()
  if(escaped STREQUAL "")
    set(escaped " \"\"")
  endif()
  string(APPEND arrays "const char kWebFile${count}[] =${escaped};\n")
  string(APPEND table
    "    {\"${name}\", \"${type}\", std::string_view(kWebFile${count}, ${size})},\n")
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  set(table "    {\"\", \"\", std::string_view()},\n")
endif()
file(WRITE "${OUTPUT}" "// Generated from web/ by node/rest/embed_web.cmake. Do not edit.
#include <span>
#include <string_view>

#include \"node/rest/web_files.h\"

namespace waybill::node {
namespace {
${arrays}
const WebFile kWebFiles[] = {
${table}};
}  // namespace

std::span<const WebFile> EmbeddedWebFiles() {
  return std::span<const WebFile>(kWebFiles, ${count});
}

}  // namespace waybill::node
")
