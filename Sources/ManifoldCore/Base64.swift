/// Base64 as the proto3 JSON mapping uses it: standard alphabet with padding on output;
/// standard or URL-safe, padded or not, on input.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    public static func encode<C: Collection<UInt8>>(_ bytes: C) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        encode(bytes, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the base64 text of `bytes` to `out`, padded.
    public static func encode<C: Collection<UInt8>>(_ bytes: C, into out: inout [UInt8]) {
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            out.append(b1.map { alphabet[Int(($0 & 0x0F) << 2 | (b2 ?? 0) >> 6)] } ?? UInt8(ascii: "="))
            out.append(b2.map { alphabet[Int($0 & 0x3F)] } ?? UInt8(ascii: "="))
        }
    }

    /// The decoded bytes, or nil when `text` is not base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { utf8 -> [UInt8]? in
            var count: Int? = 0
            let bytes = [UInt8](unsafeUninitializedCapacity: maxDecodedCount(utf8.count)) { buffer, initialized in
                count = decode(UnsafeRawBufferPointer(utf8), into: UnsafeMutableRawPointer(buffer.baseAddress!))
                initialized = count ?? 0
            }
            return count == nil ? nil : bytes
        }
    }

    /// The most bytes `count` characters of base64 decode to.
    public static func maxDecodedCount(_ count: Int) -> Int { count / 4 * 3 + 3 }

    /// Decodes `text` into `out`, which has room for `maxDecodedCount(text.count)` bytes.
    /// - Returns: the number of bytes decoded, or nil when `text` is not base64.
    public static func decode(_ text: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> Int? {
        var length = text.count
        while length > 0, text[length - 1] == UInt8(ascii: "=") { length -= 1 }
        guard length % 4 != 1 else { return nil }
        var written = 0
        var accumulator: UInt32 = 0
        var bits = 0
        for c in text[0..<length] {
            let value = decodeTable[Int(c)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.storeBytes(of: UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)), toByteOffset: written, as: UInt8.self)
                written += 1
            }
        }
        return written
    }
}
