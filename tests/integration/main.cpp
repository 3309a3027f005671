// doctest's main for the integration suite (real mqtk binary, real mosquitto).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
