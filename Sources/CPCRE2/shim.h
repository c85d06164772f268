#ifndef CPCRE2_SHIM_H
#define CPCRE2_SHIM_H

// The 8-bit code-unit width must be set before pcre2.h. Swift cannot import the
// width-generic macros (pcre2_compile, PCRE2_SIZE, ...): call the _8 functions,
// and use the wrappers below for the macros Swift cannot see.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/// PCRE2_UNSET: an unset ovector entry (Swift sees Int(-1) via bitPattern).
static inline size_t cpcre2_unset(void) { return PCRE2_UNSET; }
/// PCRE2_ZERO_TERMINATED: the pattern length that means "NUL-terminated".
static inline size_t cpcre2_zero_terminated(void) { return PCRE2_ZERO_TERMINATED; }

#endif
