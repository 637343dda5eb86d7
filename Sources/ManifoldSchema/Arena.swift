internal import CProtobufC
import Glibc

/// A bump allocator for the C structs of one message being encoded or decoded.
///
/// Scoped: `Arena.with(expectedBytes:) { arena in ... }` is the only way to get one, and the
/// arena (a handle to state on the stack) and everything allocated from it are valid only
/// inside that closure; the codec packs the message or renders the unpacked one before it
/// returns. The first kilobyte is on the stack, so a small message allocates nothing; past
/// that, heap blocks (the first sized by `expectedBytes`, then doubling) are freed when the
/// closure returns. Memory comes zeroed, which is the "unset" state of every protobuf-c
/// field. Not Sendable: one message, one thread.
struct Arena {
    private struct State {
        var cursor: UnsafeMutableRawPointer
        var remaining: Int
        var nextBlockSize: Int
        /// The newest heap block; each block's first word points to the one before it.
        var heapBlocks: UnsafeMutableRawPointer?
    }

    /// On the stack of `with`, which outlives every copy of this handle.
    private let state: UnsafeMutablePointer<State>

    /// Bytes on the stack: a constant at most 1 KiB is always stack-allocated by
    /// `withUnsafeTemporaryAllocation`, with no check of how much stack is left.
    private static let stackBlockSize = 1024
    private static let maxBlockSize = 1 << 20
    /// Room for the link to the previous block, keeping 16-byte alignment.
    private static let linkSize = 16

    /// Runs `body` with a fresh arena.
    /// - Parameter expectedBytes: a guess of the total; when it is right, everything past the
    ///   stack block is one heap block.
    static func with<R, E: Error>(expectedBytes: Int, _ body: (Arena) throws(E) -> R) throws(E) -> R {
        try withUnsafeTemporaryAllocation(byteCount: stackBlockSize, alignment: 16) { (stack) throws(E) -> R in
            var state = State(
                cursor: stack.baseAddress!, remaining: stackBlockSize,
                nextBlockSize: min(max(expectedBytes, 2 * stackBlockSize), maxBlockSize),
                heapBlocks: nil)
            return try withUnsafeMutablePointer(to: &state) { (state) throws(E) -> R in
                defer {
                    var block = state.pointee.heapBlocks
                    while let current = block {
                        block = current.load(as: UnsafeMutableRawPointer?.self)
                        free(current)
                    }
                }
                return try body(Arena(state: state))
            }
        }
    }

    /// `size` zeroed bytes aligned to 8.
    func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let rounded = max((size + 7) & ~7, 8)
        if rounded > state.pointee.remaining {
            let blockSize = state.pointee.nextBlockSize
            if rounded > blockSize / 4 {
                // Big allocations get their own block so they don't waste the current one.
                return newBlock(rounded)
            }
            state.pointee.cursor = newBlock(blockSize)
            state.pointee.remaining = blockSize
            state.pointee.nextBlockSize = min(blockSize * 2, Self.maxBlockSize)
        }
        let pointer = state.pointee.cursor
        state.pointee.cursor = pointer + rounded
        state.pointee.remaining -= rounded
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: rounded)
        return pointer
    }

    /// A heap block of `size` usable bytes, linked so that `with` frees it.
    private func newBlock(_ size: Int) -> UnsafeMutableRawPointer {
        let block = malloc(Self.linkSize + size)!
        block.storeBytes(of: state.pointee.heapBlocks, as: UnsafeMutableRawPointer?.self)
        state.pointee.heapBlocks = block
        return block + Self.linkSize
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
    /// Lifetime: the allocator (and the pointer to this arena's state its callbacks hold)
    /// lives on the stack for the duration of `body` only; it must not escape it.
    /// protobuf-c calls it only inside `protobuf_c_message_unpack` and keeps no reference.
    func withAllocator<R, E: Error>(_ body: (UnsafeMutablePointer<ProtobufCAllocator>) throws(E) -> R) throws(E) -> R {
        var allocator = ProtobufCAllocator(
            alloc: { data, size in Arena(state: data!.assumingMemoryBound(to: State.self)).allocate(size) },
            free: { _, _ in },
            allocator_data: UnsafeMutableRawPointer(state)
        )
        return try body(&allocator)
    }
}
