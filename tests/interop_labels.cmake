# Included by ctest after the discovered mqtk_integration tests (see tests/CMakeLists.txt):
# labels the interoperability matrix `interop`, besides `integration`, and gives it more
# time than the other integration tests: the RabbitMQ row starts an Erlang node (about
# 12 s, more on a loaded machine) before its eight cells.
foreach(test IN LISTS mqtk_integration_TESTS)
  if(test MATCHES "^interop: ")
    set_tests_properties("${test}" PROPERTIES LABELS "integration;interop" TIMEOUT 300)
  endif()
endforeach()
