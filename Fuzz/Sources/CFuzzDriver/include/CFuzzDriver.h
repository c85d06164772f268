#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H

// libFuzzer's entry point for programs that keep their own `main`
// (https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library).
// SwiftPM names an executable's entry point `<Target>_main` and aliases
// `main` to it, so the fuzz targets call this from main.swift instead of
// relying on the `main` inside libFuzzer.

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
