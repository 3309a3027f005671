# Where `cmake --install` puts the shell completions (the binary and the man page have
# their own install() rules), and the Debian package CPack builds from that tree:
#   cmake --build build && (cd build && cpack)   ->  build/mqtk_<version>_<arch>.deb
# Included at the end of the top-level CMakeLists.txt.
include(GNUInstallDirs)

# The directories Debian's bash-completion, zsh and fish load completions from.
install(FILES ${PROJECT_SOURCE_DIR}/completions/mqtk.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME mqtk)
install(FILES ${PROJECT_SOURCE_DIR}/completions/_mqtk
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${PROJECT_SOURCE_DIR}/completions/mqtk.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
# The licence (MIT), where Debian looks for a package's copyright: /usr/share/doc/mqtk/copyright.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

# `cpack` (and `make install`) package what the last build produced instead of building
# `all` first: the packaging test runs cpack from inside ctest, where a rebuild of the
# tree under the running tests must not happen. Build first: cmake --build build.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# The .deb. Its dependencies are the Debian 12 packages of the shared libraries mqtk is
# linked against (`readelf -d build/mqtk | grep NEEDED`, then `dpkg -S` on each library),
# and of those of the protobuf module it loads (build/mqtk_protobuf.so, in lib/mqtk/),
# with the minimum versions dpkg-shlibdeps reports. A new library means a new entry here;
# the packaging test (tests/integration/docs_test.cpp) fails until it is added.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mqtk)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_VENDOR "mqtk maintainers")
set(CPACK_PACKAGE_CONTACT "mqtk maintainers <maintainers@users.noreply.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "command-line MQTT toolkit: publish, subscribe, echo and benchmark")
set(CPACK_PACKAGE_DESCRIPTION
    "mqtk talks MQTT 3.1, 3.1.1 and 5 over TCP, TLS and WebSockets. Its pub and sub
commands are drop-in replacements for mosquitto_pub and mosquitto_sub, with JSON
Lines capture and replay and CI-friendly waiting (--expect, --ready-file); echo is
a loopback that reports round-trip times through the broker.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # the build keeps its debug information; the package does not
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # mqtk_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.34), libcpp-httplib0.11 (>= 0.11.4), libfmt9 (>= 9.1.0+ds1), libgcc-s1 (>= 3.0), libpaho-mqtt1.3 (>= 1.3.0), libpaho-mqttpp3-1 (>= 1.2.0), libprotobuf32 (>= 3.21.12), libssl3 (>= 3.0.0), libstdc++6 (>= 12)")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto, mosquitto-clients")
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)  # fast to build in the packaging test
include(CPack)

# ctest labels for the tests of the above (tests/integration/docs_test.cpp): `docs`, and
# `packaging` for the one that runs cpack. The tests exist only once ctest has listed the
# test binary, so a script included after them sets the labels.
if(MQTK_BUILD_TESTS)
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR}/tests APPEND PROPERTY TEST_INCLUDE_FILES
               ${PROJECT_SOURCE_DIR}/cmake/docs_labels.cmake)
endif()
