#!/usr/bin/env bash
# Builds the DocC documentation of each library (ByteBuffer, MappedBuffer,
# RegexSearch, LogFollow) with swiftlang/swift-docc-plugin, warnings treated as errors.
#
#   scripts/docs.sh                  all libraries
#   scripts/docs.sh RegexSearch      some of them
#
# The plugin is a dependency only while MMB_DOCS is set (see Package.swift), so
# packages that depend on this one never fetch it. The build uses its own
# scratch path (DOCS_SCRATCH, default .build-docs) and writes one archive per
# library to DOCS_OUTPUT (default .build-docs/archives/<Library>.doccarchive),
# both git-ignored. The archives are laid out for static hosting: serve one
# with any web server and open /documentation/<library in lower case>.
#
# Exit status: 0 when every library built with no warning at all (DocC's or the
# compiler's in this package's code); 1 otherwise, after trying every library.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCRATCH=${DOCS_SCRATCH:-.build-docs}
OUTPUT=${DOCS_OUTPUT:-$SCRATCH/archives}
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=(ByteBuffer MappedBuffer RegexSearch LogFollow); fi

scripts/ensure-deps.sh
export MMB_DOCS=1
mkdir -p "$OUTPUT"
start=$(date +%s)
status=0
for target in "${targets[@]}"; do
  echo "== documentation for $target" >&2
  log="$SCRATCH/docs-$target.log"
  rm -rf "${OUTPUT:?}/$target.doccarchive"
  failed=0
  if ! swift package --scratch-path "$SCRATCH" --allow-writing-to-directory "$OUTPUT" \
      generate-documentation --target "$target" --output-path "$OUTPUT/$target.doccarchive" \
      --warnings-as-errors >"$log" 2>&1; then
    failed=1
  fi
  # DocC's diagnostics, and compiler warnings in this package's code (not in
  # the checked-out dependencies), fail the build too.
  if grep -E '(^|: )(warning|error):' "$log" | grep -v '/checkouts/' >&2; then
    failed=1
  fi
  if [ "$failed" -ne 0 ]; then
    status=1
    echo "$target: FAILED (full output in $log)" >&2
  else
    echo "$target: $OUTPUT/$target.doccarchive" >&2
  fi
done
echo "docs built in $(( $(date +%s) - start )) s" >&2
if [ "$status" -ne 0 ]; then
  echo "documentation has warnings or errors (see above)" >&2
else
  echo "serve one with: python3 -m http.server -d '$ROOT/$OUTPUT/ByteBuffer.doccarchive' 8000" \
    "and open http://localhost:8000/documentation/bytebuffer" >&2
fi
exit $status
