import Glibc

/// Strings for the header names and values gRPC peers send on every call (`content-type`,
/// `application/grpc`, `grpc-status`, `0`, ...), so receiving them costs a length switch and
/// a compare, not a new `String` (those over 15 bytes would each be an allocation). Anything
/// else is decoded as it comes.
enum HeaderText {
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        func equals(_ literal: StaticString) -> Bool {
            memcmp(bytes.baseAddress!, literal.utf8Start, bytes.count) == 0
        }
        switch bytes.count {
        case 1: if equals("0") { return "0" }
        case 2: if equals("te") { return "te" }
        case 3: if equals("200") { return "200" }
        case 4:
            if equals("POST") { return "POST" }
            if equals("gzip") { return "gzip" }
            if equals("http") { return "http" }
        case 5:
            if equals(":path") { return ":path" }
            if equals("https") { return "https" }
        case 7:
            if equals(":status") { return ":status" }
            if equals(":method") { return ":method" }
            if equals(":scheme") { return ":scheme" }
            if equals("deflate") { return "deflate" }
        case 8:
            if equals("identity") { return "identity" }
            if equals("trailers") { return "trailers" }
        case 10:
            if equals(":authority") { return ":authority" }
            if equals("user-agent") { return "user-agent" }
        case 11: if equals("grpc-status") { return "grpc-status" }
        case 12:
            if equals("content-type") { return "content-type" }
            if equals("grpc-message") { return "grpc-message" }
            if equals("grpc-timeout") { return "grpc-timeout" }
        case 13: if equals("grpc-encoding") { return "grpc-encoding" }
        case 14: if equals("content-length") { return "content-length" }
        case 16: if equals("application/grpc") { return "application/grpc" }
        case 20: if equals("grpc-accept-encoding") { return "grpc-accept-encoding" }
        case 21: if equals("identity,deflate,gzip") { return "identity,deflate,gzip" }
        default: break
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
