// The header declares a function that libFuzzer (linked by -sanitize=fuzzer) defines;
// SwiftPM needs at least one source file in a C target.
#include "CFuzzDriver.h"
