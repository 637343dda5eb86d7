/// Up to eight bytes sent ahead of a body's buffer, so the buffer is queued as the caller
/// gave it rather than copied in behind them (gRPC's 5-byte length prefix before a message).
struct BodyPrefix {
    /// The bytes in order, the first in the lowest eight bits.
    private var storage: UInt64 = 0
    private var count = 0
    /// How many of them nghttp2 has already taken.
    private var sent = 0

    var isEmpty: Bool { sent == count }

    /// Adds `value`'s bytes, most significant first (network order).
    mutating func append<Value: FixedWidthInteger & UnsignedInteger>(bigEndian value: Value) {
        let width = Value.bitWidth / 8
        precondition(count + width <= 8, "a body prefix holds at most 8 bytes")
        for index in 0..<width {
            let byte = UInt64(truncatingIfNeeded: value >> ((width - 1 - index) * 8)) & 0xFF
            storage |= byte << (8 * (count + index))
        }
        count += width
    }

    /// Copies up to `length` bytes not yet sent to `destination`; returns how many.
    mutating func read(into destination: UnsafeMutableRawPointer, length: Int) -> Int {
        let copied = min(length, count - sent)
        guard copied > 0 else { return 0 }
        withUnsafeBytes(of: storage.littleEndian) { bytes in
            destination.copyMemory(from: bytes.baseAddress! + sent, byteCount: copied)
        }
        sent += copied
        return copied
    }
}
