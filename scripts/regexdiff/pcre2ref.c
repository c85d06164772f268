/*
 * pcre2ref: an independent PCRE2 front end for the RegexSearch differential
 * check (scripts/regexdiff.sh). It shares no code with RegexSearch: it reads
 * jobs from standard input and prints, for each, what plain PCRE2 finds.
 *
 * Job line (one per case, fields separated by one space):
 *   HEXPATTERN FLAGS NEWLINE JIT SUBJECTPATH OFFSETS
 * HEXPATTERN is the pattern's bytes in hex ("-" for an empty pattern); FLAGS is
 * "-" or letters: i caseless, m multiline, s dotall, x extended, u UTF (with
 * PCRE2_MATCH_INVALID_UTF), F literal, w whole words (GNU grep's wrapper
 * (?<!\w)(?:P)(?!\w)), X whole lines (^(?:P)$, wins over w); NEWLINE is lf, cr,
 * crlf, anycrlf or any; JIT is 0 or 1; OFFSETS is "-" or comma-separated
 * start offsets for single first-match searches.
 *
 * Output per job, one record a line, ending with ".":
 *   C code offset          compile error (then ".")
 *   G n                    capture count
 *   N name number          name table entries
 *   M s e s1 e1 ...        each match of pcre2demo's global loop over the whole
 *                          file (empty-match retry with NOTEMPTY_ATSTART|ANCHORED,
 *                          then advance one character: UTF-8 character, CR LF)
 *                          with every capture pair, -1 -1 for an unset group;
 *                          one deviation from pcre2demo: a retry match whose
 *                          attempt did not start at the retry offset counts as
 *                          no match (see the comment in the loop)
 *   X rc offset            the global loop stopped on an error (rc), in the
 *                          call that started at offset
 *   F offset s e ...       first match from offset (whole file as the subject),
 *   F offset -             or none, or
 *   F offset X rc          an error
 *   L number start end     a line (split at "\n", each line its own subject, as
 *                          grep and pcre2grep search) that matches
 *   Y rc number            a line whose match failed with an error; lines stop
 *
 * Build: cc -O2 -o pcre2ref pcre2ref.c $(pkg-config --cflags --libs libpcre2-8)
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *read_file(const char *path, size_t *length) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (n == cap) { cap *= 2; buf = realloc(buf, cap); }
    size_t got = fread(buf + n, 1, cap - n, f);
    if (got == 0) break;
    n += got;
  }
  fclose(f);
  *length = n;
  return buf;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* A growable byte string. */
typedef struct { unsigned char *p; size_t n, cap; } bytes;
static void put(bytes *b, const void *s, size_t n) {
  if (b->n + n > b->cap) { b->cap = (b->n + n) * 2 + 16; b->p = realloc(b->p, b->cap); }
  memcpy(b->p + b->n, s, n);
  b->n += n;
}
static void puts_(bytes *b, const char *s) { put(b, s, strlen(s)); }

static void print_match(const char *tag, PCRE2_SIZE *ov, int pairs) {
  fputs(tag, stdout);
  for (int i = 0; i < pairs; i++) {
    if (ov[2 * i] == PCRE2_UNSET) fputs(" -1 -1", stdout);
    else printf(" %zu %zu", (size_t)ov[2 * i], (size_t)ov[2 * i + 1]);
  }
  putchar('\n');
}

