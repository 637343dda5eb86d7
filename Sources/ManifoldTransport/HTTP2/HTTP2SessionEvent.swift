import NIOCore

/// What an nghttp2 session reported while reading or writing; handed out after the nghttp2
/// call returns, never from inside a callback.
enum HTTP2SessionEvent {
    /// Which block of headers a HEADERS frame carried.
    enum HeadersKind {
        case request, response, trailers
    }

    case headers(streamID: Int32, kind: HeadersKind, fields: [HeaderField])
    /// DATA payload bytes. Under manual flow control they count against the windows until
    /// the owner calls `consume`.
    case data(streamID: Int32, bytes: ByteBuffer)
    /// The peer set END_STREAM on a HEADERS or DATA frame.
    case endOfStream(streamID: Int32)
    /// A header block outgrew the session's `maxHeaderListSize`. The fields past the limit
    /// are dropped, so the block's `headers` event that follows is incomplete: the owner
    /// must end the stream.
    case headerListTooLarge(streamID: Int32, limit: Int)
    /// The stream is gone; `errorCode` is the RST_STREAM code, 0 for a clean close.
    case streamClosed(streamID: Int32, errorCode: UInt32)
    case goAway(lastStreamID: Int32, errorCode: UInt32)
    /// nghttp2 found the peer broke the protocol and sent GOAWAY with this error code; the
    /// connection is over.
    case protocolErrorSent(errorCode: UInt32)
    /// The peer's SETTINGS arrived (the first one completes the connection preface).
    case settings
    /// The peer acknowledged one of our PINGs.
    case pingAcknowledged
}
