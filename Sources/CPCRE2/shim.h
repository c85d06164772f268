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

/// Arguments and result of one match run through `cpcre2_match_thunk`, so the
/// match can run inside CScanGuard's `csg_guarded_call` with only C frames
/// between the guard and the subject access.
typedef struct {
  const pcre2_code_8 *code;
  const unsigned char *subject;
  size_t length;
  size_t start;
  uint32_t options;
  int jit;
  pcre2_match_data_8 *match_data;
  pcre2_match_context_8 *context;
  int result;
} cpcre2_match_args;

/// Runs pcre2_jit_match_8 (when `jit` is set) or pcre2_match_8 with the
/// arguments in `context` (a `cpcre2_match_args *`) and stores the result.
static inline void cpcre2_match_thunk(void *context) {
  cpcre2_match_args *a = (cpcre2_match_args *)context;
  a->result = a->jit
    ? pcre2_jit_match_8(a->code, a->subject, a->length, a->start, a->options, a->match_data, a->context)
    : pcre2_match_8(a->code, a->subject, a->length, a->start, a->options, a->match_data, a->context);
}

/// What `cpcre2_verify_line` matches a line with (CScanGuard's csg_next_line
/// calls it inside its guarded scan).
typedef struct {
  const pcre2_code_8 *code;
  int jit;
  pcre2_match_data_8 *match_data;
  pcre2_match_context_8 *context;
} cpcre2_line_verifier;

/// Matches line[0, n) as its own subject with the verifier in `context` (a
/// `cpcre2_line_verifier *`): 1 on a match, 0 on none, -1 on any error (a
/// limit), which the caller reports by matching the line again itself.
/// `candidate` (where the prefilter's candidate lies) is not needed here.
static inline int cpcre2_verify_line(void *context, const unsigned char *line, size_t n, size_t candidate) {
  (void)candidate;
  cpcre2_line_verifier *v = (cpcre2_line_verifier *)context;
  int rc = v->jit ? pcre2_jit_match_8(v->code, line, n, 0, 0, v->match_data, v->context)
                  : pcre2_match_8(v->code, line, n, 0, 0, v->match_data, v->context);
  return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

/// Arguments and result of one pcre2_substitute_8 call run through
/// `cpcre2_substitute_thunk` under the scan guard.
typedef struct {
  const pcre2_code_8 *code;
  const unsigned char *subject;
  size_t length;
  uint32_t options;
  pcre2_match_data_8 *match_data;
  pcre2_match_context_8 *context;
  const unsigned char *replacement;
  size_t replacement_length;
  unsigned char *output;
  size_t output_length;
  int result;
} cpcre2_substitute_args;

/// Runs pcre2_substitute_8 with the arguments in `context`
/// (a `cpcre2_substitute_args *`); `output_length` is in/out as in PCRE2.
static inline void cpcre2_substitute_thunk(void *context) {
  cpcre2_substitute_args *a = (cpcre2_substitute_args *)context;
  a->result = pcre2_substitute_8(a->code, a->subject, a->length, 0, a->options, a->match_data,
                                 a->context, a->replacement, a->replacement_length, a->output,
                                 &a->output_length);
}

#endif
