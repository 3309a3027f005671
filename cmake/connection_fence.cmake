# The connection fence (docs/design.md, "Rules"): Paho, OpenSSL and the libc/OpenSSL hooks
# are private to core/connection/, whose public headers are the ones directly in that
# folder. Outside core/connection/ no file may include
#   - a header under core/connection/private/ or core/connection/hooks/,
#   - a Paho header (<mqtt/...>, or Paho C's MQTT*.h), or an OpenSSL one (<openssl/...>),
# unless a CMakeLists.txt named it a friend with mqtk_connection_friend() (the unit tests
# of the private parts, the fuzz target of its parser).
#
# Checked twice, so that the rule cannot drift: at configure time (mqtk_check_connection_
# fence(), called by the top CMakeLists.txt after its subdirectories named their friends),
# and by the ctest test `connection_fence`, which runs this file as a script
# (cmake -DSOURCE_DIR=... -DSCAN=a|b -DFRIENDS=c|d -P connection_fence.cmake), so that an
# include added since the last configure fails the next test run.

set(MQTK_CONNECTION_FENCE_SCRIPT ${CMAKE_CURRENT_LIST_FILE})

# Lets `path` (a file or folder, relative to the source root) include what is private to
# the connection library.
function(mqtk_connection_friend path)
  set_property(GLOBAL APPEND PROPERTY MQTK_CONNECTION_FRIENDS ${path})
endfunction()

# Lets the fence look into `folder` (relative to the source root): every folder whose
# sources are built is scanned.
function(mqtk_connection_fence_scan folder)
  set_property(GLOBAL APPEND PROPERTY MQTK_CONNECTION_FENCE_SCAN ${folder})
endfunction()

# Fails (FATAL_ERROR) naming each include that crosses the fence.
function(mqtk_connection_fence_violations source_dir scan friends)
  set(patterns "")
  foreach(folder IN LISTS scan)
    list(APPEND patterns ${source_dir}/${folder}/*.cpp ${source_dir}/${folder}/*.h)
  endforeach()
  file(GLOB_RECURSE files RELATIVE ${source_dir} ${patterns})
  set(violations "")
  foreach(file IN LISTS files)
    if(file MATCHES "^core/connection/")
      continue()
    endif()
    set(friend FALSE)
    foreach(allowed IN LISTS friends)
      if(file STREQUAL allowed OR file MATCHES "^${allowed}/")
        set(friend TRUE)
      endif()
    endforeach()
    if(friend)
      continue()
    endif()
    file(STRINGS ${source_dir}/${file} includes REGEX "^[ \t]*#[ \t]*include")
    foreach(include IN LISTS includes)
      if(include MATCHES "core/connection/(private|hooks)/|<mqtt/|[<\"]MQTT[A-Za-z0-9_]*\\.h[>\"]|<openssl/")
        string(STRIP "${include}" include)
        list(APPEND violations "  ${file}: ${include}\n")
      endif()
    endforeach()
  endforeach()
  if(violations)
    string(JOIN "" lines ${violations})
    message(FATAL_ERROR "Paho, OpenSSL and the connection's private headers are for "
                        "core/connection/ only (docs/design.md, \"Rules\"); include "
                        "core/connection/client.h instead:\n${lines}")
  endif()
endfunction()

# The configure-time check, and the ctest test that repeats it.
function(mqtk_check_connection_fence)
  get_property(scan GLOBAL PROPERTY MQTK_CONNECTION_FENCE_SCAN)
  get_property(friends GLOBAL PROPERTY MQTK_CONNECTION_FRIENDS)
  mqtk_connection_fence_violations(${PROJECT_SOURCE_DIR} "${scan}" "${friends}")
  if(BUILD_TESTING)
    string(REPLACE ";" "|" scan_arg "${scan}")
    string(REPLACE ";" "|" friends_arg "${friends}")
    add_test(NAME connection_fence
             COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DSCAN=${scan_arg}
                     -DFRIENDS=${friends_arg} -P ${MQTK_CONNECTION_FENCE_SCRIPT})
    set_tests_properties(connection_fence PROPERTIES LABELS unit)
  endif()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  string(REPLACE "|" ";" scan "${SCAN}")
  string(REPLACE "|" ";" friends "${FRIENDS}")
  mqtk_connection_fence_violations(${SOURCE_DIR} "${scan}" "${friends}")
endif()