static void run_job(char *line) {
  char *fields[6];
  int nf = 0;
  for (char *tok = strtok(line, " \n"); tok && nf < 6; tok = strtok(NULL, " \n")) fields[nf++] = tok;
  if (nf != 6) { fprintf(stderr, "pcre2ref: bad job line\n"); exit(2); }
  const char *hex = fields[0], *flags = fields[1], *nl = fields[2];
  char *offsets = fields[5];
  int jit = atoi(fields[3]);

  bytes raw = {0};
  if (strcmp(hex, "-") != 0) {
    for (size_t i = 0; hex[i] && hex[i + 1]; i += 2) {
      unsigned char c = (unsigned char)(hexval(hex[i]) * 16 + hexval(hex[i + 1]));
      put(&raw, &c, 1);
    }
  }
#define FLAG(c) (strchr(flags, c) != NULL)
  int literal = FLAG('F'), words = FLAG('w'), whole = FLAG('X'), extended = FLAG('x');
  uint32_t options = 0;
  if (FLAG('i')) options |= PCRE2_CASELESS;
  if (FLAG('u')) options |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
  int wrapped = words || whole;
  if (!(literal && !wrapped)) {
    if (FLAG('m')) options |= PCRE2_MULTILINE;
    if (FLAG('s')) options |= PCRE2_DOTALL;
    if (extended) options |= PCRE2_EXTENDED;
  }
  bytes pat = {0};
  if (literal && !wrapped) {
    options |= PCRE2_LITERAL;
    put(&pat, raw.p ? raw.p : (unsigned char *)"", raw.n);
  } else {
    bytes body = {0};
    if (literal) {
      /* \Q...\E quoting, with each "\E" of the text written as \E\\E\Q. */
      puts_(&body, "\\Q");
      for (size_t i = 0; i < raw.n; i++) {
        if (raw.p[i] == '\\' && i + 1 < raw.n && raw.p[i + 1] == 'E') { puts_(&body, "\\E\\\\E\\Q"); i++; }
        else put(&body, raw.p + i, 1);
      }
      puts_(&body, "\\E");
    } else {
      put(&body, raw.p ? raw.p : (unsigned char *)"", raw.n);
    }
    if (whole) puts_(&pat, "^(?:");
    else if (words) puts_(&pat, "(?<!\\w)(?:");
    put(&pat, body.p ? body.p : (unsigned char *)"", body.n);
    if (wrapped && extended) puts_(&pat, "\n");
    if (whole) puts_(&pat, ")$");
    else if (words) puts_(&pat, ")(?!\\w)");
    free(body.p);
  }

  uint32_t newline = PCRE2_NEWLINE_LF;
  if (!strcmp(nl, "cr")) newline = PCRE2_NEWLINE_CR;
  else if (!strcmp(nl, "crlf")) newline = PCRE2_NEWLINE_CRLF;
  else if (!strcmp(nl, "anycrlf")) newline = PCRE2_NEWLINE_ANYCRLF;
  else if (!strcmp(nl, "any")) newline = PCRE2_NEWLINE_ANY;
  int crlf_is_newline = newline == PCRE2_NEWLINE_ANY || newline == PCRE2_NEWLINE_CRLF ||
                        newline == PCRE2_NEWLINE_ANYCRLF;
  int utf8 = (options & PCRE2_UTF) != 0;

  pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
  pcre2_set_newline(cc, newline);
  int errorcode;
  PCRE2_SIZE erroroffset;
  static const unsigned char empty[1] = {0};
  pcre2_code *re = pcre2_compile(pat.p ? pat.p : empty, pat.n, options, &errorcode, &erroroffset, cc);
  pcre2_compile_context_free(cc);
  free(raw.p);
  free(pat.p);
  if (!re) {
    printf("C %d %zu\n.\n", errorcode, (size_t)erroroffset);
    return;
  }
  pcre2_jit_stack *stack = NULL;
  pcre2_match_context *mc = pcre2_match_context_create(NULL);
  if (jit && pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0) {
    stack = pcre2_jit_stack_create(32 * 1024, 1 << 20, NULL);
    pcre2_jit_stack_assign(mc, NULL, stack);
  }
  uint32_t captures, namecount, entrysize;
  PCRE2_SPTR table;
  pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &captures);
  pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &namecount);
  pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &entrysize);
  pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
  printf("G %u\n", captures);
  for (uint32_t i = 0; i < namecount; i++) {
    PCRE2_SPTR e = table + i * entrysize;
    printf("N %s %d\n", (const char *)(e + 2), (e[0] << 8) | e[1]);
  }
  int pairs = (int)captures + 1;

  size_t length;
  unsigned char *file = read_file(fields[4], &length);
  PCRE2_SPTR subject = length ? file : empty;
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

  /* The global loop, as pcre2demo.c writes it (m0, m1: the previous match). */
  int rc = pcre2_match(re, subject, length, 0, 0, md, mc);
  if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) printf("X %d 0\n", rc);
  if (rc >= 0) {
    print_match("M", ov, pairs);
    PCRE2_SIZE m0 = ov[0], m1 = ov[1], startchar = pcre2_get_startchar(md);
    for (;;) {
      if (m0 > m1) { printf("X K %zu\n", (size_t)m0); break; }  /* \K put the start after the end */
      uint32_t opts = 0;
      PCRE2_SIZE start_offset = m1;
      if (m0 == m1) {
        if (m0 == length) break;
        opts = PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED;
      } else if (start_offset <= startchar) {
        if (startchar >= length) break;
        start_offset = startchar + 1;
        if (utf8) for (; start_offset < length; start_offset++) if ((subject[start_offset] & 0xc0) != 0x80) break;
      }
      rc = pcre2_match(re, subject, length, start_offset, opts, md, mc);
      /* PCRE2 10.42's interpreter (which pcre2_match runs for a match-time
         PCRE2_ANCHORED) moves on to the next valid fragment after an invalid
         UTF sequence with PCRE2_MATCH_INVALID_UTF, despite PCRE2_ANCHORED: an
         anchored retry whose attempt did not start at start_offset failed. */
      if (rc >= 0 && opts != 0 && pcre2_get_startchar(md) != start_offset) rc = PCRE2_ERROR_NOMATCH;
      if (rc == PCRE2_ERROR_NOMATCH) {
        if (opts == 0) break;
        m1 = start_offset + 1;
        if (crlf_is_newline && start_offset < length - 1 && subject[start_offset] == '\r' &&
            subject[start_offset + 1] == '\n')
          m1 += 1;
        else if (utf8)
          while (m1 < length && (subject[m1] & 0xc0) == 0x80) m1 += 1;
        /* m0 stays the empty match's start, so the next search is a fresh one from m1. */
        continue;
      }
      if (rc < 0) { printf("X %d %zu\n", rc, (size_t)start_offset); break; }
      print_match("M", ov, pairs);
      m0 = ov[0];
      m1 = ov[1];
      startchar = pcre2_get_startchar(md);
    }
  }

  /* First matches from given offsets. */
  if (strcmp(offsets, "-") != 0) {
    char *save = NULL;
    for (char *o = strtok_r(offsets, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
      size_t from = strtoul(o, NULL, 10);
      rc = pcre2_match(re, subject, length, from, 0, md, mc);
      if (rc == PCRE2_ERROR_NOMATCH) printf("F %zu -\n", from);
      else if (rc < 0) printf("F %zu X %d\n", from, rc);
      else { char tag[64]; snprintf(tag, sizeof tag, "F %zu", from); print_match(tag, ov, pairs); }
    }
  }

  /* Lines, each its own subject. */
  size_t number = 0;
  for (size_t start = 0; start < length;) {
    unsigned char *nlp = memchr(file + start, '\n', length - start);
    size_t end = nlp ? (size_t)(nlp - file) : length;
    number++;
    rc = pcre2_match(re, end > start ? file + start : empty, end - start, 0, 0, md, mc);
    if (rc >= 0) printf("L %zu %zu %zu\n", number, start, end);
    else if (rc != PCRE2_ERROR_NOMATCH) { printf("Y %d %zu\n", rc, number); break; }
    start = end + 1;
  }
  printf(".\n");
  free(file);
  pcre2_match_data_free(md);
  pcre2_match_context_free(mc);
  if (stack) pcre2_jit_stack_free(stack);
  pcre2_code_free(re);
}

int main(void) {
  static char line[1 << 20];
  while (fgets(line, sizeof line, stdin)) {
    run_job(line);
    fflush(stdout);
  }
  return 0;
}
