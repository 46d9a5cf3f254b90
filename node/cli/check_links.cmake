# ctest cli_links: the `waybill` program never links LevelDB, the chainstate or the P2P code
# (DESIGN.md, node/cli/README.md). Run as
#   cmake -DPROGRAM=path/to/waybill -DREADELF=... -DNM=... -P check_links.cmake
# It fails when `readelf -d` names a libleveldb, or when a symbol of `nm -C` names
# `leveldb::`, `Chainstate` or `p2p::`. Without readelf or nm, or on a program without
# symbols, it fails saying so: a check that could not look does not pass.
foreach(tool READELF NM)
  if(NOT ${tool} OR NOT EXISTS "${${tool}}")
    string(TOLOWER "${tool}" name)
    message(FATAL_ERROR "cli_links: cannot check the program: ${name} not found "
                        "('${${tool}}'; install binutils and configure again)")
  endif()
endforeach()
if(NOT PROGRAM OR NOT EXISTS "${PROGRAM}")
  message(FATAL_ERROR "cli_links: no program ${PROGRAM}")
endif()

# Sets out_var to the output of `tool flag PROGRAM`; a failure of the tool fails the check.
function(run_on_program out_var tool flag)
  execute_process(COMMAND "${tool}" ${flag} "${PROGRAM}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cli_links: ${tool} ${flag} ${PROGRAM} failed (${rc}): ${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

run_on_program(dynamic "${READELF}" -d)
string(REGEX MATCHALL "\\[libleveldb[^]]*\\]" bad_libs "${dynamic}")
if(bad_libs)
  message(FATAL_ERROR "cli_links: ${PROGRAM} needs ${bad_libs}: the waybill program must not "
                      "link LevelDB")
endif()

run_on_program(symbols "${NM}" -C)
# A stripped program would pass the checks below without showing anything.
if(NOT symbols MATCHES "waybill::cli::RunRpc")
  message(FATAL_ERROR "cli_links: nm -C ${PROGRAM} shows no waybill::cli symbols (stripped?); "
                      "cannot check what it links")
endif()
string(REPLACE "\n" ";" lines "${symbols}")
set(found "")
foreach(line IN LISTS lines)
  if(line MATCHES "leveldb::|Chainstate|p2p::")
    list(APPEND found "${line}")
  endif()
endforeach()
if(found)
  list(LENGTH found count)
  list(SUBLIST found 0 10 shown)
  string(REPLACE ";" "\n  " shown "${shown}")
  message(FATAL_ERROR "cli_links: ${PROGRAM} holds ${count} symbol(s) of LevelDB, the "
                      "chainstate or P2P, e.g.\n  ${shown}")
endif()
message(STATUS "cli_links: ${PROGRAM} links no LevelDB, chainstate or P2P code")
