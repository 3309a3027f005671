# Runs one fuzz target for a CI-length time (cmake -P, from the `fuzz` tests of
# fuzz/CMakeLists.txt). libFuzzer grows the corpus it is given, so it gets a scratch copy
# of the seeds; it exits non-zero on the first crash, sanitizer report or broken
# invariant, which fails the test, and writes the input to ARTIFACTS.
#   -DFUZZER=binary -DSEEDS=dir -DWORK=scratch dir -DARTIFACTS=dir -DSECONDS=n
#   -DDICTIONARY=file or empty
foreach(variable FUZZER SEEDS WORK ARTIFACTS SECONDS)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${variable}=... is missing")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK} ${ARTIFACTS})
file(COPY ${SEEDS}/ DESTINATION ${WORK})
get_filename_component(name ${FUZZER} NAME)

# -timeout: one input taking 25 s is a finding (a hang), not a slow machine.
set(arguments -max_total_time=${SECONDS} -timeout=25 -max_len=4096 -print_final_stats=1
              -artifact_prefix=${ARTIFACTS}/${name}-)
if(DICTIONARY)
  list(APPEND arguments -dict=${DICTIONARY})
endif()
execute_process(COMMAND ${FUZZER} ${arguments} ${WORK} RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${name} failed (${result}): the input is in ${ARTIFACTS}/; "
                      "rerun it with ${FUZZER} <that file>")
endif()
