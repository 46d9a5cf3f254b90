# The include rules of DESIGN.md that the build cannot enforce, because the headers of Boost and
# nlohmann/json sit in the system include path where every target finds them:
#   - chain/, consensus/, contracts/ never include Boost or nlohmann/json;
#   - wallet/ never includes Boost.Asio or Beast;
#   - Boost.Asio/Beast and nlohmann/json stay in the few files listed below (a translation unit
#     that includes them costs ~12 s to compile); a new one is added here on purpose.
# (Which folder may include which folder's headers is enforced by the build itself:
# cmake/WaybillLayout.cmake.)
# Run: cmake -DSOURCE_DIR=<repo> -P tests/include_rules.cmake (a ctest: include_rules).
cmake_minimum_required(VERSION 3.25)

set(ASIO_BEAST_FILES p2p/connman.cpp p2p/connection.h node/http/server.cpp)
set(JSON_FILES wallet/key_file.cpp wallet/disclosure.cpp wallet/wallet_file.cpp wallet/contacts.cpp
               node/params/genesis.cpp
               node/rpc/json_convert.h node/rpc/error.h node/rpc/json_convert.cpp
               node/cli/rpc_client.h node/rest/rest.h)

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "include_rules.cmake: pass -DSOURCE_DIR=<the repository>")
endif()

set(violations "")
file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}"
     "${SOURCE_DIR}/chain/*.h" "${SOURCE_DIR}/chain/*.cpp"
     "${SOURCE_DIR}/consensus/*.h" "${SOURCE_DIR}/consensus/*.cpp"
     "${SOURCE_DIR}/contracts/*.h" "${SOURCE_DIR}/contracts/*.cpp"
     "${SOURCE_DIR}/p2p/*.h" "${SOURCE_DIR}/p2p/*.cpp"
     "${SOURCE_DIR}/wallet/*.h" "${SOURCE_DIR}/wallet/*.cpp"
     "${SOURCE_DIR}/node/*.h" "${SOURCE_DIR}/node/*.cpp")
list(LENGTH files count)
if(count LESS 50)
  message(FATAL_ERROR "include_rules.cmake: found only ${count} source files under ${SOURCE_DIR}")
endif()

foreach(file ${files})
  file(STRINGS "${SOURCE_DIR}/${file}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*<(boost|nlohmann)/")
  foreach(line ${includes})
    string(STRIP "${line}" line)
    if(file MATCHES "^(chain|consensus|contracts)/")
      string(APPEND violations "\n  ${file}: ${line} (chain/, consensus/ and contracts/ are pure)")
    elseif(line MATCHES "<boost/(asio|beast)")
      if(file MATCHES "^wallet/")
        string(APPEND violations "\n  ${file}: ${line} (wallet/ never includes Asio or Beast)")
      elseif(NOT file IN_LIST ASIO_BEAST_FILES)
        string(APPEND violations "\n  ${file}: ${line} (Asio/Beast only in: ${ASIO_BEAST_FILES})")
      endif()
    elseif(line MATCHES "<nlohmann/" AND NOT file IN_LIST JSON_FILES)
      string(APPEND violations "\n  ${file}: ${line} (nlohmann/json only in: ${JSON_FILES})")
    endif()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "Include rules broken (DESIGN.md; this list is tests/include_rules.cmake):"
                      "${violations}")
endif()
message(STATUS "include rules hold in ${count} files")
