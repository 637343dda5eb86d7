import Glibc

/// A bump allocator for the C structs of one message being encoded.
///
/// Lifetime: everything allocated lives until the arena is deinitialized, which the
/// encoder does right after protobuf-c has packed the message. Memory comes zeroed, which
/// is the "unset" state of every protobuf-c field. Not Sendable: one encode, one thread.
final class Arena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private static let blockSize = 4096

    init() {}

    deinit {
        for block in blocks { free(block) }
    }

    /// `size` zeroed bytes aligned to 8.
    func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let rounded = max((size + 7) & ~7, 8)
        if rounded > Self.blockSize / 4 {
            // Big allocations get their own block so they don't waste the current one.
            let block = calloc(1, rounded)!
            blocks.append(block)
            return block
        }
        if rounded > remaining {
            let block = calloc(1, Self.blockSize)!
            blocks.append(block)
            cursor = block
            remaining = Self.blockSize
        }
        let pointer = cursor!
        cursor = pointer + rounded
        remaining -= rounded
        return pointer
    }

    /// A NUL-terminated copy of `string`.
    func cString(_ string: String) -> UnsafeMutableRawPointer {
        var string = string
        return string.withUTF8 { utf8 in
            let pointer = allocate(utf8.count + 1)
            if let base = utf8.baseAddress { pointer.copyMemory(from: base, byteCount: utf8.count) }
            return pointer  // zeroed memory supplies the terminator
        }
    }
}
