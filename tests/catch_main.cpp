// The Catch2 main lives alone in this translation unit so that it compiles
// once (about 30 s) instead of once per suite.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
