# The source lists are written out in the CMakeLists.txt files, so that a file is built
# because someone listed it, and review sees every addition. The price of explicit
# lists is a file someone forgot to list: a test file that is never built runs nothing
# and fails nothing. mqtk_check_listed() makes that a configure error instead.

# Fails the configure step when a *.cpp directly in `dir` is missing from the list
# `sources` (full paths, or paths relative to the current source directory).
function(mqtk_check_listed dir sources)
  set(listed "")
  foreach(source IN LISTS sources)
    get_filename_component(full ${source} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND listed ${full})
  endforeach()
  file(GLOB present ${dir}/*.cpp)
  set(missing "")
  foreach(file IN LISTS present)
    if(NOT file IN_LIST listed)
      file(RELATIVE_PATH name ${PROJECT_SOURCE_DIR} ${file})
      list(APPEND missing ${name})
    endif()
  endforeach()
  if(missing)
    list(JOIN missing " " names)
    message(FATAL_ERROR "not in any source list: ${names} (list it beside the others "
                        "of its folder, or remove it)")
  endif()
endfunction()
