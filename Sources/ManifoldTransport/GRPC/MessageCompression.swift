import CompressNIO
import ManifoldCore
import NIOCore

/// A `grpc-encoding` Manifold can read and write. Identity is the absence of one.
public enum MessageCompression: String, Sendable, CaseIterable {
    case gzip
    case deflate

    /// What we put in `grpc-accept-encoding`.
    static let acceptHeader = allCases.map(\.rawValue).joined(separator: ",")

    private var algorithm: CompressionAlgorithm {
        switch self {
        case .gzip: .gzip()
        case .deflate: .zlib()  // gRPC's "deflate" is zlib-wrapped (RFC 1950), as in HTTP
        }
    }

    func compress(_ message: ByteBuffer, allocator: ByteBufferAllocator) throws(TransportError) -> ByteBuffer {
        var input = message
        do {
            return try input.compress(with: algorithm, allocator: allocator)
        } catch {
            throw TransportError(.internalError, "cannot \(rawValue)-compress a message: \(error)")
        }
    }

    /// - Throws: RESOURCE_EXHAUSTED past `limit` bytes decompressed (a zip bomb stops
    ///   there), INTERNAL for corrupt data.
    func decompress(_ message: ByteBuffer, limit: Int, allocator: ByteBufferAllocator) throws(TransportError) -> ByteBuffer {
        var input = message
        let tooLarge = TransportError(.resourceExhausted, "a \(rawValue)-compressed message is larger than the \(limit)-byte limit once decompressed")
        do {
            // One byte of headroom: CompressNIO stops at its limit even when the data ends there.
            let output = try input.decompress(with: algorithm, maxSize: limit + 1, allocator: allocator)
            guard output.readableBytes <= limit else { throw tooLarge }
            return output
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw tooLarge
        } catch let error as TransportError {
            throw error
        } catch {
            throw TransportError(.internalError, "a \(rawValue)-compressed message does not decompress: \(error)")
        }
    }
}
