import NIOCore

/// What an nghttp2 session reported while reading bytes; delivered after `mem_recv` returns.
enum HTTP2SessionEvent {
    /// Which block of headers a HEADERS frame carried.
    enum HeadersKind {
        case request, response, trailers
    }

    case headers(streamID: Int32, kind: HeadersKind, fields: [HeaderField])
    case data(streamID: Int32, bytes: ByteBuffer)
    /// The peer set END_STREAM on a HEADERS or DATA frame.
    case endOfStream(streamID: Int32)
    /// The stream is gone; `errorCode` is the RST_STREAM code, 0 for a clean close.
    case streamClosed(streamID: Int32, errorCode: UInt32)
    case goAway(lastStreamID: Int32, errorCode: UInt32)
}
