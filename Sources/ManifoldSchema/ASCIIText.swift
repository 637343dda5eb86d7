/// ASCII written into a caller's buffer, which must be long enough: timestamps and durations,
/// the texts written this way, have a known maximum length.
struct ASCIIText {
    private let output: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ output: UnsafeMutableRawBufferPointer) { self.output = output }

    mutating func byte(_ ascii: Unicode.Scalar) {
        output[count] = UInt8(ascii: ascii)
        count += 1
    }

    /// `value` (not negative) in decimal, zero-padded to at least `width` digits.
    mutating func digits(_ value: Int64, _ width: Int) {
        var digitCount = 1
        var rest = value / 10
        while rest > 0 {
            rest /= 10
            digitCount += 1
        }
        for _ in digitCount..<max(width, digitCount) { byte("0") }
        var value = value
        count += digitCount
        var index = count
        repeat {
            index -= 1
            output[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        } while value > 0
    }

    /// 0, 3, 6 or 9 fraction digits after a point: the fewest that show `nanos` exactly.
    mutating func fraction(_ nanos: Int32) {
        let nanos = Int64(nanos)
        if nanos == 0 { return }
        byte(".")
        if nanos % 1_000_000 == 0 {
            digits(nanos / 1_000_000, 3)
        } else if nanos % 1000 == 0 {
            digits(nanos / 1000, 6)
        } else {
            digits(nanos, 9)
        }
    }
}
