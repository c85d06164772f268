// The C baseline: a plain PCRE2 JIT match loop over a read-only mapping of a file.
// It prints the number of (non-overlapping) matches, the way `Pattern.count(in:)` counts,
// so the Swift library's overhead can be read as a ratio against it.
//
//   cc -O2 -o pcre2_loop pcre2_loop.c -lpcre2-8
//   ./pcre2_loop [-i] PATTERN FILE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <fcntl.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
  int arg = 1;
  if (arg < argc && strcmp(argv[arg], "-i") == 0) { options |= PCRE2_CASELESS; arg++; }
  if (argc - arg != 2) { fprintf(stderr, "usage: pcre2_loop [-i] PATTERN FILE\n"); return 2; }
  const char *pattern = argv[arg], *path = argv[arg + 1];

  int error; PCRE2_SIZE erroroffset;
  pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, options, &error, &erroroffset, NULL);
  if (!code) { PCRE2_UCHAR msg[256]; pcre2_get_error_message(error, msg, sizeof msg); fprintf(stderr, "%s\n", msg); return 2; }
  if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) != 0) { fprintf(stderr, "JIT unavailable\n"); return 2; }
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
  pcre2_jit_stack *stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
  pcre2_match_context *mc = pcre2_match_context_create(NULL);
  pcre2_jit_stack_assign(mc, NULL, stack);

  int fd = open(path, O_RDONLY);
  if (fd < 0) { perror(path); return 2; }
  struct stat st; fstat(fd, &st);
  size_t n = (size_t)st.st_size;
  const unsigned char *p = n ? mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0) : (const unsigned char *)"";
  if (p == MAP_FAILED) { perror("mmap"); return 2; }
  if (n) madvise((void *)p, n, MADV_SEQUENTIAL);

  size_t count = 0, offset = 0;
  uint32_t flags = 0;
  while (offset <= n) {
    int rc = pcre2_jit_match(code, p, n, offset, flags, md, mc);
    if (rc == PCRE2_ERROR_NOMATCH) {
      if (flags == 0) break;
      flags = 0; offset++;            // empty match retry failed: advance one byte
      continue;
    }
    if (rc < 0) { fprintf(stderr, "match error %d at %zu\n", rc, offset); return 2; }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    count++;
    offset = ov[1];
    flags = ov[0] == ov[1] ? (PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED) : 0;
  }
  printf("%zu\n", count);
  return 0;
}
