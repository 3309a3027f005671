# Included by ctest after the discovered mqtk_integration tests (see cmake/Install.cmake):
# labels the documentation and packaging tests (tests/integration/docs_test.cpp, named
# "docs: ...") `docs`, and the one that runs cpack also `packaging`, besides `integration`.
#   ctest -L docs        the man page, the completions, install and package
#   ctest -LE packaging  everything but cpack
foreach(test IN LISTS mqtk_integration_TESTS)
  if(test MATCHES "^docs: the Debian package")
    set_tests_properties("${test}" PROPERTIES LABELS "integration;docs;packaging")
  elseif(test MATCHES "^docs: ")
    set_tests_properties("${test}" PROPERTIES LABELS "integration;docs")
  endif()
endforeach()
