/// google.protobuf.Duration as proto3 JSON writes it: seconds with 0, 3, 6 or 9 fraction
/// digits and an `s` suffix (`"1.5s"`, `"-0.010s"`). Range: ±315,576,000,000 seconds.
/// Bytes both ways, as `TimestampText`.
enum DurationText {
    static let maxSeconds: Int64 = 315_576_000_000
    /// The longest text `format` writes: `-315576000000.999999999s`.
    static let maxCount = 24

    /// Writes the text of a duration into `output` (at least `maxCount` bytes) and returns
    /// its length; nil when the duration is out of range or its signs disagree.
    static func format(seconds: Int64, nanos: Int32, into output: UnsafeMutableRawBufferPointer) -> Int? {
        // Ranges, not abs(): abs traps on Int64.min and Int32.min, which a backend can send.
        guard (-maxSeconds...maxSeconds).contains(seconds), (-999_999_999...999_999_999).contains(nanos),
            seconds == 0 || nanos == 0 || (seconds < 0) == (nanos < 0)
        else { return nil }
        var text = ASCIIText(output)
        if seconds < 0 || nanos < 0 { text.byte("-") }
        text.digits(Int64(seconds.magnitude), 1)
        text.fraction(Int32(nanos.magnitude))
        text.byte("s")
        return text.count
    }

    static func parse(_ b: UnsafeRawBufferPointer) -> (seconds: Int64, nanos: Int32)? {
        guard b.count >= 2, b[b.count - 1] == UInt8(ascii: "s") else { return nil }
        let end = b.count - 1
        let negative = b[0] == UInt8(ascii: "-")
        var index = negative ? 1 : 0
        let start = index
        var seconds: Int64 = 0
        while index < end, let digit = TimestampText.digit(b[index]) {
            seconds = seconds * 10 + digit
            guard seconds <= maxSeconds else { return nil }  // checked per digit: no overflow
            index += 1
        }
        guard index > start else { return nil }
        var nanos: Int64 = 0
        if index < end, b[index] == UInt8(ascii: ".") {
            guard let (value, fractionEnd) = TimestampText.fractionNanos(b, from: index + 1) else { return nil }
            nanos = value
            index = fractionEnd
        }
        guard index == end else { return nil }
        return negative ? (-seconds, Int32(-nanos)) : (seconds, Int32(nanos))
    }
}
