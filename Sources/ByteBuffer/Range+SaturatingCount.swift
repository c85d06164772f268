extension Range where Bound == Int {
  /// The number of offsets in the range, or `Int.max` when that number does
  /// not fit in an `Int` (`Int.min..<Int.max`, say), where `count` traps.
  ///
  /// Error messages about caller-supplied ranges use it, so that reporting
  /// an absurd range throws instead of trapping on the arithmetic.
  var saturatingCount: Int {
    lowerBound < 0 && upperBound > Int.max + lowerBound ? Int.max : upperBound - lowerBound
  }
}
