# Runs scdoc on a man page source at build time (called by man/CMakeLists.txt as
# `cmake -P`): puts the version into the page's footer, then writes the roff.
#   -DSCDOC=/usr/bin/scdoc -DINPUT=man/mqtk.1.scd -DOUTPUT=build/man/mqtk.1 -DVERSION=0.1.0
# The preamble's left footer names the program ("mqtk"); it becomes "mqtk 0.1.0".
foreach(variable SCDOC INPUT OUTPUT VERSION)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "scdoc.cmake: -D${variable}=... is required")
  endif()
endforeach()

file(READ "${INPUT}" source)
string(REGEX REPLACE "^([a-z0-9_-]+\\([0-9]\\)) \"([^\"]*)\"" "\\1 \"\\2 ${VERSION}\""
       source "${source}")
set(versioned "${OUTPUT}.scd")
file(WRITE "${versioned}" "${source}")
execute_process(
  COMMAND "${SCDOC}"
  INPUT_FILE "${versioned}"
  OUTPUT_FILE "${OUTPUT}.tmp"
  ERROR_VARIABLE errors
  RESULT_VARIABLE status)
file(REMOVE "${versioned}")
if(NOT status EQUAL 0)
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "scdoc failed on ${INPUT}: ${errors}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
