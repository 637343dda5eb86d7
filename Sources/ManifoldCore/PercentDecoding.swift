/// Percent-decoding (`%41` -> `A`), shared by URL path segments and gRPC's `grpc-message`.
public enum PercentDecoding {
    /// The decoded bytes of `text`. A `%` not followed by two hex digits is an error
    /// (`nil`) when `strict`, and kept as it came otherwise.
    public static func decode<S: StringProtocol>(_ text: S, strict: Bool) -> [UInt8]? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                if i + 2 < bytes.count,
                    let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2])
                {
                    out.append(high << 4 | low)
                    i += 3
                    continue
                }
                if strict { return nil }
            }
            out.append(bytes[i])
            i += 1
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
