internal import CProtobufC
import Glibc

/// A bump allocator for the C structs of one message being encoded or decoded.
///
/// Lifetime: everything allocated lives until the arena is deinitialized, which the codec
/// does right after protobuf-c has packed the message, or after the unpacked message has
/// been rendered. Memory comes zeroed, which is the "unset" state of every protobuf-c
/// field. Blocks double in size, so a message of any size costs a handful of `malloc`s.
/// Not Sendable: one message, one thread.
final class Arena {
    /// The first block, apart so that a small message needs no array of blocks.
    private var firstBlock: UnsafeMutableRawPointer?
    private var blocks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    private var nextBlockSize: Int
    private static let maxBlockSize = 1 << 20

    /// - Parameter firstBlock: bytes of the first block; a good guess of the total saves the
    ///   later, larger blocks.
    init(firstBlock: Int = 2048) {
        nextBlockSize = min(max(firstBlock, 256), Self.maxBlockSize)
    }

    deinit {
        free(firstBlock)
        for block in blocks { free(block) }
    }

    private func newBlock(_ size: Int) -> UnsafeMutableRawPointer {
        let block = calloc(1, size)!
        if firstBlock == nil {
            firstBlock = block
        } else {
            blocks.append(block)
        }
        return block
    }

    /// `size` zeroed bytes aligned to 8.
    func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let rounded = max((size + 7) & ~7, 8)
        if rounded > remaining {
            if rounded > nextBlockSize / 4 {
                // Big allocations get their own block so they don't waste the current one.
                return newBlock(rounded)
            }
            let block = newBlock(nextBlockSize)
            cursor = block
            remaining = nextBlockSize
            nextBlockSize = min(nextBlockSize * 2, Self.maxBlockSize)
        }
        let pointer = cursor!
        cursor = pointer + rounded
        remaining -= rounded
        return pointer
    }

    /// A NUL-terminated copy of `utf8`.
    func cString(_ utf8: UnsafeRawBufferPointer) -> UnsafeMutableRawPointer {
        let pointer = allocate(utf8.count + 1)
        if let base = utf8.baseAddress { pointer.copyMemory(from: base, byteCount: utf8.count) }
        return pointer  // zeroed memory supplies the terminator
    }

    /// A NUL-terminated copy of `string`.
    func cString(_ string: String) -> UnsafeMutableRawPointer {
        var string = string
        return string.withUTF8 { cString(UnsafeRawBufferPointer($0)) }
    }

    /// Runs `body` with a protobuf-c allocator that draws from this arena, for
    /// `protobuf_c_message_unpack`: what it unpacks then lives (and dies) with the arena,
    /// and is never passed to `protobuf_c_message_free_unpacked`. Its `free` does nothing.
    ///
    /// Lifetime: the allocator (and the unretained pointer to this arena its callbacks
    /// hold) lives on the stack for the duration of `body` only; it must not escape it.
    /// protobuf-c calls it only inside `protobuf_c_message_unpack` and keeps no reference.
    func withAllocator<R, E: Error>(_ body: (UnsafeMutablePointer<ProtobufCAllocator>) throws(E) -> R) throws(E) -> R {
        var allocator = ProtobufCAllocator(
            alloc: { data, size in Unmanaged<Arena>.fromOpaque(data!).takeUnretainedValue().allocate(size) },
            free: { _, _ in },
            allocator_data: Unmanaged.passUnretained(self).toOpaque()
        )
        return try withExtendedLifetime(self) { () throws(E) -> R in try body(&allocator) }
    }
}
