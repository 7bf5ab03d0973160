// The doctest main, in its own translation unit (it is the slowest to build).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
