# Included by ctest after the discovered mqtk_integration tests (see tests/CMakeLists.txt),
# for properties that depend on a test's name:
# - the interoperability matrix is labelled `interop`, besides `integration`, and gets more
#   time than the others: the RabbitMQ row starts an Erlang node (about 12 s, more on a
#   loaded machine) before its eight cells;
# - tests whose own waits add up to more than the default 120 s get 300 s, so that they end
#   by their own checks (with a diagnosis) rather than by ctest's kill: "restart: ..."
#   (up to 10 + 60 + 45 + 45 + 10 s around a broker restart or a network cut) and
#   "limits: a stalled reader ..." (20 + 120 + 2 + 150 s);
# - the differential suite (integration/differential_test.cpp, "differential: ...") is
#   labelled `differential`, so `ctest -L differential` runs mqtk against the mosquitto
#   clients alone.
foreach(test IN LISTS mqtk_integration_TESTS)
  if(test MATCHES "^interop: ")
    set_tests_properties("${test}" PROPERTIES LABELS "integration;interop" TIMEOUT 300)
  elseif(test MATCHES "^differential: ")
    set_tests_properties("${test}" PROPERTIES LABELS "integration;differential")
  elseif(test MATCHES "^restart: " OR test MATCHES "^limits: a stalled reader ")
    set_tests_properties("${test}" PROPERTIES TIMEOUT 300)
  endif()
endforeach()
