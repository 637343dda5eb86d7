extension JSONReader {
    /// The whole number that well-formed number text spells exactly, in any notation
    /// (`42`, `1e2`, `1.50e1`, `0.0`), or nil when it is not whole, does not fit 64 bits, or
    /// is a negative zero.
    ///
    /// Worked out in decimal, not through a `Double`: `-9223372036854775808.5` and
    /// `-9223372036854775809` both round to the double -2^63, which would read as
    /// `Int64.min`, and `1e2` must be the integer 100 whatever floating point makes of it
    /// (proto3 JSON accepts exponent notation for integer fields).
    static func exactInteger(_ text: UnsafeRawBufferPointer) -> JSONNumber? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index += 1 }
        let integerStart = index
        while index < text.count, isDigit(text[index]) { index += 1 }
        let integerCount = index - integerStart
        var fractionStart = index
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            while index < text.count, isDigit(text[index]) { index += 1 }
        }
        let fractionCount = index - fractionStart
        var exponent = 0
        if index < text.count, text[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            let exponentNegative = text[index] == UInt8(ascii: "-")
            if text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") { index += 1 }
            while index < text.count {
                // Saturates: past 10^4 the answer no longer depends on the exact exponent.
                exponent = min(exponent * 10 + Int(text[index] &- UInt8(ascii: "0")), 10_000)
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        // The digits of the integer and fraction parts read as one run.
        let digitCount = integerCount + fractionCount
        func digit(_ i: Int) -> UInt8 {
            (i < integerCount ? text[integerStart + i] : text[fractionStart + i - integerCount]) &- UInt8(ascii: "0")
        }
        guard let first = (0..<digitCount).first(where: { digit($0) != 0 }) else {
            return negative ? nil : JSONNumber(Int64(0))  // -0.0 stays a double: its sign matters there
        }
        let last = (0..<digitCount).last(where: { digit($0) != 0 })!
        // value = digits[first...last] × 10^scale
        let scale = exponent - fractionCount + (digitCount - 1 - last)
        guard scale >= 0, last - first + 1 + scale <= 20 else { return nil }  // not whole, or > 20 digits
        var magnitude: UInt64 = 0
        for i in first...last {
            let (times10, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times10.addingReportingOverflow(UInt64(digit(i)))
            guard !overflow, !carry else { return nil }
            magnitude = sum
        }
        for _ in 0..<scale {
            let (times10, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            magnitude = times10
        }
        guard negative else { return JSONNumber(magnitude) }
        guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
        return JSONNumber(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}
