/// google.protobuf.Duration as proto3 JSON writes it: seconds with 0, 3, 6 or 9 fraction
/// digits and an `s` suffix (`"1.5s"`, `"-0.010s"`). Range: ±315,576,000,000 seconds.
enum DurationText {
    static let maxSeconds: Int64 = 315_576_000_000

    static func format(seconds: Int64, nanos: Int32) -> String? {
        // Ranges, not abs(): abs traps on Int64.min and Int32.min, which a backend can send.
        guard (-maxSeconds...maxSeconds).contains(seconds), (-999_999_999...999_999_999).contains(nanos),
            seconds == 0 || nanos == 0 || (seconds < 0) == (nanos < 0)
        else { return nil }
        let negative = seconds < 0 || nanos < 0
        return (negative ? "-" : "") + String(seconds.magnitude) + TimestampText.fraction(Int32(nanos.magnitude)) + "s"
    }

    static func parse(_ text: String) -> (seconds: Int64, nanos: Int32)? {
        guard text.hasSuffix("s") else { return nil }
        var body = Substring(text.dropLast())
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit),
            let seconds = Int64(whole), seconds <= maxSeconds
        else { return nil }
        var nanos: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy(\.isASCIIDigit), let value = Int64(fraction) else {
                return nil
            }
            nanos = value
            for _ in fraction.count..<9 { nanos *= 10 }
        }
        return negative ? (-seconds, Int32(-nanos)) : (seconds, Int32(nanos))
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
