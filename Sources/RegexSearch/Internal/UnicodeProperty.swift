/// What the pattern readers know of PCRE2's Unicode properties (`\p{Lu}`,
/// `\pL`, `\p{Cyrillic}`) in UTF mode: the properties no `"\n"` has (it is a
/// control character, in the Common script) and their ASCII members. Each of
/// them also has members beyond ASCII, characters of two to four bytes, whose
/// first byte is one of 0xC2...0xF4 and whose last byte is one of 0x80...0xBF
/// (PCRE2 with `PCRE2_MATCH_INVALID_UTF` matches only valid characters).
/// Caseless matching does not change what a property matches (pcre2pattern:
/// "`\p{Lu}` always matches only upper case letters").
enum UnicodeProperty {
  /// The ASCII members of each property read, by name as PCRE2 compares
  /// names: lowercase, without spaces, `_` or `-`. Checked against PCRE2 in
  /// `UnicodePropertyTests`.
  static let asciiMembers: [String: String] = {
    let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", lower = "abcdefghijklmnopqrstuvwxyz", digits = "0123456789"
    let letters = upper + lower
    var table: [String: String] = [
      "lu": upper, "ll": lower, "lt": "", "lm": "", "lo": "", "l": letters, "l&": letters, "lc": letters,
      "m": "", "mn": "", "mc": "", "me": "", "n": digits, "nd": digits, "nl": "", "no": "",
      "p": "!\"#%&'()*,-./:;?@[\\]_{}", "pc": "_", "pd": "-", "ps": "([{", "pe": ")]}", "pi": "", "pf": "",
      "po": "!\"#%&'*,./:;?@\\", "s": "$+<=>^`|~", "sm": "+<=>|~", "sc": "$", "sk": "^`", "so": "",
      "z": " ", "zs": " ", "zl": "", "zp": "",
      // Not Xuc: PCRE2 10.42 matches it on invalid bytes (`x\p{Xuc}` matches "x\x80"), not on characters only.
      "xan": letters + digits, "xwd": letters + digits + "_",
      "latin": letters, "latn": letters,
    ]
    for script in ["greek", "grek", "cyrillic", "cyrl", "han", "hani", "arabic", "arab", "hebrew", "hebr", "hiragana",
                   "hira", "katakana", "kana", "hangul", "hang", "thai", "devanagari", "deva", "armenian", "armn",
                   "georgian", "geor"] {
      table[script] = ""
    }
    return table
  }()

  /// The bytes a character of more than one byte may start with, and end with.
  static let leadBytes: ClassSequence.ByteSet = { var s = ClassSequence.ByteSet(); s.insert(0xC2...0xF4); return s }()
  static let continuationBytes: ClassSequence.ByteSet = {
    var s = ClassSequence.ByteSet()
    s.insert(0x80...0xBF)
    return s
  }()

  /// Reads `\p{Name}` or `\pL` at `pattern[i...]` (`i` at the backslash): the
  /// ASCII members of a property in `asciiMembers` and the index just past
  /// it; `nil` for anything else (`\P`, `\p{^…}`, other properties).
  static func read(_ pattern: [UInt8], at i: Int) -> (members: ClassSequence.ByteSet, end: Int)? {
    guard i + 2 < pattern.count, pattern[i] == UInt8(ascii: "\\"), pattern[i + 1] == UInt8(ascii: "p") else { return nil }
    var name: [UInt8] = []
    var end: Int
    if pattern[i + 2] != UInt8(ascii: "{") {
      name = [pattern[i + 2] | 0x20]
      end = i + 3
    } else {
      end = i + 3
      while end < pattern.count && pattern[end] != UInt8(ascii: "}") {
        let c = pattern[end]
        if c != UInt8(ascii: " ") && c != UInt8(ascii: "_") && c != UInt8(ascii: "-") {
          name.append(c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | 0x20 : c)
        }
        end += 1
      }
      guard end < pattern.count else { return nil }
      end += 1
    }
    guard let members = asciiMembers[String(decoding: name, as: UTF8.self)] else { return nil }
    var set = ClassSequence.ByteSet()
    for b in members.utf8 { set.insert(b) }
    return (set, end)
  }
}
