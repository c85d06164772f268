#!/usr/bin/env bash
# Runs the root test suite under AddressSanitizer and/or ThreadSanitizer, each
# with its own scratch path so the plain build is not disturbed.
#
#   scripts/sanitize.sh [address|thread|all]      (default: all)
#   SANITIZE_SCRATCH=.build-mine scripts/sanitize.sh address    (scratch .build-mine-address)
#   extra arguments after the first go to `swift test` (e.g. --filter Reliability)
#
# The tests see MBB_SANITIZER=address|thread; the few that cannot run under a
# sanitizer are disabled under that one only, each with its reason
# (grep MBB_SANITIZER Tests). Exit status: 0 when every run passed.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
shift || true
case $which in
  address) sanitizers=(address) ;;
  thread) sanitizers=(thread) ;;
  all) sanitizers=(address thread) ;;
  *) echo "usage: $0 [address|thread|all] [swift test arguments...]" >&2; exit 64 ;;
esac

scripts/ensure-deps.sh

# The Swift runtime's crash backtracer (used when a test traps on purpose, in
# exit tests) reads the crashed stack in a way ASan flags; the sanitizers
# print their own stacks.
export SWIFT_BACKTRACE=enable=no
# Leak checking is off: the Swift runtime's metadata caches and libdispatch's
# threads are never freed by design and would be reported at every exit.
# allocator_may_return_null (both): an impossible allocation (a resize to Int.max bytes)
# returns NULL as glibc's does, so the library's .system(ENOMEM) path runs
# instead of ASan aborting the whole run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-"detect_leaks=0:handle_sigbus=1:allow_user_segv_handler=1:allocator_may_return_null=1"}
# scripts/tsan.supp: TSan's blind spot for Synchronization.Mutex (the reason is in the file; none at present).
export TSAN_OPTIONS=${TSAN_OPTIONS:-"halt_on_error=0:second_deadlock_stack=1:allocator_may_return_null=1:suppressions=$PWD/scripts/tsan.supp"}
# Fewer open/map/search/close cycles: each is several times slower under a sanitizer.
export MBB_RELIABILITY_CYCLES=${MBB_RELIABILITY_CYCLES:-10000}

status=0
summary=()
for sanitizer in "${sanitizers[@]}"; do
  scratch="${SANITIZE_SCRATCH:-.build-sanitize}-$sanitizer"
  echo "== swift test --sanitize=$sanitizer (scratch $scratch)" >&2
  start=$(date +%s)
  if MBB_SANITIZER=$sanitizer swift test --sanitize="$sanitizer" --scratch-path "$scratch" "$@"; then
    result=passed
  else
    result=FAILED
    status=1
  fi
  elapsed=$(( $(date +%s) - start ))
  summary+=("$sanitizer: $result in $((elapsed / 60)) min $((elapsed % 60)) s")
done
printf '%s\n' "${summary[@]}" >&2
exit $status
