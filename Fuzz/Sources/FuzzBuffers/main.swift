import CFuzzDriver
import Glibc

// Hands control to libFuzzer, which parses its own flags (-max_total_time=, -runs=, corpus
// directories, crash files to replay) and calls fuzzBuffers(_:_:) with each input.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzBuffers(data, size) })
