# Runs one fuzz target for a CI-length time (cmake -P, from the `fuzz` tests of
# fuzz/CMakeLists.txt). libFuzzer grows the corpus it is given, so it gets a scratch copy
# of the committed corpus; it exits non-zero on the first crash, sanitizer report or
# broken invariant, which fails the test, and writes the input to ARTIFACTS.
# After a clean run, what it found that adds coverage is merged into a copy of the
# committed corpus, GROWN, and GROWN.txt says how many inputs that is: the corpus grows
# when someone copies GROWN back (scripts/fuzz_grow.sh) and commits it.
#   -DFUZZER=binary -DSEEDS=dir -DWORK=scratch dir -DGROWN=dir -DARTIFACTS=dir -DSECONDS=n
#   -DDICTIONARY=file or empty
foreach(variable FUZZER SEEDS WORK GROWN ARTIFACTS SECONDS)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${variable}=... is missing")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK} ${GROWN} ${GROWN}.txt)  # nothing stale if this run fails
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

# -merge=1 keeps, of the run's inputs, those that reach code the corpus does not (new edges:
# -use_counters=0 ignores how often an edge runs, which keeps the corpus a few hundred files).
file(MAKE_DIRECTORY ${GROWN})
file(COPY ${SEEDS}/ DESTINATION ${GROWN})
execute_process(COMMAND ${FUZZER} -merge=1 -use_counters=0 -timeout=25 ${GROWN} ${WORK}
                RESULT_VARIABLE result OUTPUT_VARIABLE merge_log ERROR_VARIABLE merge_log)
if(NOT result EQUAL 0 OR NOT merge_log MATCHES "MERGE-OUTER: ([0-9]+) new files")
  message(FATAL_ERROR "${name}: merging the run's corpus failed (${result}):\n${merge_log}")
endif()
file(GLOB kept ${GROWN}/*)
list(LENGTH kept total)
set(summary "${name}: ${CMAKE_MATCH_1} new inputs, ${total} in ${GROWN}")
file(WRITE ${GROWN}.txt "${summary}\n")
message(STATUS "${summary}")

