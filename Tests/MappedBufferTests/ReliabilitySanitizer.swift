#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The sanitizer `scripts/sanitize.sh` runs the suite under ("address" or
/// "thread", from `MBB_SANITIZER`); `nil` in a plain `swift test`.
let reliabilitySanitizer: String? = getenv("MBB_SANITIZER").map { String(cString: $0) }

extension Trait where Self == ConditionTrait {
  /// Disables a test only when the suite runs under `sanitizer`
  /// (`scripts/sanitize.sh` sets `MBB_SANITIZER`), for the reason given.
  ///
  /// - Parameters:
  ///   - sanitizer: "address" or "thread".
  ///   - reason: Why the test cannot run under that sanitizer.
  static func disabled(underSanitizer sanitizer: String, _ reason: Comment) -> Self {
    .disabled(if: reliabilitySanitizer == sanitizer, reason)
  }
}
